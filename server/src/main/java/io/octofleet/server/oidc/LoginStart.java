package io.octofleet.server.oidc;

import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.openid.connect.sdk.Nonce;

import java.io.Serializable;
import java.net.URI;

/**
 * A login in progress: send the browser to {@link #authorizationUri}, keep the rest server-side (never in the
 * browser: the verifier is a secret) until the callback comes, then pass it to {@link OidcClient#complete}.
 * Use each one once.
 */
public record LoginStart(URI authorizationUri, State state, Nonce nonce, CodeVerifier verifier)
        implements Serializable {

    /** Rebuild from stored strings (e.g. a database row). */
    public static LoginStart of(String authorizationUri, String state, String nonce, String verifier) {
        return new LoginStart(URI.create(authorizationUri), new State(state), new Nonce(nonce),
                new CodeVerifier(verifier));
    }

    /** The verifier is a secret; keep it out of logs. */
    @Override
    public String toString() {
        return "LoginStart[state=" + state + ", authorizationUri=" + authorizationUri + "]";
    }
}
