package io.octofleet.server.agents;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.octofleet.proto.agent.v1.AgentMessage;
import io.octofleet.proto.agent.v1.ServerMessage;
import io.octofleet.server.metrics.MetricIngest;
import jakarta.inject.Singleton;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/** Meters of the agent endpoint and of what agents send: sessions, messages by kind, metric ingest. */
@Singleton
final class SessionMeters {
    private final Counter opened;
    private final Counter closed;
    private final Map<AgentMessage.KindCase, Counter> received = new EnumMap<>(AgentMessage.KindCase.class);
    private final Map<ServerMessage.KindCase, Counter> sent = new EnumMap<>(ServerMessage.KindCase.class);

    SessionMeters(MeterRegistry registry, SessionRegistry sessions, MetricIngest ingest) {
        opened = Counter.builder("octofleet.agent.sessions.opened").description("Agent sessions opened (Hello accepted)")
                .register(registry);
        closed = Counter.builder("octofleet.agent.sessions.closed").description("Agent sessions ended, any way")
                .register(registry);
        Gauge.builder("octofleet.agents.connected", sessions, SessionRegistry::size)
                .description("Agents with a live session on this replica").register(registry);
        for (AgentMessage.KindCase kind : AgentMessage.KindCase.values()) {
            received.put(kind, Counter.builder("octofleet.agent.messages.received").tag("kind", name(kind.name()))
                    .description("Messages from agents").register(registry));
        }
        for (ServerMessage.KindCase kind : ServerMessage.KindCase.values()) {
            sent.put(kind, Counter.builder("octofleet.agent.messages.sent").tag("kind", name(kind.name()))
                    .description("Messages to agents").register(registry));
        }
        FunctionCounter.builder("octofleet.metrics.samples.stored", ingest, MetricIngest::samplesStored)
                .description("Metric samples written to the database").register(registry);
        FunctionCounter.builder("octofleet.metrics.batches.stored", ingest, MetricIngest::batchesStored)
                .description("Metric batches written").register(registry);
        FunctionCounter.builder("octofleet.metrics.batches.duplicate", ingest, MetricIngest::batchesDuplicate)
                .description("Metric batches acknowledged without storing (sent again after a lost ack)").register(registry);
        Gauge.builder("octofleet.metrics.ingest.queue", ingest, MetricIngest::queued)
                .description("Metric batches waiting for the writer").register(registry);
        Gauge.builder("octofleet.metrics.ingest.lag.seconds", ingest, i -> i.lagMillis() / 1000.0)
                .description("Sampling-to-commit delay of the last stored batch").register(registry);
    }

    void opened() {
        opened.increment();
    }

    void closed() {
        closed.increment();
    }

    void received(AgentMessage message) {
        received.get(message.getKindCase()).increment();
    }

    void sent(ServerMessage.Builder message) {
        sent.get(message.getKindCase()).increment();
    }

    private static String name(String kind) {
        return kind.toLowerCase(Locale.ROOT);
    }
}
