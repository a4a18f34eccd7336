"""ROCKET and MiniRocket variants on the UEA problems' own TRAIN/TEST split, to explain gaps
between harbench's ``minirocket`` and the published ROCKET means (30 resamples).

Three variants, each with StandardScaler(with_mean=False) and RidgeClassifierCV over
10^-3..10^3 as in harbench's ``minirocket``, mean over seeds 0-2:

- ``rocket``: aeon's ROCKET (Dempster, Petitjean & Webb 2020), 10,000 kernels, with its
  per-series normalisation, the classifier the published figures are for;
- ``minirocket_raw``: MiniRocket on raw series, as harbench's ``minirocket``;
- ``minirocket_znorm``: MiniRocket on series z-normalised per case and channel.

ROCKET here against the published mean isolates the split (one split against 30 resamples);
``minirocket_raw`` against ``rocket`` the classifier and the input normalisation.
Writes ``reports/rocket-reference.csv``, which ``reports/summary.md`` shows.
Usage: python benchmarks/rocket_reference.py [--reports-dir reports]
"""

import argparse
import platform
from pathlib import Path

import aeon
import numpy as np
import pandas as pd
from aeon.transformations.collection.convolution_based import MiniRocket, Rocket
from sklearn.linear_model import RidgeClassifierCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import harbench
from harbench.datasets import get_dataset
from harbench.reporting.summary import PUBLISHED_ROCKET

SEEDS = (0, 1, 2)
VARIANTS = {
    "rocket": (lambda seed: Rocket(n_kernels=10_000, normalise=True, random_state=seed, n_jobs=1), False),
    "minirocket_raw": (lambda seed: MiniRocket(random_state=seed, n_jobs=1), False),
    "minirocket_znorm": (lambda seed: MiniRocket(random_state=seed, n_jobs=1), True),
}


def z_normalised(X: np.ndarray) -> np.ndarray:
    return (X - X.mean(axis=2, keepdims=True)) / np.maximum(X.std(axis=2, keepdims=True), 1e-8)


def accuracies(dataset: str) -> list[dict]:
    windows = get_dataset(dataset).load()
    X = np.ascontiguousarray(windows.X.transpose(0, 2, 1), dtype=np.float64)  # aeon's (n, C, T)
    train, test = ~windows.official_test, windows.official_test
    rows = []
    for variant, (transform, normalise) in VARIANTS.items():
        inputs = z_normalised(X) if normalise else X
        scores = []
        for seed in SEEDS:
            model = make_pipeline(transform(seed), StandardScaler(with_mean=False),
                                  RidgeClassifierCV(alphas=np.logspace(-3, 3, 10)))
            model.fit(inputs[train], windows.y[train])
            scores.append(float(np.mean(model.predict(inputs[test]) == windows.y[test])))
        rows.append({"dataset": dataset, "variant": variant, "seeds": len(SEEDS), "accuracy_mean": np.mean(scores),
                     "accuracy_std": np.std(scores, ddof=1), "data_fingerprint": windows.fingerprint,
                     "harbench": harbench.__version__, "aeon": aeon.__version__, "cpu": platform.processor()
                     or platform.machine()})
        print(f"{dataset} {variant}: {np.mean(scores):.4f}", flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports-dir", default="reports")
    args = parser.parse_args()
    table = pd.DataFrame([row for dataset in PUBLISHED_ROCKET for row in accuracies(dataset)])
    path = Path(args.reports_dir) / "rocket-reference.csv"
    table.to_csv(path, index=False, float_format="%.6g")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
