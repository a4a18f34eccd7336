import numpy as np
import pytest

from harbench.errors import InputValidationError
from harbench.features.tsfresh_set import TsfreshFeatures, check_parameters, resolve_parameters

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


@pytest.mark.parametrize("parameters, message", [
    ("fast", "Unknown tsfresh parameter set 'fast'"), ({"meen": None}, r"no feature calculator\(s\) \['meen'\]")])
def test_checking_parameters_refuses_what_resolving_refuses(parameters, message):
    for name in ("minimal", "efficient", "comprehensive"):
        check_parameters(name)
    with pytest.raises(InputValidationError, match=message):
        check_parameters(parameters)


def test_time_indexed_calculators_are_left_out_of_named_sets_and_refused_in_dicts():
    assert "linear_trend_timewise" not in resolve_parameters("comprehensive")
    with pytest.raises(InputValidationError, match=r"\['linear_trend_timewise'\] need a datetime index"):
        resolve_parameters({"mean": None, "linear_trend_timewise": [{"attr": "slope"}]})


def test_the_efficient_set_runs_without_tsfresh_extractor(tmp_path, monkeypatch):
    import tsfresh

    def refuse(*args, **kwargs):
        raise AssertionError("tsfresh's extractor was called for calculators that have fast versions")

    monkeypatch.setenv("HARBENCH_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(tsfresh, "extract_features", refuse)
    X, _ = _data(8)
    features = TsfreshFeatures(CHANNELS, parameters="efficient", n_jobs=1).extract(X)
    assert features.shape[0] == 8 and "acc_x__augmented_dickey_fuller__attr_\"teststat\"__autolag_\"AIC\"" in features


def test_selection_is_fitted_on_training_windows_and_reused_on_test(tmp_path, monkeypatch):
    monkeypatch.setenv("HARBENCH_CACHE_DIR", str(tmp_path))
    X, y = _data()
    features = TsfreshFeatures(CHANNELS, parameters="minimal", n_jobs=1).fit(X, y)
    names = list(features.get_feature_names_out())
    assert "acc_x__mean" in names, "the mean separates the classes, so FRESH must keep it"
    # test windows whose classes differ in spread, not level: selected on them, FRESH would keep other features
    rng = np.random.default_rng(1)
    y_test = np.arange(40) % 2
    X_test = rng.normal(0, 1, (40, 24, 2)) * (1 + 4 * y_test)[:, None, None]
    refitted = list(TsfreshFeatures(CHANNELS, parameters="minimal", n_jobs=1).fit(X_test, y_test)
                    .get_feature_names_out())
    assert refitted != names
    transformed = features.transform(X_test)
    np.testing.assert_array_equal(transformed, features.extract(X_test)[names].to_numpy(dtype=np.float64))


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
    with pytest.raises(InputValidationError, match=r"expects windows \(n, T, 2\); got \(0, 10, 2\)"):
        TsfreshFeatures(CHANNELS, parameters="minimal").extract(np.zeros((0, 10, 2)))


@pytest.mark.slow
def test_extraction_with_the_fast_calculators_equals_tsfresh_alone(tmp_path, monkeypatch):
    from tsfresh import extract_features

    from harbench.features.tsfresh_set import _long_format

    monkeypatch.setenv("HARBENCH_CACHE_DIR", str(tmp_path))
    X, _ = _data(8)
    # the whole efficient set (fast), plus a calculator and a parameter set only tsfresh's extractor computes
    parameters = {**resolve_parameters("efficient"), "sample_entropy": None,
                  "augmented_dickey_fuller": [{"attr": "teststat", "autolag": "t-stat"}]}
    ours = TsfreshFeatures(CHANNELS, parameters=parameters, n_jobs=1).extract(X)
    theirs = extract_features(_long_format(X, CHANNELS), column_id="id", column_sort="time",
                              default_fc_parameters=parameters, n_jobs=0, disable_progressbar=True).sort_index()
    assert sorted(ours.columns) == sorted(theirs.columns) and list(ours.columns) == sorted(ours.columns)
    np.testing.assert_allclose(ours[theirs.columns].to_numpy(), theirs.to_numpy(), rtol=1e-6, atol=1e-12)


def test_imputation_matches_tsfresh_range_imputation_with_training_statistics(monkeypatch):
    import pandas as pd
    from tsfresh.utilities.dataframe_functions import get_range_values_per_column, impute_dataframe_range

    train = pd.DataFrame({"a": [1.0, np.inf, 3.0, np.nan, -np.inf], "b": [np.nan] * 5, "c": [5.0, 4.0, 3.0, 2.0, 1.0]})
    test = pd.DataFrame({"a": [np.nan, -np.inf, np.inf], "b": [1.0, 2.0, 3.0], "c": [np.inf, 0.0, np.nan]})
    features = TsfreshFeatures(CHANNELS, select=False)
    monkeypatch.setattr(features, "_extract", lambda X: (train, 0.0, False))
    fitted = features.fit_transform(np.zeros((5, 4, 2)), np.arange(5) % 2)
    assert features.dropped_features_ == ["b"], "a column never defined on training windows is dropped"
    defined = train[["a", "c"]]
    expected = impute_dataframe_range(defined.copy(), *get_range_values_per_column(defined))
    np.testing.assert_array_equal(fitted, expected.to_numpy())
    monkeypatch.setattr(features, "extract", lambda X: test)
    np.testing.assert_array_equal(features.transform(np.zeros((3, 4, 2))),
                                  impute_dataframe_range(test[["a", "c"]].copy(),
                                                         *get_range_values_per_column(defined)).to_numpy())
