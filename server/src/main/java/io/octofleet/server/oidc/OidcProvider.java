package io.octofleet.server.oidc;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import com.nimbusds.jwt.proc.JWTProcessor;
import com.nimbusds.oauth2.sdk.GeneralException;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.Issuer;
import com.nimbusds.openid.connect.sdk.op.OIDCProviderMetadata;
import com.nimbusds.openid.connect.sdk.validators.IDTokenValidator;

import java.io.IOException;
import java.net.MalformedURLException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One discovered OpenID Connect provider: its metadata and the validators that check its tokens against its JWKS.
 * The JWKS is fetched lazily, cached, and fetched again when a token names a key id the cache does not hold, so
 * the provider can rotate its signing key without Octofleet being restarted (Nimbus rate-limits those refetches,
 * so a flood of tokens with made-up key ids cannot turn into a flood of JWKS requests).
 */
public final class OidcProvider {

    private static final int JWKS_SIZE_LIMIT_BYTES = 512 * 1024;

    private final OidcProviderSettings settings;
    private final OIDCProviderMetadata metadata;
    private final IDTokenValidator idTokenValidator;
    private final JWTProcessor<SecurityContext> accessTokenProcessor;

    private OidcProvider(OidcProviderSettings settings, OIDCProviderMetadata metadata) throws OidcLoginException {
        this.settings = settings;
        this.metadata = metadata;
        if (metadata.getJWKSetURI() == null) {
            throw new OidcLoginException("OIDC provider " + settings.issuer() + " publishes no jwks_uri");
        }
        JWKSource<SecurityContext> keys;
        try {
            keys = JWKSourceBuilder.<SecurityContext>create(metadata.getJWKSetURI().toURL(),
                            new DefaultResourceRetriever(millis(settings.connectTimeout()),
                                    millis(settings.readTimeout()), JWKS_SIZE_LIMIT_BYTES))
                    .build();
        } catch (MalformedURLException e) {
            throw new OidcLoginException("OIDC provider " + settings.issuer() + " has an unusable jwks_uri: "
                    + metadata.getJWKSetURI(), e);
        }
        Set<JWSAlgorithm> algorithms = signatureAlgorithms(metadata.getIDTokenJWSAlgs());
        var keySelector = new JWSVerificationKeySelector<>(algorithms, keys);

        this.idTokenValidator = new IDTokenValidator(metadata.getIssuer(), new ClientID(settings.clientId()),
                keySelector, null);
        this.idTokenValidator.setMaxClockSkew(seconds(settings));

        var processor = new DefaultJWTProcessor<SecurityContext>();
        processor.setJWSKeySelector(keySelector);
        // RFC 9068 access tokens are typed at+jwt; many providers still send plain JWT or no typ at all.
        processor.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(
                JOSEObjectType.JWT, new JOSEObjectType("at+jwt"), new JOSEObjectType("application/at+jwt"), null));
        var claims = new DefaultJWTClaimsVerifier<SecurityContext>(
                Set.of(settings.accessTokenAudience()),
                new JWTClaimsSet.Builder().issuer(metadata.getIssuer().getValue()).build(),
                Set.of("sub", "exp"),
                // an ID token carries a nonce; it is proof of a login for us, not a credential for the API
                Set.of("nonce"));
        claims.setMaxClockSkew(seconds(settings));
        processor.setJWTClaimsSetVerifier(claims);
        this.accessTokenProcessor = processor;
    }

    /**
     * Reads the provider's discovery document (with the configured timeouts) and checks that it names the
     * configured issuer.
     *
     * @throws OidcLoginException when the provider cannot be reached, answers with something that is not valid
     *                            discovery metadata, or names another issuer
     */
    public static OidcProvider discover(OidcProviderSettings settings) throws OidcLoginException {
        OIDCProviderMetadata metadata;
        try {
            metadata = OIDCProviderMetadata.resolve(new Issuer(settings.issuer()),
                    millis(settings.connectTimeout()), millis(settings.readTimeout()));
        } catch (IOException e) {
            throw new OidcLoginException("OIDC provider " + settings.issuer() + " is unreachable: " + e, e);
        } catch (GeneralException e) {
            throw new OidcLoginException("OIDC provider " + settings.issuer()
                    + " returned unusable discovery metadata: " + e.getMessage(), e);
        }
        return new OidcProvider(settings, metadata);
    }

    public OidcProviderSettings settings() {
        return settings;
    }

    public OIDCProviderMetadata metadata() {
        return metadata;
    }

    IDTokenValidator idTokenValidator() {
        return idTokenValidator;
    }

    JWTProcessor<SecurityContext> accessTokenProcessor() {
        return accessTokenProcessor;
    }

    int connectTimeoutMillis() {
        return millis(settings.connectTimeout());
    }

    int readTimeoutMillis() {
        return millis(settings.readTimeout());
    }

    /** Only asymmetric signatures: an HMAC-signed token could be forged by anyone who knows the client secret. */
    private static Set<JWSAlgorithm> signatureAlgorithms(List<JWSAlgorithm> advertised) {
        Set<JWSAlgorithm> algorithms = new LinkedHashSet<>();
        if (advertised != null) {
            for (JWSAlgorithm alg : advertised) {
                if (JWSAlgorithm.Family.SIGNATURE.contains(alg)) {
                    algorithms.add(alg);
                }
            }
        }
        if (algorithms.isEmpty()) {
            algorithms.add(JWSAlgorithm.RS256); // the one OIDC Core requires every provider to support
        }
        return algorithms;
    }

    private static int seconds(OidcProviderSettings settings) {
        return (int) Math.min(Integer.MAX_VALUE, settings.clockSkew().toSeconds());
    }

    private static int millis(java.time.Duration duration) {
        return (int) Math.min(Integer.MAX_VALUE, duration.toMillis());
    }
}
