#!/usr/bin/env bash
# Server instructions per acked ingest event, counted by callgrind: unlike
# events/s, the count hardly moves with the machine's load, so a change can be
# compared before/after on a shared machine. Starts `hindsight serve` under
# valgrind (instrumentation off until it listens), drives it with bench_ingest
# for a few seconds, and prints the total, the events, their ratio and the
# top inclusive costs. Needs a build-bench/ from scripts/bench.sh.
#
#   scripts/bench_instructions.sh [seconds] [connections]
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${BENCH_BUILD_DIR:-$root/build-bench}
seconds=${1:-15}
connections=${2:-16}
work=$(mktemp -d /tmp/hindsight-callgrind-XXXXXX)
trap 'rm -rf "$work"' EXIT

secret=$(sed -n 's/.*bench_signing_secret = "\([^"]*\)".*/\1/p' "$root/tests/bench/bench_support.hpp")
token=$(sed -n 's/.*bench_api_token = "\([^"]*\)".*/\1/p' "$root/tests/bench/bench_support.hpp")
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$work/config.json" <<EOF
{"listen":{"port":$port},"storage":{"path":"$work/hindsight.db"},"log":{"level":"info"},
 "slack":{"signing_secret":"$secret"},"api":{"token":"$token"}}
EOF

valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$work/callgrind.out" \
  "$build/hindsight" serve --config "$work/config.json" >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 120); do
  grep -q "listening on" "$work/server.log" && break
  sleep 1
done
callgrind_control -i on "$server" >/dev/null
"$build/tests/bench/bench_ingest" --port "$port" --db "$work/hindsight.db" --pid "$server" \
  --rate 0 --duration "$seconds" --connections "$connections" >"$work/result.txt" 2>"$work/bench.log"
callgrind_control -i off "$server" >/dev/null
kill -TERM "$server"
wait "$server" || true

events=$(awk '$1 == "RESULT" && $2 == "ingest.acked_per_s" { r = $3 } END { print r }' "$work/result.txt")
acked=$(sed -n 's/.*acked 200: \([0-9]*\)).*/\1/p' "$work/bench.log")
total=$(callgrind_annotate "$work/callgrind.out" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }')
grep -E "database:" "$work/bench.log"
echo "acked events: $acked (${events}/s under valgrind)"
echo "server instructions: $total"
awk -v t="$total" -v e="$acked" 'BEGIN { printf "server instructions per event: %.0f\n", t / e }'
callgrind_annotate --inclusive=yes "$work/callgrind.out" 2>/dev/null |
  grep -E "parse_events|Endpoints::events\(|write_batch|HMAC \[|Recorder::operator|Session::handle\(\)" |
  awk -v e="$acked" '{ n = $1; gsub(",", "", n); printf "%10.0f per event  %s\n", n / e, substr($0, index($0, "???:") + 4, 90) }'
