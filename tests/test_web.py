"""`harbench serve`: the JSON API through Flask's test client, and the page end to end in
headless Chromium (skipped, saying why, where Chromium and its driver are not installed)."""

import io
import itertools
import re
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from harbench.deploy.bundle import load_bundle
from harbench.deploy.sample import sample_recording
from harbench.deploy.web import create_app
from tests.conftest import SYNTHETIC_ID
from tests.synthetic_hapt import TEST_USERS
from tests.tiny_bundles import fit_quietly, tiny_suite


@pytest.fixture
def app(tmp_path, synthetic_data_dir):
    fit_quietly(tiny_suite(tmp_path, '[pipelines."handcrafted+logistic_regression"]\n'),
                "handcrafted+logistic_regression", tmp_path / "bundle")
    return create_app(load_bundle(tmp_path / "bundle"), max_upload_mb=0.5)


@pytest.fixture
def recording_bytes(synthetic_data_dir):
    return sample_recording(SYNTHETIC_ID, TEST_USERS[0]).to_csv(index=False).encode()


def _post(client, path, content, name="rec.csv", **form):
    return client.post(path, data={"recording": (io.BytesIO(content), name), **form},
                       content_type="multipart/form-data")


def test_the_api_returns_the_segments_and_the_timeline_as_json(app, recording_bytes):
    answer = _post(app.test_client(), "/predict", recording_bytes)
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["pipeline"] == "handcrafted+logistic_regression" and body["window_length"] == 64
    first = body["windows"][0]
    assert first["start_s"] == 0.0 and first["label"] in body["classes"]
    assert {f"prob_{name}" for name in body["classes"]} <= set(first)
    segments = body["segments"]
    assert set(segments[0]) == {"start_s", "end_s", "label", "n_windows", "mean_probability"}
    assert [label for segment in segments for label in [segment["label"]] * segment["n_windows"]] == [
        window["label"] for window in body["windows"]]
    assert segments[0]["start_s"] == 0.0 and segments[-1]["end_s"] == body["windows"][-1]["end_s"]
    assert all(a["end_s"] == b["start_s"] for a, b in itertools.pairwise(segments))


@pytest.mark.slow
@pytest.mark.parametrize("content, form, status, message", [
    (b"acc_x,acc_y\n1,2\n", {}, 400, "rec.csv: no column(s) acc_z"),
    (b"", {}, 400, "rec.csv: not a readable CSV file"),
    (None, {"fs": "fast"}, 400, "The sampling rate 'fast' is not a number"),
    (None, {"fs": "20"}, 400, "its time_s column says 50 Hz, but the sampling rate given is 20 Hz"),
    (b"x" * 600_000, {}, 413, "larger than 0.5 MB"),
])
def test_bad_uploads_get_a_4xx_with_a_readable_error(app, recording_bytes, content, form, status, message):
    answer = _post(app.test_client(), "/predict", recording_bytes if content is None else content, **form)
    assert answer.status_code == status
    assert message in answer.get_json()["error"]


def test_no_file_is_a_400_on_the_api_and_a_message_on_the_page(app):
    client = app.test_client()
    assert client.post("/predict", data={}).status_code == 400
    page = client.post("/", data={})
    assert page.status_code == 400 and b"No file uploaded" in page.data and b"Traceback" not in page.data


@pytest.mark.slow
def test_the_page_shows_segments_then_plot_then_the_folded_per_window_table_or_the_error(app, recording_bytes):
    client = app.test_client()
    shown = _post(client, "/", recording_bytes)
    assert shown.status_code == 200
    html = shown.data.decode()
    order = [html.index(marker) for marker in ('id="segments"', 'id="plot"', '<details id="windows"',
                                               '<div class="scroll">', 'id="timeline"', "</table>\n</div>\n</details>")]
    assert order == sorted(order), "segments first, then the plot, then the per-window table inside <details>"
    assert not html[:order[3]].count('id="timeline"'), "the per-window table appears once, folded"
    assert re.search(r"\.scroll \{[^}]*max-width: 100%;[^}]*overflow: auto;", html), "the wide table scrolls"
    segments = _post(client, "/predict", recording_bytes).get_json()["segments"]
    table = html[order[0]:html.index("</table>", order[0])]
    assert table.count("<tr>") == 1 + len(segments)  # header and one row per segment
    assert [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<td>(.*?)</td>", table)] == [
        segment["label"] for segment in segments]
    refused = _post(client, "/", b"acc_x;acc_y\n1;2\n", name="semicolons.csv")
    assert refused.status_code == 400 and b'class="error"' in refused.data and b"semicolons.csv" in refused.data


def _chromium():
    """A headless Chromium WebDriver, or a skip that says what is missing."""
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install selenium)")
    binary, driver = shutil.which("chromium") or shutil.which("chromium-browser"), shutil.which("chromedriver")
    if not binary or not driver:
        pytest.skip("headless Chromium test needs the Debian packages chromium and chromium-driver "
                    "(apt-get install chromium chromium-driver; .ci/run installs them where it can)")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    return webdriver.Chrome(options=options, service=Service(driver))


@pytest.fixture
def served(app):
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()


@pytest.mark.slow
def test_upload_plot_and_table_in_headless_chromium_and_a_malformed_csv_shows_its_error(served, recording_bytes,
                                                                                       tmp_path, monkeypatch):
    monkeypatch.setenv("SE_AVOID_STATS", "true")
    browser = _chromium()
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    good, bad = tmp_path / "walk.csv", tmp_path / "broken.csv"
    good.write_bytes(recording_bytes)
    bad.write_text("acc_x,acc_y,acc_z,gyro_x,gyro_y,gyro_z\n1,2,3,4,5,oops\n")
    try:
        browser.get(served)
        browser.find_element(By.ID, "recording").send_keys(str(good))
        browser.find_element(By.ID, "submit").click()
        plot = WebDriverWait(browser, 30).until(expected_conditions.presence_of_element_located((By.ID, "plot")))
        assert browser.execute_script("return arguments[0].naturalWidth", plot) > 100, "the plot image rendered"
        segments = browser.find_elements(By.CSS_SELECTOR, "#segments tbody tr")
        assert segments and segments[0].find_elements(By.TAG_NAME, "td")[3].text, "segments shown first"
        details = browser.find_element(By.ID, "windows")
        assert details.get_attribute("open") is None, "the per-window table starts folded"
        details.find_element(By.TAG_NAME, "summary").click()
        rows = browser.find_elements(By.CSS_SELECTOR, "#timeline tbody tr")
        assert len(rows) > 5 and rows[0].find_elements(By.TAG_NAME, "td")[2].text
        assert browser.execute_script("return document.documentElement.scrollWidth <= "
                                      "document.documentElement.clientWidth"), "nothing wider than the page"
        browser.find_element(By.ID, "recording").send_keys(str(bad))
        browser.find_element(By.ID, "submit").click()
        error = WebDriverWait(browser, 30).until(expected_conditions.presence_of_element_located((By.ID, "error")))
        assert "broken.csv: row 2, column 'gyro_z' holds 'oops'" in error.text
    finally:
        browser.quit()
