-- Parameters: key/value pairs on the whole fleet (global), a group or a node, inherited node > group > global
-- (docs/parameters.md). They reach jobs as environment variables / Ansible extra vars.
-- A row belongs to at most one owner: both owner columns null is a global parameter. The owner columns are foreign
-- keys so a deleted group or node takes its parameters with it.
-- A secret is never stored in clear: `value` is null and `ciphertext` holds the 12-byte nonce followed by the
-- AES-256-GCM output, `key_id` names the key that sealed it (so keys can be rotated later).
CREATE TABLE parameters (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    group_id    uuid REFERENCES groups (id) ON DELETE CASCADE,
    node_id     uuid REFERENCES nodes (id) ON DELETE CASCADE,
    key         text NOT NULL CHECK (key ~ '^[A-Za-z_][A-Za-z0-9_]{0,127}$'),
    secret      boolean NOT NULL,
    value       text,
    ciphertext  bytea,
    key_id      text,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (group_id IS NULL OR node_id IS NULL),
    CHECK (secret = (value IS NULL) AND secret = (ciphertext IS NOT NULL) AND secret = (key_id IS NOT NULL)),
    -- NULLS NOT DISTINCT (PostgreSQL 15+): one global row per key, one per group and key, one per node and key.
    CONSTRAINT parameters_owner_key UNIQUE NULLS NOT DISTINCT (group_id, node_id, key)
);
-- The unique index leads with group_id; a node's own parameters need their own index.
CREATE INDEX parameters_node_idx ON parameters (node_id) WHERE node_id IS NOT NULL;
