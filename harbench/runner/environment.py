"""The environment a result was measured in: versions, CPU, threads, commit."""

from __future__ import annotations

import os
import platform
import subprocess
from functools import lru_cache
from importlib import metadata
from pathlib import Path

import harbench
from harbench.parallel import available_cpus

PACKAGES = ("numpy", "scipy", "pandas", "scikit-learn", "xgboost-cpu", "xgboost", "tsfresh", "tensorflow-cpu",
            "tensorflow", "keras", "aeon", "numba", "pooch", "threadpoolctl")
# Settings read from the environment that change speed or numerics of the measured code.
SETTINGS = ("TF_ENABLE_ONEDNN_OPTS", "OMP_NUM_THREADS", "NUMBA_NUM_THREADS")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _git_commit() -> str:
    """Commit (with ``-dirty`` for uncommitted changes) of the harbench checkout, or of the
    working directory when harbench is installed from a package (as in tox); '' if neither."""
    for source in (Path(harbench.__file__).resolve().parent.parent, Path.cwd()):
        try:
            commit = subprocess.run(["git", "-C", str(source), "rev-parse", "HEAD"], capture_output=True,
                                    text=True, timeout=10, check=True).stdout.strip()
            dirty = subprocess.run(["git", "-C", str(source), "status", "--porcelain", "--untracked-files=no"],
                                   capture_output=True, text=True, timeout=10, check=True).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            continue
        return commit + ("-dirty" if dirty else "")
    return ""


def _thread_counts() -> dict:
    from threadpoolctl import threadpool_info

    pools = {f"{pool['internal_api']}": pool["num_threads"] for pool in threadpool_info()}
    return {"cpus_available": available_cpus(), "thread_pools": pools}


@lru_cache(maxsize=1)
def _static_environment() -> dict:
    versions = {}
    for package in PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            continue
    return {"harbench": harbench.__version__, "python": platform.python_version(),
            "platform": platform.platform(), "cpu": _cpu_model(), "cpu_count": os.cpu_count(),
            "packages": versions, "git_commit": _git_commit(),
            "settings": {name: os.environ[name] for name in SETTINGS if name in os.environ}}


def environment(executor: str = "in-process") -> dict:
    """Everything needed to trace where and how a result was measured."""
    return {**_static_environment(), **_thread_counts(), "executor": executor}
