package io.octofleet.bench.fanout;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.octofleet.bench.report.Machine;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class FanoutReportTest {

    @Test
    void medianIgnoresJobsThatDidNotFinish() {
        assertThat(FanoutRun.median(List.of(job(300), job(100), job(200)))).isEqualTo(200);
        assertThat(FanoutRun.median(List.of(job(300), job(100)))).isEqualTo(200);
        assertThat(FanoutRun.median(List.of(job(-1), job(100), job(500)))).isEqualTo(300);
        assertThat(FanoutRun.median(List.of(job(-1)))).isEqualTo(-1);
    }

    @Test
    void jsonCarriesEveryJobAndTheMachine() {
        FanoutResult result = new FanoutResult(10, 8000, 10, 1800, 1400, List.of(job(529), job(245)), 387, 378,
                380, 40, 120, List.of());
        FanoutReport report = new FanoutReport(Instant.parse("2026-11-22T07:00:00Z"),
                new Machine("AMD EPYC", 2, 24105, "Debian GNU/Linux 12 (bookworm)", "OpenJDK 17"),
                Map.of("jobsPerSize", 2), List.of(result));

        JsonObject json = JsonParser.parseString(report.json()).getAsJsonObject();

        assertThat(json.get("date").getAsString()).isEqualTo("2026-11-22T07:00:00Z");
        assertThat(json.getAsJsonObject("machine").get("cpus").getAsInt()).isEqualTo(2);
        JsonObject first = json.getAsJsonArray("results").get(0).getAsJsonObject();
        assertThat(first.get("agents").getAsInt()).isEqualTo(10);
        assertThat(first.getAsJsonArray("jobs")).hasSize(2);
        assertThat(first.getAsJsonArray("jobs").get(1).getAsJsonObject().getAsJsonObject("counts")
                .get("succeeded").getAsLong()).isEqualTo(10);
        assertThat(report.table()).contains("529,245").contains("378Mi");
    }

    @Test
    void jobBodyTargetsEverySimulatedHostWithTrue() {
        JsonObject body = JsonParser.parseString(FanoutRun.jobJson("bench")).getAsJsonObject();
        assertThat(body.get("kind").getAsString()).isEqualTo("shell");
        assertThat(body.get("script").getAsString()).isEqualTo("true");
        assertThat(body.getAsJsonObject("targets").get("query").getAsString()).isEqualTo("hostname ~ \"sim-*\"");
    }

    private static FanoutResult.Job job(long allResultsMs) {
        return new FanoutResult.Job("job", 20, allResultsMs, allResultsMs, allResultsMs, 5, "succeeded",
                Map.of("succeeded", 10L, "total", 10L), 1.5, 100, 50, 80);
    }
}
