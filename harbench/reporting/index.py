"""``reports/README.md``: every suite, its page and its headline row."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from harbench.reporting.markdown import mean_with_uncertainty, table


def render_index(reports_dir: Path, suites: dict[str, str]) -> str:
    """The index page for ``suites`` (name -> description): for each suite with a report in
    ``reports_dir``, the most accurate pipeline of every (dataset, protocol) block."""
    lines = [
        "# harbench reports", "",
        "Written by `harbench report` from the stored results under `results/`; do not edit by hand. "
        "Each suite has a page (`<suite>.md`), its summary table (`<suite>.csv`, one row per pipeline), every "
        "run (`<suite>.runs.csv`) and a LaTeX booktabs table (`<suite>.tex`). Cite harbench with "
        "`CITATION.cff` and quote the protocol, runs, environment and data fingerprint from the suite's page.", "",
    ]
    rows, pending = [], []
    for name, description in sorted(suites.items()):
        path = reports_dir / f"{name}.csv"
        if not path.is_file():
            pending.append(f"- `{name}`: {description} (no report yet: run `harbench run {name}`, "
                           f"then `harbench report {name}`)")
            continue
        summary = pd.read_csv(path)
        for (dataset, protocol), part in summary.groupby(["dataset", "protocol"], sort=False):
            best = part.sort_values("accuracy_mean", ascending=False).iloc[0]
            rows.append([f"[{name}]({name}.md)", f"`{dataset}`", protocol, f"`{best['pipeline']}`", best["family"],
                         int(best["n_runs"]), mean_with_uncertainty(best, "accuracy"),
                         mean_with_uncertainty(best, "macro_f1"), len(part)])
    if rows:
        lines += ["Headline: the most accurate pipeline of each suite, dataset and protocol; under one split with "
                  "its 95% subject-bootstrap interval [low, high], under several folds ± the standard deviation "
                  "over folds.", "",
                  table(["suite", "dataset", "protocol", "best pipeline", "family", "runs", "accuracy", "macro-F1",
                         "pipelines compared"], rows, "llllllrrr"), ""]
    if pending:
        lines += ["Suites without a report yet:", "", *pending, ""]
    return "\n".join(lines)
