package io.octofleet.server.metrics;

import io.octofleet.server.nodes.NodeId;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * Stores metric batches from every agent session, each exactly once, and tells the sessions what is stored.
 *
 * <p>Batches go through one bounded queue to one writer thread, which writes up to {@value #MAX_BATCHES} batches
 * (or {@value #MAX_VALUES} samples) per transaction: the nodes' cursors are read and advanced in two statements,
 * the samples of the accepted batches go in with one {@code COPY}, and the rollups' dirty mark is lowered; one commit
 * for many agents. A batch whose sequence number the node's cursor already passed is acknowledged without being
 * stored again. When the queue is full the session is told to send the batch again later (the agent keeps it
 * spooled), so a slow database slows agents down instead of losing data or memory.
 */
@Singleton
public class MetricIngest {
    private static final Logger LOG = LoggerFactory.getLogger(MetricIngest.class);
    static final int MAX_BATCHES = 1000;
    static final int MAX_VALUES = 100_000;
    /** More than any host sends in one sample set (a 256-core host with 16 GPUs sends ~600). */
    public static final int MAX_VALUES_PER_BATCH = 20_000;
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]*(\\.[a-z0-9_]+){0,15}");
    private static final int MAX_NAME = 100;
    private static final int MAX_INSTANCE = 256;
    public static final String DROPPED = "agent.metrics.dropped";

    /** Receives the outcome of one batch, on the writer thread, after the commit. */
    public interface Receipt {
        /** Stored now, or already stored earlier. */
        void stored();

        /** Never storable as sent (the agent drops it); {@code reason} says why. */
        void refused(String reason);

        /** Not stored now (queue full, database down); the agent sends it again later. */
        void retryLater();
    }

    private record Pending(NodeId node, MetricBatch batch, Receipt receipt) {
    }

    private final DSLContext dsl;
    private final MetricsConfiguration config;
    private final boolean nativeRollups;
    private final Clock clock;
    private final BlockingQueue<Pending> queue;
    private final Thread writer;
    private final AtomicLong samplesStored = new AtomicLong();
    private final AtomicLong batchesStored = new AtomicLong();
    private final AtomicLong batchesDuplicate = new AtomicLong();
    private final AtomicLong lagMillis = new AtomicLong();
    private volatile boolean stopped;

    MetricIngest(DSLContext dsl, MetricsConfiguration config, MetricsMaintainer maintainer) {
        this.dsl = dsl;
        this.config = config;
        this.nativeRollups = maintainer.kind() == StorageKind.NATIVE;
        this.clock = Clock.systemUTC();
        this.queue = new ArrayBlockingQueue<>(config.ingestQueue());
        this.writer = new Thread(this::writeLoop, "octofleet-metric-ingest");
        this.writer.setDaemon(true);
        this.writer.start();
    }

    /** Queues a batch; the receipt is called once, from the writer thread (or at once when refused or full). */
    public void submit(NodeId node, MetricBatch batch, Receipt receipt) {
        String invalid = invalid(batch, clock.instant());
        if (invalid != null) {
            receipt.refused(invalid);
            return;
        }
        if (stopped || !queue.offer(new Pending(node, batch, receipt))) {
            receipt.retryLater();
        }
    }

    /** Samples stored since start. */
    public long samplesStored() {
        return samplesStored.get();
    }

    public long batchesStored() {
        return batchesStored.get();
    }

    /** Batches acknowledged without storing because they were stored before (re-sent after a lost ack). */
    public long batchesDuplicate() {
        return batchesDuplicate.get();
    }

    /** Batches waiting for the writer. */
    public int queued() {
        return queue.size();
    }

    /** How far behind the agents' clocks the last stored batch was, in milliseconds (sampling to commit). */
    public long lagMillis() {
        return lagMillis.get();
    }

    private String invalid(MetricBatch batch, Instant now) {
        if (batch.spoolId().isBlank() || batch.spoolId().length() > 64) {
            return "spool_id must be 1-64 characters";
        }
        if (batch.seq() < 1) {
            return "batch_seq must be 1 or more";
        }
        if (batch.values().size() > MAX_VALUES_PER_BATCH) {
            return "more than " + MAX_VALUES_PER_BATCH + " values in one batch";
        }
        if (batch.at().isAfter(now.plus(config.futureTolerance()))) {
            return "sampled at " + batch.at() + ", ahead of the server's clock by more than " + config.futureTolerance()
                    + " (fix the agent's clock)";
        }
        if (batch.at().isBefore(now.minus(config.rawRetention()))) {
            return "sampled at " + batch.at() + ", older than the raw retention (" + config.rawRetention() + ")";
        }
        for (MetricBatch.Value value : batch.values()) {
            if (value.name().length() > MAX_NAME || !NAME.matcher(value.name()).matches()) {
                return "invalid metric name '" + shorten(value.name()) + "' (dotted lower case, at most " + MAX_NAME + ")";
            }
            if (value.instance().length() > MAX_INSTANCE || value.instance().chars().anyMatch(c -> c < 0x20)) {
                return "invalid instance of " + value.name() + " (at most " + MAX_INSTANCE + " characters, no control characters)";
            }
            if (!Double.isFinite(value.value())) {
                return value.name() + " is not a finite number";
            }
        }
        return null;
    }

    private static String shorten(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "…" : s;
    }

    private void writeLoop() {
        List<Pending> drained = new ArrayList<>();
        while (!stopped) {
            try {
                Pending first = queue.poll(500, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                drained.add(first);
                int values = first.batch().values().size();
                while (drained.size() < MAX_BATCHES && values < MAX_VALUES) {
                    Pending next = queue.poll();
                    if (next == null) {
                        break;
                    }
                    drained.add(next);
                    values += next.batch().values().size();
                }
                write(drained);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.warn("Cannot store {} metric batches now; agents will send them again: {}", drained.size(), e.toString());
                drained.forEach(p -> p.receipt().retryLater());
            } finally {
                drained.clear();
            }
        }
    }

    /** Stores what is new among {@code pending} in one transaction; then tells each session. */
    void write(List<Pending> pending) {
        List<Pending> accepted = new ArrayList<>();
        List<Pending> duplicates = new ArrayList<>();
        long[] rows = new long[1];
        dsl.transaction(tx -> {
            DSLContext db = tx.dsl();
            accepted.clear();
            duplicates.clear();
            Map<UUID, Cursor> cursors = new HashMap<>();
            UUID[] nodes = pending.stream().map(p -> p.node().value()).distinct().toArray(UUID[]::new);
            // Nodes are read, not locked (heartbeats write them); the cursors of these nodes are locked, so two
            // replicas briefly holding sessions of one node still store each batch once.
            for (UUID id : db.fetch("SELECT id FROM nodes WHERE id = ANY(?)", (Object) nodes).getValues(0, UUID.class)) {
                cursors.put(id, new Cursor(null, null, false));
            }
            for (Record r : db.fetch("SELECT node_id, spool_id, last_batch_seq FROM metric_cursors "
                    + "WHERE node_id = ANY(?) FOR UPDATE", (Object) nodes)) {
                cursors.put(r.get(0, UUID.class), new Cursor(r.get(1, String.class), r.get(2, Long.class), false));
            }
            Map<UUID, Cursor> advanced = new LinkedHashMap<>();
            for (Pending p : pending) {
                Cursor cursor = cursors.get(p.node().value());
                if (cursor == null) {
                    duplicates.add(p); // the node was deleted: nothing to store it under
                    continue;
                }
                if (cursor.accepts(p.batch())) {
                    accepted.add(p);
                    cursor = new Cursor(p.batch().spoolId(), p.batch().seq(), true);
                    cursors.put(p.node().value(), cursor);
                    advanced.put(p.node().value(), cursor);
                } else {
                    duplicates.add(p);
                }
            }
            if (accepted.isEmpty()) {
                return;
            }
            List<UUID> ids = new ArrayList<>(advanced.keySet());
            db.execute("INSERT INTO metric_cursors (node_id, spool_id, last_batch_seq) "
                            + "SELECT * FROM unnest(?::uuid[], ?::text[], ?::bigint[]) "
                            + "ON CONFLICT (node_id) DO UPDATE SET spool_id = EXCLUDED.spool_id, "
                            + "last_batch_seq = EXCLUDED.last_batch_seq, updated_at = now()",
                    ids.toArray(UUID[]::new), ids.stream().map(id -> advanced.get(id).spoolId()).toArray(String[]::new),
                    ids.stream().map(id -> advanced.get(id).lastSeq()).toArray(Long[]::new));
            Instant earliest = null;
            StringBuilder copy = new StringBuilder(accepted.size() * 64 * 60);
            for (Pending p : accepted) {
                String time = DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(OffsetDateTime.ofInstant(p.batch().at(), ZoneOffset.UTC));
                String node = p.node().value().toString();
                for (MetricBatch.Value v : p.batch().values()) {
                    row(copy, time, node, v.name(), v.instance(), v.value());
                    rows[0]++;
                }
                if (p.batch().droppedBefore() > 0) {
                    row(copy, time, node, DROPPED, "", p.batch().droppedBefore());
                    rows[0]++;
                }
                if (earliest == null || p.batch().at().isBefore(earliest)) {
                    earliest = p.batch().at();
                }
            }
            db.connection(connection -> {
                try {
                    CopyIn in = connection.unwrap(PGConnection.class).getCopyAPI()
                            .copyIn("COPY metric_samples (time, node_id, name, instance, value) FROM STDIN");
                    byte[] bytes = copy.toString().getBytes(StandardCharsets.UTF_8);
                    in.writeToCopy(bytes, 0, bytes.length);
                    in.endCopy();
                } catch (SQLException e) {
                    throw new org.jooq.exception.DataAccessException("COPY into metric_samples failed: " + e.getMessage(), e);
                }
            });
            if (nativeRollups) {
                OffsetDateTime mark = OffsetDateTime.ofInstant(earliest, ZoneOffset.UTC);
                db.execute("UPDATE metric_rollup_dirty SET dirty_from = least(coalesce(dirty_from, ?::timestamptz), ?::timestamptz), "
                        + "dirty_hours_from = least(coalesce(dirty_hours_from, ?::timestamptz), ?::timestamptz)", mark, mark, mark, mark);
            }
        });
        Instant now = clock.instant();
        samplesStored.addAndGet(rows[0]);
        batchesStored.addAndGet(accepted.size());
        batchesDuplicate.addAndGet(duplicates.size());
        for (Pending p : accepted) {
            lagMillis.set(Math.max(0, now.toEpochMilli() - p.batch().at().toEpochMilli()));
            p.receipt().stored();
        }
        duplicates.forEach(p -> p.receipt().stored());
    }

    /** One row in COPY's text format: tab-separated, with backslash, tab and line breaks escaped. */
    private static void row(StringBuilder out, String time, String node, String name, String instance, double value) {
        out.append(time).append('\t').append(node).append('\t');
        escape(out, name);
        out.append('\t');
        escape(out, instance);
        out.append('\t').append(value).append('\n');
    }

    private static void escape(StringBuilder out, String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\t' -> out.append("\\t");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                default -> out.append(c);
            }
        }
    }

    /** The last batch stored for a node: a batch is new when it comes from another spool or has a higher seq. */
    private record Cursor(String spoolId, Long lastSeq, boolean advanced) {
        boolean accepts(MetricBatch batch) {
            return spoolId == null || !spoolId.equals(batch.spoolId()) || batch.seq() > lastSeq;
        }
    }

    @PreDestroy
    void stop() throws InterruptedException {
        stopped = true;
        writer.interrupt();
        writer.join(5000);
        Pending left;
        while ((left = queue.poll()) != null) {
            left.receipt().retryLater();
        }
    }
}
