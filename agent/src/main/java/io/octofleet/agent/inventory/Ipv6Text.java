package io.octofleet.agent.inventory;

import java.util.Locale;

/**
 * Writes IPv6 addresses in the compressed form of RFC 5952 ("fe80::1"), which is what `ip addr` shows and what
 * people search for; Java and OSHI print the full form ("fe80:0:0:0:0:0:0:1") with a zone suffix.
 */
final class Ipv6Text {

    private Ipv6Text() {
    }

    /** @return the compressed address without zone ("%eth0") or prefix ("/64"), or the input if it is not IPv6 */
    static String canonical(String address) {
        String bare = address.strip();
        int cut = indexOfAny(bare, '%', '/');
        if (cut >= 0) {
            bare = bare.substring(0, cut);
        }
        int[] groups = groups(bare);
        return groups == null ? bare.toLowerCase(Locale.ROOT) : compress(groups);
    }

    private static int indexOfAny(String text, char a, char b) {
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == a || text.charAt(i) == b) {
                return i;
            }
        }
        return -1;
    }

    /** Parses the eight 16-bit groups of a full or already compressed address; null if it is neither. */
    private static int[] groups(String address) {
        if (address.contains(".")) {
            return null; // IPv4-mapped forms are left as they are
        }
        int doubleColon = address.indexOf("::");
        if (doubleColon != address.lastIndexOf("::")) {
            return null;
        }
        String[] head = split(doubleColon < 0 ? address : address.substring(0, doubleColon));
        String[] tail = doubleColon < 0 ? new String[0] : split(address.substring(doubleColon + 2));
        if (doubleColon < 0 ? head.length != 8 : head.length + tail.length > 7) {
            return null;
        }
        int[] groups = new int[8];
        try {
            for (int i = 0; i < head.length; i++) {
                groups[i] = group(head[i]);
            }
            for (int i = 0; i < tail.length; i++) {
                groups[8 - tail.length + i] = group(tail[i]);
            }
        } catch (NumberFormatException e) {
            return null;
        }
        return groups;
    }

    private static String[] split(String part) {
        return part.isEmpty() ? new String[0] : part.split(":", -1);
    }

    private static int group(String hex) {
        if (hex.isEmpty() || hex.length() > 4) {
            throw new NumberFormatException(hex);
        }
        return Integer.parseInt(hex, 16);
    }

    /** RFC 5952 section 4.2: replace the longest run (first if tied) of two or more zero groups with "::". */
    private static String compress(int[] groups) {
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < groups.length; i++) {
            int length = 0;
            while (i + length < groups.length && groups[i + length] == 0) {
                length++;
            }
            if (length > bestLength) {
                bestStart = i;
                bestLength = length;
            }
            i += length;
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < groups.length; i++) {
            if (i == bestStart) {
                text.append("::");
                i += bestLength - 1;
                continue;
            }
            if (text.length() > 0 && text.charAt(text.length() - 1) != ':') {
                text.append(':');
            }
            text.append(Integer.toHexString(groups[i]));
        }
        return text.toString();
    }
}
