#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz) with clang and runs each for a
# bounded time on its seed corpus. Fails on any crash, leak, timeout or
# sanitizer report; prints the executions per target.
#   bash scripts/fuzz.sh [seconds-per-target]     (default 30)
# Options (env): BUILD_DIR (default build-fuzz), TARGETS (space-separated
# subset, e.g. "form command"), JOBS (parallel builds, default 2).
# Never waits for input (CI runs it with CI=true and no stdin): packages are
# installed with apt-get -y as root or with `sudo -n`, which fails instead of
# asking for a password.
set -euo pipefail
cd "$(dirname "$0")/.."
exec </dev/null

seconds="${1:-30}"
case "$seconds" in
    ''|*[!0-9]*|0) echo "usage: bash scripts/fuzz.sh [seconds-per-target, a positive integer]" >&2; exit 2 ;;
esac
dir="${BUILD_DIR:-build-fuzz}"
all_targets=(form slack_inbound mattermost_inbound command when export_reader mrkdwn config socket_frames)
read -r -a targets <<< "${TARGETS:-${all_targets[*]}}"

if ! command -v clang++ >/dev/null || ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
    echo "Installing clang and libFuzzer (clang libclang-rt-14-dev)"
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo -n"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -q
    $sudo apt-get install -y -q --no-install-recommends clang libclang-rt-14-dev
fi

# Every library gets the fuzzer's coverage instrumentation and the sanitizers.
cmake -S . -B "$dir" -G Ninja \
    -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DHINDSIGHT_TESTS=OFF -DHINDSIGHT_FUZZ=ON -DHINDSIGHT_SANITIZE=ON \
    -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link" -UCMAKE_PROJECT_hindsight_INCLUDE >/dev/null
build_start=$(date +%s)
# Only the fuzz targets asked for and the libraries they link: the service
# binary and the layers no target reaches are left out of this build.
fuzz_targets=()
for t in "${targets[@]}"; do fuzz_targets+=("fuzz_$t"); done
cmake --build "$dir" -j "${JOBS:-2}" --target "${fuzz_targets[@]}"
echo "== fuzz build took $(( $(date +%s) - build_start )) s"

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:symbolize=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
failed=()
summary=()
total=0
for t in "${targets[@]}"; do
    bin="$dir/fuzz/fuzz_$t"
    seeds="tests/fuzz/corpus/$t"
    work="$dir/fuzz-corpus/$t"       # grows across runs; seeds stay untouched
    artifacts="$dir/fuzz-artifacts/$t/"
    mkdir -p "$work" "$artifacts"
    log="$dir/fuzz-$t.log"
    echo "== fuzz_$t for ${seconds}s"
    status=0
    # -timeout: one input taking longer than 10 s is a hang, reported as a failure.
    "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        -print_final_stats=1 -artifact_prefix="$artifacts" "$work" "$seeds" >"$log" 2>&1 || status=$?
    runs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' || echo "?")
    [ "$runs" = "?" ] || total=$((total + runs))
    if [ "$status" -ne 0 ] || grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:' "$log"; then
        failed+=("$t")
        summary+=("$(printf '%-20s %12s executions  FAILED (exit %s, log %s)' "$t" "$runs" "$status" "$log")")
        grep -E 'ERROR|runtime error|SUMMARY|Test unit written' "$log" | head -20 || true
    elif [ "$runs" = "?" ]; then
        # No final stats: the target did not run its inputs (a broken build or start-up).
        failed+=("$t")
        summary+=("$(printf '%-20s %12s executions  FAILED (no final stats, log %s)' "$t" "$runs" "$log")")
        tail -20 "$log" || true
    else
        summary+=("$(printf '%-20s %12s executions  ok' "$t" "$runs")")
    fi
done

echo
echo "== fuzzing summary (${seconds}s per target)"
printf '%s\n' "${summary[@]}"
printf '%-20s %12s executions\n' "total" "$total"
if [ ${#failed[@]} -gt 0 ]; then
    echo "failed: ${failed[*]} (reproduce: $dir/fuzz/fuzz_<target> <artifact>)" >&2
    exit 1
fi
