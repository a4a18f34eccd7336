"""`harbench sample-recording`: one session of a dataset's raw recordings as a recording CSV,
to try `harbench predict` on real data (with the true activity in a ``label`` column)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from harbench.datasets.catalog import get_dataset
from harbench.datasets.recording import Recording
from harbench.deploy.recording_csv import TIME_COLUMN
from harbench.errors import InputValidationError, UnknownIdError

LABEL_COLUMN = "label"


def dataset_recordings(dataset_id: str) -> tuple[list[Recording], list[str]]:
    """Every recording of ``dataset_id`` (read and verified once) and its class names."""
    spec = get_dataset(dataset_id)
    if not spec.windowed:
        raise InputValidationError(f"{dataset_id} holds fixed-length series, not continuous recordings; choose a "
                                   "dataset of recordings (uci_har, hapt, usc_had).")
    archive = spec.verify()
    return spec.read_recordings(archive), spec.class_names(archive)


def recording_table(recording: Recording, classes: list[str]) -> pd.DataFrame:
    """Columns ``time_s``, the channels and ``label`` (the activity, empty where unlabelled)."""
    labels = np.full(len(recording.signal), "", dtype=object)
    for segment in recording.segments:
        labels[segment.start:segment.stop] = classes[segment.label]
    table = pd.DataFrame(recording.signal, columns=list(recording.channels))
    table.insert(0, TIME_COLUMN, np.round(np.arange(len(table)) / recording.fs, 6))
    table[LABEL_COLUMN] = labels
    return table


def sample_recording(dataset_id: str, subject: int, session: int | None = None) -> pd.DataFrame:
    """The `recording_table` of ``subject``'s ``session`` (default: the subject's first) of ``dataset_id``."""
    recordings, classes = dataset_recordings(dataset_id)
    of_subject = [recording for recording in recordings if recording.subject == subject]
    if not of_subject:
        subjects = sorted({recording.subject for recording in recordings})
        raise UnknownIdError(f"{dataset_id} has no subject {subject}; its subjects are {subjects}.")
    sessions = sorted(recording.session for recording in of_subject)
    chosen = session if session is not None else sessions[0]
    matching = [recording for recording in of_subject if recording.session == chosen]
    if not matching:
        raise UnknownIdError(f"{dataset_id}: subject {subject} has no session {chosen}; it has {sessions}.")
    return recording_table(matching[0], classes)
