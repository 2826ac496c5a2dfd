package io.octofleet.server.targeting;

import io.octofleet.server.organizations.OrganizationId;

import io.octofleet.server.TestServer;
import io.octofleet.server.inventory.InventoryService;
import io.octofleet.server.inventory.SampleInventory;
import io.octofleet.server.nodes.NodeId;
import io.octofleet.server.nodes.NodeService;
import io.octofleet.server.problem.ApiException;
import io.octofleet.server.rules.RuleException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What the job engine will call: targets resolved against the real database. */
class TargetingServiceTest {
    static TestServer server;
    static TargetingService targeting;
    static NodeId tagged;
    static NodeId gpu;
    static NodeId member;
    static NodeId bystander;
    static UUID staticGroup;
    static UUID dynamicGroup;

    @BeforeAll
    static void start() {
        server = TestServer.start(Map.of("octofleet.grpc.heartbeat-interval", "1h"));
        targeting = server.bean(TargetingService.class);
        NodeService nodes = server.bean(NodeService.class);
        tagged = server.createNode("t-tagged");
        gpu = server.createNode("t-gpu");
        member = server.createNode("t-member");
        bystander = server.createNode("t-bystander");
        nodes.replaceTags(tagged, List.of("lab"));
        server.bean(InventoryService.class).store(gpu, SampleInventory.linuxHost(), "sha-gpu", Instant.now());
        staticGroup = groupId(server.post("/api/v1/groups",
                "{\"name\": \"static\", \"kind\": \"static\", \"nodeIds\": [\"" + member + "\"]}").body());
        dynamicGroup = groupId(server.post("/api/v1/groups",
                "{\"name\": \"dynamic\", \"kind\": \"dynamic\", \"rule\": \"gpu.count >= 1\"}").body());
    }

    @AfterAll
    static void stop() {
        server.close();
    }


    private static UUID groupId(String json) {
        return UUID.fromString(json.replaceAll(".*\"id\"\\s*:\\s*\"([^\"]+)\".*", "$1"));
    }

    @Test
    void resolveIsTheUnionOfEveryKindOfTargetEachNodeOnce() {
        Targets targets = new Targets(List.of(bystander, tagged), List.of(staticGroup, dynamicGroup), List.of("LAB"),
                "hostname = \"t-gpu\"");

        assertThat(targeting.resolve(targets, OrganizationId.DEFAULT)).containsExactlyInAnyOrder(bystander, tagged, member, gpu);
    }

    @Test
    void eachKindOfTargetAloneSelectsOnlyItsNodes() {
        assertThat(targeting.resolve(new Targets(List.of(member), null, null, null), OrganizationId.DEFAULT)).containsExactly(member);
        assertThat(targeting.resolve(new Targets(null, List.of(staticGroup), null, null), OrganizationId.DEFAULT)).containsExactly(member);
        assertThat(targeting.resolve(new Targets(null, List.of(dynamicGroup), null, null), OrganizationId.DEFAULT)).containsExactly(gpu);
        assertThat(targeting.resolve(new Targets(null, null, List.of("lab", "nope"), null), OrganizationId.DEFAULT)).containsExactly(tagged);
        assertThat(targeting.resolve(new Targets(null, null, null, "hostname ~ \"t-b*\""), OrganizationId.DEFAULT)).containsExactly(bystander);
    }

    @Test
    void nothingTargetedAndUnknownNodesResolveToNothing() {
        assertThat(targeting.resolve(new Targets(null, null, null, " "), OrganizationId.DEFAULT)).isEmpty();
        assertThatThrownBy(() -> targeting.resolve(new Targets(List.of(NodeId.random()), List.of(), List.of(), null),
                OrganizationId.DEFAULT)).hasMessageContaining("not found");
    }

    @Test
    void unknownGroupIsNotFoundAndBadQueryCarriesItsPosition() {
        UUID stranger = UUID.randomUUID();

        assertThatThrownBy(() -> targeting.resolve(new Targets(null, List.of(stranger), null, null), OrganizationId.DEFAULT))
                .isInstanceOf(ApiException.class).hasMessage("group " + stranger + " not found");
        assertThatThrownBy(() -> targeting.resolve(new Targets(null, null, null, "tag = "), OrganizationId.DEFAULT))
                .isInstanceOfSatisfying(RuleException.class, e -> assertThat(e.position()).isEqualTo(6));
    }
}
