#!/usr/bin/env bash
# Job fan-out benchmark: `true` on N simulated agents, time until every result is recorded (docs/benchmarks.md).
# Usage: bench/fanout.sh [fanout options]     e.g. bench/fanout.sh --agents 10,100,1000 --jobs 3 --out fanout.json
#        bench/fanout.sh --help               all options
# Needs the packaged server and bench jars: ./mvnw -o -q -DskipTests install
set -euo pipefail
cd "$(dirname "$0")/.."
for jar in server/target/octofleet-server.jar bench/target/octofleet-bench.jar; do
  [ -f "$jar" ] || { echo "missing $jar; build first: ./mvnw -o -q -DskipTests install" >&2; exit 1; }
done
# Every simulated agent holds a socket in this JVM and another in the server's: 1000 agents need ~1100 descriptors in
# each process, over the usual soft limit of 1024. Raise the soft limit to the hard one (the server inherits it).
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt 65536 ]; then
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || echo "warning: cannot raise ulimit -n above $(ulimit -n)" >&2
fi
exec java -jar bench/target/octofleet-bench.jar fanout "$@"
