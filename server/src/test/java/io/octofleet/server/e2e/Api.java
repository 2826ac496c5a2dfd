package io.octofleet.server.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A tiny client for the server's REST API, logged in as an operator. */
final class Api {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;
    private String token;

    record Response(int status, JsonNode body, String contentType) {
    }

    Api(int port) {
        this.base = "http://127.0.0.1:" + port;
    }

    void login(String username, String password) throws IOException, InterruptedException {
        Response r = post("/api/v1/auth/login", JSON.createObjectNode().put("username", username).put("password", password).toString());
        if (r.status() != 200) {
            throw new AssertionError("login failed: " + r);
        }
        token = r.body().get("token").asText();
    }

    Response get(String path) throws IOException, InterruptedException {
        return send(request(path).GET());
    }

    Response post(String path, String json) throws IOException, InterruptedException {
        return send(request(path).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    Response put(String path, String json) throws IOException, InterruptedException {
        return send(request(path).header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(json)));
    }

    /** A plain-text answer (job output) with its headers. */
    record Text(int status, String body, java.net.http.HttpHeaders headers) {
    }

    Text text(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString());
        return new Text(r.statusCode(), r.body(), r.headers());
    }

    /** The text at {@code path}, or "" when it cannot be read now (for polling). */
    String textQuietly(String path) {
        try {
            Text t = text(path);
            return t.status() == 200 ? t.body() : "";
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    /** Opens a Server-Sent Events stream; the caller reads and closes it. */
    java.io.InputStream stream(String path) throws IOException, InterruptedException {
        HttpResponse<java.io.InputStream> r = http.send(request(path).timeout(Duration.ofMinutes(5)).GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        if (r.statusCode() != 200) {
            throw new AssertionError("GET " + path + " answered " + r.statusCode());
        }
        return r.body();
    }

    Response delete(String path) throws IOException, InterruptedException {
        return send(request(path).DELETE());
    }

    boolean healthy() {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(base + "/health")).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
        if (token != null) {
            builder.header("Authorization", "Bearer " + token);
        }
        return builder;
    }

    private Response send(HttpRequest.Builder builder) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(builder.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode body = response.body() == null || response.body().isBlank() ? null : JSON.readTree(response.body());
        return new Response(response.statusCode(), body, response.headers().firstValue("Content-Type").orElse(""));
    }
}
