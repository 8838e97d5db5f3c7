-- What a search filters and counts on, apart from the texts: one narrow row per
-- document, clustered by tenant (WITHOUT ROWID, keyed by tenant then id), so that
-- checking and counting the thousands of matches of a common word reads a few
-- of the tenant's pages instead of one wide search_docs row (and page) each.
-- Documents can also expire now: content with an expiry date leaves the results then.
CREATE TABLE search_meta (
    tenant_id    INTEGER NOT NULL,
    id           INTEGER NOT NULL,   -- search_docs.id, the search_fts rowid
    kind         TEXT NOT NULL,
    topics       TEXT NOT NULL DEFAULT '',
    published_at TEXT NOT NULL,
    expires_at   TEXT,
    PRIMARY KEY (tenant_id, id)
) WITHOUT ROWID;

INSERT INTO search_meta (tenant_id, id, kind, topics, published_at)
    SELECT tenant_id, id, kind, topics, published_at FROM search_docs;
