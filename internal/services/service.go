package services

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"piazza/internal/apperr"
	"piazza/internal/audit"
	"piazza/internal/check"
	"piazza/internal/search"
)

// Template is a card published by the consortium operator in the shared catalogue,
// with the JSON definition of its form when the card is an online service.
type Template struct {
	ID           int64
	Card         Card   // the card's content; ids, office and publication are not part of it
	FormJSON     []byte // the form definition, nil for cards without a form
	Note         string // what the operator says about it (e.g. the law it implements)
	SourceTenant int64  // the tenant it was taken from
	PublishedBy  int64
	PublishedAt  time.Time
	WithdrawnAt  time.Time // zero while adoptable
	Adoptions    int       // how many tenants adopted it
}

// Withdrawn reports whether the template can no longer be adopted.
func (t *Template) Withdrawn() bool { return !t.WithdrawnAt.IsZero() }

// Forms is what the catalogue needs from the forms module: copying a form's
// definition out of a tenant and into another.
type Forms interface {
	// Export returns the live (or latest) definition of a tenant's form.
	Export(ctx context.Context, tenantID int64, key string) ([]byte, error)
	// Adopt stores a definition as the tenant's live form with that key.
	Adopt(ctx context.Context, tenantID int64, key string, definition []byte) error
	// Exists reports whether the tenant has a form with that key.
	Exists(ctx context.Context, tenantID int64, key string) (bool, error)
}

// Offices is what cards need from the accounts module.
type Offices interface {
	OfficeExists(ctx context.Context, tenantID, officeID int64) (bool, error)
}

// AuditStore appends audit entries.
type AuditStore interface {
	AppendAudit(ctx context.Context, e audit.Entry) error
}

// Service runs the use cases of service cards and the catalogue.
type Service struct {
	store   Store
	audit   AuditStore
	forms   Forms
	offices Offices
	index   search.Indexer
	now     func() time.Time
}

// New returns the services module. forms may be nil until the forms module exists:
// templates are then published and adopted without their form.
func New(st Store, au AuditStore, forms Forms, offices Offices, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: st, audit: au, forms: forms, offices: offices, now: now}
}

// SetForms connects the forms module (it is built after this one).
func (s *Service) SetForms(f Forms) { s.forms = f }

// SetIndexer keeps the site search current with the published cards.
func (s *Service) SetIndexer(ix search.Indexer) { s.index = ix }

// URL is the card's path on the site.
func (c Card) URL() string { return "/servizi/" + c.Category + "/" + c.Slug }

// reindex puts a published card in the search index, or takes it out.
func (s *Service) reindex(ctx context.Context, c Card) error {
	if s.index == nil {
		return nil
	}
	ref := strconv.FormatInt(c.ID, 10)
	if !c.Published {
		return s.index.Remove(ctx, c.TenantID, search.KindService, ref)
	}
	body := strings.Join([]string{c.Description, c.WhoFor, c.HowTo, c.Needed, c.Outcome, c.Timing, c.Costs, c.Access, c.Conditions}, "\n")
	return s.index.Index(ctx, search.Document{TenantID: c.TenantID, Kind: search.KindService, RefID: ref, Title: c.Title,
		Summary: c.Summary, Body: body, URL: c.URL(), Topics: c.Topics, PublishedAt: c.UpdatedAt})
}

// Card returns a card of the tenant.
func (s *Service) Card(ctx context.Context, tenantID, id int64) (Card, error) {
	return s.store.Card(ctx, tenantID, id)
}

// CardBySlug returns a card of the tenant by its slug.
func (s *Service) CardBySlug(ctx context.Context, tenantID int64, slug string) (Card, error) {
	if !check.Slug(slug) {
		return Card{}, apperr.E(apperr.NotFound, "service.not_found")
	}
	return s.store.CardBySlug(ctx, tenantID, slug)
}

// CardByForm returns the card that uses a form.
func (s *Service) CardByForm(ctx context.Context, tenantID int64, formKey string) (Card, error) {
	return s.store.CardByForm(ctx, tenantID, formKey)
}

// Cards lists the tenant's cards.
func (s *Service) Cards(ctx context.Context, tenantID int64, q Query) ([]Card, error) {
	return s.store.Cards(ctx, tenantID, NormalizeQuery(q))
}

// CategoryCounts counts the tenant's (published) cards per category.
func (s *Service) CategoryCounts(ctx context.Context, tenantID int64, published bool) (map[string]int, error) {
	return s.store.CardCounts(ctx, tenantID, published)
}

// Save creates or updates a card and audits it.
func (s *Service) Save(ctx context.Context, c *Card) error {
	c.Normalize()
	if err := c.Validate(); err != nil {
		return err
	}
	ok, err := s.offices.OfficeExists(ctx, c.TenantID, c.OfficeID)
	if err != nil {
		return err
	}
	if !ok {
		return &apperr.Error{Kind: apperr.Invalid, Code: "service.office.required", Fields: []apperr.FieldError{{Field: "office_id", Code: "service.office.required"}}}
	}
	if c.Online() && s.forms != nil {
		// The online channel needs a form the tenant has (a draft is enough to start).
		exists, err := s.forms.Exists(ctx, c.TenantID, c.FormKey)
		if err != nil {
			return err
		}
		if !exists {
			return &apperr.Error{Kind: apperr.Invalid, Code: "service.form_key.unknown", Fields: []apperr.FieldError{{Field: "form_key", Code: "service.form_key.unknown"}}}
		}
	}
	return s.store.Atomic(ctx, func(ctx context.Context) error {
		action := "service.update"
		var err error
		if c.ID == 0 {
			action = "service.create"
			err = s.store.CreateCard(ctx, c)
		} else {
			err = s.store.UpdateCard(ctx, c)
		}
		if apperr.Is(err, apperr.Conflict) {
			return &apperr.Error{Kind: apperr.Conflict, Code: "service.slug.taken", Fields: []apperr.FieldError{{Field: "slug", Code: "service.slug.taken"}}}
		}
		if err != nil {
			return err
		}
		// Publication is not part of the card's content: the stored flag decides.
		cur, err := s.store.Card(ctx, c.TenantID, c.ID)
		if err != nil {
			return err
		}
		c.Published, c.UpdatedAt = cur.Published, cur.UpdatedAt
		if err := s.reindex(ctx, *c); err != nil {
			return err
		}
		return s.audit.AppendAudit(ctx, audit.New(ctx, c.TenantID, action, "service", strconv.FormatInt(c.ID, 10), c.Title))
	})
}

// SetPublished publishes or withdraws a card from the website.
func (s *Service) SetPublished(ctx context.Context, tenantID, id int64, on bool) error {
	return s.store.Atomic(ctx, func(ctx context.Context) error {
		c, err := s.store.Card(ctx, tenantID, id)
		if err != nil {
			return err
		}
		if on {
			// A card saved before a rule tightened must still pass it to go public.
			if err := c.Validate(); err != nil {
				return err
			}
		}
		if err := s.store.SetCardPublished(ctx, tenantID, id, on, s.now().UTC()); err != nil {
			return err
		}
		c.Published = on
		if err := s.reindex(ctx, c); err != nil {
			return err
		}
		action := "service.unpublish"
		if on {
			action = "service.publish"
		}
		return s.audit.AppendAudit(ctx, audit.New(ctx, tenantID, action, "service", strconv.FormatInt(id, 10), c.Title))
	})
}

// Delete removes a card. Applications already submitted keep their own copy of
// what they need (the store refuses to delete a card that applications reference).
func (s *Service) Delete(ctx context.Context, tenantID, id int64) error {
	return s.store.Atomic(ctx, func(ctx context.Context) error {
		c, err := s.store.Card(ctx, tenantID, id)
		if err != nil {
			return err
		}
		if err := s.store.DeleteCard(ctx, tenantID, id); err != nil {
			return err
		}
		c.Published = false
		if err := s.reindex(ctx, c); err != nil {
			return err
		}
		return s.audit.AppendAudit(ctx, audit.New(ctx, tenantID, "service.delete", "service", strconv.FormatInt(id, 10), c.Title))
	})
}

// Templates lists the catalogue, newest first.
func (s *Service) Templates(ctx context.Context, withWithdrawn bool) ([]Template, error) {
	return s.store.Templates(ctx, withWithdrawn)
}

// Template returns one template of the catalogue.
func (s *Service) Template(ctx context.Context, id int64) (Template, error) {
	return s.store.Template(ctx, id)
}

// PublishTemplate copies a tenant's card, with its form, into the shared catalogue.
func (s *Service) PublishTemplate(ctx context.Context, tenantID, cardID, operatorID int64, note string) (Template, error) {
	note = check.Clean(note)
	if !check.Text(note, 2000) {
		return Template{}, &apperr.Error{Kind: apperr.Invalid, Code: "service.template.note.invalid", Fields: []apperr.FieldError{{Field: "note", Code: "service.template.note.invalid"}}}
	}
	c, err := s.store.Card(ctx, tenantID, cardID)
	if err != nil {
		return Template{}, err
	}
	if err := c.Validate(); err != nil {
		return Template{}, apperr.Wrap(apperr.Invalid, "service.template.incomplete", err)
	}
	t := Template{Card: portable(c), Note: note, SourceTenant: tenantID, PublishedBy: operatorID, PublishedAt: s.now().UTC()}
	if c.Online() {
		if s.forms == nil {
			return Template{}, apperr.E(apperr.Invalid, "service.template.no_form")
		}
		def, err := s.forms.Export(ctx, tenantID, c.FormKey)
		if err != nil {
			return Template{}, apperr.Wrap(apperr.Invalid, "service.template.no_form", err)
		}
		t.FormJSON = def
	}
	err = s.store.Atomic(ctx, func(ctx context.Context) error {
		if err := s.store.CreateTemplate(ctx, &t); err != nil {
			return err
		}
		return s.audit.AppendAudit(ctx, audit.New(ctx, 0, "catalogue.publish", "service_template", strconv.FormatInt(t.ID, 10), c.Title))
	})
	return t, err
}

// WithdrawTemplate stops a template from being adopted; tenants keep their copies.
func (s *Service) WithdrawTemplate(ctx context.Context, id int64) error {
	return s.store.Atomic(ctx, func(ctx context.Context) error {
		t, err := s.store.Template(ctx, id)
		if err != nil {
			return err
		}
		if t.Withdrawn() {
			return nil
		}
		if err := s.store.WithdrawTemplate(ctx, id, s.now().UTC()); err != nil {
			return err
		}
		return s.audit.AppendAudit(ctx, audit.New(ctx, 0, "catalogue.withdraw", "service_template", strconv.FormatInt(id, 10), t.Card.Title))
	})
}

// Adopt copies a template into a tenant as an unpublished card under the given
// office, with its form (as the tenant's live form; a key the tenant already uses
// gets a numbered suffix). The tenant can then change both freely.
func (s *Service) Adopt(ctx context.Context, tenantID, templateID, officeID int64) (Card, error) {
	t, err := s.store.Template(ctx, templateID)
	if err != nil {
		return Card{}, err
	}
	if t.Withdrawn() {
		return Card{}, apperr.E(apperr.Conflict, "service.template.withdrawn")
	}
	c := t.Card
	c.TenantID = tenantID
	c.OfficeID = officeID
	c.TemplateID = t.ID
	err = s.store.Atomic(ctx, func(ctx context.Context) error {
		if c.Online() {
			if s.forms == nil || len(t.FormJSON) == 0 {
				return apperr.E(apperr.Invalid, "service.template.no_form")
			}
			key, err := s.freeFormKey(ctx, tenantID, c.FormKey)
			if err != nil {
				return err
			}
			c.FormKey = key
			if err := s.forms.Adopt(ctx, tenantID, key, t.FormJSON); err != nil {
				return err
			}
		}
		slug, err := s.freeSlug(ctx, tenantID, c.Slug)
		if err != nil {
			return err
		}
		c.Slug = slug
		if err := s.Save(ctx, &c); err != nil {
			return err
		}
		return s.audit.AppendAudit(ctx, audit.New(ctx, tenantID, "catalogue.adopt", "service_template", strconv.FormatInt(t.ID, 10), c.Title))
	})
	if err != nil {
		return Card{}, err
	}
	return c, nil
}

func (s *Service) freeSlug(ctx context.Context, tenantID int64, slug string) (string, error) {
	for i := 1; i < 100; i++ {
		try := slug
		if i > 1 {
			try = fmt.Sprintf("%s-%d", slug, i)
		}
		_, err := s.store.CardBySlug(ctx, tenantID, try)
		if apperr.Is(err, apperr.NotFound) {
			return try, nil
		}
		if err != nil {
			return "", err
		}
	}
	return "", apperr.E(apperr.Conflict, "service.slug.taken")
}

func (s *Service) freeFormKey(ctx context.Context, tenantID int64, key string) (string, error) {
	for i := 1; i < 100; i++ {
		try := key
		if i > 1 {
			try = fmt.Sprintf("%s-%d", key, i)
		}
		used, err := s.forms.Exists(ctx, tenantID, try)
		if err != nil {
			return "", err
		}
		if !used {
			return try, nil
		}
	}
	return "", apperr.E(apperr.Conflict, "service.form_key.taken")
}

// portable strips a card of what belongs to its tenant.
func portable(c Card) Card {
	c.ID, c.TenantID, c.OfficeID, c.TemplateID = 0, 0, 0, 0
	c.Published = false
	c.CreatedAt, c.UpdatedAt = time.Time{}, time.Time{}
	return c
}

// cardJSON is the stored form of a template's card.
type cardJSON struct {
	Slug, Title, Summary, Description string
	Status                            Status
	StatusReason                      string
	AvailableOn                       time.Time
	Category                          string
	Topics                            []string
	Audiences                         []Audience
	WhoFor, HowTo, Needed, Outcome    string
	Timing, Access, Conditions, Costs string
	MaxResponseDays                   int
	Channel                           Channel
	ExternalURL                       string
	AuthLevel                         AuthLevel
	FormKey                           string
	Business, AllowsWithdrawal        bool
	MaxUploadMB                       int
}

// MarshalCard encodes a template's card for storage.
func MarshalCard(c Card) ([]byte, error) {
	return json.Marshal(cardJSON{
		Slug: c.Slug, Title: c.Title, Summary: c.Summary, Description: c.Description,
		Status: c.Status, StatusReason: c.StatusReason, AvailableOn: c.AvailableOn,
		Category: c.Category, Topics: c.Topics, Audiences: c.Audiences,
		WhoFor: c.WhoFor, HowTo: c.HowTo, Needed: c.Needed, Outcome: c.Outcome,
		Timing: c.Timing, Access: c.Access, Conditions: c.Conditions, Costs: c.Costs,
		MaxResponseDays: c.MaxResponseDays, Channel: c.Channel, ExternalURL: c.ExternalURL,
		AuthLevel: c.AuthLevel, FormKey: c.FormKey, Business: c.Business,
		AllowsWithdrawal: c.AllowsWithdrawal, MaxUploadMB: c.MaxUploadMB,
	})
}

// UnmarshalCard decodes a template's stored card.
func UnmarshalCard(data []byte) (Card, error) {
	var j cardJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return Card{}, err
	}
	return Card{
		Slug: j.Slug, Title: j.Title, Summary: j.Summary, Description: j.Description,
		Status: j.Status, StatusReason: j.StatusReason, AvailableOn: j.AvailableOn,
		Category: j.Category, Topics: j.Topics, Audiences: j.Audiences,
		WhoFor: j.WhoFor, HowTo: j.HowTo, Needed: j.Needed, Outcome: j.Outcome,
		Timing: j.Timing, Access: j.Access, Conditions: j.Conditions, Costs: j.Costs,
		MaxResponseDays: j.MaxResponseDays, Channel: j.Channel, ExternalURL: j.ExternalURL,
		AuthLevel: j.AuthLevel, FormKey: j.FormKey, Business: j.Business,
		AllowsWithdrawal: j.AllowsWithdrawal, MaxUploadMB: j.MaxUploadMB,
	}, nil
}
