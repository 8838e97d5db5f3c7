package search

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"piazza/internal/vocab"
)

// Query is a visitor's search.
type Query struct {
	Text  string
	Kind  Kind   // facet: one content type, "" for all
	Topic string // facet: one topic slug, "" for all
	Page  int    // from 1
}

// PageSize is the number of results per page.
const PageSize = 20

// MaxQueryTerms bounds the words of a query that are searched.
const MaxQueryTerms = 12

// Hit is one result.
type Hit struct {
	Document
	Rank    float64
	Snippet []Fragment // the summary or body around the first match, matches marked
}

// Fragment is a piece of a snippet; Match marks the words that matched.
type Fragment struct {
	Text  string
	Match bool
}

// Results are one page of results with the facets of the whole result set.
type Results struct {
	Query  Query
	Hits   []Hit
	Total  int
	More   bool           // there are more than MaxCounted matches (Total and the facets count the first ones)
	Kinds  map[Kind]int   // matches per content type (ignoring the Kind facet)
	Topics map[string]int // matches per topic (ignoring the Topic facet)
}

// Pages is the number of result pages.
func (r Results) Pages() int { return (r.Total + PageSize - 1) / PageSize }

// Match is what the store is asked to find: documents of a tenant containing every
// token, optionally of one kind and topic.
type Match struct {
	TenantID int64
	Tokens   []string
	Kind     Kind
	Topic    string
	Limit    int
	Offset   int
	// At is the time of the search: documents published later (scheduled) or
	// expired by then are not found.
	At time.Time
}

// MaxRanked bounds the matches a search ranks by relevance: the first pages rank
// the most recent MaxRanked matches, so that a word found in thousands of a
// comune's pages costs a bounded amount of work. Pages beyond MaxRanked results
// rank every match.
const MaxRanked = 1000

// MaxCounted bounds the matches a search counts for its total and facets: a word
// found in thousands of a comune's pages shows "more than 2,000 results" instead of
// costing a count of all of them.
const MaxCounted = 2000

// Facets are the counts of a search.
type Facets struct {
	Total  int
	More   bool // the store stopped counting at MaxCounted
	Kinds  map[Kind]int
	Topics map[string]int
}

// Store is the index in the database.
type Store interface {
	// IndexDocument stores d with the index tokens of its title and of its text.
	IndexDocument(ctx context.Context, d Document, titleTokens, bodyTokens []string) error
	RemoveDocument(ctx context.Context, tenantID int64, kind Kind, refID string) error
	// SearchDocuments returns a page of the matches, most relevant first (title
	// matches weigh more).
	SearchDocuments(ctx context.Context, m Match) ([]Hit, error)
	// SearchFacets counts the matches: per kind and per topic (ignoring m's Kind and
	// Topic, so the other choices show), and in all (with them).
	SearchFacets(ctx context.Context, m Match) (Facets, error)
}

// Service is the search module; it is also the Indexer the content modules use.
type Service struct {
	store Store
	now   func() time.Time
}

// New returns the search module.
func New(st Store) *Service { return &Service{store: st, now: time.Now} }

// SetClock sets the clock that decides what is published (tests).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

var _ Indexer = (*Service)(nil)

// Index adds or replaces a document in the index.
func (s *Service) Index(ctx context.Context, d Document) error {
	if d.Lang == "" {
		d.Lang = "it"
	}
	if d.PublishedAt.IsZero() {
		d.PublishedAt = s.now().UTC()
	}
	if !d.ExpiresAt.IsZero() && !d.ExpiresAt.After(d.PublishedAt) {
		return s.Remove(ctx, d.TenantID, d.Kind, d.RefID) // never public
	}
	d.Topics = slices.DeleteFunc(slices.Clone(d.Topics), func(t string) bool { _, ok := vocab.TopicBySlug(t); return !ok })
	title := Tokens(d.TenantID, Terms(d.Title))
	// Topic labels are searchable too ("mobilità" finds what is filed under it).
	text := d.Summary + " " + d.Body
	for _, t := range d.Topics {
		tp, _ := vocab.TopicBySlug(t)
		text += " " + tp.Label
	}
	return s.store.IndexDocument(ctx, d, title, Tokens(d.TenantID, Terms(text)))
}

// Remove takes a document out of the index.
func (s *Service) Remove(ctx context.Context, tenantID int64, kind Kind, refID string) error {
	return s.store.RemoveDocument(ctx, tenantID, kind, refID)
}

// Kinds lists the content types in display order.
var Kinds = []Kind{KindService, KindNews, KindEvent, KindPlace, KindOffice, KindPerson, KindDocument, KindPage}

// Normalize bounds a query from outside input.
func Normalize(q Query) Query {
	q.Text = strings.TrimSpace(strings.Join(strings.Fields(q.Text), " "))
	if utf8.RuneCountInString(q.Text) > 200 {
		q.Text = string([]rune(q.Text)[:200])
	}
	if !slices.Contains(Kinds, q.Kind) {
		q.Kind = ""
	}
	if _, ok := vocab.TopicBySlug(q.Topic); !ok {
		q.Topic = ""
	}
	if q.Page < 1 || q.Page > 500 {
		q.Page = 1
	}
	return q
}

// Search runs a query over a tenant's documents.
func (s *Service) Search(ctx context.Context, tenantID int64, q Query) (Results, error) {
	q = Normalize(q)
	r := Results{Query: q, Kinds: map[Kind]int{}, Topics: map[string]int{}}
	terms := dedupe(Terms(q.Text))
	if len(terms) == 0 {
		return r, nil
	}
	if len(terms) > MaxQueryTerms {
		terms = terms[:MaxQueryTerms]
	}
	m := Match{TenantID: tenantID, Tokens: Tokens(tenantID, terms), Kind: q.Kind, Topic: q.Topic, Limit: PageSize, Offset: (q.Page - 1) * PageSize,
		At: s.now().UTC()}
	f, err := s.store.SearchFacets(ctx, m)
	if err != nil {
		return r, err
	}
	var hits []Hit
	if f.Total > m.Offset {
		if hits, err = s.store.SearchDocuments(ctx, m); err != nil {
			return r, err
		}
	}
	total, kinds, topics := f.Total, f.Kinds, f.Topics
	r.More = f.More
	for i := range hits {
		hits[i].Snippet = Snippet(hits[i].Summary+" "+hits[i].Body, terms, 30)
	}
	r.Hits, r.Total, r.Kinds, r.Topics = hits, total, kinds, topics
	return r, nil
}

func dedupe(in []string) []string {
	var out []string
	for _, t := range in {
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// Snippet cuts about width words of text around the first word whose term is one
// of terms, and marks every such word.
func Snippet(text string, terms []string, width int) []Fragment {
	words := strings.Fields(text)
	if len(words) == 0 {
		return nil
	}
	matches := make([]bool, len(words))
	first := -1
	for i, w := range words {
		core := strings.TrimFunc(w, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
		// A word can only stem to a term it starts with (once folded): skip the
		// stemmer for the others.
		low := fold(strings.ToLower(core))
		if !slices.ContainsFunc(terms, func(t string) bool { return strings.HasPrefix(low, t) }) {
			continue
		}
		for _, t := range Terms(core) {
			if slices.Contains(terms, t) {
				matches[i] = true
				if first < 0 {
					first = i
				}
			}
		}
	}
	start := 0
	if first > width/3 {
		start = first - width/3
	}
	end := min(len(words), start+width)
	var out []Fragment
	if start > 0 {
		out = append(out, Fragment{Text: "… "})
	}
	var plain []string
	flush := func() {
		if len(plain) > 0 {
			out = append(out, Fragment{Text: strings.Join(plain, " ") + " "})
			plain = nil
		}
	}
	for i := start; i < end; i++ {
		if matches[i] {
			flush()
			out = append(out, Fragment{Text: words[i], Match: true}, Fragment{Text: " "})
			continue
		}
		plain = append(plain, words[i])
	}
	flush()
	if end < len(words) {
		out = append(out, Fragment{Text: "…"})
	}
	return out
}
