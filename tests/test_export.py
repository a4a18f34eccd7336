"""ONNX export of bundles, checked with onnxruntime against the bundle on held-out windows."""

import json

import pytest

from harbench.cli import main
from harbench.deploy.bundle import Bundle, load_bundle
from harbench.deploy.fit import held_out_windows
from harbench.deploy.onnx_export import ExportError, export_onnx
from harbench.models.base import WindowClassifier
from tests.tiny_bundles import fit_quietly, tiny_suite

PIPELINES = """
[pipelines."handcrafted+svm"]
[pipelines."handcrafted+logistic_regression"]
[pipelines."handcrafted+random_forest"]
learner = { n_estimators = 20 }
[pipelines."handcrafted+xgboost"]
learner = { n_estimators = 20 }
[pipelines.minirocket]
n_kernels = 500
[pipelines.cnn]
max_epochs = 2
filters = 8
dense_units = 8
[pipelines.lstm]
max_epochs = 2
units = 8
"""


@pytest.fixture
def suite(tmp_path, synthetic_data_dir):
    return tiny_suite(tmp_path, PIPELINES)


@pytest.mark.parametrize("pipeline, takes", [
    ("handcrafted+svm", "features"), ("handcrafted+logistic_regression", "features"),
    ("handcrafted+random_forest", "features"), ("handcrafted+xgboost", "features"), ("minirocket", "features"),
    ("cnn", "windows"), ("lstm", "windows"),
])
@pytest.mark.slow
def test_every_exportable_kind_agrees_with_its_bundle_on_held_out_windows(tmp_path, suite, pipeline, takes):
    fit_quietly(suite, pipeline, tmp_path / "bundle")
    bundle = load_bundle(tmp_path / "bundle")
    check = export_onnx(bundle, held_out_windows(bundle.info), latency_calls=5)
    assert check.takes == takes and check.n_windows > 20
    assert check.agreement >= 0.999, f"{pipeline}: ONNX agrees on only {check.agreement:.2%}"
    if check.max_probability_difference is not None:
        assert check.max_probability_difference < 1e-4
    import onnx

    graph = onnx.load(tmp_path / "bundle" / "model.onnx")
    onnx.checker.check_model(graph)
    rank = len(graph.graph.input[0].type.tensor_type.shape.dim)
    assert rank == {"windows": 3, "features": 2}[takes], "the graph takes what the check says it takes"


@pytest.mark.slow
def test_the_export_command_writes_the_graph_and_its_check(tmp_path, suite, capsys):
    fit_quietly(suite, "handcrafted+logistic_regression", tmp_path / "bundle")
    assert main(["export", str(tmp_path / "bundle"), "--format", "onnx"]) == 0
    check = json.loads((tmp_path / "bundle" / "onnx-check.json").read_text())
    assert check["agreement"] == 1.0 and "agrees with the bundle on 100.00%" in capsys.readouterr().out


class PluginModel(WindowClassifier):
    """Stands for a third-party model: harbench has no exporter for it."""

    def _fit(self, X, y, X_val, y_val, groups):
        pass

    def _predict(self, X):
        return X[:, 0, 0] > 0


def test_a_pipeline_without_an_exporter_is_refused_by_name(tmp_path, suite):
    fit_quietly(suite, "handcrafted+logistic_regression", tmp_path / "bundle")
    bundle = load_bundle(tmp_path / "bundle")
    plugin = Bundle(info=bundle.info, model=PluginModel(), path=bundle.path)
    refusal = r"cannot be exported to ONNX: tests.test_export.PluginModel has no ONNX exporter"
    with pytest.raises(ExportError, match=refusal):
        export_onnx(plugin, held_out_windows(bundle.info), latency_calls=1)
