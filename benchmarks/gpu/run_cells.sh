#!/usr/bin/env bash
# Step 2 of 3, on the GPU machine, in the copy's root (see benchmarks/gpu/README.md): install the
# staged wheels, compute the named cells with Keras on JAX, and pack the new cell files into
# $OUT/cells.tar.gz (with the run's log in $OUT/run.log), also when the time limit stops the run
# (finished cells are complete files; a deep learner's cell in progress keeps its training state
# in /tmp/gpu-results/training-checkpoints, which is not packed: the next call on the still-warm
# machine resumes it from its last saved epoch).
#
# usage: bash benchmarks/gpu/run_cells.sh SECONDS SUITE [harbench run options ...]
#   e.g. bash benchmarks/gpu/run_cells.sh 480 uci_har_budgets --jobs 8 \
#            --pipelines resnet@paper deepconvlstm@paper lstm@paper cnn@ronao_cho
set -uo pipefail
cd "$(dirname "$0")/../.."
: "${OUT:?OUT must name the folder whose files come back}"
limit="$1"; shift
STAGE=.gpu
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site \
    "$STAGE"/wheels/*.whl || exit 1
export PYTHONPATH="/tmp/site:$PWD" KERAS_BACKEND=jax XLA_PYTHON_CLIENT_PREALLOCATE=false PYTHONUNBUFFERED=1 \
    HARBENCH_DATA_DIR="$PWD/$STAGE/datasets" HARBENCH_SOURCE_MANIFEST="$PWD/$STAGE/source.json" \
    HARBENCH_CACHE_DIR=/tmp/harbench-cache
nvidia-smi -L 2>&1 | tee "$OUT/run.log"
start=$(date +%s)
timeout --signal=TERM --kill-after=30 "$limit" python3 -m harbench run --results-dir /tmp/gpu-results "$@" \
    2>&1 | tee -a "$OUT/run.log"
echo "run_cells.sh: harbench run exit ${PIPESTATUS[0]} after $(( $(date +%s) - start )) s" | tee -a "$OUT/run.log"
mkdir -p /tmp/gpu-results
tar czf "$OUT/cells.tar.gz" --exclude=./training-checkpoints -C /tmp/gpu-results .
tar tzf "$OUT/cells.tar.gz" | grep -c 'cells/.*\.json$' | sed 's/^/run_cells.sh: cell records packed: /' | tee -a "$OUT/run.log"
