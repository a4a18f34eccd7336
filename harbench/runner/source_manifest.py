"""The commit of a checkout that travelled without its git history.

A copy of the code made with ``git archive``, rsync or a remote-execution tool (a GPU
machine, a cluster node) has no ``.git`` folder, so `harbench.runner.environment.git_state`
cannot tell which commit it is or whether it was changed, and every result computed there
would count as computed on a dirty tree. A *source manifest*, written where git is, records the
commit and the git blob id of every tracked file; where git is not, the files are hashed the
way git hashes them and compared, so the copy is known to be that commit, unchanged, or the
changed files are named.

``harbench source-manifest FILE`` writes one from a clean checkout; set
``HARBENCH_SOURCE_MANIFEST=FILE`` where the copy runs.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

from harbench.atomic import write_text_atomically
from harbench.errors import InputValidationError

FORMAT = 1
PACKAGE = "harbench"  # files under it that the manifest does not list are changes too (a new module, a suite)


def blob_id(content: bytes) -> str:
    """Git's object id of a file with these bytes (SHA-1 of ``blob <size>\\0<content>``)."""
    return hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()


def write_source_manifest(checkout: Path, path: Path, commit: str) -> dict:
    """Write ``path``: ``commit`` and the blob id of every file git tracks in ``checkout``
    (from ``git ls-files --stage``). The caller makes sure the tree is clean."""
    listing = subprocess.run(["git", "-C", str(checkout), "ls-files", "--stage", "-z"], capture_output=True,
                             check=True, timeout=30).stdout.decode()
    files = {}
    for entry in filter(None, listing.split("\0")):
        mode_id_stage, name = entry.split("\t", 1)
        files[name] = mode_id_stage.split()[1]
    manifest = {"format": FORMAT, "commit": commit, "files": files}
    write_text_atomically(Path(path), json.dumps(manifest, indent=0, sort_keys=True) + "\n")
    return manifest


def read_source_manifest(path: Path) -> dict:
    """The manifest at ``path``, checked for its fields; a clear error when it is not one."""
    try:
        manifest = json.loads(Path(path).read_text())
        if manifest.get("format") != FORMAT or not isinstance(manifest.get("files"), dict) or \
                not isinstance(manifest.get("commit"), str):
            raise ValueError(f"expected format {FORMAT} with 'commit' and 'files'")
    except (OSError, ValueError) as error:
        raise InputValidationError(f"{path}: not a harbench source manifest ({error}). Write one with "
                                   "`harbench source-manifest FILE` in a clean git checkout.") from error
    return manifest


def changed_files(checkout: Path, manifest: dict, ignored: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Files of ``checkout`` that differ from ``manifest``: listed files that are missing or whose
    bytes differ, and unlisted files inside the `PACKAGE` folder (compiled caches aside). Paths
    under ``ignored`` (output folders) are not compared."""
    checkout = Path(checkout)

    def ignore(name: str) -> bool:
        return any(name == folder or name.startswith(folder + "/") for folder in ignored)

    changed = []
    for name, expected in sorted(manifest["files"].items()):
        if ignore(name):
            continue
        file = checkout / name
        if not file.is_file() or blob_id(file.read_bytes()) != expected:
            changed.append(name)
    for file in sorted((checkout / PACKAGE).rglob("*")):
        name = file.relative_to(checkout).as_posix()
        if file.is_file() and "__pycache__" not in file.parts and name not in manifest["files"]:
            changed.append(name)
    return tuple(changed)
