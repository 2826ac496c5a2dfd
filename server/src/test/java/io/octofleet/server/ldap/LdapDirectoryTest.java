package io.octofleet.server.ldap;

import com.unboundid.ldap.sdk.Modification;
import com.unboundid.ldap.sdk.ModificationType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LdapDirectoryTest {
    private TestDirectory server;

    @BeforeEach
    void start() throws Exception {
        server = TestDirectory.start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void authenticate_returnsUserWithGroupsNestedThreeLevelsDeep() {
        try (LdapDirectory directory = new LdapDirectory(server.settings(server.url()))) {
            Optional<DirectoryUser> user = directory.authenticate("alice", "wonderland".toCharArray());

            assertThat(user).isPresent();
            assertThat(user.get().dn()).isEqualTo(TestDirectory.ALICE_DN);
            assertThat(user.get().username()).isEqualTo("alice");
            assertThat(user.get().displayName()).contains("Alice Liddell");
            assertThat(user.get().email()).contains("alice@example.org");
            assertThat(user.get().groups()).containsExactlyInAnyOrder(TestDirectory.A, TestDirectory.B,
                    TestDirectory.C);
        }
    }

    @Test
    void authenticate_bindsAsTheUserOnItsOwnConnection() {
        try (LdapDirectory directory = new LdapDirectory(server.settings(server.url()))) {
            directory.authenticate("alice", "wonderland".toCharArray());

            assertThat(server.bindDns()).contains(TestDirectory.SERVICE_DN, TestDirectory.ALICE_DN);
            // The pool still searches as the service account afterwards.
            assertThat(directory.authenticate("bob", "canwefixit".toCharArray()).orElseThrow().groups())
                    .containsExactly("cn=unrelated," + TestDirectory.GROUPS);
        }
    }

    @Test
    void authenticate_groupCycleEndsAndIncludesEveryGroupOnce() throws Exception {
        server.server.add("dn: cn=d," + TestDirectory.GROUPS, "objectClass: groupOfNames", "cn: d",
                "member: " + TestDirectory.C);
        server.server.modify(TestDirectory.A, new Modification(ModificationType.ADD, "member",
                "cn=d," + TestDirectory.GROUPS));
        try (LdapDirectory directory = new LdapDirectory(server.settings(server.url()))) {
            assertThat(directory.authenticate("alice", "wonderland".toCharArray()).orElseThrow().groups())
                    .containsExactlyInAnyOrder(TestDirectory.A, TestDirectory.B, TestDirectory.C,
                            "cn=d," + TestDirectory.GROUPS);
        }
    }

    @Test
    void authenticate_usesMemberOfWhenTheUserEntryHasIt() throws Exception {
        server.server.add("dn: cn=direct," + TestDirectory.GROUPS, "objectClass: groupOfNames", "cn: direct",
                "member: uid=bob,ou=people," + TestDirectory.BASE);
        server.server.add("dn: cn=parent," + TestDirectory.GROUPS, "objectClass: groupOfNames", "cn: parent",
                "member: cn=direct," + TestDirectory.GROUPS);
        // A memberOf value naming a group that does not list bob: only the memberOf path can find it.
        server.server.modify(TestDirectory.ALICE_DN,
                new Modification(ModificationType.ADD, "objectClass", "extensibleObject"),
                new Modification(ModificationType.ADD, "memberOf", "cn=direct," + TestDirectory.GROUPS));
        try (LdapDirectory directory = new LdapDirectory(server.settings(server.url()))) {
            assertThat(directory.authenticate("alice", "wonderland".toCharArray()).orElseThrow().groups())
                    .contains("cn=direct," + TestDirectory.GROUPS, "cn=parent," + TestDirectory.GROUPS,
                            TestDirectory.A);
        }
    }

    @Test
    void authenticate_wrongPasswordIsEmpty() {
        try (LdapDirectory directory = new LdapDirectory(server.settings(server.url()))) {
            assertThat(directory.authenticate("alice", "rabbit".toCharArray())).isEmpty();
        }
    }

    @Test
    void authenticate_unknownUserIsEmpty() {
        try (LdapDirectory directory = new LdapDirectory(server.settings(server.url()))) {
            assertThat(directory.authenticate("mallory", "whatever".toCharArray())).isEmpty();
        }
    }

    @Test
    void authenticate_emptyPasswordIsRefusedWithoutAnyBind() {
        try (LdapDirectory directory = new LdapDirectory(server.settings(server.url()))) {
            assertThat(directory.authenticate("alice", new char[0])).isEmpty();

            assertThat(server.bindDns()).isEmpty();
        }
    }

    @Test
    void authenticate_filterInjectionFindsNothing() {
        try (LdapDirectory directory = new LdapDirectory(server.settings(server.url()))) {
            assertThat(directory.authenticate("*)(uid=*", "wonderland".toCharArray())).isEmpty();
            assertThat(directory.authenticate("*", "wonderland".toCharArray())).isEmpty();
            assertThat(directory.authenticate("alice)(|(uid=*", "wonderland".toCharArray())).isEmpty();

            assertThat(server.bindDns()).doesNotContain(TestDirectory.ALICE_DN);
        }
    }

    @Test
    void authenticate_failsOverFromAClosedPortToTheNextUrl() throws Exception {
        try (LdapDirectory directory = new LdapDirectory(server.settings(TestDirectory.closedPort(), server.url()))) {
            assertThat(directory.authenticate("alice", "wonderland".toCharArray())).isPresent();
        }
    }

    @Test
    void authenticate_allServersDownThrowsUnavailableQuickly() throws Exception {
        LdapSettings settings = server.settings(TestDirectory.closedPort(), TestDirectory.closedPort());
        try (LdapDirectory directory = new LdapDirectory(settings)) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> directory.authenticate("alice", "wonderland".toCharArray()))
                    .isInstanceOf(DirectoryUnavailableException.class)
                    .hasMessageContaining("find user failed");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
        }
    }

    @Test
    void authenticate_silentServerTimesOutWithinTheResponseTimeout() throws Exception {
        // Accepts TCP connections (the kernel's backlog) but never answers an LDAP request.
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            URI url = URI.create("ldap://127.0.0.1:" + silent.getLocalPort());
            LdapSettings settings = server.settings(url)
                    .withTimeouts(Duration.ofMillis(300), Duration.ofMillis(300));
            try (LdapDirectory directory = new LdapDirectory(settings)) {
                long start = System.nanoTime();
                assertThatThrownBy(() -> directory.authenticate("alice", "wonderland".toCharArray()))
                        .isInstanceOf(DirectoryUnavailableException.class);
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
            }
        }
    }

    @Test
    void authenticate_wrongServicePasswordIsUnavailableNotAWrongUserPassword() {
        LdapSettings settings = server.settings(server.url()).withBindPassword("not-it");
        try (LdapDirectory directory = new LdapDirectory(settings)) {
            assertThatThrownBy(() -> directory.authenticate("alice", "wonderland".toCharArray()))
                    .isInstanceOf(DirectoryUnavailableException.class)
                    .hasMessageContaining("invalid credentials");
        }
    }

    @Test
    void diagnose_reportsEveryStepOkForAKnownUser() {
        try (LdapDirectory directory = new LdapDirectory(server.settings(TestDirectory.closedPort(), server.url()))) {
            Diagnosis diagnosis = directory.diagnose("alice");

            assertThat(diagnosis.ok()).as(diagnosis.toString()).isTrue();
            assertThat(diagnosis.steps()).extracting(Diagnosis.Step::stage).containsExactly(Diagnosis.Stage.values());
            assertThat(diagnosis.step(Diagnosis.Stage.CONNECT).message()).contains(server.url().toString());
            assertThat(diagnosis.step(Diagnosis.Stage.FIND_USER).message()).contains(TestDirectory.ALICE_DN);
            assertThat(diagnosis.step(Diagnosis.Stage.GROUPS).message()).startsWith("3 group(s)");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void diagnose_wrongServicePasswordFailsAtBind() {
        LdapSettings settings = server.settings(server.url()).withBindPassword("not-it");
        try (LdapDirectory directory = new LdapDirectory(settings)) {
            Diagnosis diagnosis = directory.diagnose("alice");

            assertThat(diagnosis.failure()).get().extracting(Diagnosis.Step::stage).isEqualTo(Diagnosis.Stage.BIND);
            assertThat(diagnosis.failure().get().message()).contains(TestDirectory.SERVICE_DN, "invalid credentials");
            assertThat(diagnosis.step(Diagnosis.Stage.FIND_USER).outcome()).isEqualTo(Diagnosis.Outcome.SKIPPED);
        }
    }

    @Test
    void diagnose_unknownUserFailsAtFindUser() {
        try (LdapDirectory directory = new LdapDirectory(server.settings(server.url()))) {
            Diagnosis diagnosis = directory.diagnose("mallory");

            assertThat(diagnosis.failure()).get().extracting(Diagnosis.Step::stage)
                    .isEqualTo(Diagnosis.Stage.FIND_USER);
            assertThat(diagnosis.failure().get().message()).contains("uid=mallory");
            assertThat(diagnosis.step(Diagnosis.Stage.BIND).outcome()).isEqualTo(Diagnosis.Outcome.OK);
        }
    }

    @Test
    void diagnose_noServerFailsAtConnectNamingEachUrl() throws Exception {
        URI first = TestDirectory.closedPort();
        URI second = TestDirectory.closedPort();
        try (LdapDirectory directory = new LdapDirectory(server.settings(first, second))) {
            Diagnosis diagnosis = directory.diagnose("alice");

            assertThat(diagnosis.failure()).get().extracting(Diagnosis.Step::stage).isEqualTo(Diagnosis.Stage.CONNECT);
            assertThat(diagnosis.failure().get().message()).contains(first.toString(), second.toString());
        }
    }
}
