"""Speed benchmarks (pytest-benchmark), run by `tox -e perf` and `tox -e bench`, never by `tox`.

Each benchmark adds its median to ``reports/perf.csv``
(``benchmark,n_windows,median_s,baseline,baseline_median_s,speedup``, then ``peak_memory_mib``
where measured); a baseline measured in the same session gives the speedup.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest

from harbench.atomic import write_text_atomically

PERF_CSV = Path("reports") / "perf.csv"
COLUMNS = ["benchmark", "n_windows", "median_s", "baseline", "baseline_median_s", "speedup", "peak_memory_mib"]


@dataclass
class PerfTable:
    rows: dict[str, dict] = field(default_factory=dict)

    def add(self, benchmark, name: str, n_windows: int, baseline: str = "", peak_memory_mib: float | None = None):
        """Record ``benchmark``'s median under ``name``; ``baseline`` names another row."""
        self.rows[name] = {"benchmark": name, "n_windows": n_windows, "median_s": benchmark.stats.stats.median,
                           "baseline": baseline, "peak_memory_mib": peak_memory_mib}

    def merged_with(self, path: Path) -> list[dict]:
        """Rows of ``path`` updated with this session's, each with its baseline's median and speedup."""
        old = pd.read_csv(path, keep_default_na=False).to_dict("records") if path.is_file() else []
        merged = {row["benchmark"]: row for row in old} | self.rows
        for row in merged.values():
            base = merged.get(row["baseline"]) if row["baseline"] else None
            row["baseline_median_s"] = float(base["median_s"]) if base else None
            row["speedup"] = float(base["median_s"]) / float(row["median_s"]) if base else None
        return list(merged.values())


_TABLE = PerfTable()


@pytest.fixture(scope="session")
def perf_table() -> PerfTable:
    return _TABLE


def pytest_sessionfinish(session: pytest.Session) -> None:
    if _TABLE.rows:
        table = pd.DataFrame(_TABLE.merged_with(PERF_CSV)).reindex(columns=COLUMNS)
        write_text_atomically(PERF_CSV, table.to_csv(index=False, float_format="%.6g"))


def pytest_terminal_summary(terminalreporter) -> None:
    for row in _TABLE.merged_with(PERF_CSV) if _TABLE.rows else []:
        line = f"{row['benchmark']}: median {float(row['median_s']):.4f} s on {row['n_windows']} windows"
        if row["speedup"]:
            line += f", {row['speedup']:.0f}x faster than {row['baseline']} ({row['baseline_median_s']:.3f} s)"
        terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def uci_har_windows():
    """All ``uci_har`` windows; the benchmarks need the real data (HARBENCH_DATA_DIR)."""
    if not os.environ.get("HARBENCH_DATA_DIR"):
        pytest.fail("The speed benchmarks run on the real uci_har windows: set HARBENCH_DATA_DIR.")
    from harbench.datasets import get_dataset

    return get_dataset("uci_har").load()
