"""Check a bundle the way a user would use it: on the raw recordings of the subjects it never
saw, cut into sliding windows by `harbench predict`, scored where a window lies wholly inside
one labelled activity. This is the end-to-end counterpart of the suite's held-out accuracy."""

from __future__ import annotations

from dataclasses import dataclass

from harbench.datasets.catalog import get_dataset
from harbench.deploy.bundle import Bundle
from harbench.deploy.predict import labelled_accuracy, predict_recording
from harbench.deploy.recording_csv import read_recording
from harbench.deploy.sample import LABEL_COLUMN, sample_recording
from harbench.errors import InputValidationError


@dataclass(frozen=True)
class RecordingScore:
    subject: int
    session: int
    accuracy: float
    n_windows: int


def held_out_recording_scores(bundle: Bundle) -> list[RecordingScore]:
    """`labelled_accuracy` of every session of every held-out subject of ``bundle``."""
    info = bundle.info
    spec = get_dataset(info.dataset)
    if not spec.windowed:
        raise InputValidationError(f"{info.dataset} holds fixed-length series, not recordings to predict on.")
    sessions = sorted({(recording.subject, recording.session) for recording in spec.read_recordings(spec.verify())
                       if recording.subject in set(info.subjects["held_out"])})
    scores = []
    for subject, session in sessions:
        table = sample_recording(info.dataset, subject, session)
        recording = read_recording(f"{info.dataset} subject {subject} session {session}", table, info.channels,
                                   default_fs=info.fs, label_column=LABEL_COLUMN)
        accuracy, n_windows = labelled_accuracy(predict_recording(bundle, recording), recording, info.fs,
                                                info.window_length)
        scores.append(RecordingScore(subject, session, accuracy, n_windows))
    return scores


def pooled_accuracy(scores: list[RecordingScore]) -> tuple[float, int]:
    """Accuracy over all scored windows of ``scores``, and their number."""
    n_windows = sum(score.n_windows for score in scores)
    return sum(score.accuracy * score.n_windows for score in scores) / n_windows, n_windows
