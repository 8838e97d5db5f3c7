-- Search documents can expire: content with an expiry date leaves the results then.
ALTER TABLE search_docs ADD COLUMN expires_at TIMESTAMPTZ;
