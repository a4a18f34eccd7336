"""Vectorised tsfresh calculators of a series' value distribution: moments, order statistics,
counts, duplicates, the location of extremes and of mass, and Benford's law.

Each is tsfresh 0.21's calculator of the same name, computed for many series at once (one row
per series) and tested for parity with tsfresh to a relative tolerance of 1e-6; ``CALCULATORS``
maps tsfresh's names to them. Boolean features are returned as 0.0 / 1.0.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from harbench.features.statistics import run_lengths
from harbench.features.tsfresh_calculators.base import binned_entropy as _histogram_entropy
from harbench.features.tsfresh_calculators.base import parameterless, per_parameter

_BENFORD = np.log10(1 + 1 / np.arange(1, 10))


@parameterless
def mean(x: np.ndarray) -> np.ndarray:
    """tsfresh ``mean``: the mean of each series."""
    return np.mean(x, axis=1)


@parameterless
def median(x: np.ndarray) -> np.ndarray:
    """tsfresh ``median``: the median of each series."""
    return np.median(x, axis=1)


@parameterless
def length(x: np.ndarray) -> np.ndarray:
    """tsfresh ``length``: the number of samples."""
    return np.full(len(x), x.shape[1])


@parameterless
def standard_deviation(x: np.ndarray) -> np.ndarray:
    """tsfresh ``standard_deviation``: the population standard deviation."""
    return np.std(x, axis=1)


@parameterless
def variance(x: np.ndarray) -> np.ndarray:
    """tsfresh ``variance``: the population variance."""
    return np.var(x, axis=1)


@parameterless
def variance_larger_than_standard_deviation(x: np.ndarray) -> np.ndarray:
    """tsfresh ``variance_larger_than_standard_deviation``: whether the variance exceeds its square root."""
    spread = np.var(x, axis=1)
    return spread > np.sqrt(spread)


@parameterless
def variation_coefficient(x: np.ndarray) -> np.ndarray:
    """tsfresh ``variation_coefficient``: standard deviation over mean; NaN where the mean is 0."""
    average = np.mean(x, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(average == 0, np.nan, np.std(x, axis=1) / average)


@parameterless
def skewness(x: np.ndarray) -> np.ndarray:
    """tsfresh ``skewness``: pandas' adjusted Fisher-Pearson skewness G1 (computed by pandas)."""
    return pd.DataFrame(x.T).skew().to_numpy()


@parameterless
def kurtosis(x: np.ndarray) -> np.ndarray:
    """tsfresh ``kurtosis``: pandas' adjusted excess kurtosis G2 (computed by pandas)."""
    return pd.DataFrame(x.T).kurt().to_numpy()


@parameterless
def sum_values(x: np.ndarray) -> np.ndarray:
    """tsfresh ``sum_values``: the sum of the samples."""
    return np.sum(x, axis=1)


@parameterless
def abs_energy(x: np.ndarray) -> np.ndarray:
    """tsfresh ``abs_energy``: the sum of squared samples."""
    return np.einsum("ij,ij->i", x, x)


@parameterless
def root_mean_square(x: np.ndarray) -> np.ndarray:
    """tsfresh ``root_mean_square``: the square root of the mean squared sample."""
    return np.sqrt(np.mean(np.square(x), axis=1))


@parameterless
def maximum(x: np.ndarray) -> np.ndarray:
    """tsfresh ``maximum``: the largest sample."""
    return np.max(x, axis=1)


@parameterless
def minimum(x: np.ndarray) -> np.ndarray:
    """tsfresh ``minimum``: the smallest sample."""
    return np.min(x, axis=1)


@parameterless
def absolute_maximum(x: np.ndarray) -> np.ndarray:
    """tsfresh ``absolute_maximum``: the largest absolute sample."""
    return np.max(np.abs(x), axis=1)


@parameterless
def count_above_mean(x: np.ndarray) -> np.ndarray:
    """tsfresh ``count_above_mean``: how many samples exceed the mean."""
    return (x > np.mean(x, axis=1, keepdims=True)).sum(axis=1)


@parameterless
def count_below_mean(x: np.ndarray) -> np.ndarray:
    """tsfresh ``count_below_mean``: how many samples lie below the mean."""
    return (x < np.mean(x, axis=1, keepdims=True)).sum(axis=1)


def _longest_run(flags: np.ndarray) -> np.ndarray:
    """The length of the longest run of True in each row (0 if none)."""
    runs = np.cumsum(flags, axis=1)
    since_last_false = runs - np.maximum.accumulate(np.where(flags, 0, runs), axis=1)
    return since_last_false.max(axis=1)


@parameterless
def longest_strike_below_mean(x: np.ndarray) -> np.ndarray:
    """tsfresh ``longest_strike_below_mean``: the longest run of samples below the mean."""
    return _longest_run(x < np.mean(x, axis=1, keepdims=True))


@parameterless
def longest_strike_above_mean(x: np.ndarray) -> np.ndarray:
    """tsfresh ``longest_strike_above_mean``: the longest run of samples above the mean."""
    return _longest_run(x > np.mean(x, axis=1, keepdims=True))


@parameterless
def first_location_of_maximum(x: np.ndarray) -> np.ndarray:
    """tsfresh ``first_location_of_maximum``: the first index of the maximum over the length."""
    return np.argmax(x, axis=1) / x.shape[1]


@parameterless
def last_location_of_maximum(x: np.ndarray) -> np.ndarray:
    """tsfresh ``last_location_of_maximum``: 1 - the last index of the maximum, from the end, over the length."""
    return 1.0 - np.argmax(x[:, ::-1], axis=1) / x.shape[1]


@parameterless
def first_location_of_minimum(x: np.ndarray) -> np.ndarray:
    """tsfresh ``first_location_of_minimum``: the first index of the minimum over the length."""
    return np.argmin(x, axis=1) / x.shape[1]


@parameterless
def last_location_of_minimum(x: np.ndarray) -> np.ndarray:
    """tsfresh ``last_location_of_minimum``: 1 - the last index of the minimum, from the end, over the length."""
    return 1.0 - np.argmin(x[:, ::-1], axis=1) / x.shape[1]


@parameterless
def has_duplicate_max(x: np.ndarray) -> np.ndarray:
    """tsfresh ``has_duplicate_max``: whether the maximum occurs at least twice."""
    return (x == np.max(x, axis=1, keepdims=True)).sum(axis=1) >= 2


@parameterless
def has_duplicate_min(x: np.ndarray) -> np.ndarray:
    """tsfresh ``has_duplicate_min``: whether the minimum occurs at least twice."""
    return (x == np.min(x, axis=1, keepdims=True)).sum(axis=1) >= 2


def _distinct_values(x: np.ndarray) -> dict[str, np.ndarray]:
    """Per row, from its distinct values (``numpy.unique``): how many there are, how many occur
    more than once, how many samples those cover, and the sums of those values (``values``)
    and of their samples (``points``)."""
    ordered = np.sort(x, axis=1)
    rows, counts = run_lengths(ordered)
    values = ordered.ravel()[np.cumsum(counts) - counts]
    repeated = counts > 1

    def per_row(weights: np.ndarray) -> np.ndarray:
        return np.bincount(rows, weights=weights, minlength=len(x))

    return {"distinct": per_row(np.ones(len(counts))), "repeated": per_row(repeated),
            "repeated_points": per_row(counts * repeated), "values": per_row(values * repeated),
            "points": per_row(values * counts * repeated)}


@parameterless
def has_duplicate(x: np.ndarray) -> np.ndarray:
    """tsfresh ``has_duplicate``: whether any value occurs more than once."""
    return _distinct_values(x)["distinct"] < x.shape[1]


@parameterless
def ratio_value_number_to_time_series_length(x: np.ndarray) -> np.ndarray:
    """tsfresh ``ratio_value_number_to_time_series_length``: distinct values over samples."""
    return _distinct_values(x)["distinct"] / x.shape[1]


@parameterless
def percentage_of_reoccurring_values_to_all_values(x: np.ndarray) -> np.ndarray:
    """tsfresh ``percentage_of_reoccurring_values_to_all_values``: the share of the distinct
    values that occur more than once."""
    distinct = _distinct_values(x)
    return distinct["repeated"] / distinct["distinct"]


@parameterless
def percentage_of_reoccurring_datapoints_to_all_datapoints(x: np.ndarray) -> np.ndarray:
    """tsfresh ``percentage_of_reoccurring_datapoints_to_all_datapoints``: the share of the
    samples whose value occurs more than once."""
    return _distinct_values(x)["repeated_points"] / x.shape[1]


@parameterless
def sum_of_reoccurring_values(x: np.ndarray) -> np.ndarray:
    """tsfresh ``sum_of_reoccurring_values``: the sum of the distinct values occurring more than once."""
    return _distinct_values(x)["values"]


@parameterless
def sum_of_reoccurring_data_points(x: np.ndarray) -> np.ndarray:
    """tsfresh ``sum_of_reoccurring_data_points``: the sum of the samples whose value occurs more than once."""
    return _distinct_values(x)["points"]


def _first_digits(magnitude: np.ndarray) -> np.ndarray:
    """The first digit of numpy's shortest representation of each value (0 for 0), as tsfresh's
    ``format_float_scientific``: from the decimal exponent, and from the text itself for values
    within 1e-9 of a digit boundary (where rounding decides) or too small for an exact power of 10."""
    with np.errstate(divide="ignore", invalid="ignore"):
        mantissa = magnitude / 10.0 ** np.floor(np.log10(magnitude))
    first = np.floor(mantissa)
    near = (np.abs(mantissa - np.round(mantissa)) < 1e-9 * mantissa) | (magnitude < 1e-290)  # or subnormal powers
    near &= magnitude > 0
    text = np.strings.lstrip(magnitude[near].astype(str), "0.")
    first[near] = text.astype("U1").astype(np.int64)
    first[magnitude == 0] = 0
    return first


@parameterless
def benford_correlation(x: np.ndarray) -> np.ndarray:
    """tsfresh ``benford_correlation``: Pearson correlation of the first-digit distribution with
    Newcomb-Benford's law (Hill 1995, Statistical Science 10:354-363); NaN where every sample is 0."""
    first = _first_digits(np.abs(x))
    shares = (first[:, :, None] == np.arange(1, 10)).mean(axis=1)
    # numpy.corrcoef's arithmetic: covariance over the product of the standard deviations
    benford = _BENFORD - _BENFORD.mean()
    centred = shares - shares.mean(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        correlation = (centred @ benford / 8) / np.sqrt(benford @ benford / 8)
        correlation = correlation / np.sqrt(np.einsum("ij,ij->i", centred, centred) / 8)
    return np.clip(correlation, -1, 1)


def _deviation_and_std(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each sample's absolute deviation from its series' mean, and each series' standard deviation."""
    return np.abs(x - np.mean(x, axis=1, keepdims=True)), np.std(x, axis=1, keepdims=True)


def _std_and_range(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.std(x, axis=1), np.max(x, axis=1) - np.min(x, axis=1)


def _mean_median_gap_and_range(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.abs(np.mean(x, axis=1) - np.median(x, axis=1)), np.max(x, axis=1) - np.min(x, axis=1)


@per_parameter(summary=_deviation_and_std)
def ratio_beyond_r_sigma(distance: np.ndarray, spread: np.ndarray, r: float) -> np.ndarray:
    """tsfresh ``ratio_beyond_r_sigma``: the share of samples more than ``r`` standard deviations from the mean."""
    return (distance > r * spread).sum(axis=1) / distance.shape[1]


@per_parameter(summary=_std_and_range)
def large_standard_deviation(spread: np.ndarray, extent: np.ndarray, r: float) -> np.ndarray:
    """tsfresh ``large_standard_deviation``: whether the standard deviation exceeds ``r`` times the range."""
    return spread > r * extent


@per_parameter(summary=_mean_median_gap_and_range)
def symmetry_looking(skew: np.ndarray, extent: np.ndarray, r: float) -> np.ndarray:
    """tsfresh ``symmetry_looking``: whether |mean - median| is below ``r`` times the range."""
    return skew < r * extent


@per_parameter
def quantile(x: np.ndarray, q: float) -> np.ndarray:
    """tsfresh ``quantile``: numpy's linear-interpolation ``q`` quantile."""
    return np.quantile(x, q, axis=1)


@per_parameter
def mean_n_absolute_max(x: np.ndarray, number_of_maxima: int) -> np.ndarray:
    """tsfresh ``mean_n_absolute_max``: the mean of the ``number_of_maxima`` largest absolute
    samples; NaN unless the series is longer than that."""
    if x.shape[1] <= number_of_maxima:
        return np.full(len(x), np.nan)
    return np.mean(np.sort(np.abs(x), axis=1)[:, -number_of_maxima:], axis=1)


@per_parameter
def count_above(x: np.ndarray, t: float) -> np.ndarray:
    """tsfresh ``count_above``: the share of samples at or above ``t``."""
    return (x >= t).sum(axis=1) / x.shape[1]


@per_parameter
def count_below(x: np.ndarray, t: float) -> np.ndarray:
    """tsfresh ``count_below``: the share of samples at or below ``t``."""
    return (x <= t).sum(axis=1) / x.shape[1]


@per_parameter
def value_count(x: np.ndarray, value: float) -> np.ndarray:
    """tsfresh ``value_count``: how many samples equal ``value`` (none for NaN: series are finite)."""
    return (x == value).sum(axis=1)


@per_parameter
def range_count(x: np.ndarray, min: float, max: float) -> np.ndarray:
    """tsfresh ``range_count``: how many samples lie in [``min``, ``max``)."""
    return ((x >= min) & (x < max)).sum(axis=1)


@per_parameter
def binned_entropy(x: np.ndarray, max_bins: int) -> np.ndarray:
    """tsfresh ``binned_entropy``: the entropy of the samples in ``max_bins`` equal-width bins."""
    return _histogram_entropy(x, max_bins)


@per_parameter
def index_mass_quantile(x: np.ndarray, q: float) -> np.ndarray:
    """tsfresh ``index_mass_quantile``: the relative index (1-based) where the cumulative
    absolute mass first reaches ``q`` of the total; NaN where all samples are 0."""
    magnitude = np.abs(x)
    total = np.sum(magnitude, axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        reached = np.cumsum(magnitude, axis=1) / total >= q
    return np.where(total[:, 0] == 0, np.nan, (np.argmax(reached, axis=1) + 1) / x.shape[1])


CALCULATORS = {calculator.__name__: calculator for calculator in (
    mean, median, length, standard_deviation, variance, variance_larger_than_standard_deviation,
    variation_coefficient, skewness, kurtosis, sum_values, abs_energy, root_mean_square, maximum, minimum,
    absolute_maximum, count_above_mean, count_below_mean, longest_strike_below_mean, longest_strike_above_mean,
    first_location_of_maximum, last_location_of_maximum, first_location_of_minimum, last_location_of_minimum,
    has_duplicate_max, has_duplicate_min, has_duplicate, ratio_value_number_to_time_series_length,
    percentage_of_reoccurring_values_to_all_values, percentage_of_reoccurring_datapoints_to_all_datapoints,
    sum_of_reoccurring_values, sum_of_reoccurring_data_points, benford_correlation, ratio_beyond_r_sigma,
    large_standard_deviation, symmetry_looking, quantile, mean_n_absolute_max, count_above, count_below,
    value_count, range_count, binned_entropy, index_mass_quantile)}
