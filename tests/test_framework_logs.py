"""Every ``harbench`` command keeps TensorFlow's native log lines off stderr, and only those:
harbench's messages, Python warnings and errors still reach it. ``HARBENCH_FRAMEWORK_LOGS=1``
brings the native lines back."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from harbench import cli
from harbench.errors import SuiteError

NATIVE = re.compile(r"^(?:[IWEF]\d{4} \d\d:\d\d:\d\d|WARNING: All log messages before absl::InitializeLog)", re.M)
# What TensorFlow 2.21 writes to file descriptor 2 from C++ during a Keras fit.
NATIVE_LINES = (
    b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
    b"I0000 00:00:1796238676.033379    4486 port.cc:153] oneDNN custom operations are on.\n"
    b"E0000 00:00:1796238684.417865    4486 node_def_util.cc:682] NodeDef mentions attribute "
    b"use_unbounded_threadpool which is not in the op definition\n"
)
ROOT = Path(__file__).resolve().parent.parent
SUITE = """
name = "tiny"
description = "A deep learner that TensorFlow trains for one epoch{bad}."
datasets = ["basic_motions"]
seeds = [0]

[protocol]
name = "official"
val_fraction = 0.2
val_seed = 0

[pipelines.{pipeline}]
max_epochs = 1
{option}
"""


def _noisy_list(args) -> None:
    os.write(2, NATIVE_LINES + b"a line of a worker process\n")
    raise SuiteError("the real problem, and what to do")


def test_native_log_lines_are_dropped_and_everything_else_kept(capfd, monkeypatch):
    monkeypatch.delenv(cli.FRAMEWORK_LOGS, raising=False)
    monkeypatch.setattr(cli, "_list", _noisy_list)
    assert cli.main(["list", "models"]) == 2
    err = capfd.readouterr().err
    assert not NATIVE.search(err)
    assert "a line of a worker process\n" in err and "harbench: error: the real problem, and what to do" in err


def test_harbench_framework_logs_keeps_the_native_lines(capfd, monkeypatch):
    monkeypatch.setenv(cli.FRAMEWORK_LOGS, "1")
    monkeypatch.setattr(cli, "_list", _noisy_list)
    assert cli.main(["list", "models"]) == 2
    assert NATIVE_LINES.decode() in capfd.readouterr().err


def _run_tiny_suite(tmp_path: Path, *, bad: bool, framework_logs: bool = False) -> subprocess.CompletedProcess:
    """``harbench run`` in a fresh process (TensorFlow imported there for the first time) on a
    suite of one CNN cell, with an optimizer that does not exist when ``bad``."""
    suites = tmp_path / "suites"
    suites.mkdir(exist_ok=True)
    (suites / "tiny.toml").write_text(SUITE.format(bad=" with an optimizer that does not exist" if bad else "",
                                                   pipeline='"cnn@bad"' if bad else "cnn",
                                                   option='optimizer = "nope"' if bad else ""))
    env = {key: value for key, value in os.environ.items()
           if key not in (cli.FRAMEWORK_LOGS, "TF_CPP_MIN_LOG_LEVEL")}
    env["KERAS_BACKEND"] = "tensorflow"
    if framework_logs:
        env[cli.FRAMEWORK_LOGS] = "1"
    command = [sys.executable, "-m", "harbench.cli", "run", "tiny", "--suites-dir", str(suites), "--results-dir",
               str(tmp_path / ("results-logs" if framework_logs else "results")), "--allow-dirty"]
    return subprocess.run(command, cwd=tmp_path, env={**env, "PYTHONPATH": str(ROOT)}, capture_output=True,
                          text=True, timeout=600)


@pytest.mark.slow  # 16 to 25 s on two busy cores, most of it importing TensorFlow
def test_a_command_that_imports_tensorflow_prints_its_error_and_no_native_line(tmp_path):
    finished = _run_tiny_suite(tmp_path, bad=True)  # TensorFlow is imported, then the fit refuses the optimizer
    assert finished.returncode == 2, finished.stderr
    assert not NATIVE.search(finished.stderr), finished.stderr
    assert "harbench: error: CNNClassifier: optimizer='nope' is not one of" in finished.stderr


@pytest.mark.slow
def test_a_keras_fit_logs_natively_only_when_asked(tmp_path):
    quiet = _run_tiny_suite(tmp_path, bad=False)
    assert quiet.returncode == 0, quiet.stderr
    assert not NATIVE.search(quiet.stderr), quiet.stderr
    assert "accuracy" in quiet.stdout
    loud = _run_tiny_suite(tmp_path, bad=False, framework_logs=True)
    assert loud.returncode == 0, loud.stderr
    assert "use_unbounded_threadpool" in loud.stderr and "absl::InitializeLog" in loud.stderr
