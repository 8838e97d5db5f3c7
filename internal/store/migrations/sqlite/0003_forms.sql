-- Versions of the tenants' form definitions. A key has at most one draft and one
-- live version (the partial unique indexes); live and retired versions never change.

CREATE TABLE form_versions (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id        INTEGER NOT NULL REFERENCES tenants (id),
    key              TEXT NOT NULL,
    number           INTEGER NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('draft', 'live', 'retired')),
    json             TEXT NOT NULL,
    created_by       INTEGER REFERENCES accounts (id),
    created_by_name  TEXT NOT NULL DEFAULT '',
    created_at       TEXT NOT NULL,
    published_at     TEXT,
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, key, number)
);
CREATE UNIQUE INDEX form_versions_one_draft ON form_versions (tenant_id, key) WHERE status = 'draft';
CREATE UNIQUE INDEX form_versions_one_live ON form_versions (tenant_id, key) WHERE status = 'live';
