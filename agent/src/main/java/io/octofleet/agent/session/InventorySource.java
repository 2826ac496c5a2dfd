package io.octofleet.agent.session;

import io.octofleet.proto.agent.v1.InventoryReport;

/** Produces the host's current inventory report; the session decides when to send it. */
@FunctionalInterface
public interface InventorySource {
    /** Collects now. May take a second or two (package lists); must not throw for a missing optional tool. */
    InventoryReport collect();
}
