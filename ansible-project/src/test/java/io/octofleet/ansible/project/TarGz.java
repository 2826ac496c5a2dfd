package io.octofleet.ansible.project;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;

/**
 * Writes ustar archives entry by entry, including the ones no well-behaved tar writes (absolute paths, paths with
 * {@code ..}, links out), to test what the agent does with them.
 */
public final class TarGz {
    private final ByteArrayOutputStream tar = new ByteArrayOutputStream();

    public TarGz file(String name, String content) {
        return entry(name, '0', 0644, content.getBytes(StandardCharsets.UTF_8), "");
    }

    public TarGz executable(String name, String content) {
        return entry(name, '0', 0755, content.getBytes(StandardCharsets.UTF_8), "");
    }

    public TarGz directory(String name) {
        return entry(name, '5', 0755, new byte[0], "");
    }

    public TarGz symlink(String name, String target) {
        return entry(name, '2', 0777, new byte[0], target);
    }

    public TarGz hardLink(String name, String target) {
        return entry(name, '1', 0644, new byte[0], target);
    }

    public byte[] build() {
        try {
            ByteArrayOutputStream gz = new ByteArrayOutputStream();
            try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
                out.write(tar.toByteArray());
                out.write(new byte[1024]);
            }
            return gz.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private TarGz entry(String name, char type, int mode, byte[] data, String link) {
        byte[] header = new byte[512];
        put(header, 0, name);
        put(header, 100, String.format("%07o", mode));
        put(header, 108, "0000000");
        put(header, 116, "0000000");
        put(header, 124, String.format("%011o", data.length));
        put(header, 136, String.format("%011o", 0));
        header[156] = (byte) type;
        put(header, 157, link);
        put(header, 257, "ustar");
        put(header, 263, "00");
        for (int i = 148; i < 156; i++) {
            header[i] = ' ';
        }
        int sum = 0;
        for (byte b : header) {
            sum += b & 0xff;
        }
        put(header, 148, String.format("%06o", sum));
        header[155] = ' ';
        tar.writeBytes(header);
        tar.writeBytes(data);
        tar.writeBytes(new byte[(512 - data.length % 512) % 512]);
        return this;
    }

    private static void put(byte[] header, int offset, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(bytes, 0, header, offset, bytes.length);
    }
}
