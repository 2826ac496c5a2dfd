package io.octofleet.server.ansible;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link AnsibleNames}: the mapping docs/ansible.md promises. */
class AnsibleInventoryNamesTest {
    static final UUID A = UUID.fromString("aaaaaaaa-0000-0000-0000-000000000001");
    static final UUID B = UUID.fromString("bbbbbbbb-0000-0000-0000-000000000002");
    static final UUID C = UUID.fromString("cccccccc-0000-0000-0000-000000000003");

    @Test
    void sanitised_keepsOnlyAsciiLettersDigitsAndUnderscoreAndNeverStartsWithADigit() {
        assertThat(AnsibleNames.sanitised("web servers")).isEqualTo("web_servers");
        assertThat(AnsibleNames.sanitised("rack:b7.eu-west")).isEqualTo("rack_b7_eu_west");
        assertThat(AnsibleNames.sanitised("10-base")).isEqualTo("_10_base");
        assertThat(AnsibleNames.sanitised("Grüße")).isEqualTo("Gr__e");
        assertThat(AnsibleNames.sanitised("Keep_Case_9")).isEqualTo("Keep_Case_9");
    }

    @Test
    void tagGroup_isPrefixedSoADigitMayFollow() {
        assertThat(AnsibleNames.tagGroup("rack:b7")).isEqualTo("tag_rack_b7");
        assertThat(AnsibleNames.tagGroup("2024")).isEqualTo("tag_2024");
    }

    @Test
    void groupNames_collisionsReservedNamesAndTheTagNamespaceGetTheShortId() {
        Map<UUID, String> groups = new LinkedHashMap<>();
        groups.put(A, "web servers");
        groups.put(B, "web-servers");
        groups.put(C, "all");
        assertThat(AnsibleNames.groupNames(groups)).containsExactlyInAnyOrderEntriesOf(Map.of(
                A, "web_servers_aaaaaaaa", B, "web_servers_bbbbbbbb", C, "all_cccccccc"));
        assertThat(AnsibleNames.groupNames(Map.of(A, "tag_lab", B, "ungrouped", C, "linux"))).containsExactlyInAnyOrderEntriesOf(
                Map.of(A, "tag_lab_aaaaaaaa", B, "ungrouped_bbbbbbbb", C, "linux"));
    }

    @Test
    void groupNames_namesStillSharedAfterTheShortIdAllFallBackToTheWholeId() {
        Map<UUID, String> groups = new LinkedHashMap<>();
        groups.put(A, "x");
        groups.put(B, "x");
        groups.put(C, "x_aaaaaaaa");
        assertThat(AnsibleNames.groupNames(groups)).containsExactlyInAnyOrderEntriesOf(Map.of(
                A, "x_aaaaaaaa000000000000000000000001", B, "x_bbbbbbbb",
                C, "x_aaaaaaaa_cccccccc000000000000000000000003"));
    }

    @Test
    void hostNames_onlySharedHostnamesGetTheShortIdWhicheverOrderTheyCameIn() {
        Map<String, String> hosts = new LinkedHashMap<>();
        hosts.put("11111111-x", "db");
        hosts.put("22222222-y", "web");
        hosts.put("33333333-z", "db");
        Map<String, String> names = AnsibleNames.hostNames(hosts, Function.identity());
        assertThat(names).containsExactlyInAnyOrderEntriesOf(Map.of(
                "11111111-x", "db-11111111", "22222222-y", "web", "33333333-z", "db-33333333"));
        Map<String, String> reversed = new LinkedHashMap<>();
        reversed.put("33333333-z", "db");
        reversed.put("22222222-y", "web");
        reversed.put("11111111-x", "db");
        assertThat(AnsibleNames.hostNames(reversed, Function.identity())).isEqualTo(names);
    }
}
