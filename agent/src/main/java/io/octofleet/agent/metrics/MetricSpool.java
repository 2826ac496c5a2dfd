package io.octofleet.agent.metrics;

import io.octofleet.proto.agent.v1.MetricBatch;
import io.octofleet.proto.agent.v1.MetricValue;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Metric batches on disk until the server acknowledges them: one file per batch, named by its sequence number and
 * sample count, written whole before it is sent (write to a temporary file, force, rename). Bounded: when the files
 * exceed the limit, the oldest batches are deleted and their samples counted; the next batch carries that count
 * ({@code dropped_samples_before}), so the server sees the gap. The spool id and the last sequence number survive
 * restarts; a new spool (state dir wiped) gets a new id, which is how the server tells it from a replay.
 */
public final class MetricSpool {
    private static final Logger LOG = LoggerFactory.getLogger(MetricSpool.class);
    private static final Pattern FILE = Pattern.compile("(\\d{20})-(\\d+)\\.batch");

    private record Entry(Path file, long bytes, int samples) {
    }

    private final Path dir;
    private final long maxBytes;
    private final String spoolId;
    private final NavigableMap<Long, Entry> batches = new TreeMap<>();
    private long lastSeq;
    private long droppedSinceLastBatch;
    private long droppedTotal;
    private long bytes;

    public MetricSpool(Path dir, long maxBytes) {
        if (maxBytes < 4 * 1024) {
            throw new IllegalArgumentException("metric spool limit must be at least 4 KiB, got " + maxBytes);
        }
        this.dir = dir;
        this.maxBytes = maxBytes;
        try {
            Files.createDirectories(dir);
            Path idFile = dir.resolve("spool.id");
            if (Files.exists(idFile)) {
                spoolId = Files.readString(idFile).strip();
            } else {
                spoolId = UUID.randomUUID().toString();
                writeAtomically(idFile, spoolId);
            }
            try (Stream<Path> files = Files.list(dir)) {
                for (Path file : (Iterable<Path>) files::iterator) {
                    Matcher m = FILE.matcher(file.getFileName().toString());
                    if (m.matches()) {
                        long size = Files.size(file);
                        batches.put(Long.parseLong(m.group(1)), new Entry(file, size, Integer.parseInt(m.group(2))));
                        bytes += size;
                    } else if (file.getFileName().toString().endsWith(".tmp")) {
                        Files.deleteIfExists(file);
                    }
                }
            }
            Path state = dir.resolve("state");
            if (Files.exists(state)) {
                String[] fields = Files.readString(state).strip().split(" ");
                lastSeq = Long.parseLong(fields[0]);
                droppedSinceLastBatch = Long.parseLong(fields[1]);
                droppedTotal = Long.parseLong(fields[2]);
            }
            if (!batches.isEmpty()) {
                lastSeq = Math.max(lastSeq, batches.lastKey());
            }
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot open the metric spool in " + dir + ": " + e.getMessage(), e);
        }
        if (!batches.isEmpty()) {
            LOG.info("Metric spool {} holds {} batches ({} bytes) not yet acknowledged", dir, batches.size(), bytes);
        }
    }

    public String id() {
        return spoolId;
    }

    /** Writes one sample set as the next batch, then drops the oldest batches while over the limit. */
    public synchronized MetricBatch append(Instant at, Collection<Metric> values) {
        MetricBatch.Builder batch = MetricBatch.newBuilder()
                .setSpoolId(spoolId)
                .setBatchSeq(lastSeq + 1)
                .setAtUnixMs(at.toEpochMilli())
                .setDroppedSamplesBefore(droppedSinceLastBatch);
        for (Metric metric : values) {
            batch.addValues(MetricValue.newBuilder().setName(metric.name()).setInstance(metric.instance())
                    .setValue(metric.value()));
        }
        MetricBatch built = batch.build();
        long seq = built.getBatchSeq();
        Path file = dir.resolve(String.format("%020d-%d.batch", seq, built.getValuesCount()));
        try {
            writeAtomically(file, built.toByteArray());
            lastSeq = seq;
            droppedSinceLastBatch = 0;
            batches.put(seq, new Entry(file, built.getSerializedSize(), built.getValuesCount()));
            bytes += built.getSerializedSize();
            while (bytes > maxBytes && batches.size() > 1) {
                Map.Entry<Long, Entry> oldest = batches.pollFirstEntry();
                delete(oldest.getValue());
                droppedSinceLastBatch += oldest.getValue().samples();
                droppedTotal += oldest.getValue().samples();
            }
            saveState();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write metric batch " + seq + " to " + dir, e);
        }
        return built;
    }

    /** Up to {@code max} of the oldest batches, skipping those in {@code except} (already sent, awaiting an ack). */
    public synchronized List<MetricBatch> oldest(int max, Set<Long> except) {
        List<MetricBatch> result = new ArrayList<>();
        for (Map.Entry<Long, Entry> e : new ArrayList<>(batches.entrySet())) {
            if (result.size() >= max) {
                break;
            }
            if (except.contains(e.getKey())) {
                continue;
            }
            try {
                result.add(MetricBatch.parseFrom(Files.readAllBytes(e.getValue().file())));
            } catch (IOException unreadable) {
                // A torn or corrupt file cannot be sent; count it as dropped rather than block the spool.
                LOG.warn("Dropping unreadable metric batch {}: {}", e.getValue().file(), unreadable.toString());
                batches.remove(e.getKey());
                delete(e.getValue());
                droppedSinceLastBatch += e.getValue().samples();
                droppedTotal += e.getValue().samples();
            }
        }
        return result;
    }

    /** The server has the batch (or refused it for good): forget it. */
    public synchronized void remove(long seq) {
        Entry entry = batches.remove(seq);
        if (entry != null) {
            delete(entry);
        }
    }

    public synchronized int size() {
        return batches.size();
    }

    public synchronized long bytes() {
        return bytes;
    }

    /** Samples dropped because the spool was full, since it was created. */
    public synchronized long droppedTotal() {
        return droppedTotal;
    }

    private void delete(Entry entry) {
        bytes -= entry.bytes();
        try {
            Files.deleteIfExists(entry.file());
        } catch (IOException e) {
            LOG.warn("Cannot delete {}: {}", entry.file(), e.toString());
        }
    }

    private void saveState() throws IOException {
        writeAtomically(dir.resolve("state"), lastSeq + " " + droppedSinceLastBatch + " " + droppedTotal);
    }

    private static void writeAtomically(Path target, String text) throws IOException {
        writeAtomically(target, text.getBytes(StandardCharsets.UTF_8));
    }

    private static void writeAtomically(Path target, byte[] data) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buffer = ByteBuffer.wrap(data);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(true);
        }
        try {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
