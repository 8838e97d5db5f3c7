package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"time"

	"piazza/internal/apperr"
	"piazza/internal/content"
)

// Content items keep the fields lists and queries need in columns (kind, slug,
// status, publication window, event dates, coordinates) and the other fields of
// their kind as JSON in details.

const itemColumns = `id, tenant_id, kind, news_type, slug, title, summary, body, topics, status, publish_at, expire_at,
	starts_at, place_id, latitude, longitude, details, revision, created_at, updated_at`

// itemDetails is the JSON of the kind-specific fields that are not columns.
type itemDetails struct {
	End           time.Time `json:"end,omitzero"`
	Recurrence    string    `json:"recurrence,omitempty"`
	Venue         string    `json:"venue,omitempty"`
	Organiser     string    `json:"organiser,omitempty"`
	Cost          string    `json:"cost,omitempty"`
	Audience      string    `json:"audience,omitempty"`
	BookingURL    string    `json:"booking_url,omitempty"`
	PlaceType     string    `json:"place_type,omitempty"`
	Address       string    `json:"address,omitempty"`
	OpeningHours  string    `json:"opening_hours,omitempty"`
	Phone         string    `json:"phone,omitempty"`
	Email         string    `json:"email,omitempty"`
	Website       string    `json:"website,omitempty"`
	Accessibility string    `json:"accessibility,omitempty"`
	Role          string    `json:"role,omitempty"`
	OfficeID      int64     `json:"office_id,omitempty"`
	Organisation  int64     `json:"organisation_id,omitempty"`
	Protocol      string    `json:"protocol,omitempty"`
}

func detailsOf(it *content.Item) string {
	e, p := it.Event, it.Place
	d := itemDetails{End: e.End.UTC(), Recurrence: e.Recurrence, Venue: e.Venue, Organiser: e.Organiser,
		Cost: e.Cost, Audience: e.Audience, BookingURL: e.BookingURL, PlaceType: p.Type, Address: p.Address,
		OpeningHours: p.OpeningHours, Phone: p.Phone, Email: p.Email, Website: p.Website, Accessibility: p.Accessibility}
	switch it.Kind {
	case content.KindPerson:
		pe := it.Person
		d.Role, d.OfficeID, d.Organisation, d.Email, d.Phone = pe.Role, pe.OfficeID, pe.OrganisationID, pe.Email, pe.Phone
	case content.KindOrganisation:
		o := it.Org
		d.Address, d.Phone, d.Email, d.Website = o.Address, o.Phone, o.Email, o.Website
	case content.KindDocument:
		d.Protocol, d.OfficeID = it.Document.Protocol, it.Document.OfficeID
	}
	b, _ := json.Marshal(d)
	return string(b)
}

func scanItem(row interface{ Scan(...any) error }) (content.Item, error) {
	var it content.Item
	var topics, details string
	var place sql.NullInt64
	var lat, lon sql.NullFloat64
	err := row.Scan(&it.ID, &it.TenantID, &it.Kind, &it.NewsType, &it.Slug, &it.Title, &it.Summary, &it.Body, &topics,
		&it.Status, ts(&it.PublishAt), ts(&it.ExpireAt), ts(&it.Event.Start), &place, &lat, &lon, &details, &it.Revision,
		ts(&it.CreatedAt), ts(&it.UpdatedAt))
	if err != nil {
		return it, err
	}
	it.Topics = strings.Fields(topics)
	var d itemDetails
	if err := json.Unmarshal([]byte(details), &d); err != nil {
		return it, err
	}
	if it.Kind == content.KindEvent {
		it.Event.End, it.Event.Recurrence, it.Event.PlaceID = d.End.UTC(), d.Recurrence, place.Int64
		it.Event.Venue, it.Event.Organiser, it.Event.Cost, it.Event.Audience, it.Event.BookingURL = d.Venue, d.Organiser, d.Cost, d.Audience, d.BookingURL
	}
	if it.Kind == content.KindPlace {
		it.Place = content.Place{Type: d.PlaceType, Address: d.Address, Latitude: lat.Float64, Longitude: lon.Float64,
			OpeningHours: d.OpeningHours, Phone: d.Phone, Email: d.Email, Website: d.Website, Accessibility: d.Accessibility}
	}
	// news_type holds every kind's type within the kind (content.Item.Type).
	switch it.Kind {
	case content.KindPerson:
		it.Person = content.Person{Role: d.Role, OfficeID: d.OfficeID, OrganisationID: d.Organisation, Email: d.Email, Phone: d.Phone}
	case content.KindOrganisation:
		it.Org = content.Organisation{Address: d.Address, Phone: d.Phone, Email: d.Email, Website: d.Website}
	case content.KindDocument:
		it.Document = content.Document{Date: it.Event.Start, Protocol: d.Protocol, OfficeID: d.OfficeID}
		it.Event.Start = time.Time{}
	}
	if it.Kind != content.KindNews {
		typ := string(it.NewsType)
		it.NewsType = ""
		it.SetType(typ)
	}
	return it, nil
}

// itemArgs are the values of the writable columns, in the order of CreateItem.
func (db *DB) itemArgs(it *content.Item, lastEnd time.Time) []any {
	var start, end any = nil, nil
	var place, lat, lon any = nil, nil, nil
	if it.Kind == content.KindEvent {
		start, end = db.t(it.Event.Start), db.nt(lastEnd)
		if it.Event.PlaceID != 0 {
			place = it.Event.PlaceID
		}
	}
	if it.Kind == content.KindPlace {
		lat, lon = it.Place.Latitude, it.Place.Longitude
	}
	if it.Kind == content.KindDocument {
		start = db.t(it.Document.Date) // a document's date, for its list's order
	}
	return []any{it.Kind, it.Type(), it.Slug, it.Title, it.Summary, it.Body, " " + strings.Join(it.Topics, " ") + " ",
		it.Status, db.nt(it.PublishAt), db.nt(it.ExpireAt), start, end, place, lat, lon, detailsOf(it), it.Revision}
}

func itemConflict(err error) error {
	switch {
	case isUnique(err):
		return apperr.E(apperr.Conflict, "content.slug.taken")
	case isForeignKey(err):
		return &apperr.Error{Kind: apperr.Invalid, Code: "content.event.place.invalid", Fields: []apperr.FieldError{{Field: "place_id", Code: "content.event.place.invalid"}}}
	}
	return err
}

// CreateItem inserts a content item; Conflict when its kind already has the slug
// in the tenant.
func (db *DB) CreateItem(ctx context.Context, it *content.Item, lastEnd time.Time) error {
	now := db.Now()
	args := append([]any{it.TenantID}, db.itemArgs(it, lastEnd)...)
	id, err := db.insertID(ctx, `INSERT INTO content_items (tenant_id, kind, news_type, slug, title, summary, body, topics,
		status, publish_at, expire_at, starts_at, last_end, place_id, latitude, longitude, details, revision, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, append(args, db.t(now), db.t(now))...)
	if err != nil {
		return itemConflict(err)
	}
	it.ID, it.CreatedAt, it.UpdatedAt = id, now, now
	return nil
}

// UpdateItem saves every field of an item of the tenant (its kind never changes).
func (db *DB) UpdateItem(ctx context.Context, it *content.Item, lastEnd time.Time) error {
	now := db.Now()
	args := append(db.itemArgs(it, lastEnd)[1:], db.t(now), it.TenantID, it.ID, it.Kind)
	err := db.execOne(ctx, `UPDATE content_items SET news_type = ?, slug = ?, title = ?, summary = ?, body = ?, topics = ?,
		status = ?, publish_at = ?, expire_at = ?, starts_at = ?, last_end = ?, place_id = ?, latitude = ?, longitude = ?,
		details = ?, revision = ?, updated_at = ? WHERE tenant_id = ? AND id = ? AND kind = ?`, args...)
	if err != nil && !apperr.Is(err, apperr.NotFound) {
		return itemConflict(err)
	}
	if err == nil {
		it.UpdatedAt = now
	}
	return notFound(err, "content.not_found")
}

// DeleteItem removes an item of the tenant with its revisions; Conflict while an
// event takes place there.
func (db *DB) DeleteItem(ctx context.Context, tenantID, id int64) error {
	err := db.execOne(ctx, "DELETE FROM content_items WHERE tenant_id = ? AND id = ?", tenantID, id)
	if isForeignKey(err) {
		return apperr.E(apperr.Conflict, "content.in_use")
	}
	if apperr.Is(err, apperr.NotFound) {
		return apperr.E(apperr.NotFound, "content.not_found")
	}
	return err
}

// Item returns an item of the tenant.
func (db *DB) Item(ctx context.Context, tenantID, id int64) (content.Item, error) {
	it, err := scanItem(db.queryRow(ctx, "SELECT "+itemColumns+" FROM content_items WHERE tenant_id = ? AND id = ?", tenantID, id))
	return it, notFound(err, "content.not_found")
}

// ItemBySlug returns an item of the tenant by kind and slug.
func (db *DB) ItemBySlug(ctx context.Context, tenantID int64, kind content.Kind, slug string) (content.Item, error) {
	it, err := scanItem(db.queryRow(ctx, "SELECT "+itemColumns+" FROM content_items WHERE tenant_id = ? AND kind = ? AND slug = ?",
		tenantID, kind, slug))
	return it, notFound(err, "content.not_found")
}

// publicWhere is the condition for what visitors see at a time.
const publicWhere = "status = 'published' AND publish_at <= ? AND (expire_at IS NULL OR expire_at > ?)"

// Items lists a page of the tenant's items: news newest first, events by start,
// places by title.
func (db *DB) Items(ctx context.Context, tenantID int64, q content.Query) (content.Page, error) {
	where := []string{"tenant_id = ?"}
	args := []any{tenantID}
	if q.Kind != "" {
		where = append(where, "kind = ?")
		args = append(args, q.Kind)
	}
	if typ := cmp.Or(string(q.NewsType), q.Type); typ != "" {
		where = append(where, "news_type = ?")
		args = append(args, typ)
	}
	if q.Topic != "" {
		where = append(where, "topics LIKE ?")
		args = append(args, "% "+q.Topic+" %")
	}
	if q.Public {
		where = append(where, publicWhere)
		args = append(args, db.t(q.At), db.t(q.At))
	} else if q.Status != "" {
		where = append(where, "status = ?")
		args = append(args, q.Status)
	}
	for _, w := range strings.Fields(q.Text) {
		where = append(where, "("+db.dialect.ilike("title")+" OR "+db.dialect.ilike("summary")+")")
		pat := "%" + strings.NewReplacer("%", "", "_", "").Replace(w) + "%"
		args = append(args, pat, pat)
	}
	cond := " FROM content_items WHERE " + strings.Join(where, " AND ")
	var p content.Page
	if err := db.queryRow(ctx, "SELECT COUNT(*)"+cond, args...).Scan(&p.Total); err != nil {
		return p, err
	}
	order := " ORDER BY updated_at DESC, id DESC"
	switch {
	case q.Public && q.Kind == content.KindNews:
		order = " ORDER BY publish_at DESC, id DESC"
	case q.Public && (q.Kind == content.KindPlace || q.Kind == content.KindPerson || q.Kind == content.KindOrganisation):
		order = " ORDER BY title, id"
	case q.Public && q.Kind == content.KindFAQ:
		order = " ORDER BY publish_at, id"
	case q.Public && q.Kind == content.KindDocument:
		order = " ORDER BY starts_at DESC, id DESC"
	case q.Public && q.Kind == content.KindEvent:
		order = " ORDER BY starts_at, id"
	}
	var err error
	p.Items, err = queryAll(ctx, db, func(r *sql.Rows) (content.Item, error) { return scanItem(r) },
		"SELECT "+itemColumns+cond+order+" LIMIT ? OFFSET ?", append(args, q.Limit, q.Offset)...)
	return p, err
}

// EventsBetween returns the tenant's public events at `at` whose occurrences may
// overlap [from, to): first start before to, last end (if any) after from.
func (db *DB) EventsBetween(ctx context.Context, tenantID int64, from, to, at time.Time, topic string) ([]content.Item, error) {
	q := "SELECT " + itemColumns + " FROM content_items WHERE tenant_id = ? AND kind = 'event' AND " + publicWhere +
		" AND starts_at < ? AND (last_end IS NULL OR last_end > ?)"
	args := []any{tenantID, db.t(at), db.t(at), db.t(to), db.t(from)}
	if topic != "" {
		q += " AND topics LIKE ?"
		args = append(args, "% "+topic+" %")
	}
	return queryAll(ctx, db, func(r *sql.Rows) (content.Item, error) { return scanItem(r) }, q+" ORDER BY starts_at, id LIMIT 5000", args...)
}

// AddRevision appends a revision of an item of the tenant.
func (db *DB) AddRevision(ctx context.Context, r content.Revision) error {
	snap, err := content.Snapshot(r.Item)
	if err != nil {
		return err
	}
	_, err = db.exec(ctx, `INSERT INTO content_revisions (tenant_id, item_id, number, action, author, snapshot, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, r.TenantID, r.ItemID, r.Number, r.Action, r.Author, string(snap), db.t(r.CreatedAt))
	if isForeignKey(err) {
		return apperr.E(apperr.NotFound, "content.not_found")
	}
	return err
}

func scanRevision(r interface{ Scan(...any) error }) (content.Revision, error) {
	var rev content.Revision
	var snap string
	if err := r.Scan(&rev.TenantID, &rev.ItemID, &rev.Number, &rev.Action, &rev.Author, &snap, ts(&rev.CreatedAt)); err != nil {
		return rev, err
	}
	var err error
	rev.Item, err = content.FromSnapshot([]byte(snap))
	return rev, err
}

const revisionColumns = "tenant_id, item_id, number, action, author, snapshot, created_at"

// Revisions lists an item's revisions, newest first.
func (db *DB) Revisions(ctx context.Context, tenantID, itemID int64) ([]content.Revision, error) {
	return queryAll(ctx, db, func(r *sql.Rows) (content.Revision, error) { return scanRevision(r) },
		"SELECT "+revisionColumns+" FROM content_revisions WHERE tenant_id = ? AND item_id = ? ORDER BY number DESC LIMIT 1000", tenantID, itemID)
}

// Revision returns one revision of an item of the tenant.
func (db *DB) Revision(ctx context.Context, tenantID, itemID int64, number int) (content.Revision, error) {
	rev, err := scanRevision(db.queryRow(ctx, "SELECT "+revisionColumns+" FROM content_revisions WHERE tenant_id = ? AND item_id = ? AND number = ?",
		tenantID, itemID, number))
	return rev, notFound(err, "content.revision.not_found")
}

// AddImage records an uploaded image of the tenant.
func (db *DB) AddImage(ctx context.Context, im *content.Image) error {
	id, err := db.insertID(ctx, `INSERT INTO content_images (tenant_id, public_id, blob_key, content_type, sha256, size, alt, name, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, im.TenantID, im.PublicID, im.Key, im.ContentType, im.SHA256, im.Size, im.Alt, im.Name, db.t(im.CreatedAt))
	if err == nil {
		im.ID = id
	}
	return err
}

const imageColumns = "tenant_id, id, public_id, blob_key, content_type, sha256, size, alt, name, created_at"

func scanImage(r interface{ Scan(...any) error }) (content.Image, error) {
	var im content.Image
	err := r.Scan(&im.TenantID, &im.ID, &im.PublicID, &im.Key, &im.ContentType, &im.SHA256, &im.Size, &im.Alt, &im.Name, ts(&im.CreatedAt))
	return im, err
}

// Image returns an image of the tenant by its public id.
func (db *DB) Image(ctx context.Context, tenantID int64, publicID string) (content.Image, error) {
	im, err := scanImage(db.queryRow(ctx, "SELECT "+imageColumns+" FROM content_images WHERE tenant_id = ? AND public_id = ?", tenantID, publicID))
	return im, notFound(err, "content.not_found")
}

// Images lists the tenant's images, newest first.
func (db *DB) Images(ctx context.Context, tenantID int64) ([]content.Image, error) {
	return queryAll(ctx, db, func(r *sql.Rows) (content.Image, error) { return scanImage(r) },
		"SELECT "+imageColumns+" FROM content_images WHERE tenant_id = ? ORDER BY id DESC LIMIT 500", tenantID)
}

// MapSettings returns the tenant's map settings and whether it has any.
func (db *DB) MapSettings(ctx context.Context, tenantID int64) (content.MapSettings, bool, error) {
	var m content.MapSettings
	err := db.queryRow(ctx, "SELECT map_tile_url, map_attribution FROM content_settings WHERE tenant_id = ?", tenantID).Scan(&m.TileURL, &m.Attribution)
	if isNoRows(err) {
		return m, false, nil
	}
	return m, err == nil, err
}

// SaveMapSettings stores the tenant's map settings.
func (db *DB) SaveMapSettings(ctx context.Context, tenantID int64, m content.MapSettings) error {
	_, err := db.exec(ctx, `INSERT INTO content_settings (tenant_id, map_tile_url, map_attribution) VALUES (?, ?, ?)
		ON CONFLICT (tenant_id) DO UPDATE SET map_tile_url = excluded.map_tile_url, map_attribution = excluded.map_attribution`,
		tenantID, m.TileURL, m.Attribution)
	return err
}

const attachmentColumns = "tenant_id, id, item_id, public_id, name, content_type, size, sha256, blob_key, created_at"

func scanAttachment(r interface{ Scan(...any) error }) (content.Attachment, error) {
	var a content.Attachment
	err := r.Scan(&a.TenantID, &a.ID, &a.ItemID, &a.PublicID, &a.Name, &a.ContentType, &a.Size, &a.SHA256, &a.Key, ts(&a.CreatedAt))
	return a, err
}

// AddAttachment records a file of an item; NotFound when the item is not the tenant's.
func (db *DB) AddAttachment(ctx context.Context, a *content.Attachment) error {
	id, err := db.insertID(ctx, `INSERT INTO content_attachments (tenant_id, item_id, public_id, name, content_type, size, sha256, blob_key, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, a.TenantID, a.ItemID, a.PublicID, a.Name, a.ContentType, a.Size, a.SHA256, a.Key, db.t(a.CreatedAt))
	if isForeignKey(err) {
		return apperr.Wrap(apperr.NotFound, "content.not_found", err)
	}
	if err == nil {
		a.ID = id
	}
	return err
}

// Attachments lists an item's files in upload order.
func (db *DB) Attachments(ctx context.Context, tenantID, itemID int64) ([]content.Attachment, error) {
	return queryAll(ctx, db, func(r *sql.Rows) (content.Attachment, error) { return scanAttachment(r) },
		"SELECT "+attachmentColumns+" FROM content_attachments WHERE tenant_id = ? AND item_id = ? ORDER BY id", tenantID, itemID)
}

// Attachment returns a file of the tenant by its public id.
func (db *DB) Attachment(ctx context.Context, tenantID int64, publicID string) (content.Attachment, error) {
	a, err := scanAttachment(db.queryRow(ctx, "SELECT "+attachmentColumns+" FROM content_attachments WHERE tenant_id = ? AND public_id = ?",
		tenantID, publicID))
	return a, notFound(err, "content.not_found")
}

// DeleteAttachment removes a file of an item and returns its record.
func (db *DB) DeleteAttachment(ctx context.Context, tenantID, itemID int64, publicID string) (content.Attachment, error) {
	a, err := scanAttachment(db.writer(ctx).QueryRowContext(ctx, db.dialect.rebind("DELETE FROM content_attachments WHERE tenant_id = ? AND item_id = ? AND public_id = ? RETURNING "+
		attachmentColumns), tenantID, itemID, publicID))
	return a, notFound(err, "content.not_found")
}
