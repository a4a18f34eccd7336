import numpy as np
import pytest

from harbench.errors import InputValidationError
from harbench.features.tsfresh_set import TsfreshFeatures, resolve_parameters

CHANNELS = ("acc_x", "gyro_x")


def _data(n: int = 60, seed: int = 0):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    X = rng.normal(0, 1, (n, 24, 2)) + 3 * y[:, None, None]
    return X, y


def test_named_sets_and_dicts_resolve_and_unknown_ones_are_named():
    assert "mean" in resolve_parameters("minimal")
    assert "change_quantiles" in resolve_parameters("efficient")
    assert resolve_parameters({"mean": None}) == {"mean": None}
    with pytest.raises(InputValidationError, match="Unknown tsfresh parameter set 'fast'"):
        resolve_parameters("fast")
    with pytest.raises(InputValidationError, match=r"no feature calculator\(s\) \['meen'\]"):
        resolve_parameters({"meen": None})


def test_selection_is_fitted_on_training_windows_and_reused_on_test(tmp_path, monkeypatch):
    monkeypatch.setenv("HARBENCH_CACHE_DIR", str(tmp_path))
    X, y = _data()
    features = TsfreshFeatures(CHANNELS, parameters="minimal", n_jobs=1).fit(X, y)
    names = list(features.get_feature_names_out())
    assert "acc_x__mean" in names, "the mean separates the classes, so FRESH must keep it"
    X_test, _ = _data(10, seed=1)
    transformed = features.transform(X_test)
    assert transformed.shape == (10, len(names)) and np.isfinite(transformed).all()


def test_a_cached_matrix_still_reports_what_extracting_it_cost(tmp_path, monkeypatch):
    monkeypatch.setenv("HARBENCH_CACHE_DIR", str(tmp_path))
    X, y = _data(120)
    first = TsfreshFeatures(CHANNELS, parameters="minimal", n_jobs=1).fit(X, y)
    second = TsfreshFeatures(CHANNELS, parameters="minimal", n_jobs=1).fit(X, y)
    assert (first.extraction_cached_, second.extraction_cached_) == (False, True)
    assert second.extraction_seconds_ == first.extraction_seconds_ > 0
    np.testing.assert_array_equal(first.fit_transform(X, y), first.transform(X))


def test_single_windows_are_not_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("HARBENCH_CACHE_DIR", str(tmp_path))
    X, _ = _data(5)
    TsfreshFeatures(CHANNELS, parameters="minimal").extract(X[:1])
    assert not (tmp_path / "features").exists()


def test_extracted_matrices_are_cached_by_windows_and_parameters(tmp_path, monkeypatch):
    monkeypatch.setenv("HARBENCH_CACHE_DIR", str(tmp_path))
    X, _ = _data(200)
    features = TsfreshFeatures(CHANNELS, parameters="minimal", n_jobs=1)
    first = features.extract(X)
    (cached,) = (tmp_path / "features" / "tsfresh").iterdir()
    again = features.extract(X)
    assert again.equals(first)
    TsfreshFeatures(CHANNELS, parameters={"mean": None}, n_jobs=1).extract(X)
    TsfreshFeatures(CHANNELS, parameters="minimal", n_jobs=1).extract(X[:150])
    assert len(list((tmp_path / "features" / "tsfresh").iterdir())) == 3
    assert cached.suffix == ".npz"


def test_windows_of_the_wrong_layout_are_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("HARBENCH_CACHE_DIR", str(tmp_path))
    with pytest.raises(InputValidationError, match=r"expects windows \(n, T, 2\)"):
        TsfreshFeatures(CHANNELS, parameters="minimal").extract(np.zeros((3, 10, 3)))
