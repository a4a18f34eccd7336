"""How many workers a job may use."""

from __future__ import annotations

import os


def available_cpus() -> int:
    """CPUs this process may run on (its affinity where the platform tells, else all)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def worker_count(n_jobs: int) -> int:
    """scikit-learn's convention: -1 means every available CPU; otherwise ``n_jobs``, at least 1."""
    return available_cpus() if n_jobs == -1 else max(1, n_jobs)
