package content

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
	"time"

	"piazza/internal/apperr"
	"piazza/internal/audit"
	"piazza/internal/check"
	"piazza/internal/search"
	"piazza/internal/vocab"
)

// Rome is the time zone of the comuni: recurrences follow its wall clock and
// calendar months are its months.
var Rome = loadRome()

func loadRome() *time.Location {
	loc, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		return time.FixedZone("CET", 3600)
	}
	return loc
}

// Query selects items for lists.
type Query struct {
	Kind     Kind
	NewsType NewsType // news only, "" for all types
	// Type is the type within the kind for the other kinds (see Item.Type), ""
	// for all.
	Type   string
	Topic  string // a topic slug, "" for all
	Status Status // "" for all (back office)
	Text   string // words in the title or summary (back office)
	// Public selects what visitors see at At: published, due and not expired.
	Public bool
	At     time.Time
	Offset int
	Limit  int
}

// Page is a page of a list and the total number of matching items.
type Page struct {
	Items []Item
	Total int
}

// Image is a picture an editor uploaded for use in bodies.
type Image struct {
	TenantID    int64
	ID          int64
	PublicID    string // random, in the public URL
	Key         string // blob key
	ContentType string // sniffed: image/jpeg, image/png or image/webp
	SHA256      string
	Size        int64
	Alt         string // alternative text, required
	Name        string // the uploaded file's name
	CreatedAt   time.Time
}

// URL is the image's path on the website.
func (im Image) URL() string { return "/contenuti/immagini/" + im.PublicID }

// Markdown is the snippet an editor pastes into a body.
func (im Image) Markdown() string {
	return "![" + strings.NewReplacer("[", "", "]", "").Replace(im.Alt) + "](" + im.URL() + ")"
}

// MapSettings is a tenant's map configuration.
type MapSettings struct {
	// TileURL is a Leaflet tile URL template ("https://{s}.tile.example/{z}/{x}/{y}.png").
	TileURL     string
	Attribution string
}

// DefaultMap is used when a tenant has configured nothing: OpenStreetMap's tiles,
// loaded only when the visitor asks for the map.
var DefaultMap = MapSettings{
	TileURL:     "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
	Attribution: "© OpenStreetMap contributors",
}

// Validate checks map settings.
func (m *MapSettings) Validate() error {
	var v apperr.Validation
	m.TileURL, m.Attribution = strings.TrimSpace(m.TileURL), strings.TrimSpace(m.Attribution)
	u := strings.NewReplacer("{s}", "a", "{z}", "1", "{x}", "1", "{y}", "1", "{r}", "").Replace(m.TileURL)
	if !check.HTTPSURL(u) || !strings.Contains(m.TileURL, "{z}") || !strings.Contains(m.TileURL, "{x}") || !strings.Contains(m.TileURL, "{y}") || len(m.TileURL) > 300 {
		v.Add("tile_url", "content.map.tile_url.invalid")
	}
	if len([]rune(m.Attribution)) < 3 || !check.Line(m.Attribution, 300) {
		v.Add("attribution", "content.map.attribution.invalid")
	}
	return v.Err()
}

// Store is what the content module needs from the database. Every method takes
// the tenant id and touches only that tenant's rows; NotFound is returned for
// another tenant's ids.
type Store interface {
	AttachmentStore
	// CreateItem inserts an item (Conflict when the slug is taken for its kind).
	CreateItem(ctx context.Context, it *Item, lastEnd time.Time) error
	// UpdateItem saves every field of an item, its revision number included.
	UpdateItem(ctx context.Context, it *Item, lastEnd time.Time) error
	DeleteItem(ctx context.Context, tenantID, id int64) error
	Item(ctx context.Context, tenantID, id int64) (Item, error)
	ItemBySlug(ctx context.Context, tenantID int64, kind Kind, slug string) (Item, error)
	Items(ctx context.Context, tenantID int64, q Query) (Page, error)
	// EventsBetween returns the public events at `at` with an occurrence that may
	// overlap [from, to) (recurrences are expanded by the caller).
	EventsBetween(ctx context.Context, tenantID int64, from, to, at time.Time, topic string) ([]Item, error)

	AddRevision(ctx context.Context, r Revision) error
	Revisions(ctx context.Context, tenantID, itemID int64) ([]Revision, error)
	Revision(ctx context.Context, tenantID, itemID int64, number int) (Revision, error)

	AddImage(ctx context.Context, im *Image) error
	Image(ctx context.Context, tenantID int64, publicID string) (Image, error)
	Images(ctx context.Context, tenantID int64) ([]Image, error)

	MapSettings(ctx context.Context, tenantID int64) (MapSettings, bool, error)
	SaveMapSettings(ctx context.Context, tenantID int64, m MapSettings) error

	// OfficeExists reports whether the tenant has the office (people and
	// documents name one).
	OfficeExists(ctx context.Context, tenantID, officeID int64) (bool, error)

	Atomic(ctx context.Context, fn func(ctx context.Context) error) error
}

// Blobs stores image files.
type Blobs interface {
	Put(ctx context.Context, key string, data []byte) error
	Get(ctx context.Context, key string) ([]byte, error)
	Delete(ctx context.Context, key string) error
}

// AuditStore appends audit entries.
type AuditStore interface {
	AppendAudit(ctx context.Context, e audit.Entry) error
}

// Service runs the use cases of the website's content.
type Service struct {
	store Store
	audit AuditStore
	blobs Blobs
	now   func() time.Time
	// newID makes public identifiers of images.
	newID func() string
	index search.Indexer
}

// SetIndexer keeps the site search current with the published items: an item is
// indexed, in the transaction that saves it, with its publication and expiry
// times (so a scheduled item is found from its publication on, an expired one no
// more), and taken out when unpublished or deleted.
func (s *Service) SetIndexer(ix search.Indexer) { s.index = ix }

// searchKinds maps content kinds to the search's facets.
var searchKinds = map[Kind]search.Kind{KindNews: search.KindNews, KindEvent: search.KindEvent, KindPlace: search.KindPlace,
	KindPerson: search.KindPerson, KindDocument: search.KindDocument}

// reindex brings the search index in line with it (inside the caller's transaction).
func (s *Service) reindex(ctx context.Context, it Item) error {
	if s.index == nil {
		return nil
	}
	kind, ok := searchKinds[it.Kind]
	if !ok {
		kind = search.KindPage
	}
	ref := strconv.FormatInt(it.ID, 10)
	if it.Status != StatusPublished || it.PublishAt.IsZero() {
		return s.index.Remove(ctx, it.TenantID, kind, ref)
	}
	body := PlainText(it.Body)
	switch it.Kind {
	case KindEvent:
		body += " " + it.Event.Venue + " " + it.Event.Organiser + " " + it.Event.Audience
	case KindPlace:
		body += " " + it.Place.Type + " " + it.Place.Address
	case KindPerson:
		body += " " + it.Person.Role
	case KindDocument:
		body += " " + it.Document.Protocol
	}
	return s.index.Index(ctx, search.Document{TenantID: it.TenantID, Kind: kind, RefID: ref, Title: it.Title, Summary: it.Summary,
		Body: body, URL: it.URL(), Topics: it.Topics, PublishedAt: it.PublishAt, ExpiresAt: it.ExpireAt})
}

// New returns the content module; now is its clock (time.Now when nil) and newID
// makes the public ids of images (NewPublicID when nil).
func New(st Store, au AuditStore, blobs Blobs, now func() time.Time, newID func() string) *Service {
	if now == nil {
		now = time.Now
	}
	if newID == nil {
		newID = NewPublicID
	}
	return &Service{store: st, audit: au, blobs: blobs, now: now, newID: newID}
}

// Now is the module's clock reading.
func (s *Service) Now() time.Time { return s.now().UTC() }

// Item returns an item of the tenant, whatever its status (back office).
func (s *Service) Item(ctx context.Context, tenantID, id int64) (Item, error) {
	return s.store.Item(ctx, tenantID, id)
}

// PublicItem returns an item visitors may see now, by kind and slug; NotFound
// otherwise (drafts, scheduled, expired and other tenants' items alike).
func (s *Service) PublicItem(ctx context.Context, tenantID int64, kind Kind, slug string) (Item, error) {
	if !check.Slug(slug) {
		return Item{}, apperr.E(apperr.NotFound, "content.not_found")
	}
	it, err := s.store.ItemBySlug(ctx, tenantID, kind, slug)
	if err != nil {
		return Item{}, err
	}
	if !it.Public(s.Now()) {
		return Item{}, apperr.E(apperr.NotFound, "content.not_found")
	}
	return it, nil
}

// List returns a page of items. Public queries see what visitors see now.
func (s *Service) List(ctx context.Context, tenantID int64, q Query) (Page, error) {
	if q.Limit <= 0 || q.Limit > 200 {
		q.Limit = 200
	}
	q.Offset = max(q.Offset, 0)
	if _, ok := vocab.TopicBySlug(q.Topic); !ok {
		q.Topic = ""
	}
	q.Text = check.Clean(q.Text)
	if len([]rune(q.Text)) > 100 {
		q.Text = string([]rune(q.Text)[:100])
	}
	if q.Public {
		q.At = s.Now()
		q.Status = StatusPublished
	}
	return s.store.Items(ctx, tenantID, q)
}

// Occurrences returns the occurrences of public events in [from, to), in start
// order, recurrences expanded; topic ("" for all) narrows them.
func (s *Service) Occurrences(ctx context.Context, tenantID int64, from, to time.Time, topic string) ([]Occurrence, error) {
	if _, ok := vocab.TopicBySlug(topic); !ok {
		topic = ""
	}
	items, err := s.store.EventsBetween(ctx, tenantID, from, to, s.Now(), topic)
	if err != nil {
		return nil, err
	}
	var out []Occurrence
	for i := range items {
		out = append(out, items[i].Occurrences(from, to)...)
	}
	slices.SortStableFunc(out, func(a, b Occurrence) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		return strings.Compare(a.Item.Title, b.Item.Title)
	})
	return out, nil
}

// Save validates and stores an item, as a new revision, and audits it.
func (s *Service) Save(ctx context.Context, it *Item) error {
	return s.save(ctx, it, "")
}

// save stores it with its revision; action names the revision ("" derives create
// or update).
func (s *Service) save(ctx context.Context, it *Item, action string) error {
	it.Normalize()
	if err := it.Validate(); err != nil {
		return err
	}
	return s.store.Atomic(ctx, func(ctx context.Context) error {
		if it.Kind == KindEvent && it.Event.PlaceID != 0 {
			p, err := s.store.Item(ctx, it.TenantID, it.Event.PlaceID)
			if err != nil || p.Kind != KindPlace {
				return fieldErr(apperr.Invalid, "place_id", "content.event.place.invalid")
			}
		}
		if err := s.checkRefs(ctx, it); err != nil {
			return err
		}
		if action == "" {
			action = "update"
			if it.ID == 0 {
				action = "create"
			}
		}
		var err error
		if it.ID == 0 {
			it.Revision = 1
			err = s.store.CreateItem(ctx, it, it.LastEnd())
		} else {
			var old Item
			old, err = s.store.Item(ctx, it.TenantID, it.ID)
			if err != nil {
				return err
			}
			if old.Kind != it.Kind {
				return fieldErr(apperr.Invalid, "kind", "content.kind.invalid")
			}
			it.Revision = old.Revision + 1
			err = s.store.UpdateItem(ctx, it, it.LastEnd())
		}
		if apperr.Is(err, apperr.Conflict) {
			return fieldErr(apperr.Conflict, "slug", "content.slug.taken")
		}
		if err != nil {
			return err
		}
		if err := s.store.AddRevision(ctx, Revision{TenantID: it.TenantID, ItemID: it.ID, Number: it.Revision, Item: *it,
			Author: audit.ActorFrom(ctx).Label, Action: action, CreatedAt: s.Now()}); err != nil {
			return err
		}
		if err := s.reindex(ctx, *it); err != nil {
			return err
		}
		return s.audit.AppendAudit(ctx, audit.New(ctx, it.TenantID, "content."+action, "content", strconv.FormatInt(it.ID, 10), it.Title))
	})
}

// checkRefs checks that the offices and bodies an item names are the tenant's.
func (s *Service) checkRefs(ctx context.Context, it *Item) error {
	office := it.Person.OfficeID
	if it.Kind == KindDocument {
		office = it.Document.OfficeID
	}
	if office != 0 {
		ok, err := s.store.OfficeExists(ctx, it.TenantID, office)
		if err != nil {
			return err
		}
		if !ok {
			return fieldErr(apperr.Invalid, "office_id", "content.person.office.invalid")
		}
	}
	if it.Kind == KindPerson && it.Person.OrganisationID != 0 {
		o, err := s.store.Item(ctx, it.TenantID, it.Person.OrganisationID)
		if err != nil || o.Kind != KindOrganisation {
			return fieldErr(apperr.Invalid, "organisation_id", "content.person.organisation.invalid")
		}
	}
	return nil
}

func fieldErr(kind apperr.Kind, field, code string) error {
	return &apperr.Error{Kind: kind, Code: code, Fields: []apperr.FieldError{{Field: field, Code: code}}}
}

// Publish makes an item public from at: now when at is zero, later when at is
// in the future (scheduled publication), or with an earlier publication date. The
// expiry, when set, must follow the publication.
func (s *Service) Publish(ctx context.Context, tenantID, id int64, at time.Time) (Item, error) {
	var it Item
	err := s.store.Atomic(ctx, func(ctx context.Context) error {
		var err error
		if it, err = s.store.Item(ctx, tenantID, id); err != nil {
			return err
		}
		now := s.Now()
		action := "publish"
		if at.IsZero() {
			at = now
		} else if at.After(now) {
			action = "schedule"
		}
		it.Status, it.PublishAt = StatusPublished, at.UTC().Truncate(time.Second)
		return s.save(ctx, &it, action)
	})
	return it, err
}

// Unpublish takes an item off the website (back to draft).
func (s *Service) Unpublish(ctx context.Context, tenantID, id int64) error {
	return s.store.Atomic(ctx, func(ctx context.Context) error {
		it, err := s.store.Item(ctx, tenantID, id)
		if err != nil {
			return err
		}
		it.Status = StatusDraft
		return s.save(ctx, &it, "unpublish")
	})
}

// Delete removes an item with its revisions; the audit log keeps the record.
func (s *Service) Delete(ctx context.Context, tenantID, id int64) error {
	return s.store.Atomic(ctx, func(ctx context.Context) error {
		it, err := s.store.Item(ctx, tenantID, id)
		if err != nil {
			return err
		}
		if err := s.store.DeleteItem(ctx, tenantID, id); err != nil {
			return err
		}
		it.Status = StatusDraft
		if err := s.reindex(ctx, it); err != nil {
			return err
		}
		return s.audit.AppendAudit(ctx, audit.New(ctx, tenantID, "content.delete", "content", strconv.FormatInt(id, 10), it.Title))
	})
}

// Revisions lists an item's revisions, newest first.
func (s *Service) Revisions(ctx context.Context, tenantID, itemID int64) ([]Revision, error) {
	if _, err := s.store.Item(ctx, tenantID, itemID); err != nil {
		return nil, err
	}
	return s.store.Revisions(ctx, tenantID, itemID)
}

// Compare returns two revisions of an item and their line diff (from a to b).
func (s *Service) Compare(ctx context.Context, tenantID, itemID int64, a, b int) (Revision, Revision, []DiffLine, error) {
	ra, err := s.store.Revision(ctx, tenantID, itemID, a)
	if err != nil {
		return Revision{}, Revision{}, nil, err
	}
	rb, err := s.store.Revision(ctx, tenantID, itemID, b)
	if err != nil {
		return Revision{}, Revision{}, nil, err
	}
	return ra, rb, Diff(ra.Item.Lines(), rb.Item.Lines()), nil
}

// Restore saves an old revision's content as the newest revision. The item keeps
// its current publication state: restoring text never publishes or withdraws it.
func (s *Service) Restore(ctx context.Context, tenantID, itemID int64, number int) (Item, error) {
	var it Item
	err := s.store.Atomic(ctx, func(ctx context.Context) error {
		cur, err := s.store.Item(ctx, tenantID, itemID)
		if err != nil {
			return err
		}
		rev, err := s.store.Revision(ctx, tenantID, itemID, number)
		if err != nil {
			return err
		}
		it = rev.Item
		it.ID, it.TenantID, it.Kind = cur.ID, cur.TenantID, cur.Kind
		it.Status, it.PublishAt, it.ExpireAt = cur.Status, cur.PublishAt, cur.ExpireAt
		it.CreatedAt = cur.CreatedAt
		return s.save(ctx, &it, "restore")
	})
	return it, err
}

// MaxImageBytes bounds an uploaded image.
const MaxImageBytes = 5 << 20

// imageTypes are the image types accepted, by sniffed content type.
var imageTypes = map[string]string{"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}

// UploadImage stores a picture for use in bodies: its type is sniffed from the
// bytes (JPEG, PNG or WebP), its size bounded and its alternative text required.
func (s *Service) UploadImage(ctx context.Context, tenantID int64, name string, data []byte, alt string) (Image, error) {
	var v apperr.Validation
	alt = strings.Join(strings.Fields(check.Clean(alt)), " ")
	if len([]rune(alt)) < 3 || !check.Line(alt, 300) {
		v.Add("alt", "content.image.alt.required")
	}
	ctype := sniffImage(data)
	ext, ok := imageTypes[ctype]
	switch {
	case len(data) == 0:
		v.Add("file", "content.image.file.required")
	case len(data) > MaxImageBytes:
		v.Add("file", "content.image.file.too_large")
	case !ok:
		v.Add("file", "content.image.file.type")
	}
	if err := v.Err(); err != nil {
		return Image{}, err
	}
	name = check.Clean(name)
	if !check.Line(name, 200) {
		name = ""
	}
	im := Image{TenantID: tenantID, PublicID: s.newID(), ContentType: ctype, Size: int64(len(data)), Alt: alt, Name: name, CreatedAt: s.Now()}
	im.SHA256 = sha256Hex(data)
	im.Key = "content/" + strconv.FormatInt(tenantID, 10) + "/" + im.PublicID + "." + ext
	if err := s.blobs.Put(ctx, im.Key, data); err != nil {
		return Image{}, err
	}
	err := s.store.Atomic(ctx, func(ctx context.Context) error {
		if err := s.store.AddImage(ctx, &im); err != nil {
			return err
		}
		return s.audit.AppendAudit(ctx, audit.New(ctx, tenantID, "content.image.upload", "content_image", im.PublicID, alt))
	})
	return im, err
}

// Image returns an uploaded image with its bytes.
func (s *Service) Image(ctx context.Context, tenantID int64, publicID string) (Image, []byte, error) {
	if !check.Slug(publicID) {
		return Image{}, nil, apperr.E(apperr.NotFound, "content.not_found")
	}
	im, err := s.store.Image(ctx, tenantID, publicID)
	if err != nil {
		return Image{}, nil, err
	}
	data, err := s.blobs.Get(ctx, im.Key)
	return im, data, err
}

// Images lists the tenant's uploaded images, newest first.
func (s *Service) Images(ctx context.Context, tenantID int64) ([]Image, error) {
	return s.store.Images(ctx, tenantID)
}

// Map returns the tenant's map settings (DefaultMap when none).
func (s *Service) Map(ctx context.Context, tenantID int64) (MapSettings, error) {
	m, ok, err := s.store.MapSettings(ctx, tenantID)
	if err != nil || !ok {
		return DefaultMap, err
	}
	return m, nil
}

// SaveMap stores the tenant's map settings.
func (s *Service) SaveMap(ctx context.Context, tenantID int64, m MapSettings) error {
	if err := m.Validate(); err != nil {
		return err
	}
	return s.store.Atomic(ctx, func(ctx context.Context) error {
		if err := s.store.SaveMapSettings(ctx, tenantID, m); err != nil {
			return err
		}
		return s.audit.AppendAudit(ctx, audit.New(ctx, tenantID, "content.map.update", "content_map", "", m.TileURL))
	})
}

func sha256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// NewPublicID returns a random, unguessable identifier that is also a valid slug
// (26 characters of lower-case base32).
func NewPublicID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

// sniffImage returns the type of an image from its first bytes (the signatures of
// JPEG, PNG and WebP), or "" for anything else.
func sniffImage(b []byte) string {
	switch {
	case len(b) >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF:
		return "image/jpeg"
	case len(b) >= 8 && string(b[:8]) == "\x89PNG\r\n\x1a\n":
		return "image/png"
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return "image/webp"
	}
	return ""
}
