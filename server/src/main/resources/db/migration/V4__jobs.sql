-- Jobs, their runs (one per targeted node and attempt), what the runs produced, and recurring schedules.
-- docs/jobs.md describes the states; session.proto describes how runs travel to agents and back.

CREATE TABLE schedules (
    id              uuid PRIMARY KEY,
    name            text NOT NULL UNIQUE,
    cron            text NOT NULL,
    time_zone       text NOT NULL,
    -- The job request (POST /api/v1/jobs body) each firing submits, as the operator gave it.
    template        jsonb NOT NULL,
    enabled         boolean NOT NULL,
    next_fire_at    timestamptz,
    last_fired_at   timestamptz,
    last_job_id     uuid,
    -- Why the last firing did not start a job (e.g. its targets matched no nodes); null when it did.
    last_error      text,
    created_by      text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX schedules_due_idx ON schedules (next_fire_at) WHERE enabled;

CREATE TABLE jobs (
    id                  uuid PRIMARY KEY,
    name                text NOT NULL,
    kind                text NOT NULL CHECK (kind IN ('shell', 'script', 'ansible')),
    -- The kind's fields (script, playbook, ...) as validated; never secret values, only parameter names.
    spec                jsonb NOT NULL,
    -- The targets as requested; the nodes they resolved to are the job's runs.
    targets             jsonb NOT NULL,
    timeout_seconds     integer NOT NULL CHECK (timeout_seconds > 0),
    max_parallel        integer CHECK (max_parallel > 0),
    batch_size          integer CHECK (batch_size > 0),
    retries             integer NOT NULL CHECK (retries >= 0),
    continue_on_failure boolean NOT NULL,
    run_as              text,
    status              text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'cancelled')),
    -- Rolling execution: only runs of this batch (and earlier ones, retrying) are sent.
    current_batch       integer NOT NULL DEFAULT 0,
    cancel_requested    boolean NOT NULL DEFAULT false,
    created_by          text NOT NULL,
    created_at          timestamptz NOT NULL,
    expires_at          timestamptz NOT NULL,
    finished_at         timestamptz,
    rerun_of            uuid REFERENCES jobs (id) ON DELETE SET NULL,
    schedule_id         uuid REFERENCES schedules (id) ON DELETE SET NULL
);
CREATE INDEX jobs_created_idx ON jobs (created_at DESC, id);
CREATE INDEX jobs_active_idx ON jobs (id) WHERE status = 'running';

-- node_id is deliberately not a foreign key: a deleted node's runs stay in the job's history (with the hostname
-- it had), and its unfinished runs end 'unreachable'.
CREATE TABLE job_runs (
    id                  uuid PRIMARY KEY,
    job_id              uuid NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    node_id             uuid NOT NULL,
    hostname            text NOT NULL,
    attempt             integer NOT NULL CHECK (attempt >= 1),
    batch               integer NOT NULL,
    status              text NOT NULL CHECK (status IN ('queued', 'sent', 'running', 'succeeded', 'failed',
                                                        'timed_out', 'cancelled', 'unreachable')),
    exit_code           integer,
    reason              text,
    recap               jsonb,
    -- The highest run_seq of the agent's updates stored so far (session.proto): an update is stored only when its
    -- run_seq is exactly last_seq + 1, in the same transaction that advances it, so none is recorded twice.
    last_seq            bigint NOT NULL DEFAULT 0,
    -- Bytes of output the run produced (whether or not all are kept, see run_output).
    output_bytes        bigint NOT NULL DEFAULT 0,
    cancel_requested    boolean NOT NULL DEFAULT false,
    -- True once the agent reported the run's end. Until then a state the server set on its own (cancelled while the
    -- agent was away, unreachable) is provisional: the agent's own report, when it comes, replaces it.
    agent_finished      boolean NOT NULL DEFAULT false,
    -- True once a retry (attempt + 1) of this run exists: the API and the engine look at the latest attempts only,
    -- and a flag is far cheaper to filter on than "no later attempt exists" for every row of a large job.
    superseded          boolean NOT NULL DEFAULT false,
    created_at          timestamptz NOT NULL,
    sent_at             timestamptz,
    started_at          timestamptz,
    finished_at         timestamptz,
    UNIQUE (job_id, node_id, attempt)
);
CREATE INDEX job_runs_node_pending_idx ON job_runs (node_id) WHERE status IN ('queued', 'sent', 'running');
CREATE INDEX job_runs_node_idx ON job_runs (node_id, created_at DESC);

-- Output in the chunks it arrived in. byte_offset is the chunk's position in the run's whole output, so the
-- bounded storage (the first and the last N bytes, see octofleet.jobs.output) shows as a gap between offsets.
CREATE TABLE run_output (
    run_id      uuid NOT NULL REFERENCES job_runs (id) ON DELETE CASCADE,
    seq         bigint NOT NULL,
    stream      text NOT NULL CHECK (stream IN ('stdout', 'stderr')),
    byte_offset bigint NOT NULL,
    data        bytea NOT NULL,
    at          timestamptz NOT NULL,
    PRIMARY KEY (run_id, seq)
);

-- Structured events (Ansible task results).
CREATE TABLE run_events (
    run_id      uuid NOT NULL REFERENCES job_runs (id) ON DELETE CASCADE,
    seq         bigint NOT NULL,
    kind        text NOT NULL,
    task        text NOT NULL,
    host        text,
    message     text,
    at          timestamptz NOT NULL,
    PRIMARY KEY (run_id, seq)
);
