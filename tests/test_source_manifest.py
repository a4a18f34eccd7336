"""A copy of the code without its git history knows its commit from a source manifest."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

import harbench
from harbench.cli import main
from harbench.errors import InputValidationError
from harbench.runner import environment
from harbench.runner.environment import GitState
from harbench.runner.environment import git_state as real_git_state  # the autouse fixture patches the module's
from harbench.runner.source_manifest import blob_id, changed_files, read_source_manifest, write_source_manifest

CHECKOUT = Path(harbench.__file__).resolve().parent.parent


def _git(folder: Path, *arguments: str) -> str:
    return subprocess.run(["git", "-C", str(folder), *arguments], capture_output=True, text=True,
                          check=True).stdout.strip()


@pytest.fixture
def committed(tmp_path: Path) -> Path:
    """A small git checkout with a package folder, a README and an output folder, committed."""
    repo = tmp_path / "repo"
    (repo / "harbench" / "suites").mkdir(parents=True)
    (repo / "harbench" / "model.py").write_text("WEIGHT = 1\n")
    (repo / "harbench" / "suites" / "demo.toml").write_text('name = "demo"\n')
    (repo / "README.md").write_text("demo\n")
    (repo / "results").mkdir()
    (repo / "results" / "cell.json").write_text("{}\n")
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "demo")
    return repo


def test_blob_ids_are_the_ones_git_computes(committed):
    for name in ("harbench/model.py", "README.md"):
        assert blob_id((committed / name).read_bytes()) == _git(committed, "hash-object", name)


def test_a_copy_without_history_is_clean_until_a_file_changes_or_a_module_appears(committed, tmp_path):
    commit = _git(committed, "rev-parse", "HEAD")
    manifest = write_source_manifest(committed, tmp_path / "source.json", commit)
    assert read_source_manifest(tmp_path / "source.json") == manifest
    assert manifest["commit"] == commit and sorted(manifest["files"]) == [
        "README.md", "harbench/model.py", "harbench/suites/demo.toml", "results/cell.json"]

    copy = tmp_path / "copy"
    shutil.copytree(committed, copy, ignore=shutil.ignore_patterns(".git"))
    (copy / "harbench" / "__pycache__").mkdir()
    (copy / "harbench" / "__pycache__" / "model.cpython-311.pyc").write_bytes(b"\0")
    (copy / "notes.txt").write_text("an untracked file outside the package changes no result\n")
    assert changed_files(copy, manifest, ignored=("results",)) == ()

    (copy / "results" / "cell.json").write_text('{"accuracy": 1}\n')  # an output folder
    (copy / "harbench" / "model.py").write_text("WEIGHT = 2\n")
    (copy / "harbench" / "suites" / "extra.toml").write_text('name = "extra"\n')
    (copy / "README.md").unlink()
    assert changed_files(copy, manifest, ignored=("results",)) == (
        "README.md", "harbench/model.py", "harbench/suites/extra.toml")


def test_git_state_without_git_reads_the_manifest_named_by_the_variable(tmp_path, monkeypatch):
    def no_git(source: Path, *arguments: str) -> str:
        raise OSError("git: not found")

    files = {file.relative_to(CHECKOUT).as_posix(): blob_id(file.read_bytes())
             for file in (CHECKOUT / "harbench").rglob("*") if file.is_file() and "__pycache__" not in file.parts}
    manifest = {"format": 1, "commit": "c" * 40, "files": files}
    (tmp_path / "source.json").write_text(json.dumps(manifest))
    monkeypatch.setattr(environment, "_git", no_git)
    real_git_state.cache_clear()
    try:
        monkeypatch.delenv(environment.SOURCE_MANIFEST_VARIABLE, raising=False)
        assert real_git_state() == GitState("", None)
        real_git_state.cache_clear()
        monkeypatch.setenv(environment.SOURCE_MANIFEST_VARIABLE, str(tmp_path / "source.json"))
        assert real_git_state() == GitState("c" * 40, True, ())

        manifest["files"]["harbench/cli.py"] = "0" * 40
        (tmp_path / "source.json").write_text(json.dumps(manifest))
        real_git_state.cache_clear()
        assert real_git_state() == GitState("c" * 40, False, ("harbench/cli.py",))
    finally:
        real_git_state.cache_clear()


def test_a_file_that_is_not_a_manifest_is_refused_naming_it(tmp_path):
    (tmp_path / "source.json").write_text('{"commit": "abc"}')
    with pytest.raises(InputValidationError, match=r"source\.json: not a harbench source manifest.*"
                                                   r"harbench source-manifest FILE"):
        read_source_manifest(tmp_path / "source.json")


def test_the_command_writes_a_manifest_of_a_clean_checkout_only(tmp_path, monkeypatch, capsys):
    target = tmp_path / "source.json"
    monkeypatch.setattr(environment, "git_state", lambda: GitState("d" * 40, False, ("harbench/cli.py",)))
    assert main(["source-manifest", str(target)]) == 2
    assert "uncommitted changes (harbench/cli.py); commit first" in capsys.readouterr().err
    assert not target.exists()

    monkeypatch.setattr(environment, "git_state", lambda: GitState("d" * 40, True))
    assert main(["source-manifest", str(target)]) == 0
    manifest = read_source_manifest(target)
    assert manifest["commit"] == "d" * 40 and "harbench/cli.py" in manifest["files"]
    assert f"HARBENCH_SOURCE_MANIFEST={target}" in capsys.readouterr().out
