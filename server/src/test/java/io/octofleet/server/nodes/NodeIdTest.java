package io.octofleet.server.nodes;

import io.micronaut.json.JsonMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

class NodeIdTest {
    private final JsonMapper json = JsonMapper.createDefault();

    @Test
    void isABareUuidStringInJsonBothWays() throws IOException {
        NodeId id = new NodeId(UUID.fromString("7d444840-9dc0-11d1-b245-5ffdce74fad2"));

        assertThat(json.writeValueAsString(id)).isEqualTo("\"7d444840-9dc0-11d1-b245-5ffdce74fad2\"");
        assertThat(json.readValue("\"7d444840-9dc0-11d1-b245-5ffdce74fad2\"", NodeId.class)).isEqualTo(id);
    }

    @Test
    void statusIsLowerCaseInJson() throws IOException {
        assertThat(json.writeValueAsString(NodeStatus.ONLINE)).isEqualTo("\"online\"");
        assertThat(NodeStatus.fromApiName("offline")).contains(NodeStatus.OFFLINE);
        assertThat(NodeStatus.fromApiName("OFFLINE")).isEmpty();
    }
}
