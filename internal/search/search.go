// Package search is the site-wide search of a tenant: news, events, places,
// offices, people, documents, pages and service cards, with facets by content type
// and topic, Italian stemming and accents folded.
//
// Modules that publish content keep the index current through an Indexer: they
// index a document when it is published or changed and remove it when it is
// unpublished or deleted, in the same transaction (the context carries it).
package search

import (
	"context"
	"time"
)

// Kind is the content type of a document, one of the facets.
type Kind string

const (
	KindNews     Kind = "news"     // notizie, comunicati, avvisi
	KindEvent    Kind = "event"    // eventi
	KindPlace    Kind = "place"    // luoghi
	KindOffice   Kind = "office"   // unità organizzative
	KindPerson   Kind = "person"   // persone pubbliche
	KindDocument Kind = "document" // documenti
	KindService  Kind = "service"  // schede servizio
	KindPage     Kind = "page"     // other pages (FAQ, administrative bodies…)
)

// Document is what the index holds about one piece of content of a tenant.
type Document struct {
	TenantID int64
	Kind     Kind
	RefID    string // the content's id within its kind
	Title    string
	Summary  string // shown under the title in results
	Body     string // full text to search (plain text, no markup)
	URL      string // path on the tenant's site, e.g. /novita/notizie/festa-patronale
	Topics   []string
	// PublishedAt is when the document becomes public: a search before it does
	// not find it (scheduled publication).
	PublishedAt time.Time
	// ExpiresAt is when it stops being public (zero: never).
	ExpiresAt time.Time
	// Lang is the text's language ("it" unless stated).
	Lang string
}

// Indexer keeps the index current. Both methods join the transaction in ctx.
type Indexer interface {
	Index(ctx context.Context, d Document) error
	Remove(ctx context.Context, tenantID int64, kind Kind, refID string) error
}
