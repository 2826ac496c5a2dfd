-- Alerts (docs/alerts.md): rules on metrics and node state, evaluated by the server; alerts with firing/resolved
-- state; silences; notification channels; and an outbox of notifications, so none is lost when the receiver is down
-- or the server stops.

-- Where notifications go. kind names a NotificationChannel plugin ('webhook' today). settings holds what is not
-- secret (the URL); the secret (the webhook's HMAC key) is sealed like a secret parameter and never returned.
CREATE TABLE notification_channels (
    id              uuid PRIMARY KEY,
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    kind            text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9-]{0,31}$'),
    settings        jsonb NOT NULL,
    key_id          text,
    ciphertext      bytea,
    enabled         boolean NOT NULL DEFAULT true,
    created_by      text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (organization_id, name)
);

CREATE TABLE alert_rules (
    id              uuid PRIMARY KEY,
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    kind            text NOT NULL CHECK (kind IN ('metric', 'node_offline')),
    -- metric rules: name [instance] comparator threshold, held for for_seconds.
    metric          text,
    instance        text,
    comparator      text CHECK (comparator IN ('>', '>=', '<', '<=')),
    threshold       double precision,
    for_seconds     integer NOT NULL CHECK (for_seconds BETWEEN 0 AND 604800),
    -- Limits the rule to the members of one node group (of the rule's organization).
    group_id        uuid REFERENCES groups (id) ON DELETE CASCADE,
    severity        text NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
    enabled         boolean NOT NULL DEFAULT true,
    channel_ids     uuid[] NOT NULL DEFAULT '{}',
    created_by      text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (organization_id, name),
    CHECK ((kind = 'metric') = (metric IS NOT NULL AND comparator IS NOT NULL AND threshold IS NOT NULL))
);

-- One row per episode: from firing to resolved. At most one firing alert per rule, node and instance, whatever
-- the number of evaluators (the partial unique index), which is the de-duplication.
CREATE TABLE alerts (
    id                  uuid PRIMARY KEY,
    rule_id             uuid NOT NULL REFERENCES alert_rules (id) ON DELETE CASCADE,
    organization_id     uuid NOT NULL,
    node_id             uuid NOT NULL,
    hostname            text NOT NULL,
    instance            text NOT NULL DEFAULT '',
    state               text NOT NULL CHECK (state IN ('firing', 'resolved')),
    value               double precision,
    started_at          timestamptz NOT NULL,
    resolved_at         timestamptz,
    last_evaluated_at   timestamptz NOT NULL
);
CREATE UNIQUE INDEX alerts_one_firing_idx ON alerts (rule_id, node_id, instance) WHERE state = 'firing';
CREATE INDEX alerts_organization_started_idx ON alerts (organization_id, started_at DESC);

-- A silence mutes notifications (not alerts) for one rule, one node, or both, between two instants.
CREATE TABLE alert_silences (
    id              uuid PRIMARY KEY,
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    rule_id         uuid REFERENCES alert_rules (id) ON DELETE CASCADE,
    node_id         uuid,
    starts_at       timestamptz NOT NULL,
    ends_at         timestamptz NOT NULL,
    comment         text NOT NULL,
    created_by      text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_at > starts_at)
);

-- Notifications to deliver, written in the transaction that fires or resolves the alert; delivered with retries.
CREATE TABLE alert_notifications (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    alert_id        uuid REFERENCES alerts (id) ON DELETE CASCADE,
    channel_id      uuid NOT NULL REFERENCES notification_channels (id) ON DELETE CASCADE,
    event           text NOT NULL CHECK (event IN ('firing', 'resolved', 'test')),
    payload         jsonb NOT NULL,
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz,
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX alert_notifications_due_idx ON alert_notifications (next_attempt_at) WHERE delivered_at IS NULL;
