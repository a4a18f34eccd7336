"""Reader of the ``.ts`` format of the UCR/UEA time-series classification archive.

Bagnall et al. (2018), "The UEA multivariate time series classification archive, 2018",
arXiv:1811.00075; the format is sktime's and aeon's: ``#`` comment lines, ``@`` header lines
(``@problemName``, ``@timeStamps``, ``@missing``, ``@univariate``, ``@dimensions``,
``@equalLength``, ``@seriesLength``, ``@classLabel true <labels>``), then ``@data`` and one
case per line, its dimensions separated by ``:`` and the class label last.

harbench classifies fixed-length windows, so only equal-length series without missing
values or time stamps are accepted; anything else is refused with the file and line named.

Why not aeon's ``load_from_ts_file`` (aeon 1.6), measured on 14 ``.ts`` files (TRAIN and
TEST of the six UEA problems in harbench's data directory and of BasicMotions in the aeon
wheel): its values are the same bit for bit (float64, and float32 after harbench's cast; its
layout is (n, C, T)), its cases in the same order, and it is no faster (1.44 s against 1.45 s
for all 14). But it lower-cases every line, so class labels, ``@classLabel`` values and the problem
name change in BasicMotions, Epilepsy and RacketSports (``Standing`` becomes ``standing``,
``Badminton_Clear`` ``badminton_clear``): the class names harbench reports would change, and
no wrapper can restore the case without parsing the header itself. After lower-casing it
replaces ``nan`` by ``NaN`` in the whole line, labels included (``Banana`` is read as
``baNaNa``, which is not among its own class values ``banana``). Of 13 malformed inputs it
loads 9 without a word: random bytes, an empty file, a file without ``@data`` or with no cases
(each an empty array), ``?`` and ``NaN`` values (as NaN), a case with 2 of 3 dimensions, an
undeclared class label, a missing ``@classLabel``; the other 4 (a truncated file, a ragged
case, ``@classLabel false``, and ``@equalLength false``, which it loads as a list) are refused
here with the file and line named, but there by ``OSError`` or ``ValueError`` naming neither
(one message shows the file object's repr) nor a remedy, or not at all. And it reads only a
path on disk, where harbench reads the verified members of a zip archive in memory.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from harbench.errors import DataIntegrityError

REQUIRED_HEADERS = ("problemname", "classlabel")


@dataclass(frozen=True)
class TsProblem:
    """The cases of one ``.ts`` file: ``X`` (n, T, C) float32 and each case's class label."""

    name: str
    X: np.ndarray
    labels: np.ndarray
    class_labels: tuple[str, ...]


def _flag(headers: dict[str, str], key: str, origin: str) -> bool | None:
    if key not in headers:
        return None
    value = headers[key].lower()
    if value not in ("true", "false"):
        raise DataIntegrityError(f"{origin}: header @{key} must be true or false, got {headers[key]!r}.")
    return value == "true"


def _headers(lines: list[str], origin: str) -> tuple[dict[str, str], int]:
    """The ``@`` headers (lower-case keys) and the index of the first data line."""
    headers: dict[str, str] = {}
    for index, raw in enumerate(lines):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if not line.startswith("@"):
            raise DataIntegrityError(f"{origin}, line {index + 1}: data before the @data header: {line[:60]!r}.")
        key, _, value = line[1:].partition(" ")
        key = key.lower()
        if key == "data":
            missing = [f"@{name}" for name in REQUIRED_HEADERS if name not in headers]
            if missing:
                raise DataIntegrityError(f"{origin}: malformed header, {', '.join(missing)} missing before @data.")
            return headers, index + 1
        headers[key] = value.strip()
    raise DataIntegrityError(f"{origin}: malformed header, no @data line; is this a .ts file of the UEA archive?")


def read_ts(text: str, origin: str) -> TsProblem:
    """Parse the text of a ``.ts`` file; ``origin`` (its path) is named in every error."""
    lines = text.splitlines()
    headers, first = _headers(lines, origin)
    class_label = headers["classlabel"].split()
    if not class_label or class_label[0].lower() != "true" or len(class_label) < 2:
        raise DataIntegrityError(f"{origin}: @classLabel must be 'true' followed by the labels; got "
                                 f"{headers['classlabel']!r} (a regression problem cannot be classified).")
    class_labels = tuple(class_label[1:])
    if _flag(headers, "timestamps", origin):
        raise DataIntegrityError(f"{origin}: series with time stamps are not supported; harbench needs "
                                 "equally spaced samples.")
    if _flag(headers, "equallength", origin) is False:
        raise DataIntegrityError(f"{origin}: @equalLength false: the series have different lengths. harbench "
                                 "classifies fixed-length windows; resample or pad the series to one length first.")
    dimensions = int(headers["dimensions"]) if "dimensions" in headers else None
    cases, labels = [], []
    for index in range(first, len(lines)):
        line = lines[index].strip()
        if not line or line.startswith("#"):
            continue
        *channels, label = line.split(":")
        where = f"{origin}, line {index + 1}"
        if label not in class_labels:
            raise DataIntegrityError(f"{where}: class label {label!r} is not declared in @classLabel {class_labels}.")
        if dimensions is not None and len(channels) != dimensions:
            raise DataIntegrityError(f"{where}: {len(channels)} dimensions, but @dimensions says {dimensions}.")
        try:
            values = [np.array(channel.split(","), dtype=np.float64) for channel in channels]
        except ValueError as error:
            raise DataIntegrityError(f"{where}: a value is not a number ({error}).") from None
        lengths = {len(channel) for channel in values}
        if len(lengths) != 1 or (cases and lengths != {cases[0].shape[0]}):
            raise DataIntegrityError(f"{where}: ragged series (lengths {sorted(lengths)}); harbench needs every "
                                     "dimension of every case to have the same length.")
        case = np.stack(values, axis=1)
        if cases and case.shape[1] != cases[0].shape[1]:
            raise DataIntegrityError(f"{where}: {case.shape[1]} dimensions, earlier cases have {cases[0].shape[1]}.")
        if not np.isfinite(case).all():
            raise DataIntegrityError(f"{where}: missing or infinite values ('?' or NaN); harbench does not impute.")
        cases.append(case)
        labels.append(label)
    if not cases:
        raise DataIntegrityError(f"{origin}: no cases after @data.")
    if "serieslength" in headers and int(headers["serieslength"]) != cases[0].shape[0]:
        raise DataIntegrityError(f"{origin}: @seriesLength says {headers['serieslength']}, the series have "
                                 f"{cases[0].shape[0]} values.")
    return TsProblem(name=headers["problemname"], X=np.stack(cases).astype(np.float32), labels=np.array(labels),
                     class_labels=class_labels)
