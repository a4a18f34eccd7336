"""``reports/summary.md``: every pipeline on every dataset, the table users cite.

One column per dataset, taken from the suite named after the dataset id (``reports/<id>.csv``,
written by `harbench report <id>`); rows are pipelines. Average ranks follow Demšar (2006):
within each dataset the most accurate pipeline has rank 1, ties share the mean rank, and a
pipeline's average is over every reported dataset, so only the pipelines that ran on all of
them are ranked (a dataset's extra pipelines would otherwise change the others' ranks).

MiniRocket is also set beside the published ROCKET accuracies of the UEA problems, the
reference the time-series classification literature uses.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from harbench.reporting.markdown import table

# ROCKET (Dempster, Petitjean & Webb 2020), mean test accuracy over 30 resamples of each UEA
# problem, from the tsml-eval published results (Ruiz, Flynn, Large, Middlehurst & Bagnall
# (2021), The great multivariate time series classification bake off, DMKD 35:401-449).
PUBLISHED_ROCKET = {"basic_motions": 0.99, "epilepsy": 0.99, "natops": 0.885, "racket_sports": 0.928,
                    "uwave_gesture": 0.944}
NOTABLE_GAP = 0.03
ROCKET_REFERENCE_SUITE = "rocket_reference"


def dataset_tables(reports_dir: Path, dataset_ids: list[str]) -> dict[str, pd.DataFrame]:
    """Each dataset's summary rows from its own suite's CSV (first protocol block), where reported."""
    tables = {}
    for dataset in dataset_ids:
        path = reports_dir / f"{dataset}.csv"
        if path.is_file():
            summary = pd.read_csv(path)
            summary = summary[summary["dataset"] == dataset]
            if not summary.empty:
                tables[dataset] = summary[summary["protocol"] == summary["protocol"].iloc[0]]
    return tables


def _matrix(tables: dict[str, pd.DataFrame], metric: str) -> pd.DataFrame:
    columns = {dataset: part.set_index("pipeline")[metric] for dataset, part in tables.items()}
    return pd.DataFrame(columns)


def _formatted(matrix: pd.DataFrame) -> list[list[str]]:
    best = matrix.max(axis=0)
    rows = []
    for pipeline, values in matrix.iterrows():
        cells = []
        for dataset, value in values.items():
            text = "–" if pd.isna(value) else f"{value:.4f}"
            cells.append(f"**{text}**" if not pd.isna(value) and f"{value:.4f}" == f"{best[dataset]:.4f}" else text)
        rows.append([f"`{pipeline}`", *cells])
    return rows


def render_summary(reports_dir: Path, dataset_ids: list[str], notes: dict[str, list[str]] | None = None) -> str:
    """The summary page over the datasets' reports; ``notes`` names, per dataset, the pipelines
    whose suite has a note on how their settings were chosen (listed under the winners)."""
    tables = dataset_tables(reports_dir, dataset_ids)
    lines = ["# harbench summary: every pipeline on every dataset", "",
             "Written by `harbench report` from `reports/<dataset>.csv` (the suite named after each dataset); do not "
             "edit by hand. Mean over runs; the protocol and number of runs of each column are in the header "
             "table, and everything else about a number (split, environment, data fingerprint) on the dataset's "
             "own page. Best value per column in bold.", ""]
    if not tables:
        return "\n".join([*lines, "No dataset suite has a report yet.", ""])
    families = pd.concat(tables.values()).drop_duplicates("pipeline").set_index("pipeline")["family"]
    accuracy, macro_f1 = _matrix(tables, "accuracy_mean"), _matrix(tables, "macro_f1_mean")
    everywhere = accuracy.dropna(axis=0).index
    average_ranks = accuracy.loc[everywhere].rank(axis=0, ascending=False, method="average").mean(axis=1).sort_values()
    unranked = accuracy.index.difference(everywhere).sort_values()
    order = [*average_ranks.index, *unranked]
    accuracy, macro_f1 = accuracy.loc[order], macro_f1.loc[order]
    header = [table(["dataset", "protocol", "runs per pipeline", "pipelines", "page"],
                    [[f"`{dataset}`", part["protocol"].iloc[0], "/".join(map(str, sorted(set(part["n_runs"])))),
                      len(part), f"[{dataset}.md]({dataset}.md)"] for dataset, part in tables.items()], "llrrl")]
    columns = [f"`{dataset}`" for dataset in accuracy.columns]
    rank_rows = [[f"`{pipeline}`", families[pipeline], f"{rank:.2f}"] for pipeline, rank in average_ranks.items()]
    winners = []
    for dataset in accuracy.columns:
        best = accuracy[dataset].max()
        tied = [pipeline for pipeline, value in accuracy[dataset].items() if f"{value:.4f}" == f"{best:.4f}"]
        winners.append([f"`{dataset}`", ", ".join(f"`{pipeline}`" for pipeline in tied),
                        ", ".join(sorted({families[pipeline] for pipeline in tied})), f"{best:.4f}"])
    lines += [*header, "", "## Accuracy", "", table(["pipeline", *columns], _formatted(accuracy),
                                                    "l" + "r" * len(columns)), "",
              "## Macro-F1", "", table(["pipeline", *columns], _formatted(macro_f1), "l" + "r" * len(columns)), "",
              "## Average accuracy rank", "",
              f"Over all {len(columns)} datasets, among the {len(everywhere)} pipelines that ran on every one of "
              "them (rank 1 = most accurate; ties share the mean rank).", "",
              table(["pipeline", "family", "average rank"], rank_rows, "llr"), ""]
    if len(unranked):
        lines += ["Not ranked, because they did not run on every dataset: "
                  + ", ".join(f"`{pipeline}`" for pipeline in unranked) + ".", ""]
    lines += ["## Which family wins where", "",
              table(["dataset", "most accurate (ties: all)", "family", "accuracy"], winners, "lllr"), ""]
    noted = {dataset: pipelines for dataset, pipelines in (notes or {}).items() if dataset in tables}
    if noted:
        lines += ["Before citing these rows, read the notes on how their settings were chosen (on the dataset's "
                  "page, under *Notes on the pipelines*): "
                  + "; ".join(f"`{dataset}`: " + ", ".join(f"`{pipeline}`" for pipeline in pipelines)
                              for dataset, pipelines in noted.items()) + ".", ""]
    return "\n".join([*lines, *_rocket_lines(tables, reports_dir)])


def _rocket_lines(tables: dict[str, pd.DataFrame], reports_dir: Path) -> list[str]:
    """MiniRocket beside the published ROCKET means, for the UEA problems reported here, with the
    same-split ROCKET and z-normalised MiniRocket of the ``rocket_reference`` suite's table
    (``rocket_reference.csv``) where it has been reported."""
    reference_path = reports_dir / f"{ROCKET_REFERENCE_SUITE}.csv"
    reference = (pd.read_csv(reference_path).pivot(index="dataset", columns="pipeline", values="accuracy_mean")
                 if reference_path.is_file() else pd.DataFrame())
    rows = []
    for dataset, published in PUBLISHED_ROCKET.items():
        part = tables.get(dataset)
        if part is None or "minirocket" not in set(part["pipeline"]):
            continue
        row = part.set_index("pipeline").loc["minirocket"]
        gap = row["accuracy_mean"] - published
        same_split = [f"{reference.loc[dataset, variant]:.4f}" if dataset in reference.index else "–"
                      for variant in ("rocket", "minirocket@znorm")]
        rows.append([f"`{dataset}`", f"{published:.3f}", same_split[0],
                     f"{row['accuracy_mean']:.4f} ± {row.get('accuracy_std_seeds', row['accuracy_std']):.4f}",
                     same_split[1],
                     f"{gap:+.4f}", "**yes**" if abs(gap) > NOTABLE_GAP else "no"])
    if not rows:
        return []
    return ["## MiniRocket against the published ROCKET figures", "",
            "*Published*: ROCKET's mean accuracy over 30 resamples of each problem (tsml-eval results of Ruiz et al. "
            "2021, DMKD 35:401-449). *`minirocket` here*: MiniRocket (Dempster et al. 2021) on the archive's own "
            "TRAIN/TEST split, raw series, mean ± std over the suite's seeds. The two *same split* columns come "
            "from the `rocket_reference` suite (`reports/rocket_reference.md`, seeds 0-2): aeon's ROCKET "
            "with its per-series normalisation, and MiniRocket on z-normalised series. ROCKET on the same split "
            "against the published mean measures what one split instead of 30 resamples costs; `minirocket` "
            "against MiniRocket z-normalised measures what feeding raw series (harbench keeps the signal's "
            f"level: gravity, marker positions) changes. Gaps over {NOTABLE_GAP} are flagged.", "",
            table(["dataset", "ROCKET published", "ROCKET, same split", "`minirocket` here",
                   "MiniRocket z-normalised, same split", "gap to published", f"gap > {NOTABLE_GAP}"],
                  rows, "lrrrrrl"), ""]
