package io.octofleet.server.pki;

import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.x509.GeneralName;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.Collection;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The subject alternative names the gRPC server certificate must carry. Names are keyed by a normal form (DNS names
 * lower-cased, addresses as their bytes) so that {@code ::1} and {@code 0:0:0:0:0:0:0:1} count as one name when
 * deciding whether an existing certificate still covers what is asked.
 */
final class ServerNames {
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");

    private final Map<String, GeneralName> names = new LinkedHashMap<>();

    /** localhost, the loopback addresses, this machine's names and addresses, then {@code extraNames}. */
    static ServerNames forThisMachine(Collection<String> extraNames) {
        ServerNames names = new ServerNames();
        names.add("localhost");
        names.add("127.0.0.1");
        names.add("::1");
        names.addMachineNames();
        for (String extra : extraNames) {
            names.add(extra);
        }
        return names;
    }

    /** Adds a DNS name or IP literal (IPv6 with or without brackets); throws IllegalArgumentException otherwise. */
    void add(String name) {
        GeneralName parsed = parse(name);
        names.putIfAbsent(key(parsed), parsed);
    }

    Collection<GeneralName> names() {
        return Collections.unmodifiableCollection(names.values());
    }

    /** True when every name here is also among {@code present}. */
    boolean coveredBy(Collection<GeneralName> present) {
        return present.stream().map(ServerNames::key).toList().containsAll(names.keySet());
    }

    static String key(GeneralName name) {
        if (name.getTagNo() == GeneralName.iPAddress) {
            return "ip:" + HexFormat.of().formatHex(DEROctetString.getInstance(name.getName()).getOctets());
        }
        return name.getTagNo() + ":" + name.getName().toString().toLowerCase(Locale.ROOT);
    }

    private void addMachineNames() {
        try {
            InetAddress local = InetAddress.getLocalHost();
            addIfValid(local.getHostName());
            addIfValid(local.getCanonicalHostName());
        } catch (UnknownHostException e) {
            // Common in containers whose hostname is not in /etc/hosts; the addresses below still cover them.
        }
        try {
            for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                for (InetAddress address : Collections.list(nic.getInetAddresses())) {
                    if (!address.isLoopbackAddress()) {
                        addAddress(address);
                    }
                }
            }
        } catch (SocketException e) {
            // Without interface addresses agents can still use localhost or the operator's extra names.
        }
    }

    /** The machine's own names may be anything /etc/hosts says; one we cannot put in a certificate is skipped. */
    private void addIfValid(String name) {
        try {
            add(name);
        } catch (IllegalArgumentException e) {
            // skipped on purpose, see above
        }
    }

    private void addAddress(InetAddress address) {
        // getAddress() drops an IPv6 scope id (fe80::1%eth0), which has no place in a certificate.
        GeneralName name = new GeneralName(GeneralName.iPAddress, new DEROctetString(address.getAddress()));
        names.putIfAbsent(key(name), name);
    }

    private static GeneralName parse(String raw) {
        if (raw == null || raw.isBlank()) {
            throw new IllegalArgumentException("server name must not be blank");
        }
        String name = raw.strip();
        if (name.startsWith("[") && name.endsWith("]")) {
            name = name.substring(1, name.length() - 1);
        }
        if (IPV4.matcher(name).matches() || name.contains(":")) {
            return new GeneralName(GeneralName.iPAddress, new DEROctetString(ipLiteral(name, raw)));
        }
        String dns = name.toLowerCase(Locale.ROOT);
        if (dns.endsWith(".")) {
            dns = dns.substring(0, dns.length() - 1);
        }
        if (dns.isEmpty() || dns.length() > 253) {
            throw new IllegalArgumentException("'" + raw + "' is not a DNS name or IP address");
        }
        for (String label : dns.split("\\.", -1)) {
            if (!DNS_LABEL.matcher(label).matches()) {
                throw new IllegalArgumentException("'" + raw + "' is not a DNS name or IP address");
            }
        }
        return new GeneralName(GeneralName.dNSName, dns);
    }

    private static byte[] ipLiteral(String literal, String raw) {
        if (literal.contains("%")) {
            throw new IllegalArgumentException("'" + raw + "': an IPv6 scope id cannot go in a certificate");
        }
        if (IPV4.matcher(literal).matches()) {
            byte[] bytes = new byte[4];
            String[] parts = literal.split("\\.");
            for (int i = 0; i < 4; i++) {
                int part = Integer.parseInt(parts[i]);
                if (part > 255) {
                    throw new IllegalArgumentException("'" + raw + "' is not a valid IPv4 address");
                }
                bytes[i] = (byte) part;
            }
            return bytes;
        }
        if (!literal.matches("[0-9A-Fa-f:.]+")) {
            throw new IllegalArgumentException("'" + raw + "' is not a valid IPv6 address");
        }
        try {
            // Only hex digits, colons and dots reach here, so this parses a literal and never asks DNS.
            return InetAddress.getByName(literal).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + raw + "' is not a valid IPv6 address", e);
        }
    }
}
