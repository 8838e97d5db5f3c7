package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"piazza/internal/search"
)

// TestSearch runs the search on the real index of both databases: Italian stems,
// folded accents, facets, ranking by title, paging, removal.
func TestSearch(t *testing.T) {
	w := newWorld(t)
	s := search.New(w.db)
	now := time.Now().UTC()
	docs := []search.Document{
		{Kind: search.KindNews, RefID: "1", Title: "Rimozione delle biciclette abbandonate", Body: "Le biciclette abbandonate vengono rimosse dalla Polizia Locale.", URL: "/novita/notizie/1", Topics: []string{"mobilita-sostenibile"}},
		{Kind: search.KindService, RefID: "2", Title: "Permesso di accesso alla ZTL", Body: "Chi abita in città può entrare con la bicicletta e con l'auto.", URL: "/servizi/mobilita-e-trasporti/ztl", Topics: []string{"ztl", "mobilita-sostenibile"}},
		{Kind: search.KindEvent, RefID: "3", Title: "Festa della città", Body: "Musica in piazza.", URL: "/vivere-il-comune/eventi/festa", Topics: []string{"tempo-libero"}},
	}
	for i := range docs {
		docs[i].TenantID, docs[i].PublishedAt = w.a, now.Add(-time.Duration(i)*time.Hour)
		if err := s.Index(ctx, docs[i]); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		q     search.Query
		total int
		first string
	}{
		{search.Query{Text: "bicicletta"}, 2, "1"},                           // stems: biciclette/bicicletta; title weighs more
		{search.Query{Text: "citta"}, 2, "3"},                                // accents folded
		{search.Query{Text: "CITTÀ festa"}, 1, "3"},                          // every word must match
		{search.Query{Text: "bicicletta", Kind: search.KindService}, 1, "2"}, // kind facet
		{search.Query{Text: "bicicletta", Topic: "ztl"}, 1, "2"},             // topic facet
		{search.Query{Text: "mobilità sostenibile"}, 2, ""},                  // topic labels are searchable
		{search.Query{Text: `"); DROP TABLE search_docs; --`}, 0, ""},
		{search.Query{Text: "della di e"}, 0, ""}, // only stopwords
	} {
		r, err := s.Search(ctx, w.a, tc.q)
		if err != nil {
			t.Fatalf("%+v: %v", tc.q, err)
		}
		if r.Total != tc.total || (tc.first != "" && (len(r.Hits) == 0 || r.Hits[0].RefID != tc.first)) {
			t.Errorf("%+v: total %d, hits %+v; want %d, first %s", tc.q, r.Total, r.Hits, tc.total, tc.first)
		}
	}
	r, _ := s.Search(ctx, w.a, search.Query{Text: "bicicletta", Kind: search.KindService})
	if r.Kinds[search.KindNews] != 1 || r.Kinds[search.KindService] != 1 || r.Topics["mobilita-sostenibile"] != 1 || r.Topics["ztl"] != 1 {
		t.Errorf("facets: kinds ignore the chosen kind, topics follow it: %v %v", r.Kinds, r.Topics)
	}
	// Paging.
	for i := range 45 {
		s.Index(ctx, search.Document{TenantID: w.a, Kind: search.KindNews, RefID: fmt.Sprint("p", i), Title: fmt.Sprint("Avviso numero ", i), Body: "Mercato", URL: "/x", PublishedAt: now})
	}
	r, _ = s.Search(ctx, w.a, search.Query{Text: "mercato", Page: 3})
	if r.Total != 45 || len(r.Hits) != 5 || r.Pages() != 3 {
		t.Errorf("page 3: total %d, %d hits", r.Total, len(r.Hits))
	}
	// Re-indexing replaces, removing removes.
	docs[0].Title, docs[0].Body = "Mercato contadino", "Frutta e verdura"
	s.Index(ctx, docs[0])
	if r, _ := s.Search(ctx, w.a, search.Query{Text: "biciclette abbandonate"}); r.Total != 0 {
		t.Errorf("old text still indexed: %+v", r.Hits)
	}
	s.Remove(ctx, w.a, search.KindNews, "1")
	if r, _ := s.Search(ctx, w.a, search.Query{Text: "contadino"}); r.Total != 0 {
		t.Errorf("removed document found")
	}
}

// TestSearchCountsAtMost: a word found everywhere stops the count at MaxCounted.
func TestSearchCountsAtMost(t *testing.T) {
	w := newWorld(t)
	s := search.New(w.db)
	if err := w.db.Atomic(ctx, func(ctx context.Context) error {
		for i := range search.MaxCounted + 5 {
			if err := s.Index(ctx, search.Document{TenantID: w.a, Kind: search.KindNews, RefID: fmt.Sprint(i), Title: "Avviso alla cittadinanza", URL: "/x"}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	r, err := s.Search(ctx, w.a, search.Query{Text: "avviso"})
	if err != nil || !r.More || r.Total != search.MaxCounted || len(r.Hits) != search.PageSize {
		t.Fatalf("more: %v, total %d, %d hits, %v", r.More, r.Total, len(r.Hits), err)
	}
	if r, _ := s.Search(ctx, w.a, search.Query{Text: "avviso", Page: 3}); len(r.Hits) != search.PageSize {
		t.Fatalf("page 3: %d hits", len(r.Hits))
	}
	// Equal scores: the newest first. A page beyond the MaxRanked ranked matches
	// ranks them all and still pages through them.
	if r.Hits[0].RefID != fmt.Sprint(search.MaxCounted+4) {
		t.Errorf("first of equal matches: %s, want the newest", r.Hits[0].RefID)
	}
	seen := map[string]bool{}
	for _, p := range []int{1, search.MaxRanked/search.PageSize + 1, search.MaxRanked/search.PageSize + 2} {
		r, err := s.Search(ctx, w.a, search.Query{Text: "avviso", Page: p})
		if err != nil || len(r.Hits) != search.PageSize {
			t.Fatalf("page %d: %d hits, %v", p, len(r.Hits), err)
		}
		for _, h := range r.Hits {
			if seen[h.RefID] {
				t.Errorf("page %d repeats %s", p, h.RefID)
			}
			seen[h.RefID] = true
		}
	}
}

// TestSearchSchedule: a document is found from its publication time until its
// expiry, not before and not after (an injected clock).
func TestSearchSchedule(t *testing.T) {
	w := newWorld(t)
	s := search.New(w.db)
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return now })
	for _, d := range []search.Document{
		{RefID: "scheduled", Title: "Sagra del tartufo", PublishedAt: now.Add(time.Hour)},
		{RefID: "expiring", Title: "Chiusura uffici per la sagra", PublishedAt: now.Add(-time.Hour), ExpiresAt: now.Add(2 * time.Hour)},
		{RefID: "never", Title: "Sagra annullata", PublishedAt: now.Add(-time.Hour), ExpiresAt: now.Add(-time.Hour)},
	} {
		d.TenantID, d.Kind, d.URL = w.a, search.KindNews, "/x"
		if err := s.Index(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	found := func(kind search.Kind) []string {
		t.Helper()
		r, err := s.Search(ctx, w.a, search.Query{Text: "sagra", Kind: kind})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, h := range r.Hits {
			ids = append(ids, h.RefID)
		}
		if len(ids) != r.Total {
			t.Errorf("total %d, hits %v", r.Total, ids)
		}
		return ids
	}
	for _, tc := range []struct {
		at   time.Duration
		want string
	}{
		{0, "[expiring]"},
		{90 * time.Minute, "[scheduled expiring]"},
		{3 * time.Hour, "[scheduled]"},
	} {
		now = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC).Add(tc.at)
		for _, kind := range []search.Kind{"", search.KindNews} { // both ranking paths
			if got := fmt.Sprint(found(kind)); got != tc.want {
				t.Errorf("at +%s (kind %q): %s, want %s", tc.at, kind, got, tc.want)
			}
		}
	}
}
