"""`harbench export BUNDLE --format onnx`: the bundle's model as an ONNX graph, checked
against the original on held-out windows with onnxruntime.

What goes into the graph depends on the pipeline:

- deep learners (Keras): the whole model with the bundle's per-channel standardisation in
  front, traced as one ``tf.function`` and converted by tf2onnx, so the graph takes raw
  windows (n, T, C);
- feature pipelines (``handcrafted+*``, ``tsfresh+*``): the scaler and learner, converted
  with skl2onnx (xgboost with onnxmltools). Their features are numpy/scipy code that no ONNX
  converter handles, so the graph takes feature vectors and harbench computes the features;
- ``minirocket``: the scaler and ridge classifier (in single precision: skl2onnx has no
  double-precision ridge classifier, so agreement is checked, not assumed); aeon's
  MiniRocket transform is numba code with no ONNX converter, so harbench computes the PPV
  features and the graph classifies them.

A pipeline of any other kind (a plugin, say) is refused with its class named.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from harbench.deploy.bundle import Bundle
from harbench.errors import HarbenchError
from harbench.runner.execute import batch1_latency_ms

ONNX_FILE = "model.onnx"
TARGET_OPSET = 17
LATENCY_CALLS = 200


class ExportError(HarbenchError, ValueError):
    """A bundle's pipeline cannot be exported to the requested format."""


@dataclass(frozen=True)
class OnnxGraph:
    """An exported graph, what it takes as input, and the Python step that makes that input."""

    model_bytes: bytes
    takes: str  # "windows" or "features"
    prepare: Callable[[np.ndarray], np.ndarray]
    dtype: type


@dataclass(frozen=True)
class ExportCheck:
    """How the ONNX graph compares with the bundle on held-out windows."""

    path: str
    takes: str
    n_windows: int
    agreement: float
    max_probability_difference: float | None
    latency_ms_bundle: float
    latency_ms_onnx: float


def _keras_graph(bundle: Bundle) -> OnnxGraph:
    import tensorflow as tf
    import tf2onnx

    model = bundle.model
    mean, std = model.channel_mean_.astype(np.float32), model.channel_std_.astype(np.float32)
    signature = (tf.TensorSpec((None, model.n_timesteps_, model.n_channels_), tf.float32, name="windows"),)

    @tf.function(input_signature=signature)
    def standardised_model(windows):  # numpy statistics become constants of the graph, not inputs
        return model.model_((windows - tf.constant(mean)) / tf.constant(std), training=False)

    graph, _ = tf2onnx.convert.from_function(standardised_model, input_signature=signature, opset=TARGET_OPSET)
    return OnnxGraph(graph.SerializeToString(), "windows", lambda X: X.astype(np.float32), np.float32)


def _sklearn_graph(estimator, n_features: int, dtype: type) -> bytes:
    from skl2onnx import to_onnx

    sample = np.zeros((1, n_features), dtype=dtype)
    options = {id(step): {"zipmap": False} for step in _steps(estimator)
               if hasattr(step, "predict_proba") or hasattr(step, "decision_function")}
    with warnings.catch_warnings():  # skl2onnx reads SVC attributes scikit-learn 1.9 marks deprecated
        warnings.simplefilter("ignore", FutureWarning)
        return to_onnx(estimator, sample, options=options, target_opset=TARGET_OPSET).SerializeToString()


def _steps(estimator) -> list:
    return [step for _, step in estimator.steps] if hasattr(estimator, "steps") else [estimator]


def _feature_graph(bundle: Bundle) -> OnnxGraph:
    from sklearn.pipeline import make_pipeline

    model = bundle.model
    learner = model.learner_
    prepare = lambda X: model.features_.transform(X).astype(np.float32)  # noqa: E731
    if type(learner).__module__.startswith("xgboost"):
        if model.scaler_ is not None:
            raise ExportError(f"{bundle.path}: a scaled xgboost learner is not exported; xgboost needs no scaling.")
        from onnxmltools import convert_xgboost
        from onnxmltools.convert.common.data_types import FloatTensorType

        # onnxmltools picks the highest opset its xgboost converter supports (below TARGET_OPSET)
        graph = convert_xgboost(learner, initial_types=[("features", FloatTensorType([None, model.n_features_]))])
        return OnnxGraph(graph.SerializeToString(), "features", prepare, np.float32)
    estimator = make_pipeline(model.scaler_, learner) if model.scaler_ is not None else learner
    return OnnxGraph(_sklearn_graph(estimator, model.n_features_, np.float32), "features", prepare, np.float32)


def _minirocket_graph(bundle: Bundle) -> OnnxGraph:
    from sklearn.pipeline import Pipeline

    model = bundle.model
    transform = model.pipeline_.named_steps["minirocket"]
    head = Pipeline(model.pipeline_.steps[1:])
    prepare = lambda X: transform.transform(model._channels_first(X)).astype(np.float32)  # noqa: E731
    return OnnxGraph(_sklearn_graph(head, model.n_features_, np.float32), "features", prepare, np.float32)


def onnx_graph(bundle: Bundle) -> OnnxGraph:
    """The ONNX graph of ``bundle`` (see the module docstring for what each kind exports)."""
    from harbench.models.classical import FeatureClassifier
    from harbench.models.deep.keras_classifier import KerasClassifier
    from harbench.models.minirocket import MiniRocketClassifier

    model = bundle.model
    if isinstance(model, KerasClassifier):
        return _keras_graph(bundle)
    if isinstance(model, FeatureClassifier):
        return _feature_graph(bundle)
    if isinstance(model, MiniRocketClassifier):
        return _minirocket_graph(bundle)
    raise ExportError(f"{bundle.path}: pipeline {bundle.info.pipeline!r} ({type(model).__module__}."
                      f"{type(model).__name__}) has no ONNX exporter in harbench; only Keras learners, feature "
                      "pipelines and minirocket export.")


def _onnx_predict(session, graph: OnnxGraph, X: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """Class indices and probabilities (where the graph gives them) from onnxruntime."""
    outputs = session.run(None, {session.get_inputs()[0].name: graph.prepare(X).astype(graph.dtype)})
    if graph.takes == "windows":
        return outputs[0].argmax(axis=1), outputs[0]
    labels = np.asarray(outputs[0]).astype(int)
    probabilities = outputs[1] if len(outputs) > 1 and np.ndim(outputs[1]) == 2 else None
    return labels, probabilities


def export_onnx(bundle: Bundle, held_out: np.ndarray, latency_calls: int = LATENCY_CALLS) -> ExportCheck:
    """Write ``model.onnx`` into the bundle and compare it with the bundle on ``held_out`` windows
    (agreement of predicted classes, largest probability difference, batch-1 latencies)."""
    import onnxruntime

    folder = Path(bundle.path)
    graph = onnx_graph(bundle)
    (folder / ONNX_FILE).write_bytes(graph.model_bytes)
    options = onnxruntime.SessionOptions()
    session = onnxruntime.InferenceSession(str(folder / ONNX_FILE), options, providers=["CPUExecutionProvider"])
    expected, expected_probabilities = bundle.predict(held_out)
    labels, probabilities = _onnx_predict(session, graph, held_out)
    difference = None
    if probabilities is not None and expected_probabilities is not None:
        difference = float(np.abs(probabilities - expected_probabilities).max())
    return ExportCheck(
        path=str(folder / ONNX_FILE), takes=graph.takes, n_windows=len(held_out),
        agreement=float(np.mean(labels == expected)), max_probability_difference=difference,
        latency_ms_bundle=batch1_latency_ms(bundle.predict, held_out, latency_calls),
        latency_ms_onnx=batch1_latency_ms(lambda X: _onnx_predict(session, graph, X), held_out, latency_calls),
    )
