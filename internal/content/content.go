// Package content holds the structured content of a comune's website: news
// (notizie, comunicati, avvisi), events and places, as the Modello Comuni's
// information architecture describes them.
//
// Every item has a title, a slug, a summary, a Markdown body (rendered to HTML and
// sanitized, see Render), topics of the model's vocabulary, a status (draft or
// published), a publication time (publication can be scheduled) and an optional
// expiry. Every save is a new immutable revision; any revision can be compared with
// another and restored (which saves it again as the newest revision). Every change
// is audited.
//
// Events add a start and end, an optional recurrence (a subset of RFC 5545 RRULE,
// see ParseRule), a place, organiser, cost, audience and booking link; places add a
// type, address, coordinates, opening hours, contacts and accessibility notes.
//
// Time comes from an injected clock, so that what is public at a given instant
// (published, due, not expired) is decided in one place and tested.
package content

import (
	"math"
	"slices"
	"strings"
	"time"

	"piazza/internal/apperr"
	"piazza/internal/check"
	"piazza/internal/vocab"
)

// Kind is the content type of an item.
type Kind string

// The kinds of content.
const (
	KindNews  Kind = "news"  // notizie, comunicati, avvisi
	KindEvent Kind = "event" // eventi
	KindPlace Kind = "place" // luoghi
	// KindPerson is a persona pubblica: a politician or a member of the staff.
	KindPerson Kind = "person"
	// KindOrganisation is an administrative body: an organ of government, an
	// administrative area, or an entity or foundation of the comune.
	KindOrganisation Kind = "organisation"
	KindDocument     Kind = "document" // documento pubblico
	KindFAQ          Kind = "faq"      // a frequently asked question
)

// Kinds lists the kinds in display order.
var Kinds = []Kind{KindNews, KindEvent, KindPlace, KindPerson, KindOrganisation, KindDocument, KindFAQ}

// ValidKind reports whether k is one of Kinds.
func ValidKind(k Kind) bool { return slices.Contains(Kinds, k) }

// PersonSections are the Amministrazione pages a person is listed on; the value
// is the second-level page's slug.
var PersonSections = []string{"politici", "personale-amministrativo"}

// OrganisationTypes are the Amministrazione pages of the bodies; the value is the
// second-level page's slug.
var OrganisationTypes = []string{"organi-di-governo", "aree-amministrative", "enti-e-fondazioni"}

// DocumentTypes are the model's types of public document ("tipi di documento");
// each has a label in the catalogue ("content.document_type.<type>").
var DocumentTypes = []string{
	"documenti-albo-pretorio", "modulistica", "documenti-funzionamento-interno", "atti-normativi",
	"accordi-tra-enti", "documenti-attivita-politica", "documenti-tecnici-di-supporto", "istanze", "dataset",
}

// Person is what a person adds to an item: the Title is the person's name.
type Person struct {
	Section  string // one of PersonSections
	Role     string // "Sindaco", "Assessore al bilancio", "Responsabile dell'Ufficio tributi"
	OfficeID int64  // an office (accounts) of the same tenant, 0 for none
	// OrganisationID is a body (organisation item) of the same tenant the person
	// belongs to (the giunta, the consiglio), 0 for none.
	OrganisationID int64
	Email          string
	Phone          string
}

// Organisation is what an administrative body adds to an item.
type Organisation struct {
	Type    string // one of OrganisationTypes
	Address string
	Phone   string
	Email   string
	Website string
}

// Document is what a public document adds to an item.
type Document struct {
	Type string    // one of DocumentTypes
	Date time.Time // the document's date (midnight, Rome)
	// Protocol is the register reference ("n. 1234 del 03/02/2026"), "" when the
	// document was not registered.
	Protocol string
	OfficeID int64 // the responsible office, 0 for none
}

// NewsType is the model's type of a news item; the value is the second-level page's
// slug under Novità.
type NewsType string

// The news types of the model's Novità section.
const (
	NewsStory  NewsType = "notizie"    // notizia
	NewsPress  NewsType = "comunicati" // comunicato stampa
	NewsNotice NewsType = "avvisi"     // avviso
)

// NewsTypes lists the types in the model's order.
var NewsTypes = []NewsType{NewsStory, NewsPress, NewsNotice}

// ValidNewsType reports whether t is one of NewsTypes.
func ValidNewsType(t string) bool { return slices.Contains(NewsTypes, NewsType(t)) }

// Status is the editorial state of an item.
type Status string

// The statuses.
const (
	StatusDraft     Status = "draft"
	StatusPublished Status = "published" // public from PublishAt until ExpireAt
)

// PlaceTypes are the types of place (a subset of the model's "tipi di luogo"); each
// has a label in the catalogue ("content.place_type.<type>").
var PlaceTypes = []string{
	"biblioteca", "museo", "teatro", "monumento", "chiesa", "parco", "spiaggia", "piazza",
	"impianto-sportivo", "scuola", "centro-civico", "ufficio-pubblico", "sanita", "mercato", "altro",
}

// Event is what an event adds to an item.
type Event struct {
	Start time.Time // first occurrence's start
	End   time.Time // first occurrence's end (after Start)
	// Recurrence is an RRULE value ("FREQ=WEEKLY;BYDAY=SA;COUNT=10"), "" for a
	// single occurrence.
	Recurrence string
	PlaceID    int64  // a place of the same tenant, 0 for none
	Venue      string // where, in words, when the place is not among the places
	Organiser  string
	Cost       string // "" when free
	Audience   string
	BookingURL string
}

// Place is what a place adds to an item.
type Place struct {
	Type          string // one of PlaceTypes
	Address       string
	Latitude      float64
	Longitude     float64
	OpeningHours  string
	Phone         string
	Email         string
	Website       string
	Accessibility string
}

// Item is a piece of content of a tenant.
type Item struct {
	ID       int64
	TenantID int64
	Kind     Kind
	NewsType NewsType // news only
	Slug     string
	Title    string
	Summary  string
	Body     string   // Markdown
	Topics   []string // vocab.Topics slugs, at least one
	Status   Status
	// PublishAt is when a published item becomes public (set to the publication
	// time when an editor publishes without a date).
	PublishAt time.Time
	// ExpireAt is when it stops being public (zero: never).
	ExpireAt time.Time
	Event    Event        // events only
	Place    Place        // places only
	Person   Person       // people only
	Org      Organisation // bodies only
	Document Document     // documents only
	// Revision is the number of the latest revision (1 for a new item).
	Revision  int
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Public reports whether the item is on the website at t: published, due and not
// expired.
func (it Item) Public(t time.Time) bool {
	return it.Status == StatusPublished && !it.PublishAt.IsZero() && !it.PublishAt.After(t) &&
		(it.ExpireAt.IsZero() || t.Before(it.ExpireAt))
}

// Scheduled reports whether the item is published with a publication time after t.
func (it Item) Scheduled(t time.Time) bool {
	return it.Status == StatusPublished && it.PublishAt.After(t)
}

// Expired reports whether the item's expiry has passed at t.
func (it Item) Expired(t time.Time) bool { return !it.ExpireAt.IsZero() && !t.Before(it.ExpireAt) }

// URL is the item's path on the tenant's website.
func (it Item) URL() string {
	switch it.Kind {
	case KindEvent:
		return "/vivere-il-comune/eventi/" + it.Slug
	case KindPlace:
		return "/vivere-il-comune/luoghi/" + it.Slug
	case KindPerson:
		return "/amministrazione/" + it.Person.Section + "/" + it.Slug
	case KindOrganisation:
		return "/amministrazione/" + it.Org.Type + "/" + it.Slug
	case KindDocument:
		return "/amministrazione/documenti-e-dati/" + it.Slug
	case KindFAQ:
		return "/domande-frequenti#" + it.Slug
	}
	return "/novita/" + string(it.NewsType) + "/" + it.Slug
}

// HTML is the item's body rendered and sanitized (see Render).
func (it Item) HTML() string {
	h, _ := Render(it.Body)
	return h
}

// TopicLabels are the model's labels of the item's topics.
func (it Item) TopicLabels() []string {
	out := make([]string, 0, len(it.Topics))
	for _, s := range it.Topics {
		if t, ok := vocab.TopicBySlug(s); ok {
			out = append(out, t.Label)
		}
	}
	return out
}

// Type is the item's type within its kind: the news type, a person's section, a
// body's type or a document's type ("" for the other kinds). Lists are filtered
// by it.
func (it Item) Type() string {
	switch it.Kind {
	case KindNews:
		return string(it.NewsType)
	case KindPerson:
		return it.Person.Section
	case KindOrganisation:
		return it.Org.Type
	case KindDocument:
		return it.Document.Type
	}
	return ""
}

// SetType sets the item's type within its kind (see Type).
func (it *Item) SetType(t string) {
	switch it.Kind {
	case KindNews:
		it.NewsType = NewsType(t)
	case KindPerson:
		it.Person.Section = t
	case KindOrganisation:
		it.Org.Type = t
	case KindDocument:
		it.Document.Type = t
	}
}

// HasCoordinates reports whether a place has a position to show on a map.
func (it Item) HasCoordinates() bool {
	return it.Kind == KindPlace && (it.Place.Latitude != 0 || it.Place.Longitude != 0)
}

// Normalize trims the fields, derives the slug and drops the fields that do not
// belong to the item's kind.
func (it *Item) Normalize() {
	it.Title = strings.Join(strings.Fields(check.Clean(it.Title)), " ")
	it.Summary = strings.Join(strings.Fields(check.Clean(it.Summary)), " ")
	it.Body = check.Clean(it.Body)
	it.Slug = strings.ToLower(strings.TrimSpace(it.Slug))
	if it.Slug == "" {
		it.Slug = check.Slugify(it.Title)
	}
	var topics []string
	for _, t := range it.Topics {
		if t = strings.TrimSpace(t); t != "" && !slices.Contains(topics, t) {
			topics = append(topics, t)
		}
	}
	it.Topics = topics
	if it.Status == "" {
		it.Status = StatusDraft
	}
	e, p := &it.Event, &it.Place
	for _, s := range []*string{&e.Venue, &e.Organiser, &e.Cost, &e.Audience, &e.BookingURL, &p.Type, &p.Phone, &p.Email, &p.Website} {
		*s = strings.Join(strings.Fields(check.Clean(*s)), " ")
	}
	for _, s := range []*string{&p.Address, &p.OpeningHours, &p.Accessibility} {
		*s = check.Clean(*s)
	}
	pe, o, d := &it.Person, &it.Org, &it.Document
	for _, s := range []*string{&pe.Section, &pe.Role, &pe.Email, &pe.Phone, &o.Type, &o.Phone, &o.Email, &o.Website, &d.Type, &d.Protocol} {
		*s = strings.Join(strings.Fields(check.Clean(*s)), " ")
	}
	o.Address = check.Clean(o.Address)
	pe.Email, o.Email = strings.ToLower(pe.Email), strings.ToLower(o.Email)
	e.Recurrence = strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(e.Recurrence), " ", ""))
	e.Recurrence = strings.TrimPrefix(e.Recurrence, "RRULE:")
	// Only the kind's own fields are kept.
	news, ev, pl, per, org, doc := it.NewsType, it.Event, it.Place, it.Person, it.Org, it.Document
	it.NewsType, it.Event, it.Place, it.Person, it.Org, it.Document = "", Event{}, Place{}, Person{}, Organisation{}, Document{}
	switch it.Kind {
	case KindNews:
		it.NewsType = news
	case KindEvent:
		it.Event = ev
	case KindPlace:
		it.Place = pl
	case KindPerson:
		it.Person = per
	case KindOrganisation:
		it.Org = org
	case KindDocument:
		it.Document = doc
	}
}

// Validate checks an item; every problem is reported on its form field.
func (it *Item) Validate() error {
	var v apperr.Validation
	if !slices.Contains(Kinds, it.Kind) {
		v.Add("kind", "content.kind.invalid")
	}
	if it.Kind == KindNews && !ValidNewsType(string(it.NewsType)) {
		v.Add("news_type", "content.news_type.invalid")
	}
	if len([]rune(it.Title)) < 3 || !check.Line(it.Title, 200) {
		v.Add("title", "content.title.invalid")
	}
	if !check.Slug(it.Slug) {
		v.Add("slug", "content.slug.invalid")
	}
	if len([]rune(it.Summary)) < 3 || !check.Line(it.Summary, 400) {
		v.Add("summary", "content.summary.invalid")
	}
	if !check.Text(it.Body, 100000) {
		v.Add("body", "content.body.invalid")
	} else if err := CheckMarkdown(it.Body); err != nil {
		v.Add("body", apperr.As(err).Code)
	}
	if len(it.Topics) == 0 || len(it.Topics) > 10 {
		v.Add("topics", "content.topics.invalid")
	} else {
		for _, t := range it.Topics {
			if _, ok := vocab.TopicBySlug(t); !ok {
				v.Add("topics", "content.topics.invalid")
				break
			}
		}
	}
	if it.Status != StatusDraft && it.Status != StatusPublished {
		v.Add("status", "content.status.invalid")
	}
	if !it.ExpireAt.IsZero() && !it.PublishAt.IsZero() && !it.ExpireAt.After(it.PublishAt) {
		v.Add("expire_at", "content.expire_at.before_publish")
	}
	switch it.Kind {
	case KindEvent:
		it.validateEvent(&v)
	case KindPlace:
		it.validatePlace(&v)
	case KindPerson:
		it.validatePerson(&v)
	case KindOrganisation:
		it.validateOrganisation(&v)
	case KindDocument:
		it.validateDocument(&v)
	}
	return v.Err()
}

func (it *Item) validatePerson(v *apperr.Validation) {
	p := it.Person
	if !slices.Contains(PersonSections, p.Section) {
		v.Add("section", "content.person.section.invalid")
	}
	if len([]rune(p.Role)) < 3 || !check.Line(p.Role, 200) {
		v.Add("role", "content.person.role.invalid")
	}
	if p.OfficeID < 0 {
		v.Add("office_id", "content.person.office.invalid")
	}
	if p.OrganisationID < 0 {
		v.Add("organisation_id", "content.person.organisation.invalid")
	}
	if p.Phone != "" && !check.Phone(p.Phone) {
		v.Add("phone", "content.place.phone.invalid")
	}
	if p.Email != "" && !check.Email(p.Email) {
		v.Add("email", "content.place.email.invalid")
	}
}

func (it *Item) validateOrganisation(v *apperr.Validation) {
	o := it.Org
	if !slices.Contains(OrganisationTypes, o.Type) {
		v.Add("organisation_type", "content.organisation.type.invalid")
	}
	if !check.Text(o.Address, 300) {
		v.Add("address", "content.place.address.invalid")
	}
	if o.Phone != "" && !check.Phone(o.Phone) {
		v.Add("phone", "content.place.phone.invalid")
	}
	if o.Email != "" && !check.Email(o.Email) {
		v.Add("email", "content.place.email.invalid")
	}
	if o.Website != "" && !check.WebURL(o.Website) {
		v.Add("website", "content.place.website.invalid")
	}
}

func (it *Item) validateDocument(v *apperr.Validation) {
	d := it.Document
	if !slices.Contains(DocumentTypes, d.Type) {
		v.Add("document_type", "content.document.type.invalid")
	}
	if d.Date.IsZero() || d.Date.Year() < 1800 || d.Date.Year() > 2200 {
		v.Add("document_date", "content.document.date.invalid")
	}
	if !check.Line(d.Protocol, 100) {
		v.Add("protocol", "content.document.protocol.invalid")
	}
	if d.OfficeID < 0 {
		v.Add("office_id", "content.person.office.invalid")
	}
}

func (it *Item) validateEvent(v *apperr.Validation) {
	e := it.Event
	if e.Start.IsZero() {
		v.Add("start", "content.event.start.required")
	}
	if e.End.IsZero() || (!e.Start.IsZero() && !e.End.After(e.Start)) {
		v.Add("end", "content.event.end.invalid")
	} else if e.End.Sub(e.Start) > 366*24*time.Hour {
		v.Add("end", "content.event.end.too_long")
	}
	if e.Recurrence != "" {
		if _, err := ParseRule(e.Recurrence); err != nil {
			v.Add("recurrence", "content.event.recurrence.invalid")
		}
	}
	if e.PlaceID == 0 && len([]rune(e.Venue)) < 3 {
		v.Add("place_id", "content.event.place.required")
	}
	if !check.Line(e.Venue, 200) {
		v.Add("venue", "content.event.venue.invalid")
	}
	if len([]rune(e.Organiser)) < 2 || !check.Line(e.Organiser, 200) {
		v.Add("organiser", "content.event.organiser.invalid")
	}
	if !check.Line(e.Cost, 200) {
		v.Add("cost", "content.event.cost.invalid")
	}
	if !check.Line(e.Audience, 200) {
		v.Add("audience", "content.event.audience.invalid")
	}
	if e.BookingURL != "" && !check.WebURL(e.BookingURL) {
		v.Add("booking_url", "content.event.booking_url.invalid")
	}
}

func (it *Item) validatePlace(v *apperr.Validation) {
	p := it.Place
	if !slices.Contains(PlaceTypes, p.Type) {
		v.Add("place_type", "content.place.type.invalid")
	}
	if len([]rune(p.Address)) < 5 || !check.Text(p.Address, 300) {
		v.Add("address", "content.place.address.invalid")
	}
	if math.IsNaN(p.Latitude) || p.Latitude < -90 || p.Latitude > 90 || p.Latitude == 0 {
		v.Add("latitude", "content.place.latitude.invalid")
	}
	if math.IsNaN(p.Longitude) || p.Longitude < -180 || p.Longitude > 180 || p.Longitude == 0 {
		v.Add("longitude", "content.place.longitude.invalid")
	}
	if !check.Text(p.OpeningHours, 2000) {
		v.Add("opening_hours", "content.place.opening_hours.invalid")
	}
	if p.Phone != "" && !check.Phone(p.Phone) {
		v.Add("phone", "content.place.phone.invalid")
	}
	if p.Email != "" && !check.Email(p.Email) {
		v.Add("email", "content.place.email.invalid")
	}
	if p.Website != "" && !check.WebURL(p.Website) {
		v.Add("website", "content.place.website.invalid")
	}
	if !check.Text(p.Accessibility, 2000) {
		v.Add("accessibility", "content.place.accessibility.invalid")
	}
}
