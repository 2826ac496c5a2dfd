package io.octofleet.server.inventory;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.type.Argument;
import io.octofleet.server.database.JsonColumns;
import io.octofleet.server.db.tables.records.InventoryChangesRecord;
import io.octofleet.server.db.tables.records.NodeCpuRecord;
import io.octofleet.server.db.tables.records.NodeDisksRecord;
import io.octofleet.server.db.tables.records.NodeFilesystemsRecord;
import io.octofleet.server.db.tables.records.NodeGpusRecord;
import io.octofleet.server.db.tables.records.NodeNicsRecord;
import io.octofleet.server.db.tables.records.NodeOsRecord;
import io.octofleet.server.db.tables.records.NodeSystemRecord;
import io.octofleet.server.nodes.NodeId;
import jakarta.inject.Singleton;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Table;
import org.jooq.TableField;
import org.jooq.TableRecord;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import static io.octofleet.server.db.Tables.INVENTORY_CHANGES;
import static io.octofleet.server.db.Tables.NODES;
import static io.octofleet.server.db.Tables.NODE_CPU;
import static io.octofleet.server.db.Tables.NODE_DISKS;
import static io.octofleet.server.db.Tables.NODE_FILESYSTEMS;
import static io.octofleet.server.db.Tables.NODE_GPUS;
import static io.octofleet.server.db.Tables.NODE_NICS;
import static io.octofleet.server.db.Tables.NODE_OS;
import static io.octofleet.server.db.Tables.NODE_PACKAGES;
import static io.octofleet.server.db.Tables.NODE_SYSTEM;

/**
 * The typed inventory tables and the change history. Methods taking a {@link DSLContext} run inside the caller's
 * transaction; the others use the pool.
 */
@Singleton
final class InventoryRepository {
    /** Rows per insert batch: keeps one statement's bind parameters far below PostgreSQL's 32767. */
    private static final int BATCH = 1000;

    /**
     * Lists come back in code-point order of their key, the order {@link InventoryService} sorts reports into, so a
     * stored inventory reads back equal to the normalized report whatever the database's locale.
     */
    private static final String BYTEWISE = "C";

    private final DSLContext dsl;
    private final JsonColumns columns;

    InventoryRepository(DSLContext dsl, JsonColumns columns) {
        this.dsl = dsl;
        this.columns = columns;
    }

    /** The hash the node's stored inventory was reported with; empty when the node is unknown or has none. */
    Optional<String> storedSha256(NodeId node) {
        return dsl.select(NODES.INVENTORY_SHA256).from(NODES).where(NODES.ID.eq(node.value()))
                .fetchOptional(NODES.INVENTORY_SHA256);
    }

    /**
     * Locks the node's row until the transaction ends, so two reports of one node are applied one after the other.
     * Empty when the node does not exist; otherwise the stored hash, which may itself be null.
     */
    /**
     * Serializes reports of one node until the transaction ends, and reads the hash stored now. The lock is an
     * advisory one on the node, not the node's row: a row lock held while thousands of package rows are written
     * made every heartbeat batch that held the node wait for the whole inventory transaction
     * (docs/benchmarks.md#load). The row itself is locked only by {@link #markStored}, just before the commit.
     */
    Optional<StoredHash> lockNode(DSLContext tx, NodeId node) {
        tx.resultQuery("SELECT pg_advisory_xact_lock(?, hashtext(?::text))", INVENTORY_LOCK_CLASS, node.value())
                .fetch();
        return tx.select(NODES.INVENTORY_SHA256).from(NODES).where(NODES.ID.eq(node.value()))
                .fetchOptional(r -> new StoredHash(r.value1()));
    }

    /** The first key of the advisory locks on nodes' inventories ("inv" in ASCII). */
    private static final int INVENTORY_LOCK_CLASS = 0x696e76;

    record StoredHash(@Nullable String sha256) {
    }

    Optional<Inventory> find(NodeId node) {
        return find(dsl, node);
    }

    Optional<Inventory> find(DSLContext ctx, NodeId node) {
        UUID id = node.value();
        NodeOsRecord os = ctx.selectFrom(NODE_OS).where(NODE_OS.NODE_ID.eq(id)).fetchOne();
        NodeCpuRecord cpu = ctx.selectFrom(NODE_CPU).where(NODE_CPU.NODE_ID.eq(id)).fetchOne();
        NodeSystemRecord system = ctx.selectFrom(NODE_SYSTEM).where(NODE_SYSTEM.NODE_ID.eq(id)).fetchOne();
        if (os == null || cpu == null || system == null) {
            // All sections are written in one transaction, so a missing singleton means no report was stored yet.
            return Optional.empty();
        }
        return Optional.of(new Inventory(
                new Inventory.OperatingSystem(os.getFamily(), os.getName(), os.getVersion(), os.getKernel(), os.getArch()),
                new Inventory.Cpu(cpu.getModel(), cpu.getVendor(), cpu.getSockets(), cpu.getCores(), cpu.getThreads(),
                        cpu.getMaxFrequencyHz()),
                new Inventory.Memory(system.getMemoryTotalBytes()),
                ctx.selectFrom(NODE_DISKS).where(NODE_DISKS.NODE_ID.eq(id)).orderBy(NODE_DISKS.NAME.collate(BYTEWISE))
                        .fetch(d -> new Inventory.Disk(d.getName(), d.getModel(), d.getSerial(), d.getSizeBytes(), d.getType())),
                ctx.selectFrom(NODE_FILESYSTEMS).where(NODE_FILESYSTEMS.NODE_ID.eq(id)).orderBy(NODE_FILESYSTEMS.MOUNT.collate(BYTEWISE))
                        .fetch(f -> new Inventory.FileSystem(f.getMount(), f.getType(), f.getTotalBytes(), f.getFreeBytes())),
                ctx.selectFrom(NODE_NICS).where(NODE_NICS.NODE_ID.eq(id)).orderBy(NODE_NICS.NAME.collate(BYTEWISE))
                        .fetch(n -> new Inventory.Nic(n.getName(), n.getMac(), List.of(n.getIpv4()), List.of(n.getIpv6()),
                                n.getSpeedBps())),
                new Inventory.SystemInfo(system.getManufacturer(), system.getModel(), system.getSerial(), system.getUuid(),
                        system.getBiosVersion(), system.getVirtualization()),
                ctx.selectFrom(NODE_GPUS).where(NODE_GPUS.NODE_ID.eq(id)).orderBy(NODE_GPUS.POSITION)
                        .fetch(g -> new Inventory.Gpu(g.getVendor(), g.getModel(), g.getUuid(), g.getVramBytes(),
                                g.getDriverVersion(), g.getMigMode())),
                packages(ctx, node),
                os.getBootTime() == null ? null : os.getBootTime().toInstant()));
    }

    List<Inventory.SoftwarePackage> packages(NodeId node) {
        return packages(dsl, node);
    }

    private static List<Inventory.SoftwarePackage> packages(DSLContext ctx, NodeId node) {
        return ctx.selectFrom(NODE_PACKAGES).where(NODE_PACKAGES.NODE_ID.eq(node.value()))
                .orderBy(NODE_PACKAGES.NAME.collate(BYTEWISE), NODE_PACKAGES.ARCH.collate(BYTEWISE))
                .fetch(p -> new Inventory.SoftwarePackage(p.getName(), p.getVersion(), p.getArch()));
    }

    /**
     * Makes the typed tables hold {@code next}. Sections equal to what is {@code stored} are not rewritten, so a
     * report where only free space moved touches one small table instead of thousands of package rows.
     */
    void replace(DSLContext tx, NodeId node, @Nullable Inventory stored, Inventory next) {
        UUID id = node.value();
        if (stored == null || !stored.os().equals(next.os()) || !Objects.equals(stored.bootTime(), next.bootTime())) {
            Inventory.OperatingSystem os = next.os();
            replaceRows(tx, NODE_OS, NODE_OS.NODE_ID, id, List.of(new NodeOsRecord(id, os.family(), os.name(),
                    os.version(), os.kernel(), os.arch(), utc(next.bootTime()))));
        }
        if (stored == null || !stored.cpu().equals(next.cpu())) {
            Inventory.Cpu cpu = next.cpu();
            replaceRows(tx, NODE_CPU, NODE_CPU.NODE_ID, id, List.of(new NodeCpuRecord(id, cpu.model(), cpu.vendor(),
                    cpu.sockets(), cpu.cores(), cpu.threads(), cpu.maxFrequencyHz())));
        }
        if (stored == null || !stored.system().equals(next.system()) || !stored.memory().equals(next.memory())) {
            Inventory.SystemInfo s = next.system();
            replaceRows(tx, NODE_SYSTEM, NODE_SYSTEM.NODE_ID, id, List.of(new NodeSystemRecord(id, s.manufacturer(),
                    s.model(), s.serial(), s.uuid(), s.biosVersion(), s.virtualization(), next.memory().totalBytes())));
        }
        if (stored == null || !stored.disks().equals(next.disks())) {
            replaceRows(tx, NODE_DISKS, NODE_DISKS.NODE_ID, id, next.disks().stream()
                    .map(d -> new NodeDisksRecord(id, d.name(), d.model(), d.serial(), d.sizeBytes(), d.type())).toList());
        }
        if (stored == null || !stored.filesystems().equals(next.filesystems())) {
            replaceRows(tx, NODE_FILESYSTEMS, NODE_FILESYSTEMS.NODE_ID, id, next.filesystems().stream()
                    .map(f -> new NodeFilesystemsRecord(id, f.mount(), f.type(), f.totalBytes(), f.freeBytes())).toList());
        }
        if (stored == null || !stored.nics().equals(next.nics())) {
            replaceRows(tx, NODE_NICS, NODE_NICS.NODE_ID, id, next.nics().stream()
                    .map(n -> new NodeNicsRecord(id, n.name(), n.mac(), n.ipv4().toArray(String[]::new),
                            n.ipv6().toArray(String[]::new), n.speedBps())).toList());
        }
        if (stored == null || !stored.gpus().equals(next.gpus())) {
            List<NodeGpusRecord> gpus = new ArrayList<>();
            for (int i = 0; i < next.gpus().size(); i++) {
                Inventory.Gpu g = next.gpus().get(i);
                gpus.add(new NodeGpusRecord(id, i, g.vendor(), g.model(), g.uuid(), g.vramBytes(), g.driverVersion(),
                        g.migMode()));
            }
            replaceRows(tx, NODE_GPUS, NODE_GPUS.NODE_ID, id, gpus);
        }
        if (stored == null) {
            tx.deleteFrom(NODE_PACKAGES).where(NODE_PACKAGES.NODE_ID.eq(id)).execute();
            upsertPackages(tx, id, next.packages());
        } else if (!stored.packages().equals(next.packages())) {
            replacePackages(tx, id, stored.packages(), next.packages());
        }
    }

    /**
     * Writes only what changed between two package lists: an upgrade of one package out of thousands is one row.
     * Packages are keyed by name and architecture, as in the table.
     */
    private static void replacePackages(DSLContext tx, UUID node, List<Inventory.SoftwarePackage> before,
                                        List<Inventory.SoftwarePackage> after) {
        Map<List<String>, String> old = new HashMap<>();
        before.forEach(p -> old.put(List.of(p.name(), p.arch()), p.version()));
        Set<List<String>> kept = new HashSet<>();
        List<Inventory.SoftwarePackage> upserts = new ArrayList<>();
        for (Inventory.SoftwarePackage p : after) {
            List<String> key = List.of(p.name(), p.arch());
            kept.add(key);
            if (!p.version().equals(old.get(key))) {
                upserts.add(p);
            }
        }
        List<List<String>> gone = old.keySet().stream().filter(k -> !kept.contains(k)).toList();
        if (!gone.isEmpty()) {
            tx.execute("DELETE FROM node_packages p USING unnest(?::text[], ?::text[]) AS gone(name, arch) "
                            + "WHERE p.node_id = ? AND p.name = gone.name AND p.arch = gone.arch",
                    gone.stream().map(k -> k.get(0)).toArray(String[]::new),
                    gone.stream().map(k -> k.get(1)).toArray(String[]::new), node);
        }
        upsertPackages(tx, node, upserts);
    }

    /**
     * One statement for any number of packages (arrays bound as three parameters), where a batch of single-row
     * inserts cost the server a statement per package and the database a round trip's worth of work per row.
     */
    private static void upsertPackages(DSLContext tx, UUID node, List<Inventory.SoftwarePackage> packages) {
        if (packages.isEmpty()) {
            return;
        }
        tx.execute("INSERT INTO node_packages (node_id, name, arch, version) "
                        + "SELECT ?, p.name, p.arch, p.version FROM unnest(?::text[], ?::text[], ?::text[]) "
                        + "AS p(name, arch, version) "
                        + "ON CONFLICT (node_id, name, arch) DO UPDATE SET version = EXCLUDED.version",
                node, packages.stream().map(Inventory.SoftwarePackage::name).toArray(String[]::new),
                packages.stream().map(Inventory.SoftwarePackage::arch).toArray(String[]::new),
                packages.stream().map(Inventory.SoftwarePackage::version).toArray(String[]::new));
    }

    void markStored(DSLContext tx, NodeId node, String sha256, Instant collectedAt) {
        tx.update(NODES)
                .set(NODES.INVENTORY_SHA256, sha256)
                .set(NODES.INVENTORY_UPDATED_AT, utc(collectedAt))
                .where(NODES.ID.eq(node.value()))
                .execute();
    }

    void appendChanges(DSLContext tx, NodeId node, List<InventoryChange> changes) {
        List<InventoryChangesRecord> rows = changes.stream().map(c -> {
            InventoryChangesRecord row = tx.newRecord(INVENTORY_CHANGES);
            row.setNodeId(node.value());
            row.setChangedAt(utc(c.changedAt()));
            row.setSection(c.section());
            row.setItemKey(c.key());
            row.setChange(c.change());
            row.setBefore(columns.write(c.before()));
            row.setAfter(columns.write(c.after()));
            return row;
        }).toList();
        insert(tx, rows);
    }

    /** Newest first; {@code before} (exclusive) pages back in time. */
    List<InventoryChange> history(NodeId node, int limit, @Nullable Instant before) {
        Condition condition = INVENTORY_CHANGES.NODE_ID.eq(node.value());
        if (before != null) {
            condition = condition.and(INVENTORY_CHANGES.CHANGED_AT.lt(utc(before)));
        }
        return dsl.selectFrom(INVENTORY_CHANGES)
                .where(condition)
                .orderBy(INVENTORY_CHANGES.CHANGED_AT.desc(), INVENTORY_CHANGES.ID.desc())
                .limit(limit)
                .fetch(r -> new InventoryChange(r.getChangedAt().toInstant(), r.getSection(), r.getItemKey(),
                        r.getChange(), columns.read(r.getBefore(), Argument.OBJECT_ARGUMENT), columns.read(r.getAfter(), Argument.OBJECT_ARGUMENT)));
    }

    private static <R extends TableRecord<R>> void replaceRows(DSLContext tx, Table<R> table,
                                                                TableField<R, UUID> nodeColumn, UUID node, List<R> rows) {
        tx.deleteFrom(table).where(nodeColumn.eq(node)).execute();
        insert(tx, rows);
    }

    private static <R extends TableRecord<R>> void insert(DSLContext tx, List<R> rows) {
        for (int from = 0; from < rows.size(); from += BATCH) {
            tx.batchInsert(rows.subList(from, Math.min(rows.size(), from + BATCH))).execute();
        }
    }

    private static @Nullable OffsetDateTime utc(@Nullable Instant instant) {
        return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
    }
}
