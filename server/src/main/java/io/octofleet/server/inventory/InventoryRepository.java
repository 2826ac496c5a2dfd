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
import org.jooq.Field;
import org.jooq.InsertValuesStepN;
import org.jooq.Table;
import org.jooq.TableField;
import org.jooq.TableRecord;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
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
import static io.octofleet.server.db.Tables.NODE_SYSTEM;

/**
 * The typed inventory tables and the change history. Methods taking a {@link DSLContext} run inside the caller's
 * transaction; the others use the pool.
 */
@Singleton
final class InventoryRepository {
    /** Rows per insert batch: keeps one statement's bind parameters far below PostgreSQL's 32767. */
    private static final int BATCH = 1000;

    /** Ids per row of {@code node_package_lists}: 1.6 kB, under PostgreSQL's 2 kB TOAST threshold. */
    private static final int LIST_CHUNK = 400;

    /**
     * Lists come back in code-point order of their key, the order {@link InventoryService} sorts reports into, so a
     * stored inventory reads back equal to the normalized report whatever the database's locale.
     */
    private static final String BYTEWISE = "C";

    private final DSLContext dsl;
    private final JsonColumns columns;
    private final PackageBuilds builds = new PackageBuilds(PackageBuilds.DEFAULT_CAPACITY);

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
        return ctx.resultQuery("SELECT p.name, p.version, p.arch FROM node_package_lists l "
                                + "CROSS JOIN LATERAL unnest(l.package_ids) AS u(id) JOIN packages p ON p.id = u.id "
                                + "WHERE l.node_id = ? ORDER BY p.name COLLATE \"C\", p.arch COLLATE \"C\"",
                        node.value())
                .fetch(r -> new Inventory.SoftwarePackage(r.get(0, String.class), r.get(1, String.class),
                        r.get(2, String.class)));
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
            writePackages(tx, id, next.packages());
        }
    }

    /**
     * Makes the node's package list hold {@code packages}: the ids of their builds, from the cache of known builds
     * or looked up in {@code packages} in one statement; builds the fleet has not reported before are inserted first.
     * Where one row per package cost PostgreSQL a foreign-key check and three index insertions each (~90 ms for
     * 2,000; docs/benchmarks.md), a report of known builds is now five rows of ids.
     * <p>
     * A build another report is inserting at the same moment makes the insert wait for that transaction and then
     * skip the row; the lookup after it runs with a new snapshot and so sees the build either way. The list is
     * {@link InventoryService}'s normalized report, sorted by name and arch, so concurrent reports insert new builds
     * in one order. Only builds not found are inserted, so the identity is not spent on conflicts.
     */
    private void writePackages(DSLContext tx, UUID node, List<Inventory.SoftwarePackage> packages) {
        if (packages.isEmpty()) {
            tx.execute("DELETE FROM node_package_lists WHERE node_id = ?", node);
            return;
        }
        Integer[] ids = new Integer[packages.size()];
        List<Inventory.SoftwarePackage> uncached = new ArrayList<>();
        for (int i = 0; i < ids.length; i++) {
            ids[i] = builds.get(packages.get(i));
            if (ids[i] == null) {
                uncached.add(packages.get(i));
            }
        }
        if (!uncached.isEmpty()) {
            Integer[] found = new Integer[uncached.size()];
            List<Inventory.SoftwarePackage> unknown = lookUpBuilds(tx, uncached, found);
            // Found by this statement's snapshot, so committed: safe to remember even if this transaction fails.
            for (int i = 0; i < found.length; i++) {
                if (found[i] != null) {
                    builds.remember(uncached.get(i), found[i]);
                }
            }
            if (!unknown.isEmpty()) {
                insertBuilds(tx, unknown);
                Integer[] added = new Integer[unknown.size()];
                if (!lookUpBuilds(tx, unknown, added).isEmpty()) {
                    // Cannot happen while builds are never deleted; failing rolls the report back, the agent resends.
                    throw new IllegalStateException("node " + node + ": inserted package builds are not found");
                }
                // Not remembered: they exist only if this transaction commits. The next report that needs them
                // finds them committed.
                fill(found, added);
            }
            fill(ids, found);
        }
        Arrays.sort(ids);
        tx.execute("DELETE FROM node_package_lists WHERE node_id = ?", node);
        // Rows of at most LIST_CHUNK ids, small enough to stay in the table's pages (see V13).
        tx.execute("INSERT INTO node_package_lists (node_id, chunk, package_ids) "
                + "SELECT ?, (u.n - 1) / " + LIST_CHUNK + ", array_agg(u.id ORDER BY u.n) "
                + "FROM unnest(?::integer[]) WITH ORDINALITY AS u(id, n) GROUP BY (u.n - 1) / " + LIST_CHUNK, node, ids);
    }

    /** Fills the gaps of {@code ids}, in order, with {@code values}. */
    private static void fill(Integer[] ids, Integer[] values) {
        for (int i = 0, k = 0; i < ids.length; i++) {
            if (ids[i] == null) {
                ids[i] = values[k++];
            }
        }
    }

    private static void insertBuilds(DSLContext tx, List<Inventory.SoftwarePackage> builds) {
        tx.connection(c -> {
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO packages (name, arch, version) "
                    + "SELECT r.name, r.arch, r.version FROM unnest(?::text[], ?::text[], ?::text[]) "
                    + "WITH ORDINALITY AS r(name, arch, version, n) ORDER BY r.n ON CONFLICT DO NOTHING")) {
                bindPackages(c, insert, builds);
                insert.executeUpdate();
            }
        });
    }

    /**
     * Fills {@code ids} (parallel to {@code packages}) with the ids of the builds already known, and returns the
     * packages whose build is not, in their order. Plain JDBC: binding three arrays of thousands of strings through
     * jOOQ's array rendering plus a record per row cost more server CPU than the statement cost PostgreSQL (JFR,
     * docs/benchmarks.md).
     */
    private static List<Inventory.SoftwarePackage> lookUpBuilds(DSLContext tx, List<Inventory.SoftwarePackage> packages,
                                                                 Integer[] ids) {
        return tx.connectionResult(c -> {
            try (PreparedStatement lookup = c.prepareStatement("SELECT r.n, p.id "
                    + "FROM unnest(?::text[], ?::text[], ?::text[]) WITH ORDINALITY AS r(name, arch, version, n) "
                    + "JOIN packages p ON p.name = r.name AND p.arch = r.arch AND p.version = r.version")) {
                bindPackages(c, lookup, packages);
                try (ResultSet found = lookup.executeQuery()) {
                    while (found.next()) {
                        ids[(int) found.getLong(1) - 1] = found.getInt(2);
                    }
                }
            }
            List<Inventory.SoftwarePackage> unknown = new ArrayList<>();
            for (int i = 0; i < ids.length; i++) {
                if (ids[i] == null) {
                    unknown.add(packages.get(i));
                }
            }
            return unknown;
        });
    }

    private static void bindPackages(Connection c, PreparedStatement statement,
                                     List<Inventory.SoftwarePackage> packages) throws SQLException {
        statement.setArray(1, c.createArrayOf("text",
                packages.stream().map(Inventory.SoftwarePackage::name).toArray()));
        statement.setArray(2, c.createArrayOf("text",
                packages.stream().map(Inventory.SoftwarePackage::arch).toArray()));
        statement.setArray(3, c.createArrayOf("text",
                packages.stream().map(Inventory.SoftwarePackage::version).toArray()));
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

    /**
     * One multi-row insert per {@value #BATCH} rows of the columns set on the first row (jOOQ's {@code batchInsert}
     * renders a statement per record, which showed in the profile of inventory bursts).
     */
    private static <R extends TableRecord<R>> void insert(DSLContext tx, List<R> rows) {
        if (rows.isEmpty()) {
            return;
        }
        R first = rows.get(0);
        Field<?>[] columns = Arrays.stream(first.fields()).filter(first::changed).toArray(Field<?>[]::new);
        for (int from = 0; from < rows.size(); from += BATCH) {
            InsertValuesStepN<R> insert = tx.insertInto(first.getTable()).columns(columns);
            for (R row : rows.subList(from, Math.min(rows.size(), from + BATCH))) {
                insert = insert.values(Arrays.stream(columns).map(row::get).toList());
            }
            insert.execute();
        }
    }

    private static @Nullable OffsetDateTime utc(@Nullable Instant instant) {
        return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
    }
}
