import numpy as np
import pytest

from harbench.datasets import Recording, Segment, make_windows
from harbench.datasets.windowing import window_starts
from harbench.errors import DataIntegrityError, InputValidationError


def _recording(n: int, segments: tuple[Segment, ...], subject: int = 1) -> Recording:
    signal = np.arange(n * 2, dtype=np.float32).reshape(n, 2)
    return Recording(signal=signal, fs=50.0, channels=("a", "b"), units=("u", "u"), subject=subject, session=1,
                     segments=segments, source="test")


def test_windows_lie_wholly_inside_one_segment_and_take_its_label():
    recording = _recording(100, (Segment(0, 40, 0), Segment(40, 100, 1)))
    windows = make_windows([recording], classes=["a", "b"], name="t", length=16, step=8)
    for start, label in zip(windows.starts, windows.y, strict=True):
        segment = recording.segments[label]
        assert segment.start <= start and start + 16 <= segment.stop
    assert np.array_equal(windows.X[0], recording.signal[0:16])
    assert windows.class_counts() == {"a": 4, "b": 6}


def test_window_starts_counts_every_full_window():
    assert window_starts(0, 128, 128, 64).tolist() == [0]
    assert window_starts(10, 10 + 127, 128, 64).tolist() == []
    assert window_starts(0, 256, 128, 64).tolist() == [0, 64, 128]


def test_segments_shorter_than_a_window_give_no_window():
    recording = _recording(100, (Segment(0, 10, 0), Segment(10, 100, 1)))
    windows = make_windows([recording], classes=["a", "b"], name="t", length=32, step=32)
    assert set(windows.y.tolist()) == {1}


def test_no_window_at_all_is_an_error():
    with pytest.raises(DataIntegrityError, match="no segment is at least 64"):
        make_windows([_recording(50, (Segment(0, 50, 0),))], classes=["a"], name="t", length=64, step=32)


def test_window_length_must_be_positive():
    with pytest.raises(InputValidationError, match="length and step"):
        make_windows([_recording(50, (Segment(0, 50, 0),))], classes=["a"], name="t", length=0, step=1)


def test_segment_past_the_end_of_its_recording_is_rejected():
    with pytest.raises(DataIntegrityError, match="runs outside the recording of 50 samples"):
        _recording(50, (Segment(0, 60, 0),))


def test_windowset_is_immutable_and_fingerprint_tracks_parameters():
    recording = _recording(100, (Segment(0, 100, 0),))
    first = make_windows([recording], classes=["a"], name="t", length=16, step=8)
    again = make_windows([recording], classes=["a"], name="t", length=16, step=8)
    other = make_windows([recording], classes=["a"], name="t", length=16, step=4)
    assert first.fingerprint == again.fingerprint != other.fingerprint
    with pytest.raises(ValueError):
        first.X[0, 0, 0] = 1.0
    assert first.subset(np.array([0, 2])).fingerprint != first.fingerprint
