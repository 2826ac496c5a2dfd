package io.octofleet.server.inventory;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;

import java.time.Instant;

/**
 * One entry of a node's inventory history. {@code before}/{@code after} hold the item as the inventory API shows it,
 * parsed from JSON (maps, lists, strings, numbers), so they serialize as JSON objects; {@code before} is null for
 * added and initial entries, {@code after} for removed ones. {@code change} is initial, added, removed or changed.
 */
@Serdeable
public record InventoryChange(Instant changedAt, String section, String key, String change,
                              @Nullable Object before, @Nullable Object after) {
}
