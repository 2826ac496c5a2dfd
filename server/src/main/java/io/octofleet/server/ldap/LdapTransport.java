package io.octofleet.server.ldap;

import com.unboundid.ldap.sdk.ExtendedResult;
import com.unboundid.ldap.sdk.FailoverServerSet;
import com.unboundid.ldap.sdk.LDAPConnection;
import com.unboundid.ldap.sdk.LDAPConnectionOptions;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.PostConnectProcessor;
import com.unboundid.ldap.sdk.ResultCode;
import com.unboundid.ldap.sdk.ServerSet;
import com.unboundid.ldap.sdk.StartTLSPostConnectProcessor;
import com.unboundid.ldap.sdk.extensions.StartTLSExtendedRequest;
import com.unboundid.util.ssl.HostNameSSLSocketVerifier;
import com.unboundid.util.ssl.JVMDefaultTrustManager;
import com.unboundid.util.ssl.SSLUtil;

import javax.net.SocketFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import java.util.List;

/** Sockets, TLS and timeouts for one {@link LdapSettings}: what every connection, pooled or not, is made with. */
final class LdapTransport {
    private final LdapSettings settings;
    private final SSLContext sslContext;
    private final LDAPConnectionOptions options;

    LdapTransport(LdapSettings settings) {
        this.settings = settings;
        this.sslContext = settings.security() == LdapSettings.Security.NONE ? null : sslContext(settings);
        this.options = new LDAPConnectionOptions();
        options.setConnectTimeoutMillis(Math.toIntExact(settings.connectTimeout().toMillis()));
        options.setResponseTimeoutMillis(settings.responseTimeout().toMillis());
        // Second guard after LdapDirectory's own check: a DN with an empty password is an anonymous bind that succeeds.
        options.setBindWithDNRequiresPassword(true);
        // Checks the certificate names the host we dialled, for LDAPS and for StartTLS alike.
        options.setSSLSocketVerifier(new HostNameSSLSocketVerifier(true));
    }

    /** Every URL in order, unauthenticated; StartTLS already done when configured. */
    ServerSet servers() {
        List<URI> urls = settings.urls();
        String[] hosts = new String[urls.size()];
        int[] ports = new int[urls.size()];
        for (int i = 0; i < urls.size(); i++) {
            hosts[i] = urls.get(i).getHost();
            ports[i] = port(urls.get(i));
        }
        PostConnectProcessor startTls = settings.security() == LdapSettings.Security.STARTTLS
                ? new StartTLSPostConnectProcessor(sslContext) : null;
        FailoverServerSet servers = new FailoverServerSet(hosts, ports, socketFactory(), options, null, startTls);
        return servers;
    }

    /** One URL only, for {@link LdapDirectory#diagnose}, so each server's failure can be reported on its own. */
    LDAPConnection connect(URI url) throws LDAPException {
        LDAPConnection connection = new LDAPConnection(socketFactory(), options, url.getHost(), port(url));
        if (settings.security() == LdapSettings.Security.STARTTLS) {
            try {
                ExtendedResult result = connection.processExtendedOperation(new StartTLSExtendedRequest(sslContext));
                if (result.getResultCode() != ResultCode.SUCCESS) {
                    throw new LDAPException(result);
                }
            } catch (LDAPException e) {
                connection.close();
                throw e;
            }
        }
        return connection;
    }

    private SocketFactory socketFactory() {
        return settings.security() == LdapSettings.Security.LDAPS ? sslContext.getSocketFactory() : null;
    }

    static int port(URI url) {
        if (url.getPort() > 0) {
            return url.getPort();
        }
        return "ldaps".equalsIgnoreCase(url.getScheme()) ? 636 : 389;
    }

    private static SSLContext sslContext(LdapSettings settings) {
        try {
            TrustManager trust = settings.caCertificatePem().isPresent()
                    ? trustOnly(settings.caCertificatePem().get())
                    : JVMDefaultTrustManager.getInstance();
            return new SSLUtil(trust).createSSLContext();
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("caCertificatePem: cannot build a TLS context: " + e.getMessage(), e);
        }
    }

    private static TrustManager trustOnly(String pem) throws GeneralSecurityException {
        Collection<? extends Certificate> certificates = CertificateFactory.getInstance("X.509")
                .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException("caCertificatePem: no certificate found in the PEM text");
        }
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        try {
            store.load(null, null);
        } catch (java.io.IOException e) {
            throw new GeneralSecurityException(e);
        }
        int i = 0;
        for (Certificate certificate : certificates) {
            store.setCertificateEntry("ca-" + i++, certificate);
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store);
        return factory.getTrustManagers()[0];
    }

    /** A short reason for a failed connect or operation, calling out TLS failures as such. */
    static String reason(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SSLException || t instanceof java.security.cert.CertificateException) {
                return "TLS failed: " + t.getMessage()
                        + " (is caCertificatePem the CA that signed the server's certificate, and does the"
                        + " certificate name the host in the URL?)";
            }
        }
        String message = failure instanceof LDAPException
                ? ((LDAPException) failure).getResultCode() + ": " + ((LDAPException) failure).getMessage()
                : failure.getMessage();
        return message;
    }
}
