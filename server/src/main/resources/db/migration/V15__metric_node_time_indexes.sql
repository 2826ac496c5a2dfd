-- Native metric storage: index by node, then time, instead of by series, then time (docs/benchmarks.md, "The
-- series index").
--
-- metric_samples had (node_id, name, instance, time DESC) and the rollups' primary keys were
-- (node_id, name, instance, bucket): every series had its own place in the index where its next entry goes, so each
-- pass of the ingest and of the minute rollup touched one leaf page per series. 10,000 agents send ~430,000 series;
-- once each series fills a page of its own, 430,000 leaf pages (3.4 GB) change every 15 s, and the first change of
-- each after a checkpoint writes the whole page to the WAL. Measured on
-- this schema with 10,000 nodes x 43 series every 15 s, one pass grew from 1.4 s / 105 MB of WAL to 4.4 s / 1 GB
-- within 10 minutes, still growing with the partition (bench/series-index.sh).
--
-- Keyed by node first and time second, a node's batch (its series at one time) lands on the node's one insertion
-- point: 10,000 of them instead of 430,000. The same run stays at 1.2 s / 80 MB a pass. A read of one series passes
-- over its node's other series (name and instance are checked on the row for samples, in the key for rollups), on
-- few pages: a node's samples of one time are written together (ten minutes of one series: 0.06 ms -> 0.55 ms).
--
-- The rollups keep their key columns (ON CONFLICT names them as a set; the order does not matter) in the new order
-- (node_id, bucket, name, instance). TimescaleDB is left as it is: re-indexing a hypertable with compressed chunks
-- could not be tried on the build machines, which have no TimescaleDB (docs/metrics.md).
--
-- Rebuilding the indexes reads every partition: on a large database the first start after the upgrade takes a while
-- (docs/configuration.md, "Upgrades").
DO $migration$
BEGIN
    IF (SELECT kind FROM metric_storage) = 'native' THEN
        DROP INDEX metric_samples_series_idx;
        CREATE INDEX metric_samples_node_time_idx ON metric_samples (node_id, time);
        ALTER TABLE metric_1m DROP CONSTRAINT metric_1m_pkey;
        ALTER TABLE metric_1m ADD PRIMARY KEY (node_id, bucket, name, instance);
        ALTER TABLE metric_1h DROP CONSTRAINT metric_1h_pkey;
        ALTER TABLE metric_1h ADD PRIMARY KEY (node_id, bucket, name, instance);
    END IF;
END
$migration$;
