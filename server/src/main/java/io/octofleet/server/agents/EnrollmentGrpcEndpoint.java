package io.octofleet.server.agents;

import jakarta.inject.Singleton;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.octofleet.proto.agent.v1.EnrollRequest;
import io.octofleet.proto.agent.v1.EnrollResponse;
import io.octofleet.proto.agent.v1.EnrollmentGrpc;
import io.octofleet.proto.agent.v1.RenewCertificateRequest;
import io.octofleet.proto.agent.v1.RenewCertificateResponse;
import io.octofleet.server.enrollment.EnrollmentRefusedException;
import io.octofleet.server.enrollment.EnrollmentService;
import io.octofleet.server.pki.IssuedCertificate;

import java.net.InetSocketAddress;
import java.net.SocketAddress;

/** Converts the Enrollment RPCs to {@link EnrollmentService} calls and its refusals to gRPC statuses. */
@Singleton
final class EnrollmentGrpcEndpoint extends EnrollmentGrpc.EnrollmentImplBase {
    private final EnrollmentService enrollment;

    EnrollmentGrpcEndpoint(EnrollmentService enrollment) {
        this.enrollment = enrollment;
    }

    @Override
    public void enroll(EnrollRequest request, StreamObserver<EnrollResponse> response) {
        SocketAddress remote = RemoteAddressInterceptor.REMOTE_ADDRESS.get();
        try {
            EnrollmentService.Enrolled enrolled = enrollment.enroll(request.getToken(), request.getCsrDer().toByteArray(),
                    request.getHostname(), request.getAgentVersion(), describe(remote));
            response.onNext(EnrollResponse.newBuilder()
                    .setNodeId(enrolled.node().toString())
                    .setCertificatePem(enrolled.certificate().pem())
                    .setCaChainPem(enrolled.caChainPem())
                    .build());
            response.onCompleted();
        } catch (EnrollmentRefusedException e) {
            response.onError(status(e).asRuntimeException());
        }
    }

    @Override
    public void renewCertificate(RenewCertificateRequest request, StreamObserver<RenewCertificateResponse> response) {
        try {
            IssuedCertificate issued = enrollment.renew(ClientCertificateInterceptor.NODE.get(), request.getCsrDer().toByteArray());
            response.onNext(RenewCertificateResponse.newBuilder()
                    .setCertificatePem(issued.pem())
                    .setCaChainPem(enrollment.caChainPem())
                    .build());
            response.onCompleted();
        } catch (EnrollmentRefusedException e) {
            response.onError(status(e).asRuntimeException());
        }
    }

    private static Status status(EnrollmentRefusedException e) {
        Status status = e.kind() == EnrollmentRefusedException.Kind.INVALID_ARGUMENT
                ? Status.INVALID_ARGUMENT : Status.UNAUTHENTICATED;
        return status.withDescription(e.getMessage());
    }

    static String describe(SocketAddress remote) {
        if (remote instanceof InetSocketAddress inet) {
            return inet.getAddress() == null ? inet.getHostString() : inet.getAddress().getHostAddress();
        }
        return remote == null ? "unknown" : remote.toString();
    }
}
