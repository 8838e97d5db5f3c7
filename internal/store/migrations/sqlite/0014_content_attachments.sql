-- Files attached to a content item (a public document's files, a news item's
-- attachments): sniffed type, size and SHA-256; the bytes are in the blob store.
CREATE TABLE content_attachments (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id    INTEGER NOT NULL REFERENCES tenants (id),
    item_id      INTEGER NOT NULL,
    public_id    TEXT NOT NULL,
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    blob_key     TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    UNIQUE (tenant_id, public_id),
    FOREIGN KEY (tenant_id, item_id) REFERENCES content_items (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX content_attachments_item ON content_attachments (tenant_id, item_id);
