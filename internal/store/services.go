package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"piazza/internal/apperr"
	"piazza/internal/services"
)

const cardColumns = `id, tenant_id, slug, title, summary, description, status, status_reason, available_on, category, topics,
	audiences, who_for, how_to, needed, outcome, timing, access, conditions, office_id, costs, max_response_days,
	channel, external_url, auth_level, form_key, business, allows_withdrawal, max_upload_mb, published,
	template_id, created_at, updated_at`

func scanCard(row interface{ Scan(...any) error }) (services.Card, error) {
	var c services.Card
	var topics, audiences string
	var template sql.NullInt64
	err := row.Scan(&c.ID, &c.TenantID, &c.Slug, &c.Title, &c.Summary, &c.Description, &c.Status, &c.StatusReason,
		ts(&c.AvailableOn), &c.Category, &topics, &audiences, &c.WhoFor, &c.HowTo, &c.Needed, &c.Outcome, &c.Timing,
		&c.Access, &c.Conditions, &c.OfficeID, &c.Costs, &c.MaxResponseDays, &c.Channel, &c.ExternalURL, &c.AuthLevel,
		&c.FormKey, &c.Business, &c.AllowsWithdrawal, &c.MaxUploadMB, &c.Published, &template,
		ts(&c.CreatedAt), ts(&c.UpdatedAt))
	c.Topics = strings.Fields(topics)
	for _, a := range strings.Fields(audiences) {
		c.Audiences = append(c.Audiences, services.Audience(a))
	}
	c.TemplateID = template.Int64
	return c, err
}

func audienceList(as []services.Audience) string {
	s := make([]string, len(as))
	for i, a := range as {
		s[i] = string(a)
	}
	return strings.Join(s, " ")
}

func cardConflict(err error) error {
	switch {
	case isUnique(err):
		return apperr.E(apperr.Conflict, "service.slug.taken")
	case isForeignKey(err):
		return &apperr.Error{Kind: apperr.Invalid, Code: "service.office.required", Fields: []apperr.FieldError{{Field: "office_id", Code: "service.office.required"}}}
	}
	return err
}

// CreateCard inserts a service card; Conflict when the slug is taken in the tenant.
func (db *DB) CreateCard(ctx context.Context, c *services.Card) error {
	now := db.Now()
	id, err := db.insertID(ctx, `INSERT INTO service_cards (tenant_id, slug, title, summary, description, status, status_reason,
		available_on, category, topics, audiences, who_for, how_to, needed, outcome, timing, access, conditions, office_id,
		costs, max_response_days, channel, external_url, auth_level, form_key, business, allows_withdrawal, max_upload_mb,
		published, template_id, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.TenantID, c.Slug, c.Title, c.Summary, c.Description, c.Status, c.StatusReason, db.nt(c.AvailableOn), c.Category,
		strings.Join(c.Topics, " "), audienceList(c.Audiences), c.WhoFor, c.HowTo, c.Needed, c.Outcome, c.Timing, c.Access,
		c.Conditions, c.OfficeID, c.Costs, c.MaxResponseDays, c.Channel, c.ExternalURL, c.AuthLevel, c.FormKey, c.Business,
		c.AllowsWithdrawal, c.MaxUploadMB, c.Published, nullID(c.TemplateID), db.t(now), db.t(now))
	if err != nil {
		return cardConflict(err)
	}
	c.ID, c.CreatedAt, c.UpdatedAt = id, now, now
	return nil
}

// UpdateCard saves a card's content (not its publication).
func (db *DB) UpdateCard(ctx context.Context, c *services.Card) error {
	now := db.Now()
	err := db.execOne(ctx, `UPDATE service_cards SET slug = ?, title = ?, summary = ?, description = ?, status = ?,
		status_reason = ?, available_on = ?, category = ?, topics = ?, audiences = ?, who_for = ?, how_to = ?, needed = ?,
		outcome = ?, timing = ?, access = ?, conditions = ?, office_id = ?, costs = ?, max_response_days = ?, channel = ?,
		external_url = ?, auth_level = ?, form_key = ?, business = ?, allows_withdrawal = ?, max_upload_mb = ?, updated_at = ?
		WHERE tenant_id = ? AND id = ?`,
		c.Slug, c.Title, c.Summary, c.Description, c.Status, c.StatusReason, db.nt(c.AvailableOn), c.Category,
		strings.Join(c.Topics, " "), audienceList(c.Audiences), c.WhoFor, c.HowTo, c.Needed, c.Outcome, c.Timing, c.Access,
		c.Conditions, c.OfficeID, c.Costs, c.MaxResponseDays, c.Channel, c.ExternalURL, c.AuthLevel, c.FormKey, c.Business,
		c.AllowsWithdrawal, c.MaxUploadMB, db.t(now), c.TenantID, c.ID)
	if err != nil && !apperr.Is(err, apperr.NotFound) {
		return cardConflict(err)
	}
	if err == nil {
		c.UpdatedAt = now
	}
	return notFound(err, "service.not_found")
}

// SetCardPublished publishes or unpublishes a card of the tenant.
func (db *DB) SetCardPublished(ctx context.Context, tenantID, id int64, on bool, at time.Time) error {
	var when any = db.nt(time.Time{})
	if on {
		when = db.t(at)
	}
	err := db.execOne(ctx, "UPDATE service_cards SET published = ?, published_at = ?, updated_at = ? WHERE tenant_id = ? AND id = ?",
		on, when, db.t(at), tenantID, id)
	return notFound(err, "service.not_found")
}

// DeleteCard removes a card of the tenant; Conflict while something references it.
func (db *DB) DeleteCard(ctx context.Context, tenantID, id int64) error {
	err := db.execOne(ctx, "DELETE FROM service_cards WHERE tenant_id = ? AND id = ?", tenantID, id)
	if isForeignKey(err) {
		return apperr.E(apperr.Conflict, "service.in_use")
	}
	return notFound(err, "service.not_found")
}

// Card returns a card of the tenant.
func (db *DB) Card(ctx context.Context, tenantID, id int64) (services.Card, error) {
	c, err := scanCard(db.queryRow(ctx, "SELECT "+cardColumns+" FROM service_cards WHERE tenant_id = ? AND id = ?", tenantID, id))
	return c, notFound(err, "service.not_found")
}

// CardBySlug returns a card of the tenant by slug.
func (db *DB) CardBySlug(ctx context.Context, tenantID int64, slug string) (services.Card, error) {
	c, err := scanCard(db.queryRow(ctx, "SELECT "+cardColumns+" FROM service_cards WHERE tenant_id = ? AND slug = ?", tenantID, slug))
	return c, notFound(err, "service.not_found")
}

// CardByForm returns the (first) card of the tenant that uses a form.
func (db *DB) CardByForm(ctx context.Context, tenantID int64, formKey string) (services.Card, error) {
	c, err := scanCard(db.queryRow(ctx, "SELECT "+cardColumns+` FROM service_cards
		WHERE tenant_id = ? AND form_key = ? AND channel = 'online' ORDER BY published DESC, id LIMIT 1`, tenantID, formKey))
	return c, notFound(err, "service.not_found")
}

// Cards lists the tenant's cards by title.
func (db *DB) Cards(ctx context.Context, tenantID int64, q services.Query) ([]services.Card, error) {
	where := []string{"tenant_id = ?"}
	args := []any{tenantID}
	if q.Published {
		where = append(where, "published = ?")
		args = append(args, true)
	}
	if q.Category != "" {
		where = append(where, "category = ?")
		args = append(args, q.Category)
	}
	if q.Topic != "" {
		// topics is space-separated; pad it so that a slug matches whole.
		where = append(where, "(' ' || topics || ' ') LIKE ?")
		args = append(args, "% "+escapeLike(q.Topic)+" %")
	}
	for _, w := range strings.Fields(q.Text) {
		pat := "%" + escapeLike(w) + "%"
		where = append(where, "("+db.dialect.ilike("title")+" OR "+db.dialect.ilike("summary")+" OR "+db.dialect.ilike("description")+")")
		args = append(args, pat, pat, pat)
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 500
	}
	args = append(args, limit)
	return queryAll(ctx, db, func(r *sql.Rows) (services.Card, error) { return scanCard(r) },
		"SELECT "+cardColumns+" FROM service_cards WHERE "+strings.Join(where, " AND ")+" ORDER BY title, id LIMIT ?", args...)
}

// CardCounts counts the tenant's cards per category.
func (db *DB) CardCounts(ctx context.Context, tenantID int64, published bool) (map[string]int, error) {
	q := "SELECT category, COUNT(*) FROM service_cards WHERE tenant_id = ?"
	args := []any{tenantID}
	if published {
		q += " AND published = ?"
		args = append(args, true)
	}
	rows, err := db.query(ctx, q+" GROUP BY category", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var cat string
		var n int
		if err := rows.Scan(&cat, &n); err != nil {
			return nil, err
		}
		out[cat] = n
	}
	return out, rows.Err()
}

// OfficeExists reports whether the tenant has the office.
func (db *DB) OfficeExists(ctx context.Context, tenantID, officeID int64) (bool, error) {
	_, err := db.Office(ctx, tenantID, officeID)
	if apperr.Is(err, apperr.NotFound) {
		return false, nil
	}
	return err == nil, err
}

const templateColumns = `id, card, form_json, note, source_tenant_id, published_by, published_at, withdrawn_at,
	(SELECT COUNT(*) FROM service_cards c WHERE c.template_id = service_templates.id)`

func scanTemplate(row interface{ Scan(...any) error }) (services.Template, error) {
	var t services.Template
	var card string
	var form sql.NullString
	var source, by sql.NullInt64
	if err := row.Scan(&t.ID, &card, &form, &t.Note, &source, &by, ts(&t.PublishedAt), ts(&t.WithdrawnAt), &t.Adoptions); err != nil {
		return t, err
	}
	c, err := services.UnmarshalCard([]byte(card))
	if err != nil {
		return t, err
	}
	t.Card = c
	if form.Valid {
		t.FormJSON = []byte(form.String)
	}
	t.SourceTenant, t.PublishedBy = source.Int64, by.Int64
	return t, nil
}

// CreateTemplate adds a template to the shared catalogue.
func (db *DB) CreateTemplate(ctx context.Context, t *services.Template) error {
	card, err := services.MarshalCard(t.Card)
	if err != nil {
		return err
	}
	var form any
	if t.FormJSON != nil {
		form = string(t.FormJSON)
	}
	id, err := db.insertID(ctx, `INSERT INTO service_templates (title, category, card, form_json, note, source_tenant_id, published_by, published_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, t.Card.Title, t.Card.Category, string(card), form, t.Note, nullID(t.SourceTenant),
		nullID(t.PublishedBy), db.t(t.PublishedAt))
	if err != nil {
		return err
	}
	t.ID = id
	return nil
}

// Template returns a template of the catalogue.
func (db *DB) Template(ctx context.Context, id int64) (services.Template, error) {
	t, err := scanTemplate(db.queryRow(ctx, "SELECT "+templateColumns+" FROM service_templates WHERE id = ?", id))
	return t, notFound(err, "service.template.not_found")
}

// Templates lists the catalogue, newest first.
func (db *DB) Templates(ctx context.Context, withWithdrawn bool) ([]services.Template, error) {
	q := "SELECT " + templateColumns + " FROM service_templates"
	if !withWithdrawn {
		q += " WHERE withdrawn_at IS NULL"
	}
	return queryAll(ctx, db, func(r *sql.Rows) (services.Template, error) { return scanTemplate(r) }, q+" ORDER BY published_at DESC, id DESC")
}

// WithdrawTemplate marks a template as no longer adoptable.
func (db *DB) WithdrawTemplate(ctx context.Context, id int64, at time.Time) error {
	err := db.execOne(ctx, "UPDATE service_templates SET withdrawn_at = ? WHERE id = ?", db.t(at), id)
	return notFound(err, "service.template.not_found")
}
