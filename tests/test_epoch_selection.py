"""The report's epoch-selection section: the selected epoch's validation accuracy beside that of
the epochs around it, from the stored curves."""

import pandas as pd

from harbench.reporting.epoch_selection import epoch_selection_section, selection_swing


def _record(pipeline: str, curve: list[float] | None, selected: int | None, accuracy: float) -> dict:
    return {"pipeline": pipeline, "dataset": "d", "protocol": "official", "accuracy": accuracy,
            "selected_epochs": selected, "history": {"loss": [1.0] * len(curve or [0]),
                                                     **({"val_accuracy": curve} if curve else {})}}


def test_the_swing_compares_the_selected_epoch_with_five_epochs_on_each_side():
    curve = [0.1, 0.5, 0.6, 0.7, 0.8, 0.2, 0.95, 0.3, 0.9, 0.85, 0.8, 0.75, 0.4, 0.99]
    swing = selection_swing(_record("resnet", curve, 7, 0.8))
    # epochs 2-6 and 8-12 around epoch 7 (index 6); the 1st and the 13th-14th are outside
    assert swing == {"selected": 7, "epochs": 14, "at_selected": 0.95, "around_median": 0.725,
                     "around_lowest": 0.2, "test": 0.8}


def test_runs_without_a_validation_curve_are_left_out():
    assert selection_swing(_record("svm", None, None, 0.9)) is None
    assert selection_swing(_record("cnn", [0.5, 0.6], None, 0.9)) is None  # trained without validation subjects
    assert selection_swing(_record("cnn", [0.5], 1, 0.9)) is None  # one epoch: nothing around it


def test_the_section_averages_over_runs_in_the_summary_order_and_is_absent_without_selection():
    records = [_record("resnet", [0.5, 0.9, 0.6], 2, 0.8), _record("resnet", [0.7, 0.8, 0.9], 3, 0.9),
               _record("lstm", [0.6, 0.7], 2, 0.7), _record("svm", None, None, 0.95)]
    summary = pd.DataFrame({"dataset": ["d"] * 3, "protocol": ["official"] * 3, "pipeline": ["svm", "lstm", "resnet"]})
    lines = epoch_selection_section(summary, records)
    assert lines[0] == "## Epoch selection"
    rows = [line for line in "\n".join(lines).splitlines() if line.startswith("| `")]
    assert rows == ["| `lstm` | 1 | 2 | 2 | 0.7000 | 0.6000 | 0.6000 | 0.7000 |",
                    "| `resnet` | 2 | 2.5 | 3 | 0.9000 | 0.6500 | 0.6000 | 0.8500 |"]
    assert epoch_selection_section(summary, [records[-1]]) == []
