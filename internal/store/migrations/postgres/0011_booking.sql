-- Appointment booking at the offices (prenotazione appuntamenti).
--
-- A calendar belongs to an office (one per office); the offices table itself is not
-- touched. Hours are JSON: seven lists (Sunday first, as time.Weekday) of
-- [from, to] minute ranges of Rome's wall clock.
CREATE TABLE booking_calendars (
    tenant_id      BIGINT NOT NULL REFERENCES tenants (id),
    office_id      BIGINT NOT NULL,
    enabled        BOOLEAN NOT NULL DEFAULT TRUE,
    slot_minutes   INTEGER NOT NULL CHECK (slot_minutes BETWEEN 5 AND 240),
    desks          INTEGER NOT NULL CHECK (desks BETWEEN 1 AND 50),
    min_days_ahead INTEGER NOT NULL DEFAULT 0,
    max_days_ahead INTEGER NOT NULL DEFAULT 60,
    hours          TEXT NOT NULL,
    topics         TEXT NOT NULL DEFAULT '[]',
    updated_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, office_id),
    FOREIGN KEY (tenant_id, office_id) REFERENCES offices (tenant_id, id) ON DELETE CASCADE
);

-- Per-tenant settings: the patron saint's day (month and day; 0 when none).
CREATE TABLE booking_settings (
    tenant_id    BIGINT NOT NULL PRIMARY KEY REFERENCES tenants (id),
    patron_month INTEGER NOT NULL DEFAULT 0,
    patron_day   INTEGER NOT NULL DEFAULT 0,
    patron_name  TEXT NOT NULL DEFAULT ''
);

-- Ad-hoc closures: one day of one office, or of every office (office_id NULL).
CREATE TABLE booking_closures (
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    id        BIGINT GENERATED ALWAYS AS IDENTITY,
    office_id BIGINT,
    day       TEXT NOT NULL,
    reason    TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, office_id) REFERENCES offices (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX booking_closures_day ON booking_closures (tenant_id, day);

-- Bookings. A booking that holds its slot (booked, checked in, done, no-show) has a
-- place between 1 and the calendar's desks; the partial unique index makes two
-- holders of the same place impossible, whatever the concurrency.
CREATE TABLE bookings (
    tenant_id     BIGINT NOT NULL REFERENCES tenants (id),
    id            BIGINT GENERATED ALWAYS AS IDENTITY,
    office_id     BIGINT NOT NULL,
    code          TEXT NOT NULL,
    starts_at     TIMESTAMPTZ NOT NULL,
    ends_at       TIMESTAMPTZ NOT NULL,
    place         INTEGER NOT NULL CHECK (place >= 1),
    status        TEXT NOT NULL,
    topic         TEXT NOT NULL,
    reason        TEXT NOT NULL DEFAULT '',
    name          TEXT NOT NULL,
    email         TEXT NOT NULL,
    phone         TEXT NOT NULL DEFAULT '',
    citizen_id    BIGINT,
    lang          TEXT NOT NULL DEFAULT 'it',
    nonce         TEXT NOT NULL,
    message       TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, code),
    FOREIGN KEY (tenant_id, office_id) REFERENCES offices (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, citizen_id) REFERENCES citizens (tenant_id, id)
);
CREATE UNIQUE INDEX bookings_slot_place ON bookings (tenant_id, office_id, starts_at, place)
    WHERE status IN ('booked', 'checked_in', 'done', 'no_show');
CREATE INDEX bookings_day ON bookings (tenant_id, office_id, starts_at);
CREATE INDEX bookings_citizen ON bookings (tenant_id, citizen_id, starts_at);
