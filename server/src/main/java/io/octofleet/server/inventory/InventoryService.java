package io.octofleet.server.inventory;

import io.micronaut.core.annotation.Nullable;
import io.octofleet.server.nodes.NodeId;
import io.octofleet.server.problem.ApiException;
import jakarta.inject.Singleton;
import org.jooq.DSLContext;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * Stores the inventory agents report, one typed table per section, and keeps a history of what changed. A report is
 * applied as a whole in one transaction; reports of one node are serialized by locking the node's row.
 */
@Singleton
public class InventoryService {
    public static final int MAX_HISTORY_LIMIT = 1000;

    private final DSLContext dsl;
    private final InventoryRepository repository;

    InventoryService(DSLContext dsl, InventoryRepository repository) {
        this.dsl = dsl;
        this.repository = repository;
    }

    /**
     * Makes {@code inventory} the node's stored inventory and appends what changed to its history ({@code collectedAt}
     * is the time of the entries). A report whose hash is already stored costs one indexed read and writes nothing,
     * so agents may resend on every reconnect.
     *
     * @throws ApiException not-found when the node does not exist (e.g. deleted while its agent was reporting)
     */
    public InventoryUpdate store(NodeId node, Inventory inventory, String sha256, Instant collectedAt) {
        Objects.requireNonNull(sha256, "sha256");
        Objects.requireNonNull(collectedAt, "collectedAt");
        if (repository.storedSha256(node).filter(sha256::equals).isPresent()) {
            return new InventoryUpdate(node, false, List.of());
        }
        Inventory next = normalized(inventory);
        return dsl.transactionResult(c -> {
            DSLContext tx = c.dsl();
            InventoryRepository.StoredHash stored = repository.lockNode(tx, node)
                    .orElseThrow(() -> ApiException.notFound("node " + node));
            if (sha256.equals(stored.sha256())) {
                return new InventoryUpdate(node, false, List.of()); // a concurrent report with the same hash won
            }
            Optional<Inventory> previous = repository.find(tx, node);
            List<InventoryChange> changes = previous.isEmpty()
                    // The first report is one entry holding the whole inventory: the baseline later entries apply to.
                    ? List.of(new InventoryChange(collectedAt, "inventory", "inventory", InventoryDiff.INITIAL, null,
                            next))
                    : InventoryDiff.between(previous.get(), next).stream()
                            .map(d -> new InventoryChange(collectedAt, d.section(), d.key(), d.change(),
                                    d.before(), d.after()))
                            .toList();
            repository.replace(tx, node, previous.orElse(null), next);
            repository.appendChanges(tx, node, changes);
            repository.markStored(tx, node, sha256, collectedAt);
            return new InventoryUpdate(node, true, changes);
        });
    }

    /** The node's stored inventory; lists are ordered by their key (disk name, mount, NIC name, package name). */
    public Optional<Inventory> find(NodeId node) {
        return repository.find(node);
    }

    public List<Inventory.SoftwarePackage> packages(NodeId node) {
        return repository.packages(node);
    }

    /** The hash of the stored inventory, which an agent compares to skip resending an unchanged report. */
    public Optional<String> storedSha256(NodeId node) {
        return repository.storedSha256(node);
    }

    /**
     * Newest first, at most {@code limit} entries changed strictly before {@code before} when given.
     *
     * @throws ApiException invalid-request when limit is outside 1..{@value #MAX_HISTORY_LIMIT}
     */
    public List<InventoryChange> history(NodeId node, int limit, @Nullable Instant before) {
        if (limit < 1 || limit > MAX_HISTORY_LIMIT) {
            throw ApiException.invalid("limit must be between 1 and " + MAX_HISTORY_LIMIT + ", got " + limit);
        }
        return repository.history(node, limit, before);
    }

    /**
     * The shape the tables can hold and reads give back: one item per key (the last reported wins; the tables key
     * packages by name and arch, so a second installed version of a package is not kept), lists in key order, and
     * the boot time at PostgreSQL's microsecond precision so it does not look changed on every report.
     */
    private static Inventory normalized(Inventory in) {
        return new Inventory(in.os(), in.cpu(), in.memory(),
                uniqueSorted(in.disks(), Inventory.Disk::name),
                uniqueSorted(in.filesystems(), Inventory.FileSystem::mount),
                uniqueSorted(in.nics(), Inventory.Nic::name),
                in.system(),
                in.gpus(),
                uniqueSorted(in.packages(), p -> p.name() + "\u0000" + p.arch()),
                in.bootTime() == null ? null : in.bootTime().truncatedTo(ChronoUnit.MICROS));
    }

    private static <T> List<T> uniqueSorted(List<T> items, Function<T, String> key) {
        Map<String, T> byKey = new LinkedHashMap<>();
        items.forEach(item -> byKey.put(key.apply(item), item));
        return byKey.entrySet().stream().sorted(Map.Entry.comparingByKey(Comparator.naturalOrder()))
                .map(Map.Entry::getValue).toList();
    }

}
