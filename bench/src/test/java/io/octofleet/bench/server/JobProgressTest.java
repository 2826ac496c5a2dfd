package io.octofleet.bench.server;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class JobProgressTest {

    @Test
    void jobIsDoneOnlyWhenNoRunIsQueuedSentOrRunning() {
        assertThat(progress(0, 0, 0, 10, 10).done()).isTrue();
        assertThat(progress(0, 0, 1, 9, 10).done()).isFalse();
        assertThat(progress(0, 1, 0, 9, 10).done()).isFalse();
        assertThat(progress(1, 0, 0, 9, 10).done()).isFalse();
        assertThat(progress(0, 0, 0, 0, 0).done()).as("a job with no runs yet").isFalse();
    }

    private static JobProgress progress(long queued, long sent, long running, long succeeded, long total) {
        return new JobProgress("running", Map.of("queued", queued, "sent", sent, "running", running,
                "succeeded", succeeded, "total", total));
    }
}
