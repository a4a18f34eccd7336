#!/usr/bin/env bash
# Step 3 of 3, here (see benchmarks/gpu/README.md): put results/ and reports/ back from $HOLD,
# then add the cells computed on the GPU machine (FILES_AT/cells.tar.gz) to results/. A file
# already there is kept (a cell's file name is its key: same key, same setting).
#
# usage: bash benchmarks/gpu/collect.sh FILES_AT     (the folder the device tool copied $OUT to)
set -euo pipefail
cd "$(dirname "$0")/../.."
HOLD="${HOLD:-/tmp/harbench-held}"
files_at="${1:?usage: collect.sh FILES_AT}"
if [ -d "$HOLD/results" ]; then
    rm -rf results reports
    mv "$HOLD/results" "$HOLD/reports" .
    rmdir "$HOLD"
elif [ ! -d results ]; then
    echo "collect.sh: no results/ here and none held in $HOLD (set HOLD to where prepare.sh moved it, or" \
         "restore it with 'git checkout -- results reports')." >&2
    exit 1
fi
if [ -f "$files_at/cells.tar.gz" ]; then
    tar xzf "$files_at/cells.tar.gz" -C results --skip-old-files
    echo "collect.sh: $(tar tzf "$files_at/cells.tar.gz" | grep -c 'cells/.*\.json$') cell record(s) from the GPU machine;" \
         "git status results shows the new ones"
fi
