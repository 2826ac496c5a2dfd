package io.octofleet.server.pki;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;

/**
 * The gRPC server's key and certificate chain (leaf first, then the CA), ready for
 * {@code GrpcSslContexts.forServer(key, chain...)} or, as PEM streams, {@code forServer(chainPem, keyPem)}.
 */
public record ServerTlsMaterial(PrivateKey key, List<X509Certificate> chain) {
    public ServerTlsMaterial {
        Objects.requireNonNull(key, "key");
        chain = List.copyOf(chain);
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("chain must hold at least the server certificate");
        }
    }

    public X509Certificate certificate() {
        return chain.get(0);
    }

    /** The key as unencrypted PKCS#8 PEM, the form netty reads for any key type. */
    public byte[] keyPem() {
        return Pem.privateKey(key);
    }

    public String chainPem() {
        return Pem.certificates(chain);
    }
}
