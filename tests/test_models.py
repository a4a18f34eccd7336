"""One contract, checked on every registered pipeline (aeon's check_estimator idea)."""

import functools

import numpy as np
import pytest
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.linear_model import LogisticRegression

from harbench.errors import InputValidationError, UnknownIdError
from harbench.models import PipelineContext, describe, make_pipeline, pipeline_ids
from harbench.models.classical import FeatureSettingsSearch

CONTEXT = PipelineContext(fs=50.0, channels=("acc_x", "acc_y", "acc_z", "gyro_x"), units=("g", "g", "g", "rad/s"))
TRAIN_FAST = {"max_epochs": 15, "patience": 5, "learning_rate": 0.01}
FAST = {"cnn": {**TRAIN_FAST, "filters": 16, "dense_units": 16},
        "lstm": {**TRAIN_FAST, "units": 16},
        "bilstm": {**TRAIN_FAST, "units": 8},
        "cnn_lstm": {**TRAIN_FAST, "filters": 8, "lstm_units": 8},
        "convlstm": {**TRAIN_FAST, "filters": 8, "dense_units": 8},
        "deepconvlstm": {**TRAIN_FAST, "filters": 8, "lstm_units": 8, "dropout": 0.1},
        "resnet": {**TRAIN_FAST, "block_filters": [8, 8, 8], "max_epochs": 60, "patience": 60},  # BN statistics settle
        "inception_time": {**TRAIN_FAST, "max_epochs": 30, "patience": 30, "learning_rate": 0.003, "depth": 3,
                           "filters": 8, "bottleneck": 8, "kernel_sizes": [9, 5, 3]},
        "minirocket": {"n_kernels": 84},
        "rocket": {"n_kernels": 84},
        "multirocket_hydra": {"n_kernels": 4, "n_groups": 8, "n_multirocket_kernels": 84},
        "quant": {"n_estimators": 50},
        **{pipeline: {"features": {"parameters": "minimal"}} for pipeline in pipeline_ids()
           if pipeline.startswith("tsfresh+")}}


# Networks take seconds to fit even this small, and the kernel transforms, gradient boosting and
# tsfresh about a second: `pytest -m "not slow"` leaves them out (the full run keeps them).
NETWORKS = {"cnn", "lstm", "bilstm", "cnn_lstm", "convlstm", "deepconvlstm", "resnet", "inception_time"}
SLOW = NETWORKS | {"rocket", "minirocket", "multirocket_hydra", "quant"}


def _slow(pipeline: str) -> bool:
    return pipeline in SLOW or pipeline.endswith("+xgboost") or pipeline.startswith("tsfresh+")


# Clip learners and the feature sets of clips and of Kinect skeletons take other inputs than these
# windows; the same contract is checked for them on their own data (test_clip_networks.py,
# test_clip_features.py, test_skeleton_features.py).
CLIP_LEARNERS = {"lrcn", "convlstm2d", "frame_cnn"}
OTHER_FEATURE_SETS = ("motion_history+", "skeleton+")
PIPELINES = [pytest.param(pipeline, marks=pytest.mark.slow) if _slow(pipeline) else pipeline
             for pipeline in pipeline_ids()
             if pipeline not in CLIP_LEARNERS and not pipeline.startswith(OTHER_FEATURE_SETS)]


def _data(n: int = 90, seed: int = 0):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 3
    t = np.arange(32) / 50.0
    X = np.sin(2 * np.pi * (1 + 3 * y)[:, None, None] * t[None, :, None]) + rng.normal(0, 0.3, (n, 32, 4))
    return X.astype(np.float32), np.array(["sit", "stand", "walk"])[y]


def _fit(pipeline_id: str, seed: int = 0):
    X, y = _data()
    pipeline = make_pipeline(pipeline_id, CONTEXT, seed, FAST.get(pipeline_id))
    X_val, y_val = _data(30, seed=1)
    return pipeline.fit(X, y, X_val, y_val) if pipeline.uses_validation else pipeline.fit(X, y)


@functools.cache
def _fitted(pipeline_id: str):
    """One fitted pipeline per id, shared by the tests that only predict with it."""
    return _fit(pipeline_id)


@pytest.mark.parametrize("pipeline_id", PIPELINES)
def test_fits_and_predicts_labels_of_the_right_shape(pipeline_id):
    pipeline = _fitted(pipeline_id)
    X, y = _data(30, seed=2)
    predictions = pipeline.predict(X)
    assert predictions.shape == (30,) and set(predictions) <= set(y)
    assert pipeline.family in ("classical", "deep", "kernel", "interval")
    assert (predictions == y).mean() > 0.5, "separable synthetic classes must be learned"


@pytest.mark.parametrize("pipeline_id", PIPELINES)
def test_same_seed_gives_the_same_predictions(pipeline_id):
    X, _ = _data(30, seed=3)
    first, second = _fitted(pipeline_id), _fit(pipeline_id)
    np.testing.assert_array_equal(first.predict(X), second.predict(X))
    if hasattr(first, "predict_proba") and first.family == "deep":
        np.testing.assert_array_equal(first.predict_proba(X), second.predict_proba(X))


@pytest.mark.parametrize("pipeline_id", PIPELINES)
def test_clone_and_describe_keep_the_configuration(pipeline_id):
    pipeline = make_pipeline(pipeline_id, CONTEXT, 7, FAST.get(pipeline_id))
    assert describe(clone(pipeline)) == describe(pipeline)
    seeded = any(name == "seed" or name.endswith("random_state") for name in pipeline.get_params(deep=True))
    other_seed = describe(make_pipeline(pipeline_id, CONTEXT, 8, FAST.get(pipeline_id)))
    assert (other_seed != describe(pipeline)) == seeded, "the seed is in the description exactly where it is used"


@pytest.mark.parametrize("pipeline_id", PIPELINES)
def test_windows_of_another_shape_are_refused_at_predict_time(pipeline_id):
    pipeline = _fitted(pipeline_id)
    X, _ = _data(5)
    with pytest.raises(InputValidationError, match="fitted on windows of 32 steps x 4 channels"):
        pipeline.predict(X[:, :, :3])
    with pytest.raises(InputValidationError, match="fitted on windows of 32 steps x 4 channels"):
        pipeline.predict(X[:, :20])


@pytest.mark.parametrize("bad, message", [
    (np.zeros((10, 4)), "rank 2"),
    (np.full((10, 32, 4), np.nan), "NaN or infinity .first at window 0"),
    (np.zeros((0, 32, 4)), "every dimension must be at least 1"),
])
def test_bad_training_windows_are_refused(bad, message):
    with pytest.raises(InputValidationError, match=message):
        make_pipeline("handcrafted+svm", CONTEXT, 0).fit(bad, np.zeros(len(bad)))


def test_unknown_pipeline_and_parameter_are_named():
    with pytest.raises(UnknownIdError, match="Unknown pipeline id 'handcrafted\\+svn'"):
        make_pipeline("handcrafted+svn", CONTEXT, 0)
    with pytest.raises(InputValidationError, match=r"pipeline 'cnn': unknown parameter\(s\) \['epochs'\]"):
        make_pipeline("cnn", CONTEXT, 0, {"epochs": 3})
    with pytest.raises(InputValidationError, match=r"learner: unknown parameter\(s\) \['c'\]"):
        make_pipeline("handcrafted+svm", CONTEXT, 0, {"learner": {"c": 1}})
    with pytest.raises(InputValidationError, match="Unknown tsfresh parameter set 'fastest'"):
        make_pipeline("tsfresh+xgboost", CONTEXT, 0, {"features": {"parameters": "fastest"}})


def test_inner_grouped_search_picks_from_the_grid_and_needs_groups():
    X, y = _data(90)
    groups = np.repeat(np.arange(6), 15)
    config = {"search": {"grid": {"C": [0.1, 10.0]}, "folds": 3}}
    pipeline = make_pipeline("handcrafted+svm", CONTEXT, 0, config).fit(X, y, groups=groups)
    assert pipeline.best_params_["C"] in (0.1, 10.0)
    with pytest.raises(InputValidationError, match="needs the subject of every training window"):
        make_pipeline("handcrafted+svm", CONTEXT, 0, config).fit(X, y)
    with pytest.raises(InputValidationError, match=r"unknown learner parameter\(s\) \['depth'\]"):
        make_pipeline("handcrafted+xgboost", CONTEXT, 0, {"search": {"grid": {"depth": [2]}}})


def test_every_learner_declares_a_default_search_grid():
    for pipeline_id in pipeline_ids():
        pipeline = make_pipeline(pipeline_id, CONTEXT, 0, None if "+" not in pipeline_id else {"search": True})
        assert "+" not in pipeline_id or pipeline.search_grid


class _OneChannelRoughness(BaseEstimator, TransformerMixin):
    """The mean absolute first difference of one channel: the frequency of these sines."""

    version = 1

    def __init__(self, channel: int = 0) -> None:
        self.channel = channel

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return np.abs(np.diff(X[:, :, self.channel], axis=1)).mean(axis=1, keepdims=True)


def test_a_feature_settings_search_chooses_on_inner_subject_folds_and_fits_its_choice():
    X, y = _data(90)
    X[:, :, 1] = np.random.default_rng(5).normal(size=X[:, :, 1].shape)  # channel 1: noise only
    groups = np.repeat(np.arange(6), 15)
    searched = FeatureSettingsSearch(_OneChannelRoughness(), LogisticRegression(), feature_grid={"channel": [1, 0]},
                                     search_grid={"C": [0.1, 10.0]}, search_folds=6).fit(X, y, groups=groups)
    assert searched.best_params_["features__channel"] == 0 and searched.features_.channel == 0
    assert searched.best_params_["learner__C"] == searched.learner_.C
    X_test, y_test = _data(30, seed=4)
    assert (searched.predict(X_test) == y_test).mean() > 0.6  # chance: 1 / 3
    with pytest.raises(InputValidationError, match="needs the subject of every training window"):
        FeatureSettingsSearch(_OneChannelRoughness(), LogisticRegression(), feature_grid={"channel": [0, 1]}).fit(X, y)


class _FitFreeRoughness(_OneChannelRoughness):
    fit_free = True


def test_a_fit_free_feature_set_is_extracted_once_per_setting_and_scores_the_same():
    X, y = _data(90)
    X[:, :, 1] = np.random.default_rng(5).normal(size=X[:, :, 1].shape)
    groups = np.repeat(np.arange(6), 15)
    fits = [FeatureSettingsSearch(features, LogisticRegression(), feature_grid={"channel": [1, 0, 2]},
                                  search_grid={"C": [0.1, 10.0]}, search_folds=3).fit(X, y, groups=groups)
            for features in (_OneChannelRoughness(), _FitFreeRoughness())]
    assert fits[0].best_params_ == fits[1].best_params_
    assert fits[0].inner_score_ == pytest.approx(fits[1].inner_score_, abs=1e-12)
    np.testing.assert_array_equal(fits[0].predict_proba(X), fits[1].predict_proba(X))


def test_a_suite_searches_feature_parameters_it_names_and_refuses_unknown_ones():
    config = {"search": {"grid": {}, "folds": 3, "features": {"bands": [2, 4]}}}
    with pytest.raises(InputValidationError, match=r"search features names unknown parameter\(s\) \['bands'\]"):
        make_pipeline("handcrafted+logistic_regression", CONTEXT, 0, config)
    config["search"]["features"] = {"ar_order": [2, 4]}
    pipeline = make_pipeline("handcrafted+logistic_regression", CONTEXT, 0, config)
    assert isinstance(pipeline, FeatureSettingsSearch) and pipeline.feature_grid == {"ar_order": [2, 4]}
    assert describe(pipeline) != describe(make_pipeline("handcrafted+logistic_regression", CONTEXT, 0))
