#!/usr/bin/env bash
# Measures agenda and suggestions against the health check in one run against one server:
# starts a parleyd of BUILD_DIR on 127.0.0.1 (an OS-chosen port) with a fresh store, creates an
# event of ATTENDEES generated attendees (parley-loadgen --setup: import, matching run, one token
# per attendee), then measures health, agenda and suggestions in turn, ROUNDS times, and prints
# one JSON line per measurement and a summary line with the ratios.
#
# With SCENARIO=live it runs the live event instead (parley-loadgen --scenario live): WATCHERS
# attendees watch their agendas while health, agenda and suggestions are read for a third of
# LIVE_SECONDS each and CHANGES_PER_SECOND accepts, declines and profile edits are made; then prints
# parleyd's peak RSS (VmHWM, setup included) and the CPU seconds it used during the scenario.
#
#   tools/loadgen/bench.sh [BUILD_DIR]
#   env: ATTENDEES (20000), SECONDS_PER_RPC (10), CONCURRENCY (32), CHANNELS (2), ROUNDS (2),
#        PARSE (false: responses taken as bytes for every RPC alike; true: parsed into messages)
#   SCENARIO=live: WATCHERS (20000), LIVE_SECONDS (30), CHANGES_PER_SECOND (20)
#   RESTART=1: after the setup, stop parleyd (SIGTERM) and measure a new one on the same store,
#     as after a restart or deploy (its live state and views are built at start); peak RSS is
#     then the new server's. LOG_LEVEL (warning): parleyd's --log_level (info logs slow repairs).
set -euo pipefail
. "$(dirname "$0")/await_parleyd.sh"
cd "$(dirname "$0")/../.."
build="${1:-build}"
attendees="${ATTENDEES:-20000}"
seconds="${SECONDS_PER_RPC:-10}"
concurrency="${CONCURRENCY:-32}"
channels="${CHANNELS:-2}"
rounds="${ROUNDS:-2}"
parse="${PARSE:-false}"

work="$(mktemp -d /tmp/parley-loadgen.XXXXXX)"
server=""
cleanup() {
  if [ -n "$server" ]; then kill -TERM "$server" 2>/dev/null || true; wait "$server" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

start_server() {
  rm -f "$work/port"
  "$build/services/server/parleyd" --listen 127.0.0.1:0 --data_dir "$work/data" \
    --admin_token_file "$work/admin.token" --port_file "$work/port" \
    --log_level "${LOG_LEVEL:-warning}" 2>>"$work/parleyd.log" &
  server=$!
  await_parleyd "$server" "$work/port" "$work/parleyd.log"
  echo "parleyd on $target, store $work/data" >&2
}
start_server

"$build/tools/parley-loadgen" --target "$target" --setup "$attendees" \
  --admin-token-file "$work/admin.token" --tokens-file "$work/tokens.txt" >&2
if [ "${RESTART:-}" = "1" ]; then
  kill -TERM "$server"; wait "$server" || true; server=""
  start_server
fi
# The server may still be working after the run (building its live state and the attendees'
# views): measure once it has been idle for a second, so that no measurement pays for that.
cpu() { awk '{print $14 + $15}' "/proc/$server/stat"; }
for _ in $(seq 1 600); do
  before="$(cpu)"; sleep 1; after="$(cpu)"
  [ $((after - before)) -le 5 ] && break  # <= 50 ms of CPU in that second (100 ticks/s)
done
echo "load before measuring: $(uptime)" >&2
if [ "${SCENARIO:-}" = "live" ]; then
  cpu_before="$(cpu)"
  log_lines="$(wc -l < "$work/parleyd.log")"
  "$build/tools/parley-loadgen" --target "$target" --scenario live --tokens-file "$work/tokens.txt" \
    --watchers "${WATCHERS:-20000}" --seconds "${LIVE_SECONDS:-30}" \
    --changes-per-second "${CHANGES_PER_SECOND:-20}" --concurrency "$concurrency" \
    --channels "$channels" --json
  echo "{\"parleyd_peak_rss_kb\":$(awk '/VmHWM/ {print $2}' "/proc/$server/status"),\"parleyd_cpu_seconds\":$(awk -v a="$cpu_before" -v b="$(cpu)" 'BEGIN {printf "%.1f", (b - a) / 100}')}"
  # The store's slow writes, fsyncs and write-lock holds (>= 50 ms, logged by parleyd) during
  # the scenario: a disk's stall or a long writer shows here, the rest of parleyd's work does not.
  { tail -n "+$((log_lines + 1))" "$work/parleyd.log" | grep -E "slow (write|fsync)|write lock held" || true; } |
    sed -E -e 's/.*: slow (write|fsync)[^,]*, ([0-9]+) ms.*/\1 \2/' -e 's/.*: write lock held ([0-9]+) ms.*/hold \1/' |
    awk '{n[$1]++; if ($2 > m[$1]) m[$1] = $2} END {printf "{\"slow_writes\":%d,\"slowest_write_ms\":%d,\"slow_fsyncs\":%d,\"slowest_fsync_ms\":%d,\"slow_holds\":%d,\"longest_hold_ms\":%d}\n", n["write"], m["write"], n["fsync"], m["fsync"], n["hold"], m["hold"]}'
  echo "load: $(uptime)" >&2
  exit 0
fi
"$build/tools/parley-loadgen" --target "$target" --rpc health,agenda,suggestions \
  --rounds "$rounds" --seconds "$seconds" --concurrency "$concurrency" --channels "$channels" \
  --parse="$parse" --tokens-file "$work/tokens.txt" --json
echo "load: $(uptime)" >&2
