-- The website's structured content: news, events and places, their revisions,
-- the pictures editors upload and each tenant's map settings.

CREATE TABLE content_items (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id   INTEGER NOT NULL REFERENCES tenants (id),
    kind        TEXT NOT NULL CHECK (kind IN ('news', 'event', 'place')),
    news_type   TEXT NOT NULL DEFAULT '',
    slug        TEXT NOT NULL,
    title       TEXT NOT NULL,
    summary     TEXT NOT NULL,
    body        TEXT NOT NULL DEFAULT '',
    topics      TEXT NOT NULL,             -- space-separated topic slugs, with a space at each end
    status      TEXT NOT NULL CHECK (status IN ('draft', 'published')),
    publish_at  TEXT,
    expire_at   TEXT,
    starts_at   TEXT,                      -- events: first occurrence
    last_end    TEXT,                      -- events: end of the last occurrence, NULL when endless
    place_id    INTEGER,                   -- events: a place item of the same tenant
    latitude    REAL,                      -- places
    longitude   REAL,
    details     TEXT NOT NULL DEFAULT '{}', -- JSON of the kind's other fields
    revision    INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, kind, slug),
    FOREIGN KEY (tenant_id, place_id) REFERENCES content_items (tenant_id, id)
);
CREATE INDEX content_items_public ON content_items (tenant_id, kind, status, publish_at);
CREATE INDEX content_items_events ON content_items (tenant_id, kind, starts_at);

CREATE TABLE content_revisions (
    tenant_id   INTEGER NOT NULL REFERENCES tenants (id),
    item_id     INTEGER NOT NULL,
    number      INTEGER NOT NULL,
    action      TEXT NOT NULL,
    author      TEXT NOT NULL,
    snapshot    TEXT NOT NULL,             -- JSON of the item as saved
    created_at  TEXT NOT NULL,
    PRIMARY KEY (tenant_id, item_id, number),
    FOREIGN KEY (tenant_id, item_id) REFERENCES content_items (tenant_id, id) ON DELETE CASCADE
);
-- Revisions are immutable: they go only with their item.
CREATE TRIGGER content_revisions_immutable BEFORE UPDATE ON content_revisions
BEGIN
    SELECT RAISE(ABORT, 'content revisions are immutable');
END;

CREATE TABLE content_images (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id     INTEGER NOT NULL REFERENCES tenants (id),
    public_id     TEXT NOT NULL,
    blob_key      TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    sha256        TEXT NOT NULL,
    size          INTEGER NOT NULL,
    alt           TEXT NOT NULL,
    name          TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL,
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, public_id)
);

CREATE TABLE content_settings (
    tenant_id        INTEGER NOT NULL PRIMARY KEY REFERENCES tenants (id),
    map_tile_url     TEXT NOT NULL,
    map_attribution  TEXT NOT NULL
);
