package io.octofleet.server.telemetry;

import io.octofleet.server.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.junit.jupiter.api.Assumptions;

import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

class PrometheusEndpointTest {
    private static final Pattern SAMPLE = Pattern.compile(
            "[a-zA-Z_:][a-zA-Z0-9_:]*(\\{[^}]*})? (-?[0-9.]+([eE][-+]?[0-9]+)?|NaN|[+-]Inf)");
    static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(Map.of());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void anAdminEverywhereScrapesTheServersMetersInPrometheusTextFormat() {
        HttpResponse<String> response = server.get("/metrics");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("text/plain; version=0.0.4"));
        String body = response.body();
        assertThat(body).contains("octofleet_agents_connected", "octofleet_agent_sessions_opened_total",
                "octofleet_agent_messages_received_total{kind=\"metric_batch\"", "octofleet_job_runs{",
                "state=\"queued\"", "octofleet_nodes{", "octofleet_metrics_samples_stored_total",
                "octofleet_metrics_ingest_lag_seconds", "hikaricp_connections_active", "jvm_memory_used_bytes",
                "process_uptime_seconds");
        for (String line : body.split("\n")) {
            if (!line.isBlank() && !line.startsWith("#")) {
                assertThat(line).as("a sample line").matches(SAMPLE);
            }
        }
    }

    /** Prometheus's own linter on the scrape, where it is installed (.ci/run installs it). */
    @Test
    void prometheusOwnCheckerAcceptsTheScrape() throws Exception {
        Path promtool = Path.of("/usr/bin/promtool");
        Assumptions.assumeTrue(Files.isExecutable(promtool), "promtool not installed");
        String body = server.get("/metrics").body();
        Process check = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectErrorStream(true).start();
        try (var in = check.getOutputStream()) {
            in.write(body.getBytes(StandardCharsets.UTF_8));
        }
        String output = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(check.waitFor()).as("promtool check metrics:%n%s", output).isZero();
    }

    @Test
    void noTokenIsRefused() {
        assertThat(server.anonymous(HttpRequest.newBuilder(server.uri("/metrics")).GET()).statusCode()).isEqualTo(401);
    }
}
