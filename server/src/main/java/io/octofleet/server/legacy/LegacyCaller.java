package io.octofleet.server.legacy;

import io.octofleet.server.organizations.OrganizationId;

import java.util.UUID;

/** Who sent a legacy agent request: the key it carried, and so the organization its nodes belong to. */
record LegacyCaller(UUID keyId, OrganizationId organization) {
}
