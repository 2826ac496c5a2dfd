package io.octofleet.server.ansible;

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
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Unpacks a direct-mode job's {@code projectArchive} (base64 .tar.gz) into the call's {@code project/} directory, and
 * nothing outside it: regular files and directories only. An entry with an absolute path or a {@code ..} component,
 * a symbolic or hard link, a device or a FIFO makes the whole archive invalid, as does unpacking to more than
 * {@link #MAX_UNPACKED_BYTES} or {@link #MAX_ENTRIES} entries (a gzip bomb). Reads ustar, GNU long names and pax
 * {@code path} records — what GNU tar, bsdtar and Python's tarfile write.
 */
final class ProjectArchive {
    static final long MAX_UNPACKED_BYTES = 256L * 1024 * 1024;
    static final int MAX_ENTRIES = 20_000;
    private static final int BLOCK = 512;

    /** The archive is not one this unpacks; the message names the entry and why. */
    static final class InvalidArchiveException extends IOException {
        InvalidArchiveException(String message) {
            super(message);
        }
    }

    private ProjectArchive() {
    }

    /**
     * @return the relative paths of the files written, in archive order
     * @throws InvalidArchiveException when the archive is malformed or has an entry this refuses
     * @throws IOException when writing fails
     */
    static List<String> unpack(String base64, Path root) throws IOException {
        byte[] gz;
        try {
            gz = Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new InvalidArchiveException("projectArchive is not base64: " + e.getMessage());
        }
        Files.createDirectories(root);
        Path realRoot = root.toRealPath();
        List<String> written = new ArrayList<>();
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
            byte[] header = new byte[BLOCK];
            String longName = null;
            long unpacked = 0;
            int entries = 0;
            while (true) {
                if (!readBlock(in, header)) {
                    break; // no end-of-archive blocks: tolerated, like GNU tar does
                }
                if (isZero(header)) {
                    break;
                }
                if (++entries > MAX_ENTRIES) {
                    throw new InvalidArchiveException("projectArchive has more than " + MAX_ENTRIES + " entries");
                }
                char type = (char) header[156];
                long size = number(header, 124, 12);
                String name = longName != null ? longName : ustarName(header);
                longName = null;
                switch (type) {
                    case 'L', 'x' -> {
                        byte[] data = readData(in, size, 1024 * 1024);
                        longName = type == 'L' ? cString(data, 0, data.length) : paxPath(data);
                        continue;
                    }
                    case 'g', 'K' -> {
                        readData(in, size, 1024 * 1024); // global pax defaults, GNU long link names: not needed
                        continue;
                    }
                    case '5' -> {
                        Path dir = target(realRoot, name);
                        if (dir != null) {
                            Files.createDirectories(dir);
                        }
                        skip(in, size + padding(size));
                        continue;
                    }
                    case '0', '\0', '7' -> {
                        // a regular file: written below
                    }
                    case '1', '2' -> throw new InvalidArchiveException("projectArchive entry '" + name
                            + "' is a " + (type == '1' ? "hard" : "symbolic") + " link; links are not accepted");
                    default -> throw new InvalidArchiveException("projectArchive entry '" + name
                            + "' is not a regular file or directory (tar type '" + type + "')");
                }
                Path file = target(realRoot, name);
                if (file == null) {
                    throw new InvalidArchiveException("projectArchive has a file entry without a name");
                }
                unpacked += size;
                if (unpacked > MAX_UNPACKED_BYTES) {
                    throw new InvalidArchiveException("projectArchive unpacks to more than " + MAX_UNPACKED_BYTES
                            + " bytes");
                }
                Files.createDirectories(file.getParent());
                if (Files.isSymbolicLink(file) || Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
                    throw new InvalidArchiveException("projectArchive entry '" + name + "' replaces a directory");
                }
                boolean executable = (number(header, 100, 8) & 0100) != 0;
                Files.deleteIfExists(file);
                Files.createFile(file, PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString(executable ? "rwx------" : "rw-------")));
                try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING, LinkOption.NOFOLLOW_LINKS)) {
                    copy(in, out, size);
                }
                skip(in, padding(size));
                written.add(realRoot.relativize(file).toString());
            }
        } catch (EOFException e) {
            throw new InvalidArchiveException("projectArchive is truncated");
        } catch (java.util.zip.ZipException e) {
            throw new InvalidArchiveException("projectArchive is not gzip data: " + e.getMessage());
        }
        return written;
    }

    /** The entry's place under root; null for the root itself ({@code ./}). */
    private static Path target(Path root, String name) throws InvalidArchiveException {
        if (name.isEmpty() || name.indexOf('\0') >= 0) {
            throw new InvalidArchiveException("projectArchive has an entry without a usable name");
        }
        if (name.startsWith("/")) {
            throw new InvalidArchiveException("projectArchive entry '" + name + "' has an absolute path");
        }
        List<String> parts = new ArrayList<>();
        for (String part : name.split("/")) {
            if (part.equals("..")) {
                throw new InvalidArchiveException("projectArchive entry '" + name + "' leaves the project ('..')");
            }
            if (!part.isEmpty() && !part.equals(".")) {
                parts.add(part);
            }
        }
        if (parts.isEmpty()) {
            return null;
        }
        Path resolved = root.resolve(String.join("/", parts)).normalize();
        if (!resolved.startsWith(root) || resolved.equals(root)) {
            throw new InvalidArchiveException("projectArchive entry '" + name + "' leaves the project");
        }
        return resolved;
    }

    private static String ustarName(byte[] header) {
        String name = cString(header, 0, 100);
        boolean ustar = new String(header, 257, 5, StandardCharsets.US_ASCII).equals("ustar");
        String prefix = ustar ? cString(header, 345, 155) : "";
        return prefix.isEmpty() ? name : prefix + "/" + name;
    }

    /** The {@code path} record of a pax extended header ({@code "<len> path=<value>\n"}...), or null. */
    private static String paxPath(byte[] data) throws InvalidArchiveException {
        int at = 0;
        String path = null;
        while (at < data.length) {
            int space = indexOf(data, (byte) ' ', at);
            if (space < 0) {
                break;
            }
            int length;
            try {
                length = Integer.parseInt(new String(data, at, space - at, StandardCharsets.US_ASCII));
            } catch (NumberFormatException e) {
                throw new InvalidArchiveException("projectArchive has a malformed pax header");
            }
            if (length <= 0 || at + length > data.length) {
                throw new InvalidArchiveException("projectArchive has a malformed pax header");
            }
            String record = new String(data, space + 1, at + length - space - 2, StandardCharsets.UTF_8);
            if (record.startsWith("path=")) {
                path = record.substring(5);
            }
            at += length;
        }
        return path;
    }

    private static int indexOf(byte[] data, byte b, int from) {
        for (int i = from; i < data.length; i++) {
            if (data[i] == b) {
                return i;
            }
        }
        return -1;
    }

    private static String cString(byte[] bytes, int offset, int length) {
        int end = offset;
        while (end < offset + length && bytes[end] != 0) {
            end++;
        }
        return new String(bytes, offset, end - offset, StandardCharsets.UTF_8);
    }

    /** An octal field, or GNU's base-256 form (high bit set) for large values. */
    private static long number(byte[] header, int offset, int length) throws InvalidArchiveException {
        if ((header[offset] & 0x80) != 0) {
            long value = 0;
            for (int i = offset + 1; i < offset + length; i++) {
                value = (value << 8) | (header[i] & 0xff);
            }
            if (value < 0) {
                throw new InvalidArchiveException("projectArchive has a negative size");
            }
            return value;
        }
        long value = 0;
        for (int i = offset; i < offset + length; i++) {
            byte b = header[i];
            if (b == 0 || b == ' ') {
                if (value > 0) {
                    break;
                }
                continue;
            }
            if (b < '0' || b > '7') {
                throw new InvalidArchiveException("projectArchive has a malformed header (not a tar archive?)");
            }
            value = (value << 3) + (b - '0');
        }
        return value;
    }

    private static boolean readBlock(InputStream in, byte[] block) throws IOException {
        int n = in.readNBytes(block, 0, BLOCK);
        if (n == 0) {
            return false;
        }
        if (n < BLOCK) {
            throw new EOFException();
        }
        return true;
    }

    private static boolean isZero(byte[] block) {
        for (byte b : block) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    private static byte[] readData(InputStream in, long size, int max) throws IOException {
        if (size > max) {
            throw new InvalidArchiveException("projectArchive has a header record of " + size + " bytes");
        }
        byte[] data = in.readNBytes((int) size);
        if (data.length < size) {
            throw new EOFException();
        }
        skip(in, padding(size));
        return data;
    }

    private static void copy(InputStream in, OutputStream out, long size) throws IOException {
        byte[] buffer = new byte[64 * 1024];
        long left = size;
        while (left > 0) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
            if (n < 0) {
                throw new EOFException();
            }
            out.write(buffer, 0, n);
            left -= n;
        }
    }

    private static void skip(InputStream in, long n) throws IOException {
        in.skipNBytes(n);
    }

    private static long padding(long size) {
        return (BLOCK - size % BLOCK) % BLOCK;
    }
}
