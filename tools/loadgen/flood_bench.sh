#!/usr/bin/env bash
# Attendees' GetMyAgenda alone and during a flood of an organiser's GetQualityReport, on two
# parleyd binaries in one run (e.g. main's and this branch's), one after the other on the same
# machine, each with a fresh store and the same generated event (parley-loadgen --setup).
# Per binary and round: agenda alone, then agenda with FLOOD callers calling GetQualityReport;
# one JSON line each with the agenda's p50/p99/qps, the flood's calls and errors, and parleyd's
# CPU seconds over the measurement; then a summary line per binary with the same-run ratios.
#
#   tools/loadgen/flood_bench.sh BASE_PARLEYD [BUILD_DIR]
#   env: ATTENDEES (20000), SECONDS_PER_RPC (10), CONCURRENCY (32), FLOOD (8), ROUNDS (2)
set -euo pipefail
. "$(dirname "$0")/await_parleyd.sh"
cd "$(dirname "$0")/../.."
base="$1"
build="${2:-build}"
attendees="${ATTENDEES:-20000}"
seconds="${SECONDS_PER_RPC:-10}"
concurrency="${CONCURRENCY:-32}"
flood="${FLOOD:-8}"
rounds="${ROUNDS:-2}"
loadgen="$build/tools/parley-loadgen"

work="$(mktemp -d /tmp/parley-flood.XXXXXX)"
server=""
cleanup() {
  if [ -n "$server" ]; then kill -TERM "$server" 2>/dev/null || true; wait "$server" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

cpu() { awk '{print $14 + $15}' "/proc/$server/stat"; }  # ticks of 1/100 s

measure() {  # label binary
  local label="$1" binary="$2" dir="$work/$1"
  mkdir -p "$dir"
  "$binary" --listen 127.0.0.1:0 --data_dir "$dir/data" --admin_token_file "$dir/admin.token" \
    --port_file "$dir/port" --log_level warning 2>"$dir/parleyd.log" &
  server=$!
  await_parleyd "$server" "$dir/port" "$dir/parleyd.log"
  local event
  event="$("$loadgen" --target "$target" --setup "$attendees" \
    --admin-token-file "$dir/admin.token" --tokens-file "$dir/tokens.txt" \
    --organizer-token-file "$dir/organizer.token" | sed -n 's/.*"event_id":\([0-9]*\).*/\1/p')"
  # Measure once the server has been idle for a second (views and live state built).
  for _ in $(seq 1 120); do
    local before after
    before="$(cpu)"; sleep 1; after="$(cpu)"
    [ $((after - before)) -le 5 ] && break
  done
  for round in $(seq 1 "$rounds"); do
    for mode in alone flood; do
      local extra=()
      [ "$mode" = flood ] && extra=(--flood-reports "$flood" --organizer-token-file \
        "$dir/organizer.token" --event-id "$event")
      local c0 t0 out c1 t1
      c0="$(cpu)"; t0="$(date +%s.%N)"
      out="$("$loadgen" --target "$target" --rpc agenda --seconds "$seconds" \
        --concurrency "$concurrency" --tokens-file "$dir/tokens.txt" --json "${extra[@]}")"
      c1="$(cpu)"; t1="$(date +%s.%N)"
      python3 - "$label" "$mode" "$round" "$c0" "$c1" "$t0" "$t1" "$out" <<'PY'
import json, sys
label, mode, rnd, c0, c1, t0, t1, out = sys.argv[1:]
lines = [json.loads(l) for l in out.splitlines() if l.startswith("{")]
agenda = next(l for l in lines if l.get("rpc") == "agenda")
report = next((l for l in lines if l.get("rpc") == "report"), None)
print(json.dumps({"server": label, "mode": mode, "round": int(rnd),
                  "agenda_p50_us": agenda["p50_us"], "agenda_p99_us": agenda["p99_us"],
                  "agenda_qps": agenda["qps"], "agenda_errors": agenda["errors"],
                  "reports": report["requests"] if report else 0,
                  "report_qps": report["qps"] if report else 0,
                  "report_errors": report["errors"] if report else 0,
                  "report_p50_us": report["p50_us"] if report else 0,
                  "server_cpu_s": (int(c1) - int(c0)) / 100.0,
                  "wall_s": round(float(t1) - float(t0), 2)}), flush=True)
PY
    done
  done
  kill -TERM "$server"; wait "$server" || true; server=""
}

{
  measure base "$base"
  measure branch "$build/services/server/parleyd"
} | tee "$work/lines.jsonl"
python3 - "$work/lines.jsonl" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
for server in ("base", "branch"):
    def med(mode, key):
        return statistics.median(r[key] for r in rows if r["server"] == server and r["mode"] == mode)
    alone50, flood50 = med("alone", "agenda_p50_us"), med("flood", "agenda_p50_us")
    alone99, flood99 = med("alone", "agenda_p99_us"), med("flood", "agenda_p99_us")
    print(json.dumps({"summary": server,
                      "agenda_p50_us": [alone50, flood50], "agenda_p99_us": [alone99, flood99],
                      "p50_flood_vs_alone": round(flood50 / max(alone50, 1), 2),
                      "p99_flood_vs_alone": round(flood99 / max(alone99, 1), 2),
                      "qps_flood_vs_alone": round(med("flood", "agenda_qps") / med("alone", "agenda_qps"), 3),
                      "reports_per_s": med("flood", "report_qps"),
                      "report_errors": med("flood", "report_errors"),
                      "cpu_s_alone": med("alone", "server_cpu_s"),
                      "cpu_s_flood": med("flood", "server_cpu_s")}))
PY
