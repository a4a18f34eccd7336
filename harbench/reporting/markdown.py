"""The markdown page of a suite: setup, results and environment."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd

from harbench.datasets.catalog import get_dataset
from harbench.reporting.aggregate import per_class_f1
from harbench.reporting.bootstrap import Interval
from harbench.reporting.significance import ALPHA, MIN_FOLDS
from harbench.reporting.uncertainty import BlockUncertainty
from harbench.runner.cells import describe_compute


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


def mean_with_uncertainty(row: pd.Series, metric: str, digits: int = 4) -> str:
    """A summary row's mean of ``metric`` with its uncertainty: ``[95% CI]`` (subject bootstrap)
    under one split, ``± std over folds`` under several; ``± std over runs`` for a table written
    before these columns existed."""
    mean = row[f"{metric}_mean"]
    if row.get("n_folds") == 1 and not _missing(row.get(f"{metric}_ci_low")):
        return f"{mean:.{digits}f} [{row[f'{metric}_ci_low']:.{digits}f}, {row[f'{metric}_ci_high']:.{digits}f}]"
    if not _missing(row.get(f"{metric}_std_folds")):
        return f"{mean:.{digits}f} ± {row[f'{metric}_std_folds']:.{digits}f} over folds"
    return mean_std(mean, row.get(f"{metric}_std"), digits)


def _optional(value: float, template: str) -> str:
    return "–" if _missing(value) else template.format(value)


def _data_lines(splits: dict, spec) -> list[str]:
    """How the examples were made: windows cut from recordings, an archive's series as
    published, or sequences (trials, clips) an adapter brought to one length."""
    windowing = splits["windowing"]
    if not spec.windowed:
        if spec.groups == "cases":
            made = f"cases of {windowing['series_length']} samples each, as published"
        elif "height" in windowing:
            made = (f"clips of {windowing['series_length']} frames of {windowing['height']} x {windowing['width']} "
                    "pixels each, one per video, sampled and resized by the adapter as the notes below say")
        else:
            made = (f"sequences of {windowing['series_length']} time steps each, one per trial or clip, brought to "
                    "this length by the adapter as the notes below say")
        return [f"- Series: {splits['n_windows']:,} {made} (no windowing)."]
    seconds = windowing["length"] / splits["fs"]
    overlap = 1 - windowing["step"] / windowing["length"]
    return [f"- Windows: {windowing['length']} samples ({seconds:.2f} s), step {windowing['step']} "
            f"({overlap:.0%} overlap), kept only when wholly inside one labelled segment: "
            f"{splits['n_windows']:,} windows."]


def _fold_line(fold: dict, spec, protocol: str) -> str:
    subjects = fold["subjects"]
    if spec.groups != "cases":
        return (f"Fold {fold['fold']}: train {spec.groups} {subjects['train']}; validation {spec.groups} "
                f"{subjects['val']}; test {spec.groups} {subjects['test']}.")
    where = (" (training and validation cases from the archive's TRAIN file, test cases its TEST file)"
             if protocol == "official" else "")
    return (f"Fold {fold['fold']}: {len(subjects['train'])} training cases, {len(subjects['val'])} validation cases, "
            f"{len(subjects['test'])} test cases{where}.")


def _selection_lines(protocol: dict) -> list[str]:
    """What a selection suite's "test" side is: the validation subjects of the protocol it selects for."""
    if protocol["name"] != "validation":
        return []
    of = protocol["of"]
    return [f"**A selection suite:** each fold's test side is the validation subset of the `{of['name']}` "
            "protocol's same fold, and its training side that fold's training subjects; the test subjects of "
            f"`{of['name']}` are on no side. Its figures decide configurations that suites on `{of['name']}` "
            "then report on their test subjects.", ""]


def _setup_section(splits: dict, protocol: dict, n_seeds: int) -> list[str]:
    spec = get_dataset(splits["dataset"])
    channels = ", ".join(f"{name} [{unit}]" for name, unit in zip(splits["channels"], splits["units"], strict=True))
    groups = spec.groups if spec.groups != "cases" else "cases (the data has no subject ids)"
    lines = [
        f"### Dataset `{spec.id}`", "",
        f"- {spec.description}.",
        f"- Citation: {spec.citation}.",
        f"- Channels: {channels}; {splits['fs']:g} Hz.",
        *_data_lines(splits, spec),
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
        *_selection_lines(protocol),
    ]
    for fold in splits["folds"]:
        lines += [_fold_line(fold, spec, protocol["name"]), ""]
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


TRAINED_ON = {"train": "train", "train+val": "train + val"}


def _interval(interval: Interval | None, digits: int = 4) -> str:
    return "–" if interval is None else interval.describe(digits)


def _dirty_mark(row) -> str:
    return " †" if getattr(row, "dirty_runs", 0) else ""


def _quality_table(summary: pd.DataFrame, uncertainty: BlockUncertainty | None) -> str:
    """The quality table: under one split every number with its subject-bootstrap interval and
    the spread over seeds; under several folds the mean over runs with the spread over folds
    and over seeds, in separate columns."""
    def ci(pipeline: str, metric: str) -> Interval | None:
        return uncertainty.intervals.get(pipeline, {}).get(metric) if uncertainty else None

    single = bool((summary["n_folds"] == 1).all())
    rows = []
    for row in summary.itertuples():
        name = f"`{row.pipeline}`{_dirty_mark(row)}"
        trained = ", ".join(TRAINED_ON.get(part, part) for part in str(row.trained_on).split(", ")) or "?"
        calibration = [_optional(row.balanced_accuracy_mean, "{:.4f}"), _optional(row.log_loss_mean, "{:.3f}"),
                       _optional(row.ece_mean, "{:.3f}")]
        if single:
            rows.append([name, row.family, trained, row.n_runs, _interval(ci(row.pipeline, "accuracy")),
                         _interval(ci(row.pipeline, "macro_f1")), *calibration,
                         _optional(row.accuracy_std_seeds, "{:.4f}")])
        else:
            rows.append([name, row.family, trained, row.n_runs, f"{row.accuracy_mean:.4f}",
                         _optional(row.accuracy_std_folds, "{:.4f}"), _optional(row.accuracy_std_seeds, "{:.4f}"),
                         f"{row.macro_f1_mean:.4f}", _optional(row.macro_f1_std_folds, "{:.4f}"), *calibration])
    if single:
        return table(["pipeline", "family", "trained on", "runs", "accuracy [95% CI]", "macro-F1 [95% CI]",
                      "balanced accuracy", "log-loss", "ECE", "accuracy std over seeds"], rows, "llllrrrrrr")
    return table(["pipeline", "family", "trained on", "runs", "accuracy", "std over folds", "std over seeds",
                  "macro-F1", "macro-F1 std over folds", "balanced accuracy", "log-loss", "ECE"], rows,
                 "llllrrrrrrrr")


def _difference_lines(uncertainty: BlockUncertainty | None) -> list[str]:
    if uncertainty is None or uncertainty.difference is None:
        return []
    difference = uncertainty.difference
    pooled = f" (pooled over the folds' test {uncertainty.unit})" if uncertainty.n_folds > 1 else ""
    return [f"Best classical minus best deep pipeline{pooled}, `{difference.classical}` - `{difference.deep}`: "
            f"accuracy {difference.intervals['accuracy'].describe(signed=True)}, macro-F1 "
            f"{difference.intervals['macro_f1'].describe(signed=True)} (estimate [95% CI], paired: both pipelines "
            f"scored on the same resamples of test {uncertainty.unit}; an interval that excludes 0 is a difference "
            f"these test {uncertainty.unit} support).", ""]


def _results_section(summary: pd.DataFrame, records: list[dict], classes: list[str],
                     uncertainty: BlockUncertainty | None = None) -> list[str]:
    single = bool((summary["n_folds"] == 1).all())
    unit = uncertainty.unit if uncertainty else "subjects"
    if single:
        spread = ("Accuracy and macro-F1: mean over seeds with its " + (uncertainty.describe()
                  if uncertainty else "interval") + ". *Accuracy std over seeds*: sample standard deviation over "
                  "seeds on this one split (initialisation only, not data: 0 for a deterministic pipeline).")
    else:
        spread = ("Accuracy and macro-F1: mean over runs (folds x seeds). *Std over folds*: sample standard "
                  f"deviation over folds of each fold's mean over seeds (which {unit} are tested); *std over "
                  "seeds*: sample standard deviation over seeds within a fold, averaged over folds "
                  f"(initialisation); the two are never pooled. Bootstrap intervals over test {unit} are in the "
                  "per-fold section below.")
    lines = [
        spread + " *Balanced accuracy*: mean recall over the classes present in the test windows. *Log-loss* "
        "(natural log, probabilities clipped at 1e-15) and *ECE* (expected calibration error, 15 equal-width "
        "confidence bins, Guo et al. 2017) are means over runs, shown only for models that give class "
        "probabilities. Every metric is computed from the stored per-window predictions. *Trained on*: the "
        f"{unit} the final model was fitted on (train: the training {unit}, the validation {unit} used "
        "for early stopping or selection; train + val: both).", "",
        "Timings: median over runs, in seconds on the whole training or test fold. *fit s* includes feature "
        "extraction, except where the training features came from harbench's feature cache (tsfresh pipelines "
        "after their first run); *features s* is what extracting the training windows costs, measured when they "
        "were extracted, and *fit s with features* adds it back to cached runs, so it is the full training cost. "
        "*predict s* always computes the test windows' features (feature caches off). *features* is the feature "
        "count after any selection. Latency and windows/s: single-threaded (one BLAS/OpenMP thread, the "
        "pipeline's own workers set to one), after warm-up calls; latency is the median milliseconds of "
        "single-window predictions (features included) through the compiled predict path.", "",
        _quality_table(summary, uncertainty), "",
    ]
    dirty = summary[summary["dirty_runs"].fillna(0) > 0]
    if not dirty.empty:
        lines += ["† computed on a dirty tree (uncommitted changes in the working tree): "
                  + ", ".join(f"`{row.pipeline}` ({int(row.dirty_runs)} of {row.n_runs} runs)"
                              for row in dirty.itertuples()) + ".", ""]
    lines += _difference_lines(uncertainty)
    cost = [[f"`{row.pipeline}`", _optional(row.n_features, "{:.0f}"), _optional(row.feature_s_median, "{:.1f}"),
             f"{row.fit_s_median:.1f}", f"{row.fit_with_features_s_median:.1f}",
             _optional(row.epochs_median, "{:.0f}"), f"{row.predict_s_median:.2f}",
             f"{row.latency_ms_median:.2f}", _optional(row.throughput_per_s_median, "{:,.0f}"),
             _optional(row.n_parameters, "{:,.0f}"), _optional(row.model_bytes_median, "{:,.0f}")]
            for row in summary.itertuples()]
    loaded = [record for record in records if record.get("load_average")
              and max(record["load_average"]) > record["environment"]["cpus_available"]]
    if loaded:
        lines += [f"Timings of {len(loaded)} of {len(records)} runs were measured while other work shared the "
                  "machine (1-minute load average above its available CPUs when the run started or ended: "
                  + ", ".join(sorted({f"`{record['pipeline']}`" for record in loaded}))
                  + "); their seconds are inflated. Accuracies are unaffected.", ""]
    lines += _resumed_runs_note(records)
    one_off = [record["one_off_s"] for record in records if record.get("one_off_s") is not None]
    if one_off:
        lines += ["One-off warm-up (imports, compilation) paid in a process before a cell, measured apart and "
                  f"charged to no cell's timings: recorded with {len(one_off)} of {len(records)} runs, median "
                  f"{np.median(one_off):.1f} s, max {max(one_off):.1f} s.", ""]
    lines += ["What each pipeline costs (*windows/s*: prediction throughput in batches of 256; *bytes*: the fitted "
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


def _resumed_runs_note(records: list[dict]) -> list[str]:
    """A paragraph naming the runs trained over more than one process (resumable training,
    `harbench.models.deep.checkpoint`), or nothing."""
    resumed = sorted((record for record in records if (record.get("training_checkpoint") or {}).get("resumed_epochs")),
                     key=lambda record: (record["pipeline"], record["fold"], record["seed"]))
    if not resumed:
        return []
    runs = ", ".join(f"`{record['pipeline']}` fold {record['fold']} seed {record['seed']} "
                     f"({record['training_checkpoint']['resumed_epochs']} epochs resumed)" for record in resumed)
    return [f"{len(resumed)} of {len(records)} runs were trained over more than one process (interrupted mid-fit, "
            f"each resumed from its last saved epoch to the weights an uninterrupted fit gives): {runs}. Their *fit s* "
            "adds the training seconds of every process, without the epochs that were lost and trained again.", ""]


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
        clean = {True: "clean tree", False: "DIRTY tree: uncommitted changes", None: "tree state unknown"}
        lines += [
            "```",
            f"harbench   {environment['harbench']} (git {environment['git_commit'] or 'unknown'}, "
            f"{clean[environment.get('git_clean')]})",
            f"python     {environment['python']} on {environment['platform']}",
            f"cpu        {environment['cpu']} ({environment['cpu_count']} logical cpus, "
            f"{environment['cpus_available']} available)",
            f"threads    {pools or 'n/a'}; executor {environment['executor']}",
            f"packages   {packages}",
            *([f"settings   {' '.join(f'{k}={v}' for k, v in sorted(environment['settings'].items()))}"]
              if environment.get("settings") else []),
            "```", "",
        ]
    lines += _compute_lines(records)
    fingerprints = sorted({f"{record['dataset']}: {record['dataset_fingerprint']}" for record in records})
    lines += ["Data fingerprints: " + "; ".join(f"`{item}`" for item in fingerprints) + ".", ""]
    return lines


def _compute_lines(records: list[dict]) -> list[str]:
    """Where each compute-sensitive pipeline (a deep learner) ran: backend, device, threads.
    Its timings compare only with others on the same device. A result stored before devices
    named the processor (device ``cpu``) is shown with the processor its environment records."""
    where: dict[str, set[str]] = {}
    for record in records:
        compute = (record.get("provenance") or {}).get("compute")
        if compute:
            if compute["device"] == "cpu":
                compute = {**compute, "device": f"cpu: {record['environment']['cpu']} (instruction set not recorded)"}
            where.setdefault(record["pipeline"], set()).add(describe_compute(compute))
    if not where:
        return []
    rows = [[f"`{pipeline}`", "; ".join(sorted(devices))] for pipeline, devices in where.items()]
    lines = ["Device of each deep learner's runs (part of their results' keys; compare timings within one device "
             "only):", "", table(["pipeline", "device (backend, threads)"], rows), ""]
    spanning = [f"`{pipeline}`" for pipeline, devices in where.items() if len(devices) > 1]
    if spanning:
        lines += [f"Runs of {', '.join(spanning)} span several devices: their median timings mix those devices, "
                  "so they compare with no other row's.", ""]
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


def _folds_section(summary: pd.DataFrame, folds: list[dict], uncertainty: BlockUncertainty) -> list[str]:
    """Per-fold accuracy (with each fold's held-out subjects), the subject-bootstrap intervals
    pooled over the folds' test subjects, and, with at least `MIN_FOLDS` folds, the paired
    Wilcoxon tests of every pair of pipelines, Holm-corrected."""
    scores = uncertainty.fold_scores
    test_subjects = {fold["fold"]: ", ".join(map(str, fold["subjects"]["test"])) for fold in folds}
    pipelines = [pipeline for pipeline in summary["pipeline"] if pipeline in scores.columns]
    rows = [[str(fold), test_subjects.get(fold, "?"), *(f"{scores.loc[fold, p]:.3f}" for p in pipelines)]
            for fold in scores.index]
    lines = [f"Accuracy per fold (mean over seeds) and the {uncertainty.unit} each fold tests on; {len(scores)} "
             "folds:", "",
             table(["fold", f"test {uncertainty.unit}", *(f"`{p}`" for p in pipelines)], rows,
                   "ll" + "r" * len(pipelines)),
             ""]
    pooled = [[f"`{p}`", _interval(uncertainty.intervals[p]["accuracy"]),
               _interval(uncertainty.intervals[p]["macro_f1"])] for p in pipelines]
    lines += [f"Pooled over the {len(scores)} folds' test {uncertainty.unit} (each is tested in one fold; the metric "
              "is computed on all test windows of a seed, then averaged over seeds), with its "
              f"{uncertainty.describe()}:", "",
              table(["pipeline", "accuracy [95% CI]", "macro-F1 [95% CI]"], pooled, "lrr"), ""]
    if uncertainty.comparisons is None:
        lines += [f"No Wilcoxon signed-rank test is reported: it needs at least {MIN_FOLDS} paired folds here "
                  f"and this protocol has {len(scores)} (with 5, a two-sided exact test cannot reach p < {ALPHA} "
                  "even if one pipeline wins every fold). The bootstrap intervals over test "
                  f"{uncertainty.unit} above stand in for it.",
                  ""]
        return lines
    comparisons = uncertainty.comparisons
    rows = [[f"`{c.first}` vs `{c.second}`", c.n_folds, f"{c.mean_difference:+.4f}", f"{c.wins}/{c.losses}",
             f"{c.p_value:.2g}", f"{c.p_holm:.2g}", "yes" if c.significant else "no"] for c in comparisons]
    lines += [
        "Paired comparison across folds of every pair of pipelines (pairs fixed in advance, not chosen from the "
        "results): two-sided Wilcoxon signed-rank test on the per-fold accuracies above, Holm-corrected over the "
        f"{len(comparisons)} comparison(s) (alpha {ALPHA}; Demšar 2006, Holm 1979). The critical-difference "
        "diagram below draws its bars from these same tests:", "",
        table(["comparison", "folds", "mean difference", "wins/losses", "p", "p (Holm)", "significant"], rows,
              "lrrrrrl"), "",
    ]
    return lines


def notes_section(notes: dict[str, str]) -> list[str]:
    """The suite file's ``[notes]``: how pipelines' settings were chosen, what their rows mean."""
    if not notes:
        return []
    return ["## Notes on the pipelines", "",
            "From the suite file: how these pipelines' settings were chosen, and what to know before citing "
            "their rows.", "",
            *(f"- `{pipeline}`: {text}" for pipeline, text in notes.items()), ""]


def _setting(value: object) -> str:
    """A suite-file value as TOML writes it: ``"scale"``, ``[96, 192]``, ``{ C = 10.0 }``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_setting(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{key} = {_setting(item)}" for key, item in value.items()) + " }" if value else "{}"
    return str(value)


def settings_section(suite) -> list[str]:
    """Each pipeline's parameters as the suite file gives them (``from`` resolved, and where it
    was taken from), so that a row can be cited with the settings that produced it."""
    origins = suite.origins
    rows = []
    for pipeline, config in suite.pipelines.items():
        settings = ", ".join(f"{key} = {_setting(value)}" for key, value in config.items()) or "its defaults"
        if pipeline in suite.pipeline_datasets:
            settings += f" (runs on {', '.join(suite.pipeline_datasets[pipeline])})"
        origin = [f"`{origins[pipeline]}`" if pipeline in origins else "–"] if origins else []
        rows.append([f"`{pipeline}`", settings, *origin])
    header = ["pipeline", "settings in the suite"] + (["taken from (suite:pipeline)"] if origins else [])
    return ["## Pipeline settings", "",
            "The parameters the suite gives each pipeline; anything not named is the default of the pipeline's "
            "class (every result stores its full configuration, defaults included, in `config`).", "",
            table(header, rows), ""]


def render(suite, splits: list[dict], summary: pd.DataFrame, records: list[dict],
           perf: pd.DataFrame | None = None, figures: dict | None = None,
           uncertainty: dict[tuple[str, str], BlockUncertainty] | None = None,
           sections: list[str] | None = None) -> str:
    """The whole page of ``suite``; ``records`` scored from their predictions, ``uncertainty``
    per (dataset, protocol) block, ``sections`` the lines of further sections (robustness,
    transfer), headings included."""
    lines = [
        f"# {suite.name}", "",
        f"{suite.description}", "",
        f"Generated by `harbench report {suite.name}` from {len(records)} stored results (suite file "
        f"`{suite.path}`); regenerate with `tox -e bench`. Do not edit by hand.", "",
        "## Setup", "",
    ]
    for description in splits:
        lines += _setup_section(description, suite.protocol, len(suite.seeds))
    lines += notes_section(suite.notes)
    lines += settings_section(suite)
    lines += ["## Results", ""]
    classes = {description["dataset"]: description["classes"] for description in splits}
    for (dataset, protocol), part in summary.groupby(["dataset", "protocol"], sort=False):
        lines += [f"### `{dataset}`, protocol `{protocol}`", ""]
        block = (uncertainty or {}).get((dataset, protocol))
        lines += _results_section(part, [record for record in records
                                         if (record["dataset"], record["protocol"]) == (dataset, protocol)],
                                  classes[dataset], block)
        folds = next(description["folds"] for description in splits if description["dataset"] == dataset)
        if block is not None and len(folds) > 1:
            lines += _folds_section(part, folds, block)
        for caption, path in (figures or {}).get((dataset, protocol), []):
            lines += [f"{caption}:", "", f"![{caption}]({path.as_posix()})", ""]
    lines += sections or []
    if perf is not None:
        lines += ["## Feature extraction speed", "", *_perf_section(perf)]
    lines += ["## Environment", "", *_environment_section(records)]
    return "\n".join(lines).rstrip() + "\n"
