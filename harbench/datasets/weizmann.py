"""Weizmann human actions as silhouette clips: 10 actions by 9 persons, 93 sequences.

Gorelick, Blank, Shechtman, Irani & Basri (2007), "Actions as Space-Time Shapes", IEEE TPAMI
29(12):2247-2253 (and Blank et al., ICCV 2005). The authors' ``classification_masks.mat``
(MATLAB 5 format, read with scipy.io.loadmat) holds two structs of 93 fields named
``<person>_<action>[take]``: ``original_masks``, binary uint8 silhouettes of 144 x 180 pixels
x frames (28 to 146 frames) at 25 frames/s, and ``aligned_masks``, the same silhouettes
cropped to each person's bounding box (sizes differ per sequence).

What harbench makes of it (`read`):

- ``original_masks``, so a clip keeps where the person moves in the frame (what tells ``jump``
  forward from ``pjump`` in place, or ``run`` from ``side``); the aligned masks drop that.
- 16 frames per clip (``FRAMES``), the middle frame of each of 16 equal segments of the clip
  (``resampling.segment_centre_indices``): the whole action is covered, and as the shortest
  sequence has 28 frames no frame is ever repeated. 16 is the clip length of C3D (Tran et al.
  2015) and most 3-D CNNs.
- 72 x 90 pixels (``HEIGHT`` x ``WIDTH``), half the resolution in each direction, so the
  aspect ratio is kept; each pixel is the mean of a 2 x 2 block of the mask (what area
  interpolation gives at an integer factor, computed exactly): the fraction of the block the
  silhouette covers, float32 in {0, 0.25, 0.5, 0.75, 1}, one channel ``silhouette``.
- groups (``subjects``) are the 9 persons, numbered 1-9 in alphabetical order of their names
  (``params["persons"]``); the protocol of the literature is leave-one-person-out (``loso``,
  9 folds). There is no official train/test split.
- lena has two takes of run, skip and walk (``lena_run1``, ``lena_run2``, ...; every other
  person has one of each action, hence 93 and not 90 sequences): both takes are kept, as
  two clips of person lena, so they are always on the same side of a split. ``wave1`` (one
  hand) and ``wave2`` (two hands) are two actions, not takes. Each clip's field name is its
  ``sessions`` id, and its frame count before sampling its ``source_lengths``.
"""

from __future__ import annotations

import io
import re

import numpy as np
import scipy.io

from harbench.datasets.archive import Archive, shipped_manifest
from harbench.datasets.clips import ClipSet
from harbench.datasets.locate import ArchiveSource, open_archive
from harbench.datasets.resampling import segment_centre_indices
from harbench.errors import DataIntegrityError, DatasetNotFoundError

FILENAME = "classification_masks.mat"
OFFICIAL_URL = ("https://www.wisdom.weizmann.ac.il/~vision/VideoAnalysis/Demos/SpaceTimeActions/DB/"
                "classification_masks.mat")
FS = 25.0
SOURCE_SIZE = (144, 180)
FRAMES = 16
DOWNSCALE = 2
HEIGHT, WIDTH = SOURCE_SIZE[0] // DOWNSCALE, SOURCE_SIZE[1] // DOWNSCALE
ACTIONS = ("bend", "jack", "jump", "pjump", "run", "side", "skip", "walk", "wave1", "wave2")
MASKS = "original_masks"
_FIELD = re.compile(r"([a-z]+)_([a-z]+\d?)$")


def source() -> ArchiveSource:
    """The authors' file and its SHA-256 shipped with harbench."""
    return ArchiveSource(folder="weizmann", url=OFFICIAL_URL, filename=FILENAME,
                         manifest=shipped_manifest("weizmann.sha256"))


def open_release() -> Archive:
    """The verified ``classification_masks.mat``, from the data directory or the cache. It is not
    downloaded: harbench's archive reader opens zips and folders, and this is a bare file."""
    try:
        return open_archive(source(), download=False)
    except DatasetNotFoundError as error:
        raise DatasetNotFoundError(f"{error} Download {OFFICIAL_URL} into that folder.") from None


def parse_field(field: str, where: str) -> tuple[str, str]:
    """(person, action) of a field name ``<person>_<action>[take]``: ``lena_run2`` is lena's run."""
    match = _FIELD.match(field)
    if match:
        person, action = match.groups()
        action = action if action in ACTIONS else action.rstrip("0123456789")
        if action in ACTIONS:
            return person, action
    raise DataIntegrityError(f"{where}: field {field!r} is not <person>_<action>[take] with an action among "
                             f"{', '.join(ACTIONS)}; this is not the authors' classification_masks.mat.")


def masks(content: bytes, where: str) -> dict[str, np.ndarray]:
    """Every sequence of ``original_masks`` as (frames, 144, 180) uint8 in {0, 1}, by field name."""
    try:
        fields = scipy.io.loadmat(io.BytesIO(content), variable_names=[MASKS])
    except (scipy.io.matlab.MatReadError, ValueError, TypeError, OSError) as error:
        raise DataIntegrityError(f"{where}: not a readable MATLAB file ({error}).") from error
    if MASKS not in fields:
        present = sorted(name for name, _, _ in scipy.io.whosmat(io.BytesIO(content)))
        raise DataIntegrityError(f"{where}: no {MASKS!r} struct (it holds {present}); use the authors' "
                                 "classification_masks.mat.")
    struct = fields[MASKS]
    sequences = {}
    for field in struct.dtype.names or ():
        video = np.asarray(struct[0, 0][field])
        if video.ndim != 3 or video.shape[:2] != SOURCE_SIZE or video.shape[2] < 1:
            raise DataIntegrityError(f"{where}: {MASKS}.{field} has shape {video.shape}; expected "
                                     f"{SOURCE_SIZE[0]} x {SOURCE_SIZE[1]} x frames.")
        if video.dtype.kind not in "bu" or video.max() > 1:
            raise DataIntegrityError(f"{where}: {MASKS}.{field} holds values other than 0 and 1; a silhouette "
                                     "mask is binary.")
        sequences[field] = np.moveaxis(video, 2, 0)
    if not sequences:
        raise DataIntegrityError(f"{where}: {MASKS} holds no sequences.")
    return sequences


def clip(video: np.ndarray, where: str) -> np.ndarray:
    """One sequence (frames, 144, 180) as (FRAMES, HEIGHT, WIDTH, 1) float32: frames sampled
    uniformly in time, each 2 x 2 block averaged."""
    frames = np.ascontiguousarray(video[segment_centre_indices(len(video), FRAMES, where)], dtype=np.float32)
    offsets = range(DOWNSCALE)
    blocks = sum(frames[:, row::DOWNSCALE, column::DOWNSCALE] for row in offsets for column in offsets)
    return (blocks / DOWNSCALE**2)[..., None]


def read(archive: Archive, dataset_id: str, fingerprint: str) -> ClipSet:
    """The 93 silhouette sequences as clips, grouped by person (see the module docstring)."""
    where = f"{archive.location}/{FILENAME}"
    sequences = masks(archive.read(FILENAME), where)
    labelled = {field: parse_field(field, where) for field in sorted(sequences)}
    persons = tuple(sorted({person for person, _ in labelled.values()}))
    fields = list(labelled)
    return ClipSet(
        name=dataset_id, X=np.stack([clip(sequences[field], f"{where}: {field}") for field in fields]),
        y=np.array([ACTIONS.index(labelled[field][1]) for field in fields], dtype=np.int64), classes=ACTIONS,
        channels=("silhouette",), units=("fraction",), fs=FS,
        subjects=np.array([persons.index(labelled[field][0]) + 1 for field in fields], dtype=np.int64),
        sessions=np.array(fields), starts=np.zeros(len(fields), dtype=np.int64),
        source_lengths=np.array([len(sequences[field]) for field in fields], dtype=np.int64),
        params={"series_length": FRAMES, "masks": MASKS, "height": HEIGHT, "width": WIDTH, "persons": list(persons)},
        fingerprint=fingerprint,
    )
