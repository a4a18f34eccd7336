"""Late fusion of two modalities of the same trials (a suite's ``[fusion]`` table): for each
named pair of pipelines, one per dataset, the class probabilities the two stored for each test
trial are averaged and the fused prediction is their argmax (the per-trial probability average
of late fusion; e.g. Chen, Jafari & Kehtarnavaz 2015, ICIP, fuse UTD-MHAD's depth and inertial
classifiers at the decision level). Computed from the stored predictions: nothing is retrained.
"""

from __future__ import annotations

import numpy as np

from harbench.errors import DataIntegrityError
from harbench.reporting.markdown import table
from harbench.reporting.metrics import cell_metrics
from harbench.runner.predictions import Predictions


def fused_scores(first: Predictions, second: Predictions, n_classes: int, where: str) -> tuple[float, float]:
    """Accuracy and macro-F1 of the averaged probabilities of two cells' predictions of the same
    trials; refused when the trials or their labels differ."""
    if not (np.array_equal(first.test_index, second.test_index) and np.array_equal(first.y_true, second.y_true)):
        raise DataIntegrityError(f"{where}: the two cells' test items differ (index or true class), so their "
                                 "predictions cannot be fused trial by trial.")
    proba = (first.proba + second.proba) / 2
    fused = cell_metrics(Predictions(first.test_index, first.subjects, first.y_true, np.argmax(proba, axis=1), proba),
                         n_classes)
    return fused["accuracy"], fused["macro_f1"]


def fusion_lines(fusion: dict, records: list[dict], predictions: dict[str, Predictions], n_classes: int) -> list[str]:
    """The page's fusion section: each pair's accuracy on each modality and fused (means over
    folds and seeds)."""
    first, second = fusion["datasets"]
    cells = {(record["dataset"], record["pipeline"], record["fold"], record["seed"]): record for record in records}
    rows = []
    for pipeline_first, pipeline_second in fusion["pairs"]:
        runs = []
        for (dataset, pipeline, fold, seed), record in cells.items():
            other = cells.get((second, pipeline_second, fold, seed))
            if dataset != first or pipeline != pipeline_first or other is None:
                continue
            one, two = predictions[record["key"]], predictions[other["key"]]
            if one.proba is None or two.proba is None:
                raise DataIntegrityError(f"[fusion] pair {pipeline_first} + {pipeline_second}: a pipeline without "
                                         "class probabilities cannot be fused; name pipelines that give them.")
            accuracy, macro_f1 = fused_scores(one, two, n_classes, f"fold {fold}, seed {seed}")
            runs.append((record["accuracy"], other["accuracy"], accuracy, macro_f1))
        means = np.mean(runs, axis=0)
        rows.append([f"`{pipeline_first}` + `{pipeline_second}`", f"{means[0]:.4f}", f"{means[1]:.4f}",
                     f"{means[2]:.4f}", f"{means[2] - max(means[0], means[1]):+.4f}", f"{means[3]:.4f}"])
    return ["## Late fusion", "",
            f"`{first}` and `{second}` hold the same trials in the same order. For each pair named in the suite "
            "file, the two models' class probabilities for each test trial are averaged; the fused class is the "
            "most probable. Means over folds and seeds; *gain* is fused minus the better single modality.", "",
            table(["pair", first, second, "fused", "gain", "fused macro-F1"], rows, "lrrrrr"), ""]
