package io.octofleet.server.database;

import io.micronaut.core.annotation.Nullable;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;

/** Where the database is, and the embedded server to stop on shutdown when we started one. */
public record DatabaseServer(@Nullable EmbeddedPostgres embedded, String jdbcUrl, @Nullable String user,
                             @Nullable String password) implements AutoCloseable {
    public boolean isEmbedded() {
        return embedded != null;
    }

    @Override
    public void close() throws IOException {
        if (embedded != null) {
            embedded.close();
        }
    }
}
