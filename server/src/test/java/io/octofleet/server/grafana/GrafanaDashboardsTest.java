package io.octofleet.server.grafana;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.octofleet.server.TestServer;
import io.octofleet.server.groups.GroupMembershipSnapshot;
import io.octofleet.server.metrics.MetricBatch;
import io.octofleet.server.metrics.NativeStorage;
import io.octofleet.server.metrics.StoredSamples;
import io.octofleet.server.nodes.NodeId;
import io.octofleet.server.organizations.OrganizationId;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every query of every shipped Grafana dashboard (docs/grafana/provisioning/dashboards), its variables included,
 * expanded the way Grafana's PostgreSQL datasource expands them and run against the migrated database, filled with
 * generated data, as the read-only role the datasource uses. Each must succeed and return rows.
 */
class GrafanaDashboardsTest {
    private static final Path DASHBOARDS = Path.of("..", "docs", "grafana", "provisioning", "dashboards");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern TIME_GROUP_ALIAS = Pattern.compile("\\$__timeGroupAlias\\(([^,]+),\\s*([^,)]+)(?:,[^)]*)?\\)");
    private static final Pattern TIME_GROUP = Pattern.compile("\\$__timeGroup\\(([^,]+),\\s*([^,)]+)(?:,[^)]*)?\\)");
    private static final Pattern TIME_FILTER = Pattern.compile("\\$__timeFilter\\(([^)]+)\\)");
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{(\\w+)(?::\\w+)?}|\\[\\[(\\w+)]]|\\$(\\w+)");

    static TestServer server;
    static DataSource dataSource;
    static final Instant NOW = Instant.now();
    static final Instant FROM = NOW.minus(6, ChronoUnit.HOURS);

    @BeforeAll
    static void fill() throws Exception {
        server = TestServer.start(Map.of("octofleet.metrics.maintenance-interval", "1h"));
        dataSource = server.bean(DataSource.class);
        DSLContext db = server.bean(DSLContext.class);
        assertThat(server.post("/api/v1/organizations", "{\"name\": \"globex\"}").statusCode()).isEqualTo(201);
        OrganizationId globex = new OrganizationId(db.fetchOne("SELECT id FROM organizations WHERE name = 'globex'")
                .get(0, UUID.class));

        NodeId gpuHost = node(db, "aa-gpu-01", OrganizationId.DEFAULT, true, "Ubuntu", "24.04");
        NodeId cpuHost = node(db, "bb-cpu-01", OrganizationId.DEFAULT, false, "Debian GNU/Linux", "12");
        NodeId other = node(db, "cc-gpu-02", globex, true, "Rocky Linux", "9.4");
        for (NodeId gpu : List.of(gpuHost, other)) {
            db.execute("INSERT INTO node_gpus (node_id, position, vendor, model, uuid, vram_bytes, driver_version, mig_mode) "
                    + "VALUES (?, 0, 'NVIDIA', 'NVIDIA H100 80GB HBM3', ?, 85520809984, '580.159.04', 'Disabled')",
                    gpu.value(), "GPU-" + UUID.randomUUID());
        }
        assertThat(server.post("/api/v1/groups", "{\"name\": \"gpu-hosts\", \"kind\": \"dynamic\", "
                + "\"rule\": \"hostname ~ \\\"*gpu*\\\"\"}").statusCode()).isEqualTo(201);
        assertThat(server.post("/api/v1/groups", "{\"name\": \"racks\", \"kind\": \"static\", \"nodeIds\": [\""
                + cpuHost + "\", \"" + gpuHost + "\"]}").statusCode()).isEqualTo(201);
        assertThat(server.bean(GroupMembershipSnapshot.class).refresh()).isEqualTo(3);

        jobs(db, OrganizationId.DEFAULT, List.of(gpuHost, cpuHost));
        jobs(db, globex, List.of(other));

        // Every figure the agent sends, every 30 s over the last 40 minutes, through the real ingest.
        List<String> names = List.of("cpu.usage", "cpu.core.usage", "mem.used.bytes", "mem.used.pct", "swap.used.bytes",
                "load.1", "load.5", "load.15", "fs.free.pct", "disk.read.bps", "disk.write.bps", "nic.rx.bps",
                "nic.tx.bps", "nic.rx.errors.ps", "nic.tx.errors.ps", "procs.count", "gpu.util", "gpu.mem.used.pct",
                "gpu.temp", "gpu.power.draw");
        long seq = 0;
        for (Instant at = NOW.minus(40, ChronoUnit.MINUTES); at.isBefore(NOW.minusSeconds(5)); at = at.plusSeconds(30)) {
            seq++;
            for (NodeId node : List.of(gpuHost, cpuHost, other)) {
                List<MetricBatch.Value> values = new ArrayList<>();
                for (int i = 0; i < names.size(); i++) {
                    String instance = names.get(i).startsWith("fs.") ? "/" : names.get(i).startsWith("disk.") ? "sda"
                            : names.get(i).startsWith("nic.") ? "eth0" : names.get(i).startsWith("gpu.")
                            || names.get(i).startsWith("cpu.core") ? "0" : "";
                    values.add(new MetricBatch.Value(names.get(i), instance, 10 + i + (seq % 7)));
                }
                StoredSamples.store(server, node, new MetricBatch("grafana-" + node, seq, at, seq == 3 ? 42 : 0, values));
            }
        }
        server.bean(NativeStorage.class).rollUp(NOW);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void everyPanelQueryOfEveryDashboardReturnsRowsAsTheGrafanaRole() throws Exception {
        List<Path> files;
        try (Stream<Path> list = Files.list(DASHBOARDS)) {
            files = list.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
        assertThat(files).extracting(p -> p.getFileName().toString())
                .containsExactly("fleet-overview.json", "gpu-fleet.json", "jobs.json", "node-detail.json");
        int queries = 0;
        for (Path file : files) {
            JsonNode dashboard = JSON.readTree(file.toFile());
            String title = dashboard.get("title").asText();
            assertThat(dashboard.get("uid").asText()).as(title).startsWith("octofleet-");
            Map<String, List<String>> variables = new LinkedHashMap<>();
            java.util.Set<String> multi = new java.util.HashSet<>();
            for (JsonNode variable : dashboard.path("templating").path("list")) {
                String name = variable.get("name").asText();
                String sql = expand(variable.get("query").asText(), variables, multi);
                List<String> values = run(title + " / variable " + name, sql, true);
                // "All" of a multi-value variable: every value; a single-value one: the first, as Grafana preselects.
                boolean many = variable.path("multi").asBoolean() || variable.path("includeAll").asBoolean();
                if (many) {
                    multi.add(name);
                }
                variables.put(name, many ? values : List.of(values.get(0)));
                queries++;
            }
            for (JsonNode panel : panels(dashboard)) {
                assertThat(panel.path("datasource").path("uid").asText()).as(title + " / " + panel.path("title"))
                        .isEqualTo("octofleet");
                for (JsonNode target : panel.path("targets")) {
                    String sql = expand(target.get("rawSql").asText(), variables, multi);
                    assertThat(sql).as("no macro left unexpanded").doesNotContain("$");
                    run(title + " / " + panel.get("title").asText(), sql, false);
                    queries++;
                }
            }
        }
        assertThat(queries).isGreaterThan(40);
    }

    @Test
    void theGrafanaRoleReadsOnlyTheGrafanaViews() throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute("SET ROLE octofleet_grafana");
            try {
                for (String table : List.of("operators", "api_tokens", "parameters", "audit_log", "run_output",
                        "metric_samples", "nodes")) {
                    assertThatThrownBy(() -> s.executeQuery("SELECT 1 FROM public." + table + " LIMIT 1"))
                            .as(table).hasMessageContaining("permission denied");
                }
                assertThatThrownBy(() -> s.executeUpdate("DELETE FROM grafana.metric_samples"))
                        .hasMessageContaining("permission denied");
            } finally {
                s.execute("RESET ROLE");
            }
        }
    }

    /** Rows of {@code sql} as the Grafana role; for variables, the __value column or else the first. */
    private static List<String> run(String what, String sql, boolean variable) throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute("SET ROLE octofleet_grafana");
            try (ResultSet rows = s.executeQuery(sql)) {
                int column = 1;
                for (int i = 1; i <= rows.getMetaData().getColumnCount(); i++) {
                    if (rows.getMetaData().getColumnLabel(i).equals("__value")) {
                        column = i;
                    }
                }
                List<String> values = new ArrayList<>();
                while (rows.next()) {
                    values.add(rows.getString(column));
                }
                assertThat(values).as("%s returned no rows:%n%s", what, sql).isNotEmpty();
                if (!variable) {
                    assertThat(values).as("%s returned only NULLs:%n%s", what, sql).anyMatch(v -> v != null);
                }
                return values;
            } catch (SQLException e) {
                throw new AssertionError(what + " failed: " + e.getMessage() + "\n" + sql, e);
            } finally {
                s.execute("RESET ROLE");
            }
        }
    }

    /**
     * What Grafana's PostgreSQL datasource sends: template variables first ($__interval, then dashboard variables;
     * a multi-value or include-all variable becomes its values single-quoted and comma-separated, a single value
     * goes in as it is), then the macros.
     */
    static String expand(String sql, Map<String, List<String>> variables, java.util.Set<String> multi) {
        String text = sql.replace("$__interval_ms", "60000").replace("$__interval", "1m");
        Matcher v = VARIABLE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (v.find()) {
            String name = v.group(1) != null ? v.group(1) : v.group(2) != null ? v.group(2) : v.group(3);
            if (name.startsWith("__")) {
                v.appendReplacement(out, Matcher.quoteReplacement(v.group()));
                continue;
            }
            List<String> values = variables.get(name);
            assertThat(values).as("variable $%s is defined before it is used", name).isNotNull();
            String replacement = !multi.contains(name) ? values.get(0)
                    : String.join(",", values.stream().map(x -> "'" + x.replace("'", "''") + "'").toList());
            v.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        v.appendTail(out);
        text = out.toString();
        text = replace(TIME_GROUP_ALIAS, text, m -> group(m.group(1), m.group(2)) + " AS \"time\"");
        text = replace(TIME_GROUP, text, m -> group(m.group(1), m.group(2)));
        text = replace(TIME_FILTER, text, m -> m.group(1).strip() + " BETWEEN '" + FROM + "' AND '" + NOW + "'");
        return text.replace("$__timeFrom()", "'" + FROM + "'").replace("$__timeTo()", "'" + NOW + "'");
    }

    private static String group(String column, String interval) {
        long seconds = seconds(interval.strip());
        return "floor(extract(epoch from " + column.strip() + ")/" + seconds + ")*" + seconds;
    }

    private static long seconds(String interval) {
        Matcher m = Pattern.compile("(\\d+)(ms|s|m|h|d)").matcher(interval);
        assertThat(m.matches()).as("interval %s", interval).isTrue();
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Math.max(1, n / 1000);
            case "s" -> n;
            case "m" -> n * 60;
            case "h" -> n * 3600;
            default -> n * 86400;
        };
    }

    private static String replace(Pattern pattern, String text, java.util.function.Function<Matcher, String> with) {
        Matcher m = pattern.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(with.apply(m)));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static List<JsonNode> panels(JsonNode dashboard) {
        List<JsonNode> all = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
            all.add(panel);
            panel.path("panels").forEach(all::add);
        }
        return all;
    }

    private static NodeId node(DSLContext db, String hostname, OrganizationId organization, boolean online, String os,
                               String version) {
        NodeId id = server.createNode(hostname, organization);
        db.execute("UPDATE nodes SET online = ?, last_seen = now() - interval '1 hour' WHERE id = ?", online, id.value());
        db.execute("INSERT INTO node_os (node_id, family, name, version, kernel, arch) VALUES (?, 'linux', ?, ?, '6.1.0', 'x86_64')",
                id.value(), os, version);
        db.execute("INSERT INTO node_cpu (node_id, model, vendor, sockets, cores, threads, max_frequency_hz) "
                + "VALUES (?, 'AMD EPYC', 'AuthenticAMD', 1, 16, 32, 3000000000)", id.value());
        db.execute("INSERT INTO node_system (node_id, manufacturer, model, serial, uuid, bios_version, virtualization, "
                + "memory_total_bytes) VALUES (?, 'QEMU', 'Standard PC', 'S1', ?, '1.0', 'kvm', 68719476736)",
                id.value(), UUID.randomUUID().toString());
        return id;
    }

    /** A shell job and an Ansible job per organization over the last hours, with succeeded and failed runs. */
    private static void jobs(DSLContext db, OrganizationId organization, List<NodeId> nodes) {
        int k = 0;
        for (String kind : List.of("shell", "ansible")) {
            for (int hour = 1; hour <= 4; hour++) {
                UUID job = UUID.randomUUID();
                OffsetDateTime created = OffsetDateTime.ofInstant(NOW.minus(hour, ChronoUnit.HOURS), ZoneOffset.UTC);
                db.execute("INSERT INTO jobs (id, name, kind, spec, targets, timeout_seconds, retries, continue_on_failure, "
                                + "status, created_by, created_at, expires_at, organization_id) VALUES (?, ?, ?, '{}'::jsonb, "
                                + "'{}'::jsonb, 60, 0, false, 'failed', 'test', ?::timestamptz, ?::timestamptz, ?)",
                        job, kind + " job " + hour, kind, created, created.plusDays(1), organization.value());
                for (NodeId node : nodes) {
                    String status = (k++ % 3 == 0) ? "failed" : "succeeded";
                    db.execute("INSERT INTO job_runs (id, job_id, node_id, hostname, attempt, batch, status, exit_code, "
                                    + "created_at, started_at, finished_at) VALUES (?, ?, ?, 'h', 1, 0, ?, ?, ?::timestamptz, "
                                    + "?::timestamptz, ?::timestamptz)",
                            UUID.randomUUID(), job, node.value(), status, status.equals("failed") ? 2 : 0, created,
                            created.plusSeconds(1), created.plusSeconds(5 + hour));
                }
            }
        }
        db.execute("UPDATE job_runs r SET hostname = n.hostname FROM nodes n WHERE n.id = r.node_id");
    }
}
