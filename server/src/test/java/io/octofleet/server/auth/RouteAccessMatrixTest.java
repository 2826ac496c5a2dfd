package io.octofleet.server.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micronaut.web.router.Router;
import io.micronaut.web.router.UriRouteInfo;
import io.octofleet.server.TestServer;
import io.octofleet.server.organizations.OrganizationId;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Function;

import static io.octofleet.server.db.Tables.ORGANIZATIONS;
import static io.octofleet.server.db.Tables.ROLES;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The authorization matrix over <em>every</em> route the server exposes, taken from Micronaut's router (not from a
 * hand-kept list): a route must declare its access rule, and then
 * <ul>
 *   <li>anonymous → 401 (unless the route is {@link Anonymous});</li>
 *   <li>a user holding every permission but the one the route needs → 403;</li>
 *   <li>an admin of another organization, asking for this organization's resource → 404;</li>
 *   <li>the right role → success (2xx/3xx).</li>
 * </ul>
 * Each route needs an {@link Example} below (a concrete request); a new route without a rule or an example fails
 * {@link #everyRouteDeclaresItsAccessRuleAndHasAnExample()}.
 */
class RouteAccessMatrixTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String PASSWORD = "matrix-password-0123";
    static TestServer server;
    static Fixture f;
    static final Map<String, String> tokens = new TreeMap<>();

    /** Who must succeed with a route: an admin of the resource's organization, or only a super-admin. */
    /**
     * Who must succeed with a route: an admin of the resource's organization, or only a super-admin, or anyone; a
     * legacy agent route takes no bearer token but an X-API-Key of the organization (401 without it).
     */
    enum Who { ORG_ADMIN, SUPER_ADMIN, ANYONE, LEGACY_AGENT }

    /**
     * A concrete request for a route. {@code scoped}: the path names a resource of organization {@code acme}, so an
     * admin of {@code globex} must get 404.
     */
    record Example(String method, Function<Fixture, String> path, Function<Fixture, String> body, Who who,
                   boolean scoped) {
    }

    /** The resources the examples act on: all in organization {@code acme}. */
    static final class Fixture {
        final Map<String, String> ids = new LinkedHashMap<>();

        String id(String name) {
            String id = ids.get(name);
            if (id == null) {
                throw new IllegalStateException("fixture has no " + name);
            }
            return id;
        }
    }

    static final Map<String, Example> EXAMPLES = new LinkedHashMap<>();

    static void example(String route, Who who, boolean scoped, Function<Fixture, String> path,
                        Function<Fixture, String> body) {
        String method = route.substring(0, route.indexOf(' '));
        EXAMPLES.put(route, new Example(method, path, body, who, scoped));
    }

    static void get(String route, Who who, boolean scoped, Function<Fixture, String> path) {
        example(route, who, scoped, path, x -> null);
    }

    static {
        // server index and health
        get("GET /", Who.ANYONE, false, x -> "/");
        get("GET /health", Who.ANYONE, false, x -> "/health");
        // sign-in, sessions, the caller
        example("POST /api/v1/auth/login", Who.ANYONE, false, x -> "/api/v1/auth/login",
                x -> "{\"username\":\"acme-admin\",\"password\":\"" + PASSWORD + "\"}");
        example("POST /api/v1/auth/logout", Who.ANYONE, false, x -> "/api/v1/auth/logout", x -> "");
        get("GET /api/v1/auth/oidc/{source}/login", Who.ANYONE, false, x -> "/api/v1/auth/oidc/none/login");
        get("GET /api/v1/auth/oidc/{source}/callback", Who.ANYONE, false,
                x -> "/api/v1/auth/oidc/none/callback?state=x&code=y");
        get("GET /api/v1/auth/me", Who.ORG_ADMIN, false, x -> "/api/v1/auth/me");
        get("GET /api/v1/auth/providers", Who.ANYONE, false, x -> "/api/v1/auth/providers");
        // nodes
        get("GET /api/v1/nodes", Who.ORG_ADMIN, false, x -> "/api/v1/nodes");
        get("GET /api/v1/tags", Who.ORG_ADMIN, false, x -> "/api/v1/tags");
        get("GET /api/v1/nodes/{id}", Who.ORG_ADMIN, true, x -> "/api/v1/nodes/" + x.id("node"));
        get("GET /api/v1/nodes/{id}/inventory/history", Who.ORG_ADMIN, true,
                x -> "/api/v1/nodes/" + x.id("node") + "/inventory/history");
        get("GET /api/v1/nodes/{id}/packages", Who.ORG_ADMIN, true, x -> "/api/v1/nodes/" + x.id("node") + "/packages");
        // metrics and reports
        get("GET /api/v1/nodes/{id}/metrics", Who.ORG_ADMIN, true,
                x -> "/api/v1/nodes/" + x.id("node") + "/metrics?names=cpu.usage");
        get("GET /api/v1/nodes/{id}/metrics/names", Who.ORG_ADMIN, true,
                x -> "/api/v1/nodes/" + x.id("node") + "/metrics/names");
        get("GET /api/v1/metrics/fleet", Who.ORG_ADMIN, false, x -> "/api/v1/metrics/fleet?name=cpu.usage&by=group");
        get("GET /api/v1/reports/fleet", Who.ORG_ADMIN, false, x -> "/api/v1/reports/fleet");
        get("GET /api/v1/reports/jobs", Who.ORG_ADMIN, false, x -> "/api/v1/reports/jobs?from=-1d");
        get("GET /metrics", Who.SUPER_ADMIN, false, x -> "/metrics");
        // alerts
        get("GET /api/v1/alert-rules", Who.ORG_ADMIN, false, x -> "/api/v1/alert-rules");
        example("POST /api/v1/alert-rules", Who.ORG_ADMIN, false, x -> "/api/v1/alert-rules",
                x -> "{\"name\":\"made-rule\",\"expression\":\"cpu.usage > 90 for 5m\",\"organization\":\"acme\"}");
        get("GET /api/v1/alert-rules/{id}", Who.ORG_ADMIN, true, x -> "/api/v1/alert-rules/" + x.id("rule"));
        example("PUT /api/v1/alert-rules/{id}", Who.ORG_ADMIN, true, x -> "/api/v1/alert-rules/" + x.id("rule"),
                x -> "{\"name\":\"matrix-rule\",\"expression\":\"cpu.usage > 95 for 5m\"}");
        example("DELETE /api/v1/alert-rules/{id}", Who.ORG_ADMIN, true,
                x -> "/api/v1/alert-rules/" + x.id("rule-to-delete"), x -> null);
        get("GET /api/v1/alerts", Who.ORG_ADMIN, false, x -> "/api/v1/alerts?state=firing");
        get("GET /api/v1/alert-silences", Who.ORG_ADMIN, false, x -> "/api/v1/alert-silences");
        example("POST /api/v1/alert-silences", Who.ORG_ADMIN, false, x -> "/api/v1/alert-silences",
                x -> "{\"ruleId\":\"" + x.id("rule") + "\",\"duration\":\"1h\",\"comment\":\"m\",\"organization\":\"acme\"}");
        example("DELETE /api/v1/alert-silences/{id}", Who.ORG_ADMIN, true,
                x -> "/api/v1/alert-silences/" + x.id("silence"), x -> null);
        get("GET /api/v1/notification-channels", Who.ORG_ADMIN, false, x -> "/api/v1/notification-channels");
        example("POST /api/v1/notification-channels", Who.ORG_ADMIN, false, x -> "/api/v1/notification-channels",
                x -> hook("made-hook"));
        get("GET /api/v1/notification-channels/{id}", Who.ORG_ADMIN, true,
                x -> "/api/v1/notification-channels/" + x.id("channel"));
        example("DELETE /api/v1/notification-channels/{id}", Who.ORG_ADMIN, true,
                x -> "/api/v1/notification-channels/" + x.id("channel-to-delete"), x -> null);
        example("POST /api/v1/notification-channels/{id}/test", Who.ORG_ADMIN, true,
                x -> "/api/v1/notification-channels/" + x.id("channel") + "/test", x -> "");
        example("PUT /api/v1/nodes/{id}/tags", Who.ORG_ADMIN, true, x -> "/api/v1/nodes/" + x.id("node") + "/tags",
                x -> "{\"tags\":[\"matrix\"]}");
        example("DELETE /api/v1/nodes/{id}", Who.ORG_ADMIN, true, x -> "/api/v1/nodes/" + x.id("node-to-delete"),
                x -> null);
        // groups
        example("POST /api/v1/groups", Who.ORG_ADMIN, false, x -> "/api/v1/groups",
                x -> "{\"name\":\"made-by-matrix\",\"kind\":\"static\",\"nodeIds\":[],\"organization\":\"acme\"}");
        get("GET /api/v1/groups", Who.ORG_ADMIN, false, x -> "/api/v1/groups");
        get("GET /api/v1/groups/{id}", Who.ORG_ADMIN, true, x -> "/api/v1/groups/" + x.id("group"));
        example("PUT /api/v1/groups/{id}", Who.ORG_ADMIN, true, x -> "/api/v1/groups/" + x.id("group"),
                x -> "{\"name\":\"matrix-group\",\"kind\":\"static\",\"nodeIds\":[\"" + x.id("node") + "\"]}");
        example("DELETE /api/v1/groups/{id}", Who.ORG_ADMIN, true, x -> "/api/v1/groups/" + x.id("group-to-delete"),
                x -> null);
        get("GET /api/v1/groups/{id}/nodes", Who.ORG_ADMIN, true, x -> "/api/v1/groups/" + x.id("group") + "/nodes");
        // parameters (the organization-wide ones name acme: another organization's admin does not see it)
        get("GET /api/v1/parameters", Who.ORG_ADMIN, true, x -> "/api/v1/parameters?organization=acme");
        get("GET /api/v1/parameters/{key}", Who.ORG_ADMIN, true, x -> "/api/v1/parameters/MATRIX?organization=acme");
        example("PUT /api/v1/parameters/{key}", Who.ORG_ADMIN, true,
                x -> "/api/v1/parameters/MATRIX2?organization=acme", x -> "{\"value\":\"v\"}");
        example("DELETE /api/v1/parameters/{key}", Who.ORG_ADMIN, true,
                x -> "/api/v1/parameters/MATRIX_DEL?organization=acme", x -> null);
        get("GET /api/v1/groups/{id}/parameters", Who.ORG_ADMIN, true,
                x -> "/api/v1/groups/" + x.id("group") + "/parameters");
        get("GET /api/v1/groups/{id}/parameters/{key}", Who.ORG_ADMIN, true,
                x -> "/api/v1/groups/" + x.id("group") + "/parameters/MATRIX");
        example("PUT /api/v1/groups/{id}/parameters/{key}", Who.ORG_ADMIN, true,
                x -> "/api/v1/groups/" + x.id("group") + "/parameters/MATRIX2", x -> "{\"value\":\"v\"}");
        example("DELETE /api/v1/groups/{id}/parameters/{key}", Who.ORG_ADMIN, true,
                x -> "/api/v1/groups/" + x.id("group") + "/parameters/MATRIX_DEL", x -> null);
        get("GET /api/v1/nodes/{id}/parameters", Who.ORG_ADMIN, true,
                x -> "/api/v1/nodes/" + x.id("node") + "/parameters?effective=true");
        get("GET /api/v1/nodes/{id}/parameters/{key}", Who.ORG_ADMIN, true,
                x -> "/api/v1/nodes/" + x.id("node") + "/parameters/MATRIX");
        example("PUT /api/v1/nodes/{id}/parameters/{key}", Who.ORG_ADMIN, true,
                x -> "/api/v1/nodes/" + x.id("node") + "/parameters/MATRIX2", x -> "{\"value\":\"v\"}");
        example("DELETE /api/v1/nodes/{id}/parameters/{key}", Who.ORG_ADMIN, true,
                x -> "/api/v1/nodes/" + x.id("node") + "/parameters/MATRIX_DEL", x -> null);
        // jobs and schedules
        example("POST /api/v1/jobs", Who.ORG_ADMIN, false, x -> "/api/v1/jobs", x -> job(x));
        get("GET /api/v1/jobs", Who.ORG_ADMIN, false, x -> "/api/v1/jobs");
        get("GET /api/v1/jobs/targets", Who.ORG_ADMIN, false, x -> "/api/v1/jobs/targets?nodeIds=" + x.id("node"));
        get("GET /api/v1/jobs/{id}", Who.ORG_ADMIN, true, x -> "/api/v1/jobs/" + x.id("job"));
        example("POST /api/v1/jobs/{id}/cancel", Who.ORG_ADMIN, true, x -> "/api/v1/jobs/" + x.id("job-to-cancel")
                + "/cancel", x -> "");
        example("POST /api/v1/jobs/{id}/rerun", Who.ORG_ADMIN, true, x -> "/api/v1/jobs/" + x.id("job") + "/rerun",
                x -> "{}");
        get("GET /api/v1/jobs/{id}/runs/{nodeId}/output", Who.ORG_ADMIN, true,
                x -> "/api/v1/jobs/" + x.id("job") + "/runs/" + x.id("node") + "/output");
        get("GET /api/v1/jobs/{id}/events", Who.ORG_ADMIN, true, x -> "/api/v1/jobs/" + x.id("job") + "/events");
        example("POST /api/v1/schedules", Who.ORG_ADMIN, false, x -> "/api/v1/schedules", x -> schedule(x, "made"));
        get("GET /api/v1/schedules", Who.ORG_ADMIN, false, x -> "/api/v1/schedules");
        get("GET /api/v1/schedules/{id}", Who.ORG_ADMIN, true, x -> "/api/v1/schedules/" + x.id("schedule"));
        example("PUT /api/v1/schedules/{id}", Who.ORG_ADMIN, true, x -> "/api/v1/schedules/" + x.id("schedule"),
                x -> schedule(x, "matrix-schedule"));
        example("DELETE /api/v1/schedules/{id}", Who.ORG_ADMIN, true,
                x -> "/api/v1/schedules/" + x.id("schedule-to-delete"), x -> null);
        // legacy agents: their keys, their own routes (X-API-Key, no bearer token), merging their nodes
        example("POST /api/v1/legacy-keys", Who.ORG_ADMIN, false, x -> "/api/v1/legacy-keys",
                x -> "{\"name\":\"made\",\"organization\":\"acme\"}");
        get("GET /api/v1/legacy-keys", Who.ORG_ADMIN, false, x -> "/api/v1/legacy-keys");
        example("DELETE /api/v1/legacy-keys/{id}", Who.ORG_ADMIN, true,
                x -> "/api/v1/legacy-keys/" + x.id("legacy-key-to-revoke"), x -> null);
        get("GET /api/v1/nodes/merge-candidates", Who.ORG_ADMIN, false, x -> "/api/v1/nodes/merge-candidates");
        get("GET /api/v1/nodes/{id}/legacy-reports", Who.ORG_ADMIN, true,
                x -> "/api/v1/nodes/" + x.id("node") + "/legacy-reports");
        example("POST /api/v1/nodes/{id}/merge", Who.ORG_ADMIN, true, x -> "/api/v1/nodes/" + x.id("node") + "/merge",
                x -> "{\"legacyNodeId\":\"" + x.id("legacy-node-to-merge") + "\"}");
        example("POST /api/v1/inventory/full", Who.LEGACY_AGENT, false, x -> "/api/v1/inventory/full",
                x -> "{\"nodeId\":\"matrix-legacy\",\"hostname\":\"matrix-legacy\"}");
        example("POST /api/v1/live-data", Who.LEGACY_AGENT, false, x -> "/api/v1/live-data",
                x -> "{\"nodeId\":\"matrix-legacy\",\"metrics\":{\"cpuPercent\":1}}");
        get("GET /api/v1/jobs/pending/{nodeId}", Who.LEGACY_AGENT, false, x -> "/api/v1/jobs/pending/matrix-legacy");
        example("POST /api/v1/jobs/instances/{instanceId}/start", Who.LEGACY_AGENT, false,
                x -> "/api/v1/jobs/instances/" + x.id("legacy-run") + "/start", x -> "");
        example("POST /api/v1/jobs/instances/{instanceId}/result", Who.LEGACY_AGENT, false,
                x -> "/api/v1/jobs/instances/" + x.id("legacy-run") + "/result",
                x -> "{\"status\":\"success\",\"exitCode\":0,\"stdout\":\"ok\\n\"}");
        get("GET /api/v1/agent/version", Who.LEGACY_AGENT, false, x -> "/api/v1/agent/version");
        // enrollment
        example("POST /api/v1/enrollment-tokens", Who.ORG_ADMIN, false, x -> "/api/v1/enrollment-tokens",
                x -> "{\"organization\":\"acme\"}");
        get("GET /api/v1/enrollment-tokens", Who.ORG_ADMIN, false, x -> "/api/v1/enrollment-tokens");
        example("DELETE /api/v1/enrollment-tokens/{id}", Who.ORG_ADMIN, true,
                x -> "/api/v1/enrollment-tokens/" + x.id("enrollment-token"), x -> null);
        // ansible, audit
        get("GET /api/v1/ansible/inventory", Who.ORG_ADMIN, false, x -> "/api/v1/ansible/inventory");
        get("GET /api/v1/audit", Who.ORG_ADMIN, false, x -> "/api/v1/audit");
        // organizations
        get("GET /api/v1/organizations", Who.ORG_ADMIN, false, x -> "/api/v1/organizations");
        get("GET /api/v1/organizations/{name}", Who.ORG_ADMIN, true, x -> "/api/v1/organizations/acme");
        example("POST /api/v1/organizations", Who.SUPER_ADMIN, false, x -> "/api/v1/organizations",
                x -> "{\"name\":\"made-by-matrix\"}");
        example("PUT /api/v1/organizations/{name}", Who.SUPER_ADMIN, false, x -> "/api/v1/organizations/acme",
                x -> "{\"description\":\"Acme Corporation\"}");
        example("DELETE /api/v1/organizations/{name}", Who.SUPER_ADMIN, false,
                x -> "/api/v1/organizations/doomed-org", x -> null);
        // roles
        get("GET /api/v1/roles", Who.ORG_ADMIN, false, x -> "/api/v1/roles");
        get("GET /api/v1/roles/{name}", Who.ORG_ADMIN, false, x -> "/api/v1/roles/viewer");
        example("POST /api/v1/roles", Who.SUPER_ADMIN, false, x -> "/api/v1/roles",
                x -> "{\"name\":\"made-by-matrix\",\"permissions\":[\"nodes:read\"]}");
        example("PUT /api/v1/roles/{name}", Who.SUPER_ADMIN, false, x -> "/api/v1/roles/matrix-role",
                x -> "{\"permissions\":[\"nodes:read\",\"jobs:read\"]}");
        example("DELETE /api/v1/roles/{name}", Who.SUPER_ADMIN, false, x -> "/api/v1/roles/doomed-role", x -> null);
        // users and tokens
        get("GET /api/v1/users", Who.ORG_ADMIN, false, x -> "/api/v1/users");
        get("GET /api/v1/users/{id}", Who.ORG_ADMIN, true, x -> "/api/v1/users/" + x.id("user"));
        example("POST /api/v1/users", Who.ORG_ADMIN, false, x -> "/api/v1/users",
                x -> "{\"username\":\"made-by-matrix\",\"password\":\"" + PASSWORD
                        + "\",\"roles\":[{\"role\":\"viewer\",\"organization\":\"acme\"}]}");
        example("PUT /api/v1/users/{id}", Who.ORG_ADMIN, true, x -> "/api/v1/users/" + x.id("user"),
                x -> "{\"displayName\":\"Matrix User\"}");
        example("DELETE /api/v1/users/{id}", Who.ORG_ADMIN, true, x -> "/api/v1/users/" + x.id("user-to-delete"),
                x -> null);
        example("POST /api/v1/tokens", Who.ORG_ADMIN, false, x -> "/api/v1/tokens",
                x -> "{\"name\":\"matrix\",\"permissions\":[\"nodes:read\"]}");
        get("GET /api/v1/tokens", Who.ORG_ADMIN, false, x -> "/api/v1/tokens");
        example("DELETE /api/v1/tokens/{id}", Who.ORG_ADMIN, true, x -> "/api/v1/tokens/" + x.id("own-token"),
                x -> null);
        example("POST /api/v1/users/{userId}/tokens", Who.ORG_ADMIN, true,
                x -> "/api/v1/users/" + x.id("service") + "/tokens",
                x -> "{\"name\":\"matrix\",\"permissions\":[\"nodes:read\"]}");
        get("GET /api/v1/users/{userId}/tokens", Who.ORG_ADMIN, true, x -> "/api/v1/users/" + x.id("service") + "/tokens");
        example("DELETE /api/v1/users/{userId}/tokens/{id}", Who.ORG_ADMIN, true,
                x -> "/api/v1/users/" + x.id("service") + "/tokens/" + x.id("service-token"), x -> null);
        // auth sources
        get("GET /api/v1/auth-sources", Who.SUPER_ADMIN, false, x -> "/api/v1/auth-sources");
        get("GET /api/v1/auth-sources/{id}", Who.SUPER_ADMIN, false, x -> "/api/v1/auth-sources/" + x.id("source"));
        example("POST /api/v1/auth-sources", Who.SUPER_ADMIN, false, x -> "/api/v1/auth-sources",
                x -> ldapSource("made-by-matrix"));
        example("PUT /api/v1/auth-sources/{id}", Who.SUPER_ADMIN, false, x -> "/api/v1/auth-sources/" + x.id("source"),
                x -> "{\"enabled\":false}");
        example("DELETE /api/v1/auth-sources/{id}", Who.SUPER_ADMIN, false,
                x -> "/api/v1/auth-sources/" + x.id("source-to-delete"), x -> null);
        example("POST /api/v1/auth-sources/{id}/test", Who.SUPER_ADMIN, false,
                x -> "/api/v1/auth-sources/" + x.id("source") + "/test", x -> "{\"username\":\"someone\"}");
        get("GET /api/v1/auth-sources/{id}/mappings", Who.SUPER_ADMIN, false,
                x -> "/api/v1/auth-sources/" + x.id("source") + "/mappings");
        example("POST /api/v1/auth-sources/{id}/mappings", Who.SUPER_ADMIN, false,
                x -> "/api/v1/auth-sources/" + x.id("source") + "/mappings",
                x -> "{\"group\":\"made-by-matrix\",\"role\":\"viewer\",\"organization\":\"acme\"}");
        example("DELETE /api/v1/auth-sources/{id}/mappings/{mappingId}", Who.SUPER_ADMIN, false,
                x -> "/api/v1/auth-sources/" + x.id("source") + "/mappings/" + x.id("mapping"), x -> null);
    }

    static String ldapSource(String name) {
        // a closed loopback port: creating and testing the source needs no directory to answer; disabled, so
        // logins do not try it
        return "{\"name\":\"" + name + "\",\"type\":\"ldap\",\"enabled\":false,\"settings\":{\"urls\":[\"ldap://127.0.0.1:1\"],"
                + "\"security\":\"none\",\"bindDn\":\"cn=svc,dc=example,dc=org\",\"bindPassword\":\"pw\","
                + "\"userBaseDn\":\"dc=example,dc=org\",\"connectTimeoutSeconds\":1}}";
    }

    static String job(Fixture x) {
        return "{\"name\":\"matrix\",\"kind\":\"shell\",\"script\":\"true\",\"organization\":\"acme\","
                + "\"targets\":{\"nodeIds\":[\"" + x.id("node") + "\"]}}";
    }

    static String schedule(Fixture x, String name) {
        return "{\"name\":\"" + name + "\",\"cron\":\"0 3 * * *\",\"timeZone\":\"UTC\",\"organization\":\"acme\","
                + "\"job\":" + job(x) + "}";
    }

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(Map.of());
        DSLContext dsl = server.bean(DSLContext.class);
        OperatorRepository operators = server.bean(OperatorRepository.class);
        PasswordHasher hasher = server.bean(PasswordHasher.class);
        OrganizationId acme = organization(dsl, "acme");
        OrganizationId globex = organization(dsl, "globex");
        String hash = hasher.hash(PASSWORD);
        user(operators, hash, "acme-admin", BuiltinRole.ADMIN.id(), acme);
        user(operators, hash, "globex-admin", BuiltinRole.ADMIN.id(), globex);
        for (Permission p : Permission.values()) {
            EnumSet<Permission> others = EnumSet.complementOf(EnumSet.of(p));
            UUID role = UUID.randomUUID();
            dsl.insertInto(ROLES, ROLES.ID, ROLES.NAME, ROLES.PERMISSIONS)
                    .values(role, "all-but-" + p.code().replace(':', '-'),
                            others.stream().map(Permission::code).toArray(String[]::new))
                    .execute();
            user(operators, hash, "lacks-" + p.code().replace(':', '-'), role, null);
        }
        f = new Fixture();
        String node = server.createNode("matrix-node-1", acme).toString();
        f.ids.put("node", node);
        f.ids.put("node-to-delete", server.createNode("matrix-node-2", acme).toString());
        f.ids.put("group", create("/api/v1/groups", "{\"name\":\"matrix-group\",\"kind\":\"static\",\"nodeIds\":[\""
                + node + "\"],\"organization\":\"acme\"}"));
        f.ids.put("group-to-delete", create("/api/v1/groups",
                "{\"name\":\"doomed\",\"kind\":\"static\",\"nodeIds\":[],\"organization\":\"acme\"}"));
        put("/api/v1/parameters/MATRIX?organization=acme", "{\"value\":\"1\"}");
        put("/api/v1/parameters/MATRIX_DEL?organization=acme", "{\"value\":\"1\"}");
        for (String key : List.of("MATRIX", "MATRIX_DEL")) {
            put("/api/v1/groups/" + f.id("group") + "/parameters/" + key, "{\"value\":\"1\"}");
            put("/api/v1/nodes/" + node + "/parameters/" + key, "{\"value\":\"1\"}");
        }
        f.ids.put("job", create("/api/v1/jobs", job(f)));
        f.ids.put("job-to-cancel", create("/api/v1/jobs", job(f)));
        f.ids.put("schedule", create("/api/v1/schedules", schedule(f, "matrix-schedule")));
        f.ids.put("schedule-to-delete", create("/api/v1/schedules", schedule(f, "doomed")));
        f.ids.put("enrollment-token", create("/api/v1/enrollment-tokens", "{\"organization\":\"acme\"}"));
        f.ids.put("legacy-key-to-revoke", create("/api/v1/legacy-keys", "{\"name\":\"doomed\",\"organization\":\"acme\"}"));
        HttpResponse<String> legacyKey = server.post("/api/v1/legacy-keys",
                "{\"name\":\"matrix\",\"organization\":\"acme\"}");
        f.ids.put("legacy-key", json(legacyKey.body()).get("key").asText());
        assertThat(legacy("POST", "/api/v1/inventory/full", "{\"nodeId\":\"matrix-legacy\"}", f.id("legacy-key")))
                .isEqualTo(200);
        String legacyNode = json(server.get("/api/v1/nodes?q=matrix-legacy").body()).get("items").get(0).get("id")
                .asText();
        f.ids.put("legacy-run", json(server.get("/api/v1/jobs/" + create("/api/v1/jobs", "{\"kind\":\"shell\","
                + "\"organization\":\"acme\",\"script\":\"true\",\"targets\":{\"nodeIds\":[\"" + legacyNode + "\"]}}")).body())
                .get("runs").get(0).get("runId").asText());
        assertThat(legacy("POST", "/api/v1/inventory/full", "{\"nodeId\":\"matrix-legacy-2\"}", f.id("legacy-key")))
                .isEqualTo(200);
        f.ids.put("legacy-node-to-merge", json(server.get("/api/v1/nodes?q=matrix-legacy-2").body()).get("items")
                .get(0).get("id").asText());
        f.ids.put("channel", create("/api/v1/notification-channels", hook("matrix-hook")));
        f.ids.put("channel-to-delete", create("/api/v1/notification-channels", hook("doomed-hook")));
        f.ids.put("rule", create("/api/v1/alert-rules",
                "{\"name\":\"matrix-rule\",\"expression\":\"cpu.usage > 90 for 5m\",\"organization\":\"acme\"}"));
        f.ids.put("rule-to-delete", create("/api/v1/alert-rules",
                "{\"name\":\"doomed-rule\",\"kind\":\"node_offline\",\"forDuration\":\"10m\",\"organization\":\"acme\"}"));
        f.ids.put("silence", create("/api/v1/alert-silences", "{\"ruleId\":\"" + f.id("rule")
                + "\",\"duration\":\"1h\",\"comment\":\"matrix\",\"organization\":\"acme\"}"));
        assertThat(server.post("/api/v1/organizations", "{\"name\":\"doomed-org\"}").statusCode()).isEqualTo(201);
        assertThat(server.post("/api/v1/roles", "{\"name\":\"matrix-role\",\"permissions\":[\"nodes:read\"]}")
                .statusCode()).isEqualTo(201);
        assertThat(server.post("/api/v1/roles", "{\"name\":\"doomed-role\",\"permissions\":[\"nodes:read\"]}")
                .statusCode()).isEqualTo(201);
        String acmeUser = "\",\"password\":\"" + PASSWORD + "\",\"roles\":[{\"role\":\"viewer\",\"organization\":\"acme\"}]}";
        f.ids.put("user", create("/api/v1/users", "{\"username\":\"matrix-user" + acmeUser));
        f.ids.put("user-to-delete", create("/api/v1/users", "{\"username\":\"doomed-user" + acmeUser));
        f.ids.put("service", create("/api/v1/users", "{\"username\":\"matrix-bot\",\"kind\":\"service\","
                + "\"roles\":[{\"role\":\"viewer\",\"organization\":\"acme\"}]}"));
        f.ids.put("service-token", create("/api/v1/users/" + f.id("service") + "/tokens",
                "{\"name\":\"t\",\"permissions\":[\"nodes:read\"]}"));
        f.ids.put("source", create("/api/v1/auth-sources", ldapSource("matrix-ldap")));
        f.ids.put("source-to-delete", create("/api/v1/auth-sources", ldapSource("doomed-ldap")));
        f.ids.put("mapping", create("/api/v1/auth-sources/" + f.id("source") + "/mappings",
                "{\"group\":\"doomed\",\"role\":\"viewer\",\"organization\":\"acme\"}"));
        for (String username : List.of("acme-admin", "globex-admin")) {
            tokens.put(username, login(username));
        }
        f.ids.put("own-token", json(send("POST", "/api/v1/tokens", "{\"name\":\"own\",\"permissions\":[\"nodes:read\"]}",
                tokens.get("acme-admin"), true)).get("id").asText());
        for (Permission p : Permission.values()) {
            String username = "lacks-" + p.code().replace(':', '-');
            tokens.put(username, login(username));
        }
    }

    /** A webhook channel in acme to a port nothing listens on (the test call reports it undelivered). */
    static String hook(String name) {
        return "{\"name\":\"" + name + "\",\"kind\":\"webhook\",\"secret\":\"matrix-secret-0123456789\","
                + "\"settings\":{\"url\":\"http://127.0.0.1:1/hook\"},\"organization\":\"acme\"}";
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static OrganizationId organization(DSLContext dsl, String name) {
        UUID id = UUID.randomUUID();
        dsl.insertInto(ORGANIZATIONS, ORGANIZATIONS.ID, ORGANIZATIONS.NAME).values(id, name).execute();
        return new OrganizationId(id);
    }

    static void user(OperatorRepository operators, String hash, String username, UUID role, OrganizationId org) {
        UUID id = operators.insertIfAbsent(username, hash).orElseThrow();
        operators.bindManually(id, role, org, null);
    }

    static String login(String username) {
        HttpResponse<String> response = server.post("/api/v1/auth/login",
                "{\"username\":\"" + username + "\",\"password\":\"" + PASSWORD + "\"}");
        assertThat(response.statusCode()).as("login of %s: %s", username, response.body()).isEqualTo(200);
        return json(response.body()).get("token").asText();
    }

    static String create(String path, String body) {
        HttpResponse<String> response = server.post(path, body);
        assertThat(response.statusCode()).as("POST %s: %s", path, response.body()).isBetween(200, 299);
        return json(response.body()).get("id").asText();
    }

    static void put(String path, String body) {
        HttpResponse<String> response = server.send(server.request(path).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body)));
        assertThat(response.statusCode()).as("PUT %s: %s", path, response.body()).isBetween(200, 299);
    }

    static JsonNode json(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The example of a route; a HEAD route (Micronaut adds one per GET) uses its GET's example. */
    static Example example(String route) {
        if (route.startsWith("HEAD ")) {
            Example get = EXAMPLES.get("GET " + route.substring(5));
            return get == null ? null : new Example("HEAD", get.path(), get.body(), get.who(), get.scoped());
        }
        return EXAMPLES.get(route);
    }

    /** Every route the router knows, as {@code METHOD template}, with its access rule. */
    static Map<String, AccessFilter.Rule> routes() {
        Map<String, AccessFilter.Rule> routes = new TreeMap<>();
        server.bean(Router.class).uriRoutes().forEach((UriRouteInfo<?, ?> route) -> routes.put(
                route.getHttpMethodName() + " " + route.getUriMatchTemplate().toPathString(),
                AccessFilter.ruleOf(route.getAnnotationMetadata()).orElse(null)));
        return routes;
    }

    @Test
    void everyRouteDeclaresItsAccessRuleAndHasAnExample() {
        Map<String, AccessFilter.Rule> routes = routes();
        assertThat(routes).hasSizeGreaterThan(40);
        List<String> undeclared = routes.entrySet().stream().filter(e -> e.getValue() == null).map(Map.Entry::getKey)
                .toList();
        assertThat(undeclared).as("routes without @RequiresPermission, @SignedIn or @Anonymous").isEmpty();
        assertThat(routes.keySet().stream().filter(r -> example(r) == null).toList())
                .as("routes without an example in RouteAccessMatrixTest.EXAMPLES").isEmpty();
        assertThat(EXAMPLES.keySet()).as("examples of routes that no longer exist").isSubsetOf(routes.keySet());
    }

    @Test
    void everyRouteAnswersAnonymousLackingOtherOrganizationAndRightRoleAsDeclared() {
        List<String> failures = new ArrayList<>();
        Map<String, AccessFilter.Rule> routes = routes();
        for (Map.Entry<String, AccessFilter.Rule> route : routes.entrySet()) {
            Example example = example(route.getKey());
            AccessFilter.Rule rule = route.getValue();
            if (example == null || rule == null) {
                continue; // reported by the test above
            }
            String path = example.path().apply(f);
            String body = example.body().apply(f);
            if (rule.kind() != AccessFilter.Rule.Kind.ANONYMOUS) {
                expect(failures, route.getKey(), "anonymous", send(example.method(), path, body, null), 401);
            }
            if (rule.kind() == AccessFilter.Rule.Kind.PERMISSION) {
                String lacking = "lacks-" + rule.permission().code().replace(':', '-');
                expect(failures, route.getKey(), lacking, send(example.method(), path, body, tokens.get(lacking)), 403);
            }
            if (example.scoped()) {
                expect(failures, route.getKey(), "globex-admin",
                        send(example.method(), path, body, tokens.get("globex-admin")), 404);
            }
            if (example.who() == Who.LEGACY_AGENT) {
                expect(failures, route.getKey(), "no X-API-Key", legacy(example.method(), path, body, null), 401);
                expect(failures, route.getKey(), "a bearer token, no X-API-Key",
                        send(example.method(), path, body, tokens.get("acme-admin")), 401);
                int status = legacy(example.method(), path, body, f.id("legacy-key"));
                if (status < 200 || status >= 300) {
                    failures.add(route.getKey() + ": the legacy key got " + status + ", expected success");
                }
                continue;
            }
            String token = switch (example.who()) {
                case ORG_ADMIN -> tokens.get("acme-admin");
                case SUPER_ADMIN -> null;
                case ANYONE, LEGACY_AGENT -> "anonymous";
            };
            int status = example.who() == Who.SUPER_ADMIN
                    ? send(example.method(), path, body, "admin")
                    : send(example.method(), path, body, "anonymous".equals(token) ? null : token);
            if (example.who() == Who.ANYONE) {
                if (status == 401 || status == 403 || status >= 500) {
                    failures.add(route.getKey() + ": anonymous got " + status + ", expected it to be let through");
                }
            } else if (status < 200 || status >= 400) {
                failures.add(route.getKey() + ": " + example.who() + " got " + status + ", expected success");
            }
            if (example.who() == Who.SUPER_ADMIN && example.scoped()) {
                failures.add(route.getKey() + ": a super-admin-only route cannot be organization-scoped");
            }
        }
        assertThat(failures).isEmpty();
    }

    private static void expect(List<String> failures, String route, String who, int status, int expected) {
        if (status != expected) {
            failures.add(route + ": " + who + " got " + status + ", expected " + expected);
        }
    }

    private static String send(String method, String path, String body, String token, boolean wantBody) {
        HttpRequest.Builder request = HttpRequest.newBuilder(server.uri(path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> response = server.anonymous(request);
        assertThat(response.statusCode()).as(response.body()).isBetween(200, 299);
        return response.body();
    }

    /** A legacy agent's request: no bearer token, the key (or none) in X-API-Key; returns the status. */
    private static int legacy(String method, String path, String body, String key) {
        HttpRequest.Builder request = HttpRequest.newBuilder(server.uri(path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            request.header("X-API-Key", key);
        }
        return server.anonymous(request).statusCode();
    }

    /** Sends and returns the status; {@code token} null = anonymous, "admin" = the super-admin of TestServer. */
    private static int send(String method, String path, String body, String token) {
        HttpRequest.Builder request = "admin".equals(token)
                ? server.request(path)
                : HttpRequest.newBuilder(server.uri(path)).timeout(Duration.ofSeconds(30));
        if (token != null && !"admin".equals(token)) {
            request.header("Authorization", "Bearer " + token);
        }
        HttpRequest.BodyPublisher publisher = body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body);
        request.header("Content-Type", "application/json").method(method, publisher);
        try {
            // headers only: an event stream of a running job does not end
            HttpResponse<InputStream> response = server.http().send(request.build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            response.body().close();
            return response.statusCode();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
