#!/usr/bin/env bash
# Spine benchmarks: server cold start to ready on the embedded database, and the agent's idle footprint.
# Usage: bench/spine.sh [runs] [idle-seconds]   (needs the jars: ./mvnw -q -DskipTests package)
# Prints one line per figure; docs/benchmarks.md records them with the machine and date.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-3}"
IDLE="${2:-120}"
SERVER_JAR=server/target/octofleet-server.jar
AGENT_JAR=agent/target/octofleet-agent.jar
[ -f "$SERVER_JAR" ] && [ -f "$AGENT_JAR" ] || { echo "build first: ./mvnw -q -DskipTests package" >&2; exit 1; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/octofleet-bench.XXXXXX")
HTTP=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
GRPC=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
PASSWORD="bench-password-$$-$RANDOM"
PIDS=()
cleanup() { for p in "${PIDS[@]:-}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

now_ms() { date +%s%3N; }
median() { python3 -c 'import sys,statistics; v=[float(x) for x in sys.argv[1:]]; print(int(statistics.median(v)))' "$@"; }

# Starts the server on $1 (home); sets SERVER_PID and ELAPSED (ms from exec to the first 200 from /health).
start_server() {
  local home=$1 t0
  t0=$(now_ms)
  OCTOFLEET_HOME="$home" OCTOFLEET_HTTP_PORT=$HTTP OCTOFLEET_GRPC_PORT=$GRPC OCTOFLEET_ADMIN_PASSWORD="$PASSWORD" \
    java -jar "$SERVER_JAR" >>"$home.log" 2>&1 &
  SERVER_PID=$!
  until curl -fsS "http://127.0.0.1:$HTTP/health" >/dev/null 2>&1; do
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "server died: $(tail -20 "$home.log")" >&2; exit 1; }
    sleep 0.05
  done
  ELAPSED=$(( $(now_ms) - t0 ))
}
stop_server() { kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; }

cold=(); warm=()
for i in $(seq 1 "$RUNS"); do
  home="$WORK/home-$i"
  start_server "$home"; cold+=("$ELAPSED"); stop_server
  start_server "$home"; warm+=("$ELAPSED"); stop_server
done
echo "server cold start to ready (fresh OCTOFLEET_HOME: unpack + initdb + CA + migrations), median of $RUNS: $(median "${cold[@]}") ms  [${cold[*]}]"
echo "server warm start to ready (existing OCTOFLEET_HOME), median of $RUNS: $(median "${warm[@]}") ms  [${warm[*]}]"

# Agent idle footprint: enroll, let it settle, then sample RSS and CPU time over $IDLE seconds.
home="$WORK/home-agent"
start_server "$home"
PIDS+=("$SERVER_PID")
TOKEN=$(curl -fsS -H 'Content-Type: application/json' -d "{\"username\":\"admin\",\"password\":\"$PASSWORD\"}" \
  "http://127.0.0.1:$HTTP/api/v1/auth/login" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
join() { curl -fsS -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d '{}' \
  "http://127.0.0.1:$HTTP/api/v1/enrollment-tokens" | python3 -c 'import json,sys; print(json.load(sys.stdin)["joinString"])'; }

measure_agent() {
  local label=$1; shift
  local state="$WORK/agent-$label"
  java "$@" -jar "$AGENT_JAR" run --join "$(join)" --state-dir "$state" >"$state.log" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  sleep 30   # enrollment, first inventory, JIT warm-up
  local hz t0 t1 c0 c1 rss
  hz=$(getconf CLK_TCK)
  c0=$(awk '{print $14+$15}' "/proc/$pid/stat"); t0=$(now_ms)
  sleep "$IDLE"
  c1=$(awk '{print $14+$15}' "/proc/$pid/stat"); t1=$(now_ms)
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
  python3 -c "import sys; c=(int(sys.argv[2])-int(sys.argv[1]))/int(sys.argv[3]); s=(int(sys.argv[5])-int(sys.argv[4]))/1000; print(f'agent idle ({sys.argv[7]}): RSS {int(sys.argv[6])//1024} MiB, CPU {100*c/s:.2f}% of one core over {s:.0f} s')" \
    "$c0" "$c1" "$hz" "$t0" "$t1" "$rss" "$label"
  kill "$pid"; wait "$pid" 2>/dev/null || true
}
measure_agent defaults
# The JVM flags of the shipped systemd unit, read from it so the figure follows the unit.
read -r -a UNIT_FLAGS <<<"$(sed -n 's#^ExecStart=/usr/bin/java \(.*\) -Djna.tmpdir.*#\1#p' agent/packaging/octofleet-agent.service)"
echo "systemd unit JVM flags: ${UNIT_FLAGS[*]}"
measure_agent systemd-unit-flags "${UNIT_FLAGS[@]}"
