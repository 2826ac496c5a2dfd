package io.octofleet.server.inventory;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/** What changed between two reports of one node, item by item, keyed the way operators recognise an item. */
final class InventoryDiff {
    static final String INITIAL = "initial";
    static final String ADDED = "added";
    static final String REMOVED = "removed";
    static final String CHANGED = "changed";

    /** One changed item; {@code before}/{@code after} are the items themselves (API records). */
    record Change(String section, String key, String change, @Nullable Object before, @Nullable Object after) {
    }

    /** bootTime is a bare timestamp in the inventory; history shows it as {"bootTime": ...} so every item is an object. */
    @Serdeable
    record BootTime(@Nullable Instant bootTime) {
    }

    private InventoryDiff() {
    }

    static List<Change> between(Inventory before, Inventory after) {
        List<Change> changes = new ArrayList<>();
        single(changes, "os", before.os(), after.os());
        single(changes, "cpu", before.cpu(), after.cpu());
        single(changes, "memory", before.memory(), after.memory());
        single(changes, "system", before.system(), after.system());
        single(changes, "bootTime", new BootTime(before.bootTime()), new BootTime(after.bootTime()));
        keyed(changes, "disks", byKey(before.disks(), Inventory.Disk::name), byKey(after.disks(), Inventory.Disk::name),
                UnaryOperator.identity());
        // Free space moves all the time; a history entry per report would drown the changes operators care about.
        keyed(changes, "filesystems", byKey(before.filesystems(), Inventory.FileSystem::mount),
                byKey(after.filesystems(), Inventory.FileSystem::mount),
                fs -> new Inventory.FileSystem(fs.mount(), fs.type(), fs.totalBytes(), 0));
        keyed(changes, "nics", byKey(before.nics(), Inventory.Nic::name), byKey(after.nics(), Inventory.Nic::name),
                UnaryOperator.identity());
        keyed(changes, "gpus", gpus(before.gpus()), gpus(after.gpus()), UnaryOperator.identity());
        keyed(changes, "packages", byKey(before.packages(), InventoryDiff::packageKey),
                byKey(after.packages(), InventoryDiff::packageKey), UnaryOperator.identity());
        return changes;
    }

    static String packageKey(Inventory.SoftwarePackage p) {
        return p.name() + ":" + p.arch();
    }

    /** A GPU is known by its UUID; cards that report none (or share one) fall back to their position. */
    static Map<String, Inventory.Gpu> gpus(List<Inventory.Gpu> gpus) {
        Map<String, Long> uuidCounts = new LinkedHashMap<>();
        gpus.forEach(g -> uuidCounts.merge(g.uuid(), 1L, Long::sum));
        Map<String, Inventory.Gpu> keyed = new LinkedHashMap<>();
        for (int i = 0; i < gpus.size(); i++) {
            Inventory.Gpu gpu = gpus.get(i);
            boolean unique = !gpu.uuid().isBlank() && uuidCounts.get(gpu.uuid()) == 1;
            keyed.put(unique ? gpu.uuid() : String.valueOf(i), gpu);
        }
        return keyed;
    }

    private static <T> Map<String, T> byKey(List<T> items, Function<T, String> key) {
        Map<String, T> keyed = new LinkedHashMap<>();
        items.forEach(item -> keyed.put(key.apply(item), item));
        return keyed;
    }

    private static void single(List<Change> out, String section, Object before, Object after) {
        if (!Objects.equals(before, after)) {
            out.add(new Change(section, section, CHANGED, before, after));
        }
    }

    /** {@code significant} blanks the volatile parts of an item before comparing. */
    private static <T> void keyed(List<Change> out, String section, Map<String, T> before, Map<String, T> after,
                                  UnaryOperator<T> significant) {
        after.forEach((key, now) -> {
            T was = before.get(key);
            if (was == null) {
                out.add(new Change(section, key, ADDED, null, now));
            } else if (!significant.apply(was).equals(significant.apply(now))) {
                out.add(new Change(section, key, CHANGED, was, now));
            }
        });
        before.forEach((key, was) -> {
            if (!after.containsKey(key)) {
                out.add(new Change(section, key, REMOVED, was, null));
            }
        });
    }
}
