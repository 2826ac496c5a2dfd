package io.octofleet.server.jobs;

import io.micronaut.context.annotation.Context;
import io.octofleet.server.database.DatabaseServer;
import jakarta.annotation.PreDestroy;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;

/**
 * Tells every server replica at once when a job needs attention, with PostgreSQL LISTEN/NOTIFY: a job started or
 * cancelled on one replica reaches agents connected to another within milliseconds, not at the next sweep.
 * {@link #notify} goes out with the caller's transaction (PostgreSQL delivers it at commit, or never on rollback).
 * The listening connection is a plain JDBC connection of its own (not from the pool, which it would hold forever);
 * when it breaks it is re-opened, and the periodic sweep covers what was missed meanwhile.
 */
@Context
class JobNotifications {
    private static final Logger LOG = LoggerFactory.getLogger(JobNotifications.class);
    static final String CHANNEL = "octofleet_jobs";
    private static final String CANCEL = "cancel:";

    private final DatabaseServer database;
    private final JobEngine engine;
    private final Thread listener;
    private volatile boolean stopped;
    private volatile Connection connection;

    JobNotifications(DatabaseServer database, JobEngine engine) {
        this.database = database;
        this.engine = engine;
        this.listener = new Thread(this::listen, "octofleet-job-notifications");
        this.listener.setDaemon(true);
        this.listener.start();
    }

    /** Within {@code tx}: every replica progresses the job once the transaction commits. */
    static void progress(DSLContext tx, JobId job) {
        tx.execute("SELECT pg_notify({0}, {1})", DSL.val(CHANNEL), DSL.val(job.toString()));
    }

    /** Within {@code tx}: every replica tells its connected agents to stop the job's runs once it commits. */
    static void cancel(DSLContext tx, JobId job) {
        tx.execute("SELECT pg_notify({0}, {1})", DSL.val(CHANNEL), DSL.val(CANCEL + job));
    }

    @PreDestroy
    void stop() {
        stopped = true;
        listener.interrupt();
        closeQuietly();
    }

    private void listen() {
        long backoffMs = 500;
        while (!stopped) {
            try {
                connection = open();
                try (Statement s = connection.createStatement()) {
                    s.execute("LISTEN " + CHANNEL);
                }
                backoffMs = 500;
                PGConnection pg = connection.unwrap(PGConnection.class);
                while (!stopped) {
                    PGNotification[] notes = pg.getNotifications(10_000);
                    if (notes == null) {
                        continue;
                    }
                    for (PGNotification note : notes) {
                        dispatch(note.getParameter());
                    }
                }
            } catch (SQLException e) {
                if (stopped) {
                    return;
                }
                LOG.warn("Job notifications connection lost ({}); reconnecting in {} ms", e.getMessage(), backoffMs);
                closeQuietly();
                try {
                    Thread.sleep(backoffMs);
                } catch (InterruptedException ie) {
                    return;
                }
                backoffMs = Math.min(30_000, backoffMs * 2);
            }
        }
    }

    private void dispatch(String payload) {
        boolean cancel = payload.startsWith(CANCEL);
        Optional<JobId> job = parse(cancel ? payload.substring(CANCEL.length()) : payload);
        if (job.isEmpty()) {
            LOG.warn("Ignoring malformed job notification '{}'", payload);
            return;
        }
        if (cancel) {
            engine.cancelLocally(job.get());
        }
        engine.progressLater(job.get());
    }

    private static Optional<JobId> parse(String text) {
        try {
            return Optional.of(new JobId(UUID.fromString(text)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private Connection open() throws SQLException {
        Properties props = new Properties();
        if (database.user() != null && !database.user().isBlank()) {
            props.setProperty("user", database.user());
        }
        if (database.password() != null && !database.password().isBlank()) {
            props.setProperty("password", database.password());
        }
        // TCP keepalive so a silently dropped connection is noticed and re-opened.
        props.setProperty("tcpKeepAlive", "true");
        return DriverManager.getConnection(database.jdbcUrl(), props);
    }

    private void closeQuietly() {
        Connection c = connection;
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // closing a broken connection
            }
        }
    }
}
