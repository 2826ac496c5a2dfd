package io.octofleet.server.ldap;

import com.unboundid.ldap.listener.InMemoryDirectoryServer;
import com.unboundid.ldap.listener.InMemoryDirectoryServerConfig;
import com.unboundid.ldap.listener.InMemoryListenerConfig;
import com.unboundid.ldap.listener.interceptor.InMemoryInterceptedSimpleBindRequest;
import com.unboundid.ldap.listener.interceptor.InMemoryOperationInterceptor;
import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.schema.Schema;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A real InMemoryDirectoryServer on 127.0.0.1 with an OpenLDAP-style tree: alice is in group A ({@code member}), A in
 * B ({@code uniqueMember}), B in C ({@code member}); bob is only in "unrelated". Every simple bind DN is recorded.
 */
final class TestDirectory implements AutoCloseable {
    static final String BASE = "dc=example,dc=org";
    static final String SERVICE_DN = "cn=octofleet,ou=services," + BASE;
    static final String SERVICE_PASSWORD = "service-secret";
    static final String ALICE_DN = "uid=alice,ou=people," + BASE;
    static final String GROUPS = "ou=groups," + BASE;
    static final String A = "cn=a," + GROUPS;
    static final String B = "cn=b," + GROUPS;
    static final String C = "cn=c," + GROUPS;

    final InMemoryDirectoryServer server;
    private final List<String> binds;
    private final Listener listener;

    enum Listener { PLAIN, LDAPS, STARTTLS }

    private TestDirectory(InMemoryDirectoryServer server, Listener listener, List<String> binds) {
        this.server = server;
        this.listener = listener;
        this.binds = binds;
    }

    static TestDirectory start() throws Exception {
        return start(Listener.PLAIN, null);
    }

    static TestDirectory start(Listener listener, SSLContext tls) throws Exception {
        InMemoryDirectoryServerConfig config = new InMemoryDirectoryServerConfig(BASE);
        // The standard schema lacks memberOf (an overlay attribute in OpenLDAP, operational in AD).
        config.setSchema(Schema.mergeSchemas(Schema.getDefaultStandardSchema(), new Schema(new Entry(
                "dn: cn=schema", "objectClass: subschema", "cn: schema",
                "attributeTypes: ( 1.2.840.113556.1.2.102 NAME 'memberOf' EQUALITY distinguishedNameMatch"
                        + " SYNTAX 1.3.6.1.4.1.1466.115.121.1.12 )"))));
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        switch (listener) {
            case LDAPS:
                config.setListenerConfigs(InMemoryListenerConfig.createLDAPSConfig("ldaps", loopback, 0,
                        tls.getServerSocketFactory(), null));
                break;
            case STARTTLS:
                config.setListenerConfigs(InMemoryListenerConfig.createLDAPConfig("ldap", loopback, 0,
                        tls.getSocketFactory()));
                break;
            default:
                config.setListenerConfigs(InMemoryListenerConfig.createLDAPConfig("ldap", loopback, 0, null));
        }
        List<String> binds = new CopyOnWriteArrayList<>();
        config.addInMemoryOperationInterceptor(new InMemoryOperationInterceptor() {
            @Override
            public void processSimpleBindRequest(InMemoryInterceptedSimpleBindRequest request) {
                binds.add(request.getRequest().getBindDN());
            }
        });
        InMemoryDirectoryServer server = new InMemoryDirectoryServer(config);
        server.add("dn: " + BASE, "objectClass: top", "objectClass: domain", "dc: example");
        server.add("dn: ou=people," + BASE, "objectClass: organizationalUnit", "ou: people");
        server.add("dn: ou=services," + BASE, "objectClass: organizationalUnit", "ou: services");
        server.add("dn: " + GROUPS, "objectClass: organizationalUnit", "ou: groups");
        server.add("dn: " + SERVICE_DN, "objectClass: person", "cn: octofleet", "sn: service",
                "userPassword: " + SERVICE_PASSWORD);
        server.add("dn: " + ALICE_DN, "objectClass: inetOrgPerson", "uid: alice", "cn: Alice Liddell",
                "sn: Liddell", "mail: alice@example.org", "userPassword: wonderland");
        server.add("dn: uid=bob,ou=people," + BASE, "objectClass: inetOrgPerson", "uid: bob", "cn: Bob",
                "sn: Builder", "userPassword: canwefixit");
        server.add("dn: " + A, "objectClass: groupOfNames", "cn: a", "member: " + ALICE_DN);
        server.add("dn: " + B, "objectClass: groupOfUniqueNames", "cn: b", "uniqueMember: " + A);
        server.add("dn: " + C, "objectClass: groupOfNames", "cn: c", "member: " + B);
        server.add("dn: cn=unrelated," + GROUPS, "objectClass: groupOfNames", "cn: unrelated",
                "member: uid=bob,ou=people," + BASE);
        server.startListening();
        return new TestDirectory(server, listener, binds);
    }

    /** Simple-bind DNs the server has seen so far. */
    List<String> bindDns() {
        return List.copyOf(binds);
    }

    URI url(String host) {
        String scheme = listener == Listener.LDAPS ? "ldaps" : "ldap";
        return URI.create(scheme + "://" + host + ":" + server.getListenPort());
    }

    URI url() {
        return url("127.0.0.1");
    }

    LdapSettings settings(URI... urls) {
        LdapSettings.Security security = listener == Listener.LDAPS ? LdapSettings.Security.LDAPS
                : listener == Listener.STARTTLS ? LdapSettings.Security.STARTTLS : LdapSettings.Security.NONE;
        return openLdap(List.of(urls), security, Optional.empty());
    }

    static LdapSettings openLdap(List<URI> urls, LdapSettings.Security security, Optional<String> caPem) {
        return LdapSettings.openLdap(urls, security, caPem, SERVICE_DN, SERVICE_PASSWORD, "ou=people," + BASE,
                        GROUPS)
                .withTimeouts(java.time.Duration.ofSeconds(2), java.time.Duration.ofSeconds(2));
    }

    /** A loopback port that nothing listens on (bound, then closed). */
    static URI closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return URI.create("ldap://127.0.0.1:" + socket.getLocalPort());
        }
    }

    @Override
    public void close() {
        server.shutDown(true);
    }
}
