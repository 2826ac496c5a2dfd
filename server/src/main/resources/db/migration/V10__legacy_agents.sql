-- Python-era Octofleet agents (docs/migration.md): the bash agent on Linux and the .NET service on Windows speak a
-- plain HTTP API with an X-API-Key header. They report into normal nodes, side by side with the new agent.

-- Which agent reports for the node: 'octofleet' (gRPC session, enrolled with a certificate) or 'legacy' (HTTP API
-- with a legacy key). legacy_id is the node id the legacy agent sends (its hostname on Linux, win-<name> on
-- Windows), unique per organization. A node the new agent replaced keeps legacy_id (agent_kind 'octofleet'), so the
-- old agent, should it still run, is told it was replaced instead of creating the node again.
ALTER TABLE nodes ADD COLUMN agent_kind text NOT NULL DEFAULT 'octofleet'
    CHECK (agent_kind IN ('octofleet', 'legacy'));
ALTER TABLE nodes ADD COLUMN legacy_id text CHECK (length(legacy_id) BETWEEN 1 AND 255);
CREATE UNIQUE INDEX nodes_legacy_id_key ON nodes (organization_id, legacy_id) WHERE legacy_id IS NOT NULL;

-- API keys for legacy agents, per organization. Only the SHA-256 of the key is stored (the key has 256 random bits);
-- prefix is the key's first characters, enough to recognise it in a list. A revoked key stays for the audit trail.
CREATE TABLE legacy_keys (
    id              uuid PRIMARY KEY,
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    key_sha256      bytea NOT NULL UNIQUE,
    prefix          text NOT NULL,
    created_by      text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_used_at    timestamptz,
    revoked_at      timestamptz
);
CREATE INDEX legacy_keys_organization_idx ON legacy_keys (organization_id);

-- The latest report of each kind a legacy agent sent, as sent: the typed inventory keeps what maps onto it, this
-- keeps the rest (security state, Windows hotfixes, processes, agent logs) for the API and for support.
CREATE TABLE legacy_reports (
    node_id         uuid NOT NULL REFERENCES nodes (id) ON DELETE CASCADE,
    kind            text NOT NULL CHECK (kind IN ('inventory', 'live-data')),
    received_at     timestamptz NOT NULL,
    agent_version   text,
    body            jsonb NOT NULL,
    PRIMARY KEY (node_id, kind)
);
