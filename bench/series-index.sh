#!/usr/bin/env bash
# The series index benchmark (docs/benchmarks.md, "The series index"): what one 15 s pass of 10,000 agents' metric
# samples (10,000 nodes x 43 series) and one minute's rollup of them cost PostgreSQL as the day's partition grows,
# with the index layout before V15 ("series": by node, name, instance, then time) and after it ("node": by node,
# then time). Plain SQL on a scratch PostgreSQL of its own, the same statements as the server's ingest and rollup.
# Usage: bench/series-index.sh [passes]     (default 40 passes = 10 minutes of samples per layout)
# Needs psql (Debian: postgresql-client) and the embedded PostgreSQL the build unpacks: ./mvnw -q -DskipTests package
set -euo pipefail
cd "$(dirname "$0")/.."
PASSES="${1:-40}"
BIN=$(ls -d server/target/codegen-pg/*/bin 2>/dev/null | head -1)
[ -n "$BIN" ] && [ -x "$BIN/postgres" ] || { echo "no embedded PostgreSQL under server/target/codegen-pg; build first" >&2; exit 1; }
command -v psql >/dev/null || { echo "psql is missing (Debian: apt-get install postgresql-client)" >&2; exit 1; }
WORK=$(mktemp -d "${TMPDIR:-/var/tmp}/octofleet-series-index.XXXXXX")
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# PostgreSQL refuses to run as root; a user namespace makes root an ordinary user for it.
AS=""
[ "$(id -u)" = 0 ] && AS="unshare -U"
cleanup() { $AS "$BIN/pg_ctl" -D "$WORK/data" -m fast stop >/dev/null 2>&1 || true; rm -rf "$WORK"; }
trap cleanup EXIT
$AS "$BIN/initdb" -D "$WORK/data" -U postgres -A trust >/dev/null
$AS "$BIN/pg_ctl" -D "$WORK/data" -o "-p $PORT -c listen_addresses=127.0.0.1 -c fsync=on" -l "$WORK/pg.log" -w start >/dev/null
P="psql -h 127.0.0.1 -p $PORT -U postgres -v ON_ERROR_STOP=1 -Atq"

$P <<'SQL'
CREATE TABLE nodes (seq int PRIMARY KEY, id uuid NOT NULL);
INSERT INTO nodes SELECT g, gen_random_uuid() FROM generate_series(1, 10000) g;
-- 43 series a node, as the simulated agents send (bench/load): CPU and cores, memory, file systems, disks, NICs, GPUs
CREATE TABLE series (name text, instance text);
INSERT INTO series VALUES ('cpu.usage', ''), ('mem.used.pct', ''), ('mem.available.bytes', ''), ('load.1', '');
INSERT INTO series SELECT 'cpu.core.usage', g::text FROM generate_series(0, 15) g;
INSERT INTO series SELECT 'fs.free.pct', m FROM unnest(ARRAY['/', '/var', '/home']) m;
INSERT INTO series SELECT n, d FROM unnest(ARRAY['disk.read.bps', 'disk.write.bps']) n, unnest(ARRAY['sda', 'sdb']) d;
INSERT INTO series SELECT n, d FROM unnest(ARRAY['nic.rx.bps', 'nic.tx.bps']) n, unnest(ARRAY['eth0', 'eth1']) d;
INSERT INTO series SELECT n, g::text FROM unnest(ARRAY['gpu.util', 'gpu.memory.used.bytes', 'gpu.temperature.c']) n,
    generate_series(0, 3) g;
-- one pass in arrival order: node after node, each node's batch (all its series at one time) together
CREATE TABLE pass AS SELECT n.id AS node_id, s.name, s.instance FROM nodes n CROSS JOIN series s ORDER BY n.seq;
-- the tables of V7/V14, once per layout
CREATE TABLE raw_series (time timestamptz NOT NULL, node_id uuid NOT NULL, name text NOT NULL, instance text NOT NULL,
    value double precision NOT NULL);
CREATE INDEX ON raw_series (node_id, name, instance, time DESC);
CREATE INDEX ON raw_series USING brin (time) WITH (autosummarize = on);
CREATE TABLE raw_node (LIKE raw_series);
CREATE INDEX ON raw_node (node_id, time);
CREATE INDEX ON raw_node USING brin (time) WITH (autosummarize = on);
CREATE TABLE m1_series (bucket timestamptz NOT NULL, node_id uuid NOT NULL, name text NOT NULL, instance text NOT NULL,
    value_avg double precision NOT NULL, value_min double precision NOT NULL, value_max double precision NOT NULL,
    samples bigint NOT NULL, PRIMARY KEY (node_id, name, instance, bucket));
CREATE INDEX ON m1_series (name, bucket);
CREATE INDEX ON m1_series USING brin (bucket) WITH (autosummarize = on);
CREATE TABLE m1_node (LIKE m1_series);
ALTER TABLE m1_node ADD PRIMARY KEY (node_id, bucket, name, instance);
CREATE INDEX ON m1_node (name, bucket);
CREATE INDEX ON m1_node USING brin (bucket) WITH (autosummarize = on);
SQL

ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
lsn() { $P -c "SELECT pg_current_wal_lsn()"; }
mb() { $P -c "SELECT round(pg_wal_lsn_diff('$2', '$1') / 1048576.0)"; }
T0="timestamptz '2026-12-07 00:00:00+00'"
for layout in series node; do
  $P -c "CHECKPOINT"
  for ((i = 0; i < PASSES; i++)); do
    l0=$(lsn); s=$(date +%s%N)
    $P -c "INSERT INTO raw_$layout SELECT $T0 + interval '$((i * 15)) seconds', node_id, name, instance, random() FROM pass"
    line="layout $layout pass $i insert_ms $(ms "$s")"; l1=$(lsn); line="$line wal_mb $(mb "$l0" "$l1")"
    if (( (i + 1) % 4 == 0 )); then
      m="$T0 + interval '$(( i / 4 )) minutes'"
      s=$(date +%s%N)
      $P -c "INSERT INTO m1_$layout (bucket, node_id, name, instance, value_avg, value_min, value_max, samples)
          SELECT date_trunc('minute', time), node_id, name, instance, avg(value), min(value), max(value), count(*)
          FROM raw_$layout WHERE time >= $m AND time < $m + interval '1 minute' GROUP BY 1, 2, 3, 4
          ON CONFLICT (node_id, name, instance, bucket) DO UPDATE SET value_avg = EXCLUDED.value_avg,
          value_min = EXCLUDED.value_min, value_max = EXCLUDED.value_max, samples = EXCLUDED.samples"
      line="$line rollup_ms $(ms "$s")"; l2=$(lsn); line="$line rollup_wal_mb $(mb "$l1" "$l2")"
    fi
    echo "$line"
  done
done
