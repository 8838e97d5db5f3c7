-- Applications (pratiche): drafts, submissions registered in the protocol, their
-- files, history and messages.

CREATE TABLE applications (
    tenant_id          BIGINT NOT NULL REFERENCES tenants (id),
    id                 BIGINT GENERATED ALWAYS AS IDENTITY,
    code               TEXT NOT NULL,
    card_id            BIGINT NOT NULL,
    card_slug          TEXT NOT NULL,
    card_title         TEXT NOT NULL,
    category           TEXT NOT NULL,
    form_key           TEXT NOT NULL,
    form_version_id    BIGINT NOT NULL,
    citizen_id         BIGINT NOT NULL,
    applicant_name     TEXT NOT NULL,
    applicant_fc       TEXT NOT NULL,
    applicant_email    TEXT NOT NULL DEFAULT '',
    company_name       TEXT NOT NULL DEFAULT '',
    company_vat        TEXT NOT NULL DEFAULT '',
    company_legal_rep  BOOLEAN NOT NULL DEFAULT FALSE,
    status             TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'registered', 'taken_in_charge',
                           'integration_requested', 'integration_submitted', 'accepted', 'rejected', 'withdrawn')),
    step               TEXT NOT NULL DEFAULT '',
    office_id          BIGINT NOT NULL,
    assignee_id        BIGINT REFERENCES accounts (id),
    max_response_days  INTEGER NOT NULL DEFAULT 0,
    allows_withdrawal  BOOLEAN NOT NULL DEFAULT FALSE,
    protocol_number    TEXT NOT NULL DEFAULT '',
    protocol_at        TIMESTAMPTZ,
    submitted_at       TIMESTAMPTZ,
    due_at             TIMESTAMPTZ,
    suspended_at       TIMESTAMPTZ,
    decided_at         TIMESTAMPTZ,
    created_at         TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, id),
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
    tenant_id      BIGINT NOT NULL REFERENCES tenants (id),
    application_id BIGINT NOT NULL,
    answers        TEXT NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, application_id),
    FOREIGN KEY (tenant_id, application_id) REFERENCES applications (tenant_id, id) ON DELETE CASCADE
);

-- One row per submitted leg (the application, then each integration): never changed.
CREATE TABLE application_submissions (
    tenant_id        BIGINT NOT NULL REFERENCES tenants (id),
    id               BIGINT GENERATED ALWAYS AS IDENTITY,
    application_id   BIGINT NOT NULL,
    kind             TEXT NOT NULL CHECK (kind IN ('submission', 'integration')),
    answers          TEXT NOT NULL,
    form_version_id  BIGINT NOT NULL,
    protocol_id      BIGINT NOT NULL,
    protocol_number  TEXT NOT NULL,
    at               TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, application_id) REFERENCES applications (tenant_id, id)
);
CREATE INDEX application_submissions_app ON application_submissions (tenant_id, application_id, id);
CREATE FUNCTION application_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is immutable', TG_TABLE_NAME;
END;
$$;
CREATE TRIGGER application_submissions_no_change BEFORE UPDATE OR DELETE ON application_submissions
    FOR EACH ROW EXECUTE FUNCTION application_immutable();
CREATE TRIGGER application_submissions_no_truncate BEFORE TRUNCATE ON application_submissions
    FOR EACH STATEMENT EXECUTE FUNCTION application_immutable();

-- Files: the citizen's attachments (free while in a draft, frozen once submitted)
-- and the documents the office produces (frozen at once).
CREATE TABLE application_files (
    tenant_id        BIGINT NOT NULL REFERENCES tenants (id),
    id               BIGINT GENERATED ALWAYS AS IDENTITY,
    application_id   BIGINT NOT NULL,
    public_id        TEXT NOT NULL,
    kind             TEXT NOT NULL CHECK (kind IN ('attachment', 'outcome', 'request')),
    field            TEXT NOT NULL DEFAULT '',
    name             TEXT NOT NULL,
    type             TEXT NOT NULL,
    size             BIGINT NOT NULL,
    sha256           TEXT NOT NULL,
    blob_key         TEXT NOT NULL,
    submission_id    BIGINT,
    created_at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, public_id),
    FOREIGN KEY (tenant_id, application_id) REFERENCES applications (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, submission_id) REFERENCES application_submissions (tenant_id, id)
);
CREATE INDEX application_files_app ON application_files (tenant_id, application_id);
CREATE FUNCTION application_files_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.submission_id IS NOT NULL OR OLD.kind <> 'attachment' THEN
        RAISE EXCEPTION 'submitted files are immutable';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER application_files_frozen BEFORE UPDATE OR DELETE ON application_files
    FOR EACH ROW EXECUTE FUNCTION application_files_frozen();

-- The history: every transition with who, when and why. Append-only.
CREATE TABLE application_events (
    tenant_id        BIGINT NOT NULL REFERENCES tenants (id),
    id               BIGINT GENERATED ALWAYS AS IDENTITY,
    application_id   BIGINT NOT NULL,
    at               TIMESTAMPTZ NOT NULL,
    actor_kind       TEXT NOT NULL CHECK (actor_kind IN ('citizen', 'staff', 'system')),
    actor_id         BIGINT NOT NULL DEFAULT 0,
    actor_name       TEXT NOT NULL DEFAULT '',
    from_status      TEXT NOT NULL,
    to_status        TEXT NOT NULL,
    note             TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, application_id) REFERENCES applications (tenant_id, id)
);
CREATE INDEX application_events_app ON application_events (tenant_id, application_id, id);
CREATE TRIGGER application_events_no_change BEFORE UPDATE OR DELETE ON application_events
    FOR EACH ROW EXECUTE FUNCTION application_immutable();
CREATE TRIGGER application_events_no_truncate BEFORE TRUNCATE ON application_events
    FOR EACH STATEMENT EXECUTE FUNCTION application_immutable();

-- Messages between the citizen and the office, and the office's internal notes.
CREATE TABLE application_messages (
    tenant_id        BIGINT NOT NULL REFERENCES tenants (id),
    id               BIGINT GENERATED ALWAYS AS IDENTITY,
    application_id   BIGINT NOT NULL,
    at               TIMESTAMPTZ NOT NULL,
    author_kind      TEXT NOT NULL CHECK (author_kind IN ('citizen', 'staff')),
    author_id        BIGINT NOT NULL,
    author_name      TEXT NOT NULL,
    body             TEXT NOT NULL,
    internal         BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, application_id) REFERENCES applications (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX application_messages_app ON application_messages (tenant_id, application_id, id);
