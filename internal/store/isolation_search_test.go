package store_test

import (
	"testing"

	"piazza/internal/search"
)

// indexBoth puts the same document (same kind, ref and words) in both tenants.
func indexBoth(t *testing.T, w *world) *search.Service {
	s := search.New(w.db)
	for _, tid := range []int64{w.a, w.b} {
		if err := s.Index(ctx, search.Document{TenantID: tid, Kind: search.KindNews, RefID: "1", Title: "Biciclette abbandonate", Body: "Rimozione delle biciclette in piazza", URL: "/novita/notizie/bici"}); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func init() {
	isolationChecks["IndexDocument"] = func(t *testing.T, w *world) {
		s := indexBoth(t, w)
		// Re-indexing A's document changes A's only.
		s.Index(ctx, search.Document{TenantID: w.a, Kind: search.KindNews, RefID: "1", Title: "Mercato settimanale", URL: "/x"})
		if r, _ := s.Search(ctx, w.b, search.Query{Text: "bicicletta"}); r.Total != 1 {
			t.Fatalf("B's document changed: %+v", r)
		}
	}
	isolationChecks["RemoveDocument"] = func(t *testing.T, w *world) {
		s := indexBoth(t, w)
		if err := w.db.RemoveDocument(ctx, w.a, search.KindNews, "1"); err != nil {
			t.Fatal(err)
		}
		if r, _ := s.Search(ctx, w.b, search.Query{Text: "bicicletta"}); r.Total != 1 {
			t.Fatalf("B's document removed with A's: %+v", r)
		}
		if r, _ := s.Search(ctx, w.a, search.Query{Text: "bicicletta"}); r.Total != 0 {
			t.Fatalf("A's document still found: %+v", r)
		}
	}
	isolationChecks["SearchDocuments"] = func(t *testing.T, w *world) {
		s := indexBoth(t, w)
		r, err := s.Search(ctx, w.a, search.Query{Text: "biciclette"})
		if err != nil || r.Total != 1 || len(r.Hits) != 1 || r.Hits[0].TenantID != w.a {
			t.Fatalf("Search(A) = %+v, %v", r, err)
		}
		// A's tokens never match B's documents, even forged by hand.
		hits, _ := w.db.SearchDocuments(ctx, search.Match{TenantID: w.a, Tokens: search.Tokens(w.b, search.Terms("biciclette")), Limit: 10})
		if len(hits) != 0 {
			t.Fatalf("B's tokens matched under A: %+v", hits)
		}
	}
	isolationChecks["SearchFacets"] = func(t *testing.T, w *world) {
		indexBoth(t, w)
		f, err := w.db.SearchFacets(ctx, search.Match{TenantID: w.a, Tokens: search.Tokens(w.a, search.Terms("biciclette"))})
		if err != nil || f.Kinds[search.KindNews] != 1 || f.Total != 1 {
			t.Fatalf("SearchFacets(A) = %+v, %v", f, err)
		}
	}
}
