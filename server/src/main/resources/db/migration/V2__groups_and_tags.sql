-- Tags, static and dynamic groups: what jobs target.

-- Free-form labels an operator puts on nodes ("lab", "gpu", "rack:b7"); validated by the API (lowercase, 1-63 chars).
CREATE TABLE node_tags (
    node_id     uuid NOT NULL REFERENCES nodes (id) ON DELETE CASCADE,
    tag         text NOT NULL,
    PRIMARY KEY (node_id, tag)
);
CREATE INDEX node_tags_tag_idx ON node_tags (tag);

-- A static group lists its members in group_members; a dynamic one holds a targeting rule (docs/targeting.md)
-- that is evaluated against the current inventory whenever the group is read, so it has no stored members.
CREATE TABLE groups (
    id          uuid PRIMARY KEY,
    name        text NOT NULL UNIQUE,
    kind        text NOT NULL CHECK (kind IN ('static', 'dynamic')),
    rule        text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'dynamic') = (rule IS NOT NULL))
);

CREATE TABLE group_members (
    group_id    uuid NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    node_id     uuid NOT NULL REFERENCES nodes (id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, node_id)
);
CREATE INDEX group_members_node_idx ON group_members (node_id);
