#!/usr/bin/env bash
# Starts the standalone fake-comfyui jar on a free port, runs both published-client runners with a
# txt2img against it, and checks that both report success. Builds nothing: package the jar first
# (mvn -B -pl fake-comfyui package). Installs the pinned npm packages (npm ci) when they are missing.
#
# usage: peers/run-against-fake.sh [workflow.json] [timeout-ms]
# env:   FAKE_JAR (default fake-comfyui/target/fake-comfyui.jar), FAKE_ARGS (extra jar options,
#        e.g. "--time-scale 10"), RESULTS_DIR (where the JSON result lines go; default a temp dir)
set -euo pipefail

peers_dir="$(cd "$(dirname "$0")" && pwd)"
root_dir="$(dirname "$peers_dir")"
workflow="${1:-$peers_dir/workflows/txt2img.json}"
timeout_ms="${2:-60000}"
jar="${FAKE_JAR:-$root_dir/fake-comfyui/target/fake-comfyui.jar}"
results="${RESULTS_DIR:-$(mktemp -d)}"
mkdir -p "$results"

command -v node >/dev/null || { echo "node is not on PATH (Node.js 20 or newer is needed)" >&2; exit 2; }
command -v java >/dev/null || { echo "java is not on PATH (Java 17 or newer is needed)" >&2; exit 2; }
[ -f "$jar" ] || { echo "fake server jar not found at $jar: run 'mvn -B -pl fake-comfyui package' first" >&2; exit 2; }
[ -f "$workflow" ] || { echo "workflow file not found: $workflow" >&2; exit 2; }
if [ ! -d "$peers_dir/node_modules/@saintno/comfyui-sdk" ] || [ ! -d "$peers_dir/node_modules/@stable-canvas/comfyui-client" ]; then
  echo "[peers] installing the pinned clients (npm ci)"
  (cd "$peers_dir" && npm ci --no-audit --no-fund --loglevel=error)
fi

# One fresh server per client: the same prompt sent twice to one server is fully cached the second
# time, which is a different scenario (and a known race in both SDKs, see docs/fake-comfyui.md).
server_pid=""
stop_server() {
  # Only the server this script started is ever stopped.
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}
trap stop_server EXIT

start_server() { # $1: log file; sets $url
  # shellcheck disable=SC2086 # FAKE_ARGS is a list of options on purpose
  java -jar "$jar" --port 0 ${FAKE_ARGS:-} >"$1" 2>&1 &
  server_pid=$!
  url=""
  for _ in $(seq 1 300); do
    url="$(sed -n 's/^fake-comfyui listening on \(http[^ ]*\).*$/\1/p' "$1" | head -1)"
    [ -n "$url" ] && return 0
    kill -0 "$server_pid" 2>/dev/null || { echo "fake server exited before it was ready:" >&2; cat "$1" >&2; exit 1; }
    sleep 0.1 # polling a child process's readiness line, bounded to 30 s
  done
  echo "fake server printed no 'listening on' line within 30 s:" >&2
  cat "$1" >&2
  exit 1
}

failed=0
for runner in saintno stable-canvas; do
  out="$results/$runner.json"
  start_server "$results/fake-comfyui-$runner.log"
  echo "[peers] fake-comfyui at $url for $runner (log: $results/fake-comfyui-$runner.log)"
  node "$peers_dir/$runner-runner.mjs" "$url" "$workflow" "$timeout_ms" >"$out" 2>"$results/$runner.stderr" || true
  summary="$(node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").pop());
    const ms = (r.finished - r.started).toFixed(0);
    console.log(`${r.client}: ${r.outcome} in ${ms} ms, ${r.events.length} events, ${r.requests} requests, outputs ${JSON.stringify(r.outputs)}`);
    process.exit(r.outcome === "success" && r.outputs.length > 0 && r.outputs.every(o => (o.bytes ?? 0) > 0) ? 0 : 1);
  ' "$out" 2>&1)" && ok=1 || ok=0
  if [ "$ok" = 1 ]; then
    echo "[peers] PASS $summary"
  else
    echo "[peers] FAIL $runner: $summary" >&2
    sed -n '1,40p' "$results/$runner.stderr" >&2
    failed=1
  fi
  stop_server
done
echo "[peers] results in $results"
exit "$failed"
