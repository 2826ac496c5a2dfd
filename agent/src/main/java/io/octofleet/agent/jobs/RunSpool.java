package io.octofleet.agent.jobs;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import io.octofleet.proto.agent.v1.RunUpdate;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One run's updates not yet acknowledged, as length-delimited {@link RunUpdate}s appended to a file, each forced to
 * disk before it may be sent: a run_seq the server may have seen is never reused after a crash. A record torn by a
 * crash is cut off when the file is opened. Not thread-safe; its {@link JournaledRun} serializes calls.
 */
final class RunSpool {
    /** Where one update lies in the file. */
    record Entry(long seq, long offset, int length, RunUpdate.KindCase kind) {
    }

    private final Path file;
    private FileChannel channel;
    private final List<Entry> entries = new ArrayList<>();
    private long size;

    private RunSpool(Path file) {
        this.file = file;
    }

    /** Opens the spool, creating it (0600) if missing, and cuts off a torn last record. */
    static RunSpool open(Path file) throws IOException {
        RunSpool spool = new RunSpool(file);
        if (!Files.exists(file)) {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        }
        spool.index();
        return spool;
    }

    List<Entry> entries() {
        return Collections.unmodifiableList(entries);
    }

    long size() {
        return size;
    }

    /** The bytes {@code update} takes in the file. */
    static int sizeOf(RunUpdate update) {
        int length = update.getSerializedSize();
        return CodedOutputStream.computeUInt32SizeNoTag(length) + length;
    }

    /** Appends and forces {@code update}; on failure the file is left as it was. */
    void append(RunUpdate update) throws IOException {
        byte[] bytes = new byte[sizeOf(update)];
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        out.writeUInt32NoTag(update.getSerializedSize());
        update.writeTo(out);
        out.checkNoSpaceLeft();
        long offset = size;
        try {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                channel.write(buffer, offset + buffer.position());
            }
            channel.force(false);
        } catch (IOException e) {
            try {
                channel.truncate(offset);
            } catch (IOException ignored) {
                // The torn record is cut off when the spool is next opened.
            }
            throw e;
        }
        size = offset + bytes.length;
        int header = bytes.length - update.getSerializedSize();
        entries.add(new Entry(update.getRunSeq(), offset + header, update.getSerializedSize(), update.getKindCase()));
    }

    RunUpdate read(Entry entry) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(entry.length());
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, entry.offset() + buffer.position()) < 0) {
                throw new IOException("spool " + file + " ends inside the update " + entry.seq());
            }
        }
        return RunUpdate.parseFrom(buffer.flip());
    }

    /**
     * Rewrites the file keeping only the updates from {@code seq} on (the caller keeps the last acknowledged one, so
     * the file still tells where the run's numbering stands after a restart).
     *
     * @return the bytes freed
     */
    long keepFrom(long seq) throws IOException {
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(temporary);
        long before = size;
        try (FileChannel out = FileChannel.open(temporary, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString("rw-------"));
            for (Entry entry : entries) {
                if (entry.seq() >= seq) {
                    long from = entry.offset() - CodedOutputStream.computeUInt32SizeNoTag(entry.length());
                    long length = entry.offset() + entry.length() - from;
                    long copied = 0;
                    while (copied < length) {
                        copied += channel.transferTo(from + copied, length - copied, out);
                    }
                }
            }
            out.force(false);
        }
        channel.close();
        Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        RunJournal.forceDirectory(file.getParent());
        index();
        return before - size;
    }

    void close() {
        try {
            if (channel != null) {
                channel.close();
            }
        } catch (IOException ignored) {
            // Nothing was pending: every append was forced.
        }
    }

    private void index() throws IOException {
        entries.clear();
        long offset = 0;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 64 * 1024)) {
            while (true) {
                int first = in.read();
                if (first < 0) {
                    break;
                }
                int length;
                byte[] update;
                try {
                    length = CodedInputStream.readRawVarint32(first, in);
                    update = in.readNBytes(length);
                } catch (InvalidProtocolBufferException e) {
                    break;
                }
                if (length < 0 || update.length < length) {
                    break;
                }
                RunUpdate parsed;
                try {
                    parsed = RunUpdate.parseFrom(update);
                } catch (InvalidProtocolBufferException e) {
                    break;
                }
                int header = CodedOutputStream.computeUInt32SizeNoTag(length);
                entries.add(new Entry(parsed.getRunSeq(), offset + header, length, parsed.getKindCase()));
                offset += header + length;
            }
        }
        channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        if (channel.size() > offset) {
            // A record torn by a crash: it was never forced, so never sent.
            channel.truncate(offset);
            channel.force(false);
        }
        size = offset;
    }
}
