"""The download path for real: a zip served over HTTP on 127.0.0.1, fetched with pooch."""

import functools
import http.server
import threading

import pytest

from harbench.datasets import catalog, get_dataset
from harbench.errors import DataIntegrityError
from tests.synthetic_hapt import USERS, synthetic_spec, write_zip


@pytest.fixture
def http_folder(tmp_path):
    """Serve ``tmp_path/www`` on 127.0.0.1 (a free port) for the duration of a test."""
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_downloads_into_the_cache_verifies_and_loads(http_folder, tmp_path, synthetic_files, monkeypatch):
    root, base_url = http_folder
    write_zip(synthetic_files, root / "HAPT Data Set.zip", top_folder="HAPT Data Set/")
    monkeypatch.delenv("HARBENCH_DATA_DIR", raising=False)
    monkeypatch.setenv("HARBENCH_CACHE_DIR", str(tmp_path / "cache"))
    spec = synthetic_spec("synthetic_download", synthetic_files, url=f"{base_url}/HAPT%20Data%20Set.zip")
    monkeypatch.setitem(catalog._DATASETS, spec.id, spec)

    windows = get_dataset(spec.id).load()

    assert len(windows) == len(USERS) * 8 * 5
    assert (tmp_path / "cache" / "synthetic-hapt" / "synthetic-hapt.zip").is_file()
    (root / "HAPT Data Set.zip").unlink()  # a second load is served from the cache
    assert get_dataset(spec.id).load().fingerprint == windows.fingerprint


def test_a_download_that_fails_its_check_is_removed(http_folder, tmp_path, synthetic_files, monkeypatch):
    root, base_url = http_folder
    served = dict(synthetic_files)
    served["RawData/labels.txt"] = b"1 1 1 1 10\n"
    write_zip(served, root / "bad.zip")
    monkeypatch.delenv("HARBENCH_DATA_DIR", raising=False)
    monkeypatch.setenv("HARBENCH_CACHE_DIR", str(tmp_path / "cache"))
    spec = synthetic_spec("synthetic_bad_download", synthetic_files, url=f"{base_url}/bad.zip")
    monkeypatch.setitem(catalog._DATASETS, spec.id, spec)

    with pytest.raises(DataIntegrityError, match=r"bad.zip failed its check .*RawData/labels.txt is corrupt"):
        spec.load()
    assert not (tmp_path / "cache" / "synthetic-hapt" / "synthetic-hapt.zip").exists()


def test_an_unreachable_download_says_where_to_put_the_archive(http_folder, tmp_path, synthetic_files, monkeypatch):
    from harbench.errors import DatasetNotFoundError

    _, base_url = http_folder
    monkeypatch.delenv("HARBENCH_DATA_DIR", raising=False)
    monkeypatch.setenv("HARBENCH_CACHE_DIR", str(tmp_path / "cache"))
    spec = synthetic_spec("synthetic_missing_download", synthetic_files, url=f"{base_url}/missing.zip")
    monkeypatch.setitem(catalog._DATASETS, spec.id, spec)
    with pytest.raises(DatasetNotFoundError, match=r"Could not download .*/missing.zip \(HTTPError\).*put the "
                                                   r"dataset's archive in .*synthetic-hapt"):
        spec.load()
