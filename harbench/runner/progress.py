"""A progress line per finished cell: a bar, counts, elapsed time and an ETA.

Why not tqdm (installed as tsfresh's dependency, 4.70): ``harbench run`` writes to log files
and CI logs through the ``log`` callable it is given, one line per finished cell with its
accuracy. A tqdm bar writes to its own stream and redraws one line with carriage returns:
for 4 cells written to a file (``tqdm(total=4, file=..., mininterval=0)``, the cell's result
as its postfix) it wrote 6 states separated by carriage returns and a single newline, so a
log holds one physical line that ``grep`` returns whole and ``cat`` shows as its last state
only; ``tqdm.write`` for the per-cell lines surrounds each with bar-erasing carriage returns
and spaces. ``tqdm.format_meter`` alone gives one line per call (`` 25%|##5       | 1/4
[00:30<01:30, 30.00s/it, first]``), but this class would still have to count, time and log:
it would save only `duration` and the bar's two lines, for a new direct dependency.
"""

from __future__ import annotations

import time
from collections.abc import Callable

BAR_WIDTH = 20


def duration(seconds: float) -> str:
    """``1h 02m``, ``3m 07s`` or ``42s``."""
    seconds = round(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m {seconds:02d}s" if minutes else f"{seconds}s"


class Progress:
    """Logs ``[#####...............] 5/24  21 %  elapsed 3m 07s, about 9m 40s left  <message>``
    each time a cell finishes; the ETA assumes the remaining cells cost the mean so far."""

    def __init__(self, total: int, log: Callable[[str], None], clock: Callable[[], float] = time.perf_counter) -> None:
        self.total, self.log, self.clock = total, log, clock
        self.done = 0
        self.started = clock()

    def advance(self, message: str) -> None:
        self.done += 1
        elapsed = self.clock() - self.started
        left = elapsed / self.done * (self.total - self.done)
        filled = round(BAR_WIDTH * self.done / self.total)
        bar = "#" * filled + "." * (BAR_WIDTH - filled)
        self.log(f"[{bar}] {self.done}/{self.total} {100 * self.done / self.total:3.0f} %  "
                 f"elapsed {duration(elapsed)}, about {duration(left)} left  {message}")
