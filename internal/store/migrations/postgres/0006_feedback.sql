-- Answers to the rating component ("valuta questa pagina") of the public pages.
CREATE TABLE page_feedback (
    tenant_id  BIGINT NOT NULL REFERENCES tenants (id),
    id         BIGINT GENERATED ALWAYS AS IDENTITY,
    path       TEXT NOT NULL,
    stars      INTEGER NOT NULL CHECK (stars BETWEEN 1 AND 5),
    answer     TEXT NOT NULL DEFAULT '',
    comment    TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX page_feedback_time ON page_feedback (tenant_id, created_at);
