#!/usr/bin/env bash
# Scores the drafted timelines (scripts/drafteval.py, docs/drafteval.md) with
# the floors in tests/drafteval_floor.txt: a ratchet, raised with every gain,
# never lowered.
#   - always the repository's own channels, tests/data/drafteval;
#   - also a further evaluation set when DRAFTEVAL=DIR names one (a directory
#     with transcripts/ in the same format, kept outside the repository).
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
if [ -z "${DRAFTEVAL:-}" ]; then
    echo "drafteval: scored the repository's channels (DRAFTEVAL=DIR adds a further set)"
elif [ -d "$DRAFTEVAL/transcripts" ]; then
    score "$DRAFTEVAL" "dev_" --transcripts "$DRAFTEVAL/transcripts"
else
    echo "drafteval: DRAFTEVAL=$DRAFTEVAL has no transcripts/" >&2
    exit 1
fi
