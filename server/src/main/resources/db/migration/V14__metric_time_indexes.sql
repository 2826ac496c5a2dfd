-- Native metric storage: the minute rollup reads the samples of the last minute(s) (time >= … AND time < …), and the
-- hour rollup the minute buckets of the last hour(s). Neither had an index on time alone (the series index starts
-- with node_id), so every pass read the whole day's partition: 577,000 pages (4.5 GB, 2.7 s) per minute once a day
-- held 56 million samples, growing through the day (docs/benchmarks.md, "Metric rollups"). Samples arrive in time
-- order, so a BRIN index (a few pages per partition, next to nothing per insert) finds the minute's pages.
-- TimescaleDB's hypertables have their own time index; nothing to do there.
DO $migration$
BEGIN
    IF (SELECT kind FROM metric_storage) = 'native' THEN
        CREATE INDEX metric_samples_time_brin_idx ON metric_samples USING brin (time) WITH (autosummarize = on);
        CREATE INDEX metric_1m_bucket_brin_idx ON metric_1m USING brin (bucket) WITH (autosummarize = on);
    END IF;
END
$migration$;
