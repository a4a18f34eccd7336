"""ONNX graphs of fitted pipelines: the type a learner's ``to_onnx`` returns and the
scikit-learn conversion most of them share (skl2onnx; xgboost through onnxmltools)."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

TARGET_OPSET = 17


@dataclass(frozen=True)
class OnnxGraph:
    """An exported graph, what it takes as input (``"windows"`` or ``"features"``), and the
    Python step that makes that input from raw windows (features no converter handles)."""

    model_bytes: bytes
    takes: str
    prepare: Callable[[np.ndarray], np.ndarray]
    dtype: type


def _steps(estimator) -> list:
    return [step for _, step in estimator.steps] if hasattr(estimator, "steps") else [estimator]


def sklearn_graph(estimator, n_features: int) -> bytes:
    """The ONNX bytes of a fitted scikit-learn estimator or pipeline on ``n_features`` float32
    features, probabilities as a plain tensor (no zipmap)."""
    from skl2onnx import to_onnx

    sample = np.zeros((1, n_features), dtype=np.float32)
    options = {id(step): {"zipmap": False} for step in _steps(estimator)
               if hasattr(step, "predict_proba") or hasattr(step, "decision_function")}
    with warnings.catch_warnings():  # skl2onnx reads SVC attributes scikit-learn 1.9 marks deprecated
        warnings.simplefilter("ignore", FutureWarning)
        return to_onnx(estimator, sample, options=options, target_opset=TARGET_OPSET).SerializeToString()


def xgboost_graph(learner, n_features: int) -> bytes:
    """The ONNX bytes of a fitted xgboost classifier (onnxmltools picks the highest opset its
    converter supports, below `TARGET_OPSET`)."""
    from onnxmltools import convert_xgboost
    from onnxmltools.convert.common.data_types import FloatTensorType

    return convert_xgboost(learner, initial_types=[("features", FloatTensorType([None, n_features]))]
                           ).SerializeToString()
