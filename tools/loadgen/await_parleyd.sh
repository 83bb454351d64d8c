# Sourced by the benchmark scripts of this directory (not run on its own).
#
# await_parleyd PID PORT_FILE LOG [TRIES]: waits, in steps of 0.1 s (TRIES of them, default 300),
# until the parleyd of PID has written its port to PORT_FILE (its --port_file), then sets
# `target` to 127.0.0.1:PORT. If parleyd exits first, or never writes the port, prints LOG to
# stderr and exits the calling script with status 1.
await_parleyd() {
  local pid="$1" port_file="$2" log="$3" tries="${4:-300}"
  for _ in $(seq 1 "$tries"); do
    [ -s "$port_file" ] && break
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
    sleep 0.1
  done
  if [ ! -s "$port_file" ]; then
    echo "parleyd (pid $pid) did not write its port to $port_file in time; its log:" >&2
    cat "$log" >&2
    exit 1
  fi
  target="127.0.0.1:$(cat "$port_file")"
}
