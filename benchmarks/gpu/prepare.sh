#!/usr/bin/env bash
# Step 1 of 3, here: stage what a GPU machine without network or git history needs to compute
# harbench cells (see benchmarks/gpu/README.md):
#   .gpu/source.json   the commit and every tracked file's hash (`harbench source-manifest`), so the
#                      cells computed there record this commit and a clean tree;
#   .gpu/wheels/       pure or cp$PY wheels of harbench's requirements that the machine's image
#                      lacks (its package list: the device tool's KINDS.md), at the versions
#                      installed here where they are (about 21 MB), so every suite file loads
#                      there (a suite is checked by building each of its pipelines);
#   .gpu/datasets/     the dataset folders the suite reads, copied from HARBENCH_DATA_DIR.
# results/ and reports/ (tracked, ~50 MB) would push the copy over the machine's 64 MiB, so they
# are moved to $HOLD until collect.sh puts them back (`git checkout -- results reports` also
# restores them). Refuses while a `harbench run` may be writing to results/.
#
# usage: bash benchmarks/gpu/prepare.sh [DATASET_FOLDER ...]   (default: uci-hapt)
# environment: HARBENCH_DATA_DIR (required), PY (the GPU machine's Python, default 3.12),
#              HOLD (default /tmp/harbench-held)
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${HARBENCH_DATA_DIR:?set HARBENCH_DATA_DIR to the folder of the dataset folders}"
PY="${PY:-3.12}"
HOLD="${HOLD:-/tmp/harbench-held}"
STAGE=.gpu
DATASETS=("${@:-uci-hapt}")

for pid in $(pgrep -f "harbench run" || true); do   # one started here, or storing into this results/
    if [ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" = "$PWD" ] || tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "$PWD/results"; then
        echo "prepare.sh: 'harbench run' (pid $pid) may write to results/; wait for it or stop it first." >&2
        exit 1
    fi
done
if [ -e "$HOLD" ]; then
    echo "prepare.sh: $HOLD exists (an earlier prepare.sh without collect.sh?); put its results/ and reports/" \
         "back or remove it first." >&2
    exit 1
fi
rm -rf "$STAGE"
mkdir -p "$STAGE/wheels" "$STAGE/datasets"
python3 -m harbench source-manifest "$STAGE/source.json"   # refuses a checkout with uncommitted changes

# harbench's requirements (and theirs) missing from the GPU image; the same version as here where installed
MISSING="keras namex optree pooch platformdirs xgboost-cpu tsfresh stumpy aeon deprecated PyWavelets skops prettytable wcwidth"
pins="$(python3 - $MISSING <<'PY'
import sys
from importlib import metadata
for name in sys.argv[1:]:
    try:
        print(f"{name}=={metadata.version(name)}")
    except metadata.PackageNotFoundError:
        print(name)
PY
)"
# shellcheck disable=SC2086 # one requirement per word
python3 -m pip download --quiet --no-deps --only-binary=:all: --python-version "$PY" --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 \
    --platform manylinux2014_x86_64 -d "$STAGE/wheels" $pins
for dataset in "${DATASETS[@]}"; do
    cp -r "$HARBENCH_DATA_DIR/$dataset" "$STAGE/datasets/"
done

mkdir -p "$HOLD"
mv results reports "$HOLD/"
du -sh --exclude=.git --exclude=.venv --exclude=.tox . | sed 's/^/prepare.sh: the copy that travels: /'
echo "prepare.sh: now run benchmarks/gpu/run_cells.sh there with carry [\"$STAGE\"], then" \
     "benchmarks/gpu/collect.sh FILES_AT here (results/ and reports/ are in $HOLD until then)."
