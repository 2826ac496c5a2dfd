package io.octofleet.agent.identity;

import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.X509KeyManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AgentIdentityTest {
    private static final String NODE = UUID.randomUUID().toString();

    @TempDir
    Path temp;

    private Path stateDir() {
        return temp.resolve("state");
    }

    @Test
    void saveThenLoadRoundTripsWithOwnerOnlyFiles() throws Exception {
        TestPki ca = TestPki.newCa("ca");
        KeyPair keys = AgentIdentity.newKeyPair();
        X509Certificate certificate = clientCertificate(ca, keys, TestPki.NOW, Duration.ofDays(30));

        AgentIdentity saved = AgentIdentity.save(stateDir(), keys, NODE, pem(certificate), pem(ca.certificate()));
        AgentIdentity loaded = AgentIdentity.load(stateDir()).orElseThrow();

        assertThat(loaded.nodeId()).isEqualTo(NODE).isEqualTo(saved.nodeId());
        assertThat(loaded.certificate()).isEqualTo(certificate);
        assertThat(loaded.caCertificates()).containsExactly(ca.certificate());
        assertThat(loaded.privateKey().getEncoded()).isEqualTo(keys.getPrivate().getEncoded());
        assertThat(mode(stateDir())).isEqualTo("rwx------");
        for (String file : List.of("agent.key", "agent.crt", "ca.crt", "node-id")) {
            assertThat(mode(stateDir().resolve(file))).as(file).isEqualTo("rw-------");
        }
        assertThat(Files.readString(stateDir().resolve("agent.key"))).startsWith("-----BEGIN PRIVATE KEY-----");
        try (var files = Files.list(stateDir())) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("agent.key", "agent.crt", "ca.crt", "node-id");
        }
    }

    @Test
    void keepsSeveralCaCertificates() throws Exception {
        TestPki ca = TestPki.newCa("ca");
        TestPki next = TestPki.newCa("next");
        KeyPair keys = AgentIdentity.newKeyPair();

        AgentIdentity.save(stateDir(), keys, NODE, pem(clientCertificate(ca, keys, TestPki.NOW, Duration.ofDays(1))),
                pem(ca.certificate()) + pem(next.certificate()));

        assertThat(AgentIdentity.load(stateDir()).orElseThrow().caCertificates())
                .containsExactly(ca.certificate(), next.certificate());
    }

    @Test
    void loadIsEmptyBeforeEnrollment() throws Exception {
        assertThat(AgentIdentity.load(stateDir())).isEmpty();
        Files.createDirectories(stateDir());
        assertThat(AgentIdentity.load(stateDir())).isEmpty();
    }

    @Test
    void loadReportsAnIncompleteIdentity() throws Exception {
        saveIdentity(AgentIdentity.newKeyPair());
        Files.delete(stateDir().resolve("agent.crt"));

        assertThatThrownBy(() -> AgentIdentity.load(stateDir()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("missing [agent.crt]")
                .hasMessageContaining("--re-enroll");
    }

    @Test
    void loadRefusesAKeyOthersCanRead() throws Exception {
        saveIdentity(AgentIdentity.newKeyPair());
        Files.setPosixFilePermissions(stateDir().resolve("agent.key"), PosixFilePermissions.fromString("rw-r--r--"));

        assertThatThrownBy(() -> AgentIdentity.load(stateDir()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("chmod 600");
    }

    @Test
    void saveRejectsACertificateForAnotherKeyAndKeepsTheOldIdentity() throws Exception {
        TestPki ca = TestPki.newCa("ca");
        AgentIdentity old = saveIdentity(AgentIdentity.newKeyPair());
        KeyPair ours = AgentIdentity.newKeyPair();
        X509Certificate forOtherKey = clientCertificate(ca, AgentIdentity.newKeyPair(), TestPki.NOW, Duration.ofDays(1));

        assertThatThrownBy(() -> old.renewed(stateDir(), ours, pem(forOtherKey), pem(ca.certificate())))
                .isInstanceOf(java.io.IOException.class)
                .hasMessageContaining("another key");
        assertThat(AgentIdentity.load(stateDir()).orElseThrow().certificate()).isEqualTo(old.certificate());
    }

    @Test
    void renewedReplacesKeyAndCertificateAndKeepsNodeId() throws Exception {
        TestPki ca = TestPki.newCa("ca");
        AgentIdentity old = saveIdentity(AgentIdentity.newKeyPair());
        KeyPair newKeys = AgentIdentity.newKeyPair();
        X509Certificate newCertificate = clientCertificate(ca, newKeys, TestPki.NOW.plus(Duration.ofDays(20)),
                Duration.ofDays(30));

        AgentIdentity renewed = old.renewed(stateDir(), newKeys, pem(newCertificate), pem(ca.certificate()));

        assertThat(renewed.nodeId()).isEqualTo(old.nodeId());
        AgentIdentity loaded = AgentIdentity.load(stateDir()).orElseThrow();
        assertThat(loaded.certificate()).isEqualTo(newCertificate);
        assertThat(loaded.privateKey().getEncoded()).isEqualTo(newKeys.getPrivate().getEncoded());
    }

    @Test
    void loadFinishesASaveThatCrashedAfterCommitting() throws Exception {
        AgentIdentity old = saveIdentity(AgentIdentity.newKeyPair());
        Path backup = temp.resolve("backup");
        copyDir(stateDir(), backup);
        AgentIdentity newer = saveIdentity(AgentIdentity.newKeyPair());
        // Recreate the moment between renames: marker present, key already moved, the rest still pending.
        for (String file : List.of("agent.crt", "ca.crt", "node-id")) {
            Files.move(stateDir().resolve(file), stateDir().resolve(file + ".new"));
            Files.copy(backup.resolve(file), stateDir().resolve(file));
        }
        Files.createFile(stateDir().resolve(StateFiles.COMMIT_MARKER));

        AgentIdentity loaded = AgentIdentity.load(stateDir()).orElseThrow();

        assertThat(loaded.certificate()).isEqualTo(newer.certificate()).isNotEqualTo(old.certificate());
        assertThat(stateDir().resolve(StateFiles.COMMIT_MARKER)).doesNotExist();
        assertThat(stateDir().resolve("agent.crt.new")).doesNotExist();
    }

    @Test
    void loadDiscardsASaveThatCrashedBeforeCommitting() throws Exception {
        AgentIdentity old = saveIdentity(AgentIdentity.newKeyPair());
        Files.writeString(stateDir().resolve("agent.key.new"), "half a ke");
        Files.writeString(stateDir().resolve("agent.crt.new"), "");

        AgentIdentity loaded = AgentIdentity.load(stateDir()).orElseThrow();

        assertThat(loaded.certificate()).isEqualTo(old.certificate());
        assertThat(stateDir().resolve("agent.key.new")).doesNotExist();
        assertThat(stateDir().resolve("agent.crt.new")).doesNotExist();
    }

    @Test
    void renewsTwoThirdsIntoTheLifetime() throws Exception {
        Instant notBefore = TestPki.NOW;
        AgentIdentity identity = saveIdentity(AgentIdentity.newKeyPair(), notBefore, Duration.ofDays(30));

        assertThat(identity.renewAt()).isEqualTo(notBefore.plus(Duration.ofDays(20)));
        assertThat(identity.needsRenewal(clockAt(notBefore.plus(Duration.ofDays(20)).minusSeconds(1)))).isFalse();
        assertThat(identity.needsRenewal(clockAt(notBefore.plus(Duration.ofDays(20))))).isTrue();
        assertThat(identity.needsRenewal(clockAt(notBefore.plus(Duration.ofDays(40))))).isTrue();
    }

    @Test
    void csrIsSignedByTheKeyAndNamesTheHost() throws Exception {
        KeyPair keys = AgentIdentity.newKeyPair();

        PKCS10CertificationRequest csr = new PKCS10CertificationRequest(AgentIdentity.csr(keys, "web-01"));

        assertThat(csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(keys.getPublic()))).isTrue();
        assertThat(csr.getSubject().toString()).isEqualTo("CN=web-01");
        assertThat(csr.getSubjectPublicKeyInfo().getEncoded()).isEqualTo(keys.getPublic().getEncoded());
    }

    @Test
    void keyManagerFactoryPresentsTheIdentity() throws Exception {
        AgentIdentity identity = saveIdentity(AgentIdentity.newKeyPair());

        X509KeyManager manager = (X509KeyManager) identity.keyManagerFactory().getKeyManagers()[0];
        String alias = manager.chooseClientAlias(new String[]{"EC"}, null, null);

        assertThat(alias).isNotNull();
        assertThat(manager.getCertificateChain(alias)).containsExactly(identity.certificate());
        assertThat(manager.getPrivateKey(alias).getEncoded()).isEqualTo(identity.privateKey().getEncoded());
    }

    private AgentIdentity saveIdentity(KeyPair keys) throws Exception {
        return saveIdentity(keys, TestPki.NOW, Duration.ofDays(30));
    }

    private AgentIdentity saveIdentity(KeyPair keys, Instant notBefore, Duration lifetime) throws Exception {
        TestPki ca = TestPki.newCa("ca");
        return AgentIdentity.save(stateDir(), keys, NODE, pem(clientCertificate(ca, keys, notBefore, lifetime)),
                pem(ca.certificate()));
    }

    private static X509Certificate clientCertificate(TestPki ca, KeyPair keys, Instant notBefore, Duration lifetime)
            throws Exception {
        return ca.leaf(keys.getPublic(), KeyPurposeId.id_kp_clientAuth, notBefore, notBefore.plus(lifetime));
    }

    private static String pem(X509Certificate certificate) {
        return Pem.certificates(List.of(certificate));
    }

    private static String mode(Path path) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }

    private static Clock clockAt(Instant instant) {
        return Clock.fixed(instant, ZoneOffset.UTC);
    }

    private static void copyDir(Path from, Path to) throws Exception {
        Files.createDirectories(to);
        try (var files = Files.list(from)) {
            for (Path file : files.toList()) {
                Files.copy(file, to.resolve(file.getFileName()));
            }
        }
    }
}
