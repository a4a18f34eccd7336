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
    ``url`` the official download, ``filename`` what the download is saved as.
    """

    folder: str
    url: str
    filename: str
    manifest: Manifest


def cache_dir() -> Path:
    """``HARBENCH_CACHE_DIR``, else the operating system's user cache for harbench."""
    configured = os.environ.get(CACHE_DIR_ENV)
    return Path(configured) if configured else Path(pooch.os_cache("harbench"))


def locate(source: ArchiveSource, download: bool = True) -> Path:
    """The folder holding ``source``'s data, downloading it into the cache if needed."""
    configured = os.environ.get(DATA_DIR_ENV)
    if configured:
        folder = Path(configured) / source.folder
        if not folder.is_dir() or not any(folder.iterdir()):
            raise DatasetNotFoundError(
                f"{folder}: no data for '{source.folder}'. {DATA_DIR_ENV} is set to {configured}; put the "
                f"dataset's archive (or its extracted files) in {folder}, or unset {DATA_DIR_ENV} to use "
                f"the cache ({cache_dir()}) and download it from {source.url}."
            )
        return folder
    folder = cache_dir() / source.folder
    if folder.is_dir() and any(folder.iterdir()):
        return folder
    if not download:
        raise DatasetNotFoundError(
            f"{folder}: '{source.folder}' is not in the cache. Run `harbench fetch` for it or set {DATA_DIR_ENV}."
        )
    return fetch(source, folder)


def fetch(source: ArchiveSource, folder: Path) -> Path:
    """Download ``source`` into ``folder`` and verify every file; remove it again if it fails."""
    folder.mkdir(parents=True, exist_ok=True)
    path = Path(pooch.retrieve(source.url, known_hash=None, fname=source.filename, path=folder,
                               progressbar=False))
    try:
        Archive(path, source.manifest)
    except DataIntegrityError as error:
        path.unlink(missing_ok=True)
        raise DataIntegrityError(
            f"The download from {source.url} failed its check and was removed: {error}"
        ) from error
    return folder


def open_archive(source: ArchiveSource, download: bool = True) -> Archive:
    """The verified files of ``source``, located (and downloaded) as described above."""
    return Archive(locate(source, download=download), source.manifest)
