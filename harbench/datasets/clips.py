"""`ClipSet`: labelled video clips, a `WindowSet` whose items are (frames, height, width, channels).

Design decision: a thin subclass, not a second container. Everything a protocol, the runner,
the result store and the reports use from a WindowSet is the same for clips: labels ``y``
indexing ``classes``, ``subjects`` (the groups protocols keep apart: the persons of
Weizmann, the groups of UCF50), ``sessions`` (the clip's name, e.g. ``"lena_run2"`` or
``"Biking/v_Biking_g03_c02.avi"``), ``starts`` (0: a clip is used whole), ``official_test``,
``source_lengths`` (each clip's frame count before sampling), ``fingerprint`` and
`subset`, which keeps the class. Only the shape of one item differs, and WindowSet names it in
``item_axes``; so a ClipSet passes wherever a WindowSet is accepted, while a WindowSet keeps its
(n, T, C) guarantee: the learners that assume it never receive a 5-d array typed as windows, and a
clip learner can ask ``isinstance(windows, ClipSet)``.

Conventions: ``X`` is (n, frames, height, width, channels); ``channels`` names the last axis
(``("red", "green", "blue")``, or ``("silhouette",)``), ``units`` its scale (``"0-255"`` for
decoded video stored as uint8, which is 4 times smaller than float32 and what a video learner
normalises per batch; ``"fraction"`` for float32 in [0, 1]); ``fs`` is the source frame rate,
and the frames kept per clip are spread over its whole duration (``resampling.py``), so a clip
of ``source_lengths[i]`` frames lasted ``source_lengths[i] / fs`` seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from harbench.datasets.windowset import WindowSet


@dataclass(frozen=True)
class ClipSet(WindowSet):
    """Clips ``X`` (n, frames, height, width, channels) with the labels, groups and ids of a `WindowSet`."""

    item_axes: ClassVar[tuple[str, ...]] = ("frames", "height", "width", "channels")

    @property
    def frame_size(self) -> tuple[int, int]:
        """(height, width) of every frame."""
        return self.X.shape[2], self.X.shape[3]
