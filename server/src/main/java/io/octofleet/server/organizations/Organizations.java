package io.octofleet.server.organizations;

import jakarta.inject.Singleton;
import org.jooq.DSLContext;

import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import static io.octofleet.server.db.Tables.ORGANIZATIONS;

/**
 * Name ↔ id of organizations. id → name is cached (a name never changes); name → id always asks the database, so
 * an organization deleted through another replica is never used again.
 */
@Singleton
public final class Organizations {
    private final DSLContext dsl;
    private final Map<OrganizationId, String> byId = new ConcurrentHashMap<>();

    Organizations(DSLContext dsl) {
        this.dsl = dsl;
    }

    public Optional<OrganizationId> byName(String name) {
        Optional<OrganizationId> id = dsl.select(ORGANIZATIONS.ID).from(ORGANIZATIONS)
                .where(ORGANIZATIONS.NAME.eq(name))
                .fetchOptional(r -> new OrganizationId(r.value1()));
        id.ifPresent(i -> remember(i, name));
        return id;
    }

    /** The name of an existing organization ({@code "?"} if it was deleted meanwhile). */
    public String name(OrganizationId id) {
        String cached = byId.get(id);
        if (cached != null) {
            return cached;
        }
        Optional<String> name = dsl.select(ORGANIZATIONS.NAME).from(ORGANIZATIONS)
                .where(ORGANIZATIONS.ID.eq(id.value()))
                .fetchOptional(r -> r.value1());
        name.ifPresent(n -> remember(id, n));
        return name.orElse("?");
    }

    public String name(UUID id) {
        return name(new OrganizationId(id));
    }

    void remember(OrganizationId id, String name) {
        byId.put(id, name);
    }

    void forget(OrganizationId id) {
        byId.remove(id);
    }
}
