package io.octofleet.server.parameters;

import io.octofleet.server.OctofleetHome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SecretCipherTest {
    private static final String KEY = Base64.getEncoder().encodeToString(new byte[32]);

    @TempDir
    Path home;

    private OctofleetHome home() {
        return new OctofleetHome(home.toString());
    }

    @Test
    void sealedValueOpensOnlyForItsOwnContextAndHidesThePlaintext() {
        SecretCipher cipher = new SecretCipher(KEY, home());

        SecretCipher.Sealed sealed = cipher.seal("hunter2-password", "node:a/DB_PASSWORD");

        assertThat(new String(sealed.bytes(), StandardCharsets.ISO_8859_1)).doesNotContain("hunter2");
        assertThat(sealed.keyId()).isEqualTo(cipher.keyId()).hasSize(16);
        assertThat(cipher.open(sealed, "node:a/DB_PASSWORD")).isEqualTo("hunter2-password");
        assertThatThrownBy(() -> cipher.open(sealed, "node:b/DB_PASSWORD"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("altered or moved");
    }

    @Test
    void everySealUsesAFreshNonce() {
        SecretCipher cipher = new SecretCipher(KEY, home());

        assertThat(cipher.seal("same", "global/K").bytes()).isNotEqualTo(cipher.seal("same", "global/K").bytes());
    }

    @Test
    void valueSealedWithAnotherKeyIsRefusedNamingBothKeys() {
        SecretCipher first = new SecretCipher(KEY, home());
        byte[] other = new byte[32];
        other[0] = 1;
        SecretCipher second = new SecretCipher(Base64.getEncoder().encodeToString(other), home());

        SecretCipher.Sealed sealed = first.seal("v", "global/K");

        assertThatThrownBy(() -> second.open(sealed, "global/K")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(first.keyId()).hasMessageContaining(second.keyId());
    }

    @Test
    void shortConfiguredKeyIsRefusedWithAClearMessage() {
        String sixteenBytes = Base64.getEncoder().encodeToString(new byte[16]);

        assertThatThrownBy(() -> new SecretCipher(sixteenBytes, home())).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("OCTOFLEET_SECRET_KEY must be base64 of 32 random bytes")
                .hasMessageContaining("decodes to 16 bytes");
        assertThatThrownBy(() -> new SecretCipher("not base64!", home())).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("not valid base64");
        assertThat(home.resolve(SecretCipher.KEY_FILE)).doesNotExist();
    }

    @Test
    void withoutConfiguredKeyOneIsGeneratedIntoAPrivateFileAndReusedOnTheNextStart() throws Exception {
        SecretCipher first = new SecretCipher("", home());
        Path file = home.resolve(SecretCipher.KEY_FILE);

        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Base64.getDecoder().decode(Files.readString(file).trim())).hasSize(32);
        SecretCipher second = new SecretCipher("", home());
        assertThat(second.open(first.seal("v", "global/K"), "global/K")).isEqualTo("v");
        // The file holds exactly what OCTOFLEET_SECRET_KEY takes, so replicas can be given the same key.
        assertThat(new SecretCipher(Files.readString(file), home()).keyId()).isEqualTo(first.keyId());
    }

    @Test
    void corruptKeyFileIsRefusedRatherThanReplaced() throws Exception {
        Files.writeString(home.resolve(SecretCipher.KEY_FILE), "short\n");

        assertThatThrownBy(() -> new SecretCipher("", home())).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("secret.key must hold base64 of 32 bytes");
        assertThat(Files.readString(home.resolve(SecretCipher.KEY_FILE))).isEqualTo("short\n");
    }
}
