package io.octofleet.server.rules;

import io.octofleet.server.TestServer;
import io.octofleet.server.inventory.Inventory;
import io.octofleet.server.inventory.InventoryService;
import io.octofleet.server.inventory.SampleInventory;
import io.octofleet.server.nodes.NodeId;
import io.octofleet.server.nodes.NodeService;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.octofleet.server.db.Tables.NODES;
import static io.octofleet.server.db.Tables.NODE_OS;
import static org.assertj.core.api.Assertions.assertThat;

/** Rules compiled to SQL and run against a small fleet in the real embedded PostgreSQL. */
class RuleConditionTest {
    static TestServer server;
    static NodeService nodes;
    static DSLContext dsl;
    static final Map<NodeId, String> HOSTNAMES = new HashMap<>();

    @BeforeAll
    static void fleet() {
        server = TestServer.start(Map.of("octofleet.grpc.heartbeat-interval", "1h"));
        nodes = server.bean(NodeService.class);
        dsl = server.bean(DSLContext.class);
        InventoryService inventory = server.bean(InventoryService.class);
        Inventory base = SampleInventory.linuxHost(); // Debian 12, 24 cores, 128 GiB, one NVIDIA A100, bash/libc6/openssl

        NodeId gpu1 = node("gpu-01", List.of("lab", "gpu"));
        inventory.store(gpu1, base, "sha-gpu1", Instant.now());
        nodes.sessionOpened(gpu1, UUID.randomUUID(), "gpu-01", "0.1.0");

        NodeId gpu2 = node("gpu-02", List.of("gpu"));
        Inventory.Gpu h100 = new Inventory.Gpu("NVIDIA", "NVIDIA H100 80GB HBM3", "GPU-h100-a", 80L << 30, "550", "");
        inventory.store(gpu2, new Inventory(
                new Inventory.OperatingSystem("linux", "Ubuntu", "22.04", "5.15.0-100-generic", "x86_64"),
                new Inventory.Cpu("Intel Xeon Platinum 8480+", "GenuineIntel", 2, 112, 224, 0),
                new Inventory.Memory(2048L << 30), base.disks(), base.filesystems(),
                List.of(new Inventory.Nic("ens1", "0a:00:00:00:00:02", List.of("10.0.0.6"), List.of(), 0)),
                new Inventory.SystemInfo("Dell Inc.", "PowerEdge XE9680", "", "", "", ""),
                List.of(h100, new Inventory.Gpu("NVIDIA", "NVIDIA H100 80GB HBM3", "GPU-h100-b", 80L << 30, "550", "")),
                List.of(new Inventory.SoftwarePackage("nginx", "1.18.0", "amd64")), null), "sha-gpu2", Instant.now());

        NodeId web1 = node("web-01", List.of("lab", "web"));
        inventory.store(web1, new Inventory(
                new Inventory.OperatingSystem("linux", "Rocky Linux", "9.3", "5.14.0-362", "x86_64"),
                new Inventory.Cpu("QEMU Virtual CPU", "AuthenticAMD", 1, 4, 4, 0),
                new Inventory.Memory(16L << 30), List.of(), List.of(),
                List.of(new Inventory.Nic("eth0", "52:54:00:12:34:56", List.of("192.168.1.10"), List.of("fe80::1"), 0)),
                new Inventory.SystemInfo("QEMU", "Standard PC (Q35 + ICH9, 2009)", "", "", "", "kvm"),
                List.of(),
                List.of(new Inventory.SoftwarePackage("nginx", "1.20.1", "x86_64"),
                        new Inventory.SoftwarePackage("libssl3", "3.0.7", "x86_64")), null), "sha-web1", Instant.now());

        NodeId win1 = node("WIN-01", List.of());
        inventory.store(win1, new Inventory(
                new Inventory.OperatingSystem("windows", "Windows Server 2022", "10.0.20348", "10.0.20348", "amd64"),
                new Inventory.Cpu("Intel Core i7", "GenuineIntel", 1, 8, 16, 0),
                new Inventory.Memory(32L << 30), List.of(), List.of(), List.of(),
                new Inventory.SystemInfo("LENOVO", "ThinkStation", "", "", "", "hyperv"),
                List.of(), List.of(), null), "sha-win1", Instant.now());

        node("db_01", List.of("rack:b7"));  // never reported inventory
        node("dbx01", List.of());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static NodeId node(String hostname, List<String> tags) {
        NodeId id = server.createNode(hostname);
        nodes.replaceTags(id, tags);
        HOSTNAMES.put(id, hostname);
        return id;
    }

    private static List<String> selected(String rule) {
        return nodes.anyOf(List.of(), List.of(), List.of(Rule.parse(rule).condition())).stream()
                .map(HOSTNAMES::get).sorted().toList();
    }

    @Test
    void theIssuesExampleSelectsTheLinuxGpuNodeInTheLab() {
        assertThat(selected("os.family = \"linux\" and gpu.count >= 1 and hostname ~ \"gpu-*\" and tag = \"lab\""))
                .containsExactly("gpu-01");
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "`hostname = \"gpu-01\"`                        | gpu-01",
            "`hostname = \"win-01\"`                        | WIN-01",
            "`hostname ~ \"GPU-*\"`                         | gpu-01 gpu-02",
            "`hostname ~ \"db?01\"`                         | db_01 dbx01",
            "`hostname ~ \"db_*\"`                          | db_01",
            "`hostname ~ \"*\"`                             | WIN-01 db_01 dbx01 gpu-01 gpu-02 web-01",
            "`hostname ~ \"%\"`                             | ``",
            "`hostname in [\"web-01\", \"dbx01\", \"nope\"]`  | dbx01 web-01",
            "`status = \"online\"`                          | gpu-01",
            "`status != \"online\"`                         | WIN-01 db_01 dbx01 gpu-02 web-01",
            "`status in [\"offline\"]`                      | WIN-01 db_01 dbx01 gpu-02 web-01",
            "`tag = \"lab\"`                                | gpu-01 web-01",
            "`tag = \"LAB\"`                                | gpu-01 web-01",
            "`tag != \"lab\"`                               | WIN-01 db_01 dbx01 gpu-02",
            "`tag ~ \"rack:*\"`                             | db_01",
            "`tag in [\"web\", \"gpu\"]`                      | gpu-01 gpu-02 web-01",
            "`os.family = \"linux\"`                        | gpu-01 gpu-02 web-01",
            "`os.family != \"linux\"`                       | WIN-01 db_01 dbx01",
            "`os.name ~ \"*ubuntu*\"`                       | gpu-02",
            "`os.version = \"9.3\"`                         | web-01",
            "`os.arch = \"amd64\"`                          | WIN-01",
            "`os.kernel ~ \"5.1?.*\"`                       | gpu-02 web-01",
            "`cpu.vendor = \"genuineintel\"`                | WIN-01 gpu-02",
            "`cpu.model ~ \"*EPYC*\"`                       | gpu-01",
            "`cpu.cores >= 24`                              | gpu-01 gpu-02",
            "`cpu.cores < 8`                                | web-01",
            "`cpu.cores <= 8`                               | WIN-01 web-01",
            "`cpu.threads > 200`                            | gpu-02",
            "`cpu.sockets = 2`                              | gpu-02",
            "`cpu.cores in [4, 8]`                          | WIN-01 web-01",
            "`memory.total >= 128GiB`                       | gpu-01 gpu-02",
            "`memory.total = 16GiB`                         | web-01",
            "`memory.total < 17179869185`                   | web-01",
            "`gpu.count = 0`                                | WIN-01 db_01 dbx01 web-01",
            "`gpu.count = 2`                                | gpu-02",
            "`gpu.count >= 1`                               | gpu-01 gpu-02",
            "`gpu.count != 1`                               | WIN-01 db_01 dbx01 gpu-02 web-01",
            "`gpu.model ~ \"*h100*\"`                       | gpu-02",
            "`gpu.vendor = \"nvidia\"`                      | gpu-01 gpu-02",
            "`not gpu.vendor = \"nvidia\"`                  | WIN-01 db_01 dbx01 web-01",
            "`package = \"nginx\"`                          | gpu-02 web-01",
            "`package ~ \"lib*\"`                           | gpu-01 web-01",
            "`package != \"bash\"`                          | WIN-01 db_01 dbx01 gpu-02 web-01",
            "`nic.mac = \"52:54:00:12:34:56\"`              | web-01",
            "`nic.mac = \"52:54:00:AB:CD:EF\" or nic.mac = \"52:54:00:12:34:56\"` | web-01",
            "`nic.mac ~ \"0A:*\"`                           | gpu-02",
            "`nic.ip = \"192.168.1.10\"`                    | web-01",
            "`nic.ip = \"::1\"`                             | gpu-01",
            "`nic.ip ~ \"fe80::*\"`                         | gpu-01 web-01",
            "`nic.ip in [\"10.0.0.5\", \"10.0.0.6\"]`         | gpu-01 gpu-02",
            "`system.virtualization = \"kvm\"`              | web-01",
            "`system.virtualization in [\"kvm\", \"hyperv\"]` | WIN-01 web-01",
            "`system.manufacturer ~ \"dell*\"`              | gpu-02",
            "`system.model ~ \"*(Q35*\"`                    | web-01",
            "`tag = \"lab\" or gpu.count = 2 and os.family = \"windows\"`   | gpu-01 web-01",
            "`(tag = \"lab\" or gpu.count = 2) and os.name ~ \"*ubuntu*\"` | gpu-02",
            "`not (tag = \"lab\" or tag = \"gpu\") and os.family = \"linux\"` | ``",
    })
    void ruleSelectsExactlyTheseNodes(String rule, String expected) {
        List<String> hostnames = expected == null || expected.isEmpty() ? List.of() : Arrays.asList(expected.split(" "));

        assertThat(selected(rule)).as(rule).containsExactlyElementsOf(hostnames);
    }

    @Test
    void injectionAttemptsArePlainStringsThatMatchNothingAndLeaveTheTablesAlone() {
        int nodesBefore = dsl.fetchCount(NODES);
        int osBefore = dsl.fetchCount(NODE_OS);

        assertThat(selected("hostname = \"x\\\" or 1=1 --\"")).isEmpty();
        assertThat(selected("hostname = \"'; drop table nodes; --\"")).isEmpty();
        assertThat(selected("os.family = \"linux'); delete from node_os; --\"")).isEmpty();
        assertThat(selected("tag ~ \"*' or '1'='1\"")).isEmpty();
        assertThat(selected("nic.ip in [\"1' or '1'='1\", \"\\\\\"]")).isEmpty();

        assertThat(dsl.fetchCount(NODES)).isEqualTo(nodesBefore).isEqualTo(6);
        assertThat(dsl.fetchCount(NODE_OS)).isEqualTo(osBefore);
    }

    @Test
    void ruleValuesAreBoundNotInlined() {
        String sql = dsl.renderNamedParams(dsl.selectOne().where(
                Rule.parse("hostname = \"'; drop table nodes; --\" and memory.total > 1").condition()));

        assertThat(sql).doesNotContain("drop table").contains(":1").contains(":2");
    }
}
