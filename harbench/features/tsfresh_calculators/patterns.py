"""Vectorised tsfresh calculators of a series' recurring patterns: peaks that persist across
wavelet scales, the phrases of its Lempel-Ziv parse, and matches of a query subsequence.

Each is tsfresh 0.21's calculator of the same name, computed for many series at once (one row
per series) and tested for parity with tsfresh to a relative tolerance of 1e-6; ``CALCULATORS``
maps tsfresh's names to them.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy.signal import convolve, fftconvolve

from harbench.errors import InputValidationError
from harbench.features.tsfresh_calculators.base import check_series, feature_name

_CWT_TIE = 1e-10  # CWT values closer than this (relative) may compare differently than in scipy's own convolution
_LZ_TREE_CELLS = 2**22  # phrase-tree entries per batch of rows (32 MiB)
_NO_LINE = -(2**40)  # column of an empty ridge-line slot: farther from every maximum than any line


def _ricker(points: int, width: float) -> np.ndarray:
    """The Ricker (Mexican hat) wavelet of ``points`` samples, as tsfresh's ``_ricker`` (scipy's former ``ricker``)."""
    amplitude = 2 / (np.sqrt(3 * width) * (np.pi**0.25))
    wsq = width**2
    vec = np.arange(0, points) - (points - 1.0) / 2
    xsq = vec**2
    mod = 1 - xsq / wsq
    gauss = np.exp(-xsq / (2 * wsq))
    return amplitude * mod * gauss


def _cwt(x: np.ndarray, widths: int) -> np.ndarray:
    """scipy's ``_cwt(row, _ricker, 1 .. widths)`` for every row, (rows, widths, length), bit for bit.

    All rows are transformed at once by FFT convolution; a row where two values that decide
    a peak (neighbouring coefficients, or a coefficient and the noise floor) lie closer than
    that computation's rounding is transformed again with scipy's own per-row convolution,
    whose rounding then decides as it does in scipy.
    """
    length = x.shape[1]
    kernels = [_ricker(min(10 * width, length), width)[::-1] for width in range(1, widths + 1)]
    transform = np.stack([fftconvolve(x, kernel[None, :], mode="same", axes=1) for kernel in kernels], axis=1)
    tolerance = (_CWT_TIE * np.abs(x).max(axis=1) * max(np.abs(kernel).sum() for kernel in kernels))[:, None, None]
    close = (np.abs(np.diff(transform, axis=2)) <= tolerance).any(axis=(1, 2))
    # the signal-to-noise test of a ridge line's last point, a relative maximum; with windows of
    # one sample the first row's noise is the coefficient itself, and their ratio exactly 1
    noise = np.abs(_noise_floor(transform[:, 0]))[:, None, :]
    near_noise = _relative_maxima(transform) & (np.abs(np.abs(transform) - noise) <= tolerance)
    if length <= 20:
        near_noise[:, 0] = False
    close |= near_noise.any(axis=(1, 2))
    for row in np.flatnonzero(close):
        transform[row] = [convolve(x[row], kernel, mode="same") for kernel in kernels]
    return transform


def _relative_maxima(transform: np.ndarray) -> np.ndarray:
    """scipy's ``_boolrelextrema(row, np.greater)`` along the last axis: strictly above both
    neighbours; the first and last samples never are."""
    maxima = np.zeros(transform.shape, dtype=bool)
    maxima[..., 1:-1] = (transform[..., 1:-1] > transform[..., :-2]) & (transform[..., 1:-1] > transform[..., 2:])
    return maxima


def _noise_floor(row_one: np.ndarray, noise_perc: float = 10) -> np.ndarray:
    """scipy ``_filter_ridge_lines``' noise: ``scoreatpercentile`` (``noise_perc``, fraction
    interpolation) of the first CWT row in a window of ceil(length / 20) around each sample."""
    length = row_one.shape[1]
    window = int(np.ceil(length / 20))
    half, odd = divmod(window, 2)
    index = np.arange(length)
    size = np.minimum(index + half + odd, length) - np.maximum(index - half, 0)
    padded = np.pad(row_one, ((0, 0), (half, odd + half)), constant_values=np.inf)  # inf sorts past the window
    ordered = np.sort(sliding_window_view(padded, window, axis=1)[:, :length], axis=2)
    position = noise_perc / 100.0 * (size - 1)
    low = position.astype(np.int64)
    exact = low == position
    lower = ordered[:, index, low]
    upper = ordered[:, index, np.minimum(low + 1, window - 1)]
    weight_low, weight_high = low + 1 - position, position - low
    with np.errstate(invalid="ignore"):
        return np.where(exact, lower, (lower * weight_low + upper * weight_high) / (weight_low + weight_high))


def _count_ridge_lines(transform: np.ndarray, noise: np.ndarray, widths: int) -> np.ndarray:
    """How many ridge lines scipy's ``find_peaks_cwt`` keeps in the first ``widths`` CWT rows,
    for all series at once (Du, Kibbe & Lin 2006, Bioinformatics 22:2059-2065).

    scipy follows the relative maxima from the widest row down, attaching each to the line
    whose last column is nearest (the first such line in its list) if within width / 4, starting
    a new line otherwise, and closing lines that found no maximum for more than one row. It
    keeps lines of at least widths / 4 points whose last point's coefficient is at least the
    noise floor in magnitude. The lines are kept here in padded arrays, in scipy's list order.
    """
    rows = len(transform)
    max_distances = np.arange(1, widths + 1) / 4.0
    min_length = np.ceil(widths / 4)
    series = np.arange(rows)[:, None]
    maxima = _relative_maxima(transform[:, :widths])
    lines = {key: np.zeros((rows, 0), dtype=np.int64) for key in ("col", "row", "points", "gap")}
    active = np.zeros((rows, 0), dtype=bool)
    kept = np.zeros(rows)

    def kept_lines(which: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            snr = np.abs(transform[series, lines["row"], lines["col"]] / noise[series, lines["col"]])
        return (which & (lines["points"] >= min_length) & ~(snr < 1)).sum(axis=1)

    for row in range(widths - 1, -1, -1):
        lines["gap"] += 1
        count = maxima[:, row].sum(axis=1)
        cols = np.argsort(~maxima[:, row], axis=1, kind="stable")[:, :count.max(initial=0)]
        found = np.arange(cols.shape[1]) < count[:, None]
        n_lines = active.shape[1]
        connect = np.zeros(cols.shape, dtype=bool)
        if n_lines and cols.shape[1]:
            distance = np.abs(cols[:, :, None] - np.where(active, lines["col"], _NO_LINE)[:, None, :])
            closest = distance.argmin(axis=2)
            connect = found & (np.take_along_axis(distance, closest[:, :, None], axis=2)[:, :, 0] <= max_distances[row])
            target = (series * n_lines + closest)[connect]
            hits = np.bincount(target, minlength=rows * n_lines).reshape(rows, n_lines)
            last = np.full(rows * n_lines, -1)
            np.maximum.at(last, target, cols[connect])  # of several maxima, the last (rightmost) is appended last
            extended = hits > 0
            lines["col"] = np.where(extended, last.reshape(rows, n_lines), lines["col"])
            lines["row"] = np.where(extended, row, lines["row"])
            lines["points"] = lines["points"] + hits
            lines["gap"] = np.where(extended, 0, lines["gap"])
        ended = active & (lines["gap"] > 1)
        kept += kept_lines(ended)
        # surviving lines in their order, then the new ones in column order
        new = found & ~connect
        survive = np.concatenate([active & ~ended, new], axis=1)
        order = np.argsort(~survive, axis=1, kind="stable")[:, :survive.sum(axis=1).max(initial=0)]
        fresh = {"col": cols, "row": np.full(cols.shape, row), "points": np.ones(cols.shape, dtype=np.int64),
                 "gap": np.zeros(cols.shape, dtype=np.int64)}
        lines = {key: np.take_along_axis(np.concatenate([lines[key], fresh[key]], axis=1), order, axis=1)
                 for key in lines}
        active = np.take_along_axis(survive, order, axis=1)
    return kept + kept_lines(active)


def number_cwt_peaks(x: np.ndarray, parameters: Iterable[dict]) -> dict[str, np.ndarray]:
    """tsfresh ``number_cwt_peaks``: how many peaks scipy's ``find_peaks_cwt`` finds with the
    Ricker wavelet at widths 1 .. ``n`` (Du, Kibbe & Lin 2006, Bioinformatics 22:2059-2065):
    ridge lines of relative maxima across the widths, long enough and above the noise floor."""
    x = check_series(x)
    parameters = list(parameters)
    widths = max(parameter["n"] for parameter in parameters)
    transform = _cwt(x, widths)
    noise = _noise_floor(transform[:, 0])
    return {feature_name("number_cwt_peaks", parameter): _count_ridge_lines(transform, noise, parameter["n"])
            for parameter in parameters}


def _lz78_phrases(symbols: np.ndarray, alphabet: int) -> np.ndarray:
    """How many phrases the Lempel-Ziv dictionary parse of each row of ``symbols`` (integers
    below ``alphabet``) adds: each phrase is the longest one already seen plus the next symbol,
    and a last phrase already seen adds none (Lempel & Ziv 1976, IEEE Trans. Inf. Theory
    22:75-81; tsfresh's parse). All rows walk their own phrase tree in step, one symbol at a
    time; ``tree[node, symbol]`` is the child's node number, 0 where there is none."""
    rows, length = symbols.shape
    counts = np.zeros(rows, dtype=np.int64)
    block = max(1, _LZ_TREE_CELLS // ((length + 1) * alphabet))  # rows per tree, to bound its memory
    for start in range(0, rows, block):
        part = symbols[start:start + block]
        roots = np.arange(len(part)) * (length + 1)  # each row's nodes: its root, then one per phrase
        tree = np.zeros((len(part) * (length + 1), alphabet), dtype=np.int64)
        node, added = roots.copy(), np.zeros(len(part), dtype=np.int64)
        for column in part.T:
            child = tree[node, column]
            new = child == 0
            added += new
            tree[node[new], column[new]] = (roots + added)[new]
            node = np.where(new, roots, child)
        counts[start:start + block] = added
    return counts


def lempel_ziv_complexity(x: np.ndarray, parameters: Iterable[dict]) -> dict[str, np.ndarray]:
    """tsfresh ``lempel_ziv_complexity``: the number of phrases of the Lempel-Ziv parse
    (`_lz78_phrases`) of the series binned into ``bins`` equal-width bins between its minimum
    and maximum (``numpy.searchsorted`` on the upper edges, left side), over its length."""
    x = check_series(x)
    length = x.shape[1]
    low, high = x.min(axis=1), x.max(axis=1)
    results = {}
    for parameter in parameters:
        bins = parameter["bins"]
        # numpy.searchsorted(edges, value, side="left") is the number of edges below the value
        symbols = np.zeros(x.shape, dtype=np.intp)
        for edge in np.linspace(low, high, bins + 1, axis=1)[:, 1:].T:
            symbols += x > edge[:, None]
        results[feature_name("lempel_ziv_complexity", parameter)] = _lz78_phrases(symbols, bins + 1) / length
    return results


def covers_query(parameter: dict) -> bool:
    """Whether `query_similarity_count` computes this parameter set: no query (fewer than three values)."""
    return np.asarray(parameter.get("query")).astype(float).size < 3


def query_similarity_count(x: np.ndarray, parameters: Iterable[dict]) -> dict[str, np.ndarray]:
    """tsfresh ``query_similarity_count`` without a query: NaN, as tsfresh returns for a query of
    fewer than three values (``None`` in its parameter sets). Counting the matches of a real
    query (stumpy's distance profile) has no fast version."""
    x = check_series(x)
    results = {}
    for parameter in parameters:
        if not covers_query(parameter):
            raise InputValidationError("query_similarity_count: only the parameters without a query (query None) "
                                       "have a fast version; use tsfresh's own extractor for a real query.")
        results[feature_name("query_similarity_count", parameter)] = np.full(len(x), np.nan)
    return results


def number_peaks(x: np.ndarray, parameters: Iterable[dict]) -> dict[str, np.ndarray]:
    """tsfresh ``number_peaks``: how many samples exceed all ``n`` neighbours on each side
    (samples closer than ``n`` to either end are never peaks)."""
    x = check_series(x)
    length = x.shape[1]
    results = {}
    for parameter in parameters:
        n = parameter["n"]
        if length <= 2 * n:
            results[feature_name("number_peaks", parameter)] = np.zeros(len(x))
            continue
        centre = x[:, n:length - n]
        peaks = np.ones(centre.shape, dtype=bool)
        for shift in range(1, n + 1):
            peaks &= (centre > x[:, n - shift:length - n - shift]) & (centre > x[:, n + shift:length - n + shift])
        results[feature_name("number_peaks", parameter)] = peaks.sum(axis=1).astype(np.float64)
    return results


CALCULATORS = {"number_peaks": number_peaks, "number_cwt_peaks": number_cwt_peaks,
               "lempel_ziv_complexity": lempel_ziv_complexity, "query_similarity_count": query_similarity_count}
