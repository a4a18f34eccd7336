"""`harbench export BUNDLE --format onnx`: the bundle's model as an ONNX graph, checked
against the original on held-out windows with onnxruntime.

The graph comes from the model itself (`WindowClassifier.to_onnx`), and what goes into it
depends on the pipeline: Keras learners export whole, standardisation included (the graph
takes raw windows); feature pipelines and the random-kernel transforms export their scaler
and classifier (the graph takes feature vectors, which harbench computes, since no ONNX
converter handles their numpy/scipy/numba feature code). A pipeline without an exporter (a
plugin, say) is refused with its class named.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from harbench.deploy.bundle import Bundle
from harbench.errors import HarbenchError
from harbench.models.onnx_graph import OnnxGraph
from harbench.runner.execute import batch1_latency_ms

ONNX_FILE = "model.onnx"
LATENCY_CALLS = 200


class ExportError(HarbenchError, ValueError):
    """A bundle's pipeline cannot be exported to the requested format."""


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


def onnx_graph(bundle: Bundle) -> OnnxGraph:
    """The ONNX graph of ``bundle``'s model, or `ExportError` naming what cannot be exported."""
    try:
        return bundle.model.to_onnx()
    except NotImplementedError as error:
        raise ExportError(f"{bundle.path}: pipeline {bundle.info.pipeline!r} cannot be exported to ONNX: "
                          f"{error}") from error


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
