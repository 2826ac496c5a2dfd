package io.octofleet.server.dashboard;

import jakarta.inject.Singleton;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Optional;

/**
 * The dashboard's entry page as the octofleet-ui jar ships it ({@code public/index.html}); absent when the server was
 * built with {@code -Dskip.ui}. Its scripts and styles are served by Micronaut's static resources from the same
 * {@code public/} folder (application.yml).
 */
@Singleton
public final class DashboardAssets {
    static final String ROOT = "public/";
    private final Optional<byte[]> index;

    DashboardAssets() {
        this(ROOT + "index.html");
    }

    DashboardAssets(String resource) {
        try (InputStream in = DashboardAssets.class.getClassLoader().getResourceAsStream(resource)) {
            index = in == null ? Optional.empty() : Optional.of(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the dashboard's " + resource, e);
        }
    }

    /** The entry page's bytes, when the dashboard is built in. */
    public Optional<byte[]> index() {
        return index;
    }
}
