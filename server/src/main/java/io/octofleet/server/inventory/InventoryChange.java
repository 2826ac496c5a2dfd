package io.octofleet.server.inventory;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;

import java.time.Instant;

/**
 * One entry of a node's inventory history. {@code before}/{@code after} hold the item as the inventory API shows it:
 * the {@link Inventory} record itself when just stored (serialized once, straight into the history's {@code jsonb}),
 * parsed JSON (maps, lists, strings, numbers) when read back; both serialize alike. {@code before} is null for
 * added and initial entries, {@code after} for removed ones. {@code change} is initial, added, removed or changed.
 */
@Serdeable
public record InventoryChange(Instant changedAt, String section, String key, String change,
                              @Nullable Object before, @Nullable Object after) {
}
