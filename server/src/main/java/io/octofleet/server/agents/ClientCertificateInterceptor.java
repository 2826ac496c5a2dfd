package io.octofleet.server.agents;

import jakarta.inject.Singleton;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.octofleet.proto.agent.v1.EnrollmentGrpc;
import io.octofleet.server.enrollment.AgentCertificateRepository;
import io.octofleet.server.nodes.NodeId;
import io.octofleet.server.pki.CertificateAuthority;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;

/**
 * Mutual TLS, enforced per call. The TLS layer has already checked that a presented client certificate chains to
 * our CA (it asks for one but cannot require it, because Enroll is called before the agent has one); here every
 * call except Enroll must carry a certificate that we issued, that is not revoked, and whose node still exists.
 * That lookup happens on each new call, so deleting a node refuses its very next call.
 */
@Singleton
final class ClientCertificateInterceptor implements ServerInterceptor {
    static final Context.Key<NodeId> NODE = Context.key("octofleet-node");
    static final Context.Key<String> SERIAL = Context.key("octofleet-certificate-serial");
    private static final Logger LOG = LoggerFactory.getLogger(ClientCertificateInterceptor.class);
    private static final ServerCall.Listener<Object> NOOP = new ServerCall.Listener<>() {
    };

    private final AgentCertificateRepository certificates;

    ClientCertificateInterceptor(AgentCertificateRepository certificates) {
        this.certificates = certificates;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                      ServerCallHandler<Q, R> next) {
        if (call.getMethodDescriptor().getFullMethodName().equals(EnrollmentGrpc.getEnrollMethod().getFullMethodName())) {
            return next.startCall(call, headers);
        }
        X509Certificate certificate = peerCertificate(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
        if (certificate == null) {
            call.close(Status.UNAUTHENTICATED.withDescription("a client certificate is required; enroll first"), new Metadata());
            return (ServerCall.Listener<Q>) NOOP;
        }
        NodeId node;
        try {
            node = CertificateAuthority.nodeIdOf(certificate);
        } catch (IllegalArgumentException e) {
            call.close(Status.UNAUTHENTICATED.withDescription("certificate names no node"), new Metadata());
            return (ServerCall.Listener<Q>) NOOP;
        }
        String serial = CertificateAuthority.serialOf(certificate);
        if (!certificates.isActive(serial, node)) {
            LOG.warn("Refused call {} from node {}: certificate {} is revoked or the node was deleted",
                    call.getMethodDescriptor().getBareMethodName(), node, serial);
            call.close(Status.UNAUTHENTICATED.withDescription("node " + node + " is revoked: its certificate is no longer valid"),
                    new Metadata());
            return (ServerCall.Listener<Q>) NOOP;
        }
        Context context = Context.current().withValue(NODE, node).withValue(SERIAL, serial);
        return Contexts.interceptCall(context, call, headers, next);
    }

    private static X509Certificate peerCertificate(SSLSession session) {
        if (session == null) {
            return null;
        }
        try {
            Certificate[] chain = session.getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof X509Certificate x509 ? x509 : null;
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
    }
}
