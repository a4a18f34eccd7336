"""Check a bundle the way a user would use it: on the raw recordings of the subjects it never
saw, through the `harbench predict` path (CSV table, bundle, resampling, windows). Each
session is scored twice: on the timeline's sliding windows that lie wholly inside one
labelled activity, and on windows cut per labelled activity as the suite cuts them, which
are the suite's own held-out windows and so must reproduce its accuracy."""

from __future__ import annotations

from dataclasses import dataclass

from harbench.deploy.bundle import Bundle
from harbench.deploy.predict import predict_recording, segment_accuracy, timeline_accuracy
from harbench.deploy.recording_csv import read_recording
from harbench.deploy.sample import LABEL_COLUMN, dataset_recordings, recording_table


@dataclass(frozen=True)
class RecordingScore:
    """One session's accuracy (and window count) on the timeline and on the suite's windows."""

    subject: int
    session: int
    timeline_accuracy: float
    timeline_windows: int
    segment_accuracy: float
    segment_windows: int


def held_out_recording_scores(bundle: Bundle) -> list[RecordingScore]:
    """The scores of every session of every held-out subject of ``bundle``."""
    info = bundle.info
    recordings, classes = dataset_recordings(info.dataset)
    held_out = sorted((recording for recording in recordings if recording.subject in set(info.subjects["held_out"])),
                      key=lambda recording: (recording.subject, recording.session))
    scores = []
    for held in held_out:
        recording = read_recording(f"{info.dataset} subject {held.subject} session {held.session}",
                                   recording_table(held, classes), info.channels, default_fs=info.fs,
                                   label_column=LABEL_COLUMN)
        on_timeline = timeline_accuracy(predict_recording(bundle, recording), recording, info.fs,
                                        info.window_length)
        scores.append(RecordingScore(held.subject, held.session, *on_timeline, *segment_accuracy(bundle, recording)))
    return scores


def pooled_accuracy(scores: list[RecordingScore], windows: str = "segment") -> tuple[float, int]:
    """Accuracy over all windows of ``scores`` of one kind (``"segment"`` or ``"timeline"``),
    and their number."""
    pairs = [(getattr(score, f"{windows}_accuracy"), getattr(score, f"{windows}_windows")) for score in scores]
    n_windows = sum(count for _, count in pairs)
    return sum(accuracy * count for accuracy, count in pairs) / n_windows, n_windows
