// Package services holds the service cards (schede servizio) of each comune and the
// platform's shared catalogue of card templates.
//
// A card describes one service the way the Modello Comuni asks: what it is, who it
// is for, how to use it, what is needed and obtained, times, how to access it, the
// conditions and the responsible office. A card whose channel is the online form
// names the form (by key) that the applications module fills.
//
// The consortium operator publishes a card, with its form, as a template; a tenant
// admin adopts it, which copies it into the tenant, where it can then be changed
// freely: sharing practice without forcing every comune into the same text.
package services

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"time"

	"piazza/internal/apperr"
	"piazza/internal/check"
	"piazza/internal/vocab"
)

// Status is whether a service can be used now.
type Status string

// The statuses of a card.
const (
	StatusActive    Status = "active"    // in service
	StatusSuspended Status = "suspended" // temporarily unavailable, with a reason
	StatusScheduled Status = "scheduled" // available from a date
)

// Statuses lists the statuses in display order.
var Statuses = []Status{StatusActive, StatusSuspended, StatusScheduled}

// Channel is how a citizen uses the service.
type Channel string

// The channels.
const (
	ChannelOnline   Channel = "online"    // an online form on Piazza
	ChannelBooking  Channel = "booking"   // an appointment at the office
	ChannelInPerson Channel = "in_person" // at the counter
	ChannelExternal Channel = "external"  // on another platform (a link)
)

// Channels lists the channels in display order.
var Channels = []Channel{ChannelOnline, ChannelBooking, ChannelInPerson, ChannelExternal}

// AuthLevel is the digital identity a citizen needs to use an online service.
type AuthLevel string

// The authentication levels.
const (
	AuthNone AuthLevel = "none"  // no sign-in (information only or external)
	AuthSPID AuthLevel = "spid2" // SPID level 2 or CIE
	AuthHigh AuthLevel = "spid3" // SPID level 3 or CIE
)

// AuthLevels lists the levels in display order.
var AuthLevels = []AuthLevel{AuthNone, AuthSPID, AuthHigh}

// Audience is a group a service is addressed to.
type Audience string

// The audiences.
const (
	AudienceCitizens     Audience = "citizens"
	AudienceBusinesses   Audience = "businesses"
	AudienceAssociations Audience = "associations"
	AudienceProfessions  Audience = "professionals"
)

// Audiences lists the audiences in display order.
var Audiences = []Audience{AudienceCitizens, AudienceBusinesses, AudienceAssociations, AudienceProfessions}

// Card is a service card of a tenant.
type Card struct {
	ID       int64
	TenantID int64
	Slug     string
	Title    string
	// Summary is the short description shown under the title and in lists.
	Summary string
	// Description is the full description.
	Description  string
	Status       Status
	StatusReason string    // why it is suspended or scheduled
	AvailableOn  time.Time // for scheduled cards: the first day (zero otherwise)
	Category     string    // a vocab.ServiceCategories slug
	Topics       []string  // vocab.Topics slugs, at least one
	Audiences    []Audience

	// The sections of the card, in the model's order.
	WhoFor     string // A chi è rivolto
	HowTo      string // Come fare
	Needed     string // Cosa serve
	Outcome    string // Cosa si ottiene
	Timing     string // Tempi e scadenze
	Access     string // Accedi al servizio (text shown with the channel's button)
	Conditions string // Condizioni di servizio
	OfficeID   int64  // Contatti: the responsible office

	Costs           string // costs and how to pay, "" when free
	MaxResponseDays int    // termine del procedimento, in days (0: immediate or not applicable)
	Channel         Channel
	ExternalURL     string // for the external channel
	AuthLevel       AuthLevel
	FormKey         string // for the online channel: the form to fill
	// Business marks services for businesses: applications carry the company data
	// and the legal representative's declaration.
	Business bool
	// AllowsWithdrawal lets the citizen withdraw a submitted application.
	AllowsWithdrawal bool
	// MaxUploadMB bounds the attachments of one application, in MB (0: the default).
	MaxUploadMB int

	Published  bool
	TemplateID int64 // the catalogue template it was adopted from (0: none)
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// DefaultMaxUploadMB bounds the attachments of one application when the card says nothing.
const DefaultMaxUploadMB = 20

// MaxUploadBytes is the attachments limit of one application.
func (c Card) MaxUploadBytes() int64 {
	mb := c.MaxUploadMB
	if mb <= 0 {
		mb = DefaultMaxUploadMB
	}
	return int64(mb) << 20
}

// Online reports whether the card is used through a Piazza form.
func (c Card) Online() bool { return c.Channel == ChannelOnline && c.FormKey != "" }

// Usable reports whether a citizen can start the service at t: published, active
// (or scheduled and past its date).
func (c Card) Usable(t time.Time) bool {
	if !c.Published {
		return false
	}
	switch c.Status {
	case StatusActive:
		return true
	case StatusScheduled:
		return !c.AvailableOn.IsZero() && !t.Before(c.AvailableOn)
	}
	return false
}

// CategoryLabel is the model's label of the card's category.
func (c Card) CategoryLabel() string {
	cat, _ := vocab.CategoryBySlug(c.Category)
	return cat.Label
}

// TopicLabels are the model's labels of the card's topics.
func (c Card) TopicLabels() []string {
	out := make([]string, 0, len(c.Topics))
	for _, s := range c.Topics {
		if t, ok := vocab.TopicBySlug(s); ok {
			out = append(out, t.Label)
		}
	}
	return out
}

// HasAudience reports whether the card addresses a.
func (c Card) HasAudience(a Audience) bool { return slices.Contains(c.Audiences, a) }

// Normalize trims the fields, derives the slug and drops duplicate list items.
func (c *Card) Normalize() {
	c.Title = strings.Join(strings.Fields(check.Clean(c.Title)), " ")
	c.Summary = strings.Join(strings.Fields(check.Clean(c.Summary)), " ")
	for _, p := range []*string{&c.Description, &c.WhoFor, &c.HowTo, &c.Needed, &c.Outcome, &c.Timing, &c.Access, &c.Conditions, &c.Costs, &c.StatusReason} {
		*p = strings.TrimSpace(strings.ReplaceAll(*p, "\r\n", "\n"))
	}
	c.Slug = strings.ToLower(strings.TrimSpace(c.Slug))
	if c.Slug == "" {
		c.Slug = check.Slugify(c.Title)
	}
	c.ExternalURL = strings.TrimSpace(c.ExternalURL)
	c.FormKey = strings.ToLower(strings.TrimSpace(c.FormKey))
	c.Topics = dedupe(c.Topics)
	c.Audiences = dedupe(c.Audiences)
	if c.Status == "" {
		c.Status = StatusActive
	}
	if c.Status == StatusActive {
		c.StatusReason = ""
		c.AvailableOn = time.Time{}
	}
	if c.Channel != ChannelExternal {
		c.ExternalURL = ""
	}
	if c.Channel != ChannelOnline {
		c.FormKey = ""
	}
	if c.AuthLevel == "" {
		c.AuthLevel = AuthNone
		if c.Channel == ChannelOnline {
			c.AuthLevel = AuthSPID
		}
	}
}

func dedupe[T comparable](in []T) []T {
	var out []T
	for _, v := range in {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

var formKeyRE = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// Validate checks a card; every problem is reported on its field.
func (c *Card) Validate() error {
	var v apperr.Validation
	if len([]rune(c.Title)) < 3 || !check.Line(c.Title, 160) {
		v.Add("title", "service.title.invalid")
	}
	if !check.Slug(c.Slug) || len(c.Slug) > 100 {
		v.Add("slug", "service.slug.invalid")
	}
	if len([]rune(c.Summary)) < 3 || !check.Line(c.Summary, 300) {
		v.Add("summary", "service.summary.invalid")
	}
	if !check.Text(c.Description, 20000) {
		v.Add("description", "service.description.invalid")
	}
	if !slices.Contains(Statuses, c.Status) {
		v.Add("status", "service.status.invalid")
	}
	if c.Status != StatusActive && (len([]rune(c.StatusReason)) < 3 || !check.Text(c.StatusReason, 1000)) {
		v.Add("status_reason", "service.status_reason.required")
	}
	if c.Status == StatusScheduled && c.AvailableOn.IsZero() {
		v.Add("available_on", "service.available_on.required")
	}
	if _, ok := vocab.CategoryBySlug(c.Category); !ok {
		v.Add("category", "service.category.invalid")
	}
	if len(c.Topics) == 0 || len(c.Topics) > 10 {
		v.Add("topics", "service.topics.invalid")
	}
	for _, t := range c.Topics {
		if _, ok := vocab.TopicBySlug(t); !ok {
			v.Add("topics", "service.topics.invalid")
			break
		}
	}
	if len(c.Audiences) == 0 {
		v.Add("audiences", "service.audiences.invalid")
	}
	for _, a := range c.Audiences {
		if !slices.Contains(Audiences, a) {
			v.Add("audiences", "service.audiences.invalid")
			break
		}
	}
	sections := []struct {
		field string
		value string
	}{
		{"who_for", c.WhoFor}, {"how_to", c.HowTo}, {"needed", c.Needed}, {"outcome", c.Outcome},
		{"timing", c.Timing}, {"access", c.Access}, {"conditions", c.Conditions},
	}
	for _, s := range sections {
		// The checker wants at least 3 characters in each section.
		if len([]rune(s.value)) < 3 || !check.Text(s.value, 20000) {
			v.Add(s.field, "service.section.required")
		}
	}
	if c.OfficeID <= 0 {
		v.Add("office_id", "service.office.required")
	}
	if !check.Text(c.Costs, 4000) {
		v.Add("costs", "service.costs.invalid")
	}
	if c.MaxResponseDays < 0 || c.MaxResponseDays > 365*3 {
		v.Add("max_response_days", "service.max_response_days.invalid")
	}
	if !slices.Contains(Channels, c.Channel) {
		v.Add("channel", "service.channel.invalid")
	}
	if c.Channel == ChannelExternal && !check.HTTPSURL(c.ExternalURL) {
		v.Add("external_url", "service.external_url.invalid")
	}
	if c.Channel == ChannelOnline {
		if !formKeyRE.MatchString(c.FormKey) || len(c.FormKey) > 60 {
			v.Add("form_key", "service.form_key.invalid")
		}
		if c.AuthLevel == AuthNone {
			// Applications belong to a person: online services need a digital identity.
			v.Add("auth_level", "service.auth_level.online")
		}
	}
	if !slices.Contains(AuthLevels, c.AuthLevel) {
		v.Add("auth_level", "service.auth_level.invalid")
	}
	if c.MaxUploadMB < 0 || c.MaxUploadMB > 200 {
		v.Add("max_upload_mb", "service.max_upload_mb.invalid")
	}
	return v.Err()
}

// Query selects cards for lists and search.
type Query struct {
	Category  string // a category slug, "" for all
	Topic     string // a topic slug, "" for all
	Text      string // words that must all appear in title, summary or description
	Published bool   // only published cards
	Limit     int
}

// NormalizeQuery bounds a query from outside input.
func NormalizeQuery(q Query) Query {
	q.Text = check.Clean(q.Text)
	if len([]rune(q.Text)) > 100 {
		q.Text = string([]rune(q.Text)[:100])
	}
	if _, ok := vocab.CategoryBySlug(q.Category); !ok {
		q.Category = ""
	}
	if _, ok := vocab.TopicBySlug(q.Topic); !ok {
		q.Topic = ""
	}
	if q.Limit <= 0 || q.Limit > 500 {
		q.Limit = 500
	}
	return q
}

// Store is what the services module needs from the database.
type Store interface {
	CreateCard(ctx context.Context, c *Card) error
	UpdateCard(ctx context.Context, c *Card) error
	DeleteCard(ctx context.Context, tenantID, id int64) error
	SetCardPublished(ctx context.Context, tenantID, id int64, on bool, at time.Time) error
	Card(ctx context.Context, tenantID, id int64) (Card, error)
	CardBySlug(ctx context.Context, tenantID int64, slug string) (Card, error)
	CardByForm(ctx context.Context, tenantID int64, formKey string) (Card, error)
	Cards(ctx context.Context, tenantID int64, q Query) ([]Card, error)
	CardCounts(ctx context.Context, tenantID int64, published bool) (map[string]int, error)

	CreateTemplate(ctx context.Context, t *Template) error
	Template(ctx context.Context, id int64) (Template, error)
	Templates(ctx context.Context, withWithdrawn bool) ([]Template, error)
	WithdrawTemplate(ctx context.Context, id int64, at time.Time) error

	Atomic(ctx context.Context, fn func(ctx context.Context) error) error
}
