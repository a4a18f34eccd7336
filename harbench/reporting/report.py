"""`harbench report SUITE`: the suite's page, CSV tables, from stored results only."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

import pandas as pd

from harbench.atomic import write_text_atomically
from harbench.datasets.catalog import dataset_ids, get_dataset
from harbench.errors import DataIntegrityError, HarbenchError
from harbench.experiment import SuiteData, plan_cells, splits_name, with_newest_results
from harbench.reporting.aggregate import runs_table, summary_table
from harbench.reporting.epoch_selection import epoch_selection_section
from harbench.reporting.figures import suite_figures
from harbench.reporting.fusion import fusion_lines
from harbench.reporting.index import render_index
from harbench.reporting.latex import render_tex
from harbench.reporting.markdown import render
from harbench.reporting.metrics import score_record
from harbench.reporting.robustness import (
    refit_lines,
    robustness_figures,
    robustness_lines,
    robustness_runs,
    robustness_summary,
)
from harbench.reporting.summary import render_summary
from harbench.reporting.transfer import transfer_lines, transfer_runs
from harbench.reporting.uncertainty import block_uncertainty, interval_columns
from harbench.runner.predictions import Predictions
from harbench.runner.store import ResultStore
from harbench.runner.suite import SUITES_DIR, Suite, load_suite

DEFAULT_REPORTS_DIR = Path("reports")
DIGESTS_FILE = "report-inputs.json"  # suite -> digest of the inputs its files were written from


class MissingResultsError(HarbenchError):
    """A report was asked for before every cell of its suite was computed."""


def write_report(suite: Suite, store: ResultStore, reports_dir: Path = DEFAULT_REPORTS_DIR,
                 suites_dir: Path = SUITES_DIR) -> list[Path]:
    """`write_reports` for one suite."""
    return write_reports([suite], store, reports_dir, suites_dir)


def write_reports(suites: list[Suite], store: ResultStore, reports_dir: Path = DEFAULT_REPORTS_DIR,
                  suites_dir: Path = SUITES_DIR) -> list[Path]:
    """Write each suite's own files (`write_suite_files`), then rewrite, once, the index
    ``README.md`` over every suite in ``suites_dir`` and the cross-dataset ``summary.md``; return
    the paths of the tables and of those two pages."""
    reports_dir = Path(reports_dir)
    paths = [path for suite in suites for path in write_suite_files(suite, store, reports_dir)]
    return [*paths, *write_overview_pages(suites, reports_dir, Path(suites_dir))]


def write_suite_files(suite: Suite, store: ResultStore, reports_dir: Path) -> list[Path]:
    """Write ``<suite>.md``, ``<suite>.csv``, ``<suite>.runs.csv``, ``<suite>.tex`` and the
    figures under ``figures/``; return the paths of the tables.

    Every cell of the suite must be in the store with its per-window predictions: a report
    never shows a partial table, and every metric in it is computed from the predictions
    (`harbench.reporting.metrics`), with the subject-bootstrap intervals and paired tests of
    `harbench.reporting.uncertainty`. When the suite's inputs (`report_inputs_digest`) are those
    its current files were written from, they are left as they are.
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
    planned = with_newest_results(plan_cells(suite, data), store)
    perturbed = [cell for item in planned for cell in item.perturbed]
    missing = [cell.label() for cell in (*(item.cell for item in planned), *perturbed) if not store.has(cell.key)]
    if missing:
        raise MissingResultsError(
            f"{suite.name}: {len(missing)} of {len(planned) + len(perturbed)} cells have no stored result (first: "
            f"{missing[0]}). Run `harbench run {suite.name}` first."
        )
    suffixes = (".md", ".csv", ".runs.csv", ".tex") + ((".robustness.csv",) if perturbed else ())
    own_files = [reports_dir / f"{suite.name}{suffix}" for suffix in suffixes]
    digest = report_inputs_digest(suite, store, [key for item in planned for key in item.all_keys()],
                                  reports_dir / "perf.csv")
    if all(path.is_file() for path in own_files) and read_digests(reports_dir).get(suite.name) == digest:
        return own_files
    classes = {description["dataset"]: description["classes"] for description in splits}
    predictions = {item.cell.key: load_predictions(store, item.cell.key, item.cell.label(), suite.name)
                   for item in planned}
    records = [score_record(store.load(item.cell.key), predictions[item.cell.key], classes[item.cell.dataset])
               for item in planned]
    perf_path = reports_dir / "perf.csv"
    perf = pd.read_csv(perf_path, keep_default_na=False) if perf_path.is_file() else None
    runs = runs_table(records)
    uncertainty, intervals = {}, []
    for (dataset, protocol), block_runs in runs.groupby(["dataset", "protocol"], sort=False):
        block = block_uncertainty(summary_table(block_runs), block_runs, predictions, len(classes[dataset]),
                                  pipeline_order=[name for name in suite.pipelines if suite.runs_on(name, dataset)],
                                  unit=get_dataset(dataset).groups)
        uncertainty[(dataset, protocol)] = block
        intervals.append(interval_columns(block).assign(dataset=dataset, protocol=protocol))
    summary = summary_table(runs, pd.concat(intervals, ignore_index=True) if intervals else None)
    figures = {}
    for (dataset, protocol), part in summary.groupby(["dataset", "protocol"], sort=False):
        block = [record for record in records if (record["dataset"], record["protocol"]) == (dataset, protocol)]
        statistics = uncertainty[(dataset, protocol)]
        figures[(dataset, protocol)] = [
            (caption, path.relative_to(reports_dir)) for caption, path in
            suite_figures(part, block, classes[dataset], reports_dir / "figures", f"{suite.name}-{dataset}-{protocol}",
                          statistics.fold_scores, statistics.comparisons)
        ]
    robustness, robustness_csv = _robustness(suite, store, perturbed, records, classes, reports_dir)
    sections = [*epoch_selection_section(summary, records),
                *(["## Robustness", "", *robustness] if robustness else []),
                *_transfer(suite, splits, records, predictions),
                *(fusion_lines(suite.fusion, records, predictions, len(classes[suite.fusion["datasets"][0]]))
                  if suite.fusion else [])]
    paths = {
        reports_dir / f"{suite.name}.md": render(suite, splits, summary, records, perf, figures, uncertainty,
                                                 sections),
        reports_dir / f"{suite.name}.csv": summary.to_csv(index=False, float_format="%.6g"),
        reports_dir / f"{suite.name}.runs.csv": runs.to_csv(index=False, float_format="%.6g"),
        reports_dir / f"{suite.name}.tex": render_tex(suite.name, summary),
        **({reports_dir / f"{suite.name}.robustness.csv": robustness_csv} if perturbed else {}),
    }
    for path, text in paths.items():
        write_text_atomically(path, text)
    write_digests(reports_dir, {**read_digests(reports_dir), suite.name: digest})
    return list(paths)


def _robustness(suite: Suite, store: ResultStore, perturbed: list, records: list[dict], classes: dict[str, list],
                reports_dir: Path) -> tuple[list[str], str]:
    """A robustness suite's page section (a block per dataset and protocol, with its figures)
    and its per-severity table as CSV; nothing for a suite without perturbations."""
    if not perturbed:
        return [], ""
    clean = {record["key"]: record for record in records}
    scored = [score_record(store.load(cell.key), load_predictions(store, cell.key, cell.label(), suite.name),
                           classes[cell.dataset]) for cell in perturbed]
    runs = robustness_runs(scored, clean)
    summary = robustness_summary(runs)
    lines = []
    for (dataset, protocol), block in summary.groupby(["dataset", "protocol"], sort=False):
        lines += [f"### `{dataset}`, protocol `{protocol}`", "",
                  *robustness_lines(block, suite.perturbations, suite.perturbation_seed),
                  *refit_lines(runs[(runs["dataset"] == dataset) & (runs["protocol"] == protocol)])]
        for caption, path in robustness_figures(block, suite.perturbations, reports_dir / "figures",
                                                f"{suite.name}-{dataset}-{protocol}"):
            lines += [f"{caption}:", "", f"![{caption}]({path.relative_to(reports_dir).as_posix()})", ""]
    return lines, summary.to_csv(index=False, float_format="%.6g")


def _transfer(suite: Suite, splits: list[dict], records: list[dict], predictions: dict[str, Predictions]) -> list[str]:
    """The transfer section of a suite on a combined dataset (protocol ``cross_dataset``)."""
    if suite.protocol["name"] != "cross_dataset":
        return []
    lines = ["## Transfer between datasets", ""]
    for description in splits:
        block = [record for record in records if record["dataset"] == description["dataset"]]
        domains = description["windowing"]["domains"]
        runs = transfer_runs(block, predictions, domains, len(description["classes"]))
        lines += [f"### `{description['dataset']}`", "", *transfer_lines(runs, list(suite.pipelines), list(domains))]
    return lines


def write_overview_pages(reported: list[Suite], reports_dir: Path, suites_dir: Path) -> list[Path]:
    """Rewrite the index ``README.md`` over every suite in ``suites_dir`` and the ``reported``
    ones, and the cross-dataset ``summary.md``."""
    index = reports_dir / "README.md"
    suites = {**{path.stem: load_suite(str(path)) for path in sorted(Path(suites_dir).glob("*.toml"))},
              **{suite.name: suite for suite in reported}}
    write_text_atomically(index, render_index(reports_dir, {name: each.description for name, each in suites.items()}))
    summary_page = reports_dir / "summary.md"
    datasets = dataset_ids()
    notes = {name: list(each.notes) for name, each in suites.items() if name in datasets and each.notes}
    write_text_atomically(summary_page, render_summary(reports_dir, datasets, notes))
    return [index, summary_page]


def report_inputs_digest(suite: Suite, store: ResultStore, keys: list[str], perf_path: Path) -> str:
    """SHA-256 of everything a suite's report is computed from: the suite file's content, each
    cell's stored record and predictions, ``perf.csv`` and the reporting code itself."""
    digest = hashlib.sha256(json.dumps(dataclasses.asdict(suite), sort_keys=True, default=str).encode())
    for key in keys:
        digest.update(key.encode())
        digest.update(store.cell_bytes(key))
    if perf_path.is_file():
        digest.update(perf_path.read_bytes())
    for source in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(source.read_bytes())
    return digest.hexdigest()


def read_digests(reports_dir: Path) -> dict[str, str]:
    path = Path(reports_dir) / DIGESTS_FILE
    try:
        return json.loads(path.read_text()) if path.is_file() else {}
    except json.JSONDecodeError:
        return {}  # an unreadable record of digests only means every report is written again


def write_digests(reports_dir: Path, digests: dict[str, str]) -> None:
    write_text_atomically(Path(reports_dir) / DIGESTS_FILE, json.dumps(digests, indent=1, sort_keys=True) + "\n")


def load_predictions(store: ResultStore, key: str, label: str, suite_name: str) -> Predictions:
    """The stored predictions of one cell; a cell stored without them cannot be reported."""
    try:
        return store.load_predictions(key)
    except DataIntegrityError as error:
        raise MissingResultsError(f"{suite_name}: cell {label} (key {key}) has no readable per-window predictions, "
                                  f"which every reported metric is computed from: {error}") from error
