"""Classical pipelines: a feature set on raw windows, then a scikit-learn learner."""

from __future__ import annotations

import time

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.model_selection import GridSearchCV, GroupKFold, ParameterGrid
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from harbench.errors import InputValidationError
from harbench.models.base import WindowClassifier
from harbench.models.onnx_graph import OnnxGraph, sklearn_graph, xgboost_graph


class FeatureClassifier(WindowClassifier):
    """``features`` (a transformer of (n, T, C) windows, or of clips where it declares
    ``input_rank`` 5) feeding ``learner``.

    With ``scale`` the features are standardised on the training fold (for learners that
    need it: SVMs, k-NN, logistic regression). With a ``search_grid`` the learner's
    hyper-parameters are chosen by an inner grouped cross-validation over the training
    subjects (``search_folds`` folds of scikit-learn's GroupKFold, macro-F1), then refitted on
    the whole training fold; the chosen values are kept in ``best_params_``.
    ``feature_seconds_`` is what extracting features from the training windows costs: the
    time measured now, or, for a feature set that reused cached features
    (``features_cached_``), the time measured when they were computed.
    """

    family = "classical"

    def __init__(self, features: BaseEstimator, learner: BaseEstimator, scale: bool = True,
                 search_grid: dict | None = None, search_folds: int = 3) -> None:
        self.features = features
        self.learner = learner
        self.scale = scale
        self.search_grid = search_grid
        self.search_folds = search_folds

    @property
    def input_rank(self) -> int:  # type: ignore[override]
        """The feature set's ``input_rank`` (5 for a clip feature set such as ``motion_history``),
        3 for one that declares none."""
        return getattr(self.features, "input_rank", 3)

    def _fit(self, X: np.ndarray, y: np.ndarray, X_val: np.ndarray | None, y_val: np.ndarray | None,
             groups: np.ndarray | None) -> None:
        F = self._fit_features(X, y, clone(self.features))
        if not self.search_grid:
            self.learner_ = clone(self.learner).fit(F, y)
            return
        search = GridSearchCV(clone(self.learner), self.search_grid, cv=self._inner_folds(groups),
                              scoring="f1_macro", refit=True)
        search.fit(F, y, groups=groups)
        self.learner_ = search.best_estimator_
        self.best_params_ = search.best_params_

    def _fit_features(self, X: np.ndarray, y: np.ndarray, features: BaseEstimator) -> np.ndarray:
        """Fit ``features`` (and the scaler) on the training windows; their scaled features."""
        start = time.perf_counter()
        self.features_ = features
        F = self.features_.fit_transform(X, y)
        self.feature_seconds_ = getattr(self.features_, "extraction_seconds_", time.perf_counter() - start)
        self.features_cached_ = bool(getattr(self.features_, "extraction_cached_", False))
        self.n_features_ = F.shape[1]
        self.scaler_ = StandardScaler().fit(F) if self.scale else None
        return self._scaled(F)

    def _inner_folds(self, groups: np.ndarray | None) -> GroupKFold:
        if groups is None or len(np.unique(groups)) < self.search_folds:
            raise InputValidationError(
                f"A hyper-parameter search with {self.search_folds} grouped folds needs the subject of every "
                "training window (groups) and at least that many subjects."
            )
        return GroupKFold(self.search_folds)

    def set_feature_cache(self, enabled: bool) -> FeatureClassifier:
        """Let the fitted feature set read and write its on-disk cache, or not."""
        if "use_cache" in self.features_.get_params():
            self.features_.set_params(use_cache=enabled)
        return self

    def gives_probabilities(self) -> bool:
        """Whether the fitted learner has ``predict_proba`` (an SVC without Platt scaling has not)."""
        return hasattr(self.learner_, "predict_proba")

    def set_prediction_jobs(self, n_jobs: int) -> FeatureClassifier:
        """Set the worker count of the fitted feature set and learner, where they have one."""
        for part in (self.features_, self.learner_):
            if "n_jobs" in part.get_params(deep=False):
                part.set_params(n_jobs=n_jobs)
        return self

    def to_onnx(self) -> OnnxGraph:
        """The scaler and learner as a graph on feature vectors; the features themselves
        (numpy/scipy code no ONNX converter handles) are computed by ``prepare``."""
        from sklearn.pipeline import make_pipeline

        prepare = lambda X: self.features_.transform(X).astype(np.float32)  # noqa: E731
        if type(self.learner_).__module__.startswith("xgboost"):
            if self.scaler_ is not None:
                raise NotImplementedError("a scaled xgboost learner is not exported; xgboost needs no scaling.")
            return OnnxGraph(xgboost_graph(self.learner_, self.n_features_), "features", prepare, np.float32)
        estimator = make_pipeline(self.scaler_, self.learner_) if self.scaler_ is not None else self.learner_
        return OnnxGraph(sklearn_graph(estimator, self.n_features_), "features", prepare, np.float32)

    def _scaled(self, F: np.ndarray) -> np.ndarray:
        return self.scaler_.transform(F) if self.scaler_ is not None else F

    def _predict(self, X: np.ndarray) -> np.ndarray:
        return self.learner_.predict(self._scaled(self.features_.transform(X)))

    def _predict_proba(self, X: np.ndarray) -> np.ndarray:
        return self.learner_.predict_proba(self._scaled(self.features_.transform(X)))


class FeatureSettingsSearch(FeatureClassifier):
    """A `FeatureClassifier` whose feature-set parameters (``feature_grid``) are chosen, together
    with the learner's (``search_grid``, may be empty), by the inner grouped cross-validation
    over the training subjects (``search_folds`` folds of GroupKFold, mean macro-F1 over the
    folds; as many folds as training subjects is leave-one-subject-out). The best setting (the
    first in grid order among equal scores) is then fitted on the whole training fold and kept
    in ``best_params_`` (``features__<name>``, ``learner__<name>``).

    A feature set that declares ``fit_free = True`` (each window's features depend on that
    window alone, nothing is learnt in ``fit``) is extracted once per setting on the training
    windows and the inner folds index its rows; any other is fitted and extracted afresh inside
    every inner fold. Both give the same scores; the first is one extraction per setting instead
    of one per setting and fold.

    This is nested model selection (Cawley & Talbot 2010, "On over-fitting in model selection
    and subsequent selection bias in performance evaluation", JMLR 11): under
    leave-one-subject-out each outer fold makes its own choice without its test subject,
    whereas settings fixed once for every fold by looking at all folds' inner scores have seen
    each test subject in the other folds' inner loops.
    """

    def __init__(self, features: BaseEstimator, learner: BaseEstimator, scale: bool = True,
                 search_grid: dict | None = None, search_folds: int = 3, feature_grid: dict | None = None) -> None:
        super().__init__(features, learner, scale, search_grid, search_folds)
        self.feature_grid = feature_grid

    def _fit(self, X: np.ndarray, y: np.ndarray, X_val: np.ndarray | None, y_val: np.ndarray | None,
             groups: np.ndarray | None) -> None:
        folds = self._inner_folds(groups)
        learner_grid = {f"learner__{name}": values for name, values in (self.search_grid or {}).items()}
        scored = []  # (mean inner macro-F1, feature setting, learner setting), in grid order
        if getattr(self.features, "fit_free", False):
            for setting in ParameterGrid(self.feature_grid or {}):
                F = clone(self.features).set_params(**setting).fit_transform(X, y)
                search = GridSearchCV(Pipeline(self._learner_steps()), learner_grid or {}, cv=folds,
                                      scoring="f1_macro", refit=False).fit(F, y, groups=groups)
                scored.append((search.best_score_, setting, search.best_params_))
        else:
            steps = [("features", clone(self.features)), *self._learner_steps()]
            grid = {**{f"features__{name}": values for name, values in (self.feature_grid or {}).items()},
                    **learner_grid}
            search = GridSearchCV(Pipeline(steps), grid, cv=folds, scoring="f1_macro", refit=False)
            search.fit(X, y, groups=groups)
            scored.append((search.best_score_, _part(search.best_params_, "features"), search.best_params_))
        score, feature_setting, learner_setting = max(scored, key=lambda entry: entry[0])  # first among ties
        self.inner_score_ = float(score)
        self.best_params_ = {**{f"features__{name}": value for name, value in feature_setting.items()},
                             **{name: value for name, value in learner_setting.items() if name.startswith("learner__")}}
        F = self._fit_features(X, y, clone(self.features).set_params(**feature_setting))
        self.learner_ = clone(self.learner).set_params(**_part(learner_setting, "learner")).fit(F, y)

    def _learner_steps(self) -> list[tuple[str, BaseEstimator]]:
        return [*([("scale", StandardScaler())] if self.scale else []), ("learner", clone(self.learner))]


def _part(params: dict, part: str) -> dict:
    """The ``<part>__<name>`` entries of a search's ``params``, by ``name``."""
    return {name.removeprefix(f"{part}__"): value for name, value in params.items() if name.startswith(f"{part}__")}
