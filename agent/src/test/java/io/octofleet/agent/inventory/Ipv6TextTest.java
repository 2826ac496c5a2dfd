package io.octofleet.agent.inventory;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class Ipv6TextTest {

    @Test
    void compressesTheLongestZeroRunAndDropsTheZone() {
        assertThat(Ipv6Text.canonical("fe80:0:0:0:fc:ff:fe00:1%eth0")).isEqualTo("fe80::fc:ff:fe00:1");
        assertThat(Ipv6Text.canonical("fd00:0:0:0:0:0:0:2")).isEqualTo("fd00::2");
        assertThat(Ipv6Text.canonical("0:0:0:0:0:0:0:1")).isEqualTo("::1");
        assertThat(Ipv6Text.canonical("0:0:0:0:0:0:0:0")).isEqualTo("::");
    }

    @Test
    void compressesTheFirstOfEqualRunsAndNeverASingleZero() {
        assertThat(Ipv6Text.canonical("2001:db8:0:0:1:0:0:1")).isEqualTo("2001:db8::1:0:0:1");
        assertThat(Ipv6Text.canonical("2001:db8:0:1:1:1:1:1")).isEqualTo("2001:db8:0:1:1:1:1:1");
    }

    @Test
    void lowerCasesAndDropsLeadingZerosAndPrefix() {
        assertThat(Ipv6Text.canonical("2001:0DB8:0000:0000:0000:0000:0000:00AB/64")).isEqualTo("2001:db8::ab");
        assertThat(Ipv6Text.canonical("2001:db8::1")).isEqualTo("2001:db8::1");
    }

    @Test
    void leavesWhatItCannotParse() {
        assertThat(Ipv6Text.canonical("::ffff:192.0.2.1")).isEqualTo("::ffff:192.0.2.1");
        assertThat(Ipv6Text.canonical("not-an-address")).isEqualTo("not-an-address");
    }
}
