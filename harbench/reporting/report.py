"""`harbench report SUITE`: the suite's page, CSV tables, from stored results only."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from harbench.atomic import write_text_atomically
from harbench.datasets.catalog import dataset_ids
from harbench.errors import HarbenchError
from harbench.reporting.aggregate import runs_table, summary_table
from harbench.reporting.figures import suite_figures
from harbench.reporting.index import render_index
from harbench.reporting.latex import render_tex
from harbench.reporting.markdown import render
from harbench.reporting.significance import fold_scores
from harbench.reporting.summary import render_summary
from harbench.runner.run import SuiteData, plan_cells, splits_name
from harbench.runner.store import ResultStore
from harbench.runner.suite import SUITES_DIR, Suite, load_suite

DEFAULT_REPORTS_DIR = Path("reports")


class MissingResultsError(HarbenchError):
    """A report was asked for before every cell of its suite was computed."""


def write_report(suite: Suite, store: ResultStore, reports_dir: Path = DEFAULT_REPORTS_DIR,
                 suites_dir: Path = SUITES_DIR) -> list[Path]:
    """Write ``<suite>.md``, ``<suite>.csv``, ``<suite>.runs.csv``, ``<suite>.tex`` and the
    figures under ``figures/``, then rewrite the index ``README.md`` over every suite in
    ``suites_dir`` and the cross-dataset ``summary.md``; return the paths of the tables and
    of those two pages.

    Every cell of the suite must be in the store: a report never shows a partial table.
    """
    data = SuiteData(suite, store)
    splits = []
    for dataset in suite.datasets:
        name = splits_name(dataset, data.fingerprint(dataset), suite.protocol)
        description = store.load_splits(name)
        if description is None:
            raise MissingResultsError(f"{suite.name}: no stored results for dataset {dataset!r}; run "
                                      f"`harbench run {suite.name}` first.")
        splits.append(description)
    planned = plan_cells(suite, data)
    missing = [item.cell.label() for item in planned if not store.has(item.cell.key)]
    if missing:
        raise MissingResultsError(
            f"{suite.name}: {len(missing)} of {len(planned)} cells have no stored result (first: {missing[0]}). "
            f"Run `harbench run {suite.name}` first."
        )
    records = [store.load(item.cell.key) for item in planned]
    reports_dir = Path(reports_dir)
    perf_path = reports_dir / "perf.csv"
    perf = pd.read_csv(perf_path, keep_default_na=False) if perf_path.is_file() else None
    runs = runs_table(records)
    summary = summary_table(runs)
    classes = {description["dataset"]: description["classes"] for description in splits}
    figures = {}
    for (dataset, protocol), part in summary.groupby(["dataset", "protocol"], sort=False):
        block = [record for record in records if (record["dataset"], record["protocol"]) == (dataset, protocol)]
        scores = fold_scores(runs[(runs["dataset"] == dataset) & (runs["protocol"] == protocol)])
        figures[(dataset, protocol)] = [
            (caption, path.relative_to(reports_dir)) for caption, path in
            suite_figures(part, block, classes[dataset], reports_dir / "figures", f"{suite.name}-{dataset}-{protocol}",
                          scores)
        ]
    paths = {
        reports_dir / f"{suite.name}.md": render(suite, splits, summary, records, perf, figures, runs),
        reports_dir / f"{suite.name}.csv": summary.to_csv(index=False, float_format="%.6g"),
        reports_dir / f"{suite.name}.runs.csv": runs.to_csv(index=False, float_format="%.6g"),
        reports_dir / f"{suite.name}.tex": render_tex(suite.name, summary),
    }
    for path, text in paths.items():
        write_text_atomically(path, text)
    index = reports_dir / "README.md"
    suites = {**suite_descriptions(suites_dir), suite.name: suite.description}
    write_text_atomically(index, render_index(reports_dir, suites))
    summary_page = reports_dir / "summary.md"
    write_text_atomically(summary_page, render_summary(reports_dir, dataset_ids()))
    return [*paths, index, summary_page]


def suite_descriptions(suites_dir: Path) -> dict[str, str]:
    """Name -> description of every suite file in ``suites_dir``."""
    return {path.stem: load_suite(str(path)).description for path in sorted(Path(suites_dir).glob("*.toml"))}
