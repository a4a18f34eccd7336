"""Bring items of different lengths to one length in time, by a stated method, never by cutting.

Whole-trial datasets (UTD-MHAD's sequences, video clips) have items of different durations,
while a `WindowSet` holds items of one length. Cutting them to the shortest, or padding
them with zeros, would silently drop or invent data, so each item is resampled in time to a
fixed number of steps instead, and its source length is kept (``WindowSet.source_lengths``):

- a signal (`interpolate_to_length`) by linear interpolation at ``length`` evenly spaced
  instants from its first to its last sample, both kept, so the whole trial is covered;
- a video (`segment_centre_indices`) by picking frames, not blending them (a blend of two
  frames is an image the camera never saw, and a blend of binary masks is no mask): the
  clip is split into ``length`` segments of equal duration and the middle frame of each is
  taken, the uniform sampling of Wang et al. (2016), "Temporal Segment Networks", ECCV,
  made deterministic. A clip with fewer frames than ``length`` repeats frames, never pads.
"""

from __future__ import annotations

import numpy as np

from harbench.errors import DataIntegrityError


def interpolate_to_length(signal: np.ndarray, length: int, where: str) -> np.ndarray:
    """``signal`` (n_samples, channels) resampled to (``length``, channels) by linear interpolation
    in time, first and last samples kept; ``where`` names the item in errors."""
    if signal.ndim != 2 or len(signal) < 2:
        raise DataIntegrityError(f"{where}: a sequence needs at least 2 samples of (samples, channels) to be "
                                 f"resampled; this one has shape {signal.shape}.")
    source = np.linspace(0.0, 1.0, len(signal))
    target = np.linspace(0.0, 1.0, length)
    return np.stack([np.interp(target, source, column) for column in signal.T], axis=1)


def segment_centre_indices(n_frames: int, length: int, where: str) -> np.ndarray:
    """Indices of ``length`` frames of a clip of ``n_frames``: the middle frame of each of ``length``
    equal segments (in increasing order; distinct whenever ``n_frames >= length``)."""
    if n_frames < 1:
        raise DataIntegrityError(f"{where}: the clip has no frames.")
    return ((np.arange(length) + 0.5) * n_frames / length).astype(np.int64)
