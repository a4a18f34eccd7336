"""Where a dataset's archive is: ``HARBENCH_DATA_DIR``, else the user cache, else a download.

Downloads go through pooch into the cache; whatever the origin, every file is checked
against the manifest shipped in the package before it is used (see `archive`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pooch

from harbench.datasets.archive import Archive, Manifest
from harbench.errors import DataIntegrityError, DatasetNotFoundError

DATA_DIR_ENV = "HARBENCH_DATA_DIR"
CACHE_DIR_ENV = "HARBENCH_CACHE_DIR"


@dataclass(frozen=True)
class ArchiveSource:
    """Where a dataset's files come from and what they must hash to.

    ``folder`` is the dataset's folder name under the data directory or cache,
    ``url`` the official download, ``filename`` what the download is saved as. A
    ``shared_folder`` holds several datasets (``uea/``: one zip per problem), so this one's
    data is ``folder/filename`` or its extracted folder ``folder/<filename without .zip>``.
    ``checksums`` is False where no published checksums exist: ``manifest`` then only names
    the files that must be present (see `Archive`).
    """

    folder: str
    url: str
    filename: str
    manifest: Manifest
    shared_folder: bool = False
    checksums: bool = True


def _data_in(folder: Path, source: ArchiveSource) -> Path | None:
    """What to open for ``source`` in ``folder`` (an archive or a folder), or None."""
    if source.shared_folder:
        return next((path for path in (folder / source.filename, folder / Path(source.filename).stem)
                     if path.exists()), None)
    return folder if folder.is_dir() and any(folder.iterdir()) else None


def cache_dir() -> Path:
    """``HARBENCH_CACHE_DIR``, else the operating system's user cache for harbench."""
    configured = os.environ.get(CACHE_DIR_ENV)
    return Path(configured) if configured else Path(pooch.os_cache("harbench"))


def locate(source: ArchiveSource, download: bool = True) -> Path:
    """The archive or folder holding ``source``'s data, downloading it into the cache if needed."""
    configured = os.environ.get(DATA_DIR_ENV)
    if configured:
        folder = Path(configured) / source.folder
        found = _data_in(folder, source)
        if found is None:
            expected = folder / source.filename if source.shared_folder else folder
            raise DatasetNotFoundError(
                f"{expected}: no data for '{Path(source.filename).stem if source.shared_folder else source.folder}'. "
                f"{DATA_DIR_ENV} is set to {configured}; put the dataset's archive (or its extracted files) "
                f"there, or unset {DATA_DIR_ENV} to use the cache ({cache_dir()}) and download it from {source.url}."
            )
        return found
    folder = cache_dir() / source.folder
    found = _data_in(folder, source)
    if found is not None:
        return found
    if not download:
        raise DatasetNotFoundError(
            f"{folder}: '{source.folder}' is not in the cache. Run `harbench fetch` for it or set {DATA_DIR_ENV}."
        )
    return fetch(source, folder)


def fetch(source: ArchiveSource, folder: Path) -> Path:
    """Download ``source`` into ``folder`` and verify every file; remove it again if it fails.
    Returns what to open: the folder, or the archive itself in a shared folder."""
    import requests

    folder.mkdir(parents=True, exist_ok=True)
    try:
        path = Path(pooch.retrieve(source.url, known_hash=None, fname=source.filename, path=folder,
                                   progressbar=False))
    except (requests.RequestException, OSError) as error:
        raise DatasetNotFoundError(
            f"Could not download {source.url} ({type(error).__name__}). Check the network, or put the dataset's "
            f"archive in {folder} (or in $HARBENCH_DATA_DIR/{source.folder}) and run again."
        ) from error
    try:
        Archive(path, source.manifest, checksums=source.checksums)
    except DataIntegrityError as error:
        path.unlink(missing_ok=True)
        raise DataIntegrityError(
            f"The download from {source.url} failed its check and was removed: {error}"
        ) from error
    return path if source.shared_folder else folder


def open_archive(source: ArchiveSource, download: bool = True) -> Archive:
    """The verified files of ``source``, located (and downloaded) as described above."""
    return Archive(locate(source, download=download), source.manifest, checksums=source.checksums)
