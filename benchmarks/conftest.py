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

    def write(self, path: Path) -> None:
        old = pd.read_csv(path, keep_default_na=False).to_dict("records") if path.is_file() else []
        merged = {row["benchmark"]: row for row in old} | self.rows
        for row in merged.values():
            base = merged.get(row["baseline"]) if row["baseline"] else None
            row["baseline_median_s"] = base["median_s"] if base else ""
            row["speedup"] = float(base["median_s"]) / float(row["median_s"]) if base else ""
            if base:
                print(f"\n{row['benchmark']}: {row['speedup']:.0f}x faster than {row['baseline']}")
        table = pd.DataFrame(list(merged.values())).reindex(columns=COLUMNS)
        write_text_atomically(path, table.to_csv(index=False, float_format="%.6g"))


@pytest.fixture(scope="session")
def perf_table():
    table = PerfTable()
    yield table
    if table.rows:
        table.write(PERF_CSV)


@pytest.fixture(scope="session")
def uci_har_windows():
    """All ``uci_har`` windows; the benchmarks need the real data (HARBENCH_DATA_DIR)."""
    if not os.environ.get("HARBENCH_DATA_DIR"):
        pytest.fail("The speed benchmarks run on the real uci_har windows: set HARBENCH_DATA_DIR.")
    from harbench.datasets import get_dataset

    return get_dataset("uci_har").load()
