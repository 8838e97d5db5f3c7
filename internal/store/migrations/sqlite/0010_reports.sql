-- Citizens' reports of problems in the street (segnalazioni).
--
-- Categories are per tenant, each handled by one office; code is the Open311
-- service_code. Reports carry the reporter's contact details, which only staff
-- read. lat/lon are WGS 84 (NULL when the reporter gave only an address).
CREATE TABLE report_categories (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id   INTEGER NOT NULL REFERENCES tenants (id),
    code        TEXT NOT NULL,
    name        TEXT NOT NULL,
    name_en     TEXT NOT NULL DEFAULT '',
    group_name  TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    office_id   INTEGER NOT NULL,
    active      INTEGER NOT NULL DEFAULT 1,
    position    INTEGER NOT NULL DEFAULT 0,
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, code),
    FOREIGN KEY (tenant_id, office_id) REFERENCES offices (tenant_id, id)
);

CREATE TABLE reports (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id       INTEGER NOT NULL REFERENCES tenants (id),
    code            TEXT NOT NULL,
    category_id     INTEGER NOT NULL,
    office_id       INTEGER NOT NULL,
    status          TEXT NOT NULL,
    close_reason    TEXT NOT NULL DEFAULT '',
    subject         TEXT NOT NULL,
    description     TEXT NOT NULL,
    lat             REAL,
    lon             REAL,
    address         TEXT NOT NULL DEFAULT '',
    source          TEXT NOT NULL DEFAULT 'web',
    name            TEXT NOT NULL DEFAULT '',
    email           TEXT NOT NULL DEFAULT '',
    phone           TEXT NOT NULL DEFAULT '',
    citizen_id      INTEGER,
    lang            TEXT NOT NULL DEFAULT 'it',
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    first_answer_at TEXT,
    fixed_at        TEXT,
    closed_at       TEXT,
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, code),
    FOREIGN KEY (tenant_id, category_id) REFERENCES report_categories (tenant_id, id),
    FOREIGN KEY (tenant_id, office_id) REFERENCES offices (tenant_id, id),
    FOREIGN KEY (tenant_id, citizen_id) REFERENCES citizens (tenant_id, id)
);
-- Lists newest first (public list, Open311 GET requests, office queues) and the
-- map's viewport (latitude range first, then longitude).
CREATE INDEX reports_created ON reports (tenant_id, created_at);
CREATE INDEX reports_office ON reports (tenant_id, office_id, status, created_at);
CREATE INDEX reports_place ON reports (tenant_id, lat, lon);

-- The history of a report: status changes and answers (public) and internal notes.
CREATE TABLE report_updates (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id  INTEGER NOT NULL REFERENCES tenants (id),
    report_id  INTEGER NOT NULL,
    status     TEXT NOT NULL DEFAULT '',
    body       TEXT NOT NULL DEFAULT '',
    public     INTEGER NOT NULL,
    author_id  INTEGER REFERENCES accounts (id),
    created_at TEXT NOT NULL,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, report_id) REFERENCES reports (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX report_updates_report ON report_updates (tenant_id, report_id, created_at);

-- Photos: the re-encoded image and its thumbnail, both in the blob store.
CREATE TABLE report_photos (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id  INTEGER NOT NULL REFERENCES tenants (id),
    report_id  INTEGER NOT NULL,
    file_id    TEXT NOT NULL,
    blob_key   TEXT NOT NULL,
    thumb_key  TEXT NOT NULL,
    mime_type  TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    size       INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, file_id),
    FOREIGN KEY (tenant_id, report_id) REFERENCES reports (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX report_photos_report ON report_photos (tenant_id, report_id);
