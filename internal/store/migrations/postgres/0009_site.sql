-- The Amministrazione section: people, administrative bodies, public documents
-- and FAQ become content kinds (news_type now holds every kind's type within the
-- kind: news type, person's section, body's type, document's type; starts_at
-- also holds a document's date), and offices get their competences.

ALTER TABLE content_items DROP CONSTRAINT content_items_kind_check;
ALTER TABLE content_items ADD CONSTRAINT content_items_kind_check
    CHECK (kind IN ('news', 'event', 'place', 'person', 'organisation', 'document', 'faq'));

ALTER TABLE offices ADD COLUMN competences TEXT NOT NULL DEFAULT '';
