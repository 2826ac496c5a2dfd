package io.octofleet.server.metrics;

/** How this database keeps time series; chosen by the V7 migration and recorded in {@code metric_storage}. */
public enum StorageKind {
    /** Hypertable, compression, continuous aggregates, policies run by TimescaleDB. */
    TIMESCALEDB,
    /** Range partitions and rollups maintained by the server ({@link NativeStorage}). */
    NATIVE
}
