"""Two recording datasets in one label space, for cross-dataset transfer.

``hapt_usc_had`` holds UCI HAR (the six basic activities of the raw UCI HAPT recordings) and
USC-HAD's matching activities as one dataset, so that the `cross_dataset` protocol can train on
one and test on both: a model trained on HAPT's training subjects is scored on HAPT's test
subjects (its in-dataset accuracy) and on USC-HAD's test subjects (its transfer accuracy) from
one fit, and the other way round.

What is harmonised:

- **Activities** (`USC_HAD_TO_HAPT`): walking forward -> WALKING, walking upstairs ->
  WALKING_UPSTAIRS, walking downstairs -> WALKING_DOWNSTAIRS, sitting -> SITTING, standing ->
  STANDING, sleeping -> LAYING. USC-HAD's walking left and right (side-stepping), running,
  jumping and the two elevator rides have no HAPT counterpart; their trials are left out, as
  are HAPT's postural transitions (not among UCI HAR's six activities).
- **Units**: USC-HAD's gyroscope (deg/s) is converted to HAPT's rad/s; both accelerometers are
  in g.
- **Sampling rate**: USC-HAD's 100 Hz trials are resampled to HAPT's 50 Hz before windowing
  (`scipy.signal.resample_poly` by 1/2, whose FIR low-pass removes what 50 Hz cannot hold), so
  windows of the same length last the same time (128 samples = 2.56 s by default).
- **Subjects**: USC-HAD's subjects 1-14 become 101-114. Test subjects: HAPT's official 9;
  USC-HAD has no official split, so its last four subjects by id (11-14, here 111-114) were
  fixed as its test subjects before any result was seen.

What is not corrected: the devices (a Samsung Galaxy S II smartphone's accelerometer and
gyroscope in HAPT; a MotionNode IMU in USC-HAD), their placement (the phone on the waist in a
belt pouch; the MotionNode on the front right hip), their axes' orientation relative to the
body (neither dataset is rotated into a common frame: a model meets the other dataset's
gravity on different axes), their noise, ranges and filtering, the subjects' populations, and
how each dataset was labelled (HAPT from video, USC-HAD per trial). Any of these can cost
accuracy; the transfer figures measure all of them together.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, replace

import numpy as np
from scipy.signal import resample_poly

from harbench.datasets import uci_hapt, usc_had
from harbench.datasets.archive import Archive
from harbench.datasets.locate import open_archive
from harbench.datasets.recording import Recording, Segment
from harbench.datasets.windowing import DEFAULT_LENGTH, DEFAULT_STEP, RecordingWindowing, make_windows
from harbench.datasets.windowset import WindowSet
from harbench.errors import DataIntegrityError

NOTES = ("USC-HAD's 100 Hz trials are resampled to 50 Hz and its gyroscope converted to rad/s; its walking "
         "left/right, running, jumping and elevator trials have no counterpart and are left out. Test subjects: "
         "HAPT's official 9 and USC-HAD's 11-14 (here 111-114), fixed before any result. Not corrected: the devices "
         "(a smartphone in HAPT, a MotionNode IMU in USC-HAD), their placement (waist pouch vs front right hip) and "
         "axis orientation (gravity falls on different axes), noise, ranges and filtering, the populations and the "
         "labelling; the transfer accuracy measures them all together.")
HAPT_CLASSES = ("WALKING", "WALKING_UPSTAIRS", "WALKING_DOWNSTAIRS", "SITTING", "STANDING", "LAYING")
USC_HAD_TO_HAPT = {"walking_forward": "WALKING", "walking_upstairs": "WALKING_UPSTAIRS",
                   "walking_downstairs": "WALKING_DOWNSTAIRS", "sitting": "SITTING", "standing": "STANDING",
                   "sleeping": "LAYING"}
USC_HAD_SUBJECT_OFFSET = 100
USC_HAD_TEST_SUBJECTS = (11, 12, 13, 14)
FS = uci_hapt.FS


@dataclass(frozen=True)
class ArchivePair:
    """The verified files of both datasets (what `CrossDatasetSpec.verify` gives)."""

    hapt: Archive
    usc_had: Archive

    @property
    def location(self) -> str:
        return f"{self.hapt.location} and {self.usc_had.location}"

    def names(self) -> list[str]:
        return [*(f"uci-hapt/{name}" for name in self.hapt.names()),
                *(f"usc-had/{name}" for name in self.usc_had.names())]


def usc_had_as_hapt(recording: Recording, classes: list[str]) -> Recording | None:
    """``recording`` (a USC-HAD trial, labels indexing ``classes``) in HAPT's label space, units
    and rate, its subject offset by `USC_HAD_SUBJECT_OFFSET`; None for an activity HAPT lacks."""
    (segment,) = recording.segments  # a USC-HAD trial is one activity from start to end
    target = USC_HAD_TO_HAPT.get(classes[segment.label])
    if target is None:
        return None
    if recording.fs != usc_had.FS or recording.units != usc_had.UNITS:
        raise DataIntegrityError(f"{recording.source}: expected USC-HAD's 100 Hz and deg/s gyroscope, found "
                                 f"{recording.fs} Hz and units {recording.units}.")
    signal = resample_poly(recording.signal.astype(np.float64), up=1, down=2, axis=0)
    signal[:, 3:] *= math.pi / 180.0
    return Recording(signal=signal.astype(np.float32), fs=FS, channels=recording.channels,
                     units=uci_hapt.UNITS,
                     subject=recording.subject + USC_HAD_SUBJECT_OFFSET, session=recording.session,
                     segments=(Segment(start=0, stop=len(signal), label=HAPT_CLASSES.index(target)),),
                     source=recording.source)


@dataclass(frozen=True)
class CrossDatasetSpec(RecordingWindowing):
    """UCI HAR and USC-HAD's matching activities as one dataset of recordings (see the module
    docstring); answers the dataset-spec protocol like `harbench.datasets.catalog.DatasetSpec`.
    ``params["domains"]`` of what `load` gives maps each dataset to its subjects, and
    ``official_test`` marks both datasets' test subjects, for the `cross_dataset` protocol."""

    windowed = True
    groups = "subjects"
    id: str
    description: str
    citation: str
    notes: str
    version: int = 1
    default_length: int = DEFAULT_LENGTH
    default_step: int = DEFAULT_STEP
    checksums_shipped: bool = True

    def source_fingerprint(self) -> str:
        parts = [self.id, str(self.version), str(sorted(USC_HAD_TO_HAPT.items())), str(USC_HAD_TEST_SUBJECTS),
                 uci_hapt.official_source().manifest.digest, usc_had.source().manifest.digest]
        return hashlib.sha256(":".join(parts).encode()).hexdigest()[:16]

    def verify(self) -> ArchivePair:
        """Locate and verify both datasets' files."""
        return ArchivePair(open_archive(uci_hapt.official_source()), open_archive(usc_had.source()))

    def class_names(self, archives: ArchivePair) -> list[str]:
        return list(HAPT_CLASSES)

    def read_recordings(self, archives: ArchivePair) -> list[Recording]:
        """HAPT's recordings of the six activities, then USC-HAD's matching trials harmonised."""
        hapt = uci_hapt.read_recordings(archives.hapt, activity_ids=uci_hapt.BASIC_ACTIVITY_IDS)
        names = uci_hapt.class_names(archives.hapt, uci_hapt.BASIC_ACTIVITY_IDS)
        if tuple(names) != HAPT_CLASSES:
            raise DataIntegrityError(f"{archives.hapt.location}: activity names {names}, expected {HAPT_CLASSES}.")
        usc_classes = usc_had.class_names(archives.usc_had)
        trials = (usc_had_as_hapt(recording, usc_classes) for recording in usc_had.read_recordings(archives.usc_had))
        return [*hapt, *(trial for trial in trials if trial is not None)]

    def load(self, length: int | None = None, step: int | None = None) -> WindowSet:
        """Both datasets' windows, with their domains and test subjects marked."""
        archives = self.verify()
        windowing = self.windowing({"length": length, "step": step})
        windows = make_windows(self.read_recordings(archives), classes=HAPT_CLASSES, name=self.id,
                               fingerprint=self.source_fingerprint(), **windowing)
        usc_subjects = windows.subjects > USC_HAD_SUBJECT_OFFSET
        domains = {"uci_har": sorted(int(s) for s in np.unique(windows.subjects[~usc_subjects])),
                   "usc_had": sorted(int(s) for s in np.unique(windows.subjects[usc_subjects]))}
        test_subjects = [*uci_hapt.official_test_subjects(archives.hapt),
                         *(subject + USC_HAD_SUBJECT_OFFSET for subject in USC_HAD_TEST_SUBJECTS)]
        return replace(windows, official_test=np.isin(windows.subjects, test_subjects),
                       params={**windows.params, "domains": domains})
