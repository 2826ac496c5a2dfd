package io.octofleet.server.ldap;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LdapTlsTest {
    private static TestCertificates trusted;
    private static TestCertificates stranger;

    @BeforeAll
    static void certificates() throws Exception {
        trusted = TestCertificates.newCa("Test Directory CA");
        stranger = TestCertificates.newCa("Some Other CA");
    }

    @Test
    void ldaps_withTheServersCa_authenticates() throws Exception {
        try (TestDirectory server = TestDirectory.start(TestDirectory.Listener.LDAPS,
                trusted.serverContext("localhost", true));
             LdapDirectory directory = new LdapDirectory(settings(server, LdapSettings.Security.LDAPS, trusted))) {
            assertThat(directory.authenticate("alice", "wonderland".toCharArray())).isPresent();
            assertThat(directory.diagnose("alice").ok()).isTrue();
        }
    }

    @Test
    void startTls_withTheServersCa_authenticates() throws Exception {
        try (TestDirectory server = TestDirectory.start(TestDirectory.Listener.STARTTLS,
                trusted.serverContext("localhost", true));
             LdapDirectory directory = new LdapDirectory(settings(server, LdapSettings.Security.STARTTLS, trusted))) {
            assertThat(directory.authenticate("alice", "wonderland".toCharArray())).isPresent();
            assertThat(directory.diagnose("alice").ok()).isTrue();
        }
    }

    @Test
    void ldaps_withAnotherCa_failsWithATlsErrorAtConnect() throws Exception {
        try (TestDirectory server = TestDirectory.start(TestDirectory.Listener.LDAPS,
                trusted.serverContext("localhost", true));
             LdapDirectory directory = new LdapDirectory(settings(server, LdapSettings.Security.LDAPS, stranger))) {
            Diagnosis diagnosis = directory.diagnose("alice");

            assertThat(diagnosis.failure()).get().extracting(Diagnosis.Step::stage).isEqualTo(Diagnosis.Stage.CONNECT);
            assertThat(diagnosis.failure().get().message()).contains("TLS failed");
            assertThatThrownBy(() -> directory.authenticate("alice", "wonderland".toCharArray()))
                    .isInstanceOf(DirectoryUnavailableException.class);
        }
    }

    @Test
    void startTls_withAnotherCa_failsWithATlsErrorAtConnect() throws Exception {
        try (TestDirectory server = TestDirectory.start(TestDirectory.Listener.STARTTLS,
                trusted.serverContext("localhost", true));
             LdapDirectory directory = new LdapDirectory(settings(server, LdapSettings.Security.STARTTLS, stranger))) {
            Diagnosis diagnosis = directory.diagnose("alice");

            assertThat(diagnosis.failure()).get().extracting(Diagnosis.Step::stage).isEqualTo(Diagnosis.Stage.CONNECT);
            assertThat(diagnosis.failure().get().message()).contains("TLS failed");
            assertThatThrownBy(() -> directory.authenticate("alice", "wonderland".toCharArray()))
                    .isInstanceOf(DirectoryUnavailableException.class);
        }
    }

    @Test
    void ldaps_certificateForAnotherHostName_isRejected() throws Exception {
        try (TestDirectory server = TestDirectory.start(TestDirectory.Listener.LDAPS,
                trusted.serverContext("ldap.example.org", false));
             LdapDirectory directory = new LdapDirectory(settings(server, LdapSettings.Security.LDAPS, trusted))) {
            Diagnosis diagnosis = directory.diagnose("alice");

            assertThat(diagnosis.failure()).get().extracting(Diagnosis.Step::stage).isEqualTo(Diagnosis.Stage.CONNECT);
            assertThatThrownBy(() -> directory.authenticate("alice", "wonderland".toCharArray()))
                    .isInstanceOf(DirectoryUnavailableException.class);
        }
    }

    private static LdapSettings settings(TestDirectory server, LdapSettings.Security security,
                                         TestCertificates ca) throws Exception {
        return TestDirectory.openLdap(List.of(server.url("localhost")), security, Optional.of(ca.caPem()));
    }
}
