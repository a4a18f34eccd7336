"""The environment a result was measured in: versions, CPU, threads, commit."""

from __future__ import annotations

import os
import platform
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path

import harbench
from harbench.hardware import cpu_instruction_set, cpu_model
from harbench.parallel import available_cpus
from harbench.runner.source_manifest import changed_files, read_source_manifest

PACKAGES = ("numpy", "scipy", "pandas", "scikit-learn", "xgboost-cpu", "xgboost", "tsfresh", "tensorflow-cpu",
            "tensorflow", "keras", "jax", "jaxlib", "aeon", "numba", "pooch", "threadpoolctl")
# OpenBLAS's choice of kernels, read once when it loads (e.g. OPENBLAS_CORETYPE=SkylakeX).
BLAS_KERNEL_VARIABLE = "OPENBLAS_CORETYPE"
# NumPy's choice of SIMD loops (it picks AVX-512 ones where the processor has them, and some
# round differently from the AVX2 ones): the features it may not use, e.g. "AVX512F AVX512_SKX".
SIMD_VARIABLE = "NPY_DISABLE_CPU_FEATURES"
# Settings read from the environment that change speed or numerics of the measured code.
SETTINGS = ("TF_ENABLE_ONEDNN_OPTS", "OMP_NUM_THREADS", "NUMBA_NUM_THREADS", BLAS_KERNEL_VARIABLE, SIMD_VARIABLE)


# Paths of a checkout that results and reports are written to: changes there do not make the code dirty.
OUTPUT_PATHS = ("results", "reports")
# A source manifest (`harbench.runner.source_manifest`) for a copy of the code without its git history.
SOURCE_MANIFEST_VARIABLE = "HARBENCH_SOURCE_MANIFEST"


@dataclass(frozen=True)
class GitState:
    """The commit of the code a result is computed with, and whether the checkout had changes
    (tracked or untracked files outside `OUTPUT_PATHS`); ``commit`` is '' and ``clean`` None
    where harbench runs from neither a git checkout nor a working directory inside one, and no
    source manifest says which commit the code is."""

    commit: str
    clean: bool | None
    changed: tuple[str, ...] = ()


def _git(source: Path, *arguments: str) -> str:
    return subprocess.run(["git", "-C", str(source), *arguments], capture_output=True, text=True, timeout=10,
                          check=True).stdout


@lru_cache(maxsize=1)
def git_state() -> GitState:
    """`GitState` of the harbench checkout, or of the working directory when harbench is
    installed from a package (as in tox, which installs the checkout it runs in). A copy
    without git history is compared with the source manifest named by
    ``HARBENCH_SOURCE_MANIFEST`` (`harbench.runner.source_manifest`), if set."""
    checkout = Path(harbench.__file__).resolve().parent.parent
    for source in (checkout, Path.cwd()):
        try:
            commit = _git(source, "rev-parse", "HEAD").strip()
            excluded = [f":(top,exclude){path}" for path in OUTPUT_PATHS]
            status = _git(source, "status", "--porcelain", "--untracked-files=all", "--", ":/", *excluded)
        except (OSError, subprocess.SubprocessError):
            continue
        changed = tuple(line[3:] for line in status.splitlines() if line.strip())
        return GitState(commit, not changed, changed)
    if os.environ.get(SOURCE_MANIFEST_VARIABLE):
        manifest = read_source_manifest(Path(os.environ[SOURCE_MANIFEST_VARIABLE]))
        changed = changed_files(checkout, manifest, ignored=OUTPUT_PATHS)
        return GitState(manifest["commit"], not changed, changed)
    return GitState("", None)


def _thread_counts() -> dict:
    """Threads of each native pool, and the kernels a BLAS chose for this processor (OpenBLAS
    picks them at load time, e.g. ``Haswell`` or ``SkylakeX``, and they round differently:
    `BLAS_KERNEL_VARIABLE` forces a choice)."""
    from threadpoolctl import threadpool_info

    pools = threadpool_info()
    return {"cpus_available": available_cpus(),
            "thread_pools": {f"{pool['internal_api']}": pool["num_threads"] for pool in pools},
            "blas_kernels": {pool["internal_api"]: pool["architecture"] for pool in pools if pool.get("architecture")}}


@lru_cache(maxsize=1)
def _static_environment() -> dict:
    versions = {}
    for package in PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            continue
    return {"harbench": harbench.__version__, "python": platform.python_version(),
            "platform": platform.platform(), "cpu": cpu_model(), "cpu_instruction_set": cpu_instruction_set(),
            "cpu_count": os.cpu_count(),
            "packages": versions,
            "settings": {name: os.environ[name] for name in SETTINGS if name in os.environ}}


def environment(executor: str = "in-process") -> dict:
    """Everything needed to trace where and how a result was measured."""
    state = git_state()
    return {**_static_environment(), "git_commit": state.commit, "git_clean": state.clean, **_thread_counts(),
            "executor": executor}
