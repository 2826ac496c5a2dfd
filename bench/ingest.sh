#!/usr/bin/env bash
# Metric ingest benchmark: samples/s through the server's real ingest path, and a raw COPY of the same rows into the
# same database in the same run (docs/benchmarks.md).
# Usage: bench/ingest.sh [ingest options]   e.g. bench/ingest.sh --agents 100 --batches 200 --out ingest.json
#        bench/ingest.sh --help             all options
# Needs the packaged server and bench jars: ./mvnw -o -q -DskipTests install
set -euo pipefail
cd "$(dirname "$0")/.."
for jar in server/target/octofleet-server.jar bench/target/octofleet-bench.jar; do
  [ -f "$jar" ] || { echo "missing $jar; build first: ./mvnw -o -q -DskipTests install" >&2; exit 1; }
done
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt 65536 ]; then
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || echo "warning: cannot raise ulimit -n above $(ulimit -n)" >&2
fi
exec java -jar bench/target/octofleet-bench.jar ingest "$@"
