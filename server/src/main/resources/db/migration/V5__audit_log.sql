-- The audit log: who did what, from where, when, with what result. Append-only: PostgreSQL itself refuses UPDATE,
-- and DELETE is allowed only to the retention sweep, which says so for its own transaction
-- (SET LOCAL octofleet.audit_retention = 'on').
CREATE TABLE audit_log (
    id              bigserial PRIMARY KEY,
    at              timestamptz NOT NULL DEFAULT now(),
    -- the operator's username; 'anonymous' when the request carried no valid token
    actor           text NOT NULL,
    -- 'login', 'login_failed', 'logout', or the request as '<METHOD> <route template>', e.g. 'POST /api/v1/jobs'
    action          text NOT NULL,
    -- the request path (the object acted on), or the username tried for a login
    target          text,
    source_address  text,
    -- 'success' or 'failure'
    result          text NOT NULL CHECK (result IN ('success', 'failure')),
    http_status     integer,
    -- the problem detail of a refused change, or what else the action recorded
    details         text
);
CREATE INDEX audit_log_at_idx ON audit_log (at DESC, id DESC);
CREATE INDEX audit_log_actor_idx ON audit_log (actor, at DESC);
CREATE INDEX audit_log_action_idx ON audit_log (action, at DESC);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('octofleet.audit_retention', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP;
END;
$$;

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
