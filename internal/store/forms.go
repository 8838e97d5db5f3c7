package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"piazza/internal/apperr"
	"piazza/internal/forms"
)

const formVersionColumns = `id, tenant_id, key, number, status, json, COALESCE(created_by, 0), created_by_name, created_at, published_at`

func scanFormVersion(row interface{ Scan(...any) error }) (forms.Version, error) {
	var v forms.Version
	var data string
	err := row.Scan(&v.ID, &v.TenantID, &v.Key, &v.Number, &v.Status, &data, &v.CreatedBy, &v.CreatedByName,
		ts(&v.CreatedAt), ts(&v.PublishedAt))
	v.JSON = []byte(data)
	return v, err
}

// SaveFormDraft creates the draft of a form (numbered after its newest version) or
// replaces the JSON of the existing draft. v.Number and v.ID are set.
func (db *DB) SaveFormDraft(ctx context.Context, v *forms.Version) error {
	return db.Atomic(ctx, func(ctx context.Context) error {
		var id int64
		var number int
		err := db.queryRow(ctx, "SELECT id, number FROM form_versions WHERE tenant_id = ? AND key = ? AND status = 'draft'",
			v.TenantID, v.Key).Scan(&id, &number)
		switch {
		case err == nil:
			err = db.execOne(ctx, `UPDATE form_versions SET json = ?, created_by = ?, created_by_name = ?, created_at = ?
				WHERE tenant_id = ? AND id = ? AND status = 'draft'`,
				string(v.JSON), nullID(v.CreatedBy), v.CreatedByName, db.t(v.CreatedAt), v.TenantID, id)
		case isNoRows(err):
			if err = db.queryRow(ctx, "SELECT COALESCE(MAX(number), 0) + 1 FROM form_versions WHERE tenant_id = ? AND key = ?",
				v.TenantID, v.Key).Scan(&number); err != nil {
				return err
			}
			id, err = db.insertID(ctx, `INSERT INTO form_versions (tenant_id, key, number, status, json, created_by, created_by_name, created_at)
				VALUES (?, ?, ?, 'draft', ?, ?, ?, ?)`,
				v.TenantID, v.Key, number, string(v.JSON), nullID(v.CreatedBy), v.CreatedByName, db.t(v.CreatedAt))
		}
		if isUnique(err) {
			return apperr.Wrap(apperr.Conflict, "forms.conflict", err)
		}
		if err != nil {
			return err
		}
		v.ID, v.Number, v.Status = id, number, forms.StatusDraft
		return nil
	})
}

// PublishFormDraft makes the draft of a form live and retires its live version, in
// one transaction; NotFound ("forms.no_draft") when there is no draft.
func (db *DB) PublishFormDraft(ctx context.Context, tenantID int64, key string, at time.Time) (forms.Version, error) {
	var v forms.Version
	err := db.Atomic(ctx, func(ctx context.Context) error {
		draft, err := db.FormVersionByStatus(ctx, tenantID, key, forms.StatusDraft)
		if apperr.Is(err, apperr.NotFound) {
			return apperr.E(apperr.NotFound, "forms.no_draft")
		}
		if err != nil {
			return err
		}
		if _, err := db.exec(ctx, "UPDATE form_versions SET status = 'retired' WHERE tenant_id = ? AND key = ? AND status = 'live'",
			tenantID, key); err != nil {
			return err
		}
		if err := db.execOne(ctx, "UPDATE form_versions SET status = 'live', published_at = ? WHERE tenant_id = ? AND id = ? AND status = 'draft'",
			db.t(at), tenantID, draft.ID); err != nil {
			return err
		}
		v, err = db.FormVersion(ctx, tenantID, draft.ID)
		return err
	})
	return v, err
}

// FormVersion returns a version of the tenant's forms by id.
func (db *DB) FormVersion(ctx context.Context, tenantID, id int64) (forms.Version, error) {
	v, err := scanFormVersion(db.queryRow(ctx, "SELECT "+formVersionColumns+" FROM form_versions WHERE tenant_id = ? AND id = ?", tenantID, id))
	return v, notFound(err, "forms.not_found")
}

// FormVersionByStatus returns the draft or the live version of a form.
func (db *DB) FormVersionByStatus(ctx context.Context, tenantID int64, key, status string) (forms.Version, error) {
	v, err := scanFormVersion(db.queryRow(ctx, "SELECT "+formVersionColumns+" FROM form_versions WHERE tenant_id = ? AND key = ? AND status = ?",
		tenantID, key, status))
	return v, notFound(err, "forms.not_found")
}

// FormVersions lists the versions of a form, newest first.
func (db *DB) FormVersions(ctx context.Context, tenantID int64, key string) ([]forms.Version, error) {
	return queryAll(ctx, db, func(r *sql.Rows) (forms.Version, error) { return scanFormVersion(r) },
		"SELECT "+formVersionColumns+" FROM form_versions WHERE tenant_id = ? AND key = ? ORDER BY number DESC", tenantID, key)
}

// FormKeys lists the tenant's forms by key, with the title of the newest version
// and the numbers of the live and draft versions.
func (db *DB) FormKeys(ctx context.Context, tenantID int64) ([]forms.FormInfo, error) {
	return queryAll(ctx, db, func(r *sql.Rows) (forms.FormInfo, error) {
		var f forms.FormInfo
		var data string
		var live, draft sql.NullInt64
		err := r.Scan(&f.Key, &data, ts(&f.UpdatedAt), &live, &draft)
		f.Live, f.Draft = int(live.Int64), int(draft.Int64)
		var head struct {
			Title forms.Text `json:"title"`
		}
		if json.Unmarshal([]byte(data), &head) == nil {
			f.Title = head.Title
		}
		return f, err
	}, `SELECT v.key, v.json, v.created_at,
		(SELECT l.number FROM form_versions l WHERE l.tenant_id = v.tenant_id AND l.key = v.key AND l.status = 'live'),
		(SELECT d.number FROM form_versions d WHERE d.tenant_id = v.tenant_id AND d.key = v.key AND d.status = 'draft')
		FROM form_versions v
		WHERE v.tenant_id = ? AND v.number = (SELECT MAX(m.number) FROM form_versions m WHERE m.tenant_id = v.tenant_id AND m.key = v.key)
		ORDER BY v.key`, tenantID)
}
