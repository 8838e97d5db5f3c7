-- Applications (pratiche): drafts, submissions registered in the protocol, their
-- files, history and messages.

CREATE TABLE applications (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id          INTEGER NOT NULL REFERENCES tenants (id),
    code               TEXT NOT NULL,
    card_id            INTEGER NOT NULL,
    card_slug          TEXT NOT NULL,
    card_title         TEXT NOT NULL,
    category           TEXT NOT NULL,
    form_key           TEXT NOT NULL,
    form_version_id    INTEGER NOT NULL,
    citizen_id         INTEGER NOT NULL,
    applicant_name     TEXT NOT NULL,
    applicant_fc       TEXT NOT NULL,
    applicant_email    TEXT NOT NULL DEFAULT '',
    company_name       TEXT NOT NULL DEFAULT '',
    company_vat        TEXT NOT NULL DEFAULT '',
    company_legal_rep  INTEGER NOT NULL DEFAULT 0,
    status             TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'registered', 'taken_in_charge',
                           'integration_requested', 'integration_submitted', 'accepted', 'rejected', 'withdrawn')),
    step               TEXT NOT NULL DEFAULT '',
    office_id          INTEGER NOT NULL,
    assignee_id        INTEGER REFERENCES accounts (id),
    max_response_days  INTEGER NOT NULL DEFAULT 0,
    allows_withdrawal  INTEGER NOT NULL DEFAULT 0,
    protocol_number    TEXT NOT NULL DEFAULT '',
    protocol_at        TEXT,
    submitted_at       TEXT,
    due_at             TEXT,
    suspended_at       TEXT,
    decided_at         TEXT,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, code),
    FOREIGN KEY (tenant_id, citizen_id) REFERENCES citizens (tenant_id, id),
    FOREIGN KEY (tenant_id, office_id) REFERENCES offices (tenant_id, id),
    FOREIGN KEY (tenant_id, card_id) REFERENCES service_cards (tenant_id, id)
);
CREATE INDEX applications_citizen ON applications (tenant_id, citizen_id, updated_at);
CREATE INDEX applications_queue ON applications (tenant_id, office_id, status, due_at);
CREATE INDEX applications_drafts ON applications (status, updated_at);

-- The answers of a draft (or of an integration being prepared): the one mutable copy.
CREATE TABLE application_drafts (
    tenant_id      INTEGER NOT NULL REFERENCES tenants (id),
    application_id INTEGER NOT NULL,
    answers        TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    PRIMARY KEY (tenant_id, application_id),
    FOREIGN KEY (tenant_id, application_id) REFERENCES applications (tenant_id, id) ON DELETE CASCADE
);

-- One row per submitted leg (the application, then each integration): never changed.
CREATE TABLE application_submissions (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id        INTEGER NOT NULL REFERENCES tenants (id),
    application_id   INTEGER NOT NULL,
    kind             TEXT NOT NULL CHECK (kind IN ('submission', 'integration')),
    answers          TEXT NOT NULL,
    form_version_id  INTEGER NOT NULL,
    protocol_id      INTEGER NOT NULL,
    protocol_number  TEXT NOT NULL,
    at               TEXT NOT NULL,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, application_id) REFERENCES applications (tenant_id, id)
);
CREATE INDEX application_submissions_app ON application_submissions (tenant_id, application_id, id);
CREATE TRIGGER application_submissions_no_update BEFORE UPDATE ON application_submissions
BEGIN
    SELECT RAISE(ABORT, 'application_submissions are immutable');
END;
CREATE TRIGGER application_submissions_no_delete BEFORE DELETE ON application_submissions
BEGIN
    SELECT RAISE(ABORT, 'application_submissions are immutable');
END;

-- Files: the citizen's attachments (free while in a draft, frozen once submitted)
-- and the documents the office produces (frozen at once).
CREATE TABLE application_files (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id        INTEGER NOT NULL REFERENCES tenants (id),
    application_id   INTEGER NOT NULL,
    public_id        TEXT NOT NULL,
    kind             TEXT NOT NULL CHECK (kind IN ('attachment', 'outcome', 'request')),
    field            TEXT NOT NULL DEFAULT '',
    name             TEXT NOT NULL,
    type             TEXT NOT NULL,
    size             INTEGER NOT NULL,
    sha256           TEXT NOT NULL,
    blob_key         TEXT NOT NULL,
    submission_id    INTEGER,
    created_at       TEXT NOT NULL,
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, public_id),
    FOREIGN KEY (tenant_id, application_id) REFERENCES applications (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, submission_id) REFERENCES application_submissions (tenant_id, id)
);
CREATE INDEX application_files_app ON application_files (tenant_id, application_id);
CREATE TRIGGER application_files_frozen_update BEFORE UPDATE ON application_files
WHEN OLD.submission_id IS NOT NULL OR OLD.kind <> 'attachment'
BEGIN
    SELECT RAISE(ABORT, 'submitted files are immutable');
END;
CREATE TRIGGER application_files_frozen_delete BEFORE DELETE ON application_files
WHEN OLD.submission_id IS NOT NULL OR OLD.kind <> 'attachment'
BEGIN
    SELECT RAISE(ABORT, 'submitted files are immutable');
END;

-- The history: every transition with who, when and why. Append-only.
CREATE TABLE application_events (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id        INTEGER NOT NULL REFERENCES tenants (id),
    application_id   INTEGER NOT NULL,
    at               TEXT NOT NULL,
    actor_kind       TEXT NOT NULL CHECK (actor_kind IN ('citizen', 'staff', 'system')),
    actor_id         INTEGER NOT NULL DEFAULT 0,
    actor_name       TEXT NOT NULL DEFAULT '',
    from_status      TEXT NOT NULL,
    to_status        TEXT NOT NULL,
    note             TEXT NOT NULL DEFAULT '',
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, application_id) REFERENCES applications (tenant_id, id)
);
CREATE INDEX application_events_app ON application_events (tenant_id, application_id, id);
CREATE TRIGGER application_events_no_update BEFORE UPDATE ON application_events
BEGIN
    SELECT RAISE(ABORT, 'application_events is append-only');
END;
CREATE TRIGGER application_events_no_delete BEFORE DELETE ON application_events
BEGIN
    SELECT RAISE(ABORT, 'application_events is append-only');
END;

-- Messages between the citizen and the office, and the office's internal notes.
CREATE TABLE application_messages (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id        INTEGER NOT NULL REFERENCES tenants (id),
    application_id   INTEGER NOT NULL,
    at               TEXT NOT NULL,
    author_kind      TEXT NOT NULL CHECK (author_kind IN ('citizen', 'staff')),
    author_id        INTEGER NOT NULL,
    author_name      TEXT NOT NULL,
    body             TEXT NOT NULL,
    internal         INTEGER NOT NULL DEFAULT 0,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, application_id) REFERENCES applications (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX application_messages_app ON application_messages (tenant_id, application_id, id);
