"""The ``harbench`` command: ``list``, ``fetch``, ``run``, ``verify``, ``prune``, ``report`` and
``source-manifest``, and the deployment commands of `harbench.deploy.commands` (``fit``,
``predict``, ``sample-recording``, ...).

Every command drops the log lines that TensorFlow's C++ core writes straight to file descriptor
2 (`_native_logs_dropped`); ``HARBENCH_FRAMEWORK_LOGS=1`` keeps them. No environment variable
reaches all of them: absl writes every message logged before ``absl::InitializeLog()`` to
stderr whatever ``TF_CPP_MIN_LOG_LEVEL`` says (TensorFlow 2.21 logs "oneDNN custom operations
are on" that way from two libraries, each after absl's banner), and only
``TF_ENABLE_ONEDNN_OPTS=0`` silences that line, by switching off kernels that change a deep
learner's numerics. `harbench.models.deep.backend` quiets what the variables do reach.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import re
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import harbench
from harbench.deploy.commands import add_commands
from harbench.errors import HarbenchError, SuiteError

SHIPPED_SUITES = Path(harbench.__file__).resolve().parent / "suites"  # `harbench.runner.suite.SUITES_DIR`
FRAMEWORK_LOGS = "HARBENCH_FRAMEWORK_LOGS"  # set to 1 to see the frameworks' own log lines
# A line of C++ logging (absl or glog: "I0000 00:00:1796238676.033379    4486 port.cc:153] ...") or
# absl's banner before the first of them.
_NATIVE_LOG_LINE = re.compile(rb"[IWEF]\d{4} \d\d:\d\d:\d\d|WARNING: All log messages before absl::InitializeLog\(\)")


def _list(args: argparse.Namespace) -> None:
    from harbench.datasets import dataset_ids, get_dataset
    from harbench.models import pipeline_ids

    if args.what == "datasets":
        width = max(map(len, dataset_ids()))
        for dataset in dataset_ids():
            print(f"{dataset:{width}s}  {get_dataset(dataset).description}")
    elif args.what == "models":
        print("\n".join(pipeline_ids()))
    else:
        print("\n".join(sorted(path.stem for path in Path(args.suites_dir).glob("*.toml"))))


def _fetch(args: argparse.Namespace) -> None:
    from harbench.datasets import get_dataset

    archive = get_dataset(args.dataset).verify()
    print(f"{args.dataset}: {len(archive.names())} files verified in {archive.location}")


def _run(args: argparse.Namespace) -> None:
    from harbench.runner.executors import make_executor
    from harbench.runner.run import run_suite
    from harbench.runner.store import ResultStore
    from harbench.runner.suite import load_suite

    if len(args.suites) > 1 and (args.pipelines or args.seeds):
        raise SuiteError("--pipelines and --seeds select from one suite; name a single suite with them.")
    suites = [load_suite(name, Path(args.suites_dir)) for name in args.suites]  # every file checked first
    executor = make_executor(args.jobs, args.dask, args.dask_scheduler)
    for suite in suites:
        run_suite(suite, ResultStore(Path(args.results_dir)), pipelines=args.pipelines, seeds=args.seeds,
                  dry_run=args.dry_run, log=functools.partial(print, flush=True), executor=executor,
                  allow_dirty=args.allow_dirty, only_this_device=args.only_this_device)


def _verify(args: argparse.Namespace) -> int:
    from harbench.runner.store import ResultStore
    from harbench.runner.suite import load_suite
    from harbench.runner.verify import verify_suite

    suite = load_suite(args.suite, Path(args.suites_dir))
    verdicts = verify_suite(suite, ResultStore(Path(args.results_dir)), pipelines=args.pipelines, seeds=args.seeds,
                            sample=args.sample, log=functools.partial(print, flush=True))
    failed = [verdict for verdict in verdicts if not verdict.ok]
    identical = sum(verdict.status == "identical" for verdict in verdicts)
    elsewhere = sum(verdict.status == "elsewhere" for verdict in verdicts)
    print(f"{suite.name}: {identical} of {len(verdicts)} cells identical"
          + (f", {elsewhere} computed elsewhere (not recomputed here)" if elsewhere else "")
          + (f", {len(failed)} not reproduced." if failed else "."))
    return 1 if failed else 0


def _prune(args: argparse.Namespace) -> None:
    from harbench.runner.prune import prune
    from harbench.runner.store import ResultStore
    from harbench.runner.suite import load_suite

    suites = [load_suite(name, Path(args.suites_dir)) for name in args.suites]
    prune(suites, ResultStore(Path(args.results_dir)), dry_run=args.dry_run, log=functools.partial(print, flush=True))


def _report(args: argparse.Namespace) -> None:
    from harbench.reporting.report import write_reports
    from harbench.runner.store import ResultStore
    from harbench.runner.suite import load_suite

    suites = [load_suite(name, Path(args.suites_dir)) for name in args.suites]
    for path in write_reports(suites, ResultStore(Path(args.results_dir)), Path(args.reports_dir),
                              Path(args.suites_dir)):
        print(f"wrote {path}")


def _source_manifest(args: argparse.Namespace) -> None:
    from harbench.runner.environment import git_state
    from harbench.runner.run import DirtyTreeError
    from harbench.runner.source_manifest import write_source_manifest

    state = git_state()
    if state.clean is not True or not state.commit:
        where = f"uncommitted changes ({', '.join(state.changed[:5])})" if state.changed else "no git checkout"
        raise DirtyTreeError(f"harbench source-manifest: the harbench code has {where}; commit first, so that "
                             "the manifest names a commit that holds exactly this code.")
    manifest = write_source_manifest(Path(harbench.__file__).resolve().parent.parent, Path(args.file),
                                     state.commit)
    print(f"{args.file}: commit {state.commit[:12]}, {len(manifest['files'])} files; where the code runs without "
          f"git, set HARBENCH_SOURCE_MANIFEST={args.file}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="harbench", description="Reproducible human activity recognition "
                                     "benchmarks: classical feature pipelines, MiniRocket and deep learners.",
                                     epilog=f"The frameworks' own log lines (TensorFlow's C++ and absl logs) are "
                                     f"kept off stderr; set {FRAMEWORK_LOGS}=1 to see them.")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--suites-dir", default=str(SHIPPED_SUITES), help="folder of suite files (default: the "
                        "standard suites installed with harbench, harbench/suites)")
    common.add_argument("--results-dir", default="results", help="results store (default: results, in the "
                        "current folder)")
    commands = parser.add_subparsers(dest="command", required=True)

    listing = commands.add_parser("list", parents=[common], help="list datasets, models (pipeline ids) or suites")
    listing.add_argument("what", choices=["datasets", "models", "suites"],
                         help="datasets (ids and descriptions), models (every pipeline id, plugins included) or "
                         "suites (the files in --suites-dir)")
    listing.set_defaults(handler=_list)

    fetch = commands.add_parser("fetch", help="locate or download a dataset and verify every file")
    fetch.add_argument("dataset", help="dataset id, e.g. uci_har")
    fetch.set_defaults(handler=_fetch)

    run = commands.add_parser("run", parents=[common], help="compute every missing cell of a suite")
    run.add_argument("suites", nargs="+", metavar="SUITE", help="suite name (a file <name>.toml in --suites-dir) "
                     "or path to a .toml file; several run one after the other")
    run.add_argument("--pipelines", nargs="+", metavar="ID", help="only these pipelines of the suite")
    run.add_argument("--seeds", nargs="+", type=int, metavar="SEED", help="only these seeds of the suite")
    run.add_argument("--dry-run", action="store_true", help="show what would be computed, compute nothing")
    where = run.add_mutually_exclusive_group()
    where.add_argument("--jobs", type=int, metavar="N", help="run cells in N joblib worker processes (default: "
                       "one after the other in this process, the cleanest timings)")
    where.add_argument("--dask", action="store_true", help="run cells on a Dask LocalCluster started for this run "
                       "(one single-threaded worker per CPU)")
    where.add_argument("--dask-scheduler", metavar="ADDRESS", help="run cells on the existing Dask cluster whose "
                       "scheduler is at ADDRESS, e.g. tcp://host:8786")
    run.add_argument("--allow-dirty", action="store_true", help="compute even though the harbench checkout has "
                     "uncommitted changes (results are then marked as computed on a dirty tree)")
    run.add_argument("--only-this-device", action="store_true", help="compute deep-learner cells here even where "
                     "the same setting is stored as computed with another backend, device or thread count (by "
                     "default those results are reused, and reports say where they were computed)")
    run.set_defaults(handler=_run)

    verify = commands.add_parser("verify", parents=[common], help="recompute stored cells of a suite with the "
                                 "current code; exit 1 unless every one reproduces exactly")
    verify.add_argument("suite", help="suite name or path to a .toml file")
    verify.add_argument("--pipelines", nargs="+", metavar="ID", help="only these pipelines of the suite")
    verify.add_argument("--seeds", nargs="+", type=int, metavar="SEED", help="only these seeds of the suite")
    verify.add_argument("--sample", type=int, metavar="N", help="only N of the selected cells, drawn with a fixed "
                        "seed")
    verify.set_defaults(handler=_verify)

    prune = commands.add_parser("prune", parents=[common], help="remove stored cells of the suites' datasets and "
                                "protocols that the current code and suite files no longer plan")
    prune.add_argument("suites", nargs="+", metavar="SUITE", help="suite names or paths; give every suite that "
                       "shares a dataset and protocol, or the cells of the others are removed too")
    prune.add_argument("--dry-run", action="store_true", help="list what would be removed, remove nothing")
    prune.set_defaults(handler=_prune)

    report = commands.add_parser("report", parents=[common],
                                 help="write reports/<suite>.md, .csv, .runs.csv, .tex, figures and the "
                                 "reports/README.md index from stored results")
    report.add_argument("suites", nargs="+", metavar="SUITE", help="suite name or path to a .toml file; several are "
                        "reported one after the other (a suite whose stored inputs have not changed since its "
                        "report was written is left as it is)")
    report.add_argument("--reports-dir", default="reports", help="where to write (default: reports)")
    report.set_defaults(handler=_report)

    source = commands.add_parser("source-manifest", help="record the commit and every tracked file's hash of this "
                                 "clean checkout, so that a copy without git history (a GPU machine, a cluster "
                                 "node) stores results as computed at that commit")
    source.add_argument("file", help="where to write the manifest (JSON); name it in HARBENCH_SOURCE_MANIFEST "
                        "where the copy runs")
    source.set_defaults(handler=_source_manifest)
    add_commands(commands, common)
    return parser


def _forward(source: int, target: int) -> None:
    """Copy the lines read from ``source`` to ``target`` until every writer has closed
    ``source``, except the native log lines."""
    with open(source, "rb") as incoming, open(target, "wb") as outgoing:
        for line in incoming:
            if _NATIVE_LOG_LINE.match(line):
                continue
            try:
                outgoing.write(line)
                outgoing.flush()
            except OSError:  # stderr is gone (a closed terminal): keep reading so that no writer blocks
                pass


@contextlib.contextmanager
def _native_logs_dropped() -> Iterator[None]:
    """File descriptor 2 of this process, and of the worker processes it starts, becomes a pipe
    whose lines reach the real stderr unless they are native log lines. Python's own output
    (harbench's messages, warnings, tracebacks) passes unchanged, line by line."""
    if os.environ.get(FRAMEWORK_LOGS, "") not in ("", "0"):
        yield
        return
    try:
        target = os.dup(2)
    except OSError:  # no stderr: nothing to filter
        yield
        return
    source, pipe = os.pipe()
    sys.stderr.flush()
    os.dup2(pipe, 2)
    os.close(pipe)
    forwarder = threading.Thread(target=_forward, args=(source, target), name="harbench-stderr", daemon=True)
    forwarder.start()
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(target, 2)  # the pipe's last writer in this process is gone: the forwarder drains and ends
        forwarder.join(timeout=1)  # unless a worker process that is still alive holds the pipe too


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)  # finish like Ctrl-C: finished cells stay, no partial file
    with _native_logs_dropped():
        try:
            status = args.handler(args)
        except HarbenchError as error:
            print(f"harbench: error: {error}", file=sys.stderr)
            return 2
        except BrokenPipeError:  # the reader stopped early (`| head`): not an error
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - let the interpreter's final flush succeed
            return 0
        except KeyboardInterrupt:
            print("harbench: interrupted; finished cells are stored, rerun to resume.", file=sys.stderr)
            return 130
    return status or 0


if __name__ == "__main__":
    sys.exit(main())
