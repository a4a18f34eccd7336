"""Suite files: the recipe of one comparison table (``harbench/suites/<name>.toml``).

The standard suites ship inside the package (`SUITES_DIR`), so ``harbench run quick`` works
from any folder once harbench is installed; a suite of one's own is run by its path.

A suite names datasets, window parameters, a protocol, pipelines with their config and
seeds. Everything is checked when the file is read, before any data is loaded or any model
trained: an unknown key, dataset, protocol or pipeline (or pipeline parameter) is named in
the error together with the file.

A robustness suite scores every cell's model also on perturbed test windows: a
``[perturbations]`` table maps perturbation names (`harbench.robustness.perturbations`) to
severities of their standard scales, with the perturbations' ``seed``. It usually
``extends`` a standard suite: it then takes that suite's datasets, windowing, protocol,
pipelines, seeds and latency calls, and may set its own name, description, seeds and
perturbations, so that its clean cells are the standard suite's and the two cannot drift apart.
A suite may also extend another for its pipelines only, setting its own datasets, windowing and
protocol (the transfer suite runs the `uci_har` pipelines on a combined dataset).

A pipeline may name the ``datasets`` it runs on (by default every dataset of the suite): a
feature set for skeletons has nothing to compute on an inertial sensor. A suite that extends
another keeps the pipelines that run on at least one of its datasets (and, setting its own
datasets, leaves out the other's late fusion). A ``[fusion]`` table
(``datasets``: two datasets whose items are the same trials in the same order, ``pairs``: the
pipelines to fuse, one on each) asks the report for the late fusion of their stored class
probabilities, trial by trial; the pairs are named in the file, never chosen from results.

A pipeline may take its configuration from a pipeline of another suite, or of its own:
``from = { suite = "uci_har_budgets", pipeline = "resnet@paper" }`` (``suite`` defaults to the
suite itself, ``pipeline`` to the pipeline's own name), and its other keys then set or replace
parameters of that configuration (``datasets``, where a pipeline runs, is never taken). A
selection suite's candidates and the suite that uses the chosen one thus hold one recipe, not
copies that can drift apart; since the cell key is built from the resolved configuration, a
pipeline written with ``from`` has the same cells as one written out in full.

A ``[notes]`` table maps pipelines of the suite to a paragraph that the report prints before
its results: how the pipeline's settings were chosen and what a reader must know to cite its
row (a selection that saw every subject through the other folds, a budget that is not the
paper's, a weakness diagnosed on validation data). A suite that extends another keeps the
notes of the pipelines it keeps.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from harbench.datasets.catalog import get_dataset
from harbench.datasets.protocols import make_protocol
from harbench.errors import HarbenchError, SuiteError
from harbench.models.registry import PipelineContext, make_pipeline
from harbench.robustness.perturbations import check_severity

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

SUITES_DIR = Path(__file__).resolve().parent.parent / "suites"
_TOP_LEVEL_KEYS = {"name", "description", "datasets", "seeds", "windowing", "protocol", "pipelines",
                   "latency_calls", "perturbations", "fusion", "notes"}
_EXTENDING_KEYS = {"extends", "name", "description", "seeds", "perturbations", "datasets", "windowing", "protocol",
                   "latency_calls"}
_WINDOWING_KEYS = {"length", "step"}


@dataclass(frozen=True)
class Suite:
    """A parsed, checked suite file. ``pipelines`` holds each pipeline's configuration as the
    file gives it, references (``from``) resolved; ``origins`` says, for those written with
    ``from``, which ``"suite:pipeline"`` it was taken from."""

    name: str
    description: str
    datasets: tuple[str, ...]
    seeds: tuple[int, ...]
    protocol: dict
    pipelines: dict[str, dict]
    windowing: dict = field(default_factory=dict)
    latency_calls: int = 200
    path: str = ""
    perturbations: dict[str, tuple[float | str, ...]] = field(default_factory=dict)
    perturbation_seed: int = 0
    pipeline_datasets: dict[str, tuple[str, ...]] = field(default_factory=dict)
    fusion: dict = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)

    def runs_on(self, pipeline: str, dataset: str) -> bool:
        """Whether ``pipeline`` runs on ``dataset`` (every dataset unless it names some)."""
        return dataset in self.pipeline_datasets.get(pipeline, self.datasets)

    def perturbation_configs(self) -> list[dict]:
        """Each (perturbation, severity) the suite scores, as a robustness cell records it."""
        return [{"name": name, "severity": severity, "version": check_severity(name, severity).version,
                 "seed": self.perturbation_seed}
                for name, severities in self.perturbations.items() for severity in severities]


def suite_path(name_or_path: str, suites_dir: Path = SUITES_DIR) -> Path:
    """``name_or_path`` if it is a file, else ``<suites_dir>/<name>.toml``."""
    candidate = Path(name_or_path)
    if candidate.suffix == ".toml" or candidate.is_file():
        return candidate
    path = Path(suites_dir) / f"{name_or_path}.toml"
    if not path.is_file():
        known = sorted(p.stem for p in Path(suites_dir).glob("*.toml"))
        raise SuiteError(f"Unknown suite {name_or_path!r}: no file {path}. Known suites in {suites_dir}: "
                         f"{', '.join(known) or 'none'}.")
    return path


def load_suite(name_or_path: str, suites_dir: Path = SUITES_DIR) -> Suite:
    """Read and check a suite file (see the module docstring)."""
    path = suite_path(name_or_path, suites_dir)
    raw = _read(path)
    shipped = path.resolve().parent == SUITES_DIR
    where = f"harbench/suites/{path.name}" if shipped else str(path)
    extending = "extends" in raw
    if extending:
        raw = _extend(raw, where, path.parent)
    raw, origins = _resolve_references(raw, where, path, path.parent)
    return check_suite(raw, where, extending, origins)


def _read(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise SuiteError(f"{path}: cannot read the suite file ({error}).") from error


def _extend(raw: dict, where: str, folder: Path) -> dict:
    """The suite ``raw`` extends (a suite name in ``folder``), with ``raw``'s own keys over it."""
    unknown = sorted(set(raw) - _EXTENDING_KEYS)
    if unknown:
        raise SuiteError(f"{where}: a suite that extends another may set only {sorted(_EXTENDING_KEYS)}; "
                         f"{unknown} come from the suite it extends ({raw['extends']!r}).")
    base = _read(suite_path(_require(raw, "extends", str, where), folder))
    if "extends" in base:
        raise SuiteError(f"{where}: extends {raw['extends']!r}, which extends another suite itself; extend the "
                         "standard suite directly.")
    if "datasets" in raw:  # the base's late fusion is of the base's datasets
        base = {key: value for key, value in base.items() if key != "fusion"}
    return {**base, **{key: value for key, value in raw.items() if key != "extends"}}


def _suite_pipelines(path: Path, folder: Path) -> dict:
    """The pipeline tables of the suite file at ``path`` (of the suite it extends, if it does)."""
    raw = _read(path)
    if "extends" in raw:
        raw = _extend(raw, str(path), folder)
    return raw.get("pipelines", {})


def _resolve_references(raw: dict, where: str, path: Path, folder: Path) -> tuple[dict, dict[str, str]]:
    """``raw`` with every pipeline's ``from`` replaced by the configuration it names (see the
    module docstring; a chain of references is followed, a cycle is an error), and where each
    pipeline that names one takes its configuration from (``"suite:pipeline"``)."""
    if not isinstance(raw.get("pipelines"), dict):
        return raw, {}
    own = raw["pipelines"]
    origins: dict[str, str] = {}
    read: dict[Path, dict] = {}  # the pipelines of each other suite named, read once

    def resolve(suite: str, pipelines: dict, pipeline: str, chain: tuple[str, ...]) -> dict:
        label = f"{suite}:{pipeline}"
        if label in chain:
            raise SuiteError(f"{where}: pipeline references go round in a circle: {' -> '.join((*chain, label))}.")
        if not isinstance(pipelines[pipeline], dict):
            raise SuiteError(f"{where}: pipeline {label!r} must be a table of parameters, got {pipelines[pipeline]!r}.")
        config = dict(pipelines[pipeline])
        reference = config.pop("from", None)
        if reference is None:
            return config
        if (not isinstance(reference, dict) or not reference or not set(reference) <= {"suite", "pipeline"}
                or not all(isinstance(value, str) for value in reference.values())):
            raise SuiteError(f"{where}: pipeline {label!r}: 'from' must be a table such as "
                             f"{{ suite = \"uci_har_budgets\", pipeline = \"resnet@paper\" }}, got {reference!r}.")
        source, named = reference.get("suite", suite), reference.get("pipeline", pipeline)
        if source != suite:
            try:
                source_path = suite_path(source, folder).resolve()
            except SuiteError as error:
                raise SuiteError(f"{where}: pipeline {label!r} takes its configuration from suite {source!r}: "
                                 f"{error}") from error
            if source_path not in read:
                read[source_path] = own if source_path == path.resolve() else _suite_pipelines(source_path, folder)
            pipelines = read[source_path]
        if named not in pipelines:
            raise SuiteError(f"{where}: pipeline {label!r} takes its configuration from {named!r} of suite "
                             f"{source!r}, which has no such pipeline (it has: {', '.join(pipelines)}).")
        if not chain:
            origins[pipeline] = f"{source}:{named}"
        taken = resolve(source, pipelines, named, (*chain, label))
        taken.pop("datasets", None)
        return {**taken, **config}

    pipelines = {pipeline: resolve(path.stem, own, pipeline, ()) for pipeline in own}
    return {**raw, "pipelines": pipelines}, origins


def _perturbations(raw: dict, where: str) -> tuple[dict[str, tuple[float | str, ...]], int]:
    """The ``[perturbations]`` table: severities by perturbation name, and the perturbation seed."""
    table = dict(raw.get("perturbations", {}))
    seed = table.pop("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise SuiteError(f"{where}: [perturbations] seed must be a non-negative integer, got {seed!r}.")
    for name, severities in table.items():
        if not isinstance(severities, list) or not severities:
            raise SuiteError(f"{where}: [perturbations] {name} must list severities, e.g. {name} = [...]; got "
                             f"{severities!r}.")
        for severity in severities:
            check_severity(name, severity)
    return {name: tuple(severities) for name, severities in table.items()}, seed


def _require(raw: dict, key: str, kind: type, where: str):
    if key not in raw:
        raise SuiteError(f"{where}: missing required key '{key}'.")
    if not isinstance(raw[key], kind):
        raise SuiteError(f"{where}: '{key}' must be a {kind.__name__}, got {raw[key]!r}.")
    return raw[key]


def _pipeline_datasets(pipelines: dict, datasets: list[str], where: str, extending: bool) -> dict[str, tuple]:
    """The datasets each pipeline that names some runs on (taken out of its configuration);
    a pipeline of an extending suite that runs on none of its datasets is dropped."""
    restricted = {}
    for pipeline in list(pipelines):
        config = dict(pipelines[pipeline])
        named = config.pop("datasets", None)
        pipelines[pipeline] = config
        if named is None:
            continue
        if not isinstance(named, list) or not named or not all(isinstance(name, str) for name in named):
            raise SuiteError(f"{where}: pipeline {pipeline!r}: 'datasets' must list dataset ids, got {named!r}.")
        for name in named:
            get_dataset(name)
        kept = tuple(name for name in named if name in datasets)
        if not kept:
            if extending:
                del pipelines[pipeline]
                continue
            raise SuiteError(f"{where}: pipeline {pipeline!r} runs on {named}, none of the suite's datasets "
                             f"{datasets}.")
        restricted[pipeline] = kept
    return restricted


def _fusion(raw: dict, suite_datasets: tuple[str, ...], pipelines: dict, restricted: dict, where: str) -> dict:
    """The ``[fusion]`` table, checked: two of the suite's datasets and pairs of pipelines that
    run on them."""
    table = raw.get("fusion")
    if not table:
        return {}
    datasets, pairs = table.get("datasets"), table.get("pairs")
    if (sorted(table) != ["datasets", "pairs"] or not isinstance(datasets, list) or len(datasets) != 2
            or not set(datasets) <= set(suite_datasets)):
        raise SuiteError(f"{where}: [fusion] needs datasets = two of the suite's datasets {list(suite_datasets)} "
                         "and pairs = [[pipeline on the first, pipeline on the second], ...].")
    if not isinstance(pairs, list) or not pairs:
        raise SuiteError(f"{where}: [fusion] pairs must list at least one [pipeline, pipeline] pair.")
    for pair in pairs:
        if not isinstance(pair, list) or len(pair) != 2:
            raise SuiteError(f"{where}: [fusion] pair {pair!r} must be [pipeline on {datasets[0]}, pipeline on "
                             f"{datasets[1]}].")
        for pipeline, dataset in zip(pair, datasets, strict=True):
            if pipeline not in pipelines or dataset not in restricted.get(pipeline, suite_datasets):
                raise SuiteError(f"{where}: [fusion] pair {pair}: {pipeline!r} is not a pipeline of the suite that "
                                 f"runs on {dataset}.")
    return {"datasets": tuple(datasets), "pairs": tuple(tuple(pair) for pair in pairs)}


def _notes(raw: dict, pipelines: dict, where: str, extending: bool) -> dict[str, str]:
    """The ``[notes]`` table, checked: a paragraph of text for pipelines of the suite (those of an
    extending suite's base that it does not keep are dropped)."""
    table = raw.get("notes", {})
    if not isinstance(table, dict):
        raise SuiteError(f"{where}: [notes] must map pipelines to text, e.g. notes.minirocket = \"...\"; got "
                         f"{table!r}.")
    notes = {}
    for pipeline, text in table.items():
        if not isinstance(text, str) or not text.strip():
            raise SuiteError(f"{where}: [notes] {pipeline!r} must be a non-empty string, got {text!r}.")
        if pipeline not in pipelines:
            if extending:
                continue
            raise SuiteError(f"{where}: [notes] names {pipeline!r}, which is not a pipeline of the suite "
                             f"({', '.join(pipelines)}).")
        notes[pipeline] = " ".join(text.split())
    return notes


def check_suite(raw: dict, where: str, extending: bool = False, origins: dict[str, str] | None = None) -> Suite:
    """A `Suite` from the parsed TOML ``raw``; ``where`` (the file) is named in every error;
    ``extending`` when ``raw`` extends another suite (see the module docstring); ``origins``:
    where pipelines written with ``from`` took their configuration (``"suite:pipeline"``)."""
    unknown = sorted(set(raw) - _TOP_LEVEL_KEYS)
    if unknown:
        raise SuiteError(f"{where}: unknown key(s) {unknown}; allowed: {sorted(_TOP_LEVEL_KEYS)}.")
    datasets = _require(raw, "datasets", list, where)
    seeds = _require(raw, "seeds", list, where)
    protocol = dict(_require(raw, "protocol", dict, where))
    pipelines = dict(_require(raw, "pipelines", dict, where))
    windowing = raw.get("windowing", {})
    if not datasets or not seeds or not pipelines:
        raise SuiteError(f"{where}: 'datasets', 'seeds' and 'pipelines' must each name at least one entry.")
    if not all(isinstance(seed, int) for seed in seeds) or len(set(seeds)) != len(seeds):
        raise SuiteError(f"{where}: 'seeds' must be distinct integers, got {seeds}.")
    bad_windowing = sorted(set(windowing) - _WINDOWING_KEYS)
    if bad_windowing:
        raise SuiteError(f"{where}: unknown key(s) {bad_windowing} in [windowing]; allowed: {sorted(_WINDOWING_KEYS)}.")
    try:
        specs = [get_dataset(dataset) for dataset in datasets]
        restricted = _pipeline_datasets(pipelines, datasets, where, extending)
        series = [spec.id for spec in specs if not spec.windowed]
        if windowing and series:
            raise SuiteError(f"{where}: [windowing] does not apply to {series}, which come as fixed-length series "
                             "with a published split; put them in a suite without [windowing].")
        _require(protocol, "name", str, f"{where} [protocol]")
        make_protocol(**protocol)
        # a stand-in layout: here only the parameters are checked; cells are planned with the real one
        context = PipelineContext(fs=50.0, channels=("acc_x", "acc_y", "acc_z"), units=("g", "g", "g"))
        for pipeline, config in pipelines.items():
            make_pipeline(pipeline, context, seed=seeds[0], config=config)
        perturbations, perturbation_seed = _perturbations(raw, where)
        fusion = _fusion(raw, tuple(spec.id for spec in specs), pipelines, restricted, where)
        notes = _notes(raw, pipelines, where, extending)
    except SuiteError:
        raise
    except HarbenchError as error:
        raise SuiteError(f"{where}: {error}") from error
    return Suite(
        name=str(raw.get("name", Path(where).stem)), description=str(raw.get("description", "")),
        datasets=tuple(spec.id for spec in specs), seeds=tuple(seeds), protocol=protocol,
        pipelines={pipeline: dict(config) for pipeline, config in pipelines.items()}, windowing=dict(windowing),
        latency_calls=int(raw.get("latency_calls", 200)), path=where, perturbations=perturbations,
        perturbation_seed=perturbation_seed, pipeline_datasets=restricted, fusion=fusion, notes=notes,
        origins={pipeline: origin for pipeline, origin in (origins or {}).items() if pipeline in pipelines},
    )
