#!/usr/bin/env bash
# How long parleyd takes to exit after SIGTERM while a matching run is in progress.
#
# Starts a parleyd of BUILD_DIR on 127.0.0.1 (an OS-chosen port) with a fresh store, creates an
# event of ATTENDEES generated attendees (parley-loadgen --setup: import, a first matching run),
# starts a second run with the CLI, waits until the server reports it in the phase PHASE
# (candidates or scheduling; polled with `parley report`), sends SIGTERM, and prints one JSON line:
# the seconds from SIGTERM to exit (wall), parleyd's exit code, its CPU seconds after the signal,
# the grace given, and the latest run's phase and error as the restarted store shows them.
#
#   tools/loadgen/shutdown_bench.sh [BUILD_DIR]
#   env: ATTENDEES (60000), GRACE (10), PHASE (scheduling), PARLEYD (BUILD_DIR's parleyd),
#        KEEP_LOG (a path: parleyd's log is copied there at the end)
set -euo pipefail
. "$(dirname "$0")/await_parleyd.sh"
cd "$(dirname "$0")/../.."
build="${1:-build}"
attendees="${ATTENDEES:-60000}"
grace="${GRACE:-10}"
phase="${PHASE:-scheduling}"
parleyd="${PARLEYD:-$build/services/server/parleyd}"
cli="$build/clients/parley"

work="$(mktemp -d /tmp/parley-shutdown.XXXXXX)"
server=""
runner=""
cleanup() {
  if [ -n "$server" ] && ! kill -0 "$server" 2>/dev/null; then
    set +e
    wait "$server"
    echo "parleyd ended by itself with status $?" >&2
  fi
  if [ -n "$runner" ]; then kill "$runner" 2>/dev/null || true; fi
  if [ -n "$server" ]; then kill -KILL "$server" 2>/dev/null || true; fi
  if [ -n "${KEEP_LOG:-}" ]; then cp "$work/parleyd.log" "$KEEP_LOG" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

start_server() {
  rm -f "$work/port"
  "$parleyd" --listen 127.0.0.1:0 --data_dir "$work/data" --admin_token_file "$work/admin.token" \
    --port_file "$work/port" --log_level warning --grace_seconds "$grace" \
    2>>"$work/parleyd.log" &
  server=$!
  await_parleyd "$server" "$work/port" "$work/parleyd.log" 600
}

start_server
echo "parleyd on $target, store $work/data" >&2
"$build/tools/parley-loadgen" --target "$target" --setup "$attendees" \
  --admin-token-file "$work/admin.token" --tokens-file "$work/tokens.txt" >&2
admin=(--server "$target" --token-file "$work/admin.token")
community="$("$cli" "${admin[@]}" --json admin communities list |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["communities"][-1]["id"])')"
"$cli" "${admin[@]}" admin tokens issue --community "$community" --label shutdown-bench \
  >"$work/organiser.txt"
organiser="$(sed -n "s/^token: //p" "$work/organiser.txt" | head -1)"
org=(--server "$target" --token "$organiser")
event="$("$cli" "${org[@]}" --json events list |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["events"][-1]["id"])')"

"$cli" "${org[@]}" run --event "$event" --seed 2 --progress lines --timeout 900 \
  >"$work/run.txt" 2>&1 &
runner=$!
for _ in $(seq 1 6000); do
  grep -q "$phase" "$work/run.txt" && break
  sleep 0.05
done
grep -q "$phase" "$work/run.txt" || { cat "$work/run.txt" >&2; exit 1; }
cpu_before="$(awk '{print $14 + $15}' "/proc/$server/stat")"
load="$(cut -d' ' -f1 /proc/loadavg)"
t0="$(date +%s.%N)"
kill -TERM "$server"
# What a health check sees during the grace period.
health="$("$cli" --server "$target" --timeout 2 health 2>&1 || true)"
# CPU ticks are read from the last /proc sample before the process is gone.
cpu_after="$cpu_before"
while kill -0 "$server" 2>/dev/null; do
  cpu_after="$(awk '{print $14 + $15}' "/proc/$server/stat" 2>/dev/null || echo "$cpu_after")"
  sleep 0.02
done
t1="$(date +%s.%N)"
set +e
wait "$server"
code=$?
set -e
server=""
wait "$runner" 2>/dev/null || true
runner=""

# What the store says about the interrupted run after a restart (on a new port).
start_server
org=(--server "$target" --token "$organiser")
latest="$("$cli" "${org[@]}" --timeout 300 --json report --event "$event" --page-size 1 |
  python3 -c 'import json,sys; r=json.load(sys.stdin).get("run",{}); print(json.dumps({"phase": r.get("phase"), "error": r.get("error","")}))' ||
  echo '{}')"
kill -TERM "$server"
wait "$server" || true
server=""
python3 - "$t0" "$t1" "$code" "$cpu_before" "$cpu_after" "$grace" "$attendees" "$phase" \
  "$latest" "$load" "$health" <<'EOF'
import json, sys
t0, t1, code, c0, c1, grace, n, phase, latest, load, health = sys.argv[1:]
print(json.dumps({"attendees": int(n), "signalled_in": phase, "grace_seconds": int(grace),
                  "exit_seconds": round(float(t1) - float(t0), 2), "exit_code": int(code),
                  "cpu_seconds_after_signal": (int(c1) - int(c0)) / 100.0,
                  "load_average_1m": float(load), "health_after_signal": health.strip(),
                  "run_after_restart": json.loads(latest)}))
EOF
