#!/usr/bin/env bash
# Scores the drafted timelines on the incident evaluation set kept beside the
# repository (../shared/drafteval, or DRAFTEVAL=DIR) with the floor in
# tests/drafteval_floor.txt: a ratchet, raised with every gain, never lowered.
#   bash scripts/drafteval.sh            score build/hindsight (BIN=... for another)
# Fails when the score is below the floor; in CI also when the set is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
set_dir="${DRAFTEVAL:-../shared/drafteval}"
bin="${BIN:-build/hindsight}"
if [ ! -f "$set_dir/score.py" ]; then
    if [ "${CI:-}" = true ]; then
        echo "drafteval: no evaluation set at $set_dir" >&2
        exit 1
    fi
    echo "drafteval: no evaluation set at $set_dir (set DRAFTEVAL=DIR); skipped"
    exit 0
fi
floor() { sed -n "s/^$1=//p" tests/drafteval_floor.txt; }
python3 "$set_dir/score.py" --bin "$bin" --min-recall "$(floor min_recall)" --max-compression "$(floor max_compression)"
