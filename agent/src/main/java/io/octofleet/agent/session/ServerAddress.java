package io.octofleet.agent.session;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Where the server's agent endpoint is; remembered in the state dir after enrollment (file {@code server}). */
public record ServerAddress(String host, int port) {
    static final String FILE = "server";

    public ServerAddress {
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
    }

    public static Optional<ServerAddress> load(Path stateDir) throws IOException {
        Path file = stateDir.resolve(FILE);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        String text = Files.readString(file, StandardCharsets.UTF_8).trim();
        int colon = text.lastIndexOf(':');
        return Optional.of(new ServerAddress(text.substring(0, colon), Integer.parseInt(text.substring(colon + 1))));
    }

    void save(Path stateDir) throws IOException {
        Path tmp = stateDir.resolve(FILE + ".tmp");
        Files.writeString(tmp, host + ":" + port + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, stateDir.resolve(FILE), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
