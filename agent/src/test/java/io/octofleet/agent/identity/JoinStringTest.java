package io.octofleet.agent.identity;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JoinStringTest {
    private static final String PIN = "sha256:" + "0123456789abcdef".repeat(4);
    private static final String TOKEN = "oft_Zm9vYmFyLWJhei1xdXV4_abc-DEF";

    @Test
    void parsesDnsHostPortTokenAndPin() {
        JoinString join = JoinString.parse("octofleet://" + TOKEN + "@fleet.example.com:9443/" + PIN);

        assertThat(join).isEqualTo(new JoinString("fleet.example.com", 9443, TOKEN, PIN));
    }

    @Test
    void roundTripsIpv6InBrackets() {
        String text = "octofleet://" + TOKEN + "@[::1]:9443/" + PIN;

        JoinString join = JoinString.parse(text);

        assertThat(join.host()).isEqualTo("::1");
        assertThat(join.toString()).isEqualTo(text);
        assertThat(JoinString.parse(join.toString())).isEqualTo(join);
    }

    @Test
    void roundTripsIpv4() {
        JoinString join = new JoinString("10.0.0.7", 1, "t", PIN);

        assertThat(join.toString()).isEqualTo("octofleet://t@10.0.0.7:1/" + PIN);
        assertThat(JoinString.parse(join.toString())).isEqualTo(join);
    }

    @Test
    void normalizesAnUpperCasePinAndSurroundingWhitespace() {
        JoinString join = JoinString.parse("  octofleet://t@h:1/" + PIN.toUpperCase().replace("SHA256", "sha256")
                + "\n");

        assertThat(join.caPin()).isEqualTo(PIN);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "''                                         | join string is empty",
            "https://t@h:1/PIN                          | must start with octofleet://",
            "octofleet://h:1/PIN                        | no token",
            "octofleet://@h:1/PIN                       | no token before '@'",
            "octofleet://t@h:1                          | no CA pin",
            "octofleet://t@h:1/                         | no CA pin",
            "octofleet://t@h/PIN                        | no port after the host",
            "octofleet://t@h:/PIN                       | bad port ''",
            "octofleet://t@h:abc/PIN                    | bad port 'abc'",
            "octofleet://t@h:0/PIN                      | bad port '0'",
            "octofleet://t@h:65536/PIN                  | bad port '65536'",
            "octofleet://t@:1/PIN                       | no host",
            "octofleet://t@::1:9443/PIN                 | must be in brackets",
            "octofleet://t@[::1/PIN                     | no closing ']'",
            "octofleet://t@[::1]/PIN                    | no port after the host",
            "octofleet://t@bad_host!:1/PIN              | bad host 'bad_host!'",
            "octofleet://t@300.1.1.1:1/PIN              | bad host '300.1.1.1'",
            "octofleet://t t@h:1/PIN                    | bad token",
            "octofleet://t@h:1/sha1:abcdef              | bad CA pin 'sha1:abcdef'",
            "octofleet://t@h:1/sha256:0123              | bad CA pin 'sha256:0123'",
    })
    void rejectsMalformedStringsSayingWhatIsWrong(String text, String message) {
        assertThatThrownBy(() -> JoinString.parse(text.replace("PIN", PIN)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    @Test
    void rejectsNull() {
        assertThatThrownBy(() -> JoinString.parse(null)).hasMessageContaining("empty");
    }
}
