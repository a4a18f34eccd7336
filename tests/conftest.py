"""Shared fixtures: the synthetic HAPT archive, a data directory holding it, and real data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from harbench.datasets import catalog
from harbench.runner.environment import GitState
from tests.synthetic_hapt import hapt_files, synthetic_spec, write_zip

SYNTHETIC_ID = "synthetic_har"


def write_suite(tmp_path: Path, text: str, name: str = "tiny") -> Path:
    """Write ``text`` as the suite file ``tmp_path/suites/<name>.toml``; return its path."""
    path = tmp_path / "suites" / f"{name}.toml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep caches of harbench, Keras, matplotlib and numba out of the user's home."""
    home = tmp_path_factory.getbasetemp() / "home"
    monkeypatch.setenv("HARBENCH_CACHE_DIR", str(home / "harbench-cache"))
    monkeypatch.setenv("KERAS_HOME", str(home / "keras"))
    monkeypatch.setenv("MPLCONFIGDIR", str(home / "matplotlib"))
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(home / "numba"))


@pytest.fixture(autouse=True)
def _committed_checkout(monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs in tests compute as from a clean commit, whatever state the developer's checkout is
    in (CI's always is clean); the refusal of a dirty tree has its own test."""
    from harbench.runner import environment, execute, run

    for module in (environment, execute, run):
        monkeypatch.setattr(module, "git_state", lambda: GitState("0" * 40, True))


@pytest.fixture(scope="session")
def synthetic_files() -> dict[str, bytes]:
    return hapt_files()


@pytest.fixture
def synthetic_data_dir(tmp_path: Path, synthetic_files, monkeypatch: pytest.MonkeyPatch) -> Path:
    """HARBENCH_DATA_DIR holding the synthetic archive as a zip, registered as ``synthetic_har``."""
    write_zip(synthetic_files, tmp_path / "data" / "synthetic-hapt" / "synthetic-hapt.zip")
    monkeypatch.setenv("HARBENCH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setitem(catalog._DATASETS, SYNTHETIC_ID, synthetic_spec(SYNTHETIC_ID, synthetic_files))
    return tmp_path / "data"


@pytest.fixture(scope="session")
def real_data_dir() -> Path:
    """The real datasets: skipped when HARBENCH_DATA_DIR is unset, a failure when it is set but empty."""
    configured = os.environ.get("HARBENCH_DATA_DIR")
    if not configured:
        pytest.skip("HARBENCH_DATA_DIR is not set; real-data tests need it (e.g. ../shared/datasets)")
    folder = Path(configured) / "uci-hapt"
    if not folder.is_dir() or not any(folder.iterdir()):
        pytest.fail(f"HARBENCH_DATA_DIR={configured} is set but {folder} holds no UCI HAPT data.")
    return Path(configured)


@pytest.fixture(scope="session")
def real_video_dir() -> Path:
    """The three real Weizmann AVIs (``weizmann-rgb-sample``): skipped when HARBENCH_DATA_DIR is
    unset, a failure when it is set but they are not there."""
    configured = os.environ.get("HARBENCH_DATA_DIR")
    if not configured:
        pytest.skip("HARBENCH_DATA_DIR is not set; real-data tests need it (e.g. ../shared/datasets)")
    folder = Path(configured) / "weizmann-rgb-sample"
    if not folder.is_dir() or not any(folder.glob("*.zip")):
        pytest.fail(f"HARBENCH_DATA_DIR={configured} is set but {folder} holds no weizmann-rgb-sample.zip.")
    return folder
