#!/usr/bin/env bash
# Builds Octofleet (the dashboard needs Node.js 20+ and npm; SKIP_UI=1 builds without it), starts the server on its embedded PostgreSQL and a local agent enrolled with it, and prints
# where everything is. Ctrl-C stops both. Data lives in $OCTOFLEET_HOME (default ~/.octofleet) and survives restarts.
set -euo pipefail
cd "$(dirname "$0")"

export OCTOFLEET_HOME="${OCTOFLEET_HOME:-$HOME/.octofleet}"
HTTP_PORT="${OCTOFLEET_HTTP_PORT:-8080}"
export OCTOFLEET_HTTP_PORT="$HTTP_PORT"
AGENT_STATE="${OCTOFLEET_AGENT_STATE_DIR:-$OCTOFLEET_HOME/local-agent}"
API="http://127.0.0.1:$HTTP_PORT"

BUILD_ARGS=(-q -DskipTests package)
[ "${SKIP_UI:-}" = "1" ] && BUILD_ARGS+=(-Dskip.ui)
echo "==> Building (./mvnw ${BUILD_ARGS[*]})"
./mvnw "${BUILD_ARGS[@]}"

mkdir -p "$OCTOFLEET_HOME/logs"
echo "==> Starting the server (log: $OCTOFLEET_HOME/logs/server.log)"
java -jar server/target/octofleet-server.jar >>"$OCTOFLEET_HOME/logs/server.log" 2>&1 &
SERVER_PID=$!
AGENT_PID=""
cleanup() {
  [ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null || true
  kill "$SERVER_PID" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

for _ in $(seq 1 180); do
  if curl -fsS "$API/health" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "The server exited; last lines of its log:" >&2
    tail -n 40 "$OCTOFLEET_HOME/logs/server.log" >&2
    exit 1
  fi
  sleep 0.5
done
curl -fsS "$API/health" >/dev/null || { echo "server not healthy after 90 s" >&2; exit 1; }

if [ -n "${OCTOFLEET_ADMIN_PASSWORD:-}" ]; then
  PASSWORD="$OCTOFLEET_ADMIN_PASSWORD"; PASSWORD_SOURCE="the OCTOFLEET_ADMIN_PASSWORD you set"
elif [ -f "$OCTOFLEET_HOME/initial-admin-password" ]; then
  PASSWORD="$(cat "$OCTOFLEET_HOME/initial-admin-password")"; PASSWORD_SOURCE="$OCTOFLEET_HOME/initial-admin-password"
else
  PASSWORD=""; PASSWORD_SOURCE="(unknown: set OCTOFLEET_ADMIN_PASSWORD to the admin password)"
fi

json_field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

AGENT_ARGS=(run --state-dir "$AGENT_STATE")
if [ ! -f "$AGENT_STATE/agent.crt" ]; then
  [ -n "$PASSWORD" ] || { echo "Cannot enroll the local agent: $PASSWORD_SOURCE" >&2; exit 1; }
  echo "==> Enrolling the local agent"
  LOGIN_BODY=$(python3 -c 'import json,sys; print(json.dumps({"username":"admin","password":sys.argv[1]}))' "$PASSWORD")
  TOKEN=$(curl -fsS -H 'Content-Type: application/json' -d "$LOGIN_BODY" "$API/api/v1/auth/login" | json_field token)
  JOIN=$(curl -fsS -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d '{"ttlSeconds":600}' \
    "$API/api/v1/enrollment-tokens" | json_field joinString)
  AGENT_ARGS+=(--join "$JOIN")
fi
java -jar agent/target/octofleet-agent.jar "${AGENT_ARGS[@]}" >>"$OCTOFLEET_HOME/logs/agent.log" 2>&1 &
AGENT_PID=$!

cat <<INFO

Octofleet is running.
  Dashboard       : $API/   (open it in a browser; the local agent's node is under Nodes)
  Admin login     : user 'admin', password in $PASSWORD_SOURCE
  API             : $API/api/v1   (reference: docs/api.md; health: $API/health)
                    curl -s -H 'Content-Type: application/json' -d '{"username":"admin","password":"…"}' $API/api/v1/auth/login
  Local agent     : state in $AGENT_STATE, log in $OCTOFLEET_HOME/logs/agent.log
  Server log      : $OCTOFLEET_HOME/logs/server.log
Press Ctrl-C to stop both.
INFO
wait "$SERVER_PID"
