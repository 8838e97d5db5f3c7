-- A comune's Web Analytics Italia (Matomo) site, loaded only for visitors who accept it.
ALTER TABLE tenants ADD COLUMN analytics_url TEXT NOT NULL DEFAULT '';
ALTER TABLE tenants ADD COLUMN analytics_site_id TEXT NOT NULL DEFAULT '';
