package store

import (
	"context"
	"database/sql"
	"strings"

	"piazza/internal/apperr"
	"piazza/internal/reports"
)

const reportCategoryCols = `c.id, c.tenant_id, c.code, c.name, c.name_en, c.group_name, c.description, c.office_id, c.active,
	c.position, o.name`

const reportCategoryFrom = ` FROM report_categories c JOIN offices o ON o.tenant_id = c.tenant_id AND o.id = c.office_id `

func scanReportCategory(r interface{ Scan(...any) error }) (reports.Category, error) {
	var c reports.Category
	err := r.Scan(&c.ID, &c.TenantID, &c.Code, &c.Name, &c.NameEN, &c.Group, &c.Description, &c.OfficeID, &c.Active,
		&c.Position, &c.OfficeName)
	return c, err
}

// ReportCategories lists the tenant's categories by group, position and name.
func (db *DB) ReportCategories(ctx context.Context, tenantID int64, activeOnly bool) ([]reports.Category, error) {
	q := `SELECT ` + reportCategoryCols + reportCategoryFrom + `WHERE c.tenant_id = ?`
	if activeOnly {
		q += ` AND c.active = ?`
	}
	q += ` ORDER BY c.group_name, c.position, c.name, c.id`
	args := []any{tenantID}
	if activeOnly {
		args = append(args, true)
	}
	return queryAll(ctx, db, func(r *sql.Rows) (reports.Category, error) { return scanReportCategory(r) }, q, args...)
}

// ReportCategory returns one category.
func (db *DB) ReportCategory(ctx context.Context, tenantID, id int64) (reports.Category, error) {
	c, err := scanReportCategory(db.queryRow(ctx, `SELECT `+reportCategoryCols+reportCategoryFrom+
		`WHERE c.tenant_id = ? AND c.id = ?`, tenantID, id))
	return c, notFound(err, "reports.category.not_found")
}

// ReportCategoryByCode returns a category by its service code.
func (db *DB) ReportCategoryByCode(ctx context.Context, tenantID int64, code string) (reports.Category, error) {
	c, err := scanReportCategory(db.queryRow(ctx, `SELECT `+reportCategoryCols+reportCategoryFrom+
		`WHERE c.tenant_id = ? AND c.code = ?`, tenantID, code))
	return c, notFound(err, "reports.category.not_found")
}

// SaveReportCategory inserts (ID 0) or updates a category. A code taken is a
// Conflict on the code field; an office of another tenant is NotFound.
func (db *DB) SaveReportCategory(ctx context.Context, c *reports.Category) error {
	var err error
	if c.ID == 0 {
		c.ID, err = db.insertID(ctx, `INSERT INTO report_categories (tenant_id, code, name, name_en, group_name, description,
			office_id, active, position) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			c.TenantID, c.Code, c.Name, c.NameEN, c.Group, c.Description, c.OfficeID, c.Active, c.Position)
	} else {
		err = db.execOne(ctx, `UPDATE report_categories SET code = ?, name = ?, name_en = ?, group_name = ?, description = ?,
			office_id = ?, active = ?, position = ? WHERE tenant_id = ? AND id = ?`,
			c.Code, c.Name, c.NameEN, c.Group, c.Description, c.OfficeID, c.Active, c.Position, c.TenantID, c.ID)
	}
	switch {
	case isUnique(err):
		return &apperr.Error{Kind: apperr.Conflict, Code: "error.conflict",
			Fields: []apperr.FieldError{{Field: "code", Code: "reports.category.code_taken"}}}
	case isForeignKey(err):
		return apperr.E(apperr.NotFound, "error.not_found")
	}
	return err
}

// nullFloat binds a coordinate of a point that may be absent.
func nullFloat(p reports.Point, lat bool) any {
	if p.IsZero() {
		return nil
	}
	if lat {
		return p.Lat
	}
	return p.Lon
}

// InsertReport stores a new report.
func (db *DB) InsertReport(ctx context.Context, r *reports.Report) error {
	var citizen any
	if r.CitizenID != 0 {
		citizen = r.CitizenID
	}
	id, err := db.insertID(ctx, `INSERT INTO reports (tenant_id, code, category_id, office_id, status, close_reason, subject,
		description, lat, lon, address, source, name, email, phone, citizen_id, lang, created_at, updated_at,
		first_answer_at, fixed_at, closed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.TenantID, r.Code, r.CategoryID, r.OfficeID, string(r.Status), string(r.CloseReason), r.Subject,
		r.Description, nullFloat(r.Point, true), nullFloat(r.Point, false), r.Address, r.Source, r.Name, r.Email, r.Phone,
		citizen, r.Lang, db.t(r.CreatedAt), db.t(r.UpdatedAt), db.nt(r.FirstAnswerAt), db.nt(r.FixedAt), db.nt(r.ClosedAt))
	if isForeignKey(err) {
		return apperr.E(apperr.NotFound, "error.not_found")
	}
	if err != nil {
		return err
	}
	r.ID = id
	return nil
}

// UpdateReport writes a report's office, status, close reason and timestamps.
func (db *DB) UpdateReport(ctx context.Context, r *reports.Report) error {
	err := db.execOne(ctx, `UPDATE reports SET office_id = ?, category_id = ?, status = ?, close_reason = ?, updated_at = ?,
		first_answer_at = ?, fixed_at = ?, closed_at = ? WHERE tenant_id = ? AND id = ?`,
		r.OfficeID, r.CategoryID, string(r.Status), string(r.CloseReason), db.t(r.UpdatedAt), db.nt(r.FirstAnswerAt),
		db.nt(r.FixedAt), db.nt(r.ClosedAt), r.TenantID, r.ID)
	if isForeignKey(err) {
		return apperr.E(apperr.NotFound, "error.not_found")
	}
	return err
}

const reportCols = `r.id, r.tenant_id, r.code, r.category_id, r.office_id, r.status, r.close_reason, r.subject, r.description,
	r.lat, r.lon, r.address, r.source, r.name, r.email, r.phone, r.citizen_id, r.lang, r.created_at, r.updated_at,
	r.first_answer_at, r.fixed_at, r.closed_at, c.name, c.name_en, c.code, o.name`

const reportFrom = ` FROM reports r
	JOIN report_categories c ON c.tenant_id = r.tenant_id AND c.id = r.category_id
	JOIN offices o ON o.tenant_id = r.tenant_id AND o.id = r.office_id `

func scanReport(s interface{ Scan(...any) error }) (reports.Report, error) {
	var r reports.Report
	var status, reason string
	var lat, lon sql.NullFloat64
	var citizen sql.NullInt64
	err := s.Scan(&r.ID, &r.TenantID, &r.Code, &r.CategoryID, &r.OfficeID, &status, &reason, &r.Subject, &r.Description,
		&lat, &lon, &r.Address, &r.Source, &r.Name, &r.Email, &r.Phone, &citizen, &r.Lang, ts(&r.CreatedAt), ts(&r.UpdatedAt),
		ts(&r.FirstAnswerAt), ts(&r.FixedAt), ts(&r.ClosedAt), &r.CategoryName, &r.CategoryNameEN, &r.CategoryCode, &r.OfficeName)
	r.Status, r.CloseReason = reports.Status(status), reports.CloseReason(reason)
	if lat.Valid && lon.Valid {
		r.Point = reports.Point{Lat: lat.Float64, Lon: lon.Float64}
	}
	r.CitizenID = citizen.Int64
	return r, err
}

// ReportByCode returns a report by its public code.
func (db *DB) ReportByCode(ctx context.Context, tenantID int64, code string) (reports.Report, error) {
	r, err := scanReport(db.queryRow(ctx, `SELECT `+reportCols+reportFrom+`WHERE r.tenant_id = ? AND r.code = ?`, tenantID, code))
	return r, notFound(err, "reports.not_found")
}

// ReportByID returns a report by its internal id.
func (db *DB) ReportByID(ctx context.Context, tenantID, id int64) (reports.Report, error) {
	r, err := scanReport(db.queryRow(ctx, `SELECT `+reportCols+reportFrom+`WHERE r.tenant_id = ? AND r.id = ?`, tenantID, id))
	return r, notFound(err, "reports.not_found")
}

// MaxReportPage is the most reports one list returns.
const MaxReportPage = 1000

// reportWhere builds the WHERE clause of a filter, tenant first.
func (db *DB) reportWhere(tenantID int64, f reports.Filter) (string, []any) {
	var b strings.Builder
	args := []any{tenantID}
	b.WriteString(`WHERE r.tenant_id = ?`)
	if len(f.CategoryIDs) > 0 {
		b.WriteString(` AND r.category_id IN (` + placeholders(len(f.CategoryIDs)) + `)`)
		for _, id := range f.CategoryIDs {
			args = append(args, id)
		}
	}
	if f.OfficeID != 0 {
		b.WriteString(` AND r.office_id = ?`)
		args = append(args, f.OfficeID)
	}
	if len(f.Statuses) > 0 {
		b.WriteString(` AND r.status IN (` + placeholders(len(f.Statuses)) + `)`)
		for _, s := range f.Statuses {
			args = append(args, string(s))
		}
	}
	if len(f.Codes) > 0 {
		b.WriteString(` AND r.code IN (` + placeholders(len(f.Codes)) + `)`)
		for _, c := range f.Codes {
			args = append(args, c)
		}
	}
	if !f.From.IsZero() {
		b.WriteString(` AND r.created_at >= ?`)
		args = append(args, db.t(f.From))
	}
	if !f.To.IsZero() {
		b.WriteString(` AND r.created_at < ?`)
		args = append(args, db.t(f.To))
	}
	if f.HasBox() {
		b.WriteString(` AND r.lat >= ? AND r.lat <= ? AND r.lon >= ? AND r.lon <= ?`)
		args = append(args, f.Box[0].Lat, f.Box[1].Lat, f.Box[0].Lon, f.Box[1].Lon)
	}
	return b.String(), args
}

// Reports lists the reports a filter selects, newest first, at most MaxReportPage.
func (db *DB) Reports(ctx context.Context, tenantID int64, f reports.Filter) ([]reports.Report, error) {
	where, args := db.reportWhere(tenantID, f)
	limit := f.Limit
	if limit <= 0 || limit > MaxReportPage {
		limit = MaxReportPage
	}
	args = append(args, limit, max(f.Offset, 0))
	return queryAll(ctx, db, func(r *sql.Rows) (reports.Report, error) { return scanReport(r) },
		`SELECT `+reportCols+reportFrom+where+` ORDER BY r.created_at DESC, r.id DESC LIMIT ? OFFSET ?`, args...)
}

// CountReports counts the reports a filter selects (Offset and Limit ignored).
func (db *DB) CountReports(ctx context.Context, tenantID int64, f reports.Filter) (int, error) {
	where, args := db.reportWhere(tenantID, f)
	var n int
	err := db.queryRow(ctx, `SELECT COUNT(*) FROM reports r `+where, args...).Scan(&n)
	return n, err
}

// InsertReportUpdate appends an entry to a report's history.
func (db *DB) InsertReportUpdate(ctx context.Context, u *reports.Update) error {
	var author any
	if u.AuthorID != 0 {
		author = u.AuthorID
	}
	id, err := db.insertID(ctx, `INSERT INTO report_updates (tenant_id, report_id, status, body, public, author_id, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, u.TenantID, u.ReportID, string(u.Status), u.Body, u.Public, author, db.t(u.CreatedAt))
	if isForeignKey(err) {
		return apperr.E(apperr.NotFound, "error.not_found")
	}
	u.ID = id
	return err
}

// ReportUpdates lists a report's history, oldest first (only public entries if
// publicOnly).
func (db *DB) ReportUpdates(ctx context.Context, tenantID, reportID int64, publicOnly bool) ([]reports.Update, error) {
	q := `SELECT id, tenant_id, report_id, status, body, public, author_id, created_at FROM report_updates
		WHERE tenant_id = ? AND report_id = ?`
	args := []any{tenantID, reportID}
	if publicOnly {
		q += ` AND public = ?`
		args = append(args, true)
	}
	return queryAll(ctx, db, func(r *sql.Rows) (reports.Update, error) {
		var u reports.Update
		var status string
		var author sql.NullInt64
		err := r.Scan(&u.ID, &u.TenantID, &u.ReportID, &status, &u.Body, &u.Public, &author, ts(&u.CreatedAt))
		u.Status, u.AuthorID = reports.Status(status), author.Int64
		return u, err
	}, q+` ORDER BY created_at, id`, args...)
}

// InsertReportPhoto records a stored photo of a report.
func (db *DB) InsertReportPhoto(ctx context.Context, p *reports.Photo) error {
	id, err := db.insertID(ctx, `INSERT INTO report_photos (tenant_id, report_id, file_id, blob_key, thumb_key, mime_type, sha256,
		size, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.TenantID, p.ReportID, p.FileID, p.Key, p.ThumbKey, p.Type, p.SHA256, p.Size, db.t(p.CreatedAt))
	if isForeignKey(err) {
		return apperr.E(apperr.NotFound, "error.not_found")
	}
	p.ID = id
	return err
}

const reportPhotoCols = `id, tenant_id, report_id, file_id, blob_key, thumb_key, mime_type, sha256, size, created_at`

func scanReportPhoto(r interface{ Scan(...any) error }) (reports.Photo, error) {
	var p reports.Photo
	err := r.Scan(&p.ID, &p.TenantID, &p.ReportID, &p.FileID, &p.Key, &p.ThumbKey, &p.Type, &p.SHA256, &p.Size, ts(&p.CreatedAt))
	return p, err
}

// ReportPhotos lists a report's photos in the order they were added.
func (db *DB) ReportPhotos(ctx context.Context, tenantID, reportID int64) ([]reports.Photo, error) {
	return queryAll(ctx, db, func(r *sql.Rows) (reports.Photo, error) { return scanReportPhoto(r) },
		`SELECT `+reportPhotoCols+` FROM report_photos WHERE tenant_id = ? AND report_id = ? ORDER BY id`, tenantID, reportID)
}

// ReportPhoto returns a photo by its public file id.
func (db *DB) ReportPhoto(ctx context.Context, tenantID int64, fileID string) (reports.Photo, error) {
	p, err := scanReportPhoto(db.queryRow(ctx, `SELECT `+reportPhotoCols+` FROM report_photos WHERE tenant_id = ? AND file_id = ?`,
		tenantID, fileID))
	return p, notFound(err, "error.not_found")
}
