package io.octofleet.bench.load;

import io.octofleet.bench.sim.HostTemplate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The load generator's smoke test, so it cannot rot: 50 simulated agents against the packaged server on embedded
 * PostgreSQL, with short intervals so that a few seconds show every kind of traffic. The large runs are benchmarks
 * (docs/benchmarks.md), not tests.
 */
class LoadGeneratorIT {

    @Test
    void fiftyAgentsConnectReportAndAllAnswerOneJob(@TempDir Path work) throws Exception {
        Path serverJar = Path.of(System.getProperty("octofleet.server.jar", "../server/target/octofleet-server.jar"));
        LoadSettings settings = new LoadSettings(50, 1, Duration.ofSeconds(3), Duration.ofSeconds(15),
                Duration.ofSeconds(1), Duration.ofSeconds(1),
                HostTemplate.parseMix("debian12-vm=2,ubuntu22-gpu=1,rhel9-server=1,windows2022=1"), 0, 0,
                true, List.of(Duration.ofSeconds(3)), Duration.ZERO, 64, Duration.ofSeconds(1), work, serverJar,
                List.of("-Xmx512m"), 2, 8, Duration.ofSeconds(6));
        ByteArrayOutputStream log = new ByteArrayOutputStream();

        LoadResult result = new LoadRun(settings, new PrintStream(log, true, StandardCharsets.UTF_8)).run();

        String progress = log.toString(StandardCharsets.UTF_8);
        assertThat(result.failures()).as(progress).isEmpty();
        assertThat(result.errorsByKind()).as(progress).isEmpty();
        assertThat(result.enrolled()).isEqualTo(50);
        assertThat(result.connectedAtEnd()).isEqualTo(50);
        assertThat(result.allConnectedMs()).isPositive();
        // every host's first inventory, drawn from its template, was stored
        assertThat(result.inventoriesStored()).isGreaterThanOrEqualTo(50);
        // ... all of them held until --inventory-at and sent as one burst, whose rate is reported
        assertThat(result.inventoryBurst()).isNotNull();
        assertThat(result.inventoryBurst().reports()).isEqualTo(50);
        assertThat(result.inventoryBurst().reportsPerSecond()).isPositive();
        assertThat(result.fanouts()).singleElement().satisfies(fanout -> {
            assertThat(fanout.runs()).isEqualTo(50);
            assertThat(fanout.unsuccessful()).isZero();
            assertThat(fanout.status()).isEqualTo("succeeded");
            assertThat(fanout.allResultsMs()).isPositive();
            assertThat(fanout.createdMs()).isPositive().isLessThanOrEqualTo(fanout.allResultsMs());
        });
        assertThat(result.metricSamplesStored()).isPositive();
        assertThat(result.steady().heartbeatsAcked()).isPositive();
        assertThat(result.steady().rttP99Ms()).isPositive();
        assertThat(result.timeline()).isNotEmpty()
                .anySatisfy(sample -> assertThat(sample.phase()).isEqualTo("steady"))
                .allSatisfy(sample -> assertThat(sample.serverRssMib()).isPositive());
        assertThat(result.peaks().serverHeapMib()).as("heap read from the server's /metrics").isPositive();
    }
}
