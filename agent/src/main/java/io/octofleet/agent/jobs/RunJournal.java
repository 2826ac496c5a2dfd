package io.octofleet.agent.jobs;

import io.octofleet.proto.agent.v1.RunAssignment;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The runs this agent knows, in one directory ({@code <state-dir>/runs}, 0700): per run {@code <id>.assignment}
 * (written and forced before the run starts), {@code <id>.spool} (its {@link RunSpool}), and, once the server has
 * acknowledged everything up to the run's end, only {@code <id>.done}, a tombstone kept so that an assignment sent
 * again is still recognised, until it is pruned.
 *
 * <p>The assignment is kept without its spec and environment: a run is never started again from the journal, and
 * those may hold secrets (a vault password, extra vars).
 */
final class RunJournal {
    private static final String ASSIGNMENT = ".assignment";
    private static final String SPOOL = ".spool";
    private static final String DONE = ".done";

    private final Path directory;

    RunJournal(Path directory) throws IOException {
        this.directory = directory;
        if (!Files.isDirectory(directory)) {
            Files.createDirectories(directory,
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
    }

    Path directory() {
        return directory;
    }

    /** Whether the run was ever journaled here (and its tombstone not yet pruned). */
    boolean knows(RunId runId) {
        return Files.exists(file(runId, ASSIGNMENT)) || Files.exists(file(runId, DONE));
    }

    /** Journals the assignment durably: once this returns, a restarted agent knows the run. */
    void record(RunAssignment assignment) throws IOException {
        RunId runId = new RunId(assignment.getRunId());
        RunAssignment kept = assignment.toBuilder().clearSpec().clearEnvironment().build();
        Path target = file(runId, ASSIGNMENT);
        Path temporary = target.resolveSibling(target.getFileName() + ".tmp");
        Files.deleteIfExists(temporary);
        try (FileChannel out = FileChannel.open(temporary, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString("rw-------"));
            out.write(java.nio.ByteBuffer.wrap(kept.toByteArray()));
            out.force(true);
        }
        Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
        forceDirectory(directory);
    }

    RunSpool spool(RunId runId) throws IOException {
        return RunSpool.open(file(runId, SPOOL));
    }

    /** The runs journaled and not yet done, oldest first. */
    List<RunId> open() throws IOException {
        List<Path> assignments = new ArrayList<>();
        try (Stream<Path> files = Files.list(directory)) {
            files.filter(f -> f.getFileName().toString().endsWith(ASSIGNMENT)).forEach(assignments::add);
        }
        assignments.sort((a, b) -> {
            try {
                return Files.getLastModifiedTime(a).compareTo(Files.getLastModifiedTime(b));
            } catch (IOException e) {
                return a.compareTo(b);
            }
        });
        List<RunId> runs = new ArrayList<>();
        for (Path assignment : assignments) {
            String name = assignment.getFileName().toString();
            RunId runId = new RunId(name.substring(0, name.length() - ASSIGNMENT.length()));
            if (Files.exists(file(runId, DONE))) {
                // The agent stopped half-way through done().
                done(runId);
            } else {
                runs.add(runId);
            }
        }
        return runs;
    }

    /** Leaves only the tombstone: the server has everything up to the run's end. */
    void done(RunId runId) throws IOException {
        Path tombstone = file(runId, DONE);
        if (!Files.exists(tombstone)) {
            Files.createFile(tombstone, PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rw-------")));
        }
        forceDirectory(directory);
        Files.deleteIfExists(file(runId, ASSIGNMENT));
        Files.deleteIfExists(file(runId, SPOOL));
    }

    /** Removes tombstones older than {@code before}. */
    int prune(Instant before) throws IOException {
        int pruned = 0;
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                if (file.getFileName().toString().endsWith(DONE)
                        && Files.getLastModifiedTime(file).compareTo(FileTime.from(before)) < 0) {
                    Files.deleteIfExists(file);
                    pruned++;
                }
            }
        }
        return pruned;
    }

    private Path file(RunId runId, String suffix) {
        return directory.resolve(runId.value() + suffix);
    }

    /** Makes a file's creation, rename or removal in {@code directory} durable. */
    static void forceDirectory(Path directory) throws IOException {
        try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException e) {
            // Some file systems cannot sync a directory; the file's own force is then all there is.
            if (!Files.isDirectory(directory)) {
                throw e;
            }
        }
    }
}
