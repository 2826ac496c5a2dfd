package io.octofleet.server.nodes;

import com.fasterxml.jackson.annotation.JsonValue;
import io.micronaut.serde.annotation.Serdeable;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** Whether an agent session is open (and heartbeating) for the node. Lower-case in the API. */
@Serdeable
public enum NodeStatus {
    ONLINE, OFFLINE;

    @JsonValue
    public String apiName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses the API name ("online", "offline"); empty for anything else. */
    public static Optional<NodeStatus> fromApiName(String text) {
        return Arrays.stream(values()).filter(s -> s.apiName().equals(text)).findFirst();
    }
}
