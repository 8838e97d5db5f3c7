-- The protocol register (DPR 445/2000 art. 53 and 57): one register per tenant,
-- numbers progressive per calendar year (Europe/Rome). Records, their documents and
-- the daily registers are append-only: triggers refuse UPDATE and DELETE.

CREATE TABLE protocol_counters (
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    year      INTEGER NOT NULL,
    last      INTEGER NOT NULL,              -- the last number used in the year
    PRIMARY KEY (tenant_id, year)
);

CREATE TABLE protocol_records (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id      INTEGER NOT NULL REFERENCES tenants (id),
    year           INTEGER NOT NULL,
    number         INTEGER NOT NULL CHECK (number > 0),
    registered_at  TEXT NOT NULL,
    direction      TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    correspondent  TEXT NOT NULL,
    subject        TEXT NOT NULL,
    application_id INTEGER,                  -- the application it belongs to, if any
    corrects_id    INTEGER,                  -- the record this one annotates, if any
    note           TEXT NOT NULL DEFAULT '',
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, year, number),
    FOREIGN KEY (tenant_id, corrects_id) REFERENCES protocol_records (tenant_id, id)
);
CREATE INDEX protocol_records_at ON protocol_records (tenant_id, registered_at);
CREATE INDEX protocol_records_application ON protocol_records (tenant_id, application_id);
CREATE INDEX protocol_records_corrects ON protocol_records (tenant_id, corrects_id);

CREATE TABLE protocol_documents (
    tenant_id INTEGER NOT NULL,
    record_id INTEGER NOT NULL,
    position  INTEGER NOT NULL,
    name      TEXT NOT NULL,
    sha256    TEXT NOT NULL CHECK (length(sha256) = 64),
    size      INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, record_id, position),
    FOREIGN KEY (tenant_id, record_id) REFERENCES protocol_records (tenant_id, id)
);

-- The daily registers produced (registro giornaliero), one per tenant and day.
CREATE TABLE protocol_daily (
    tenant_id    INTEGER NOT NULL REFERENCES tenants (id),
    day          TEXT NOT NULL,              -- YYYY-MM-DD in Europe/Rome
    records      INTEGER NOT NULL,
    first_number TEXT NOT NULL DEFAULT '',   -- signatures of the first and last record
    last_number  TEXT NOT NULL DEFAULT '',
    pdf_key      TEXT NOT NULL,
    pdf_sha256   TEXT NOT NULL,
    pdf_size     INTEGER NOT NULL,
    csv_key      TEXT NOT NULL,
    csv_sha256   TEXT NOT NULL,
    csv_size     INTEGER NOT NULL,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (tenant_id, day)
);

CREATE TRIGGER protocol_records_no_update BEFORE UPDATE ON protocol_records
BEGIN
    SELECT RAISE(ABORT, 'protocol records are immutable');
END;
CREATE TRIGGER protocol_records_no_delete BEFORE DELETE ON protocol_records
BEGIN
    SELECT RAISE(ABORT, 'protocol records are immutable');
END;
CREATE TRIGGER protocol_documents_no_update BEFORE UPDATE ON protocol_documents
BEGIN
    SELECT RAISE(ABORT, 'protocol records are immutable');
END;
CREATE TRIGGER protocol_documents_no_delete BEFORE DELETE ON protocol_documents
BEGIN
    SELECT RAISE(ABORT, 'protocol records are immutable');
END;
CREATE TRIGGER protocol_daily_no_update BEFORE UPDATE ON protocol_daily
BEGIN
    SELECT RAISE(ABORT, 'daily registers are immutable');
END;
CREATE TRIGGER protocol_daily_no_delete BEFORE DELETE ON protocol_daily
BEGIN
    SELECT RAISE(ABORT, 'daily registers are immutable');
END;
