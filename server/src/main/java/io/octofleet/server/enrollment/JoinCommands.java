package io.octofleet.server.enrollment;

import io.micronaut.core.annotation.Nullable;
import io.octofleet.server.pki.CertificateAuthority;
import jakarta.inject.Singleton;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;

/**
 * Builds join strings ({@code octofleet://<token>@<host>:<port>/sha256:<ca pin>}) and the agent command lines that
 * use them. The string carries everything a new host needs: where to dial, the one-time secret, and the pin of our
 * CA, so the agent can verify the server before it sends the secret. It has no shell metacharacters, so the command
 * can be pasted as is.
 */
@Singleton
final class JoinCommands {
    private final CertificateAuthority ca;
    private final AgentEndpoint endpoint;

    JoinCommands(CertificateAuthority ca, AgentEndpoint endpoint) {
        this.ca = ca;
        this.endpoint = endpoint;
    }

    String caPin() {
        return ca.pin();
    }

    String joinString(String secret, @Nullable String requestHostHeader) {
        String host = endpoint.advertisedHost();
        if (host == null || host.isBlank()) {
            host = hostOf(requestHostHeader);
        }
        if (host.contains(":") && !host.startsWith("[")) {
            host = "[" + host + "]";
        }
        return "octofleet://" + secret + "@" + host + ":" + endpoint.port() + "/" + ca.pin();
    }

    String command(String joinString) {
        return "java -jar octofleet-agent.jar run --join " + joinString;
    }

    /** The host part of an HTTP Host header ("name:8080", "[::1]:8080"), or this machine's name. */
    private static String hostOf(@Nullable String hostHeader) {
        if (hostHeader != null && !hostHeader.isBlank()) {
            try {
                String host = URI.create("http://" + hostHeader.trim()).getHost();
                if (host != null && !host.isBlank()) {
                    return host;
                }
            } catch (IllegalArgumentException ignored) {
                // fall through to the machine's name
            }
        }
        try {
            return InetAddress.getLocalHost().getCanonicalHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }
}
