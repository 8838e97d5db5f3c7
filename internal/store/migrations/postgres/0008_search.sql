-- The site search index: one row per published document of a tenant, with a
-- tsvector of tokens analysed in Go (search.Terms: Snowball Italian stems, accents
-- folded — the same analysis SQLite uses) and prefixed with the tenant
-- (search.Tokens), so a GIN lookup only ever reads one tenant's entries.
CREATE TABLE search_docs (
    tenant_id    BIGINT NOT NULL REFERENCES tenants (id),
    id           BIGINT GENERATED ALWAYS AS IDENTITY,
    kind         TEXT NOT NULL,
    ref_id       TEXT NOT NULL,
    title        TEXT NOT NULL,
    summary      TEXT NOT NULL DEFAULT '',
    body         TEXT NOT NULL DEFAULT '',
    url          TEXT NOT NULL,
    topics       TEXT NOT NULL DEFAULT '',   -- space-separated topic slugs
    published_at TIMESTAMPTZ NOT NULL,
    lang         TEXT NOT NULL DEFAULT 'it',
    tokens       TSVECTOR NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, kind, ref_id)
);
CREATE INDEX search_docs_tokens ON search_docs USING GIN (tokens);
