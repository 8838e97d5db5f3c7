// Package reports is the citizens' reports of problems in the street (segnalazioni):
// per-tenant categories, each handled by one office; reports with an unguessable
// public code, a place (a point, an address or both), photos cleaned of their
// metadata, a public history of updates, and the reporter's contact details, which
// only staff ever see. The workflow keeps "fixed" apart from "closed":
//
//	submitted → acknowledged → in progress → fixed
//	any open state → closed (with a reason)
//
// The package holds no SQL and no HTTP; see Store for what it needs.
package reports

import (
	"math"
	"slices"
	"strings"
	"time"

	"piazza/internal/apperr"
	"piazza/internal/applications"
	"piazza/internal/check"
)

// Status is where a report stands.
type Status string

const (
	Submitted    Status = "submitted"    // filed, nobody has looked at it yet
	Acknowledged Status = "acknowledged" // the office has taken it in charge
	InProgress   Status = "in_progress"  // work is under way
	Fixed        Status = "fixed"        // the problem is solved
	Closed       Status = "closed"       // ended without a fix; CloseReason says why
)

// Statuses in workflow order.
var Statuses = []Status{Submitted, Acknowledged, InProgress, Fixed, Closed}

// Valid reports whether s is a known status.
func (s Status) Valid() bool { return slices.Contains(Statuses, s) }

// Open reports whether the report still waits for the office.
func (s Status) Open() bool { return s == Submitted || s == Acknowledged || s == InProgress }

// Note is the short public note of a status for APIs (Open311 status_notes).
func (s Status) Note(reason CloseReason) string {
	switch s {
	case Submitted:
		return "submitted"
	case Closed:
		if reason != "" {
			return "closed: " + string(reason)
		}
		return "closed"
	}
	return string(s)
}

// transitions are the office's moves. Closing is allowed from every open state.
var transitions = map[Status][]Status{
	Submitted:    {Acknowledged, InProgress, Fixed, Closed},
	Acknowledged: {InProgress, Fixed, Closed},
	InProgress:   {Fixed, Closed},
}

// CanMove reports whether the office may move a report from one status to another.
func CanMove(from, to Status) bool { return slices.Contains(transitions[from], to) }

// CloseReason says why a report was closed without a fix.
type CloseReason string

const (
	NotCompetent CloseReason = "not_competent" // another body handles it (named in the answer)
	Duplicate    CloseReason = "duplicate"     // the same problem was reported already
	NoAction     CloseReason = "no_action"     // nothing can or needs to be done
	Forwarded    CloseReason = "forwarded"     // passed to another body
)

// CloseReasons in display order.
var CloseReasons = []CloseReason{NotCompetent, Duplicate, NoAction, Forwarded}

// Valid reports whether r is a known reason.
func (r CloseReason) Valid() bool { return slices.Contains(CloseReasons, r) }

// Limits of the text fields.
const (
	MaxSubject     = 120
	MaxDescription = 4000
	MaxAddress     = 200
	MaxName        = 120
	MaxUpdate      = 4000
	MaxCategory    = 80
	MaxPhotos      = 5
	MaxPhotoBytes  = 10 << 20
)

// Category is a kind of problem, handled by one office.
type Category struct {
	ID          int64
	TenantID    int64
	Code        string // the Open311 service_code: a slug, stable
	Name        string
	NameEN      string
	Group       string // optional grouping ("Strade", "Verde")
	Description string
	OfficeID    int64
	Active      bool
	Position    int

	OfficeName string // joined from offices
}

// Label is the name in the given language.
func (c Category) Label(lang string) string {
	if lang == "en" && c.NameEN != "" {
		return c.NameEN
	}
	return c.Name
}

// Normalize trims the category's fields.
func (c *Category) Normalize() {
	c.Code = strings.ToLower(strings.TrimSpace(c.Code))
	c.Name = strings.Join(strings.Fields(c.Name), " ")
	c.NameEN = strings.Join(strings.Fields(c.NameEN), " ")
	c.Group = strings.Join(strings.Fields(c.Group), " ")
	c.Description = check.Clean(c.Description)
	if c.Code == "" {
		c.Code = check.Slugify(c.Name)
	}
}

// Validate checks a normalised category.
func (c *Category) Validate() error {
	var v apperr.Validation
	if !check.Slug(c.Code) || len(c.Code) > 60 {
		v.Add("code", "reports.category.code")
	}
	if c.Name == "" {
		v.Add("name", "reports.category.name")
	} else if !check.Line(c.Name, MaxCategory) {
		v.Add("name", "reports.category.name")
	}
	if !check.Line(c.NameEN, MaxCategory) || !check.Line(c.Group, MaxCategory) {
		v.Add("name_en", "reports.category.name")
	}
	if !check.Text(c.Description, 1000) {
		v.Add("description", "reports.category.description")
	}
	if c.OfficeID <= 0 {
		v.Add("office", "reports.category.office")
	}
	return v.Err()
}

// Point is a WGS 84 position. Zero means "no point".
type Point struct {
	Lat, Lon float64
}

// IsZero reports whether no point is set.
func (p Point) IsZero() bool { return p.Lat == 0 && p.Lon == 0 }

// Valid reports whether p is a real position on Earth.
func (p Point) Valid() bool {
	return !math.IsNaN(p.Lat) && !math.IsNaN(p.Lon) && p.Lat >= -90 && p.Lat <= 90 && p.Lon >= -180 && p.Lon <= 180 && !p.IsZero()
}

// Report is one problem reported by a citizen. Name, Email, Phone and CitizenID are
// the reporter's and never public.
type Report struct {
	ID          int64
	TenantID    int64
	Code        string // public, unguessable: "K7QH-3M9X-2PTA"
	CategoryID  int64
	OfficeID    int64
	Status      Status
	CloseReason CloseReason
	Subject     string
	Description string
	Point       Point
	Address     string
	Source      string // "web", "open311:<integrator>", "demo", "staff"
	Name        string
	Email       string
	Phone       string
	CitizenID   int64
	Lang        string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	// FirstAnswerAt is the first public update by the office; FixedAt and ClosedAt
	// the moments the report reached those states (zero otherwise).
	FirstAnswerAt time.Time
	FixedAt       time.Time
	ClosedAt      time.Time

	CategoryName   string // joined
	CategoryNameEN string
	CategoryCode   string
	OfficeName     string
	Photos         []Photo  // filled by the service where needed
	Updates        []Update // public history, oldest first
}

// Public is the part of a report that anybody may see: the reporter's name and
// contact details are dropped.
func (r Report) Public() Report {
	r.Name, r.Email, r.Phone, r.CitizenID = "", "", "", 0
	return r
}

// CategoryLabel is the category's name in the given language.
func (r Report) CategoryLabel(lang string) string {
	if lang == "en" && r.CategoryNameEN != "" {
		return r.CategoryNameEN
	}
	return r.CategoryName
}

// Update is one entry of a report's history: a status change, an answer, or both.
// Public updates are shown on the report's page and sent to the reporter.
type Update struct {
	ID        int64
	TenantID  int64
	ReportID  int64
	Status    Status // the status after this update ("" when unchanged)
	Body      string
	Public    bool
	AuthorID  int64 // staff account; 0 for the reporter or the system
	CreatedAt time.Time
}

// Photo is an image attached to a report, stored through internal/upload: the
// image itself (re-encoded, without metadata) and a small thumbnail.
type Photo struct {
	ID        int64
	TenantID  int64
	ReportID  int64
	FileID    string // public id of the image, used in its URL
	Key       string // blob key of the image
	ThumbKey  string // blob key of the thumbnail
	Type      string
	SHA256    string
	Size      int64
	CreatedAt time.Time
}

// NewCode returns a public report code (60 random bits, Crockford base32).
func NewCode() (string, error) { return applications.NewCode() }

// NormalizeCode reads a code as people type it ("" when it cannot be one).
func NormalizeCode(s string) string { return applications.NormalizeCode(s) }

// Request is what a reporter submits (on the site or through Open311).
type Request struct {
	TenantID    int64
	CategoryID  int64
	Subject     string
	Description string
	Point       Point
	Address     string
	Name        string
	Email       string
	Phone       string
	CitizenID   int64
	Lang        string
	Source      string
	Photos      []PhotoUpload
}

// PhotoUpload is one image as received.
type PhotoUpload struct {
	Name string
	Data []byte
}

// Normalize trims the request.
func (r *Request) Normalize() {
	r.Subject = strings.Join(strings.Fields(r.Subject), " ")
	r.Description = check.Clean(r.Description)
	r.Address = strings.Join(strings.Fields(r.Address), " ")
	r.Name = strings.Join(strings.Fields(r.Name), " ")
	r.Email = strings.ToLower(strings.TrimSpace(r.Email))
	r.Phone = strings.TrimSpace(r.Phone)
	if r.Lang != "en" {
		r.Lang = "it"
	}
	if r.Source == "" {
		r.Source = "web"
	}
}

// Validate checks the fields that do not need the database. A report needs a
// place: a point, an address, or both.
func (r *Request) Validate() error {
	var v apperr.Validation
	if r.CategoryID <= 0 {
		v.Add("category", "reports.category.required")
	}
	if r.Subject == "" {
		v.Add("subject", "reports.subject.required")
	} else if !check.Line(r.Subject, MaxSubject) {
		v.AddArgs("subject", "reports.subject.invalid", map[string]any{"Max": MaxSubject})
	}
	if r.Description == "" {
		v.Add("description", "reports.description.required")
	} else if !check.Text(r.Description, MaxDescription) {
		v.AddArgs("description", "reports.description.too_long", map[string]any{"Max": MaxDescription})
	}
	if !r.Point.IsZero() && !r.Point.Valid() {
		v.Add("lat", "reports.point.invalid")
	}
	if !check.Line(r.Address, MaxAddress) {
		v.AddArgs("address", "reports.address.invalid", map[string]any{"Max": MaxAddress})
	}
	if r.Point.IsZero() && r.Address == "" {
		v.Add("address", "reports.place.required")
	}
	if r.CitizenID == 0 {
		if r.Name == "" {
			v.Add("name", "reports.name.required")
		}
		if r.Email == "" {
			v.Add("email", "reports.email.required")
		}
	}
	if r.Name != "" && !check.Line(r.Name, MaxName) {
		v.Add("name", "reports.name.invalid")
	}
	if r.Email != "" && !check.Email(r.Email) {
		v.Add("email", "reports.email.invalid")
	}
	if r.Phone != "" && !check.Phone(r.Phone) {
		v.Add("phone", "reports.phone.invalid")
	}
	if len(r.Photos) > MaxPhotos {
		v.AddArgs("photos", "reports.photos.too_many", map[string]any{"Max": MaxPhotos})
	}
	return v.Err()
}

// Filter selects reports in lists, maps and the Open311 API. Zero fields select
// everything; Limit is capped by the store.
type Filter struct {
	CategoryIDs []int64
	OfficeID    int64
	Statuses    []Status
	From, To    time.Time // created in [From, To)
	Codes       []string
	// Box is a viewport: south-west and north-east corners (zero: everywhere).
	Box    [2]Point
	Offset int
	Limit  int
}

// HasBox reports whether the filter has a viewport.
func (f Filter) HasBox() bool { return !f.Box[0].IsZero() || !f.Box[1].IsZero() }
