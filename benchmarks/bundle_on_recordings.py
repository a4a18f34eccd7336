"""Score model bundles on the raw recordings of their held-out subjects, through the same path
as `harbench predict` (sliding windows over whole sessions), beside the suite's held-out
accuracy. Usage: python benchmarks/bundle_on_recordings.py BUNDLE [BUNDLE ...]"""

import sys
from pathlib import Path

from harbench.deploy.bundle import load_bundle
from harbench.deploy.evaluate import held_out_recording_scores, pooled_accuracy


def main(paths: list[str]) -> None:
    print("bundle,suite_held_out_accuracy,recordings,windows,recording_accuracy,difference_points")
    for path in paths:
        bundle = load_bundle(Path(path))
        scores = held_out_recording_scores(bundle)
        accuracy, n_windows = pooled_accuracy(scores)
        suite = bundle.info.held_out_accuracy
        print(f"{path},{suite:.4f},{len(scores)},{n_windows},{accuracy:.4f},{(accuracy - suite) * 100:+.2f}",
              flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
