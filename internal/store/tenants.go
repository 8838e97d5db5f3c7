package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"strings"

	"piazza/internal/apperr"
	"piazza/internal/tenants"
)

const tenantColumns = `id, slug, name, kind, ipa_code, istat_code, fiscal_code, province, region,
	primary_color, coat_of_arms_key, coat_of_arms_type, coat_of_arms_sha256,
	address, pec, email, phone, opening_hours, social_links, modules, accessibility_url,
	analytics_url, analytics_site_id, status, status_note, require_totp, version, created_at, updated_at`

func scanTenant(row interface{ Scan(...any) error }) (tenants.Tenant, error) {
	var t tenants.Tenant
	var social, modules string
	err := row.Scan(&t.ID, &t.Slug, &t.Name, &t.Kind, &t.IPACode, &t.ISTATCode, &t.FiscalCode, &t.Province, &t.Region,
		&t.PrimaryColor, &t.CoatOfArms.Key, &t.CoatOfArms.ContentType, &t.CoatOfArms.SHA256,
		&t.Contacts.Address, &t.Contacts.PEC, &t.Contacts.Email, &t.Contacts.Phone, &t.Contacts.OpeningHours,
		&social, &modules, &t.AccessibilityURL, &t.Analytics.URL, &t.Analytics.SiteID, &t.Status, &t.StatusNote, &t.RequireTOTP, &t.Version,
		ts(&t.CreatedAt), ts(&t.UpdatedAt))
	if err != nil {
		return t, err
	}
	if err := json.Unmarshal([]byte(social), &t.Social); err != nil {
		return t, err
	}
	if err := json.Unmarshal([]byte(modules), &t.Modules); err != nil {
		return t, err
	}
	return t, nil
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil || string(b) == "null" {
		return "[]"
	}
	return string(b)
}

// bumpTenantsVersion tells every node's resolver that tenants changed.
func (db *DB) bumpTenantsVersion(ctx context.Context) error {
	_, err := db.exec(ctx, `INSERT INTO platform_settings (key, value) VALUES ('tenants_version', '1')
		ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(platform_settings.value AS INTEGER) + 1 AS TEXT)`)
	return err
}

// TenantsVersion returns the stamp that changes whenever any tenant changes.
func (db *DB) TenantsVersion(ctx context.Context) (int64, error) {
	var v string
	err := db.queryRow(ctx, "SELECT value FROM platform_settings WHERE key = 'tenants_version'").Scan(&v)
	if isNoRows(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(v, 10, 64)
}

// CreateTenant inserts a tenant and its hosts; Conflict when the slug or a host is taken.
func (db *DB) CreateTenant(ctx context.Context, t *tenants.Tenant) error {
	return db.Atomic(ctx, func(ctx context.Context) error {
		now := db.Now()
		id, err := db.insertID(ctx, `INSERT INTO tenants (slug, name, kind, ipa_code, istat_code, fiscal_code, province, region,
			primary_color, coat_of_arms_key, coat_of_arms_type, coat_of_arms_sha256,
			address, pec, email, phone, opening_hours, social_links, modules, accessibility_url,
			analytics_url, analytics_site_id, status, status_note, require_totp, version, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
			t.Slug, t.Name, t.Kind, t.IPACode, t.ISTATCode, t.FiscalCode, t.Province, t.Region,
			t.PrimaryColor, t.CoatOfArms.Key, t.CoatOfArms.ContentType, t.CoatOfArms.SHA256,
			t.Contacts.Address, t.Contacts.PEC, t.Contacts.Email, t.Contacts.Phone, t.Contacts.OpeningHours,
			jsonText(t.Social), jsonText(t.Modules), t.AccessibilityURL, t.Analytics.URL, t.Analytics.SiteID, t.Status, t.StatusNote, t.RequireTOTP,
			db.t(now), db.t(now))
		if err != nil {
			if uniqueOn(err, "slug") {
				return fieldConflict("slug", "tenant.slug.taken")
			}
			return err
		}
		t.ID, t.Version, t.CreatedAt, t.UpdatedAt = id, 1, now, now
		if err := db.replaceHosts(ctx, t.ID, t.Hosts); err != nil {
			return err
		}
		return db.bumpTenantsVersion(ctx)
	})
}

func fieldConflict(field, code string) error {
	return &apperr.Error{Kind: apperr.Conflict, Code: code, Fields: []apperr.FieldError{{Field: field, Code: code}}}
}

func (db *DB) replaceHosts(ctx context.Context, tenantID int64, hosts []tenants.Host) error {
	if _, err := db.exec(ctx, "DELETE FROM tenant_hosts WHERE tenant_id = ?", tenantID); err != nil {
		return err
	}
	for _, h := range hosts {
		if _, err := db.exec(ctx, "INSERT INTO tenant_hosts (host, tenant_id, kind) VALUES (?, ?, ?)", h.Name, tenantID, h.Kind); err != nil {
			if isUnique(err) {
				return (&apperr.Error{Kind: apperr.Conflict, Code: "tenant.hosts.taken", Fields: []apperr.FieldError{{Field: "hosts", Code: "tenant.hosts.taken", Args: map[string]any{"Host": h.Name}}}}).With("Host", h.Name)
			}
			return err
		}
	}
	return nil
}

// UpdateTenant saves every field and the hosts of a tenant whose Version matches the
// stored one, and increments it; Conflict if someone else saved it meanwhile.
func (db *DB) UpdateTenant(ctx context.Context, t *tenants.Tenant) error {
	return db.Atomic(ctx, func(ctx context.Context) error {
		now := db.Now()
		res, err := db.exec(ctx, `UPDATE tenants SET slug = ?, name = ?, kind = ?, ipa_code = ?, istat_code = ?, fiscal_code = ?,
			province = ?, region = ?, primary_color = ?, coat_of_arms_key = ?, coat_of_arms_type = ?, coat_of_arms_sha256 = ?,
			address = ?, pec = ?, email = ?, phone = ?, opening_hours = ?, social_links = ?, modules = ?, accessibility_url = ?,
			analytics_url = ?, analytics_site_id = ?, status = ?, status_note = ?, require_totp = ?, version = version + 1, updated_at = ?
			WHERE id = ? AND version = ?`,
			t.Slug, t.Name, t.Kind, t.IPACode, t.ISTATCode, t.FiscalCode, t.Province, t.Region,
			t.PrimaryColor, t.CoatOfArms.Key, t.CoatOfArms.ContentType, t.CoatOfArms.SHA256,
			t.Contacts.Address, t.Contacts.PEC, t.Contacts.Email, t.Contacts.Phone, t.Contacts.OpeningHours,
			jsonText(t.Social), jsonText(t.Modules), t.AccessibilityURL, t.Analytics.URL, t.Analytics.SiteID, t.Status, t.StatusNote, t.RequireTOTP,
			db.t(now), t.ID, t.Version)
		if err != nil {
			if uniqueOn(err, "slug") {
				return fieldConflict("slug", "tenant.slug.taken")
			}
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if _, err := db.Tenant(ctx, t.ID); err != nil {
				return err
			}
			return apperr.E(apperr.Conflict, "tenant.changed")
		}
		t.Version++
		t.UpdatedAt = now
		if err := db.replaceHosts(ctx, t.ID, t.Hosts); err != nil {
			return err
		}
		return db.bumpTenantsVersion(ctx)
	})
}

func (db *DB) tenantWhere(ctx context.Context, where string, arg any) (tenants.Tenant, error) {
	t, err := scanTenant(db.queryRow(ctx, "SELECT "+tenantColumns+" FROM tenants WHERE "+where, arg))
	if err != nil {
		return t, notFound(err, "tenant.not_found")
	}
	t.Hosts, err = db.tenantHosts(ctx, t.ID)
	return t, err
}

func (db *DB) tenantHosts(ctx context.Context, tenantID int64) ([]tenants.Host, error) {
	return queryAll(ctx, db, func(r *sql.Rows) (tenants.Host, error) {
		var h tenants.Host
		return h, r.Scan(&h.Name, &h.Kind)
	}, "SELECT host, kind FROM tenant_hosts WHERE tenant_id = ? ORDER BY kind DESC, host", tenantID)
}

// Tenant returns a tenant by id.
func (db *DB) Tenant(ctx context.Context, id int64) (tenants.Tenant, error) {
	return db.tenantWhere(ctx, "id = ?", id)
}

// TenantBySlug returns a tenant by slug.
func (db *DB) TenantBySlug(ctx context.Context, slug string) (tenants.Tenant, error) {
	return db.tenantWhere(ctx, "slug = ?", strings.ToLower(slug))
}

// TenantByHost returns the tenant that uses the host.
func (db *DB) TenantByHost(ctx context.Context, host string) (tenants.Tenant, error) {
	return db.tenantWhere(ctx, "id = (SELECT tenant_id FROM tenant_hosts WHERE host = ?)", host)
}

// Tenants returns every tenant with its hosts, by name.
func (db *DB) Tenants(ctx context.Context) ([]tenants.Tenant, error) {
	all, err := queryAll(ctx, db, func(r *sql.Rows) (tenants.Tenant, error) { return scanTenant(r) },
		"SELECT "+tenantColumns+" FROM tenants ORDER BY name, id")
	if err != nil {
		return nil, err
	}
	type hostRow struct {
		tenantID int64
		h        tenants.Host
	}
	hosts, err := queryAll(ctx, db, func(r *sql.Rows) (hostRow, error) {
		var x hostRow
		return x, r.Scan(&x.tenantID, &x.h.Name, &x.h.Kind)
	}, "SELECT tenant_id, host, kind FROM tenant_hosts ORDER BY kind DESC, host")
	if err != nil {
		return nil, err
	}
	idx := make(map[int64]int, len(all))
	for i := range all {
		idx[all[i].ID] = i
	}
	for _, x := range hosts {
		if i, ok := idx[x.tenantID]; ok {
			all[i].Hosts = append(all[i].Hosts, x.h)
		}
	}
	return all, nil
}

// OIDC returns a tenant's citizen sign-in settings, with the client secret still
// sealed (the caller opens it); NotFound when none are set.
func (db *DB) OIDC(ctx context.Context, tenantID int64) (tenants.OIDC, error) {
	var o tenants.OIDC
	var scopes string
	err := db.queryRow(ctx, `SELECT enabled, issuer_url, client_id, client_secret_enc, scopes, claim_fiscal_code, claim_given_name,
		claim_family_name, claim_email, claim_phone, claim_level, updated_at FROM tenant_oidc WHERE tenant_id = ?`, tenantID).
		Scan(&o.Enabled, &o.IssuerURL, &o.ClientID, &o.ClientSecret, &scopes, &o.Claims.FiscalCode, &o.Claims.GivenName,
			&o.Claims.FamilyName, &o.Claims.Email, &o.Claims.Phone, &o.Claims.Level, ts(&o.UpdatedAt))
	if err != nil {
		return o, notFound(err, "oidc.not_configured")
	}
	o.Scopes = strings.Fields(scopes)
	return o, nil
}

// SetOIDC saves a tenant's citizen sign-in settings; ClientSecret must be sealed.
func (db *DB) SetOIDC(ctx context.Context, tenantID int64, o tenants.OIDC) error {
	return db.Atomic(ctx, func(ctx context.Context) error {
		_, err := db.exec(ctx, `INSERT INTO tenant_oidc (tenant_id, enabled, issuer_url, client_id, client_secret_enc, scopes,
			claim_fiscal_code, claim_given_name, claim_family_name, claim_email, claim_phone, claim_level, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (tenant_id) DO UPDATE SET enabled = excluded.enabled, issuer_url = excluded.issuer_url,
			client_id = excluded.client_id, client_secret_enc = excluded.client_secret_enc, scopes = excluded.scopes,
			claim_fiscal_code = excluded.claim_fiscal_code, claim_given_name = excluded.claim_given_name,
			claim_family_name = excluded.claim_family_name, claim_email = excluded.claim_email,
			claim_phone = excluded.claim_phone, claim_level = excluded.claim_level, updated_at = excluded.updated_at`,
			tenantID, o.Enabled, o.IssuerURL, o.ClientID, o.ClientSecret, strings.Join(o.Scopes, " "),
			o.Claims.FiscalCode, o.Claims.GivenName, o.Claims.FamilyName, o.Claims.Email, o.Claims.Phone, o.Claims.Level, db.t(db.Now()))
		if err != nil {
			if isForeignKey(err) {
				return apperr.E(apperr.NotFound, "tenant.not_found")
			}
			return err
		}
		return db.bumpTenantsVersion(ctx)
	})
}

// Setting returns a platform setting, or "" when unset.
func (db *DB) Setting(ctx context.Context, key string) (string, error) {
	var v string
	err := db.queryRow(ctx, "SELECT value FROM platform_settings WHERE key = ?", key).Scan(&v)
	if isNoRows(err) {
		return "", nil
	}
	return v, err
}

// SetSetting stores a platform setting.
func (db *DB) SetSetting(ctx context.Context, key, value string) error {
	_, err := db.exec(ctx, `INSERT INTO platform_settings (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	return err
}
