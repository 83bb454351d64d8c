#!/usr/bin/env bash
# Organiser reads at scale: starts a parleyd of BUILD_DIR on 127.0.0.1 with a fresh store, creates
# an event of ATTENDEES generated attendees (parley-loadgen --setup: import, a matching run, one
# token each), waits until the server is idle (its post-run warming done), then times REPEATS
# calls each of `parley report --event 1` (the first page) and `parley analytics --event 1`, then
# the same after WRITES attendees accepted a proposal each (commits the aggregates must follow).
# Prints one JSON line per call: {"call", "after_writes", "wall_ms", "server_cpu_ms"}, where
# server_cpu_ms is parleyd's utime+stime over the call (the CLI's own start-up is in wall_ms).
#   tools/loadgen/organiser_reads_bench.sh BUILD_DIR   # env: ATTENDEES REPEATS WRITES
set -euo pipefail
. "$(dirname "$0")/await_parleyd.sh"
build="${1:?usage: $0 BUILD_DIR}"
attendees="${ATTENDEES:-150000}"
repeats="${REPEATS:-3}"
writes="${WRITES:-20}"
work="$(mktemp -d /tmp/parley-organiser-reads.XXXXXX)"
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

"$build/services/server/parleyd" --listen 127.0.0.1:0 --data_dir "$work/data" \
  --admin_token_file "$work/admin.token" --port_file "$work/port" --log_level warning \
  --sync_writes=false 2>"$work/parleyd.log" &
server=$!
await_parleyd "$server" "$work/port" "$work/parleyd.log"
start=$(date +%s.%N)
"$build/tools/parley-loadgen" --target "$target" --setup "$attendees" \
  --admin-token-file "$work/admin.token" --tokens-file "$work/tokens.txt" \
  --organizer-token-file "$work/organiser.token" >&2
echo "setup: $(echo "$(date +%s.%N) - $start" | bc) s" >&2
cpu() { awk '{print $14 + $15}' "/proc/$server/stat"; }
idle() {  # at most 120 s: on a shared machine the server may never look idle
  for _ in $(seq 1 120); do
    before="$(cpu)"; sleep 1; after="$(cpu)"
    if [ $((after - before)) -le 5 ]; then break; fi
  done
  return 0
}
idle
echo "load before measuring: $(uptime)" >&2
parley() { "$build/clients/parley" --server "$target" --token-file "$work/organiser.token" "$@"; }
measure() {
  local name="$1" after_writes="$2"; shift 2
  local c0 t0 t1 c1
  c0="$(cpu)"; t0=$(date +%s%N)
  parley "$@" >"$work/out.txt"
  t1=$(date +%s%N); c1="$(cpu)"
  echo "{\"call\": \"$name\", \"attendees\": $attendees, \"after_writes\": $after_writes," \
    "\"wall_ms\": $(((t1 - t0) / 1000000)), \"server_cpu_ms\": $(((c1 - c0) * 10))}"
}
for _ in $(seq 1 "$repeats"); do
  measure report 0 report --event 1
  measure analytics 0 analytics --event 1
done
head -3 "$work/out.txt" >&2
# Attendees accept their first suggestion: commits that touch meetings.
head -n "$writes" "$work/tokens.txt" | while read -r token; do
  id=$("$build/clients/parley" --server "$target" --token "$token" --json suggestions |
    awk -F'"' '/"meeting_id"/ && !id {id = $4} END {print id}') || true
  [ -n "$id" ] && "$build/clients/parley" --server "$target" --token "$token" respond "$id" accept \
    >/dev/null || true
done
for _ in $(seq 1 "$repeats"); do
  measure report "$writes" report --event 1
  measure analytics "$writes" analytics --event 1
done
echo "load: $(uptime)" >&2
