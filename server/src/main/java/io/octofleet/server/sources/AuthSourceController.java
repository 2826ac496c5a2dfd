package io.octofleet.server.sources;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.Put;
import io.micronaut.http.annotation.RequestAttribute;
import io.micronaut.http.annotation.Status;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.serde.annotation.Serdeable;
import io.octofleet.server.audit.AuditLog;
import io.octofleet.server.auth.Operator;
import io.octofleet.server.auth.Permission;
import io.octofleet.server.auth.RequiresPermission;
import io.octofleet.server.ldap.Diagnosis;
import io.octofleet.server.ldap.LdapDirectory;
import io.octofleet.server.nodes.Page;
import io.octofleet.server.oidc.OidcClient;
import io.octofleet.server.oidc.OidcLoginException;
import io.octofleet.server.problem.ApiException;

import java.util.List;
import java.util.Map;

/**
 * {@code /api/v1/auth-sources}: LDAP directories and OIDC providers, their group mappings, and a diagnosis of a
 * configuration. Server-wide, so {@code settings:manage} in every organization.
 */
@Controller("/api/v1/auth-sources")
@ExecuteOn(TaskExecutors.BLOCKING)
final class AuthSourceController {
    private final AuthSources sources;
    private final GroupMappings mappings;

    AuthSourceController(AuthSources sources, GroupMappings mappings) {
        this.sources = sources;
        this.mappings = mappings;
    }

    /** POST and PUT body. {@code settings} holds the type's fields, the secret included (write-only). */
    @Serdeable
    record SourceRequest(@Nullable String name, @Nullable String type, @Nullable Boolean enabled,
                         @Nullable Integer position, @Nullable Map<String, Object> settings) {
    }

    @Serdeable
    record TestRequest(@Nullable String username) {
    }

    /** The result of a test: whether every step passed, and each step with what happened. */
    @Serdeable
    record TestResult(boolean ok, @Nullable String failedStep, List<StepResult> steps) {
        static TestResult of(Diagnosis diagnosis) {
            return new TestResult(diagnosis.ok(), diagnosis.failure().map(s -> name(s.stage())).orElse(null),
                    diagnosis.steps().stream().map(s -> new StepResult(name(s.stage()),
                            s.outcome().name().toLowerCase(java.util.Locale.ROOT), s.message())).toList());
        }

        private static String name(Diagnosis.Stage stage) {
            return stage.name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** One step of a test: {@code connect}, {@code bind}, {@code find_user}, {@code groups}; ok, failed, skipped. */
    @Serdeable
    record StepResult(String step, String outcome, String message) {
    }

    @RequiresPermission(Permission.SETTINGS_MANAGE)
    @Get
    Page<AuthSource> list(@RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        operator.requireEverywhere(Permission.SETTINGS_MANAGE, "auth sources");
        List<AuthSource> all = sources.list();
        return new Page<>(all, all.size());
    }

    @RequiresPermission(Permission.SETTINGS_MANAGE)
    @Get("/{id}")
    AuthSource get(@PathVariable String id, @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        operator.requireEverywhere(Permission.SETTINGS_MANAGE, "auth sources");
        return sources.require(id);
    }

    @RequiresPermission(Permission.SETTINGS_MANAGE)
    @Post
    HttpResponse<AuthSource> create(@Body SourceRequest request, HttpRequest<?> http,
                                    @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        operator.requireEverywhere(Permission.SETTINGS_MANAGE, "auth sources");
        AuthSource created = sources.create(request);
        AuditLog.describe(http, null, null, created);
        return HttpResponse.created(created).header("Location", "/api/v1/auth-sources/" + created.id());
    }

    @RequiresPermission(Permission.SETTINGS_MANAGE)
    @Put("/{id}")
    AuthSource update(@PathVariable String id, @Body SourceRequest request, HttpRequest<?> http,
                      @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        operator.requireEverywhere(Permission.SETTINGS_MANAGE, "auth sources");
        AuthSource before = sources.require(id);
        AuthSource after = sources.update(before, request);
        AuditLog.describe(http, null, before, after);
        return after;
    }

    @RequiresPermission(Permission.SETTINGS_MANAGE)
    @Delete("/{id}")
    @Status(HttpStatus.NO_CONTENT)
    void delete(@PathVariable String id, HttpRequest<?> http, @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        operator.requireEverywhere(Permission.SETTINGS_MANAGE, "auth sources");
        AuthSource before = sources.require(id);
        sources.delete(before);
        AuditLog.describe(http, null, before, null);
    }

    /**
     * Walks what a sign-in does and says which step failed and why. LDAP: connect, service bind, find
     * {@code username}, list their groups. OIDC: discovery and the provider's keys.
     */
    @RequiresPermission(Permission.SETTINGS_MANAGE)
    @Post("/{id}/test")
    TestResult test(@PathVariable String id, @Nullable @Body TestRequest request,
                    @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        operator.requireEverywhere(Permission.SETTINGS_MANAGE, "auth sources");
        AuthSource source = sources.require(id);
        if (source.ldap()) {
            String username = request == null ? null : request.username();
            if (username == null || username.isBlank()) {
                throw ApiException.invalid("username is required: the directory user to look up");
            }
            try (LdapDirectory directory = sources.freshDirectory(source)) {
                return TestResult.of(directory.diagnose(username));
            }
        }
        try {
            OidcClient client = OidcClient.connect(SourceSettings.oidc(source.settings(), null));
            String authorize = client.begin().authorizationUri().toString();
            return new TestResult(true, null, List.of(new StepResult("connect", "ok",
                    "discovery and keys read; logins go to " + authorize.split("\\?")[0])));
        } catch (OidcLoginException e) {
            return new TestResult(false, "connect", List.of(new StepResult("connect", "failed", e.getMessage())));
        }
    }

    @RequiresPermission(Permission.SETTINGS_MANAGE)
    @Get("/{id}/mappings")
    Page<GroupMappings.Mapping> mappings(@PathVariable String id,
                                         @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        operator.requireEverywhere(Permission.SETTINGS_MANAGE, "auth sources");
        List<GroupMappings.Mapping> all = mappings.list(sources.require(id));
        return new Page<>(all, all.size());
    }

    @RequiresPermission(Permission.SETTINGS_MANAGE)
    @Post("/{id}/mappings")
    HttpResponse<GroupMappings.Mapping> addMapping(@PathVariable String id,
                                                   @Body GroupMappings.MappingRequest request, HttpRequest<?> http,
                                                   @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        operator.requireEverywhere(Permission.SETTINGS_MANAGE, "auth sources");
        GroupMappings.Mapping created = mappings.create(sources.require(id), request);
        AuditLog.describe(http, null, null, created);
        return HttpResponse.created(created);
    }

    @RequiresPermission(Permission.SETTINGS_MANAGE)
    @Delete("/{id}/mappings/{mappingId}")
    @Status(HttpStatus.NO_CONTENT)
    void deleteMapping(@PathVariable String id, @PathVariable String mappingId, HttpRequest<?> http,
                       @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        operator.requireEverywhere(Permission.SETTINGS_MANAGE, "auth sources");
        AuditLog.describe(http, null, mappings.delete(sources.require(id), mappingId), null);
    }

}
