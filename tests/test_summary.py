import pandas as pd

from harbench.reporting.summary import render_summary


def _csv(path, dataset, rows):
    pd.DataFrame([{"dataset": dataset, "protocol": "official", "pipeline": p, "family": f, "n_runs": 3,
                   "accuracy_mean": a, "accuracy_std": 0.002, "macro_f1_mean": a - 0.01}
                  for p, f, a in rows]).to_csv(path, index=False)


def test_summary_ranks_pipelines_across_datasets_and_bolds_the_best(tmp_path):
    _csv(tmp_path / "uci_har.csv", "uci_har", [("svm", "classical", 0.96), ("cnn", "deep", 0.94),
                                               ("minirocket", "kernel", 0.97)])
    _csv(tmp_path / "epilepsy.csv", "epilepsy", [("svm", "classical", 0.90), ("minirocket", "kernel", 0.99)])
    page = render_summary(tmp_path, ["epilepsy", "hapt", "uci_har"])
    assert "| `minirocket` | **0.9900** | **0.9700** |" in page
    assert "| `minirocket` | kernel | 1.00 |" in page and "| `svm` | classical | 2.00 |" in page
    assert "Not ranked, because they did not run on every dataset: `cnn`." in page
    assert "| `svm` | 0.9000 | 0.9600 |" in page and "| `cnn` | – | 0.9400 |" in page
    assert "| `uci_har` | `minirocket` | kernel | 0.9700 |" in page
    assert "hapt" not in page.split("## Accuracy")[1], "a dataset without its suite's report has no column"


def test_minirocket_is_set_beside_the_published_rocket_figures_with_large_gaps_flagged(tmp_path):
    _csv(tmp_path / "epilepsy.csv", "epilepsy", [("svm", "classical", 0.90), ("minirocket", "kernel", 0.95)])
    _csv(tmp_path / "natops.csv", "natops", [("svm", "classical", 0.80), ("minirocket", "kernel", 0.90)])
    pd.DataFrame([{"dataset": "natops", "pipeline": pipeline, "accuracy_mean": accuracy} for pipeline, accuracy in
                  (("rocket", 0.88), ("minirocket@znorm", 0.87))]).to_csv(
        tmp_path / "rocket_reference.csv", index=False)
    page = render_summary(tmp_path, ["epilepsy", "natops"])
    rocket = page.split("## MiniRocket against the published ROCKET figures")[1]
    assert "| `epilepsy` | 0.990 | – | 0.9500 ± 0.0020 | – | -0.0400 | **yes** |" in rocket
    assert "| `natops` | 0.885 | 0.8800 | 0.9000 ± 0.0020 | 0.8700 | +0.0150 | no |" in rocket


def test_a_tie_for_the_best_names_every_pipeline_and_family_in_it(tmp_path):
    _csv(tmp_path / "basic_motions.csv", "basic_motions", [("svm", "classical", 1.0), ("minirocket", "kernel", 1.0),
                                                           ("cnn", "deep", 0.95)])
    page = render_summary(tmp_path, ["basic_motions"])
    assert "| `basic_motions` | `svm`, `minirocket` | classical, kernel | 1.0000 |" in page


def test_the_summary_points_to_the_notes_of_the_datasets_it_shows(tmp_path):
    _csv(tmp_path / "weizmann.csv", "weizmann", [("motion_history+svm", "classical", 0.94)])
    page = render_summary(tmp_path, ["weizmann", "epilepsy"],
                          notes={"weizmann": ["motion_history+svm"], "epilepsy": ["cnn"]})
    assert ("read the notes on how their settings were chosen (on the dataset's page, under *Notes on the "
            "pipelines*): `weizmann`: `motion_history+svm`.") in page
    assert "epilepsy" not in page.split("Before citing")[1], "a dataset without a report is not pointed to"
    assert "Before citing" not in render_summary(tmp_path, ["weizmann"])
