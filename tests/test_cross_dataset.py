"""Cross-dataset transfer: USC-HAD harmonised to HAPT, the cross_dataset protocol, the report."""

import math

import numpy as np
import pandas as pd
import pytest

from harbench.datasets.cross_dataset import USC_HAD_TO_HAPT, usc_had_as_hapt
from harbench.datasets.protocols import make_protocol
from harbench.datasets.recording import Recording, Segment
from harbench.datasets.usc_had import ACTIVITIES, CHANNELS, UNITS
from harbench.datasets.windowset import WindowSet
from harbench.errors import DataIntegrityError, InputValidationError
from harbench.reporting.transfer import transfer_lines, transfer_runs
from harbench.runner.predictions import Predictions


def _trial(activity: str, seconds: float = 4.0, fs: float = 100.0, units=UNITS) -> Recording:
    t = np.arange(int(seconds * fs)) / fs
    signal = np.column_stack([np.sin(2 * np.pi * 1.0 * t), np.zeros_like(t), np.ones_like(t),
                              np.full_like(t, 90.0), np.zeros_like(t), np.sin(2 * np.pi * 20.0 * t)])
    return Recording(signal=signal.astype(np.float32), fs=fs, channels=CHANNELS, units=units, subject=3, session=402,
                     segments=(Segment(0, len(t), ACTIVITIES.index(activity)),), source=f"Subject3/{activity}.mat")


def test_a_usc_had_trial_is_mapped_resampled_to_50_hz_and_its_gyroscope_converted_to_rad_per_s():
    converted = usc_had_as_hapt(_trial("walking_upstairs"), list(ACTIVITIES))
    assert converted.fs == 50.0 and converted.units == ("g", "g", "g", "rad/s", "rad/s", "rad/s")
    assert converted.subject == 103 and len(converted.signal) == 200
    assert converted.segments == (Segment(0, 200, 1),)  # WALKING_UPSTAIRS
    middle = slice(20, 180)
    assert np.allclose(converted.signal[middle, 3], math.pi / 2, atol=1e-3)  # 90 deg/s
    assert np.allclose(converted.signal[middle, 2], 1.0, atol=1e-3)
    assert np.abs(converted.signal[middle, 5]).max() < 0.05, "20 Hz is above 50 Hz's Nyquist limit: filtered out"
    spectrum = np.abs(np.fft.rfft(converted.signal[:, 0]))
    assert np.argmax(spectrum) == round(1.0 * 200 / 50.0), "a 1 Hz signal stays at 1 Hz"


@pytest.mark.parametrize("activity", sorted(set(ACTIVITIES) - set(USC_HAD_TO_HAPT)))
def test_activities_without_a_hapt_counterpart_are_left_out(activity):
    assert usc_had_as_hapt(_trial(activity), list(ACTIVITIES)) is None


def test_a_trial_in_other_units_is_refused_by_name():
    with pytest.raises(DataIntegrityError, match=r"Subject3/sitting\.mat: expected USC-HAD.s 100 Hz"):
        usc_had_as_hapt(_trial("sitting", units=("g",) * 3 + ("rad/s",) * 3), list(ACTIVITIES))


def _combined() -> WindowSet:
    subjects = np.repeat([1, 2, 3, 4, 5, 101, 102, 103, 104, 105], 4)
    n = len(subjects)
    return WindowSet(name="pair", X=np.zeros((n, 8, 1), np.float32), y=np.arange(n) % 2, classes=("a", "b"),
                     channels=("c",), units=("g",), fs=50.0, subjects=subjects, sessions=subjects,
                     starts=np.zeros(n, np.int64), official_test=np.isin(subjects, [5, 105]),
                     params={"domains": {"first": [1, 2, 3, 4, 5], "second": [101, 102, 103, 104, 105]}})


def test_the_cross_dataset_protocol_trains_on_one_dataset_and_tests_on_both():
    windows = _combined()
    first, second = make_protocol("cross_dataset", val_fraction=0.25).splits(windows)
    assert set(windows.subjects[np.concatenate([first.train, first.val])]) == {1, 2, 3, 4}
    assert set(windows.subjects[np.concatenate([second.train, second.val])]) == {101, 102, 103, 104}
    assert set(windows.subjects[first.test]) == set(windows.subjects[second.test]) == {5, 105}
    plain = WindowSet(**{**windows.__dict__, "params": {}})
    with pytest.raises(InputValidationError, match="pair is not a combined dataset"):
        make_protocol("cross_dataset").splits(plain)


def test_the_transfer_table_splits_one_fit_s_predictions_by_dataset():
    domains = {"first": [1, 5], "second": [101, 105]}
    subjects = np.array([5, 5, 105, 105])
    y_true = np.array([0, 1, 0, 1])
    records, predictions = [], {}
    for fold, y_pred in ((0, [0, 1, 1, 1]), (1, [1, 1, 0, 1])):
        key = f"cell{fold}"
        records.append({"key": key, "pipeline": "p", "family": "classical", "seed": 0, "fold": fold})
        predictions[key] = Predictions(np.arange(4), subjects, y_true, np.array(y_pred),
                                       np.eye(2, dtype=np.float32)[y_pred])
    runs = transfer_runs(records, predictions, domains, n_classes=2)
    accuracy = runs.set_index(["source", "target"])["accuracy"]
    assert accuracy[("first", "first")] == 1.0 and accuracy[("first", "second")] == 0.5
    assert accuracy[("second", "second")] == 1.0 and accuracy[("second", "first")] == 0.5
    lines = "\n".join(transfer_lines(runs, ["p"], ["first", "second"]))
    assert "| `p` | classical | 1.0000 | 0.5000 (-0.5000) | 1.0000 | 0.5000 (-0.5000) |" in lines
    assert "first → second" in lines and isinstance(runs, pd.DataFrame)


@pytest.mark.slow
def test_the_real_combined_dataset_holds_both_in_one_label_space(real_data_dir):
    from harbench.datasets.catalog import get_dataset

    spec = get_dataset("hapt_usc_had")
    windows = spec.load()
    assert windows.fingerprint == spec.fingerprint()
    assert windows.classes == ("WALKING", "WALKING_UPSTAIRS", "WALKING_DOWNSTAIRS", "SITTING", "STANDING", "LAYING")
    assert windows.fs == 50.0 and windows.units == ("g", "g", "g", "rad/s", "rad/s", "rad/s")
    domains = windows.params["domains"]
    assert domains["uci_har"] == list(range(1, 31)) and domains["usc_had"] == list(range(101, 115))
    assert sorted(np.unique(windows.subjects[windows.official_test])) == [2, 4, 9, 10, 12, 13, 18, 20, 24,
                                                                          111, 112, 113, 114]
    from_usc = windows.subjects > 100
    assert set(np.unique(windows.y[from_usc])) == set(range(6))
    gyro = np.abs(windows.X[from_usc][:, :, 3:])
    assert np.percentile(gyro, 99) < 10, "rad/s, not deg/s"
