"""How reliable each deep learner's epoch selection was: the validation accuracy of the
selected epoch beside that of the epochs around it, from the stored training curves.

A learner that selects its epoch on the validation subjects keeps the epoch of the best
validation score of a curve that moves from epoch to epoch, so the selected epoch's validation
accuracy is the largest of many noisy values and overstates what that many epochs give in
general (the "winner's curse" of selection, Cawley & Talbot 2010, JMLR 11:2079-2107). The
refit on training + validation subjects then trains for that many epochs and keeps its last
one, with no validation subjects left to check it. Where the epochs around the selected one
score much lower, the refit's last epoch is a draw from that swing, and its test accuracy
varies with the seed more than the selection run's best epoch suggests."""

from __future__ import annotations

import numpy as np
import pandas as pd

from harbench.reporting.markdown import table

NEIGHBOURS = 5  # epochs on each side of the selected one


def selection_swing(record: dict) -> dict | None:
    """For a run that selected its epoch on validation subjects: the selected epoch, the
    validation accuracy there, the median and the lowest validation accuracy of the
    ``NEIGHBOURS`` epochs on each side of it, and the run's test accuracy; None for any other
    run."""
    history, selected = record.get("history") or {}, record.get("selected_epochs")
    curve = history.get("val_accuracy")
    if not curve or not selected or selected > len(curve):
        return None
    index = selected - 1
    around = curve[max(0, index - NEIGHBOURS):index] + curve[index + 1:index + 1 + NEIGHBOURS]
    if not around:
        return None
    return {"selected": selected, "epochs": len(curve), "at_selected": curve[index],
            "around_median": float(np.median(around)), "around_lowest": min(around), "test": record["accuracy"]}


def epoch_selection_lines(records: list[dict], pipelines: list[str]) -> list[str]:
    """A table, one row per pipeline (in ``pipelines``' order) whose runs selected their epoch
    on validation subjects, with each `selection_swing` figure averaged over its runs; nothing
    when no run did."""
    rows = []
    for pipeline in pipelines:
        swings = [swing for record in records if record["pipeline"] == pipeline
                  and (swing := selection_swing(record)) is not None]
        if not swings:
            continue
        mean = {name: float(np.mean([swing[name] for swing in swings])) for name in swings[0]}
        rows.append([f"`{pipeline}`", str(len(swings)),
                     f"{np.median([swing['selected'] for swing in swings]):g}", f"{mean['epochs']:.0f}",
                     f"{mean['at_selected']:.4f}", f"{mean['around_median']:.4f}", f"{mean['around_lowest']:.4f}",
                     f"{mean['test']:.4f}"])
    if not rows:
        return []
    return [
        "Epoch selection on the validation subjects (from the stored training curves; means over runs): the "
        "validation accuracy of the selected epoch, and the median and lowest validation accuracy of the "
        f"{NEIGHBOURS} epochs on each side of it. The selected epoch is the best of a curve that moves from epoch "
        "to epoch, so its validation accuracy overstates what that many epochs give; a refit on training + "
        "validation subjects (*trained on* train + val) trains that many epochs and keeps its last, unchecked. "
        "Where the epochs around the selected one score much lower, the refit's test accuracy varies with the "
        "seed accordingly.", "",
        table(["pipeline", "runs", "selected epoch (median)", "epochs run (mean)", "validation accuracy there",
               f"median of ±{NEIGHBOURS} epochs", f"lowest of ±{NEIGHBOURS} epochs", "test accuracy"],
              rows, "lrrrrrrr"), ""]


def epoch_selection_section(summary: pd.DataFrame, records: list[dict]) -> list[str]:
    """The page's "Epoch selection" section: `epoch_selection_lines` for each dataset and
    protocol (a heading each when there are several), pipelines in ``summary``'s order; nothing
    when no run selected its epoch on validation subjects."""
    blocks = list(summary.groupby(["dataset", "protocol"], sort=False))
    lines = []
    for (dataset, protocol), part in blocks:
        block = epoch_selection_lines([record for record in records
                                       if (record["dataset"], record["protocol"]) == (dataset, protocol)],
                                      list(part["pipeline"]))
        if block and len(blocks) > 1:
            lines += [f"### `{dataset}`, protocol `{protocol}`", ""]
        lines += block
    return ["## Epoch selection", "", *lines] if lines else []
