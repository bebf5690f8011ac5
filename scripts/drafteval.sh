#!/usr/bin/env bash
# Scores the drafted timelines (scripts/drafteval.py, docs/drafteval.md) with
# the floors in tests/drafteval_floor.txt: a ratchet, raised with every gain,
# never lowered.
#   - always the repository's own channels, tests/data/drafteval;
#   - also a development set beside the repository when there is one
#     (DRAFTEVAL=DIR, default ../shared/drafteval: a directory with transcripts/).
#   bash scripts/drafteval.sh            score build/hindsight (BIN=... for another)
# Fails when a score is below its floor, or DRAFTEVAL names a directory without transcripts.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${BIN:-build/hindsight}"
floor() { sed -n "s/^$1=//p" tests/drafteval_floor.txt; }
score() {  # label, floor prefix, scorer arguments...
    local label="$1" prefix="$2"
    shift 2
    echo "== drafteval: $label"
    python3 scripts/drafteval.py --bin "$bin" --min-recall "$(floor "${prefix}min_recall")" \
        --max-compression "$(floor "${prefix}max_compression")" "$@"
}

score "tests/data/drafteval" ""
set_dir="${DRAFTEVAL:-../shared/drafteval}"
if [ -d "$set_dir/transcripts" ]; then
    score "$set_dir" "dev_" --transcripts "$set_dir/transcripts"
elif [ -n "${DRAFTEVAL:-}" ]; then
    echo "drafteval: DRAFTEVAL=$DRAFTEVAL has no transcripts/" >&2
    exit 1
else
    echo "drafteval: no development set at $set_dir (DRAFTEVAL=DIR to name one); scored the repository's channels only"
fi
