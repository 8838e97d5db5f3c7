-- The protocol register (DPR 445/2000 art. 53 and 57): one register per tenant,
-- numbers progressive per calendar year (Europe/Rome). Records, their documents and
-- the daily registers are append-only: triggers refuse UPDATE, DELETE and TRUNCATE.

CREATE TABLE protocol_counters (
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    year      INTEGER NOT NULL,
    last      BIGINT NOT NULL,               -- the last number used in the year
    PRIMARY KEY (tenant_id, year)
);

CREATE TABLE protocol_records (
    tenant_id      BIGINT NOT NULL REFERENCES tenants (id),
    id             BIGINT GENERATED ALWAYS AS IDENTITY,
    year           INTEGER NOT NULL,
    number         BIGINT NOT NULL CHECK (number > 0),
    registered_at  TIMESTAMPTZ NOT NULL,
    direction      TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    correspondent  TEXT NOT NULL,
    subject        TEXT NOT NULL,
    application_id BIGINT,                   -- the application it belongs to, if any
    corrects_id    BIGINT,                   -- the record this one annotates, if any
    note           TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, year, number),
    FOREIGN KEY (tenant_id, corrects_id) REFERENCES protocol_records (tenant_id, id)
);
CREATE INDEX protocol_records_at ON protocol_records (tenant_id, registered_at);
CREATE INDEX protocol_records_application ON protocol_records (tenant_id, application_id);
CREATE INDEX protocol_records_corrects ON protocol_records (tenant_id, corrects_id);

CREATE TABLE protocol_documents (
    tenant_id BIGINT NOT NULL,
    record_id BIGINT NOT NULL,
    position  INTEGER NOT NULL,
    name      TEXT NOT NULL,
    sha256    TEXT NOT NULL CHECK (length(sha256) = 64),
    size      BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, record_id, position),
    FOREIGN KEY (tenant_id, record_id) REFERENCES protocol_records (tenant_id, id)
);

-- The daily registers produced (registro giornaliero), one per tenant and day.
CREATE TABLE protocol_daily (
    tenant_id    BIGINT NOT NULL REFERENCES tenants (id),
    day          TEXT NOT NULL,              -- YYYY-MM-DD in Europe/Rome
    records      INTEGER NOT NULL,
    first_number TEXT NOT NULL DEFAULT '',   -- signatures of the first and last record
    last_number  TEXT NOT NULL DEFAULT '',
    pdf_key      TEXT NOT NULL,
    pdf_sha256   TEXT NOT NULL,
    pdf_size     BIGINT NOT NULL,
    csv_key      TEXT NOT NULL,
    csv_sha256   TEXT NOT NULL,
    csv_size     BIGINT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, day)
);

CREATE FUNCTION protocol_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is immutable', TG_TABLE_NAME;
END;
$$;
CREATE TRIGGER protocol_records_no_change BEFORE UPDATE OR DELETE ON protocol_records
    FOR EACH ROW EXECUTE FUNCTION protocol_immutable();
CREATE TRIGGER protocol_records_no_truncate BEFORE TRUNCATE ON protocol_records
    FOR EACH STATEMENT EXECUTE FUNCTION protocol_immutable();
CREATE TRIGGER protocol_documents_no_change BEFORE UPDATE OR DELETE ON protocol_documents
    FOR EACH ROW EXECUTE FUNCTION protocol_immutable();
CREATE TRIGGER protocol_documents_no_truncate BEFORE TRUNCATE ON protocol_documents
    FOR EACH STATEMENT EXECUTE FUNCTION protocol_immutable();
CREATE TRIGGER protocol_daily_no_change BEFORE UPDATE OR DELETE ON protocol_daily
    FOR EACH ROW EXECUTE FUNCTION protocol_immutable();
CREATE TRIGGER protocol_daily_no_truncate BEFORE TRUNCATE ON protocol_daily
    FOR EACH STATEMENT EXECUTE FUNCTION protocol_immutable();
