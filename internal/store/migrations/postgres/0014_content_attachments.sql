-- Files attached to a content item (a public document's files, a news item's
-- attachments): sniffed type, size and SHA-256; the bytes are in the blob store.
CREATE TABLE content_attachments (
    tenant_id    BIGINT NOT NULL REFERENCES tenants (id),
    id           BIGINT GENERATED ALWAYS AS IDENTITY,
    item_id      BIGINT NOT NULL,
    public_id    TEXT NOT NULL,
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    blob_key     TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, public_id),
    FOREIGN KEY (tenant_id, item_id) REFERENCES content_items (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX content_attachments_item ON content_attachments (tenant_id, item_id);
