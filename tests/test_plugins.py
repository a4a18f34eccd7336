"""Third-party pipelines through the ``harbench.models`` entry points, using the code of
docs/adding-a-model.md itself."""

import re
from pathlib import Path

import pandas as pd
import pytest

from harbench.cli import main
from harbench.models import registry
from harbench.models.plugins import PluginError, load_plugins
from tests.test_runner import SUITE

DOC = Path(__file__).resolve().parent.parent / "docs" / "adding-a-model.md"


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC.read_text(), flags=re.S)


def _install(site: Path, module: str, code: str, entry_points: str) -> None:
    """A distribution as pip leaves it: the module and a dist-info folder with entry points."""
    site.mkdir(parents=True, exist_ok=True)
    (site / f"{module}.py").write_text(code)
    info = site / f"{module}-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 0.1.0\n")
    (info / "entry_points.txt").write_text(entry_points)


@pytest.fixture
def isolated_registry(monkeypatch):
    monkeypatch.setattr(registry, "_MODELS", dict(registry._MODELS))


@pytest.mark.slow
def test_the_documented_plugin_is_listed_run_and_reported(tmp_path, monkeypatch, capsys, isolated_registry,
                                                          synthetic_data_dir):
    code, = _blocks("python")
    pyproject = _blocks("toml")[0]
    lines = [line for line in (code + pyproject).splitlines() if line.strip()]
    assert len(lines) < 30, "the doc promises a model in under 30 lines of user code"
    name, value = re.search(r'"harbench.models"\]\n(\w+) = "([^"]+)"', pyproject).groups()
    _install(tmp_path / "site", value.split(":")[0], code, f"[harbench.models]\n{name} = {value}\n")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))

    assert load_plugins() == ["channel_stats"]
    assert main(["list", "models"]) == 0
    assert "channel_stats" in capsys.readouterr().out.split()

    suites = tmp_path / "suites"
    suites.mkdir()
    (suites / "tiny.toml").write_text(SUITE.split("[pipelines.cnn]")[0] + "[pipelines.channel_stats]\nC = 10.0\n")
    common = ["--suites-dir", str(suites), "--results-dir", str(tmp_path / "results")]
    assert main(["run", "tiny", *common]) == 0
    assert main(["report", "tiny", *common, "--reports-dir", str(tmp_path / "reports")]) == 0
    summary = pd.read_csv(tmp_path / "reports" / "tiny.csv").set_index("pipeline")
    assert summary.loc["channel_stats", "accuracy_mean"] > 0.5 and summary.loc["channel_stats", "n_runs"] == 2
    assert "`channel_stats`" in (tmp_path / "reports" / "tiny.md").read_text()


def test_a_plugin_that_is_not_a_window_classifier_is_refused_by_name(tmp_path, monkeypatch, isolated_registry):
    _install(tmp_path / "site", "bad_plugin", "def build():\n    return None\n",
             "[harbench.models]\nbad = bad_plugin:build\n")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    with pytest.raises(PluginError, match=r"entry point 'bad' \(bad_plugin:build, from bad_plugin\) must name a "
                                          "WindowClassifier subclass"):
        load_plugins()


def test_a_plugin_may_not_replace_a_registered_pipeline(tmp_path, monkeypatch, isolated_registry):
    _install(tmp_path / "site", "clash_plugin", "from harbench.models.deep.cnn import CNNClassifier as Model\n",
             "[harbench.models]\ncnn = clash_plugin:Model\n")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    with pytest.raises(PluginError, match="would replace the pipeline 'cnn'"):
        load_plugins()


def test_a_plugin_that_fails_to_import_is_named(tmp_path, monkeypatch, isolated_registry):
    _install(tmp_path / "site", "broken_plugin", "raise RuntimeError('boom')\n",
             "[harbench.models]\nbroken = broken_plugin:Model\n")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    with pytest.raises(PluginError, match=r"Cannot load harbench plugin entry point 'broken'.*RuntimeError: boom"):
        load_plugins()
