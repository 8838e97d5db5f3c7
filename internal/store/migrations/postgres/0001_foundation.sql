-- Foundation schema: tenants, accounts, offices, citizens, sessions, audit, jobs.
--
-- Tenant-owned tables have tenant_id leading the primary key and every unique index,
-- so they can later be distributed by tenant (Citus); foreign keys between them use
-- (tenant_id, id), so a row can never point into another tenant. Platform tables
-- (the directory of tenants and people, sessions, jobs) are not distributed.

CREATE TABLE platform_settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE tenants (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug                TEXT NOT NULL UNIQUE,
    name                TEXT NOT NULL,
    kind                TEXT NOT NULL CHECK (kind IN ('comune', 'unione')),
    ipa_code            TEXT NOT NULL DEFAULT '',
    istat_code          TEXT NOT NULL DEFAULT '',
    fiscal_code         TEXT NOT NULL DEFAULT '',
    province            TEXT NOT NULL DEFAULT '',
    region              TEXT NOT NULL DEFAULT '',
    primary_color       TEXT NOT NULL DEFAULT '#0066CC',
    coat_of_arms_key    TEXT NOT NULL DEFAULT '',
    coat_of_arms_type   TEXT NOT NULL DEFAULT '',
    coat_of_arms_sha256 TEXT NOT NULL DEFAULT '',
    address             TEXT NOT NULL DEFAULT '',
    pec                 TEXT NOT NULL DEFAULT '',
    email               TEXT NOT NULL DEFAULT '',
    phone               TEXT NOT NULL DEFAULT '',
    opening_hours       TEXT NOT NULL DEFAULT '',
    social_links        JSONB NOT NULL DEFAULT '[]',
    modules             JSONB NOT NULL DEFAULT '[]',
    accessibility_url   TEXT NOT NULL DEFAULT '',
    status              TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
    status_note         TEXT NOT NULL DEFAULT '',
    require_totp        BOOLEAN NOT NULL DEFAULT FALSE,
    version             BIGINT NOT NULL DEFAULT 1,
    created_at          TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL
);

CREATE TABLE tenant_hosts (
    host      TEXT PRIMARY KEY,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    kind      TEXT NOT NULL CHECK (kind IN ('site', 'services', 'alias'))
);
CREATE INDEX tenant_hosts_tenant ON tenant_hosts (tenant_id);
CREATE UNIQUE INDEX tenant_hosts_one_site ON tenant_hosts (tenant_id) WHERE kind = 'site';
CREATE UNIQUE INDEX tenant_hosts_one_services ON tenant_hosts (tenant_id) WHERE kind = 'services';

CREATE TABLE tenant_oidc (
    tenant_id         BIGINT PRIMARY KEY REFERENCES tenants (id),
    enabled           BOOLEAN NOT NULL DEFAULT TRUE,
    issuer_url        TEXT NOT NULL,
    client_id         TEXT NOT NULL,
    client_secret_enc TEXT NOT NULL DEFAULT '',
    scopes            TEXT NOT NULL DEFAULT 'openid profile email',
    claim_fiscal_code TEXT NOT NULL,
    claim_given_name  TEXT NOT NULL,
    claim_family_name TEXT NOT NULL,
    claim_email       TEXT NOT NULL,
    claim_phone       TEXT NOT NULL,
    claim_level       TEXT NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL
);

CREATE TABLE accounts (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email               TEXT NOT NULL UNIQUE,
    name                TEXT NOT NULL,
    password_hash       TEXT NOT NULL DEFAULT '',
    password_changed_at TIMESTAMPTZ,
    totp_secret_enc     TEXT NOT NULL DEFAULT '',
    totp_enabled        BOOLEAN NOT NULL DEFAULT FALSE,
    totp_last_step      BIGINT NOT NULL DEFAULT 0,
    platform_operator   BOOLEAN NOT NULL DEFAULT FALSE,
    disabled            BOOLEAN NOT NULL DEFAULT FALSE,
    locked_until        TIMESTAMPTZ,
    created_at          TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL
);

CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    tenant_id    BIGINT NOT NULL, -- 0: the platform console
    kind         TEXT NOT NULL CHECK (kind IN ('anonymous', 'staff', 'citizen', 'platform')),
    account_id   BIGINT REFERENCES accounts (id),
    citizen_id   BIGINT,
    data         JSONB NOT NULL DEFAULT '{}',
    ip           TEXT NOT NULL DEFAULT '',
    user_agent   TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);
CREATE INDEX sessions_citizen ON sessions (tenant_id, citizen_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE auth_attempts (
    id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id BIGINT NOT NULL, -- 0: the platform console
    email     TEXT NOT NULL,
    ip        TEXT NOT NULL,
    kind      TEXT NOT NULL,
    success   BOOLEAN NOT NULL,
    at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX auth_attempts_email ON auth_attempts (email, at);
CREATE INDEX auth_attempts_ip ON auth_attempts (ip, at);

CREATE TABLE password_resets (
    token_hash TEXT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    tenant_id  BIGINT NOT NULL, -- where it was asked for; 0: the platform console
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ
);
CREATE INDEX password_resets_account ON password_resets (account_id);

CREATE TABLE jobs (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id    BIGINT NOT NULL DEFAULT 0,
    kind         TEXT NOT NULL,
    payload      JSONB NOT NULL DEFAULT '{}',
    state        TEXT NOT NULL DEFAULT 'available' CHECK (state IN ('available', 'running', 'done', 'failed')),
    priority     INTEGER NOT NULL DEFAULT 0,
    attempts     INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL DEFAULT 10,
    run_at       TIMESTAMPTZ NOT NULL,
    locked_until TIMESTAMPTZ,
    locked_by    TEXT NOT NULL DEFAULT '',
    last_error   TEXT NOT NULL DEFAULT '',
    unique_key   TEXT UNIQUE,
    created_at   TIMESTAMPTZ NOT NULL,
    finished_at  TIMESTAMPTZ
);
CREATE INDEX jobs_ready ON jobs (state, priority, run_at);

-- The audit log: append-only, enforced by triggers. tenant_id 0 holds platform actions.

CREATE TABLE audit_log (
    tenant_id   BIGINT NOT NULL,
    id          BIGINT GENERATED ALWAYS AS IDENTITY,
    at          TIMESTAMPTZ NOT NULL,
    actor_kind  TEXT NOT NULL,
    actor_id    BIGINT,
    actor_label TEXT NOT NULL DEFAULT '',
    action      TEXT NOT NULL,
    object_type TEXT NOT NULL DEFAULT '',
    object_id   TEXT NOT NULL DEFAULT '',
    detail      TEXT NOT NULL DEFAULT '',
    ip          TEXT NOT NULL DEFAULT '',
    user_agent  TEXT NOT NULL DEFAULT '',
    request_id  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX audit_log_tenant_at ON audit_log (tenant_id, at);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- Tenant-owned tables.

CREATE TABLE staff (
    tenant_id  BIGINT NOT NULL REFERENCES tenants (id),
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, account_id)
);
CREATE INDEX staff_account ON staff (account_id);

CREATE TABLE staff_roles (
    tenant_id  BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('admin', 'editor', 'operator', 'viewer')),
    PRIMARY KEY (tenant_id, account_id, role),
    FOREIGN KEY (tenant_id, account_id) REFERENCES staff (tenant_id, account_id) ON DELETE CASCADE
);

CREATE TABLE offices (
    tenant_id     BIGINT NOT NULL REFERENCES tenants (id),
    id            BIGINT GENERATED ALWAYS AS IDENTITY,
    slug          TEXT NOT NULL,
    name          TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    email         TEXT NOT NULL DEFAULT '',
    phone         TEXT NOT NULL DEFAULT '',
    address       TEXT NOT NULL DEFAULT '',
    opening_hours TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, slug)
);

CREATE TABLE office_members (
    tenant_id  BIGINT NOT NULL,
    office_id  BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, office_id, account_id),
    FOREIGN KEY (tenant_id, office_id) REFERENCES offices (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, account_id) REFERENCES staff (tenant_id, account_id) ON DELETE CASCADE
);

CREATE TABLE citizens (
    tenant_id     BIGINT NOT NULL REFERENCES tenants (id),
    id            BIGINT GENERATED ALWAYS AS IDENTITY,
    fiscal_code   TEXT NOT NULL,
    given_name    TEXT NOT NULL DEFAULT '',
    family_name   TEXT NOT NULL DEFAULT '',
    email         TEXT NOT NULL DEFAULT '',
    phone         TEXT NOT NULL DEFAULT '',
    language      TEXT NOT NULL DEFAULT 'it',
    notify_email  BOOLEAN NOT NULL DEFAULT TRUE,
    auth_level    TEXT NOT NULL DEFAULT '',
    last_login_at TIMESTAMPTZ,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, fiscal_code)
);
