package io.octofleet.agent.identity;

import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import java.net.InetAddress;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PinnedCaTrustManagerTest {
    private static final Clock AT_NOW = Clock.fixed(TestPki.NOW, ZoneOffset.UTC);

    @TempDir
    Path temp;

    @Test
    void acceptsAServerChainFromThePinnedCaAndRemembersIt() throws Exception {
        TestPki ca = TestPki.newCa("octofleet");
        X509Certificate server = ca.serverCertificate(AgentIdentity.newKeyPair().getPublic());
        PinnedCaTrustManager trust = PinnedCaTrustManager.forPin(ca.pin(), AT_NOW);

        trust.checkServerTrusted(new X509Certificate[]{server, ca.certificate()}, "ECDHE_ECDSA");

        assertThat(trust.matchedCa()).contains(ca.certificate());
    }

    @Test
    void rejectsAServerWhoseCaDoesNotMatchThePin() throws Exception {
        TestPki ca = TestPki.newCa("octofleet");
        TestPki impostor = TestPki.newCa("octofleet");
        X509Certificate server = impostor.serverCertificate(AgentIdentity.newKeyPair().getPublic());
        PinnedCaTrustManager trust = PinnedCaTrustManager.forPin(ca.pin(), AT_NOW);

        assertThatThrownBy(() -> trust.checkServerTrusted(
                new X509Certificate[]{server, impostor.certificate()}, "ECDHE_ECDSA"))
                .isInstanceOf(CertificateException.class)
                .hasMessageContaining("server CA does not match the pin " + ca.pin());
        assertThat(trust.matchedCa()).isEmpty();
    }

    @Test
    void rejectsALeafNotSignedByThePinnedCaEvenWhenThePinnedCaIsInTheChain() throws Exception {
        TestPki ca = TestPki.newCa("octofleet");
        TestPki impostor = TestPki.newCa("octofleet");
        X509Certificate forged = impostor.serverCertificate(AgentIdentity.newKeyPair().getPublic());
        PinnedCaTrustManager trust = PinnedCaTrustManager.forPin(ca.pin(), AT_NOW);

        assertThatThrownBy(() -> trust.checkServerTrusted(
                new X509Certificate[]{forged, ca.certificate()}, "ECDHE_ECDSA"))
                .isInstanceOf(CertificateException.class)
                .hasMessageContaining("does not chain to CA");
    }

    @Test
    void rejectsAnAgentCertificatePosingAsTheServer() throws Exception {
        TestPki ca = TestPki.newCa("octofleet");
        X509Certificate agent = ca.leaf(AgentIdentity.newKeyPair().getPublic(), KeyPurposeId.id_kp_clientAuth,
                TestPki.NOW.minus(Duration.ofDays(1)), TestPki.NOW.plus(Duration.ofDays(1)));

        for (PinnedCaTrustManager trust : List.of(PinnedCaTrustManager.forPin(ca.pin(), AT_NOW),
                PinnedCaTrustManager.forCaCertificates(List.of(ca.certificate()), AT_NOW))) {
            assertThatThrownBy(() -> trust.checkServerTrusted(
                    new X509Certificate[]{agent, ca.certificate()}, "ECDHE_ECDSA"))
                    .isInstanceOf(CertificateException.class)
                    .hasMessageContaining("no serverAuth");
        }
    }

    @Test
    void rejectsAnExpiredServerCertificate() throws Exception {
        TestPki ca = TestPki.newCa("octofleet");
        X509Certificate expired = ca.leaf(AgentIdentity.newKeyPair().getPublic(), KeyPurposeId.id_kp_serverAuth,
                TestPki.NOW.minus(Duration.ofDays(90)), TestPki.NOW.minus(Duration.ofSeconds(1)));

        for (PinnedCaTrustManager trust : List.of(PinnedCaTrustManager.forPin(ca.pin(), AT_NOW),
                PinnedCaTrustManager.forCaCertificates(List.of(ca.certificate()), AT_NOW))) {
            assertThatThrownBy(() -> trust.checkServerTrusted(
                    new X509Certificate[]{expired, ca.certificate()}, "ECDHE_ECDSA"))
                    .isInstanceOf(CertificateException.class)
                    .hasMessageContaining("expired");
        }
    }

    @Test
    void savedCaCertificatesTrustALeafSentWithoutItsCa() throws Exception {
        TestPki old = TestPki.newCa("old");
        TestPki ca = TestPki.newCa("octofleet");
        X509Certificate server = ca.serverCertificate(AgentIdentity.newKeyPair().getPublic());
        PinnedCaTrustManager trust =
                PinnedCaTrustManager.forCaCertificates(List.of(old.certificate(), ca.certificate()), AT_NOW);

        trust.checkServerTrusted(new X509Certificate[]{server}, "ECDHE_ECDSA");

        assertThat(trust.matchedCa()).contains(ca.certificate());
        assertThat(trust.getAcceptedIssuers()).containsExactly(old.certificate(), ca.certificate());
    }

    @Test
    void savedCaCertificatesRejectAServerFromAnotherCa() throws Exception {
        TestPki ca = TestPki.newCa("octofleet");
        TestPki other = TestPki.newCa("other");
        X509Certificate server = other.serverCertificate(AgentIdentity.newKeyPair().getPublic());
        PinnedCaTrustManager trust = PinnedCaTrustManager.forCaCertificates(List.of(ca.certificate()), AT_NOW);

        assertThatThrownBy(() -> trust.checkServerTrusted(
                new X509Certificate[]{server, other.certificate()}, "ECDHE_ECDSA"))
                .isInstanceOf(CertificateException.class)
                .hasMessageContaining("not issued by the Octofleet CA this agent enrolled with");
    }

    @Test
    void refusesToJudgeClients() throws Exception {
        TestPki ca = TestPki.newCa("octofleet");
        PinnedCaTrustManager trust = PinnedCaTrustManager.forCaCertificates(List.of(ca.certificate()));

        assertThatThrownBy(() -> trust.checkClientTrusted(new X509Certificate[]{ca.certificate()}, "EC"))
                .isInstanceOf(CertificateException.class);
    }

    @Test
    void rejectsAMalformedPin() {
        assertThatThrownBy(() -> PinnedCaTrustManager.forPin("sha256:abc"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bad CA pin");
    }

    /**
     * A real JSSE handshake, with the HTTPS endpoint identification grpc asks for turned on and a server certificate
     * that does not name the address dialled: trust rests on the pinned CA and serverAuth, not the host name, and
     * the agent's key managers present its client certificate.
     */
    @Test
    void mutualTlsHandshakeSucceedsWithoutAHostNameMatch() throws Exception {
        TestPki ca = TestPki.newCa("octofleet");
        KeyPair serverKeys = AgentIdentity.newKeyPair();
        X509Certificate serverCertificate = ca.leaf(serverKeys.getPublic(), KeyPurposeId.id_kp_serverAuth,
                TestPki.NOW.minus(Duration.ofDays(1)), java.time.Instant.now().plus(Duration.ofDays(1)));
        KeyPair agentKeys = AgentIdentity.newKeyPair();
        X509Certificate agentCertificate = ca.leaf(agentKeys.getPublic(), KeyPurposeId.id_kp_clientAuth,
                TestPki.NOW.minus(Duration.ofDays(1)), java.time.Instant.now().plus(Duration.ofDays(1)));
        AgentIdentity identity = AgentIdentity.save(temp.resolve("state"), agentKeys, UUID.randomUUID().toString(),
                Pem.certificates(List.of(agentCertificate)), Pem.certificates(List.of(ca.certificate())));
        PinnedCaTrustManager trust = PinnedCaTrustManager.forPin(ca.pin());

        SSLContext serverContext = SSLContext.getInstance("TLSv1.3");
        serverContext.init(serverKeyManagers(serverKeys, serverCertificate, ca.certificate()),
                new TrustManager[]{clientTrust(ca.certificate())}, null);
        SSLContext clientContext = SSLContext.getInstance("TLSv1.3");
        clientContext.init(identity.keyManagerFactory().getKeyManagers(), new TrustManager[]{trust}, null);

        try (SSLServerSocket listener = (SSLServerSocket) serverContext.getServerSocketFactory()
                .createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            listener.setNeedClientAuth(true);
            CompletableFuture<X509Certificate> seenByServer = CompletableFuture.supplyAsync(() -> {
                try (SSLSocket accepted = (SSLSocket) listener.accept()) {
                    accepted.startHandshake();
                    return (X509Certificate) accepted.getSession().getPeerCertificates()[0];
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            try (SSLSocket client = (SSLSocket) clientContext.getSocketFactory()
                    .createSocket("127.0.0.1", listener.getLocalPort())) {
                SSLParameters parameters = client.getSSLParameters();
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
                client.setSSLParameters(parameters);
                client.startHandshake();
                assertThat(client.getSession().getPeerCertificates()[0]).isEqualTo(serverCertificate);
            }
            assertThat(seenByServer.get(10, TimeUnit.SECONDS)).isEqualTo(agentCertificate);
        }
        assertThat(trust.matchedCa()).contains(ca.certificate());
    }

    private static javax.net.ssl.KeyManager[] serverKeyManagers(KeyPair keys, X509Certificate... chain)
            throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("server", keys.getPrivate(), new char[0], chain);
        KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        factory.init(store, new char[0]);
        return factory.getKeyManagers();
    }

    private static TrustManager clientTrust(X509Certificate ca) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setCertificateEntry("ca", ca);
        javax.net.ssl.TrustManagerFactory factory =
                javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store);
        return factory.getTrustManagers()[0];
    }
}
