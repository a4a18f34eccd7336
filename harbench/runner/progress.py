"""A progress line per finished cell: a bar, counts, elapsed time and an ETA."""

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
