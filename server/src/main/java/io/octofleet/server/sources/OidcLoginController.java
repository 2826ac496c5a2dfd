package io.octofleet.server.sources;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.octofleet.server.audit.AuditLog;
import io.octofleet.server.auth.Anonymous;
import io.octofleet.server.auth.Sessions;
import io.octofleet.server.auth.SsoLogout;
import io.octofleet.server.oidc.LoginStart;
import io.octofleet.server.oidc.OidcClient;
import io.octofleet.server.oidc.OidcIdentity;
import io.octofleet.server.oidc.OidcLoginException;
import io.octofleet.server.problem.ApiException;
import jakarta.inject.Singleton;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Optional;
import java.util.UUID;

import static io.octofleet.server.db.Tables.OIDC_LOGINS;

/**
 * Single sign-on through an OIDC provider (authorization code + PKCE, state and nonce):
 * {@code GET /api/v1/auth/oidc/{source}/login} sends the browser to the provider; the provider sends it back to
 * {@code …/callback}, which checks everything, signs the user in (just-in-time user, roles from the groups claim)
 * and hands over a session. Pending logins live in PostgreSQL, so any replica can finish one, once.
 */
@Controller("/api/v1/auth/oidc")
@ExecuteOn(TaskExecutors.BLOCKING)
final class OidcLoginController {
    private static final Logger LOG = LoggerFactory.getLogger(OidcLoginController.class);
    static final Duration PENDING_LIFETIME = Duration.ofMinutes(10);
    private final AuthSources sources;
    private final ExternalUsers users;
    private final Sessions sessions;
    private final AuditLog audit;
    private final DSLContext dsl;

    OidcLoginController(AuthSources sources, ExternalUsers users, Sessions sessions, AuditLog audit, DSLContext dsl) {
        this.sources = sources;
        this.users = users;
        this.sessions = sessions;
        this.audit = audit;
        this.dsl = dsl;
    }

    @Anonymous // the way in: the browser has no session yet
    @Get(value = "/{source}/login{?returnTo}", produces = {MediaType.APPLICATION_JSON, MediaType.TEXT_HTML})
    HttpResponse<?> login(@PathVariable String source, @Nullable @QueryValue String returnTo) {
        AuthSource oidc = enabledOidc(source);
        String back = returnTo == null || returnTo.isBlank() ? "/" : returnTo;
        // only a path on this server: never an open redirect to somewhere else
        if (!back.startsWith("/") || back.startsWith("//") || back.contains("\\")) {
            throw ApiException.invalid("returnTo must be a path on this server, such as /nodes");
        }
        OidcClient client = client(oidc);
        LoginStart start = client.begin();
        dsl.deleteFrom(OIDC_LOGINS).where(OIDC_LOGINS.EXPIRES_AT.lt(DSL.currentOffsetDateTime())).execute();
        dsl.insertInto(OIDC_LOGINS)
                .set(OIDC_LOGINS.STATE, start.state().getValue())
                .set(OIDC_LOGINS.SOURCE_ID, oidc.id())
                .set(OIDC_LOGINS.NONCE, start.nonce().getValue())
                .set(OIDC_LOGINS.CODE_VERIFIER, start.verifier().getValue())
                .set(OIDC_LOGINS.REDIRECT_URI, SourceSettings.oidc(oidc.settings(), null).redirectUri().toString())
                .set(OIDC_LOGINS.RETURN_TO, back)
                .set(OIDC_LOGINS.EXPIRES_AT, OffsetDateTime.now().plus(PENDING_LIFETIME))
                .execute();
        return HttpResponse.status(HttpStatus.FOUND).header(HttpHeaders.LOCATION, start.authorizationUri().toString())
                .header(HttpHeaders.CACHE_CONTROL, "no-store");
    }

    /**
     * The provider's redirect back. With {@code Accept: application/json} the answer is the session as JSON;
     * otherwise a redirect to the {@code returnTo} path with the session in the URL fragment
     * ({@code #session=ofs_…&expiresAt=…}), which browsers never send to a server.
     */
    @Anonymous // the provider's redirect: the state, not a session, proves whose login this is
    @Get(value = "/{source}/callback", produces = {MediaType.APPLICATION_JSON, MediaType.TEXT_HTML})
    HttpResponse<?> callback(@PathVariable String source, HttpRequest<?> http) {
        String from = AuditLog.sourceAddress(http);
        AuthSource oidc = enabledOidc(source);
        String state = http.getParameters().get("state");
        if (state == null || state.isBlank()) {
            throw fail(oidc, "?", from, "the callback carries no state");
        }
        // single use: the row is gone whatever happens next
        var pending = dsl.deleteFrom(OIDC_LOGINS).where(OIDC_LOGINS.STATE.eq(state))
                .and(OIDC_LOGINS.SOURCE_ID.eq(oidc.id())).returning().fetchOne();
        if (pending == null || pending.getExpiresAt().isBefore(OffsetDateTime.now())) {
            throw fail(oidc, "?", from, "unknown, used or expired login state; start the login again");
        }
        URI callback = URI.create(pending.getRedirectUri() + "?" + http.getUri().getRawQuery());
        OidcIdentity identity;
        try {
            identity = client(oidc).complete(LoginStart.of(pending.getRedirectUri(), pending.getState(),
                    pending.getNonce(), pending.getCodeVerifier()), callback);
        } catch (OidcLoginException e) {
            throw fail(oidc, "?", from, e.getMessage());
        }
        ExternalUsers.Account account = users.signedIn(oidc, identity.subject(), identity.username(),
                identity.name(), identity.email(), identity.groups());
        if (account.disabled()) {
            audit.record(account.username(), "login_failed", account.username(), from, false, 403,
                    "account disabled (" + oidc.name() + ")");
            throw new ApiException(HttpStatus.FORBIDDEN, "account-disabled", "account '" + account.username()
                    + "' is disabled; ask an administrator");
        }
        Sessions.Session session = sessions.start(account.id(), oidc.id(), null);
        audit.record(account.username(), "login", account.username(), from, true, 200, "sso via " + oidc.name());
        LOG.info("SSO login of '{}' through {} from {}", account.username(), oidc.name(), from);
        // JSON only for a client that names it: a browser's "*/*" must get the redirect, not a JSON session.
        if (http.getHeaders().accept().stream()
                .anyMatch(t -> t.getType().equals("application") && t.getSubtype().equals("json"))) {
            return HttpResponse.ok(session).header(HttpHeaders.CACHE_CONTROL, "no-store");
        }
        String fragment = "#session=" + URLEncoder.encode(session.token(), StandardCharsets.UTF_8)
                + "&expiresAt=" + URLEncoder.encode(session.expiresAt().toString(), StandardCharsets.UTF_8);
        return HttpResponse.status(HttpStatus.FOUND)
                .header(HttpHeaders.LOCATION, pending.getReturnTo() + fragment)
                .header(HttpHeaders.CACHE_CONTROL, "no-store");
    }

    private AuthSource enabledOidc(String name) {
        return sources.byName(name).filter(s -> s.type().equals("oidc") && s.enabled())
                .orElseThrow(() -> ApiException.notFound("OIDC sign-in '" + name + "'"));
    }

    private OidcClient client(AuthSource source) {
        try {
            return sources.client(source);
        } catch (OidcLoginException e) {
            AuthSources.logUnavailable(source, e);
            throw new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "provider-unavailable", "the sign-in provider "
                    + source.name() + " cannot be reached: " + e.getMessage());
        }
    }

    private ApiException fail(AuthSource source, String who, String from, String why) {
        LOG.warn("SSO login through {} from {} refused: {}", source.name(), from, why);
        audit.record(who, "login_failed", who, from, false, 401, source.name() + ": " + why);
        return new ApiException(HttpStatus.UNAUTHORIZED, "sso-refused", "single sign-on refused: " + why);
    }

    /** RP-initiated logout at the provider, for sessions opened through it. */
    @Singleton
    static final class ProviderLogout implements SsoLogout {
        private final AuthSources sources;

        ProviderLogout(AuthSources sources) {
            this.sources = sources;
        }

        @Override
        public Optional<String> logoutUrl(UUID sourceId) {
            Optional<AuthSource> source = sources.find(sourceId).filter(s -> s.type().equals("oidc"));
            if (source.isEmpty()) {
                return Optional.empty();
            }
            try {
                OidcClient client = sources.client(source.get());
                // where the provider sends the browser afterwards (registered there), e.g. the dashboard's login page
                String back = source.get().settings().get("endSessionRedirectUri") instanceof String uri
                        && !uri.isBlank() ? "&post_logout_redirect_uri=" + URLEncoder.encode(uri, StandardCharsets.UTF_8)
                        : "";
                return client.endSessionEndpoint().map(uri -> uri + (uri.getRawQuery() == null ? "?" : "&")
                        + "client_id=" + URLEncoder.encode(client.clientId(), StandardCharsets.UTF_8) + back);
            } catch (OidcLoginException e) {
                return Optional.empty();
            }
        }
    }
}
