package io.octofleet.server;

import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The real server in-process for one test class: embedded PostgreSQL in a throwaway OCTOFLEET_HOME, HTTP and gRPC on
 * free ports, a known admin password, and an HTTP client that logs in as admin.
 */
public final class TestServer implements AutoCloseable {
    public static final String ADMIN_PASSWORD = "test-admin-password-1";
    private final Path home;
    private final EmbeddedServer server;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private String token;

    private TestServer(Path home, EmbeddedServer server) {
        this.home = home;
        this.server = server;
    }

    public static TestServer start(Map<String, Object> extra) {
        try {
            Path parent = Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir")));
            Path home = Files.createTempDirectory(parent, "octofleet-home-");
            Map<String, Object> properties = new HashMap<>(Map.of(
                    "octofleet.home", home.toString(),
                    "micronaut.server.port", -1,
                    "octofleet.grpc.port", 0,
                    "octofleet.admin-password", ADMIN_PASSWORD));
            properties.putAll(extra);
            return new TestServer(home, ApplicationContext.run(EmbeddedServer.class, properties));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public ApplicationContext context() {
        return server.getApplicationContext();
    }

    public <T> T bean(Class<T> type) {
        return context().getBean(type);
    }

    /** A node as enrollment would create it (no agent, no inventory yet), for tests that need nodes to exist. */
    public io.octofleet.server.nodes.NodeId createNode(String hostname) {
        return createNode(hostname, io.octofleet.server.organizations.OrganizationId.DEFAULT);
    }

    /** Like {@link #createNode(String)}, in the given organization. */
    public io.octofleet.server.nodes.NodeId createNode(String hostname,
                                                       io.octofleet.server.organizations.OrganizationId organization) {
        io.octofleet.server.nodes.NodeId id = io.octofleet.server.nodes.NodeId.random();
        bean(io.octofleet.server.nodes.NodeService.class).create(id, organization, hostname, "0.1.0", null);
        return id;
    }

    /** The HTTP client the helpers use (for streaming responses such as Server-Sent Events). */
    public java.net.http.HttpClient http() {
        return http;
    }

    public Path home() {
        return home;
    }

    public HttpResponse<String> get(String path) {
        return send(request(path).GET());
    }

    public HttpResponse<String> post(String path, String json) {
        return send(request(path).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    public HttpResponse<String> delete(String path) {
        return send(request(path).DELETE());
    }

    /** Sends without the admin token (for authorization tests). */
    public HttpResponse<String> anonymous(HttpRequest.Builder request) {
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.getPort() + path);
    }

    /** A request builder for {@code path} carrying the admin's bearer token. */
    public HttpRequest.Builder request(String path) {
        if (token == null) {
            HttpResponse<String> login = anonymous(HttpRequest.newBuilder(uri("/api/v1/auth/login"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(
                            "{\"username\":\"admin\",\"password\":\"" + ADMIN_PASSWORD + "\"}")));
            if (login.statusCode() != 200) {
                throw new IllegalStateException("admin login failed: " + login.statusCode() + " " + login.body());
            }
            token = login.body().replaceAll(".*\"token\"\\s*:\\s*\"([^\"]+)\".*", "$1");
        }
        return HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + token);
    }

    public HttpResponse<String> send(HttpRequest.Builder request) {
        return anonymous(request);
    }

    /** Polls {@code condition} until it holds; fails after 20 s (job and run states follow their updates a moment later). */
    public static void eventually(java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 20 s");
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    @Override
    public void close() {
        server.getApplicationContext().close();
        try (Stream<Path> files = Files.walk(home)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
