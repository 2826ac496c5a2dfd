package io.octofleet.agent.identity;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Collection;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * Replaces several files in the state directory as one unit, so a crash leaves either the old set or the new set,
 * never a new key beside an old certificate.
 *
 * <p>How: every file is first written and synced as {@code <name>.new}; then an empty commit marker is created;
 * then each {@code .new} is renamed over its file and the marker removed. {@link #recover} runs before any read or
 * write: with a marker present the renames are finished (all new files were complete before the marker
 * existed), without one any {@code .new} files are leftovers of an unfinished write and are deleted.
 *
 * <p>Files are owner-only (0600) and the directory 0700 where the file system has POSIX permissions; on others (an
 * agent on Windows) the directory's inherited ACL applies.
 */
final class StateFiles {
    static final String COMMIT_MARKER = "identity.commit";
    private static final String NEW = ".new";
    private static final Set<PosixFilePermission> GROUP_OR_OTHER = EnumSet.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    private StateFiles() {
    }

    /** Writes all of {@code files} (name to content) into {@code dir} as one unit. */
    static void replaceAll(Path dir, Map<String, byte[]> files) throws IOException {
        createDirectory(dir);
        recover(dir, files.keySet());
        for (Map.Entry<String, byte[]> file : files.entrySet()) {
            writeSynced(dir.resolve(file.getKey() + NEW), file.getValue());
        }
        syncDirectory(dir);
        // The marker's existence is the commit point; creating an empty file cannot be torn by a crash.
        writeSynced(dir.resolve(COMMIT_MARKER), new byte[0]);
        syncDirectory(dir);
        finishCommit(dir, files.keySet());
    }

    /** Completes or discards a {@link #replaceAll} that a crash interrupted. */
    static void recover(Path dir, Collection<String> names) throws IOException {
        if (Files.exists(dir.resolve(COMMIT_MARKER))) {
            finishCommit(dir, names);
        }
        for (String name : names) {
            Files.deleteIfExists(dir.resolve(name + NEW));
        }
    }

    private static void finishCommit(Path dir, Collection<String> names) throws IOException {
        for (String name : names) {
            Path pending = dir.resolve(name + NEW);
            if (Files.exists(pending)) {
                Files.move(pending, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING,
                        StandardCopyOption.ATOMIC_MOVE);
            }
        }
        syncDirectory(dir);
        Files.deleteIfExists(dir.resolve(COMMIT_MARKER));
        syncDirectory(dir);
    }

    static void createDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            if (posix(dir)) {
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            }
        }
    }

    /** Throws when group or others may access {@code file}: a private key there is no longer a secret. */
    static void requireOwnerOnly(Path file) throws IOException {
        if (!posix(file)) {
            return;
        }
        Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
        if (permissions.stream().anyMatch(GROUP_OR_OTHER::contains)) {
            throw new IllegalStateException("refusing to use " + file + ": it is accessible to group or others (mode "
                    + PosixFilePermissions.toString(permissions) + "); run chmod 600 " + file);
        }
    }

    private static void writeSynced(Path file, byte[] content) throws IOException {
        Files.deleteIfExists(file);
        FileAttribute<?>[] attributes = posix(file.getParent())
                ? new FileAttribute<?>[]{PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))}
                : new FileAttribute<?>[0];
        try (FileChannel channel = FileChannel.open(file,
                Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), attributes)) {
            ByteBuffer buffer = ByteBuffer.wrap(content);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(true);
        }
    }

    /** Makes the renames durable; not every platform can open a directory (Windows cannot), hence best effort. */
    private static void syncDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // best effort, see above
        }
    }

    private static boolean posix(Path path) {
        return path.getFileSystem().supportedFileAttributeViews().contains("posix");
    }
}
