"""Saving and loading fitted pipelines without pickle.

scikit-learn, xgboost and aeon objects are written with skops, which rebuilds only the types
a file lists; `load_skops` accepts those only from packages harbench trusts (harbench,
scikit-learn, xgboost, aeon, numpy, scipy) or from modules the caller names (a plugin's),
and refuses any other type by name. This is the default persistence of every
`WindowClassifier`; a learner whose fitted state skops cannot hold (a Keras network)
overrides ``save_fitted`` / ``load_fitted`` with its own format.
"""

from __future__ import annotations

from pathlib import Path

from harbench.errors import HarbenchError

SKOPS_FILE = "model.skops"
TRUSTED_PACKAGES = ("harbench", "sklearn", "xgboost", "aeon", "numpy", "scipy")


class PersistenceError(HarbenchError, ValueError):
    """A saved model is missing, damaged or holds types that harbench did not write."""


def _trusted(type_name: str, modules: set[str]) -> bool:
    return type_name.split(".", 1)[0] in TRUSTED_PACKAGES or type_name.rsplit(".", 1)[0] in modules


def save_skops(estimator: object, folder: Path) -> None:
    """Write ``estimator`` to ``folder/model.skops``."""
    import skops.io

    skops.io.dump(estimator, Path(folder) / SKOPS_FILE)


def load_skops(folder: Path, expected: type, trusted_modules: set[str]) -> object:
    """The ``expected``-typed estimator in ``folder/model.skops``, after refusing any type it
    lists that is neither from a trusted package nor from ``trusted_modules``."""
    import skops.io

    path = Path(folder) / SKOPS_FILE
    if not path.is_file():
        raise PersistenceError(f"{folder}: the model file {SKOPS_FILE} is missing. Fit the model again.")
    untrusted = skops.io.get_untrusted_types(file=path)
    refused = [name for name in untrusted if not _trusted(name, trusted_modules | {expected.__module__})]
    if refused:
        raise PersistenceError(f"{path}: refused to load types that harbench did not write: {', '.join(refused)}. "
                               "Only load models you made yourself with `harbench fit`.")
    loaded = skops.io.load(path, trusted=untrusted)
    if type(loaded) is not expected:
        raise PersistenceError(f"{path}: holds a {type(loaded).__name__}, not the expected {expected.__name__}.")
    return loaded
