package io.octofleet.ansible.project;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Unpacks an Ansible project archive (a {@code .tar.gz}, ustar with PAX or GNU long names) into a directory, and
 * nowhere else: an entry with an absolute path, one whose path leaves the directory, one written through a link
 * that leads out, a symbolic link pointing out, a hard link or a device file rejects the whole archive. Files are
 * 0600 (0700 if the archive made them executable for their owner) and directories 0700: a project may hold secrets.
 * A limit on the total size and the number of entries stops an archive that would fill the disk.
 */
public final class ProjectArchive {
    private static final int BLOCK = 512;

    /**
     * How much an archive may unpack to: a small .tar.gz can expand enormously, so each caller bounds it for the disk
     * it writes to.
     */
    public record Limits(long maxUnpackedBytes, int maxEntries) {
        /** 1 GiB and 100,000 entries. */
        public static final Limits DEFAULT = new Limits(1L << 30, 100_000);
    }

    private ProjectArchive() {
    }

    /** {@link #unpack(byte[], Path, Limits)} with {@link Limits#DEFAULT}. */
    public static void unpack(byte[] archive, Path directory) throws InvalidProjectArchiveException, IOException {
        unpack(archive, directory, Limits.DEFAULT);
    }

    /**
     * @param directory created 0700 if it does not exist; if it does, it must be an empty directory
     * @throws InvalidProjectArchiveException if the archive is not a gzip'd tar, or an entry would land outside
     *     {@code directory}, or the archive is beyond {@code limits}; its message names the entry
     * @throws IOException if the files cannot be written, or {@code directory} exists and is not empty
     */
    public static void unpack(byte[] archive, Path directory, Limits limits)
            throws InvalidProjectArchiveException, IOException {
        if (Files.isDirectory(directory, LinkOption.NOFOLLOW_LINKS)) {
            try (var entries = Files.list(directory)) {
                if (entries.findAny().isPresent()) {
                    throw new IOException("cannot unpack a project archive into " + directory + ": not empty");
                }
            }
            Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwx------"));
        } else {
            Files.createDirectory(directory, PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwx------")));
        }
        Path root = directory.toRealPath();
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(archive))) {
            new Unpacking(in, root, limits).run();
        } catch (ZipException | EOFException e) {
            throw new InvalidProjectArchiveException("project archive is not a readable .tar.gz: " + e.getMessage());
        }
    }

    private static final class Unpacking {
        private final InputStream in;
        private final Path root;
        private final byte[] header = new byte[BLOCK];
        private long unpacked;
        private int entries;
        private String longName;
        private String longLink;

        private final Limits limits;

        Unpacking(InputStream in, Path root, Limits limits) {
            this.in = in;
            this.root = root;
            this.limits = limits;
        }

        void run() throws InvalidProjectArchiveException, IOException {
            while (readHeader()) {
                if (++entries > limits.maxEntries()) {
                    throw new InvalidProjectArchiveException("project archive has more than " + limits.maxEntries()
                            + " entries");
                }
                long size = octal(124, 12);
                char type = (char) header[156];
                switch (type) {
                    case 'x' -> pax(readData(size));
                    case 'g' -> readData(size);
                    case 'L' -> longName = cString(readData(size));
                    case 'K' -> longLink = cString(readData(size));
                    default -> entry(type, size);
                }
            }
        }

        private void entry(char type, long size) throws InvalidProjectArchiveException, IOException {
            String name = longName != null ? longName : name();
            String link = longLink != null ? longLink : field(157, 100);
            longName = null;
            longLink = null;
            Path target = inside(name);
            switch (type) {
                case '0', '\0', '7' -> file(name, target, size, (octal(100, 8) & 0100) != 0);
                case '5' -> {
                    directoryInside(name, target);
                    skip(size);
                }
                case '2' -> {
                    symlink(name, target, link);
                    skip(size);
                }
                case '1' -> throw new InvalidProjectArchiveException("project archive entry " + name
                        + " is a hard link; hard links are not supported");
                default -> throw new InvalidProjectArchiveException("project archive entry " + name
                        + " is not a file, directory or symbolic link (tar type '" + type + "')");
            }
        }

        /** The entry's path below the root, judged by its text alone. */
        private Path inside(String name) throws InvalidProjectArchiveException {
            String relative = name;
            while (relative.startsWith("./")) {
                relative = relative.substring(2);
            }
            if (name.isEmpty() || name.startsWith("/") || name.indexOf('\0') >= 0) {
                throw new InvalidProjectArchiveException("project archive entry " + name + " has an absolute or empty path");
            }
            Path target = root.resolve(relative).normalize();
            if (!target.startsWith(root)) {
                throw new InvalidProjectArchiveException("project archive entry " + name + " leaves the project directory");
            }
            return target;
        }

        /** Creates the parent directories and checks that, links followed, they are still inside the root. */
        private void parentInside(String name, Path target) throws InvalidProjectArchiveException, IOException {
            if (target.equals(root)) {
                return;
            }
            directoryInside(name, target.getParent());
        }

        private void directoryInside(String name, Path directory) throws InvalidProjectArchiveException, IOException {
            if (directory.equals(root)) {
                return;
            }
            parentInside(name, directory);
            if (!Files.exists(directory, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectory(directory, PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rwx------")));
            }
            if (!Files.isDirectory(directory)) {
                throw new InvalidProjectArchiveException("project archive entry " + name + " lies below a file");
            }
            if (!directory.toRealPath().startsWith(root)) {
                throw new InvalidProjectArchiveException("project archive entry " + name
                        + " lies below a link that leaves the project directory");
            }
        }

        private void file(String name, Path target, long size, boolean executable)
                throws InvalidProjectArchiveException, IOException {
            parentInside(name, target);
            unpacked += size;
            if (unpacked > limits.maxUnpackedBytes()) {
                throw new InvalidProjectArchiveException("project archive unpacks to more than "
                        + limits.maxUnpackedBytes() / (1024 * 1024) + " MiB");
            }
            if (Files.isSymbolicLink(target) || Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS)) {
                // A later entry of the same name replaces the earlier one, as tar does; never write through a link.
                Files.delete(target);
            }
            try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
                Files.setPosixFilePermissions(target,
                        PosixFilePermissions.fromString(executable ? "rwx------" : "rw-------"));
                copy(size, out);
            }
            skip(padding(size));
        }

        private void symlink(String name, Path target, String link) throws InvalidProjectArchiveException, IOException {
            parentInside(name, target);
            if (link.isEmpty() || link.startsWith("/")) {
                throw new InvalidProjectArchiveException("project archive entry " + name + " links to an absolute path " + link);
            }
            // Judged from where the link really is, its parent's links already followed.
            Path pointsTo = target.getParent().toRealPath().resolve(link).normalize();
            if (!pointsTo.startsWith(root)) {
                throw new InvalidProjectArchiveException("project archive entry " + name + " links to " + link
                        + ", outside the project directory");
            }
            Files.deleteIfExists(target);
            Files.createSymbolicLink(target, Path.of(link));
        }

        private boolean readHeader() throws IOException {
            if (in.readNBytes(header, 0, BLOCK) < BLOCK) {
                return false;
            }
            for (byte b : header) {
                if (b != 0) {
                    return true;
                }
            }
            // The end: two zero blocks (the second is not needed to know).
            return false;
        }

        private String name() {
            String name = field(0, 100);
            String prefix = "ustar".equals(field(257, 5)) ? field(345, 155) : "";
            return prefix.isEmpty() ? name : prefix + "/" + name;
        }

        /** PAX records {@code "<length> <key>=<value>\n"}, the length in bytes; path and linkpath override the header. */
        private void pax(byte[] records) {
            int at = 0;
            while (at < records.length) {
                int space = at;
                while (space < records.length && records[space] != ' ') {
                    space++;
                }
                int length;
                try {
                    length = Integer.parseInt(new String(records, at, space - at, StandardCharsets.US_ASCII));
                } catch (NumberFormatException e) {
                    return;
                }
                int end = at + length;
                if (length <= 0 || end > records.length || space + 1 >= end) {
                    return;
                }
                String record = new String(records, space + 1, end - 1 - (space + 1), StandardCharsets.UTF_8);
                int equals = record.indexOf('=');
                if (equals > 0) {
                    String key = record.substring(0, equals);
                    String value = record.substring(equals + 1);
                    if (key.equals("path")) {
                        longName = value;
                    } else if (key.equals("linkpath")) {
                        longLink = value;
                    }
                }
                at = end;
            }
        }

        private byte[] readData(long size) throws InvalidProjectArchiveException, IOException {
            if (size > 1024 * 1024) {
                throw new InvalidProjectArchiveException("project archive has a header record of " + size + " bytes");
            }
            byte[] data = in.readNBytes((int) size);
            if (data.length < size) {
                throw new EOFException("archive ends inside a record");
            }
            skip(padding(size));
            return data;
        }

        private void copy(long size, OutputStream out) throws IOException {
            byte[] buffer = new byte[64 * 1024];
            long left = size;
            while (left > 0) {
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                if (n < 0) {
                    throw new EOFException("archive ends inside a file");
                }
                out.write(buffer, 0, n);
                left -= n;
            }
        }

        private void skip(long bytes) throws IOException {
            long left = bytes;
            while (left > 0) {
                long n = in.skip(left);
                if (n <= 0) {
                    if (in.read() < 0) {
                        throw new EOFException("archive ends early");
                    }
                    n = 1;
                }
                left -= n;
            }
        }

        private static long padding(long size) {
            return (BLOCK - size % BLOCK) % BLOCK;
        }

        private String field(int offset, int length) {
            int end = offset;
            while (end < offset + length && header[end] != 0) {
                end++;
            }
            return new String(header, offset, end - offset, StandardCharsets.UTF_8);
        }

        /** A numeric field: octal text, or GNU base-256 (high bit set) for sizes beyond 8 GiB. */
        private long octal(int offset, int length) throws InvalidProjectArchiveException {
            if ((header[offset] & 0x80) != 0) {
                long value = 0;
                for (int i = offset + 1; i < offset + length; i++) {
                    value = (value << 8) | (header[i] & 0xff);
                }
                return value;
            }
            String text = field(offset, length).trim();
            try {
                return text.isEmpty() ? 0 : Long.parseLong(text, 8);
            } catch (NumberFormatException e) {
                throw new InvalidProjectArchiveException("project archive is not a tar file (bad header field '" + text + "')");
            }
        }

        private static String cString(byte[] data) {
            int end = 0;
            while (end < data.length && data[end] != 0) {
                end++;
            }
            return new String(data, 0, end, StandardCharsets.UTF_8);
        }
    }
}
