"""`harbench sample-recording`: one session of a dataset's raw recordings as a recording CSV,
to try `harbench predict` on real data (with the true activity in a ``label`` column)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from harbench.datasets.catalog import get_dataset
from harbench.deploy.recording_csv import TIME_COLUMN
from harbench.errors import InputValidationError, UnknownIdError

LABEL_COLUMN = "label"


def sample_recording(dataset_id: str, subject: int, session: int | None = None) -> pd.DataFrame:
    """Columns ``time_s``, the channels and ``label`` (the activity, empty where unlabelled) of
    ``subject``'s ``session`` (default: the subject's first) of ``dataset_id``."""
    spec = get_dataset(dataset_id)
    if not spec.windowed:
        raise InputValidationError(f"{dataset_id} holds fixed-length series, not continuous recordings; choose a "
                                   "dataset of recordings (uci_har, hapt, usc_had).")
    archive = spec.verify()
    recordings = [recording for recording in spec.read_recordings(archive) if recording.subject == subject]
    if not recordings:
        subjects = sorted({recording.subject for recording in spec.read_recordings(archive)})
        raise UnknownIdError(f"{dataset_id} has no subject {subject}; its subjects are {subjects}.")
    sessions = sorted(recording.session for recording in recordings)
    chosen = session if session is not None else sessions[0]
    matching = [recording for recording in recordings if recording.session == chosen]
    if not matching:
        raise UnknownIdError(f"{dataset_id}: subject {subject} has no session {chosen}; it has {sessions}.")
    recording = matching[0]
    classes = spec.class_names(archive)
    labels = np.full(len(recording.signal), "", dtype=object)
    for segment in recording.segments:
        labels[segment.start:segment.stop] = classes[segment.label]
    table = pd.DataFrame(recording.signal, columns=list(recording.channels))
    table.insert(0, TIME_COLUMN, np.round(np.arange(len(table)) / recording.fs, 6))
    table[LABEL_COLUMN] = labels
    return table
