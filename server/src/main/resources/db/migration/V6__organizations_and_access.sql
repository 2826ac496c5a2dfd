-- Operators' side: organizations (tenants), roles made of permissions, role bindings, API tokens, auth sources
-- (LDAP / OIDC) with group mappings, pending OIDC logins. docs/auth.md describes the model.

-- A tenant. The one that exists from the first start is 'default' (a fixed id, so code and data agree on it).
CREATE TABLE organizations (
    id          uuid PRIMARY KEY,
    name        text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    description text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO organizations (id, name, description)
VALUES ('00000000-0000-0000-0000-000000000001', 'default', 'the organization that exists from the first start');

-- Every tenant-owned resource names its organization. Rows from before this migration belong to 'default'.
-- The column default only migrates existing rows: it is dropped at once, so code must always say which tenant.
ALTER TABLE nodes ADD COLUMN organization_id uuid NOT NULL
    DEFAULT '00000000-0000-0000-0000-000000000001' REFERENCES organizations (id);
ALTER TABLE nodes ALTER COLUMN organization_id DROP DEFAULT;
CREATE INDEX nodes_organization_idx ON nodes (organization_id);

ALTER TABLE enrollment_tokens ADD COLUMN organization_id uuid NOT NULL
    DEFAULT '00000000-0000-0000-0000-000000000001' REFERENCES organizations (id) ON DELETE CASCADE;
ALTER TABLE enrollment_tokens ALTER COLUMN organization_id DROP DEFAULT;

ALTER TABLE groups ADD COLUMN organization_id uuid NOT NULL
    DEFAULT '00000000-0000-0000-0000-000000000001' REFERENCES organizations (id);
ALTER TABLE groups ALTER COLUMN organization_id DROP DEFAULT;
ALTER TABLE groups DROP CONSTRAINT groups_name_key;
ALTER TABLE groups ADD CONSTRAINT groups_organization_name_key UNIQUE (organization_id, name);

-- Global parameters become per organization: (organization, group, node, key) is unique.
ALTER TABLE parameters ADD COLUMN organization_id uuid NOT NULL
    DEFAULT '00000000-0000-0000-0000-000000000001' REFERENCES organizations (id) ON DELETE CASCADE;
ALTER TABLE parameters ALTER COLUMN organization_id DROP DEFAULT;
ALTER TABLE parameters DROP CONSTRAINT parameters_owner_key;
ALTER TABLE parameters ADD CONSTRAINT parameters_owner_key
    UNIQUE NULLS NOT DISTINCT (organization_id, group_id, node_id, key);

ALTER TABLE schedules ADD COLUMN organization_id uuid NOT NULL
    DEFAULT '00000000-0000-0000-0000-000000000001' REFERENCES organizations (id);
ALTER TABLE schedules ALTER COLUMN organization_id DROP DEFAULT;
ALTER TABLE schedules DROP CONSTRAINT schedules_name_key;
ALTER TABLE schedules ADD CONSTRAINT schedules_organization_name_key UNIQUE (organization_id, name);

ALTER TABLE jobs ADD COLUMN organization_id uuid NOT NULL
    DEFAULT '00000000-0000-0000-0000-000000000001' REFERENCES organizations (id);
ALTER TABLE jobs ALTER COLUMN organization_id DROP DEFAULT;
CREATE INDEX jobs_organization_created_idx ON jobs (organization_id, created_at DESC, id);

-- Roles: named sets of permissions (docs/auth.md lists them). Built-in roles are seeded here and cannot be changed.
CREATE TABLE roles (
    id          uuid PRIMARY KEY,
    name        text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    description text NOT NULL DEFAULT '',
    permissions text[] NOT NULL,
    builtin     boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO roles (id, name, description, builtin, permissions) VALUES
('00000000-0000-0000-0000-00000000a001', 'admin', 'everything in the organization', true,
 ARRAY['nodes:read', 'nodes:write', 'groups:read', 'groups:write', 'parameters:read', 'parameters:write',
       'jobs:read', 'jobs:run', 'schedules:manage', 'enrollment:manage', 'users:manage', 'audit:read',
       'settings:manage']),
('00000000-0000-0000-0000-00000000a002', 'operator', 'runs the fleet: nodes, groups, parameters, jobs, enrollment',
 true,
 ARRAY['nodes:read', 'nodes:write', 'groups:read', 'groups:write', 'parameters:read', 'parameters:write',
       'jobs:read', 'jobs:run', 'schedules:manage', 'enrollment:manage']),
('00000000-0000-0000-0000-00000000a003', 'viewer', 'reads nodes, groups, parameters and jobs', true,
 ARRAY['nodes:read', 'groups:read', 'parameters:read', 'jobs:read']),
('00000000-0000-0000-0000-00000000a004', 'auditor', 'reads everything, including the audit log', true,
 ARRAY['nodes:read', 'groups:read', 'parameters:read', 'jobs:read', 'audit:read']);

-- Operators grow into users: local (password), service accounts (API tokens only) and directory/SSO users.
ALTER TABLE operators ALTER COLUMN password_hash DROP NOT NULL;
ALTER TABLE operators
    ADD COLUMN kind          text NOT NULL DEFAULT 'human' CHECK (kind IN ('human', 'service')),
    ADD COLUMN display_name  text NOT NULL DEFAULT '',
    ADD COLUMN email         text,
    ADD COLUMN disabled_at   timestamptz,
    -- null for local users; the auth source (LDAP or OIDC) the user comes from otherwise
    ADD COLUMN source_id     uuid,
    -- the user's identity in that source: the LDAP entry DN or the OIDC 'sub'
    ADD COLUMN external_id   text,
    ADD COLUMN updated_at    timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN last_login_at timestamptz,
    ADD CONSTRAINT operators_external_check CHECK ((source_id IS NULL) = (external_id IS NULL)),
    ADD CONSTRAINT operators_source_external_key UNIQUE (source_id, external_id);

-- Auth sources: LDAP/Active Directory directories and OIDC providers, tried in position order at login.
-- settings is the non-secret configuration; the bind password / client secret is sealed like a secret parameter.
CREATE TABLE auth_sources (
    id          uuid PRIMARY KEY,
    name        text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    type        text NOT NULL CHECK (type IN ('ldap', 'oidc')),
    enabled     boolean NOT NULL DEFAULT true,
    position    integer NOT NULL DEFAULT 0,
    settings    jsonb NOT NULL,
    ciphertext  bytea,
    key_id      text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CHECK ((ciphertext IS NULL) = (key_id IS NULL))
);
ALTER TABLE operators ADD CONSTRAINT operators_source_fk FOREIGN KEY (source_id)
    REFERENCES auth_sources (id) ON DELETE CASCADE;

-- Who holds which role where. organization_id null = every organization (a super-admin, the MSP case);
-- group_id narrows the binding to the nodes of one group of that organization.
-- origin 'manual' bindings are granted by hand; 'mapping' ones are derived from a source's group mappings at each
-- login (or sync) and replaced as a whole then; a mapping never touches a manual binding.
CREATE TABLE role_bindings (
    id              uuid PRIMARY KEY,
    user_id         uuid NOT NULL REFERENCES operators (id) ON DELETE CASCADE,
    role_id         uuid NOT NULL REFERENCES roles (id),
    organization_id uuid REFERENCES organizations (id) ON DELETE CASCADE,
    group_id        uuid REFERENCES groups (id) ON DELETE CASCADE,
    origin          text NOT NULL CHECK (origin IN ('manual', 'mapping')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (group_id IS NULL OR organization_id IS NOT NULL),
    CONSTRAINT role_bindings_key UNIQUE NULLS NOT DISTINCT (user_id, role_id, organization_id, group_id, origin)
);
CREATE INDEX role_bindings_user_idx ON role_bindings (user_id);

-- A directory group (LDAP DN or cn) or a claim value of a source → a role in an organization (or everywhere).
CREATE TABLE group_mappings (
    id              uuid PRIMARY KEY,
    source_id       uuid NOT NULL REFERENCES auth_sources (id) ON DELETE CASCADE,
    external_group  text NOT NULL CHECK (length(external_group) BETWEEN 1 AND 1024),
    role_id         uuid NOT NULL REFERENCES roles (id),
    organization_id uuid REFERENCES organizations (id) ON DELETE CASCADE,
    group_id        uuid REFERENCES groups (id) ON DELETE CASCADE,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (group_id IS NULL OR organization_id IS NOT NULL),
    CONSTRAINT group_mappings_key UNIQUE NULLS NOT DISTINCT (source_id, external_group, role_id, organization_id,
        group_id)
);

-- API tokens for automation: only a SHA-256 of the secret is kept. permissions is the scope (a subset of the
-- owner's); organization_id null = every organization the owner's bindings reach.
CREATE TABLE api_tokens (
    id              uuid PRIMARY KEY,
    user_id         uuid NOT NULL REFERENCES operators (id) ON DELETE CASCADE,
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    token_sha256    bytea NOT NULL UNIQUE,
    permissions     text[] NOT NULL,
    organization_id uuid REFERENCES organizations (id) ON DELETE CASCADE,
    created_by      text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    last_used_at    timestamptz,
    last_used_from  text,
    revoked_at      timestamptz
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);

-- Browser logins in flight at an OIDC provider, keyed by the 'state' sent there; any replica can finish them.
CREATE TABLE oidc_logins (
    state           text PRIMARY KEY,
    source_id       uuid NOT NULL REFERENCES auth_sources (id) ON DELETE CASCADE,
    nonce           text NOT NULL,
    code_verifier   text NOT NULL,
    redirect_uri    text NOT NULL,
    return_to       text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL
);

-- Sessions remember how they were made, so an OIDC logout can also end the provider's session.
ALTER TABLE operator_sessions ADD COLUMN source_id uuid REFERENCES auth_sources (id) ON DELETE CASCADE;
ALTER TABLE operator_sessions ADD COLUMN id_token text;

-- The audit log learns the organization an entry concerns (null: server-wide, e.g. logins, users, auth sources)
-- and before/after images for changes to settings and bindings.
ALTER TABLE audit_log ADD COLUMN organization_id uuid;
ALTER TABLE audit_log ADD COLUMN before jsonb;
ALTER TABLE audit_log ADD COLUMN after jsonb;
CREATE INDEX audit_log_organization_idx ON audit_log (organization_id, at DESC);

-- The first admin (created before roles existed) is an admin of every organization.
INSERT INTO role_bindings (id, user_id, role_id, organization_id, origin)
SELECT gen_random_uuid(), id, '00000000-0000-0000-0000-00000000a001', NULL, 'manual' FROM operators
WHERE username = 'admin';
