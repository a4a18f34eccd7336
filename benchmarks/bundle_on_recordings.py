"""Score model bundles on the raw recordings of their held-out subjects through the
`harbench predict` path, on the suite's own windows and on the timeline's sliding windows,
beside the suite's held-out accuracy. Usage: python benchmarks/bundle_on_recordings.py BUNDLE [BUNDLE ...]"""

import sys
from pathlib import Path

from harbench.deploy.bundle import load_bundle
from harbench.deploy.evaluate import held_out_recording_scores, pooled_accuracy


def main(paths: list[str]) -> None:
    print("bundle,suite_held_out_accuracy,recordings,suite_windows,accuracy_on_suite_windows,difference_points,"
          "timeline_windows,accuracy_on_timeline,difference_points")
    for path in paths:
        bundle = load_bundle(Path(path))
        scores = held_out_recording_scores(bundle)
        suite = bundle.info.held_out_accuracy
        cells = [path, f"{suite:.4f}", str(len(scores))]
        for kind in ("segment", "timeline"):
            accuracy, n_windows = pooled_accuracy(scores, kind)
            cells += [str(n_windows), f"{accuracy:.4f}", f"{(accuracy - suite) * 100:+.2f}"]
        print(",".join(cells), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
