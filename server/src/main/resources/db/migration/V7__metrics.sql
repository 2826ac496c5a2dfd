-- Live metrics (docs/metrics.md). One narrow table of samples and two rollups, with the same names and columns on
-- both storage paths, so every query (API, alerts, Grafana) serves both:
--
--   metric_samples (time, node_id, name, instance, value)                       raw samples
--   metric_1m / metric_1h (bucket, node_id, name, instance,
--                          value_avg, value_min, value_max, samples)            rollups
--
-- TimescaleDB (when the extension is installed or can be created): metric_samples is a hypertable with compression;
-- metric_1m and metric_1h are continuous aggregates (hierarchical: 1h is built from 1m, TimescaleDB >= 2.9). The
-- server applies retention and refresh policies at start (metrics.TimescaleStorage).
--
-- Native PostgreSQL (the embedded default and CI): all three are range-partitioned by time; the server creates
-- partitions ahead, drops those past retention and fills the rollups itself (metrics.NativeStorage).
--
-- metric_storage records which path this database took, so the server never has to guess.

CREATE TABLE metric_storage (
    only_row    boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    kind        text NOT NULL CHECK (kind IN ('timescaledb', 'native'))
);

DO $migration$
DECLARE
    timescale boolean := EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb');
BEGIN
    IF NOT timescale
       AND EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb')
       AND current_setting('shared_preload_libraries') LIKE '%timescaledb%' THEN
        BEGIN
            CREATE EXTENSION IF NOT EXISTS timescaledb;
            timescale := true;
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE WARNING 'timescaledb is installed but this user may not create it (%); using native partitioning. '
                'Run CREATE EXTENSION timescaledb as a superuser before the first start to use it.', SQLERRM;
        END;
    END IF;

    IF timescale THEN
        CREATE TABLE metric_samples (
            time        timestamptz NOT NULL,
            node_id     uuid NOT NULL,
            name        text NOT NULL,
            instance    text NOT NULL,
            value       double precision NOT NULL
        );
        PERFORM create_hypertable('metric_samples', 'time', chunk_time_interval => interval '1 day');
        CREATE INDEX metric_samples_series_idx ON metric_samples (node_id, name, instance, time DESC);
        ALTER TABLE metric_samples SET (timescaledb.compress,
            timescaledb.compress_segmentby = 'node_id, name, instance',
            timescaledb.compress_orderby = 'time DESC');
        PERFORM add_compression_policy('metric_samples', interval '1 day');

        EXECUTE $cagg$
            CREATE MATERIALIZED VIEW metric_1m WITH (timescaledb.continuous) AS
            SELECT time_bucket(interval '1 minute', time) AS bucket, node_id, name, instance,
                   avg(value) AS value_avg, min(value) AS value_min, max(value) AS value_max,
                   count(*) AS samples
            FROM metric_samples
            GROUP BY 1, 2, 3, 4
            WITH NO DATA
        $cagg$;
        EXECUTE $cagg$
            CREATE MATERIALIZED VIEW metric_1h WITH (timescaledb.continuous) AS
            SELECT time_bucket(interval '1 hour', bucket) AS bucket, node_id, name, instance,
                   sum(value_avg * samples) / sum(samples) AS value_avg, min(value_min) AS value_min,
                   max(value_max) AS value_max, sum(samples)::bigint AS samples
            FROM metric_1m
            GROUP BY 1, 2, 3, 4
            WITH NO DATA
        $cagg$;
        -- Real-time aggregation (off by default since TimescaleDB 2.13): the not yet materialized tail is computed
        -- from the raw rows at query time, so a rollup is never behind the samples it summarises.
        ALTER MATERIALIZED VIEW metric_1m SET (timescaledb.materialized_only = false);
        ALTER MATERIALIZED VIEW metric_1h SET (timescaledb.materialized_only = false);
        INSERT INTO metric_storage (kind) VALUES ('timescaledb');
    ELSE
        CREATE TABLE metric_samples (
            time        timestamptz NOT NULL,
            node_id     uuid NOT NULL,
            name        text NOT NULL,
            instance    text NOT NULL,
            value       double precision NOT NULL
        ) PARTITION BY RANGE (time);
        CREATE INDEX metric_samples_series_idx ON metric_samples (node_id, name, instance, time DESC);

        CREATE TABLE metric_1m (
            bucket      timestamptz NOT NULL,
            node_id     uuid NOT NULL,
            name        text NOT NULL,
            instance    text NOT NULL,
            value_avg   double precision NOT NULL,
            value_min   double precision NOT NULL,
            value_max   double precision NOT NULL,
            samples     bigint NOT NULL,
            PRIMARY KEY (node_id, name, instance, bucket)
        ) PARTITION BY RANGE (bucket);
        CREATE INDEX metric_1m_name_idx ON metric_1m (name, bucket);

        CREATE TABLE metric_1h (
            bucket      timestamptz NOT NULL,
            node_id     uuid NOT NULL,
            name        text NOT NULL,
            instance    text NOT NULL,
            value_avg   double precision NOT NULL,
            value_min   double precision NOT NULL,
            value_max   double precision NOT NULL,
            samples     bigint NOT NULL,
            PRIMARY KEY (node_id, name, instance, bucket)
        ) PARTITION BY RANGE (bucket);
        CREATE INDEX metric_1h_name_idx ON metric_1h (name, bucket);

        INSERT INTO metric_storage (kind) VALUES ('native');
    END IF;
END
$migration$;

-- Native path only: the earliest sample time stored since each rollup was last brought up to date. Ingest lowers
-- both (a late batch replayed from an agent's spool lowers them into the past); the rollup maintainer recomputes
-- every closed minute (hour) from there and moves the mark to the start of the open minute (hour).
CREATE TABLE metric_rollup_dirty (
    only_row            boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    dirty_from          timestamptz,
    dirty_hours_from    timestamptz
);
INSERT INTO metric_rollup_dirty (dirty_from, dirty_hours_from) VALUES (NULL, NULL);

-- The last batch stored per node and agent spool (session.proto, "Live metrics"): a batch is stored only when its
-- batch_seq is higher, in the same transaction that advances it, so a re-sent batch is stored once.
CREATE TABLE metric_cursors (
    node_id         uuid PRIMARY KEY REFERENCES nodes (id) ON DELETE CASCADE,
    spool_id        text NOT NULL,
    last_batch_seq  bigint NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- Permissions for what this migration adds: alert rules, channels and silences (alerts:manage) and the server's
-- own Prometheus metrics (server:metrics). Built-in admins get both; operators may manage alerts.
UPDATE roles SET permissions = permissions || ARRAY['alerts:manage', 'server:metrics']
WHERE id = '00000000-0000-0000-0000-00000000a001';
UPDATE roles SET permissions = permissions || ARRAY['alerts:manage']
WHERE id = '00000000-0000-0000-0000-00000000a002';
