package io.octofleet.server.parameters;

import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Order;
import io.micronaut.core.order.Ordered;
import io.octofleet.server.OctofleetHome;
import jakarta.inject.Inject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Seals secret parameter values with AES-256-GCM: a fresh random 12-byte nonce per value, stored in front of the
 * ciphertext, and the parameter's owner and key as associated data, so a sealed value copied onto another row does
 * not open. The key is OCTOFLEET_SECRET_KEY (base64 of 32 bytes) or, when that is unset, OCTOFLEET_HOME/secret.key,
 * generated on the first start. Created first at startup ({@link Context}, highest {@link Order}) so a bad key stops
 * the server before it serves, and before the embedded database is started.
 */
@Context
@Order(Ordered.HIGHEST_PRECEDENCE)
public final class SecretCipher {
    static final String KEY_FILE = "secret.key";
    static final int KEY_BYTES = 32;
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final Logger LOG = LoggerFactory.getLogger(SecretCipher.class);

    /** A sealed value: the id of the key that sealed it and nonce || ciphertext || tag. */
    public record Sealed(String keyId, byte[] bytes) {
    }

    private final SecretKeySpec key;
    private final String keyId;
    private final SecureRandom random = new SecureRandom();

    @Inject
    SecretCipher(@Value("${octofleet.secret-key:}") String configured, OctofleetHome home) {
        this(configured == null || configured.isBlank() ? fromFile(home.resolve(KEY_FILE)) : fromConfiguration(configured));
    }

    SecretCipher(byte[] keyBytes) {
        if (keyBytes.length != KEY_BYTES) {
            throw new IllegalArgumentException("an AES-256 key has " + KEY_BYTES + " bytes, not " + keyBytes.length);
        }
        this.key = new SecretKeySpec(keyBytes, "AES");
        this.keyId = keyId(keyBytes);
    }

    /** Names the key without revealing it: the first 8 bytes of its SHA-256, in hex. */
    String keyId() {
        return keyId;
    }

    public Sealed seal(String plaintext, String context) {
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(context.getBytes(StandardCharsets.UTF_8));
            byte[] sealed = cipher.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
            return new Sealed(keyId, ByteBuffer.allocate(NONCE_BYTES + sealed.length).put(nonce).put(sealed).array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available in this JDK", e);
        }
    }

    /**
     * @throws IllegalStateException when the value was sealed with another key, for another context, or was altered
     */
    public String open(Sealed sealed, String context) {
        if (!keyId.equals(sealed.keyId())) {
            throw new IllegalStateException("secret " + context + " was sealed with key " + sealed.keyId()
                    + ", but the configured key is " + keyId + " (was OCTOFLEET_SECRET_KEY or secret.key changed?)");
        }
        byte[] bytes = sealed.bytes();
        if (bytes.length < NONCE_BYTES + TAG_BITS / 8) {
            throw new IllegalStateException("secret " + context + " is truncated");
        }
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, bytes, 0, NONCE_BYTES));
            cipher.updateAAD(context.getBytes(StandardCharsets.UTF_8));
            return new String(cipher.doFinal(bytes, NONCE_BYTES, bytes.length - NONCE_BYTES), StandardCharsets.UTF_8);
        } catch (AEADBadTagException e) {
            throw new IllegalStateException("secret " + context + " does not decrypt: it was altered or moved", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available in this JDK", e);
        }
    }

    private static byte[] fromConfiguration(String configured) {
        byte[] decoded;
        try {
            decoded = Base64.getDecoder().decode(configured.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("OCTOFLEET_SECRET_KEY must be base64 of 32 random bytes "
                    + "(e.g. `openssl rand -base64 32`); it is not valid base64");
        }
        if (decoded.length != KEY_BYTES) {
            throw new IllegalStateException("OCTOFLEET_SECRET_KEY must be base64 of 32 random bytes "
                    + "(e.g. `openssl rand -base64 32`); it decodes to " + decoded.length + " bytes");
        }
        return decoded;
    }

    private static byte[] fromFile(Path file) {
        try {
            if (Files.exists(file)) {
                String text = Files.readString(file, StandardCharsets.US_ASCII).trim();
                byte[] decoded;
                try {
                    decoded = Base64.getDecoder().decode(text);
                } catch (IllegalArgumentException e) {
                    decoded = new byte[0];
                }
                if (decoded.length != KEY_BYTES) {
                    throw new IllegalStateException(file + " must hold base64 of 32 bytes; restore it from a backup "
                            + "or set OCTOFLEET_SECRET_KEY (secret parameters sealed with another key cannot be read)");
                }
                return decoded;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        byte[] generated = new byte[KEY_BYTES];
        new SecureRandom().nextBytes(generated);
        // The same text as OCTOFLEET_SECRET_KEY takes, so the file can be handed to other replicas as it is.
        OctofleetHome.writeSecret(file, (Base64.getEncoder().encodeToString(generated) + "\n")
                .getBytes(StandardCharsets.US_ASCII));
        LOG.info("Generated the key for secret parameters in {}; back it up (without it secrets cannot be read) and "
                + "give every replica the same key", file);
        return generated;
    }

    private static String keyId(byte[] keyBytes) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(keyBytes);
            return HexFormat.of().formatHex(Arrays.copyOf(digest, 8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
