"""Class-folder video datasets (the UCF50 layout) as RGB clips: ``<root>/<class>/<clip>.avi|.mp4``.

UCF50 (Reddy & Shah 2013, "Recognizing 50 human action categories of web videos", Machine
Vision and Applications 24(5):971-981) stores each action's YouTube clips in a folder named
after the action, ``<Class>/v_<Class>_g<XX>_c<YY>.avi``: ``gXX`` is one of 25 groups (clips
of a group may share the actor, background and viewpoint), so its protocol is leave-one-group-out
(``loso`` over the groups), and ``cYY`` numbers the clips of a group. Other datasets fit the
same layout with another group pattern: the Weizmann RGB videos (Gorelick et al. 2007),
``<action>/<person>_<action>.avi``, group by person with ``r"(?P<group>[a-z]+)_"``.

How a folder becomes a `ClipSet` (`read`):

- the class is the clip's folder (classes in alphabetical order), the group the named group
  ``group`` of ``VideoFolder.group_pattern`` matched at the start of the clip's file name
  without its extension; groups are numbered 1, 2, ... in the order of their sorted names
  (``params["groups"]``). A clip whose name does not match is refused, naming it.
- decoding with PyAV (FFmpeg's libraries; ``pip install harbench[video]``), chosen over OpenCV
  because its wheel is about half the size (36 vs 64 MB), it decodes from bytes in memory (so
  a zipped folder is read without extracting it, as every other harbench dataset is) and its
  resizer (FFmpeg's swscale) does area averaging, so one library does it all.
- ``frames`` frames per clip (16 by default), the middle frame of each of ``frames`` equal
  segments of the clip (``resampling.segment_centre_indices``), each resized to ``height`` x
  ``width`` by area averaging (the aspect ratio changes unless the two sizes agree), as RGB
  uint8 (``units`` ``"0-255"``).
- a file that cannot be decoded, that has no frames, or fewer decodable frames than its header
  declares (a truncated file) is refused with its path; nothing is skipped. All clips must
  share one frame rate, which becomes ``fs``; each clip's frame count is ``source_lengths``
  and its path in the folder its ``sessions`` id.
- checksums: a `VideoFolder` with a shipped manifest (``manifest_file``) reads exactly those
  files and checks each; without one (UCF50: harbench could not obtain it to compute one)
  every clip is hashed when the folder is opened, that list is the manifest (and so the
  fingerprint), and each clip is checked against it again as it is decoded. Video folders are
  never downloaded: their archives (UCF50.rar) are not zips, so extract them by hand.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import numpy as np

from harbench.datasets.archive import Manifest, shipped_manifest
from harbench.datasets.clips import ClipSet
from harbench.datasets.locate import ArchiveSource, locate
from harbench.datasets.resampling import segment_centre_indices
from harbench.errors import DataIntegrityError, DatasetNotFoundError, InputValidationError

VIDEO_SUFFIXES = (".avi", ".mp4")
UCF50_GROUPS = r"v_[^_]+_g(?P<group>\d+)_c\d+$"
CHANNELS = ("red", "green", "blue")


@dataclass(frozen=True)
class VideoFolder:
    """Where a class-folder video dataset is and how its clips are sampled.

    ``folder`` is its folder under ``HARBENCH_DATA_DIR`` (or the cache), ``url`` where to get
    it, ``group_pattern`` a regular expression with a named group ``group``, ``manifest_file``
    a manifest shipped in ``harbench/datasets/manifests`` (None: computed from the files).
    """

    folder: str
    url: str
    group_pattern: str = UCF50_GROUPS
    frames: int = 16
    height: int = 72
    width: int = 96
    manifest_file: str | None = None

    def __post_init__(self) -> None:
        try:
            pattern = re.compile(self.group_pattern)
        except re.error as error:
            raise InputValidationError(f"{self.folder}: group_pattern {self.group_pattern!r} is not a regular "
                                       f"expression ({error}).") from error
        if "group" not in pattern.groupindex:
            raise InputValidationError(f"{self.folder}: group_pattern {self.group_pattern!r} has no named group "
                                       "'group', e.g. r'v_[^_]+_g(?P<group>\\d+)_c\\d+$'.")
        if min(self.frames, self.height, self.width) < 1:
            raise InputValidationError(f"{self.folder}: frames, height and width must be positive, got "
                                       f"{self.frames}, {self.height}, {self.width}.")

    @property
    def variant(self) -> str:
        """Everything besides the files that changes the clips (part of the fingerprint)."""
        return (f"frames={self.frames}:size={self.height}x{self.width}:groups={self.group_pattern}:"
                "sampling=segment-centres:resize=area")


def _hidden(name: str) -> bool:
    return any(part.startswith(".") or part == "__MACOSX" for part in PurePosixPath(name).parts)


class ClipFiles:
    """The clip files of a class-folder dataset at ``location``, read one at a time.

    ``location`` is the folder, or a folder holding one zip of it, or that zip; the clips are
    ``<class>/<clip>.avi|.mp4``, possibly under one top folder (``UCF50/<class>/...``). With a
    ``manifest`` its files must all be there and match it; without one every clip found is
    hashed and the digests become ``self.manifest``.
    """

    def __init__(self, location: Path, manifest: Manifest | None) -> None:
        self.location = Path(location)
        self._zip = self._zip_of(self.location)
        self._found = self._list()
        if manifest is None:
            manifest = Manifest(entries={name: hashlib.sha256(self._raw(name)).hexdigest() for name in self._clips()},
                                origin=f"SHA-256 computed from {self.location} (no published checksums)")
        missing = sorted(set(manifest.entries) - set(self._found))
        if missing:
            shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
            raise DataIntegrityError(f"{self.location}: {len(missing)} clip(s) of the dataset are missing: {shown} "
                                     f"(the manifest is {manifest.origin}).")
        self.manifest = manifest

    def names(self) -> list[str]:
        """The clips' paths, ``<class>/<clip>``, sorted."""
        return sorted(self.manifest.entries)

    def read(self, name: str) -> bytes:
        """The bytes of clip ``name``, checked against the manifest."""
        content = self._raw(name)
        actual = hashlib.sha256(content).hexdigest()
        if actual != self.manifest.entries[name]:
            raise DataIntegrityError(
                f"{self.location}: {name} is corrupt or has changed ({len(content)} bytes, sha256 {actual[:12]}..., "
                f"expected {self.manifest.entries[name][:12]}... from {self.manifest.origin}). Restore the file."
            )
        return content

    @staticmethod
    def _zip_of(location: Path) -> Path | None:
        if location.is_file():
            return location
        if not location.is_dir():
            raise DatasetNotFoundError(f"{location}: no such folder or zip archive.")
        has_videos = any(path.suffix.lower() in VIDEO_SUFFIXES for path in location.rglob("*"))
        zips = sorted(location.glob("*.zip"))
        if has_videos or not zips:
            return None
        if len(zips) > 1:
            raise DataIntegrityError(f"{location}: holds {len(zips)} zip files and no clips; keep one archive of "
                                     "the dataset there, or the extracted <class>/<clip> files.")
        return zips[0]

    def _list(self) -> dict[str, str]:
        """Every file by its path relative to the dataset's root (one common top folder removed),
        mapped to where it is (the path in the folder or in the zip)."""
        if self._zip is not None:
            try:
                with zipfile.ZipFile(self._zip) as data:
                    names = [info.filename for info in data.infolist() if not info.is_dir()]
            except (zipfile.BadZipFile, OSError) as error:
                raise DataIntegrityError(f"{self._zip}: not a readable zip archive ({error}).") from error
        else:
            names = [path.relative_to(self.location).as_posix() for path in self.location.rglob("*") if path.is_file()]
        names = [name for name in names if not _hidden(name)]
        videos = [name for name in names if PurePosixPath(name).suffix.lower() in VIDEO_SUFFIXES]
        tops = {PurePosixPath(name).parts[0] for name in videos}
        prefix = tops.pop() + "/" if len(tops) == 1 and all(len(PurePosixPath(n).parts) == 3 for n in videos) else ""
        return {name[len(prefix):]: name for name in names if name.startswith(prefix)}

    def _clips(self) -> list[str]:
        """The ``<class>/<clip>`` video files; anything else inside a class folder is refused."""
        in_folders = [name for name in self._found if len(PurePosixPath(name).parts) > 1]
        strays = [name for name in in_folders
                  if len(PurePosixPath(name).parts) != 2 or PurePosixPath(name).suffix.lower() not in VIDEO_SUFFIXES]
        if strays:
            raise DataIntegrityError(f"{self.location}: {', '.join(sorted(strays)[:5])} "
                                     f"{'is' if len(strays) == 1 else 'are'} not <class>/<clip> "
                                     f"{'|'.join(VIDEO_SUFFIXES)} files; move them out of the dataset folder.")
        if not in_folders:
            raise DataIntegrityError(f"{self.location}: no <class>/<clip>{'|'.join(VIDEO_SUFFIXES)} files.")
        return sorted(in_folders)

    def _raw(self, name: str) -> bytes:
        if self._zip is None:
            return (self.location / self._found[name]).read_bytes()
        try:
            with zipfile.ZipFile(self._zip) as data:
                return data.read(self._found[name])
        except (zipfile.BadZipFile, EOFError, OSError) as error:
            raise DataIntegrityError(f"{self._zip}: {name} cannot be read from the archive ({error}).") from error


def _av():
    """PyAV, or a message naming the extra that installs it."""
    try:
        import av
    except ImportError as error:
        raise DataIntegrityError("Video clips are decoded with PyAV, which is not installed: "
                                 "pip install 'harbench[video]' (or pip install av).") from error
    return av


DATASET_REMEDY = "replace the file or remove it from the dataset folder"


def decode(content: bytes, where: str, frames: int, height: int, width: int,
           remedy: str = DATASET_REMEDY) -> tuple[np.ndarray, int, float]:
    """One video file's (``frames``, ``height``, ``width``, 3) uint8 RGB clip, its number of frames
    and its frame rate; ``where`` names the file in errors and ``remedy`` says there what to do
    about a file that cannot be decoded or has no frames (`harbench predict` decodes its videos
    here too, with its own advice)."""
    av = _av()
    try:
        with av.open(io.BytesIO(content)) as container:
            if not container.streams.video:
                raise DataIntegrityError(f"{where}: holds no video stream, so no frames; {remedy}.")
            stream = container.streams.video[0]
            rate, declared = stream.average_rate or stream.guessed_rate, stream.frames
            images = [frame.to_ndarray(format="rgb24", width=width, height=height, interpolation="AREA")
                      for frame in container.decode(stream)]
    except av.FFmpegError as error:
        raise DataIntegrityError(f"{where}: not a readable video ({error}); {remedy}.") from error
    if not images:
        raise DataIntegrityError(f"{where}: the video has no frames; {remedy}.")
    if declared and len(images) < declared:
        raise DataIntegrityError(f"{where}: only {len(images)} of the {declared} frames its header declares can be "
                                 "decoded; the file is truncated or damaged. Replace it.")
    if not rate:
        raise DataIntegrityError(f"{where}: the video states no frame rate; re-encode it with one.")
    chosen = segment_centre_indices(len(images), frames, where)
    return np.stack([images[index] for index in chosen]), len(images), float(rate)


def source(layout: VideoFolder) -> ArchiveSource:
    """Where the folder is looked for (the data directory, else the cache; never downloaded)."""
    manifest = shipped_manifest(layout.manifest_file) if layout.manifest_file else Manifest({}, "computed on reading")
    return ArchiveSource(folder=layout.folder, url=layout.url, filename=f"{layout.folder}.zip", manifest=manifest,
                         checksums=layout.manifest_file is not None)


def _location(layout: VideoFolder) -> Path:
    try:
        return locate(source(layout), download=False)
    except DatasetNotFoundError as error:
        raise DatasetNotFoundError(f"{error} harbench does not download video folders: get {layout.url} and extract "
                                   "it there, so that its clips are <class>/<clip> files.") from None


def _state(location: Path) -> tuple:
    """What identifies the files at ``location`` without reading them: paths, sizes, times."""
    paths = sorted(location.rglob("*")) if location.is_dir() else [location]
    return tuple((str(path), path.stat().st_size, path.stat().st_mtime_ns) for path in paths if path.is_file())


_COMPUTED_MANIFESTS: dict[tuple, Manifest] = {}


def manifest(layout: VideoFolder) -> Manifest:
    """The shipped manifest, or the SHA-256 of the clips found, computed once per state of the
    files (paths, sizes, times)."""
    if layout.manifest_file:
        return shipped_manifest(layout.manifest_file)
    location = _location(layout)
    state = _state(location)
    if state not in _COMPUTED_MANIFESTS:
        _COMPUTED_MANIFESTS[state] = ClipFiles(location, None).manifest
    return _COMPUTED_MANIFESTS[state]


def open_clips(layout: VideoFolder) -> ClipFiles:
    """The dataset's clip files, located and checked against `manifest` (nothing decoded yet)."""
    return ClipFiles(_location(layout), manifest(layout))


def read(layout: VideoFolder, files: ClipFiles, dataset_id: str, fingerprint: str) -> ClipSet:
    """Every clip of ``files`` decoded and sampled (see the module docstring) as one ClipSet."""
    pattern = re.compile(layout.group_pattern)
    classes = tuple(sorted({PurePosixPath(name).parts[0] for name in files.names()}))
    clips, labels, groups, lengths, rates = [], [], [], [], {}
    for name in files.names():
        where = f"{files.location}/{name}"
        match = pattern.match(PurePosixPath(name).stem)
        if not match or not match.group("group"):
            raise DataIntegrityError(f"{where}: the file name does not match the group pattern "
                                     f"{layout.group_pattern!r}, so its group (the unit protocols keep apart) is "
                                     "unknown. Rename the file or give the dataset a pattern that matches it.")
        clip, n_frames, rate = decode(files.read(name), where, layout.frames, layout.height, layout.width)
        clips.append(clip)
        labels.append(classes.index(PurePosixPath(name).parts[0]))
        groups.append(match.group("group"))
        lengths.append(n_frames)
        rates.setdefault(round(rate, 6), name)
    if len(rates) > 1:
        raise DataIntegrityError(f"{files.location}: the clips have frame rates {sorted(rates)} (e.g. "
                                 f"{', '.join(f'{rate:g}/s: {name}' for rate, name in sorted(rates.items()))}); one "
                                 "clip set needs one rate. Re-encode the odd ones to a common rate.")
    names = tuple(sorted(set(groups)))
    return ClipSet(
        name=dataset_id, X=np.stack(clips), y=np.array(labels, dtype=np.int64), classes=classes, channels=CHANNELS,
        units=("0-255",) * len(CHANNELS), fs=next(iter(rates)),
        subjects=np.array([names.index(group) + 1 for group in groups], dtype=np.int64),
        sessions=np.array(files.names()), starts=np.zeros(len(clips), dtype=np.int64),
        source_lengths=np.array(lengths, dtype=np.int64),
        params={"series_length": layout.frames, "height": layout.height, "width": layout.width,
                "group_pattern": layout.group_pattern, "groups": list(names)},
        fingerprint=fingerprint,
    )
