package io.octofleet.server.sources;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.type.Argument;
import io.micronaut.http.HttpStatus;
import io.octofleet.server.database.JsonColumns;
import io.octofleet.server.ldap.LdapDirectory;
import io.octofleet.server.oidc.OidcClient;
import io.octofleet.server.oidc.OidcLoginException;
import io.octofleet.server.parameters.SecretCipher;
import io.octofleet.server.problem.ApiException;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.exception.IntegrityConstraintViolationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

import static io.octofleet.server.db.Tables.AUTH_SOURCES;

/**
 * The auth sources table, and the live LDAP directories (connection pools) and OIDC clients (discovered metadata,
 * JWKS) built from it. A live object is rebuilt when its row changes (keyed by {@code updated_at}), so every replica
 * follows an edit made on another one at its next use.
 */
@Singleton
public class AuthSources {
    private static final Logger LOG = LoggerFactory.getLogger(AuthSources.class);
    static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
    private final DSLContext dsl;
    private final SecretCipher cipher;
    private final JsonColumns columns;
    private final Map<UUID, Live<LdapDirectory>> directories = new ConcurrentHashMap<>();
    private final Map<UUID, Live<OidcClient>> clients = new ConcurrentHashMap<>();

    private record Live<T>(OffsetDateTime version, T value) {
    }

    AuthSources(DSLContext dsl, SecretCipher cipher, JsonColumns columns) {
        this.dsl = dsl;
        this.cipher = cipher;
        this.columns = columns;
    }

    public List<AuthSource> list() {
        return dsl.selectFrom(AUTH_SOURCES).orderBy(AUTH_SOURCES.POSITION, AUTH_SOURCES.NAME).fetch(this::view);
    }

    public Optional<AuthSource> find(UUID id) {
        return dsl.selectFrom(AUTH_SOURCES).where(AUTH_SOURCES.ID.eq(id)).fetchOptional(this::view);
    }

    public Optional<AuthSource> byName(String name) {
        return dsl.selectFrom(AUTH_SOURCES).where(AUTH_SOURCES.NAME.eq(name)).fetchOptional(this::view);
    }

    /** The source named by id or name. @throws ApiException not-found */
    AuthSource require(String idOrName) {
        Optional<AuthSource> found;
        try {
            found = find(UUID.fromString(idOrName));
        } catch (IllegalArgumentException e) {
            found = byName(idOrName);
        }
        return found.orElseThrow(() -> ApiException.notFound("auth source '" + idOrName + "'"));
    }

    /** The enabled sources of a type in the order they are tried. */
    List<AuthSource> enabled(String type) {
        return dsl.selectFrom(AUTH_SOURCES).where(AUTH_SOURCES.TYPE.eq(type)).and(AUTH_SOURCES.ENABLED.isTrue())
                .orderBy(AUTH_SOURCES.POSITION, AUTH_SOURCES.NAME).fetch(this::view);
    }

    AuthSource create(AuthSourceController.SourceRequest request) {
        String type = request.type() == null ? "" : request.type();
        if (!type.equals("ldap") && !type.equals("oidc")) {
            throw ApiException.invalid("type must be ldap or oidc, got '" + type + "'");
        }
        String name = request.name() == null ? "" : request.name();
        if (!NAME.matcher(name).matches()) {
            throw ApiException.invalid("name must be 1-63 lowercase letters, digits or '-' (it is part of the OIDC "
                    + "callback URL)");
        }
        Map<String, Object> settings = request.settings() == null ? Map.of() : request.settings();
        Stored stored = validate(type, name, settings, null);
        UUID id = UUID.randomUUID();
        try {
            dsl.insertInto(AUTH_SOURCES)
                    .set(AUTH_SOURCES.ID, id)
                    .set(AUTH_SOURCES.NAME, name)
                    .set(AUTH_SOURCES.TYPE, type)
                    .set(AUTH_SOURCES.ENABLED, request.enabled() == null || request.enabled())
                    .set(AUTH_SOURCES.POSITION, request.position() == null ? 0 : request.position())
                    .set(AUTH_SOURCES.SETTINGS, columns.write(stored.settings()))
                    .set(AUTH_SOURCES.CIPHERTEXT, stored.sealed() == null ? null : stored.sealed().bytes())
                    .set(AUTH_SOURCES.KEY_ID, stored.sealed() == null ? null : stored.sealed().keyId())
                    .execute();
        } catch (IntegrityConstraintViolationException e) {
            throw new ApiException(HttpStatus.CONFLICT, "conflict", "an auth source named '" + name
                    + "' already exists");
        }
        return find(id).orElseThrow();
    }

    /** Replaces the settings; a missing secret keeps the stored one. Type and name do not change. */
    AuthSource update(AuthSource existing, AuthSourceController.SourceRequest request) {
        if (request.type() != null && !request.type().equals(existing.type())) {
            throw ApiException.invalid("type cannot change; create another source");
        }
        if (request.name() != null && !request.name().equals(existing.name())) {
            throw ApiException.invalid("name cannot change (it is part of the OIDC callback URL)");
        }
        Map<String, Object> settings = request.settings() == null ? existing.settings() : request.settings();
        Stored stored = validate(existing.type(), existing.name(), settings, existing.id());
        var update = dsl.update(AUTH_SOURCES)
                .set(AUTH_SOURCES.SETTINGS, columns.write(stored.settings()))
                .set(AUTH_SOURCES.ENABLED, request.enabled() == null ? existing.enabled() : request.enabled())
                .set(AUTH_SOURCES.POSITION, request.position() == null ? existing.position() : request.position())
                .set(AUTH_SOURCES.UPDATED_AT, OffsetDateTime.now());
        if (stored.sealed() != null) {
            update = update.set(AUTH_SOURCES.CIPHERTEXT, stored.sealed().bytes())
                    .set(AUTH_SOURCES.KEY_ID, stored.sealed().keyId());
        }
        update.where(AUTH_SOURCES.ID.eq(existing.id())).execute();
        return find(existing.id()).orElseThrow();
    }

    void delete(AuthSource source) {
        dsl.deleteFrom(AUTH_SOURCES).where(AUTH_SOURCES.ID.eq(source.id())).execute(); // its users and mappings go too
        close(directories.remove(source.id()));
        clients.remove(source.id());
    }

    private record Stored(Map<String, Object> settings, @Nullable SecretCipher.Sealed sealed) {
    }

    /** Checks the settings by building the library settings from them; seals the secret if one was given. */
    private Stored validate(String type, String name, Map<String, Object> requested, @Nullable UUID existing) {
        SourceSettings.requireKnownFields(type, requested);
        Map<String, Object> settings = new LinkedHashMap<>(requested);
        Object secret = settings.remove(SourceSettings.secretField(type));
        if (secret != null && !(secret instanceof String)) {
            throw ApiException.invalid("settings." + SourceSettings.secretField(type) + " must be a string");
        }
        String plain = (String) secret;
        String effective = plain != null ? plain : existing == null ? null : secretOf(existing).orElse(null);
        if (type.equals("ldap")) {
            SourceSettings.ldap(settings, effective);
        } else {
            SourceSettings.oidc(settings, effective);
        }
        return new Stored(settings, plain == null ? null : cipher.seal(plain, context(name)));
    }

    private Optional<String> secretOf(UUID id) {
        Record r = dsl.select(AUTH_SOURCES.NAME, AUTH_SOURCES.CIPHERTEXT, AUTH_SOURCES.KEY_ID).from(AUTH_SOURCES)
                .where(AUTH_SOURCES.ID.eq(id)).fetchOne();
        if (r == null || r.get(AUTH_SOURCES.CIPHERTEXT) == null) {
            return Optional.empty();
        }
        return Optional.of(cipher.open(new SecretCipher.Sealed(r.get(AUTH_SOURCES.KEY_ID), r.get(AUTH_SOURCES.CIPHERTEXT)),
                context(r.get(AUTH_SOURCES.NAME))));
    }

    private static String context(String name) {
        return "auth-source:" + name;
    }

    // --- live objects ----------------------------------------------------------------------------------------------

    /** The source's directory (a connection pool), rebuilt when the source changed. */
    LdapDirectory directory(AuthSource source) {
        Live<LdapDirectory> live = directories.get(source.id());
        OffsetDateTime version = source.updatedAt().atOffset(java.time.ZoneOffset.UTC);
        if (live != null && live.version().equals(version)) {
            return live.value();
        }
        LdapDirectory directory = new LdapDirectory(SourceSettings.ldap(source.settings(),
                secretOf(source.id()).orElse(null)));
        close(directories.put(source.id(), new Live<>(version, directory)));
        return directory;
    }

    /** A fresh directory for a diagnosis: not pooled, not cached. */
    LdapDirectory freshDirectory(AuthSource source) {
        return new LdapDirectory(SourceSettings.ldap(source.settings(), secretOf(source.id()).orElse(null)));
    }

    /** The source's OIDC client (provider metadata and keys discovered once), rebuilt when the source changed. */
    OidcClient client(AuthSource source) throws OidcLoginException {
        Live<OidcClient> live = clients.get(source.id());
        OffsetDateTime version = source.updatedAt().atOffset(java.time.ZoneOffset.UTC);
        if (live != null && live.version().equals(version)) {
            return live.value();
        }
        OidcClient client = OidcClient.connect(SourceSettings.oidc(source.settings(),
                secretOf(source.id()).orElse(null)));
        clients.put(source.id(), new Live<>(version, client));
        return client;
    }

    private static void close(@Nullable Live<LdapDirectory> live) {
        if (live != null) {
            live.value().close();
        }
    }

    @PreDestroy
    void closeAll() {
        directories.values().forEach(AuthSources::close);
        directories.clear();
    }

    private AuthSource view(Record r) {
        var row = r.into(AUTH_SOURCES);
        Map<String, Object> settings = columns.read(row.getSettings(), Argument.mapOf(String.class, Object.class));
        return new AuthSource(row.getId(), row.getName(), row.getType(), row.getEnabled(), row.getPosition(),
                settings, row.getCiphertext() != null, row.getCreatedAt().toInstant(), row.getUpdatedAt().toInstant());
    }

    static void logUnavailable(AuthSource source, Exception e) {
        LOG.warn("Auth source {} ({}) unavailable: {}", source.name(), source.type(), e.getMessage());
    }
}
