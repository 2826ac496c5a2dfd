package io.octofleet.server.ansible;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A private OpenSSH server for tests: {@code /usr/sbin/sshd -D -e} on 127.0.0.1 and a free port, with its own host
 * key, its own config and one freshly generated client key allowed in, all in a temp directory. It accepts the user
 * running the tests (root included, by key only).
 */
final class TestSshd implements AutoCloseable {
    static final Path SSHD = Path.of("/usr/sbin/sshd");

    private final Process process;
    private final int port;
    private final Path clientKey;
    private final Path log;

    private TestSshd(Process process, int port, Path clientKey, Path log) {
        this.process = process;
        this.port = port;
        this.clientKey = clientKey;
        this.log = log;
    }

    static boolean available() {
        return Files.isExecutable(SSHD) && Files.isExecutable(Path.of("/usr/bin/ssh-keygen"));
    }

    static TestSshd start(Path dir) throws IOException, InterruptedException {
        Path hostKey = dir.resolve("host_key");
        Path clientKey = dir.resolve("client_key");
        keygen(hostKey);
        keygen(clientKey);
        Path authorized = Files.copy(dir.resolve("client_key.pub"), dir.resolve("authorized_keys"));
        if ("root".equals(System.getProperty("user.name"))) {
            // sshd started as root insists on its privilege separation directory, which the openssh-server
            // package's service unit normally creates at boot.
            Path privsep = Path.of("/run/sshd");
            if (!Files.isDirectory(privsep)) {
                Files.createDirectories(privsep, PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rwxr-xr-x")));
            }
        }
        int port = freePort();
        Path config = dir.resolve("sshd_config");
        Files.writeString(config, String.join("\n",
                "Port " + port,
                "ListenAddress 127.0.0.1",
                "HostKey " + hostKey,
                "AuthorizedKeysFile " + authorized,
                "PidFile " + dir.resolve("sshd.pid"),
                "PermitRootLogin prohibit-password",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "StrictModes no",
                "UsePAM no",
                "UseDNS no",
                "Subsystem sftp internal-sftp",
                ""));
        Path log = dir.resolve("sshd.log");
        Process process = new ProcessBuilder(SSHD.toString(), "-D", "-e", "-f", config.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        TestSshd sshd = new TestSshd(process, port, clientKey, log);
        sshd.awaitListening();
        return sshd;
    }

    int port() {
        return port;
    }

    Path clientKey() {
        return clientKey;
    }

    /** A port nothing listens on (just now). */
    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private void awaitListening() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("sshd exited " + process.exitValue() + ": " + Files.readString(log));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException e) {
                Thread.sleep(50);
            }
        }
        throw new IOException("sshd did not listen on " + port + ": " + Files.readString(log));
    }

    private static void keygen(Path file) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "octofleet-test",
                "-f", file.toString())).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IOException("ssh-keygen failed: " + out);
        }
    }

    @Override
    public void close() {
        // The listener and its per-connection children.
        process.toHandle().descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
