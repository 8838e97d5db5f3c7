-- Foundation schema: tenants, accounts, offices, citizens, sessions, audit, jobs.
--
-- Times are TEXT in UTC with fixed-width microseconds (2006-01-02T15:04:05.000000Z),
-- so comparing the text compares the times. Booleans are INTEGER 0/1. JSON is TEXT.
-- Tenant-owned tables carry tenant_id and a UNIQUE (tenant_id, id), so that other
-- tables can reference (tenant_id, id) and a row can never point into another tenant.

-- Platform tables: the directory of tenants and people, and process plumbing.

CREATE TABLE platform_settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE tenants (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
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
    social_links        TEXT NOT NULL DEFAULT '[]',
    modules             TEXT NOT NULL DEFAULT '[]',
    accessibility_url   TEXT NOT NULL DEFAULT '',
    status              TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
    status_note         TEXT NOT NULL DEFAULT '',
    require_totp        INTEGER NOT NULL DEFAULT 0,
    version             INTEGER NOT NULL DEFAULT 1,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);

CREATE TABLE tenant_hosts (
    host      TEXT PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    kind      TEXT NOT NULL CHECK (kind IN ('site', 'services', 'alias'))
);
CREATE INDEX tenant_hosts_tenant ON tenant_hosts (tenant_id);
CREATE UNIQUE INDEX tenant_hosts_one_site ON tenant_hosts (tenant_id) WHERE kind = 'site';
CREATE UNIQUE INDEX tenant_hosts_one_services ON tenant_hosts (tenant_id) WHERE kind = 'services';

CREATE TABLE tenant_oidc (
    tenant_id         INTEGER PRIMARY KEY REFERENCES tenants (id),
    enabled           INTEGER NOT NULL DEFAULT 1,
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
    updated_at        TEXT NOT NULL
);

CREATE TABLE accounts (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    email               TEXT NOT NULL UNIQUE,
    name                TEXT NOT NULL,
    password_hash       TEXT NOT NULL DEFAULT '',
    password_changed_at TEXT,
    totp_secret_enc     TEXT NOT NULL DEFAULT '',
    totp_enabled        INTEGER NOT NULL DEFAULT 0,
    totp_last_step      INTEGER NOT NULL DEFAULT 0,
    platform_operator   INTEGER NOT NULL DEFAULT 0,
    disabled            INTEGER NOT NULL DEFAULT 0,
    locked_until        TEXT,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);

CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    tenant_id    INTEGER NOT NULL, -- 0: the platform console
    kind         TEXT NOT NULL CHECK (kind IN ('anonymous', 'staff', 'citizen', 'platform')),
    account_id   INTEGER REFERENCES accounts (id),
    citizen_id   INTEGER,
    data         TEXT NOT NULL DEFAULT '{}',
    ip           TEXT NOT NULL DEFAULT '',
    user_agent   TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at   TEXT NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);
CREATE INDEX sessions_citizen ON sessions (tenant_id, citizen_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE auth_attempts (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id INTEGER NOT NULL, -- 0: the platform console
    email     TEXT NOT NULL,
    ip        TEXT NOT NULL,
    kind      TEXT NOT NULL,
    success   INTEGER NOT NULL,
    at        TEXT NOT NULL
);
CREATE INDEX auth_attempts_email ON auth_attempts (email, at);
CREATE INDEX auth_attempts_ip ON auth_attempts (ip, at);

CREATE TABLE password_resets (
    token_hash TEXT PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    tenant_id  INTEGER NOT NULL, -- where it was asked for; 0: the platform console
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT
);
CREATE INDEX password_resets_account ON password_resets (account_id);

CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id    INTEGER NOT NULL DEFAULT 0,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL DEFAULT '{}',
    state        TEXT NOT NULL DEFAULT 'available' CHECK (state IN ('available', 'running', 'done', 'failed')),
    priority     INTEGER NOT NULL DEFAULT 0,
    attempts     INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL DEFAULT 10,
    run_at       TEXT NOT NULL,
    locked_until TEXT,
    locked_by    TEXT NOT NULL DEFAULT '',
    last_error   TEXT NOT NULL DEFAULT '',
    unique_key   TEXT UNIQUE,
    created_at   TEXT NOT NULL,
    finished_at  TEXT
);
CREATE INDEX jobs_ready ON jobs (state, priority, run_at);

-- The audit log: append-only. tenant_id 0 holds platform actions.

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id   INTEGER NOT NULL,
    at          TEXT NOT NULL,
    actor_kind  TEXT NOT NULL,
    actor_id    INTEGER,
    actor_label TEXT NOT NULL DEFAULT '',
    action      TEXT NOT NULL,
    object_type TEXT NOT NULL DEFAULT '',
    object_id   TEXT NOT NULL DEFAULT '',
    detail      TEXT NOT NULL DEFAULT '',
    ip          TEXT NOT NULL DEFAULT '',
    user_agent  TEXT NOT NULL DEFAULT '',
    request_id  TEXT NOT NULL DEFAULT '',
    UNIQUE (tenant_id, id)
);
CREATE INDEX audit_log_tenant_at ON audit_log (tenant_id, at);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

-- Tenant-owned tables.

CREATE TABLE staff (
    tenant_id  INTEGER NOT NULL REFERENCES tenants (id),
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    created_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, account_id)
);
CREATE INDEX staff_account ON staff (account_id);

CREATE TABLE staff_roles (
    tenant_id  INTEGER NOT NULL,
    account_id INTEGER NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('admin', 'editor', 'operator', 'viewer')),
    PRIMARY KEY (tenant_id, account_id, role),
    FOREIGN KEY (tenant_id, account_id) REFERENCES staff (tenant_id, account_id) ON DELETE CASCADE
);

CREATE TABLE offices (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id     INTEGER NOT NULL REFERENCES tenants (id),
    slug          TEXT NOT NULL,
    name          TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    email         TEXT NOT NULL DEFAULT '',
    phone         TEXT NOT NULL DEFAULT '',
    address       TEXT NOT NULL DEFAULT '',
    opening_hours TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, slug)
);

CREATE TABLE office_members (
    tenant_id  INTEGER NOT NULL,
    office_id  INTEGER NOT NULL,
    account_id INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, office_id, account_id),
    FOREIGN KEY (tenant_id, office_id) REFERENCES offices (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, account_id) REFERENCES staff (tenant_id, account_id) ON DELETE CASCADE
);

CREATE TABLE citizens (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id     INTEGER NOT NULL REFERENCES tenants (id),
    fiscal_code   TEXT NOT NULL,
    given_name    TEXT NOT NULL DEFAULT '',
    family_name   TEXT NOT NULL DEFAULT '',
    email         TEXT NOT NULL DEFAULT '',
    phone         TEXT NOT NULL DEFAULT '',
    language      TEXT NOT NULL DEFAULT 'it',
    notify_email  INTEGER NOT NULL DEFAULT 1,
    auth_level    TEXT NOT NULL DEFAULT '',
    last_login_at TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, fiscal_code)
);
