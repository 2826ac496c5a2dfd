-- What Grafana reads (docs/grafana.md): views in schema `grafana`, and a role that may read those and nothing else.
-- The views run with their owner's rights, so the role needs no grant on any table: operators, tokens, secrets,
-- audit and job output stay out of its reach. Dashboards (docs/grafana/provisioning/dashboards/*.json) query only
-- these views; GrafanaDashboardsTest runs every panel query as the role.

-- Group membership as of the last minute, static and dynamic groups alike (a dynamic group is a rule the server
-- evaluates; SQL cannot). Written by groups.GroupMembershipSnapshot.
CREATE TABLE group_membership (
    group_id    uuid NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    node_id     uuid NOT NULL REFERENCES nodes (id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, node_id)
);
CREATE INDEX group_membership_node_idx ON group_membership (node_id);

CREATE SCHEMA grafana;

CREATE VIEW grafana.organizations AS
SELECT id, name FROM organizations;

CREATE VIEW grafana.nodes AS
SELECT n.id, o.name AS organization, n.hostname, n.agent_version, n.online, n.last_seen, n.enrolled_at,
       os.family AS os_family, os.name AS os_name, os.version AS os_version, os.kernel, os.arch,
       cpu.model AS cpu_model, cpu.threads AS cpu_threads, sys.memory_total_bytes
FROM nodes n
JOIN organizations o ON o.id = n.organization_id
LEFT JOIN node_os os ON os.node_id = n.id
LEFT JOIN node_cpu cpu ON cpu.node_id = n.id
LEFT JOIN node_system sys ON sys.node_id = n.id;

CREATE VIEW grafana.group_members AS
SELECT g.id AS group_id, g.name AS group_name, o.name AS organization, m.node_id
FROM group_membership m
JOIN groups g ON g.id = m.group_id
JOIN organizations o ON o.id = g.organization_id;

CREATE VIEW grafana.gpus AS
SELECT node_id, position, vendor, model, vram_bytes, driver_version, mig_mode FROM node_gpus;

CREATE VIEW grafana.job_runs AS
SELECT r.id, r.job_id, j.name AS job_name, j.kind, o.name AS organization, r.node_id, r.hostname, r.status,
       r.attempt, r.exit_code, r.created_at, r.started_at, r.finished_at,
       extract(epoch FROM r.finished_at - r.started_at) AS duration_seconds
FROM job_runs r
JOIN jobs j ON j.id = r.job_id
JOIN organizations o ON o.id = j.organization_id
WHERE NOT r.superseded;

CREATE VIEW grafana.metric_samples AS
SELECT time, node_id, name, instance, value FROM metric_samples;

CREATE VIEW grafana.metric_1m AS
SELECT bucket, node_id, name, instance, value_avg, value_min, value_max, samples FROM metric_1m;

CREATE VIEW grafana.metric_1h AS
SELECT bucket, node_id, name, instance, value_avg, value_min, value_max, samples FROM metric_1h;

-- The role: created without LOGIN and without a password (no default credentials); the operator gives it both
-- (docs/grafana.md). Roles belong to the whole PostgreSQL cluster, so it may exist already (another Octofleet
-- database on the same cluster): then it is reused. A migrating user without CREATEROLE gets a warning and the
-- statements to run as a superuser, and the migration goes on.
DO $grafana$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'octofleet_grafana') THEN
        CREATE ROLE octofleet_grafana NOLOGIN;
    END IF;
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO octofleet_grafana', current_database());
    GRANT USAGE ON SCHEMA grafana TO octofleet_grafana;
    GRANT SELECT ON ALL TABLES IN SCHEMA grafana TO octofleet_grafana;
EXCEPTION WHEN insufficient_privilege THEN
    RAISE WARNING 'cannot create or grant the Grafana role (%); as a superuser run: CREATE ROLE octofleet_grafana '
        'NOLOGIN; GRANT USAGE ON SCHEMA grafana TO octofleet_grafana; GRANT SELECT ON ALL TABLES IN SCHEMA grafana '
        'TO octofleet_grafana;', SQLERRM;
END
$grafana$;
