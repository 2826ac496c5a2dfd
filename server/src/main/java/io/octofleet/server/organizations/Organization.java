package io.octofleet.server.organizations;

import io.micronaut.serde.annotation.Serdeable;

import java.time.Instant;

/** An organization (tenant) as the API shows it. */
@Serdeable
public record Organization(String name, String description, Instant createdAt) {
}
