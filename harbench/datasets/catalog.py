"""Dataset ids and how to load each one as a `WindowSet`.

``uci_har`` and ``hapt`` are two views of the same UCI HAPT v2.1 recordings: the 6 basic
activities of UCI HAR (Anguita et al. 2013) and all 12 classes including the postural
transitions (Reyes-Ortiz et al. 2016). Both use the official 21/9 subject split.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from harbench.datasets import (
    cross_dataset,
    mp_gestures,
    uci_hapt,
    uci_har_240,
    uea,
    usc_had,
    utd_mhad,
    video_folder,
    weizmann,
)
from harbench.datasets.archive import Archive, Manifest
from harbench.datasets.locate import ArchiveSource, open_archive
from harbench.datasets.recording import Recording
from harbench.datasets.windowing import DEFAULT_LENGTH, DEFAULT_STEP, RecordingWindowing, make_windows
from harbench.datasets.windowset import WindowSet, windowed_fingerprint
from harbench.errors import InputValidationError, UnknownIdError


@dataclass(frozen=True)
class DatasetSpec(RecordingWindowing):
    """A dataset id of continuous recordings: where its files come from and how they become
    windows (``length`` and ``step`` samples).

    ``source`` says where the files are and what they must hash to, ``read_recordings``
    turns the verified files into labelled recordings whose labels index ``class_names``,
    ``test_subjects`` (where the dataset has an official split) names the official test
    subjects, and ``variant`` names anything else that changes the windows (a class subset).
    ``version`` is the adapter's version, bumped whenever its windows for the same files
    change; it is part of the data fingerprint and so of every result's key. ``groups`` names
    what a WindowSet's ``subjects`` are (protocols keep each one on one side of a split).
    """

    windowed: ClassVar[bool] = True
    groups: ClassVar[str] = "subjects"
    id: str
    description: str
    citation: str
    source: Callable[[], ArchiveSource]
    read_recordings: Callable[[Archive], list[Recording]]
    class_names: Callable[[Archive], list[str]]
    test_subjects: Callable[[Archive], tuple[int, ...]] | None = None
    variant: str = ""
    notes: str = ""
    default_length: int = DEFAULT_LENGTH
    default_step: int = DEFAULT_STEP
    version: int = 1

    def source_fingerprint(self) -> str:
        """Identifies the verified files and the adapter; known without reading any data."""
        payload = f"{self.id}:{self.version}:{self.variant}:{self.source().manifest.digest}"
        return hashlib.sha256(payload.encode()).hexdigest()[:16]

    @property
    def checksums_shipped(self) -> bool:
        """Whether harbench ships the SHA-256 of every file (else they are computed on reading)."""
        return self.source().checksums

    def verify(self) -> Archive:
        """Locate (or download) and verify the dataset's files without loading them."""
        return open_archive(self.source())

    def load(self, length: int | None = None, step: int | None = None) -> WindowSet:
        """Read, verify and window the dataset."""
        archive = open_archive(self.source())
        windows = make_windows(
            self.read_recordings(archive), classes=self.class_names(archive), name=self.id,
            length=length or self.default_length, step=step or self.default_step,
            fingerprint=self.source_fingerprint(),
        )
        if self.test_subjects is None:
            return windows
        test_subjects = np.array(self.test_subjects(archive))
        return WindowSet(**{**windows.__dict__, "official_test": np.isin(windows.subjects, test_subjects)})


def hapt_layout_spec(id: str, description: str, citation: str, source: Callable[[], ArchiveSource],
                     activity_ids: tuple[int, ...], notes: str = "", default_length: int = DEFAULT_LENGTH,
                     default_step: int = DEFAULT_STEP) -> DatasetSpec:
    """A dataset id over files in the UCI HAPT layout, keeping the activities ``activity_ids``
    and the official 21/9 subject split."""
    return DatasetSpec(
        id=id, description=description, citation=citation, source=source,
        read_recordings=functools.partial(uci_hapt.read_recordings, activity_ids=activity_ids),
        class_names=functools.partial(uci_hapt.class_names, activity_ids=activity_ids),
        test_subjects=uci_hapt.official_test_subjects, variant=str(activity_ids), notes=notes,
        default_length=default_length, default_step=default_step,
    )


@dataclass(frozen=True)
class SeriesDatasetSpec:
    """A dataset id whose files already hold fixed-length labelled series (the UEA archive,
    keypoint sequences): each series is one window, so there is no windowing to choose.

    ``open`` locates and verifies the files, ``manifest`` is what they must hash to (known
    without reading them, unless ``checksums_shipped`` is False: then it holds the digests
    computed from the files found), ``read(archive, id, fingerprint)`` turns them into a
    WindowSet, and ``variant`` names anything else that changes the result (a problem name,
    kept parts). ``version`` is the adapter's version, as for `DatasetSpec`. ``groups`` names
    what the WindowSet's ``subjects`` are: ``cases`` where the data has no subject ids (each
    series its own group), else ``subjects``, ``persons``, ``groups``...
    """

    windowed: ClassVar[bool] = False
    id: str
    description: str
    citation: str
    open: Callable[[], Archive]
    manifest: Callable[[], Manifest]
    read: Callable[[Archive, str, str], WindowSet]
    variant: str = ""
    notes: str = ""
    checksums_shipped: bool = True
    version: int = 1
    groups: str = "cases"

    def source_fingerprint(self) -> str:
        payload = f"{self.id}:{self.version}:{self.variant}:{self.manifest().digest}"
        return hashlib.sha256(payload.encode()).hexdigest()[:16]

    def windowing(self, requested: dict) -> dict:
        """Nothing: the series are used as published. A requested window length or step is refused."""
        asked = {name: value for name, value in requested.items() if value is not None}
        if asked:
            raise InputValidationError(f"{self.id} comes as fixed-length series with a published split; windowing "
                                       f"({asked}) does not apply to it.")
        return {}

    def fingerprint(self, length: int | None = None, step: int | None = None) -> str:
        """Fingerprint of the WindowSet `load` returns (the signature `DatasetSpec.fingerprint`
        has; a window length or step is refused)."""
        return windowed_fingerprint(self.source_fingerprint(), self.windowing({"length": length, "step": step}))

    def load(self, length: int | None = None, step: int | None = None) -> WindowSet:
        """Locate, verify and read the dataset (the signature `DatasetSpec.load` has; a window
        length or step is refused)."""
        return self.read(self.open(), self.id, self.fingerprint(length, step))

    def verify(self) -> Archive:
        """Locate (or download) and verify the dataset's files without reading them."""
        return self.open()


def video_folder_spec(id: str, description: str, citation: str, layout: video_folder.VideoFolder,
                      notes: str = "") -> SeriesDatasetSpec:
    """A dataset id over a class-folder video dataset (``<class>/<clip>.avi|.mp4``) read as clips."""
    return SeriesDatasetSpec(
        id=id, description=description, citation=citation, open=functools.partial(video_folder.open_clips, layout),
        manifest=functools.partial(video_folder.manifest, layout), read=functools.partial(video_folder.read, layout),
        variant=layout.variant, notes=notes, checksums_shipped=layout.manifest_file is not None,
        groups="groups",
    )


_HAPT_CITATION = (
    "Reyes-Ortiz, Oneto, Samà, Parra & Anguita (2016), Transition-Aware Human Activity Recognition "
    "Using Smartphones, Neurocomputing 171:754-767"
)
_DATASETS: dict[str, DatasetSpec] = {}


def register_dataset(spec: DatasetSpec | SeriesDatasetSpec | cross_dataset.CrossDatasetSpec) -> None:
    """Make ``spec.id`` loadable by `get_dataset` (and so usable in suites)."""
    _DATASETS[spec.id] = spec


def get_dataset(dataset_id: str) -> DatasetSpec | SeriesDatasetSpec | cross_dataset.CrossDatasetSpec:
    """The `DatasetSpec` of ``dataset_id``; an unknown id names the known ones."""
    try:
        return _DATASETS[dataset_id]
    except KeyError:
        raise UnknownIdError(
            f"Unknown dataset id {dataset_id!r}. Known datasets: {', '.join(sorted(_DATASETS))}."
        ) from None


def dataset_ids() -> list[str]:
    return sorted(_DATASETS)


register_dataset(hapt_layout_spec(
    id="uci_har",
    description="UCI HAR: 6 basic activities from the raw UCI HAPT v2.1 recordings, 30 subjects, 50 Hz, "
                "official 21/9 subject split",
    citation="Anguita, Ghio, Oneto, Parra & Reyes-Ortiz (2013), A Public Domain Dataset for Human Activity "
             "Recognition Using Smartphones, ESANN; data: " + _HAPT_CITATION,
    source=uci_hapt.official_source,
    activity_ids=uci_hapt.BASIC_ACTIVITY_IDS,
    notes="The classic UCI HAR release (id 240) has 10,299 windows, cut by its authors from filtered signals; "
          "harbench cuts the raw recordings itself and keeps only windows wholly inside one labelled segment, "
          "so its count differs slightly and its windows are not the release's windows.",
))
register_dataset(hapt_layout_spec(
    id="hapt",
    description="UCI HAPT v2.1: 6 activities and 6 postural transitions, 30 subjects, 50 Hz, "
                "official 21/9 subject split",
    citation=_HAPT_CITATION,
    source=uci_hapt.official_source,
    activity_ids=uci_hapt.ALL_ACTIVITY_IDS,
    notes="Postural transitions last a few seconds, so they yield few 2.56 s windows: read their per-class F1.",
))
_NO_SUBJECTS = ("The UEA archive records no subject ids: each case is its own group, so the validation cases are "
                "drawn from the training cases and the archive's published TRAIN/TEST split is used as it is.")
for _dataset_id, _problem in uea.PROBLEMS.items():
    register_dataset(SeriesDatasetSpec(
        id=_dataset_id, description=_problem.description,
        citation=f"{_problem.source_paper}; archive: {uea.ARCHIVE_CITATION}",
        open=functools.partial(uea.open_problem, _problem), manifest=functools.partial(uea.manifest, _problem),
        read=functools.partial(uea.read, _problem), variant=_problem.name,
        notes=_NO_SUBJECTS + ("" if _problem.fs != 1.0 else " The sampling rate is not documented, so spectral "
                              "features are computed per sample (fs = 1)."),
    ))

_KEYPOINTS_CITATION = ("Lugaresi et al. (2019), MediaPipe: A Framework for Building Perception Pipelines, "
                       "arXiv:1906.08172; recordings: A. Sharma (2024), "
                       "github.com/AkashSharma095/Sign-Langugage-Detection-using-LSTM (no licence stated)")
_KEYPOINTS_NOTES = ("There are no subject ids (one signer, 90 sequences): use the stratified_kfold protocol, whose "
                    "folds are stratified by class over sequences; every fold is within-subject. Parts MediaPipe did "
                    "not detect (stored as zeros) are filled in time from the frames where they were seen, with a "
                    "presence channel per part. The frame rate is not recorded; 30 frames/s is assumed.")
for _dataset_id, _parts, _what in (("mp_gestures", ("pose", "left_hand", "right_hand"), "pose and both hands"),
                                   ("mp_gestures_face", ("pose", "face", "left_hand", "right_hand"),
                                    "pose, face mesh and both hands")):
    register_dataset(SeriesDatasetSpec(
        id=_dataset_id, description=f"MediaPipe Holistic keypoints ({_what}) of 3 signed gestures (hello, thanks, "
        "I love you), 90 sequences of 30 frames", citation=_KEYPOINTS_CITATION,
        open=lambda: open_archive(mp_gestures.source()), manifest=lambda: mp_gestures.source().manifest,
        read=functools.partial(mp_gestures.read, _parts), variant="+".join(_parts), notes=_KEYPOINTS_NOTES,
    ))

register_dataset(DatasetSpec(
    id="usc_had",
    description="USC-HAD: 12 daily activities from one hip-worn IMU (acc in g, gyro in deg/s), 14 subjects, "
                "5 trials each, 100 Hz; no official split (use loso or grouped_kfold)",
    citation="Zhang & Sawchuk (2012), USC-HAD: A Daily Activity Dataset for Ubiquitous Activity Recognition "
             "Using Wearable Sensors, ACM UbiComp Workshop on Situation, Activity and Goal Awareness (SAGAware)",
    source=usc_had.source, read_recordings=usc_had.read_recordings, class_names=usc_had.class_names,
    notes=usc_had.WINDOWING_NOTE, default_length=usc_had.WINDOW_LENGTH, default_step=usc_had.WINDOW_STEP,
))
register_dataset(SeriesDatasetSpec(
    id="uci_har_240",
    description="UCI HAR v1.0 (UCI id 240): the authors' own 128-sample windows of 9 filtered signals (body and "
                "total acceleration, body gyro), 6 activities, official 21/9 subject split",
    citation="Anguita, Ghio, Oneto, Parra & Reyes-Ortiz (2013), A Public Domain Dataset for Human Activity "
             "Recognition Using Smartphones, ESANN",
    open=uci_har_240.open_release, manifest=uci_har_240.manifest, read=uci_har_240.read, checksums_shipped=False,
    groups="subjects",
    notes="harbench ships no checksums for this release (it could not be obtained to compute them): the files' "
          "SHA-256 digests are computed on reading and identify the data in the fingerprint. The windows are the "
          "release's own, so results compare with the literature's UCI HAR figures window for window.",
))

register_dataset(SeriesDatasetSpec(
    id="weizmann",
    description=f"Weizmann human actions: silhouette clips of 10 actions by 9 persons (93 sequences, 25 frames/s), "
                f"{weizmann.FRAMES} frames of {weizmann.HEIGHT} x {weizmann.WIDTH} each; no official split (use loso: "
                "leave-one-person-out, 9 folds)",
    citation="Gorelick, Blank, Shechtman, Irani & Basri (2007), Actions as Space-Time Shapes, IEEE TPAMI "
             "29(12):2247-2253",
    open=weizmann.open_release, manifest=lambda: weizmann.source().manifest, read=weizmann.read,
    variant=f"{weizmann.MASKS}:frames={weizmann.FRAMES}:size={weizmann.HEIGHT}x{weizmann.WIDTH}", groups="persons",
    notes=f"Clips of the authors' full-frame silhouette masks: {weizmann.FRAMES} frames spread uniformly over each "
          f"sequence (the middle frame of {weizmann.FRAMES} equal segments), each 2 x 2 block averaged. lena's two "
          "takes of run, skip and walk are two clips of person lena, so they are always on the same side of a split. "
          "Published leave-one-person-out accuracies on these 10 actions run from about 97 % to 100 %.",
))
_UTD_CITATION = ("Chen, Jafari & Kehtarnavaz (2015), UTD-MHAD: A Multimodal Dataset for Human Action Recognition "
                 "Utilizing a Depth Camera and a Wearable Inertial Sensor, IEEE ICIP")
_UTD_NOTES = ("Each trial is resampled to a fixed length by linear interpolation in time (never cut); its trial id "
              "(a01_s01_t01) is kept, and both modalities list the same 861 trials in the same order. The official "
              "protocol is cross-subject (subjects 1, 3, 5, 7 train, 2, 4, 6, 8 test); loso is also common.")
for _modality, _what in (
    (utd_mhad.INERTIAL, "one inertial sensor (acc in g, gyro in deg/s, 50 Hz; right wrist for actions 1-21, right "
                        f"thigh for 22-27), each trial resampled to {utd_mhad.INERTIAL.length} samples x 6 channels"),
    (utd_mhad.SKELETON, "Kinect v1 skeletons (20 joints x, y, z in metres, 30 Hz), each trial resampled to "
                        f"{utd_mhad.SKELETON.length} frames x 60 channels"),
):
    register_dataset(SeriesDatasetSpec(
        id=f"utd_mhad_{_modality.name}",
        description=f"UTD-MHAD: 27 actions by 8 subjects, 861 trials, {_what}; official cross-subject split",
        citation=_UTD_CITATION, open=functools.partial(utd_mhad.open_release, _modality),
        manifest=functools.partial(utd_mhad.manifest, _modality), read=functools.partial(utd_mhad.read, _modality),
        variant=f"{_modality.name}:length={_modality.length}:linear", notes=_UTD_NOTES, groups="subjects",
    ))

register_dataset(cross_dataset.CrossDatasetSpec(
    id="hapt_usc_had",
    description="UCI HAR's 6 activities and USC-HAD's matching trials (walking, up and down stairs, sitting, "
                "standing, lying) in one label space, 50 Hz, gyroscope in rad/s, for cross-dataset transfer "
                "(protocol cross_dataset)",
    citation="UCI HAR: Anguita et al. (2013), ESANN, data: " + _HAPT_CITATION + "; USC-HAD: Zhang & Sawchuk "
             "(2012), ACM UbiComp SAGAware",
    notes=cross_dataset.NOTES,
))
_UCF50 = video_folder.VideoFolder(folder="ucf50", url="https://www.crcv.ucf.edu/data/UCF50.rar")
register_dataset(video_folder_spec(
    id="ucf50",
    description=f"UCF50: YouTube clips of 50 actions in 25 groups, RGB, {_UCF50.frames} frames of {_UCF50.height} x "
                f"{_UCF50.width} per clip; leave-one-group-out (protocol loso, 25 folds)",
    citation="Reddy & Shah (2013), Recognizing 50 human action categories of web videos, Machine Vision and "
             "Applications 24(5):971-981",
    layout=_UCF50,
    notes="Read from $HARBENCH_DATA_DIR/ucf50/<Class>/v_<Class>_gXX_cYY.avi (extract UCF50.rar there); the group "
          "gXX of each clip is its subject for every protocol. harbench ships no checksums for UCF50: the clips' "
          "SHA-256 digests are computed on reading and identify the data in the fingerprint.",
))
