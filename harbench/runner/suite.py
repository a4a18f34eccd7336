"""Suite files: the recipe of one comparison table (``harbench/suites/<name>.toml``).

The standard suites ship inside the package (`SUITES_DIR`), so ``harbench run quick`` works
from any folder once harbench is installed; a suite of one's own is run by its path.

A suite names datasets, window parameters, a protocol, pipelines with their config and
seeds. Everything is checked when the file is read, before any data is loaded or any model
trained: an unknown key, dataset, protocol or pipeline (or pipeline parameter) is named in
the error together with the file.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from harbench.datasets.catalog import get_dataset
from harbench.datasets.protocols import make_protocol
from harbench.errors import HarbenchError, SuiteError
from harbench.models.registry import PipelineContext, make_pipeline

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

SUITES_DIR = Path(__file__).resolve().parent.parent / "suites"
_TOP_LEVEL_KEYS = {"name", "description", "datasets", "seeds", "windowing", "protocol", "pipelines",
                   "latency_calls"}
_WINDOWING_KEYS = {"length", "step"}


@dataclass(frozen=True)
class Suite:
    """A parsed, checked suite file."""

    name: str
    description: str
    datasets: tuple[str, ...]
    seeds: tuple[int, ...]
    protocol: dict
    pipelines: dict[str, dict]
    windowing: dict = field(default_factory=dict)
    latency_calls: int = 200
    path: str = ""


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
    try:
        raw = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise SuiteError(f"{path}: cannot read the suite file ({error}).") from error
    shipped = path.resolve().parent == SUITES_DIR
    return check_suite(raw, f"harbench/suites/{path.name}" if shipped else str(path))


def _require(raw: dict, key: str, kind: type, where: str):
    if key not in raw:
        raise SuiteError(f"{where}: missing required key '{key}'.")
    if not isinstance(raw[key], kind):
        raise SuiteError(f"{where}: '{key}' must be a {kind.__name__}, got {raw[key]!r}.")
    return raw[key]


def check_suite(raw: dict, where: str) -> Suite:
    """A `Suite` from the parsed TOML ``raw``; ``where`` (the file) is named in every error."""
    unknown = sorted(set(raw) - _TOP_LEVEL_KEYS)
    if unknown:
        raise SuiteError(f"{where}: unknown key(s) {unknown}; allowed: {sorted(_TOP_LEVEL_KEYS)}.")
    datasets = _require(raw, "datasets", list, where)
    seeds = _require(raw, "seeds", list, where)
    protocol = dict(_require(raw, "protocol", dict, where))
    pipelines = _require(raw, "pipelines", dict, where)
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
    except SuiteError:
        raise
    except HarbenchError as error:
        raise SuiteError(f"{where}: {error}") from error
    return Suite(
        name=str(raw.get("name", Path(where).stem)), description=str(raw.get("description", "")),
        datasets=tuple(spec.id for spec in specs), seeds=tuple(seeds), protocol=protocol,
        pipelines={pipeline: dict(config) for pipeline, config in pipelines.items()}, windowing=dict(windowing),
        latency_calls=int(raw.get("latency_calls", 200)), path=where,
    )
