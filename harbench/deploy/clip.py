"""Clip bundles on video files: what a clip model takes, a video made into that clip, the
prediction, and a strip of the frames the model saw.

A bundle fitted on a `ClipSet` records under ``clip`` in its ``bundle.json`` (`clip_record`)
what each clip it takes is: ``frames``, ``height`` and ``width``, ``content`` (``"silhouette"``
or ``"rgb"``; the bundle's ``channels`` and ``units`` name the last axis and its scale) and how
a clip is made: ``sampling`` (``"segment-centres"``: the middle frame of each of ``frames``
equal segments of the whole video) and ``resize`` (``"area"``: area averaging), which is how
both clip adapters, ``weizmann.py`` and ``video_folder.py``, make their clips. `video_clip`
decodes a video with ``video_folder.decode`` itself (PyAV), so a video of a video-folder
dataset becomes exactly the clip the dataset holds.

What a video becomes, by the bundle's ``content``:

- ``rgb``: the decoded RGB frames, uint8 for units ``"0-255"`` (``"fraction"``: divided by 255).
- ``silhouette`` (Weizmann's masks: one channel, the fraction of each pixel the person covers):
  the video must itself be a silhouette video, the person white on black, as a person
  segmentation tool writes its masks. It is taken as one when at least `GREY_SHARE` of its
  sampled pixels are grey (channels within `GREY_SPREAD` levels) and at least `EXTREME_SHARE`
  are black or white (within `EXTREME_LEVELS` of 0 or 255; the rest are the person's edges,
  which area averaging makes grey). Each pixel becomes its grey level / 255, and values within
  `SNAP` of 0 or 1 (compression noise) become 0 or 1, as in the masks the model learnt from.
  Any other video is refused, saying that the model takes silhouettes: harbench does not
  segment people. Its background subtraction (`clip_shape.foreground`) matches the authors'
  silhouettes only roughly (intersection over union 0.41 to 0.92 on the three Weizmann sample
  videos), so converting quietly would score the model on inputs unlike those it learnt from.
  Segment the video first, or use a bundle fitted on RGB clips.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from harbench.datasets.clips import ClipSet
from harbench.datasets.video_folder import VIDEO_SUFFIXES, decode
from harbench.deploy.bundle import Bundle, BundleInfo
from harbench.errors import InputValidationError
from harbench.features.clip_shape import UNIT_SCALES, is_silhouette

SAMPLING, RESIZE = "segment-centres", "area"  # what weizmann.py and video_folder.py do, and `video_clip`
SILHOUETTE, RGB = "silhouette", "rgb"
RGB_CHANNELS = ("red", "green", "blue")
GREY_SPREAD, GREY_SHARE = 24, 0.97
EXTREME_LEVELS, EXTREME_SHARE = 48, 0.9
SNAP = 0.125
VIDEO_REMEDY = "check that it plays, or re-encode it (e.g. ffmpeg -i IN -c:v mpeg4 OUT.mp4) and try again"
STRIP_COLUMNS, STRIP_GAP = 8, 2


@dataclass(frozen=True)
class ClipPrediction:
    """The predicted class of one video, its class probabilities sorted from the most likely
    (None where the model gives none), the clip the model saw (frames, height, width,
    channels), and the video's frame count and rate."""

    source: str
    label: str
    probabilities: list[tuple[str, float]] | None
    clip: np.ndarray
    source_frames: int
    fps: float


def clip_record(clips: ClipSet) -> dict:
    """What ``clips``' items are and how they were made, for ``BundleInfo.clip``."""
    _, frames, height, width, _ = clips.X.shape
    return {"frames": int(frames), "height": int(height), "width": int(width),
            "content": SILHOUETTE if is_silhouette(clips.channels) else RGB, "sampling": SAMPLING, "resize": RESIZE}


def describe_clip(info: BundleInfo) -> str:
    """``16 silhouette frames of 72 x 90`` for a person to read."""
    return f"{info.clip['frames']} {info.clip['content']} frames of {info.clip['height']} x {info.clip['width']}"


def is_video(name: str | Path) -> bool:
    """Whether ``name`` is a video file by its suffix (``.avi``, ``.mp4``)."""
    return Path(str(name)).suffix.lower() in VIDEO_SUFFIXES


def check_input(info: BundleInfo, name: str | Path, bundle_path: str | Path) -> None:
    """Refuse a video for a bundle of windows and anything but a video for a clip bundle,
    saying what the bundle at ``bundle_path`` takes."""
    suffixes = " or ".join(VIDEO_SUFFIXES)
    if info.clip and not is_video(name):
        raise InputValidationError(
            f"{name}: {bundle_path} is a model of video clips ({describe_clip(info)}, pipeline {info.pipeline}); "
            f"give it a video file ({suffixes}), not a recording."
        )
    if not info.clip and is_video(name):
        raise InputValidationError(
            f"{name}: a video, but {bundle_path} is a model of sensor windows ({info.window_length} samples of "
            f"{', '.join(info.channels)} at {info.fs:g} Hz); give it a recording CSV with those columns."
        )


def read_video(path: str | Path) -> bytes:
    """The bytes of the video file at ``path``; a missing or unreadable file is refused by name."""
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise InputValidationError(f"{path}: cannot read the video file ({error.strerror}); check the path.") from None


def video_clip(content: bytes, where: str, info: BundleInfo) -> tuple[np.ndarray, int, float]:
    """The clip (frames, height, width, channels) that ``info``'s model takes, made from the video
    bytes ``content`` (see the module docstring), its source frame count and frame rate."""
    spec = info.clip
    if (spec["sampling"], spec["resize"]) != (SAMPLING, RESIZE):
        raise InputValidationError(f"{where}: the bundle's clips were made with sampling {spec['sampling']!r} and "
                                   f"resizing {spec['resize']!r}; this harbench makes clips only with {SAMPLING!r} "
                                   f"and {RESIZE!r}. Fit the bundle again with this harbench.")
    rgb, n_frames, fps = decode(content, where, spec["frames"], spec["height"], spec["width"], remedy=VIDEO_REMEDY)
    if spec["content"] == SILHOUETTE:
        return _silhouettes(rgb, where, info), n_frames, fps
    if tuple(info.channels) != RGB_CHANNELS:
        raise InputValidationError(f"{where}: the model takes clips of channels {', '.join(info.channels)}, which a "
                                   f"video's RGB frames do not give; it cannot label video files.")
    if tuple(info.units) == ("0-255",) * 3:
        return rgb, n_frames, fps
    return (rgb.astype(np.float32) / 255 * np.array([UNIT_SCALES[unit] for unit in info.units],
                                                    dtype=np.float32)), n_frames, fps


def _silhouettes(rgb: np.ndarray, where: str, info: BundleInfo) -> np.ndarray:
    """A silhouette video's frames as (frames, height, width, 1) float32 in [0, 1], or the refusal
    of any other video."""
    spread = rgb.max(axis=-1).astype(np.int16) - rgb.min(axis=-1)
    grey = rgb.mean(axis=-1)
    extreme = (grey <= EXTREME_LEVELS) | (grey >= 255 - EXTREME_LEVELS)
    if (spread <= GREY_SPREAD).mean() < GREY_SHARE or extreme.mean() < EXTREME_SHARE:
        raise InputValidationError(
            f"{where}: the model ({info.pipeline}) takes silhouette clips, the person white on a black background "
            f"({describe_clip(info)}), and this is an ordinary video ({extreme.mean():.0%} of its pixels are black "
            "or white). harbench does not segment people: make a silhouette video of it with a person segmentation "
            "tool first, or use a bundle fitted on RGB clips."
        )
    fraction = (grey / 255).astype(np.float32)
    fraction[fraction < SNAP] = 0.0
    fraction[fraction > 1 - SNAP] = 1.0
    return fraction[..., None] * UNIT_SCALES[info.units[0]]


def predict_clip(bundle: Bundle, content: bytes, where: str) -> ClipPrediction:
    """The bundle's prediction for the video bytes ``content`` (``where`` names it in errors)."""
    clip, n_frames, fps = video_clip(content, where, bundle.info)
    predicted, probabilities = bundle.predict(clip[None])
    classes = bundle.info.classes
    ranked = None if probabilities is None else sorted(
        ((classes[index], float(p)) for index, p in enumerate(probabilities[0])), key=lambda pair: -pair[1])
    return ClipPrediction(source=where, label=classes[int(predicted[0])], probabilities=ranked, clip=clip,
                          source_frames=n_frames, fps=fps)


def format_prediction(prediction: ClipPrediction) -> str:
    """The predicted class, then one ``class  probability`` line per class, most likely first."""
    lines = [f"predicted: {prediction.label}"]
    if prediction.probabilities is None:
        return "\n".join([*lines, "(the model gives no class probabilities)"])
    width = max(len(name) for name, _ in prediction.probabilities)
    return "\n".join([*lines, *(f"{name:<{width}}  {p:.4f}" for name, p in prediction.probabilities)])


def frame_strip(clip: np.ndarray, units: list[str] | tuple[str, ...]) -> np.ndarray:
    """The frames of ``clip`` (frames, height, width, channels) side by side, `STRIP_COLUMNS` to a
    row, as one uint8 RGB image (white gaps of `STRIP_GAP` pixels between them)."""
    frames, height, width, _ = clip.shape
    scale = np.array([UNIT_SCALES[unit] for unit in units], dtype=np.float32)
    images = np.clip(clip.astype(np.float32) / scale * 255, 0, 255).astype(np.uint8)
    if images.shape[-1] == 1:
        images = np.repeat(images, 3, axis=-1)
    columns = min(frames, STRIP_COLUMNS)
    rows = -(-frames // columns)
    strip = np.full((rows * (height + STRIP_GAP) - STRIP_GAP, columns * (width + STRIP_GAP) - STRIP_GAP, 3), 255,
                    dtype=np.uint8)
    for index in range(frames):
        top, left = (index // columns) * (height + STRIP_GAP), (index % columns) * (width + STRIP_GAP)
        strip[top:top + height, left:left + width] = images[index]
    return strip


def write_frame_strip(prediction: ClipPrediction, units: list[str], path: Path | io.BytesIO) -> None:
    """Write the `frame_strip` of the clip the model saw as a PNG to ``path``."""
    from matplotlib.image import imsave

    imsave(path, frame_strip(prediction.clip, units), format="png")
