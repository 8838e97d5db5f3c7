-- The site search index: one row per published document of a tenant, and an FTS5
-- index over tokens analysed in Go (search.Terms: Snowball Italian stems, accents
-- folded) and prefixed with the tenant (search.Tokens), so every tenant has its own
-- posting lists in the one index.
CREATE TABLE search_docs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id    INTEGER NOT NULL REFERENCES tenants (id),
    kind         TEXT NOT NULL,
    ref_id       TEXT NOT NULL,
    title        TEXT NOT NULL,
    summary      TEXT NOT NULL DEFAULT '',
    body         TEXT NOT NULL DEFAULT '',
    url          TEXT NOT NULL,
    topics       TEXT NOT NULL DEFAULT '',   -- space-separated topic slugs
    published_at TEXT NOT NULL,
    lang         TEXT NOT NULL DEFAULT 'it',
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, kind, ref_id)
);

-- Contentless: the text lives in search_docs; rowid = search_docs.id.
CREATE VIRTUAL TABLE search_fts USING fts5(title, body, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 0');
