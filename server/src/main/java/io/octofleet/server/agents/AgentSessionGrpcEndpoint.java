package io.octofleet.server.agents;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.octofleet.proto.agent.v1.AgentMessage;
import io.octofleet.proto.agent.v1.AgentSessionGrpc;
import io.octofleet.proto.agent.v1.ServerMessage;
import io.micronaut.json.JsonMapper;
import io.octofleet.server.inventory.InventoryService;
import io.octofleet.server.jobs.JobEngine;
import io.octofleet.server.jobs.RunRecorder;
import io.octofleet.server.nodes.NodeService;
import io.octofleet.server.metrics.MetricIngest;
import io.octofleet.server.metrics.MetricIntervals;
import jakarta.inject.Singleton;

/** Opens an {@link AgentSession} for each Connect stream of an authenticated agent. */
@Singleton
final class AgentSessionGrpcEndpoint extends AgentSessionGrpc.AgentSessionImplBase {
    private final NodeService nodes;
    private final InventoryService inventory;
    private final SessionRegistry registry;
    private final GrpcConfiguration config;
    private final RunRecorder recorder;
    private final JobEngine jobs;
    private final JsonMapper json;
    private final MetricIngest metrics;
    private final MetricIntervals intervals;
    private final SessionMeters meters;
    private final Heartbeats heartbeats;
    private final InventoryIntake intake;

    AgentSessionGrpcEndpoint(NodeService nodes, InventoryService inventory, SessionRegistry registry,
                             GrpcConfiguration config, RunRecorder recorder, JobEngine jobs, JsonMapper json,
                             MetricIngest metrics, MetricIntervals intervals, SessionMeters meters,
                             Heartbeats heartbeats, InventoryIntake intake) {
        this.intake = intake;
        this.meters = meters;
        this.heartbeats = heartbeats;
        this.metrics = metrics;
        this.intervals = intervals;
        this.recorder = recorder;
        this.jobs = jobs;
        this.json = json;
        this.nodes = nodes;
        this.inventory = inventory;
        this.registry = registry;
        this.config = config;
    }

    @Override
    public StreamObserver<AgentMessage> connect(StreamObserver<ServerMessage> responses) {
        return new AgentSession(ClientCertificateInterceptor.NODE.get(), (ServerCallStreamObserver<ServerMessage>) responses,
                nodes, inventory, registry, config.heartbeatInterval(), recorder, jobs, json,
                metrics, intervals, meters, heartbeats, intake);
    }
}
