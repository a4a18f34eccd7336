"""``reports/summary.md``: every pipeline on every dataset, the table users cite.

One column per dataset, taken from the suite named after the dataset id (``reports/<id>.csv``,
written by `harbench report <id>`); rows are pipelines. Average ranks follow Demšar (2006):
within each dataset the most accurate pipeline has rank 1, ties share the mean rank, and a
pipeline's average is over the datasets it ran on (the count is shown).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from harbench.reporting.markdown import table


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


def render_summary(reports_dir: Path, dataset_ids: list[str]) -> str:
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
    ranks = accuracy.rank(axis=0, ascending=False, method="average")
    order = ranks.mean(axis=1).sort_values().index
    accuracy, macro_f1, ranks = accuracy.loc[order], macro_f1.loc[order], ranks.loc[order]
    header = [table(["dataset", "protocol", "runs per pipeline", "pipelines", "page"],
                    [[f"`{dataset}`", part["protocol"].iloc[0], "/".join(map(str, sorted(set(part["n_runs"])))),
                      len(part), f"[{dataset}.md]({dataset}.md)"] for dataset, part in tables.items()], "llrrl")]
    columns = [f"`{dataset}`" for dataset in accuracy.columns]
    rank_rows = [[f"`{pipeline}`", families[pipeline], f"{ranks.loc[pipeline].mean():.2f}",
                  int(ranks.loc[pipeline].notna().sum())] for pipeline in order]
    winners = [[f"`{dataset}`", f"`{accuracy[dataset].idxmax()}`", families[accuracy[dataset].idxmax()],
                f"{accuracy[dataset].max():.4f}"] for dataset in accuracy.columns]
    lines += [*header, "", "## Accuracy", "", table(["pipeline", *columns], _formatted(accuracy),
                                                    "l" + "r" * len(columns)), "",
              "## Macro-F1", "", table(["pipeline", *columns], _formatted(macro_f1), "l" + "r" * len(columns)), "",
              "## Average accuracy rank", "", table(["pipeline", "family", "average rank", "datasets"], rank_rows,
                                                    "llrr"), "",
              "## Which family wins where", "", table(["dataset", "most accurate", "family", "accuracy"], winners,
                                                      "lllr"), ""]
    return "\n".join(lines)
