package io.octofleet.agent.identity;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Everything a new host needs to enroll, in one string an operator can paste:
 * {@code octofleet://<token>@<host>:<port>/sha256:<64 hex>}. The token is the one-time enrollment secret; the pin
 * is the SHA-256 of the server's CA certificate, which is how the agent knows it is talking to the right server
 * before it has any certificate of its own.
 *
 * @param host a DNS name or IP address; IPv6 without brackets (they are added by {@link #toString()})
 * @param caPin {@code sha256:} and 64 lower-case hex digits
 */
public record JoinString(String host, int port, String token, String caPin) {
    static final String SCHEME = "octofleet://";
    static final Pattern PIN = Pattern.compile("sha256:[0-9a-f]{64}");
    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9._~-]+");
    private static final Pattern DNS_NAME =
            Pattern.compile("(?i)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\\.?");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]+");

    /** @throws IllegalArgumentException naming the part that is wrong */
    public JoinString {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("join string has no host");
        }
        if (!validHost(host)) {
            throw new IllegalArgumentException("bad host '" + host + "': expected a DNS name, an IPv4 address or a "
                    + "bracketed IPv6 address");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("bad port " + port + ": must be from 1 to 65535");
        }
        if (token == null || token.isEmpty()) {
            throw new IllegalArgumentException("join string has no token before '@'");
        }
        if (!TOKEN.matcher(token).matches()) {
            throw new IllegalArgumentException("bad token: only letters, digits, '-', '_', '.' and '~' are allowed");
        }
        if (caPin == null || !PIN.matcher(caPin.toLowerCase(Locale.ROOT)).matches()) {
            throw new IllegalArgumentException("bad CA pin '" + caPin + "': expected sha256: followed by 64 hex "
                    + "digits");
        }
        caPin = caPin.toLowerCase(Locale.ROOT);
    }

    /**
     * Parses {@code octofleet://<token>@<host>:<port>/<caPin>}.
     *
     * @throws IllegalArgumentException with a message saying exactly which part is missing or malformed
     */
    public static JoinString parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("join string is empty");
        }
        String s = text.strip();
        if (!s.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
            throw new IllegalArgumentException("join string must start with " + SCHEME);
        }
        s = s.substring(SCHEME.length());
        int at = s.indexOf('@');
        if (at < 0) {
            throw new IllegalArgumentException("join string has no token (expected " + SCHEME
                    + "<token>@<host>:<port>/<pin>)");
        }
        String token = s.substring(0, at);
        if (token.isEmpty()) {
            throw new IllegalArgumentException("join string has no token before '@'");
        }
        String rest = s.substring(at + 1);
        int slash = rest.indexOf('/');
        if (slash < 0 || slash == rest.length() - 1) {
            throw new IllegalArgumentException("join string has no CA pin after '/' (expected .../sha256:<64 hex>)");
        }
        String authority = rest.substring(0, slash);
        String pin = rest.substring(slash + 1);
        String host;
        String port;
        if (authority.startsWith("[")) {
            int close = authority.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("bad host '" + authority + "': IPv6 address has no closing ']'");
            }
            host = authority.substring(1, close);
            String afterHost = authority.substring(close + 1);
            if (!afterHost.startsWith(":")) {
                throw new IllegalArgumentException("join string has no port after the host (expected [" + host
                        + "]:<port>)");
            }
            port = afterHost.substring(1);
        } else {
            int colon = authority.lastIndexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("join string has no port after the host (expected " + authority
                        + ":<port>)");
            }
            host = authority.substring(0, colon);
            port = authority.substring(colon + 1);
            if (host.contains(":")) {
                throw new IllegalArgumentException("bad host '" + host + "': an IPv6 address must be in brackets, "
                        + "e.g. [" + host + "]:" + port);
            }
        }
        if (host.isEmpty()) {
            throw new IllegalArgumentException("join string has no host between '@' and ':'");
        }
        return new JoinString(host, parsePort(port), token, pin);
    }

    private static boolean validHost(String host) {
        if (host.contains(":")) {
            return IPV6.matcher(host).matches();
        }
        if (host.matches("[0-9.]+")) {
            // All digits and dots is meant as IPv4, not as a DNS name: check each part is an octet.
            String[] parts = host.split("\\.", -1);
            if (parts.length != 4) {
                return false;
            }
            for (String part : parts) {
                if (part.isEmpty() || part.length() > 3 || Integer.parseInt(part) > 255) {
                    return false;
                }
            }
            return true;
        }
        return host.length() <= 254 && DNS_NAME.matcher(host).matches();
    }

    private static int parsePort(String port) {
        if (!port.matches("[0-9]{1,5}")) {
            throw new IllegalArgumentException("bad port '" + port + "': must be a number from 1 to 65535");
        }
        int value = Integer.parseInt(port);
        if (value < 1 || value > 65535) {
            throw new IllegalArgumentException("bad port '" + port + "': must be a number from 1 to 65535");
        }
        return value;
    }

    /** The string form, which {@link #parse} reads back to an equal value. It contains the secret token. */
    @Override
    public String toString() {
        String hostPart = host.contains(":") ? "[" + host + "]" : host;
        return SCHEME + token + "@" + hostPart + ":" + port + "/" + caPin;
    }
}
