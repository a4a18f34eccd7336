import pytest

from harbench.cli import main


def test_list_models_names_the_built_in_pipelines(capsys):
    assert main(["list", "models"]) == 0
    assert {"handcrafted+svm", "cnn"} <= set(capsys.readouterr().out.split())


def test_list_datasets_describes_each_id(capsys):
    assert main(["list", "datasets"]) == 0
    output = capsys.readouterr().out
    assert "uci_har" in output and "hapt" in output


def test_an_unknown_suite_exits_2_with_a_message(capsys, tmp_path):
    assert main(["run", "nope", "--suites-dir", str(tmp_path)]) == 2
    assert "Unknown suite 'nope'" in capsys.readouterr().err


def test_help_names_every_run_option(capsys):
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    output = capsys.readouterr().out
    for option in ("--pipelines", "--seeds", "--dry-run", "--results-dir", "--suites-dir"):
        assert option in output
