package io.octofleet.server.nodes;

import io.micronaut.context.event.ApplicationEventListener;
import jakarta.inject.Singleton;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Stands in for the gRPC session layer: remembers which deletions were announced. */
@Singleton
class RecordedDeletions implements ApplicationEventListener<NodeDeleted> {
    final List<NodeId> nodes = new CopyOnWriteArrayList<>();

    @Override
    public void onApplicationEvent(NodeDeleted event) {
        nodes.add(event.node());
    }
}
