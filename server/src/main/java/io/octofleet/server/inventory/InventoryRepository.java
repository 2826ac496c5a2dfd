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
import io.octofleet.server.db.tables.records.NodePackagesRecord;
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
import java.util.List;
import java.util.Objects;
import java.util.Optional;
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
    Optional<StoredHash> lockNode(DSLContext tx, NodeId node) {
        return tx.select(NODES.INVENTORY_SHA256).from(NODES).where(NODES.ID.eq(node.value())).forUpdate()
                .fetchOptional(r -> new StoredHash(r.value1()));
    }

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
        if (stored == null || !stored.packages().equals(next.packages())) {
            replaceRows(tx, NODE_PACKAGES, NODE_PACKAGES.NODE_ID, id, next.packages().stream()
                    .map(p -> new NodePackagesRecord(id, p.name(), p.arch(), p.version())).toList());
        }
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
