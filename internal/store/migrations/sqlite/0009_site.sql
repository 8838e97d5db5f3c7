-- The Amministrazione section: people, administrative bodies, public documents
-- and FAQ become content kinds (news_type now holds every kind's type within the
-- kind: news type, person's section, body's type, document's type; starts_at
-- also holds a document's date), and offices get their competences.
--
-- SQLite cannot change a CHECK constraint, so content_items is rebuilt. Dropping
-- it would cascade to the revisions, so both tables are renamed first (renaming
-- the parent rewrites the children's references), copied into new tables, and
-- the old ones dropped children first.

ALTER TABLE content_revisions RENAME TO content_revisions_old;
ALTER TABLE content_items RENAME TO content_items_old;
DROP TRIGGER content_revisions_immutable;
DROP INDEX content_items_public;
DROP INDEX content_items_events;

CREATE TABLE content_items (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id   INTEGER NOT NULL REFERENCES tenants (id),
    kind        TEXT NOT NULL CHECK (kind IN ('news', 'event', 'place', 'person', 'organisation', 'document', 'faq')),
    news_type   TEXT NOT NULL DEFAULT '',  -- the type within the kind (content.Item.Type)
    slug        TEXT NOT NULL,
    title       TEXT NOT NULL,
    summary     TEXT NOT NULL,
    body        TEXT NOT NULL DEFAULT '',
    topics      TEXT NOT NULL,             -- space-separated topic slugs, with a space at each end
    status      TEXT NOT NULL CHECK (status IN ('draft', 'published')),
    publish_at  TEXT,
    expire_at   TEXT,
    starts_at   TEXT,                      -- events: first occurrence; documents: their date
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
INSERT INTO content_items SELECT * FROM content_items_old;

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
INSERT INTO content_revisions SELECT * FROM content_revisions_old;
DROP TABLE content_revisions_old;
DROP TABLE content_items_old;

CREATE INDEX content_items_public ON content_items (tenant_id, kind, status, publish_at);
CREATE INDEX content_items_events ON content_items (tenant_id, kind, starts_at);
-- Revisions are immutable: they go only with their item.
CREATE TRIGGER content_revisions_immutable BEFORE UPDATE ON content_revisions
BEGIN
    SELECT RAISE(ABORT, 'content revisions are immutable');
END;

ALTER TABLE offices ADD COLUMN competences TEXT NOT NULL DEFAULT '';
