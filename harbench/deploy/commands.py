"""The ``harbench`` commands that put a benchmarked pipeline to use: ``fit``, ``predict``,
``sample-recording``, ``export`` and ``serve``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from harbench.deploy.bundle import Bundle


def _fit(args: argparse.Namespace) -> None:
    from harbench.datasets.catalog import get_dataset
    from harbench.deploy.clip import describe_clip
    from harbench.deploy.fit import fit_bundle
    from harbench.runner.suite import load_suite

    suite = load_suite(args.suite, Path(args.suites_dir))
    out = Path(args.out or Path("models") / f"{suite.name}-{args.pipeline.replace('+', '-')}")
    info = fit_bundle(suite, args.pipeline, out, dataset=args.dataset, fold=args.fold,
                      results_dir=Path(args.results_dir))
    groups = get_dataset(info.dataset).groups
    held_out = "" if info.held_out_accuracy is None else (
        f"; accuracy on the {len(info.subjects['held_out'])} held-out {groups}: {info.held_out_accuracy:.4f}")
    takes = (f"clips of {describe_clip(info)}" if info.clip
             else f"windows of {info.window_length} samples at {info.fs:g} Hz")
    print(f"wrote {out} ({info.pipeline}, {len(info.classes)} classes, {takes}{held_out})")


def _predict(args: argparse.Namespace) -> None:
    import numpy as np

    from harbench.deploy.bundle import load_bundle
    from harbench.deploy.clip import check_input
    from harbench.deploy.predict import (
        activity_segments,
        format_segments,
        plot_timeline,
        predict_recording,
        segment_accuracy,
        stream,
        timeline_accuracy,
    )
    from harbench.deploy.recording_csv import read_recording

    bundle = load_bundle(Path(args.bundle))
    if bundle.info.clip:
        _predict_video(bundle, args)
        return
    check_input(bundle.info, args.recording, args.bundle)
    if args.recording == "-":
        if args.segments_out or args.plot or args.labels:
            print("note: streaming writes one line per window; --segments-out, --plot and --labels need a file",
                  file=sys.stderr)
        latencies = stream(bundle, sys.stdin, sys.stdout, fs=args.fs, columns=args.columns)
        if latencies:
            print(f"{len(latencies)} windows, median {np.median(latencies) * 1000:.2f} ms per window",
                  file=sys.stderr)
        return
    recording = read_recording(args.recording, None, bundle.info.channels, args.columns, args.fs,
                               default_fs=bundle.info.fs, label_column=args.labels)
    timeline = predict_recording(bundle, recording)
    segments = activity_segments(timeline.table)
    # the segments first, for the person at the console (stderr, so stdout stays the per-window CSV)
    print(format_segments(segments), file=sys.stderr, flush=True)
    if args.segments_out:
        segments.to_csv(args.segments_out, index=False, float_format="%.4f")
        print(f"wrote {args.segments_out}", file=sys.stderr)
    timeline.table.to_csv(args.out or sys.stdout, index=False, float_format="%.4f")
    if args.out:
        print(f"wrote {args.out}", file=sys.stderr)
    print(f"{len(timeline.table)} windows, {timeline.seconds_per_window * 1000:.2f} ms per window (batched)",
          file=sys.stderr)
    if args.labels:
        accuracy, n_windows = timeline_accuracy(timeline, recording, bundle.info.fs, bundle.info.window_length)
        print(f"accuracy on the {n_windows} timeline windows inside one labelled activity: {accuracy:.4f}",
              file=sys.stderr)
        accuracy, n_windows = segment_accuracy(bundle, recording)
        print(f"accuracy on the {n_windows} windows cut per labelled activity, as a suite cuts them: "
              f"{accuracy:.4f}", file=sys.stderr)
    if args.plot:
        plot_timeline(recording, timeline, bundle, Path(args.plot))
        print(f"wrote {args.plot}", file=sys.stderr)


RECORDING_OPTIONS = ("columns", "fs", "segments_out", "labels")


def _predict_video(bundle: Bundle, args: argparse.Namespace) -> None:
    """`harbench predict` of a clip bundle: the video's predicted class and class probabilities on
    stdout, what was made of the video on stderr; ``--out`` writes the probabilities as CSV and
    ``--plot`` the strip of the frames the model saw."""
    from harbench.deploy.clip import (
        check_input,
        describe_clip,
        format_prediction,
        predict_clip,
        read_video,
        write_frame_strip,
    )
    from harbench.errors import InputValidationError

    check_input(bundle.info, args.recording, args.bundle)
    given = [f"--{name.replace('_', '-')}" for name in RECORDING_OPTIONS if getattr(args, name)]
    if given:
        raise InputValidationError(f"{', '.join(given)}: for recordings only; {args.bundle} labels video clips, "
                                   "for which only --out and --plot apply.")
    prediction = predict_clip(bundle, read_video(args.recording), args.recording)
    print(f"{args.recording}: {prediction.source_frames} frames at {prediction.fps:g} frames/s, made into "
          f"{describe_clip(bundle.info)}", file=sys.stderr)
    print(format_prediction(prediction), flush=True)
    if args.out and prediction.probabilities is None:
        print(f"note: {args.out} not written: the model gives no class probabilities", file=sys.stderr)
    elif args.out:
        Path(args.out).write_text("class,probability\n" + "".join(
            f"{name},{p:.6f}\n" for name, p in prediction.probabilities))
        print(f"wrote {args.out}", file=sys.stderr)
    if args.plot:
        write_frame_strip(prediction, bundle.info.units, Path(args.plot))
        print(f"wrote {args.plot}", file=sys.stderr)


def _sample_recording(args: argparse.Namespace) -> None:
    from harbench.deploy.sample import sample_recording

    sample_recording(args.dataset, args.subject, args.session).to_csv(sys.stdout, index=False)


def _export(args: argparse.Namespace) -> None:
    import json
    from dataclasses import asdict

    from harbench.atomic import write_text_atomically
    from harbench.deploy.bundle import load_bundle
    from harbench.deploy.fit import held_out_windows
    from harbench.deploy.onnx_export import export_onnx

    bundle = load_bundle(Path(args.bundle))
    check = export_onnx(bundle, held_out_windows(bundle.info))
    write_text_atomically(Path(args.bundle) / "onnx-check.json", json.dumps(asdict(check), indent=2) + "\n")
    difference = ("" if check.max_probability_difference is None
                  else f", largest probability difference {check.max_probability_difference:.2e}")
    print(f"wrote {check.path} (input: {check.takes}); on {check.n_windows} held-out windows it agrees with the "
          f"bundle on {check.agreement:.2%}{difference}; batch-1 latency {check.latency_ms_bundle:.2f} ms (bundle) "
          f"vs {check.latency_ms_onnx:.2f} ms (onnxruntime)")


def _serve(args: argparse.Namespace) -> None:
    from harbench.deploy.bundle import load_bundle
    from harbench.deploy.web import create_app

    app = create_app(load_bundle(Path(args.bundle)), max_upload_mb=args.max_upload_mb)
    print(f"serving {args.bundle} on http://{args.host}:{args.port}/ (Ctrl-C stops)")
    app.run(host=args.host, port=args.port)


def add_commands(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Register the deployment commands on the ``harbench`` parser."""
    fit = commands.add_parser("fit", parents=[common], help="train one pipeline of a suite and save it as a "
                              "self-describing model bundle")
    fit.add_argument("suite", help="suite name or path to a .toml file")
    fit.add_argument("--pipeline", required=True, metavar="ID", help="the suite's pipeline to train")
    fit.add_argument("--dataset", metavar="ID", help="the suite's dataset to train on (needed when it has several)")
    fit.add_argument("--fold", type=int, default=0, help="train on this fold's training subjects (default 0; "
                     "under the official split: all training subjects)")
    fit.add_argument("--out", metavar="FOLDER", help="bundle folder (default: models/<suite>-<pipeline>)")
    fit.set_defaults(handler=_fit)

    predict = commands.add_parser("predict", help="label a recording CSV window by window, or a video clip "
                                  "(.avi, .mp4), with a model bundle")
    predict.add_argument("bundle", help="model bundle folder (from harbench fit)")
    predict.add_argument("recording", help="recording CSV, one row per sample; '-' streams samples from stdin "
                         "(header line first) and prints each window's label as soon as it is full. For a bundle "
                         "of clips: a video file, whose predicted action and class probabilities are printed")
    predict.add_argument("--columns", nargs="+", metavar="NAME", help="the CSV columns to use, in the order of "
                         "the bundle's channels (default: columns named like the channels)")
    predict.add_argument("--fs", type=float, metavar="HZ", help="the recording's sampling rate; resampled to the "
                         "bundle's rate when it differs (default: from a time_s column, else the bundle's rate)")
    predict.add_argument("--out", metavar="CSV", help="write the per-window timeline here (default: stdout); the "
                         "activity segments (consecutive windows of one label merged) are printed first, on stderr. "
                         "For a video: its class probabilities (class,probability)")
    predict.add_argument("--segments-out", metavar="CSV", help="also write the activity segments here "
                         "(start_s,end_s,label,n_windows[,mean_probability])")
    predict.add_argument("--plot", metavar="PNG", help="also draw the signal with a strip of the predicted "
                         "activities under it (and one of the true activities with --labels); for a video, a "
                         "strip of the frames the model saw")
    predict.add_argument("--labels", metavar="COLUMN", help="score the windows against this label column (and "
                         "draw the true activities in --plot)")
    predict.set_defaults(handler=_predict)

    export = commands.add_parser("export", help="export a bundle's model for devices and check it against the "
                                 "bundle on held-out windows")
    export.add_argument("bundle", help="model bundle folder (from harbench fit)")
    export.add_argument("--format", choices=["onnx"], default="onnx", help="export format (onnx)")
    export.set_defaults(handler=_export)

    serve = commands.add_parser("serve", help="a web page (and JSON API, POST /predict) that labels uploaded "
                                "recording CSVs, or video clips for a bundle of clips, with a bundle")
    serve.add_argument("bundle", help="model bundle folder (from harbench fit)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve.add_argument("--max-upload-mb", type=float, default=5.0, help="largest accepted upload (default 5 MB)")
    serve.set_defaults(handler=_serve)

    sample = commands.add_parser("sample-recording", help="write one session of a dataset's raw recordings as a "
                                 "recording CSV (stdout), with the true activity in a label column")
    sample.add_argument("dataset", help="a dataset of recordings: uci_har, hapt or usc_had")
    sample.add_argument("--subject", type=int, required=True, help="subject id")
    sample.add_argument("--session", type=int, help="session (experiment) id (default: the subject's first)")
    sample.set_defaults(handler=_sample_recording)
