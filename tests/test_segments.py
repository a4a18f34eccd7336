"""Activity segments: consecutive windows of one predicted label merged, as `harbench predict`,
the upload page and ``POST /predict`` show them before the per-window table."""

import numpy as np
import pandas as pd
import pytest

from harbench.deploy.predict import activity_segments, format_segments

LENGTH_S, STEP_S = 2.56, 1.28  # half-overlapping windows, as HAPT's


def _timeline(labels: list[str], probabilities: dict[str, list[float]] | None = None) -> pd.DataFrame:
    starts = np.arange(len(labels)) * STEP_S + 0.64
    table = pd.DataFrame({"start_s": starts, "end_s": starts + LENGTH_S, "label": labels})
    for name, values in (probabilities or {}).items():
        table[f"prob_{name}"] = values
    return table


def test_consecutive_windows_of_one_label_merge_into_one_segment():
    segments = activity_segments(_timeline(["SIT", "SIT", "WALK", "WALK", "WALK", "SIT"]))
    assert segments["label"].tolist() == ["SIT", "WALK", "SIT"]
    assert segments["n_windows"].tolist() == [2, 3, 1]
    # a segment runs from its first window's start to the next segment's first window's start
    np.testing.assert_allclose(segments["start_s"], [0.64, 0.64 + 2 * STEP_S, 0.64 + 5 * STEP_S])
    np.testing.assert_allclose(segments["end_s"], [0.64 + 2 * STEP_S, 0.64 + 5 * STEP_S, 0.64 + 5 * STEP_S + LENGTH_S])


def test_a_single_window_is_one_segment_spanning_it():
    segments = activity_segments(_timeline(["LIE"]))
    assert segments.to_dict(orient="records") == [{"start_s": 0.64, "end_s": 0.64 + LENGTH_S, "label": "LIE",
                                                   "n_windows": 1}]


def test_alternating_labels_give_one_segment_per_window():
    segments = activity_segments(_timeline(["A", "B"] * 4))
    assert segments["label"].tolist() == ["A", "B"] * 4 and (segments["n_windows"] == 1).all()
    np.testing.assert_allclose(segments["end_s"].iloc[:-1] - segments["start_s"].iloc[:-1], STEP_S)


@pytest.mark.parametrize("seed", range(5))
def test_segments_do_not_overlap_and_cover_the_timeline_of_overlapping_windows(seed):
    labels = np.random.default_rng(seed).choice(["A", "B", "C"], size=60, p=[0.6, 0.3, 0.1]).tolist()
    table = _timeline(labels)
    segments = activity_segments(table)
    np.testing.assert_array_equal(segments["end_s"].iloc[:-1].to_numpy(), segments["start_s"].iloc[1:].to_numpy())
    assert (segments["end_s"] > segments["start_s"]).all()
    assert segments["start_s"].iloc[0] == table["start_s"].iloc[0]
    assert segments["end_s"].iloc[-1] == table["end_s"].iloc[-1]
    assert segments["n_windows"].sum() == len(table)
    assert (segments["label"].to_numpy()[1:] != segments["label"].to_numpy()[:-1]).all(), "neighbours differ"
    assert np.repeat(segments["label"].to_numpy(), segments["n_windows"]).tolist() == labels


def test_the_mean_probability_is_that_of_each_segments_own_label():
    table = _timeline(["A", "A", "B"], {"A": [0.9, 0.7, 0.4], "B": [0.1, 0.3, 0.6]})
    segments = activity_segments(table)
    np.testing.assert_allclose(segments["mean_probability"], [0.8, 0.6])


def test_a_timeline_without_probabilities_gives_segments_without_them_and_an_empty_one_none():
    assert list(activity_segments(_timeline(["A", "B"])).columns) == ["start_s", "end_s", "label", "n_windows"]
    empty = activity_segments(_timeline([], {"A": []}))
    assert empty.empty and list(empty.columns) == ["start_s", "end_s", "label", "n_windows", "mean_probability"]
    assert format_segments(empty) == "no windows, so no activity segments"


def test_the_console_lines_name_each_segment_in_time_order():
    text = format_segments(activity_segments(_timeline(["SIT", "SIT", "WALKING"], {"SIT": [1.0, 0.5, 0.25],
                                                                                    "WALKING": [0.0, 0.5, 0.75]})))
    header, first, second = text.splitlines()
    assert header == "2 activity segments (3 windows):"
    assert first.split() == ["0.64-", "3.20", "s", "2.56", "s", "SIT", "2", "windows", "p", "0.75"]
    assert second.split() == ["3.20-", "5.76", "s", "2.56", "s", "WALKING", "1", "window", "p", "0.75"]
