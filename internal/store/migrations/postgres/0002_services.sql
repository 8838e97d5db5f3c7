-- Service cards (schede servizio) of each tenant and the platform's shared catalogue.

-- Platform-wide: templates published by the consortium operator.
CREATE TABLE service_templates (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title            TEXT NOT NULL,
    category         TEXT NOT NULL,
    card             TEXT NOT NULL,              -- JSON of the card's content
    form_json        TEXT,                       -- JSON form definition, NULL without a form
    note             TEXT NOT NULL DEFAULT '',
    source_tenant_id BIGINT REFERENCES tenants (id),
    published_by     BIGINT REFERENCES accounts (id),
    published_at     TIMESTAMPTZ NOT NULL,
    withdrawn_at     TIMESTAMPTZ
);

CREATE TABLE service_cards (
    tenant_id          BIGINT NOT NULL REFERENCES tenants (id),
    id                 BIGINT GENERATED ALWAYS AS IDENTITY,
    slug               TEXT NOT NULL,
    title              TEXT NOT NULL,
    summary            TEXT NOT NULL,
    description        TEXT NOT NULL DEFAULT '',
    status             TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'scheduled')),
    status_reason      TEXT NOT NULL DEFAULT '',
    available_on       TIMESTAMPTZ,
    category           TEXT NOT NULL,
    topics             TEXT NOT NULL,            -- space-separated topic slugs
    audiences          TEXT NOT NULL,            -- space-separated audiences
    who_for            TEXT NOT NULL,
    how_to             TEXT NOT NULL,
    needed             TEXT NOT NULL,
    outcome            TEXT NOT NULL,
    timing             TEXT NOT NULL,
    access             TEXT NOT NULL,
    conditions         TEXT NOT NULL,
    office_id          BIGINT NOT NULL,
    costs              TEXT NOT NULL DEFAULT '',
    max_response_days  INTEGER NOT NULL DEFAULT 0,
    channel            TEXT NOT NULL CHECK (channel IN ('online', 'booking', 'in_person', 'external')),
    external_url       TEXT NOT NULL DEFAULT '',
    auth_level         TEXT NOT NULL,
    form_key           TEXT NOT NULL DEFAULT '',
    business           BOOLEAN NOT NULL DEFAULT FALSE,
    allows_withdrawal  BOOLEAN NOT NULL DEFAULT FALSE,
    max_upload_mb      INTEGER NOT NULL DEFAULT 0,
    published          BOOLEAN NOT NULL DEFAULT FALSE,
    published_at       TIMESTAMPTZ,
    template_id        BIGINT REFERENCES service_templates (id),
    created_at         TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, slug),
    FOREIGN KEY (tenant_id, office_id) REFERENCES offices (tenant_id, id)
);
CREATE INDEX service_cards_category ON service_cards (tenant_id, category, title);
CREATE INDEX service_cards_form ON service_cards (tenant_id, form_key);
