"""Read a dataset's files in place from a zip or a folder, each checked against a manifest.

Official archives often nest everything under one top folder (``HAPT Data Set/...``) and
some download pages wrap the archive in another zip; both are accepted, as are extracted
folders. Every file named in the manifest must be present and match its SHA-256 before any
of it is used (pooch's idea of a registry, applied to archive members).
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from harbench.errors import DataIntegrityError, DatasetNotFoundError


@dataclass(frozen=True)
class Manifest:
    """Expected SHA-256 of every file of a dataset, by its path inside the archive."""

    entries: dict[str, str]
    origin: str

    @classmethod
    def from_text(cls, text: str, origin: str) -> Manifest:
        """Parse ``sha256sum`` output (``<hex>  <path>`` per line)."""
        entries = {}
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            parts = line.split(maxsplit=1)
            if len(parts) != 2 or len(parts[0]) != 64:
                raise DataIntegrityError(f"{origin}, line {number}: expected '<sha256>  <path>', got {line!r}.")
            entries[parts[1].strip().lstrip("*")] = parts[0].lower()
        if not entries:
            raise DataIntegrityError(f"{origin}: the manifest lists no files.")
        return cls(entries=entries, origin=origin)

    @classmethod
    def from_file(cls, path: Path) -> Manifest:
        return cls.from_text(Path(path).read_text(), origin=str(path))

    @property
    def digest(self) -> str:
        """Fingerprint of the data the manifest describes (hex, 16 chars)."""
        text = "".join(f"{digest}  {name}\n" for name, digest in sorted(self.entries.items()))
        return hashlib.sha256(text.encode()).hexdigest()[:16]


@cache
def shipped_manifest(filename: str) -> Manifest:
    """A manifest shipped in ``harbench/datasets/manifests/`` (read and parsed once)."""
    text = resources.files("harbench.datasets").joinpath(f"manifests/{filename}").read_text()
    return Manifest.from_text(text, origin=f"harbench/datasets/manifests/{filename}")


def _zip_members(data: zipfile.ZipFile) -> list[str]:
    return [info.filename for info in data.infolist() if not info.is_dir()]


def _common_prefix(names: list[str], wanted: set[str]) -> str | None:
    """'' when ``wanted`` files sit at the root, 'top/' when all files sit under one folder."""
    if wanted & set(names):
        return ""
    tops = {name.split("/", 1)[0] for name in names if "/" in name and not name.startswith("__MACOSX/")}
    if len(tops) == 1:
        return tops.pop() + "/"
    return None


class Archive:
    """The verified files of one dataset, from ``location`` (a zip file or a folder).

    With ``checksums=False`` (a dataset whose files harbench has no published checksums for)
    the manifest's entries only name the files that must be present; their SHA-256 digests
    are computed on reading and become ``self.manifest``, so a fingerprint still identifies
    the exact bytes that were used.
    """

    def __init__(self, location: Path, manifest: Manifest, checksums: bool = True) -> None:
        self.location = Path(location)
        self.manifest = manifest
        if checksums:
            self._files = self._read_verified()
        else:
            self._files = self._read_raw()
            self.manifest = Manifest(
                entries={name: hashlib.sha256(content).hexdigest() for name, content in self._files.items()},
                origin=f"SHA-256 computed from {self.location} (no published checksums)",
            )

    def read(self, name: str) -> bytes:
        """Bytes of manifest member ``name`` (already verified)."""
        try:
            return self._files[name]
        except KeyError:
            raise DataIntegrityError(
                f"{self.location}: {name!r} is not in the manifest {self.manifest.origin}."
            ) from None

    def names(self) -> list[str]:
        return sorted(self._files)

    def _read_verified(self) -> dict[str, bytes]:
        files = self._read_raw()
        for name, expected in self.manifest.entries.items():
            actual = hashlib.sha256(files[name]).hexdigest()
            if actual != expected:
                raise DataIntegrityError(
                    f"{self.location}: {name} is corrupt or truncated ({len(files[name])} bytes, sha256 "
                    f"{actual[:12]}..., expected {expected[:12]}... from {self.manifest.origin}). "
                    "Replace it with the file from the official archive, or delete the dataset folder "
                    "and let harbench download it again."
                )
        return files

    def _read_raw(self) -> dict[str, bytes]:
        if self.location.is_dir():
            zips = sorted(self.location.glob("*.zip"))
            names = [str(path.relative_to(self.location)) for path in self.location.rglob("*") if path.is_file()]
            prefix = _common_prefix(names, set(self.manifest.entries))
            if prefix == "" or not zips:
                return self._from_folder(names, prefix or "")
            if len(zips) > 1:
                raise DataIntegrityError(
                    f"{self.location}: holds {len(zips)} zip files ({', '.join(p.name for p in zips)}) and no "
                    "extracted files; keep exactly one archive of this dataset there."
                )
            return self._from_zip(_open_zip(zips[0], str(zips[0])), str(zips[0]))
        if self.location.is_file():
            return self._from_zip(_open_zip(self.location, str(self.location)), str(self.location))
        raise DatasetNotFoundError(f"{self.location}: no such folder or zip archive.")

    def _missing(self, available: set[str], prefix: str, where: str) -> None:
        missing = sorted(name for name in self.manifest.entries if prefix + name not in available)
        if missing:
            shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
            raise DataIntegrityError(
                f"{where}: {len(missing)} file(s) of the dataset are missing: {shown}. "
                "Restore them from the official archive (the manifest is "
                f"{self.manifest.origin})."
            )

    def _from_folder(self, names: list[str], prefix: str) -> dict[str, bytes]:
        self._missing(set(names), prefix, str(self.location))
        return {name: (self.location / (prefix + name)).read_bytes() for name in self.manifest.entries}

    def _from_zip(self, data: zipfile.ZipFile, where: str) -> dict[str, bytes]:
        with data:
            names = _zip_members(data)
            prefix = _common_prefix(names, set(self.manifest.entries))
            found = prefix is not None and any(prefix + name in names for name in self.manifest.entries)
            inner = [name for name in names if name.lower().endswith(".zip")]
            if not found and len(inner) == 1:  # a download page that wraps the official archive
                return self._from_zip(_open_zip(io.BytesIO(data.read(inner[0])), f"{where}!{inner[0]}"),
                                      f"{where}!{inner[0]}")
            prefix = prefix or ""
            self._missing(set(names), prefix, where)
            try:
                return {name: data.read(prefix + name) for name in self.manifest.entries}
            except (zipfile.BadZipFile, EOFError, OSError) as error:
                raise DataIntegrityError(
                    f"{where}: the archive is damaged ({error}). Delete it and download it again."
                ) from error


def _open_zip(source: Path | io.BytesIO, where: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(source)
    except (zipfile.BadZipFile, EOFError, OSError) as error:
        raise DataIntegrityError(
            f"{where}: not a readable zip archive ({error}); it is probably truncated. "
            "Delete it and download it again, or copy it anew from the official source."
        ) from error
