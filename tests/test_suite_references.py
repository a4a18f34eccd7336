"""A pipeline of a suite may take its configuration from another pipeline (``from``): it then has
the cells, keys included, of the same configuration written out in full."""

import pytest

from harbench.errors import SuiteError
from harbench.experiment import SuiteData, plan_cells
from harbench.reporting.markdown import settings_section
from harbench.runner.store import ResultStore
from harbench.runner.suite import load_suite
from tests.conftest import SYNTHETIC_ID

HEAD = """
datasets = ["basic_motions"]
seeds = [0]

[protocol]
name = "official"
val_fraction = 0.25
"""
RECIPE = """
[pipelines.cnn]
max_epochs = 3
patience = 2
batch_size = 8
"""


def _write(folder, name: str, text: str, dataset: str = "basic_motions"):
    """A suite file ``name`` in ``folder``: `HEAD` (on ``dataset``) and the pipelines ``text``."""
    path = folder / f"{name}.toml"
    path.write_text(f'name = "{name}"\n{HEAD.replace("basic_motions", dataset)}{text}')
    return path


def _pipelines(folder, name: str, text: str) -> dict:
    return load_suite(str(_write(folder, name, text))).pipelines


def test_a_pipeline_takes_another_suites_configuration_and_sets_its_own_keys_over_it(tmp_path):
    _write(tmp_path, "recipes", RECIPE + '[pipelines.resnet]\ndatasets = ["basic_motions", "epilepsy"]\n'
           'max_epochs = 4\n')
    pipelines = _pipelines(tmp_path, "table", """
[pipelines.cnn]
from = { suite = "recipes" }

[pipelines."cnn@longer"]
from = { suite = "recipes", pipeline = "cnn" }
max_epochs = 9
weight_average = 0.99

[pipelines.resnet]
from = { suite = "recipes" }
""")
    assert pipelines["cnn"] == {"max_epochs": 3, "patience": 2, "batch_size": 8}
    assert pipelines["cnn@longer"] == {"max_epochs": 9, "patience": 2, "batch_size": 8, "weight_average": 0.99}
    assert pipelines["resnet"] == {"max_epochs": 4}  # where it runs is the referring suite's to say


def test_references_within_a_suite_and_chains_of_them_resolve(tmp_path):
    _write(tmp_path, "candidates", RECIPE + """
[pipelines."cnn@averaged"]
from = { pipeline = "cnn" }
weight_average = 0.99
""")
    pipelines = _pipelines(tmp_path, "chosen", """
[pipelines.cnn]
from = { suite = "candidates", pipeline = "cnn@averaged" }
""")
    assert pipelines["cnn"] == {"max_epochs": 3, "patience": 2, "batch_size": 8, "weight_average": 0.99}


def test_a_referenced_configuration_plans_the_same_cell_keys_as_one_written_out(tmp_path, synthetic_data_dir):
    written_out = load_suite(str(_write(tmp_path, "recipes", RECIPE, SYNTHETIC_ID)))
    referring = load_suite(str(_write(tmp_path, "referring", '[pipelines.cnn]\nfrom = { suite = "recipes" }\n',
                                      SYNTHETIC_ID)))
    store = ResultStore(tmp_path / "results")

    def keys(suite):
        return [item.cell.key for item in plan_cells(suite, SuiteData(suite, store))]

    assert keys(referring) == keys(written_out)


@pytest.mark.parametrize(("text", "message"), [
    ('[pipelines.cnn]\nfrom = { suite = "nowhere" }\n', r"Unknown suite 'nowhere'"),
    ('[pipelines.cnn]\nfrom = { suite = "recipes", pipeline = "lstm" }\n',
     r"takes its configuration from 'lstm' of suite 'recipes', which has no such pipeline \(it has: cnn\)"),
    ('[pipelines.cnn]\nfrom = "recipes"\n', r"pipeline 'bad:cnn': 'from' must be a table"),
    ('[pipelines.cnn]\nfrom = { suite = "recipes", epochs = 3 }\n', r"'from' must be a table"),
    ('[pipelines.cnn]\nfrom = { pipeline = "lstm" }\n[pipelines.lstm]\nfrom = { pipeline = "cnn" }\n',
     r"go round in a circle: bad:cnn -> bad:lstm -> bad:cnn"),
    ('[pipelines.cnn]\nfrom = { suite = "recipes" }\nepochs = 3\n', r"bad.toml.*epochs"),  # checked as any pipeline
])
def test_a_bad_reference_is_named_with_the_file(tmp_path, text, message):
    _write(tmp_path, "recipes", RECIPE)
    with pytest.raises(SuiteError, match=message) as raised:
        _pipelines(tmp_path, "bad", text)
    assert "bad.toml" in str(raised.value)


def test_the_report_lists_each_pipelines_settings_and_where_a_reference_took_them_from(tmp_path):
    _write(tmp_path, "recipes", RECIPE)
    suite = load_suite(str(_write(tmp_path, "table", """
[pipelines."cnn@longer"]
from = { suite = "recipes", pipeline = "cnn" }
max_epochs = 9

[pipelines."handcrafted+svm"]
learner = { C = 10.0, gamma = "scale" }
search = { grid = {}, folds = 3 }

[pipelines.minirocket]
""")))
    assert suite.origins == {"cnn@longer": "recipes:cnn"}
    rows = "\n".join(settings_section(suite))
    assert '| `cnn@longer` | max_epochs = 9, patience = 2, batch_size = 8 | `recipes:cnn` |' in rows
    assert ('| `handcrafted+svm` | learner = { C = 10.0, gamma = "scale" }, search = { grid = {}, folds = 3 } | – |'
            in rows)
    assert "| `minirocket` | its defaults | – |" in rows
