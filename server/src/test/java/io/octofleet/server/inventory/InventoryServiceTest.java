package io.octofleet.server.inventory;

import io.octofleet.server.nodes.NodeId;
import io.octofleet.server.nodes.NodeService;
import io.octofleet.server.TestServer;
import io.octofleet.server.problem.ApiException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static io.octofleet.server.inventory.SampleInventory.linuxHost;
import static io.octofleet.server.inventory.SampleInventory.withDisks;
import static io.octofleet.server.inventory.SampleInventory.withFilesystems;
import static io.octofleet.server.inventory.SampleInventory.withNics;
import static io.octofleet.server.inventory.SampleInventory.withPackages;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

/** Against the real embedded PostgreSQL, migrated by Flyway, in a temporary OCTOFLEET_HOME. */
class InventoryServiceTest {
    private static final Instant T1 = Instant.parse("2026-11-21T10:00:00Z");
    private static final Instant T2 = Instant.parse("2026-11-21T11:00:00Z");

    static TestServer server;
    static InventoryService inventory;
    static NodeService nodes;
    static org.jooq.DSLContext dsl;

    @BeforeAll
    static void start() {
        server = TestServer.start(Map.of());
        inventory = server.bean(InventoryService.class);
        nodes = server.bean(NodeService.class);
        dsl = server.bean(org.jooq.DSLContext.class);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static NodeId enrolledNode() {
        NodeId node = NodeId.random();
        nodes.create(node, io.octofleet.server.organizations.OrganizationId.DEFAULT, "host-" + node.value().toString().substring(0, 8), "0.1.0", null);
        return node;
    }

    @Test
    void firstReportReadsBackEqualAndIsOneInitialHistoryEntry() {
        NodeId node = enrolledNode();

        InventoryUpdate update = inventory.store(node, linuxHost(), "sha-1", T1);

        assertThat(update.stored()).isTrue();
        assertThat(inventory.find(node)).contains(linuxHost());
        assertThat(inventory.packages(node)).isEqualTo(linuxHost().packages());
        assertThat(inventory.storedSha256(node)).contains("sha-1");
        List<InventoryChange> history = inventory.history(node, 100, null);
        assertThat(history).extracting(InventoryChange::changedAt, InventoryChange::section, InventoryChange::change)
                .containsExactly(tuple(T1, "inventory", "initial"));
        assertThat(history.get(0).before()).isNull();
        assertThat(history.get(0).after()).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
                .containsKeys("os", "packages", "bootTime");
    }

    @Test
    void nodeWithoutReportHasNoInventory() {
        NodeId node = enrolledNode();

        assertThat(inventory.find(node)).isEmpty();
        assertThat(inventory.storedSha256(node)).isEmpty();
        assertThat(inventory.history(node, 10, null)).isEmpty();
    }

    @Test
    void changedReportRecordsExactlyWhatChangedNewestFirstButNotFreeSpace() {
        NodeId node = enrolledNode();
        inventory.store(node, linuxHost(), "sha-1", T1);
        Inventory.Disk newDisk = new Inventory.Disk("sda", "WDC WD80EFZZ", "VK0ABC", 8_001_563_222_016L, "hdd");
        Inventory next = withPackages(withDisks(withNics(withFilesystems(linuxHost(), fs -> {
            fs.set(0, new Inventory.FileSystem("/", "ext4", 100L << 30, 3L << 30));
            return fs;
        }), nics -> {
            nics.set(0, new Inventory.Nic("eno1", "3c:ec:ef:10:20:30", List.of("10.0.0.99"),
                    List.of("fe80::3eec:efff:fe10:2030"), 10_000_000_000L));
            return nics;
        }), disks -> {
            disks.add(newDisk);
            return disks;
        }), packages -> {
            packages.set(2, new Inventory.SoftwarePackage("openssl", "3.0.15-1~deb12u1", "amd64"));
            return packages;
        });

        InventoryUpdate update = inventory.store(node, next, "sha-2", T2);

        assertThat(update.changes()).hasSize(3);
        assertThat(inventory.find(node)).contains(next);
        assertThat(inventory.storedSha256(node)).contains("sha-2");
        List<InventoryChange> history = inventory.history(node, 100, null);
        assertThat(history).extracting(InventoryChange::changedAt, InventoryChange::section, InventoryChange::key,
                        InventoryChange::change)
                .containsExactlyInAnyOrder(
                        tuple(T2, "disks", "sda", "added"),
                        tuple(T2, "nics", "eno1", "changed"),
                        tuple(T2, "packages", "openssl:amd64", "changed"),
                        tuple(T1, "inventory", "inventory", "initial"));
        assertThat(history.get(history.size() - 1).change()).isEqualTo("initial");
        InventoryChange upgrade = history.stream().filter(c -> c.section().equals("packages")).findFirst().orElseThrow();
        assertThat(upgrade.before()).isEqualTo(Map.of("name", "openssl", "version", "3.0.14-1~deb12u2", "arch", "amd64"));
        assertThat(upgrade.after()).isEqualTo(Map.of("name", "openssl", "version", "3.0.15-1~deb12u1", "arch", "amd64"));
        InventoryChange added = history.stream().filter(c -> c.section().equals("disks")).findFirst().orElseThrow();
        assertThat(added.before()).isNull();
        assertThat(added.after()).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
                .containsEntry("name", "sda").containsEntry("type", "hdd");
    }

    @Test
    void aLargePackageListIsStoredAndLaterChangesAreRecordedAsAddedRemovedAndUpgradedPackages() {
        NodeId node = enrolledNode();
        List<Inventory.SoftwarePackage> many = new java.util.ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            many.add(new Inventory.SoftwarePackage(String.format("lib-%05d", i), "1." + i, "amd64"));
        }
        many.add(new Inventory.SoftwarePackage("lib-00001", "1.1", "i386")); // same name, another architecture
        inventory.store(node, withPackages(linuxHost(), p -> many), "sha-many", T1);
        assertThat(inventory.packages(node)).hasSize(3001);
        // Stored in rows small enough to stay out of TOAST, which the planner would not see the cost of (V13).
        assertThat(dsl.fetch("SELECT cardinality(package_ids) FROM node_package_lists WHERE node_id = ? ORDER BY chunk",
                node.value()).getValues(0, Integer.class)).containsExactly(400, 400, 400, 400, 400, 400, 400, 201);

        Inventory next = withPackages(linuxHost(), p -> {
            List<Inventory.SoftwarePackage> changed = new java.util.ArrayList<>(many);
            changed.remove(3000); // lib-00001:i386 removed, lib-00001:amd64 stays
            changed.set(5, new Inventory.SoftwarePackage("lib-00005", "2.0", "amd64"));
            changed.remove(7);
            changed.add(new Inventory.SoftwarePackage("zz-new", "0.1", "all"));
            return changed;
        });
        InventoryUpdate update = inventory.store(node, next, "sha-next", T2);

        assertThat(update.changes()).extracting(InventoryChange::key, InventoryChange::change)
                .containsExactlyInAnyOrder(tuple("lib-00001:i386", "removed"), tuple("lib-00005:amd64", "changed"),
                        tuple("lib-00007:amd64", "removed"), tuple("zz-new:all", "added"));
        assertThat(inventory.packages(node)).hasSize(3000)
                .contains(new Inventory.SoftwarePackage("lib-00005", "2.0", "amd64"),
                        new Inventory.SoftwarePackage("lib-00001", "1.1", "amd64"),
                        new Inventory.SoftwarePackage("zz-new", "0.1", "all"))
                .doesNotContain(new Inventory.SoftwarePackage("lib-00001", "1.1", "i386"),
                        new Inventory.SoftwarePackage("lib-00005", "1.5", "amd64"));
        assertThat(inventory.find(node)).map(Inventory::packages).hasValueSatisfying(
                stored -> assertThat(stored).containsExactlyInAnyOrderElementsOf(next.packages()));
    }

    @Test
    void nodesWithTheSamePackagesShareTheirBuildsAndAnUpgradeOnOneLeavesTheOtherAlone() {
        String prefix = "shared-" + NodeId.random().value().toString().substring(0, 8) + "-";
        List<Inventory.SoftwarePackage> list = List.of(
                new Inventory.SoftwarePackage(prefix + "a", "1.0", "amd64"),
                new Inventory.SoftwarePackage(prefix + "b", "1.0", "amd64"),
                new Inventory.SoftwarePackage(prefix + "c", "1.0", "amd64"));
        NodeId first = enrolledNode();
        NodeId second = enrolledNode();
        inventory.store(first, withPackages(linuxHost(), p -> list), "sha-shared-1", T1);
        inventory.store(second, withPackages(linuxHost(), p -> list), "sha-shared-2", T1);
        assertThat(builds(prefix)).isEqualTo(3);

        List<Inventory.SoftwarePackage> upgraded = List.of(list.get(0), list.get(1),
                new Inventory.SoftwarePackage(prefix + "c", "2.0", "amd64"));
        inventory.store(first, withPackages(linuxHost(), p -> upgraded), "sha-shared-3", T2);

        assertThat(builds(prefix)).isEqualTo(4);
        assertThat(inventory.packages(first)).isEqualTo(upgraded);
        assertThat(inventory.packages(second)).isEqualTo(list);
        // SQL readers still see one row per package per node (docs/api.md).
        assertThat(dsl.fetch("SELECT name, version FROM node_packages WHERE node_id = ? ORDER BY name",
                        first.value()).map(r -> r.get(0) + "=" + r.get(1)))
                .containsExactly(prefix + "a=1.0", prefix + "b=1.0", prefix + "c=2.0");
    }

    @Test
    void concurrentFirstReportsOfTheSameNewBuildsEachStoreTheirWholeList() throws Exception {
        String prefix = "race-" + NodeId.random().value().toString().substring(0, 8) + "-";
        List<Inventory.SoftwarePackage> list = new java.util.ArrayList<>();
        for (int i = 0; i < 500; i++) {
            list.add(new Inventory.SoftwarePackage(String.format("%s%04d", prefix, i), "1." + i, "amd64"));
        }
        List<NodeId> reporters = java.util.stream.Stream.generate(InventoryServiceTest::enrolledNode).limit(8).toList();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(reporters.size());
        try {
            java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
            List<java.util.concurrent.Future<InventoryUpdate>> stores = reporters.stream().map(node -> pool.submit(() -> {
                go.await();
                return inventory.store(node, withPackages(linuxHost(), p -> list), "sha-race-" + node, T1);
            })).toList();
            go.countDown();
            for (java.util.concurrent.Future<InventoryUpdate> store : stores) {
                assertThat(store.get(60, java.util.concurrent.TimeUnit.SECONDS).stored()).isTrue();
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(builds(prefix)).isEqualTo(500);
        for (NodeId node : reporters) {
            assertThat(inventory.packages(node)).isEqualTo(list);
        }
    }

    @Test
    void buildsInsertedByARolledBackReportAreNotTakenForKnownOnes() {
        String prefix = "rollback-" + NodeId.random().value().toString().substring(0, 8) + "-";
        List<Inventory.SoftwarePackage> list = List.of(new Inventory.SoftwarePackage(prefix + "a", "1.0", "amd64"),
                new Inventory.SoftwarePackage(prefix + "b", "1.0", "amd64"));
        Inventory report = withPackages(linuxHost(), p -> list);
        InventoryRepository repository = server.bean(InventoryRepository.class);
        NodeId first = enrolledNode();
        assertThatThrownBy(() -> dsl.transaction(c -> {
            repository.replace(c.dsl(), first, null, report);
            throw new IllegalStateException("the report fails after its packages were written");
        })).hasMessage("the report fails after its packages were written");
        assertThat(builds(prefix)).isZero();

        NodeId second = enrolledNode();
        inventory.store(second, report, "sha-after-rollback", T1);

        assertThat(inventory.packages(second)).isEqualTo(list);
        assertThat(inventory.packages(first)).isEmpty();
    }

    private static int builds(String namePrefix) {
        return dsl.fetchCount(dsl.selectFrom("packages").where("name LIKE ?", namePrefix + "%"));
    }

    @Test
    void historyPagesBackInTime() {
        NodeId node = enrolledNode();
        inventory.store(node, linuxHost(), "sha-1", T1);
        inventory.store(node, withDisks(linuxHost(), d -> List.of()), "sha-2", T2);

        assertThat(inventory.history(node, 1, null)).extracting(InventoryChange::change).containsExactly("removed");
        assertThat(inventory.history(node, 10, T2)).extracting(InventoryChange::change).containsExactly("initial");
        assertThatThrownBy(() -> inventory.history(node, 0, null)).isInstanceOf(ApiException.class)
                .hasMessageContaining("limit");
    }

    @Test
    void sameHashAgainWritesNothing() {
        NodeId node = enrolledNode();
        inventory.store(node, linuxHost(), "sha-1", T1);

        // A different body under the same hash proves the tables were not even looked at.
        InventoryUpdate again = inventory.store(node, withPackages(linuxHost(), p -> List.of()), "sha-1", T2);

        assertThat(again.stored()).isFalse();
        assertThat(again.changes()).isEmpty();
        assertThat(inventory.packages(node)).hasSize(3);
        assertThat(inventory.history(node, 100, null)).hasSize(1);
    }

    @Test
    void freeSpaceOnlyReportUpdatesTheValueWithoutHistory() {
        NodeId node = enrolledNode();
        inventory.store(node, linuxHost(), "sha-1", T1);
        Inventory fuller = withFilesystems(linuxHost(), fs -> {
            fs.set(1, new Inventory.FileSystem("/var", "xfs", 800L << 30, 1L << 30));
            return fs;
        });

        InventoryUpdate update = inventory.store(node, fuller, "sha-2", T2);

        assertThat(update.stored()).isTrue();
        assertThat(update.changes()).isEmpty();
        assertThat(inventory.find(node).orElseThrow().filesystems().get(1).freeBytes()).isEqualTo(1L << 30);
        assertThat(inventory.history(node, 100, null)).hasSize(1);
    }

    @Test
    void duplicateAndUnsortedItemsAreStoredOncePerKeyInKeyOrder() {
        NodeId node = enrolledNode();
        Inventory messy = withPackages(linuxHost(), p -> List.of(p.get(2), p.get(0),
                new Inventory.SoftwarePackage("bash", "5.2.15-2+b8", "amd64"), p.get(1)));

        inventory.store(node, messy, "sha-1", T1);

        assertThat(inventory.packages(node)).containsExactly(
                new Inventory.SoftwarePackage("bash", "5.2.15-2+b8", "amd64"),
                linuxHost().packages().get(1), linuxHost().packages().get(2));
    }

    @Test
    void reportForUnknownNodeIsNotFound() {
        NodeId stranger = NodeId.random();

        assertThatThrownBy(() -> inventory.store(stranger, linuxHost(), "sha-1", T1))
                .isInstanceOf(ApiException.class).hasMessageContaining(stranger.toString());
    }
}
