"""The markdown page of a suite: setup, results and environment."""

from __future__ import annotations

import json
import math

import pandas as pd

from harbench.datasets.catalog import get_dataset
from harbench.reporting.aggregate import per_class_f1
from harbench.reporting.significance import ALPHA, compare, family_best_pairs, fold_scores


def table(header: list[str], rows: list[list[str]], align: str = "") -> str:
    """A GitHub markdown table; ``align`` has one ``l``/``r`` per column (default left)."""
    align = align or "l" * len(header)
    rule = ["---:" if a == "r" else "---" for a in align]
    lines = [header, rule, *rows]
    return "\n".join("| " + " | ".join(str(cell) for cell in line) + " |" for line in lines)


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def mean_std(mean: float, std: float, digits: int = 4) -> str:
    if _missing(std):
        return f"{mean:.{digits}f}"
    return f"{mean:.{digits}f} ± {std:.{digits}f}"


def _optional(value: float, template: str) -> str:
    return "–" if _missing(value) else template.format(value)


def _data_lines(splits: dict, windowed: bool) -> list[str]:
    """How the examples were made: windows cut from recordings, or the archive's series."""
    windowing = splits["windowing"]
    if not windowed:
        return [f"- Series: {splits['n_windows']:,} cases of {windowing['series_length']} samples each, as "
                "published (no windowing)."]
    seconds = windowing["length"] / splits["fs"]
    overlap = 1 - windowing["step"] / windowing["length"]
    return [f"- Windows: {windowing['length']} samples ({seconds:.2f} s), step {windowing['step']} "
            f"({overlap:.0%} overlap), kept only when wholly inside one labelled segment: "
            f"{splits['n_windows']:,} windows."]


def _fold_line(fold: dict, windowed: bool, protocol: str) -> str:
    subjects = fold["subjects"]
    if windowed:
        return (f"Fold {fold['fold']}: train subjects {subjects['train']}; validation subjects {subjects['val']}; "
                f"test subjects {subjects['test']}.")
    where = (" (training and validation cases from the archive's TRAIN file, test cases its TEST file)"
             if protocol == "official" else "")
    return (f"Fold {fold['fold']}: {len(subjects['train'])} training cases, {len(subjects['val'])} validation cases, "
            f"{len(subjects['test'])} test cases{where}.")


def _setup_section(splits: dict, protocol: dict, n_seeds: int) -> list[str]:
    spec = get_dataset(splits["dataset"])
    channels = ", ".join(f"{name} [{unit}]" for name, unit in zip(splits["channels"], splits["units"], strict=True))
    groups = "subjects" if spec.windowed else "cases (the data has no subject ids)"
    lines = [
        f"### Dataset `{spec.id}`", "",
        f"- {spec.description}.",
        f"- Citation: {spec.citation}.",
        f"- Channels: {channels}; {splits['fs']:g} Hz.",
        *_data_lines(splits, spec.windowed),
        f"- Data fingerprint: `{splits['fingerprint']}` ("
        + ("every file checked against harbench's SHA-256 manifest)." if spec.checksums_shipped else
           "from the SHA-256 of every file read; harbench has no published checksums for this dataset)."),
        *([f"- {spec.notes}"] if spec.notes else []),
        "",
        f"Protocol `{protocol['name']}` with {len(splits['folds'])} fold(s) x {n_seeds} seed(s). "
        f"The validation subset ({protocol.get('val_fraction', 0.2):.0%} of the training {groups}, chosen with "
        f"val_seed {protocol.get('val_seed', 0)}) is used for early stopping by learners that use validation "
        "data; the others train on training and validation data together. No subject or case is on two sides "
        "of any split.", "",
    ]
    for fold in splits["folds"]:
        lines += [_fold_line(fold, spec.windowed, protocol["name"]), ""]
        counts = fold["class_counts"]
        rows = [[name, counts["train"][name], counts["val"][name], counts["test"][name],
                 splits["class_counts"][name]] for name in splits["classes"]]
        rows.append(["**total**", *(sum(counts[side].values()) for side in ("train", "val", "test")),
                     splits["n_windows"]])
        lines += [table(["class", "train", "validation", "test", "all"], rows, "lrrrr"), ""]
        if len(splits["folds"]) > 3:
            lines += [f"(class counts shown for fold 0 only; {len(splits['folds'])} folds in all)", ""]
            break
    return lines


def _results_section(summary: pd.DataFrame, records: list[dict], classes: list[str]) -> list[str]:
    lines = [
        "Accuracy and macro-F1: mean ± sample standard deviation over runs (folds x seeds). Timings: median over "
        "runs, in seconds on the whole training or test fold. *fit s* and *predict s* include feature extraction, "
        "except where the features came from harbench's feature cache (tsfresh pipelines after their first run); "
        "*features s* is what extracting the training windows costs, measured when they were extracted, and "
        "*fit s with features* adds it back to cached runs, so it is the full training cost. "
        "*features* is the feature count after any selection. Latency: median "
        "milliseconds of single-window predictions (features included) through the compiled predict path. "
        "A standard deviation of 0 over seeds means the pipeline is deterministic given its training data.", "",
    ]
    quality = [[f"`{row.pipeline}`", row.family, row.n_runs, mean_std(row.accuracy_mean, row.accuracy_std),
                mean_std(row.macro_f1_mean, row.macro_f1_std)] for row in summary.itertuples()]
    cost = [[f"`{row.pipeline}`", _optional(row.n_features, "{:.0f}"), _optional(row.feature_s_median, "{:.1f}"),
             f"{row.fit_s_median:.1f}", f"{row.fit_with_features_s_median:.1f}",
             _optional(row.epochs_median, "{:.0f}"), f"{row.predict_s_median:.2f}",
             f"{row.latency_ms_median:.2f}", _optional(row.throughput_per_s_median, "{:,.0f}"),
             _optional(row.n_parameters, "{:,.0f}"), _optional(row.model_bytes_median, "{:,.0f}")]
            for row in summary.itertuples()]
    lines += [table(["pipeline", "family", "runs", "accuracy", "macro-F1"], quality, "lllrr"), "",
              "What each pipeline costs (*windows/s*: prediction throughput in batches of 256; *bytes*: the fitted "
              "pipeline as saved; –: not applicable, or not measured by runs stored before harbench recorded it):",
              "",
              table(["pipeline", "features", "features s", "fit s", "fit s with features", "epochs", "predict s",
                     "latency ms", "windows/s", "parameters", "bytes"], cost, "lrrrrrrrrrr"), ""]
    per_class = per_class_f1(records, list(summary["pipeline"]), list(classes))
    lines += ["Per-class F1 (mean over runs):", "",
              table(["pipeline", *per_class.columns],
                    [[f"`{name}`", *(f"{value:.3f}" for value in values)] for name, values in per_class.iterrows()],
                    "l" + "r" * len(per_class.columns)), ""]
    return lines


def _environment_section(records: list[dict]) -> list[str]:
    groups: dict[str, list[dict]] = {}
    for record in records:
        groups.setdefault(json.dumps(record["environment"], sort_keys=True), []).append(record)
    lines = []
    for number, members in enumerate(groups.values(), start=1):
        environment = members[0]["environment"]
        if len(groups) > 1:
            lines += [f"Environment {number} ({len(members)} of {len(records)} runs):", ""]
        packages = ", ".join(f"{name} {version}" for name, version in sorted(environment["packages"].items()))
        pools = ", ".join(f"{name}: {count}" for name, count in sorted(environment["thread_pools"].items()))
        lines += [
            "```",
            f"harbench   {environment['harbench']} (git {environment['git_commit'] or 'unknown'})",
            f"python     {environment['python']} on {environment['platform']}",
            f"cpu        {environment['cpu']} ({environment['cpu_count']} logical cpus, "
            f"{environment['cpus_available']} available)",
            f"threads    {pools or 'n/a'}; executor {environment['executor']}",
            f"packages   {packages}",
            *([f"settings   {' '.join(f'{k}={v}' for k, v in sorted(environment['settings'].items()))}"]
              if environment.get("settings") else []),
            "```", "",
        ]
    fingerprints = sorted({f"{record['dataset']}: {record['dataset_fingerprint']}" for record in records})
    lines += ["Data fingerprints: " + "; ".join(f"`{item}`" for item in fingerprints) + ".", ""]
    return lines


def _perf_section(perf: pd.DataFrame) -> list[str]:
    rows = [[f"`{row.benchmark}`", f"{int(row.n_windows):,}", f"{float(row.median_s):.4f}",
             f"`{row.baseline}`" if row.baseline else "–",
             f"{float(row.baseline_median_s):.3f}" if row.baseline else "–",
             f"{float(row.speedup):.0f}x" if row.baseline else "–",
             f"{float(row.peak_memory_mib):.0f}" if str(row.peak_memory_mib) else "–"] for row in perf.itertuples()]
    return [
        "Median seconds over pytest-benchmark rounds on this machine (`tox -e perf`, from `reports/perf.csv`); "
        "a speedup is measured against its baseline in the same session.", "",
        table(["benchmark", "windows", "median s", "baseline", "baseline s", "speedup", "peak MiB"], rows, "lrrlrrr"),
        "",
    ]


def _folds_section(summary: pd.DataFrame, runs: pd.DataFrame, folds: list[dict]) -> list[str]:
    """Per-fold accuracy (with each fold's held-out subjects) and the paired tests between the
    best pipelines of each family, for protocols with several folds."""
    scores = fold_scores(runs)
    test_subjects = {fold["fold"]: ", ".join(map(str, fold["subjects"]["test"])) for fold in folds}
    pipelines = [pipeline for pipeline in summary["pipeline"] if pipeline in scores.columns]
    rows = [[str(fold), test_subjects.get(fold, "?"), *(f"{scores.loc[fold, p]:.3f}" for p in pipelines)]
            for fold in scores.index]
    lines = [f"Accuracy per fold (mean over seeds) and the subject(s) each fold tests on; {len(scores)} folds:", "",
             table(["fold", "test subjects", *(f"`{p}`" for p in pipelines)], rows, "ll" + "r" * len(pipelines)),
             ""]
    pairs = family_best_pairs(summary)
    if not pairs or len(scores) < 2:
        return lines
    comparisons = compare(scores, pairs)
    rows = [[f"`{c.first}` vs `{c.second}`", c.n_folds, f"{c.mean_difference:+.4f}", f"{c.wins}/{c.losses}",
             f"{c.p_value:.2g}", f"{c.p_holm:.2g}", "yes" if c.significant else "no"] for c in comparisons]
    lines += [
        "Paired comparison across folds of the most accurate pipeline of each family: two-sided Wilcoxon "
        f"signed-rank test on the per-fold accuracies above, Holm-corrected over the {len(comparisons)} "
        f"comparison(s) made here (alpha {ALPHA}; Demšar 2006):", "",
        table(["comparison", "folds", "mean difference", "wins/losses", "p", "p (Holm)", "significant"], rows,
              "lrrrrrl"), "",
    ]
    return lines


def render(suite, splits: list[dict], summary: pd.DataFrame, records: list[dict],
           perf: pd.DataFrame | None = None, figures: dict | None = None, runs: pd.DataFrame | None = None) -> str:
    """The whole page of ``suite``."""
    lines = [
        f"# {suite.name}", "",
        f"{suite.description}", "",
        f"Generated by `harbench report {suite.name}` from {len(records)} stored results (suite file "
        f"`{suite.path}`); regenerate with `tox -e bench`. Do not edit by hand.", "",
        "## Setup", "",
    ]
    for description in splits:
        lines += _setup_section(description, suite.protocol, len(suite.seeds))
    lines += ["## Results", ""]
    classes = {description["dataset"]: description["classes"] for description in splits}
    for (dataset, protocol), part in summary.groupby(["dataset", "protocol"], sort=False):
        lines += [f"### `{dataset}`, protocol `{protocol}`", ""]
        lines += _results_section(part, [record for record in records
                                         if (record["dataset"], record["protocol"]) == (dataset, protocol)],
                                  classes[dataset])
        folds = next(description["folds"] for description in splits if description["dataset"] == dataset)
        if runs is not None and len(folds) > 1:
            block = runs[(runs["dataset"] == dataset) & (runs["protocol"] == protocol)]
            lines += _folds_section(part, block, folds)
        for caption, path in (figures or {}).get((dataset, protocol), []):
            lines += [f"{caption}:", "", f"![{caption}]({path.as_posix()})", ""]
    if perf is not None:
        lines += ["## Feature extraction speed", "", *_perf_section(perf)]
    lines += ["## Environment", "", *_environment_section(records)]
    return "\n".join(lines).rstrip() + "\n"
