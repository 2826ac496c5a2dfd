package io.octofleet.server.alerts;

import jakarta.inject.Singleton;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;

/**
 * POSTs the notification as JSON to a URL, signed so the receiver can tell it came from this Octofleet and was not
 * replayed later: {@code X-Octofleet-Timestamp} (Unix seconds) and {@code X-Octofleet-Signature:
 * sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>}. Any 2xx answer is delivered.
 */
@Singleton
final class WebhookChannel implements NotificationChannel {
    static final Duration TIMEOUT = Duration.ofSeconds(10);
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT)
            .followRedirects(HttpClient.Redirect.NEVER).build();

    @Override
    public String kind() {
        return "webhook";
    }

    @Override
    public String invalid(Map<String, Object> settings, boolean hasSecret) {
        Object url = settings.get("url");
        if (!(url instanceof String text) || text.isBlank()) {
            return "a webhook needs settings.url";
        }
        try {
            URI uri = URI.create(text);
            if (!("https".equals(uri.getScheme()) || "http".equals(uri.getScheme())) || uri.getHost() == null) {
                return "settings.url must be an http or https URL with a host";
            }
        } catch (IllegalArgumentException e) {
            return "settings.url is not a URL: " + e.getMessage();
        }
        if (!hasSecret) {
            return "a webhook needs a secret (at least 16 characters) to sign its calls";
        }
        return null;
    }

    @Override
    public void deliver(Map<String, Object> settings, String secret, String event, String body)
            throws IOException, InterruptedException {
        String timestamp = Long.toString(System.currentTimeMillis() / 1000);
        HttpRequest request = HttpRequest.newBuilder(URI.create((String) settings.get("url")))
                .timeout(TIMEOUT)
                .header("Content-Type", "application/json")
                .header("User-Agent", "Octofleet-Alerts")
                .header("X-Octofleet-Event", event)
                .header("X-Octofleet-Timestamp", timestamp)
                .header("X-Octofleet-Signature", "sha256=" + sign(secret, timestamp + "." + body))
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
                .build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() / 100 != 2) {
            String answer = response.body() == null ? "" : response.body();
            throw new IOException("HTTP " + response.statusCode() + " from " + request.uri()
                    + (answer.isBlank() ? "" : ": " + answer.substring(0, Math.min(200, answer.length()))));
        }
    }

    static String sign(String secret, String text) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available in this JDK", e);
        }
    }
}
