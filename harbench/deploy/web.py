"""`harbench serve`: a small web app around one bundle (Flask).

``GET /`` is a page to upload a recording CSV and see its predicted activities: the activity
segments first (consecutive windows of one label merged, `activity_segments`), then the plot,
then the per-window table folded away in a ``<details>`` element that scrolls inside the page.
``POST /predict`` is the same as a JSON API (multipart field ``recording``, optional ``fs``):
``segments`` next to the per-window ``windows``. Uploads are size-limited and validated like
`harbench predict` input; a bad file gets its readable error on the page or a 4xx JSON answer,
never a stack trace.

For a bundle of video clips (`harbench.deploy.clip`) the same two routes take a video instead
(field ``clip``, ``.avi`` or ``.mp4``), made into the clip the model takes exactly as
`harbench predict` makes it: the page shows the predicted action, the class probabilities
(most likely first) and a strip of the frames the model saw; the API answers ``label``,
``probabilities`` and the bundle's ``clip``. A video sent to a bundle of windows, or a CSV to
a bundle of clips, is refused saying what the bundle takes.
For anything beyond a demo, serve ``create_app(load_bundle(path))`` with a WSGI server.
"""

from __future__ import annotations

import base64
import io

import pandas as pd
from flask import Flask, jsonify, render_template_string, request
from matplotlib.colors import to_hex
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from harbench.deploy.bundle import Bundle
from harbench.deploy.clip import (
    VIDEO_SUFFIXES,
    ClipPrediction,
    check_input,
    describe_clip,
    predict_clip,
    write_frame_strip,
)
from harbench.deploy.predict import Timeline, activity_colours, activity_segments, plot_timeline, predict_recording
from harbench.deploy.recording_csv import RecordingTable, read_recording
from harbench.errors import HarbenchError

DEFAULT_MAX_UPLOAD_MB = 5.0
SHOWN_ROWS = 500

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>harbench: {{ info.pipeline }}</title>
<style>
 body { font-family: system-ui, sans-serif; margin: 2rem; max-width: 72rem; }
 .error { color: #a00; border: 1px solid #a00; padding: .5rem 1rem; }
 table { border-collapse: collapse; font-size: .85rem; } td, th { border: 1px solid #ccc; padding: .2rem .5rem; }
 td.number { text-align: right; font-variant-numeric: tabular-nums; }
 .swatch { display: inline-block; width: .8em; height: .8em; margin-right: .4em; vertical-align: baseline; }
 .scroll { max-width: 100%; max-height: 32rem; overflow: auto; }
 summary { cursor: pointer; margin: 1rem 0 .5rem; }
 img { max-width: 100%; }
</style></head><body>
<h1>Activity recognition with <code>{{ info.pipeline }}</code></h1>
<p>Trained on <code>{{ info.dataset }}</code> ({{ info.suite }}, {{ info.protocol.name }} fold {{ info.fold }});
classes: {{ info.classes | join(", ") }}. Upload a CSV with one row per sample and the columns
<code>{{ info.channels | join(", ") }}</code>, sampled at {{ info.fs }} Hz (or give the rate, or add a
<code>time_s</code> column). Windows of {{ info.window_length }} samples every {{ info.window_step }} samples.
Largest upload: {{ max_mb }} MB.</p>
<form method="post" enctype="multipart/form-data">
 <input type="file" name="recording" id="recording" accept=".csv,text/csv" required>
 <label>sampling rate (Hz) <input type="text" name="fs" id="fs" size="6" placeholder="{{ info.fs }}"></label>
 <button type="submit" id="submit">Predict</button>
</form>
{% if error %}<p class="error" id="error">{{ error }}</p>{% endif %}
{% if plot %}
<h2>Activities in {{ filename }}</h2>
<p>{{ segments | length }} segments of consecutive windows with one predicted activity (from the start of a
segment's first window to the start of the next segment's).</p>
<table id="segments"><thead><tr><th>from (s)</th><th>to (s)</th><th>duration (s)</th><th>activity</th>
<th>windows</th>{% if has_probability %}<th>mean probability</th>{% endif %}</tr></thead>
<tbody>{% for segment in segments %}<tr><td class="number">{{ "%.2f" | format(segment.start_s) }}</td>
<td class="number">{{ "%.2f" | format(segment.end_s) }}</td>
<td class="number">{{ "%.2f" | format(segment.end_s - segment.start_s) }}</td>
<td><span class="swatch" style="background: {{ colours[segment.label] }}"></span>{{ segment.label }}</td>
<td class="number">{{ segment.n_windows }}</td>{% if has_probability %}
<td class="number">{{ "%.2f" | format(segment.mean_probability) }}</td>{% endif %}</tr>{% endfor %}</tbody>
</table>
<h2>Timeline</h2>
<img id="plot" alt="signal with the predicted activities as a coloured strip" src="data:image/png;base64,{{ plot }}">
<details id="windows"><summary>Every window: {{ n_windows }} windows{% if n_windows > shown %} (the first
{{ shown }} are listed){% endif %}, with the label and class probabilities of each</summary>
<div class="scroll">
<table id="timeline"><thead><tr>{% for column in columns %}<th>{{ column }}</th>{% endfor %}</tr></thead>
<tbody>{% for row in rows %}<tr>{% for value in row %}<td>{{ value }}</td>{% endfor %}</tr>{% endfor %}</tbody>
</table>
</div>
</details>
{% endif %}
</body></html>
"""


CLIP_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>harbench: {{ info.pipeline }}</title>
<style>
 body { font-family: system-ui, sans-serif; margin: 2rem; max-width: 72rem; }
 .error { color: #a00; border: 1px solid #a00; padding: .5rem 1rem; }
 table { border-collapse: collapse; font-size: .85rem; } td, th { border: 1px solid #ccc; padding: .2rem .5rem; }
 td.number { text-align: right; font-variant-numeric: tabular-nums; }
 img { max-width: 100%; image-rendering: pixelated; }
</style></head><body>
<h1>Action recognition with <code>{{ info.pipeline }}</code></h1>
<p>Trained on <code>{{ info.dataset }}</code> ({{ info.suite }}, {{ info.protocol.name }} fold {{ info.fold }});
classes: {{ info.classes | join(", ") }}. Upload a video ({{ suffixes | join(", ") }}): it is made into
{{ clip }}, sampled over its whole length and resized by area averaging, as the model's training clips were.
{% if info.clip.content == "silhouette" %}The model takes silhouette videos: the person white on a black
background.{% endif %} Largest upload: {{ max_mb }} MB.</p>
<form method="post" enctype="multipart/form-data">
 <input type="file" name="clip" id="clip" accept="{{ suffixes | join(',') }},video/*" required>
 <button type="submit" id="submit">Predict</button>
</form>
{% if error %}<p class="error" id="error">{{ error }}</p>{% endif %}
{% if prediction %}
<h2>{{ prediction.source }}: <span id="label">{{ prediction.label }}</span></h2>
{% if prediction.probabilities %}
<table id="probabilities"><thead><tr><th>action</th><th>probability</th></tr></thead>
<tbody>{% for name, probability in prediction.probabilities %}<tr><td>{{ name }}</td>
<td class="number">{{ "%.4f" | format(probability) }}</td></tr>{% endfor %}</tbody>
</table>
{% else %}<p>The model gives no class probabilities.</p>{% endif %}
<h2>The frames the model saw</h2>
<p>{{ prediction.clip | length }} of the video's {{ prediction.source_frames }} frames
({{ "%g" | format(prediction.fps) }} frames/s), in order.</p>
<img id="frames" alt="the sampled frames of the clip, in order" src="data:image/png;base64,{{ strip }}">
{% endif %}
</body></html>
"""


def _upload(field: str, what: str, bundle: Bundle) -> FileStorage:
    """The uploaded file in ``field``, checked to be what ``bundle`` takes (``what`` in messages)."""
    upload = request.files.get(field)
    if upload is None or not upload.filename:
        raise HarbenchError(f"No file uploaded: choose {what}.")
    check_input(bundle.info, upload.filename, bundle.path)
    return upload


def _recording(bundle: Bundle) -> RecordingTable:
    """The uploaded recording, checked; raises `HarbenchError` with a readable message."""
    upload = _upload("recording", "a recording CSV", bundle)
    fs_text = (request.form.get("fs") or request.args.get("fs") or "").strip()
    try:
        fs = float(fs_text) if fs_text else None
    except ValueError:
        raise HarbenchError(f"The sampling rate {fs_text!r} is not a number.") from None
    try:
        table = pd.read_csv(io.BytesIO(upload.read()), keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as error:
        raise HarbenchError(f"{upload.filename}: not a readable CSV file ({error}).") from error
    return read_recording(upload.filename, table, bundle.info.channels, fs=fs, default_fs=bundle.info.fs)


def _timeline_rows(timeline: Timeline) -> list[list[str]]:
    shown = timeline.table.head(SHOWN_ROWS)
    return [[f"{value:.3f}" if isinstance(value, float) else str(value) for value in row]
            for row in shown.itertuples(index=False)]


def _recording_page(bundle: Bundle) -> dict:
    """What the page shows of the uploaded recording."""
    recording = _recording(bundle)
    timeline = predict_recording(bundle, recording)
    image = io.BytesIO()
    plot_timeline(recording, timeline, bundle, image)
    segments = activity_segments(timeline.table)
    colours = {name: to_hex(colour) for name, colour in activity_colours(bundle.info.classes).items()}
    return dict(plot=base64.b64encode(image.getvalue()).decode(), filename=recording.source,
                segments=segments.to_dict(orient="records"), colours=colours,
                has_probability="mean_probability" in segments.columns,
                columns=list(timeline.table.columns), rows=_timeline_rows(timeline), n_windows=len(timeline.table))


def _recording_answer(bundle: Bundle) -> dict:
    """The API's answer for the uploaded recording."""
    timeline = predict_recording(bundle, _recording(bundle))
    info = bundle.info
    return dict(pipeline=info.pipeline, classes=info.classes, fs=info.fs, window_length=info.window_length,
                window_step=info.window_step, segments=activity_segments(timeline.table).to_dict(orient="records"),
                windows=timeline.table.to_dict(orient="records"))


def _clip_prediction(bundle: Bundle) -> ClipPrediction:
    """The bundle's prediction for the uploaded video (`harbench.deploy.clip.predict_clip`)."""
    upload = _upload("clip", f"a video ({', '.join(VIDEO_SUFFIXES)})", bundle)
    return predict_clip(bundle, upload.read(), upload.filename)


def _clip_page(bundle: Bundle) -> dict:
    """What the page shows of the uploaded video: the prediction and the strip of its frames."""
    prediction = _clip_prediction(bundle)
    image = io.BytesIO()
    write_frame_strip(prediction, bundle.info.units, image)
    return dict(prediction=prediction, strip=base64.b64encode(image.getvalue()).decode())


def _clip_answer(bundle: Bundle) -> dict:
    """The API's answer for the uploaded video."""
    prediction = _clip_prediction(bundle)
    probabilities = None if prediction.probabilities is None else [
        {"class": name, "probability": probability} for name, probability in prediction.probabilities]
    return dict(pipeline=bundle.info.pipeline, classes=bundle.info.classes, clip=bundle.info.clip,
                label=prediction.label, probabilities=probabilities, source_frames=prediction.source_frames,
                fps=prediction.fps)


def create_app(bundle: Bundle, max_upload_mb: float = DEFAULT_MAX_UPLOAD_MB) -> Flask:
    """The web app serving ``bundle`` (recordings, or videos for a bundle of clips); uploads over
    ``max_upload_mb`` are refused (413)."""
    app = Flask("harbench")
    app.config["MAX_CONTENT_LENGTH"] = int(max_upload_mb * 1024 * 1024)
    clips = bool(bundle.info.clip)
    too_large = f"The upload is larger than {max_upload_mb:g} MB; send a shorter {'video' if clips else 'recording'}."
    if clips:
        template, shown_of, answer_of = CLIP_PAGE, _clip_page, _clip_answer
        extra = dict(clip=describe_clip(bundle.info), suffixes=VIDEO_SUFFIXES)
    else:
        template, shown_of, answer_of, extra = PAGE, _recording_page, _recording_answer, {}

    def page(error: str | None = None, status: int = 200, **result):
        return render_template_string(template, info=bundle.info, max_mb=f"{max_upload_mb:g}", error=error,
                                      shown=SHOWN_ROWS, **extra, **result), status

    @app.get("/")
    def index():
        return page()

    def refuse(message: str, status: int):
        """A readable refusal: JSON from the API, the page with the message otherwise."""
        if request.path == "/predict":
            return jsonify(error=message), status
        return page(message, status)

    @app.post("/")
    def upload():
        try:
            return page(**shown_of(bundle))
        except HarbenchError as error:
            return refuse(str(error), 400)

    @app.post("/predict")
    def predict_api():
        try:
            return jsonify(**answer_of(bundle))
        except HarbenchError as error:
            return refuse(str(error), 400)

    @app.errorhandler(HTTPException)  # an oversized upload (413) among them, raised on reading the form
    def http_error(error: HTTPException):
        return refuse(too_large if isinstance(error, RequestEntityTooLarge) else error.description, error.code)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        app.logger.exception("unexpected error")
        return refuse("Something went wrong on the server while predicting; the error is in the server's log.", 500)

    return app
