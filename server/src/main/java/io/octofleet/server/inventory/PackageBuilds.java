package io.octofleet.server.inventory;

import io.micronaut.core.annotation.Nullable;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The ids of package builds ({@code packages} rows) the server has seen committed. A build's row is never updated or
 * deleted, so an id once known stays right; the cache spares a report of known builds the lookup of every package
 * (2,000 index probes, ~15 ms of database time under load; docs/benchmarks.md).
 * <p>
 * Bounded: past {@code capacity} builds nothing more is remembered and the rest are looked up each time. A fleet
 * has a few thousand builds per OS release and patch level, so the default holds years of them (~150 bytes each).
 */
final class PackageBuilds {
    static final int DEFAULT_CAPACITY = 500_000;

    /** A package as reported is its build: name, version and arch, and equal when they are. */
    private final Map<Inventory.SoftwarePackage, Integer> ids = new ConcurrentHashMap<>();
    private final int capacity;

    PackageBuilds(int capacity) {
        this.capacity = capacity;
    }

    @Nullable
    Integer get(Inventory.SoftwarePackage build) {
        return ids.get(build);
    }

    /** Only for an id read from a committed row: one this transaction inserted may yet be rolled back. */
    void remember(Inventory.SoftwarePackage build, int id) {
        if (ids.size() < capacity) {
            ids.putIfAbsent(build, id);
        }
    }
}
