package store_test

import (
	"testing"
	"time"

	"piazza/internal/apperr"
	"piazza/internal/content"
)

// contentOf gives each tenant of w a published news item, place and event with
// the same slugs, saved straight through the store.
func contentOf(t *testing.T, w *world) (a, b map[content.Kind]content.Item) {
	t.Helper()
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	mk := func(tenant int64) map[content.Kind]content.Item {
		out := map[content.Kind]content.Item{}
		for _, it := range []content.Item{testNews(tenant, "uguale"), testPlace(tenant, "uguale"), testEvent(tenant, "uguale", at.AddDate(0, 2, 0), "FREQ=WEEKLY")} {
			it.Normalize()
			it.Status, it.PublishAt, it.Revision = content.StatusPublished, at, 1
			if err := w.db.CreateItem(ctx, &it, it.LastEnd()); err != nil {
				t.Fatal(err)
			}
			if err := w.db.AddRevision(ctx, content.Revision{TenantID: tenant, ItemID: it.ID, Number: 1, Item: it, Author: "t", Action: "create", CreatedAt: at}); err != nil {
				t.Fatal(err)
			}
			out[it.Kind] = it
		}
		return out
	}
	return mk(w.a), mk(w.b)
}

func init() {
	isolationChecks["CreateItem"] = func(t *testing.T, w *world) {
		_, b := contentOf(t, w)
		// An event of A can never take place in B's place.
		e := testEvent(w.a, "x", time.Now(), "")
		e.Event.PlaceID = b[content.KindPlace].ID
		if err := w.db.CreateItem(ctx, &e, e.Event.End); err == nil {
			t.Fatal("event of A created in B's place")
		}
	}
	isolationChecks["UpdateItem"] = func(t *testing.T, w *world) {
		_, b := contentOf(t, w)
		it := b[content.KindNews]
		it.TenantID, it.Title = w.a, "Rubata"
		if err := w.db.UpdateItem(ctx, &it, time.Time{}); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("B's item updated through A: %v", err)
		}
		if got, _ := w.db.Item(ctx, w.b, it.ID); got.Title == "Rubata" {
			t.Fatal("B's item changed")
		}
	}
	isolationChecks["DeleteItem"] = func(t *testing.T, w *world) {
		_, b := contentOf(t, w)
		if err := w.db.DeleteItem(ctx, w.a, b[content.KindNews].ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("B's item deleted through A: %v", err)
		}
	}
	isolationChecks["Item"] = func(t *testing.T, w *world) {
		_, b := contentOf(t, w)
		if _, err := w.db.Item(ctx, w.a, b[content.KindPlace].ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("B's item read through A: %v", err)
		}
	}
	isolationChecks["ItemBySlug"] = func(t *testing.T, w *world) {
		a, _ := contentOf(t, w)
		if got, err := w.db.ItemBySlug(ctx, w.a, content.KindEvent, "uguale"); err != nil || got.ID != a[content.KindEvent].ID {
			t.Fatalf("ItemBySlug(A) = %d, %v", got.ID, err)
		}
	}
	isolationChecks["Items"] = func(t *testing.T, w *world) {
		a, _ := contentOf(t, w)
		p, err := w.db.Items(ctx, w.a, content.Query{Limit: 100})
		if err != nil || p.Total != 3 || len(p.Items) != 3 {
			t.Fatalf("Items(A) = %+v, %v", p, err)
		}
		for _, it := range p.Items {
			if it.TenantID != w.a || it.ID != a[it.Kind].ID {
				t.Fatalf("Items(A) has %+v", it)
			}
		}
	}
	isolationChecks["EventsBetween"] = func(t *testing.T, w *world) {
		a, _ := contentOf(t, w)
		from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		list, err := w.db.EventsBetween(ctx, w.a, from, from.AddDate(1, 0, 0), from.AddDate(0, 6, 0), "")
		if err != nil || len(list) != 1 || list[0].ID != a[content.KindEvent].ID {
			t.Fatalf("EventsBetween(A) = %+v, %v", list, err)
		}
	}
	isolationChecks["Revisions"] = func(t *testing.T, w *world) {
		_, b := contentOf(t, w)
		if list, _ := w.db.Revisions(ctx, w.a, b[content.KindNews].ID); len(list) != 0 {
			t.Fatalf("B's revisions listed through A: %+v", list)
		}
	}
	isolationChecks["Revision"] = func(t *testing.T, w *world) {
		_, b := contentOf(t, w)
		if _, err := w.db.Revision(ctx, w.a, b[content.KindNews].ID, 1); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("B's revision read through A: %v", err)
		}
	}
	isolationChecks["AddRevision"] = func(t *testing.T, w *world) {
		_, b := contentOf(t, w)
		if err := w.db.AddRevision(ctx, content.Revision{TenantID: w.a, ItemID: b[content.KindNews].ID, Number: 2, Author: "x", Action: "update"}); err == nil {
			t.Fatal("revision of B's item added through A")
		}
	}
	images := func(t *testing.T, w *world) (a, b content.Image) {
		for _, im := range []*content.Image{&a, &b} {
			tenant := w.a
			if im == &b {
				tenant = w.b
			}
			*im = content.Image{TenantID: tenant, PublicID: "stessa", Key: "k", ContentType: "image/png", SHA256: "x", Size: 1, Alt: "Alt", CreatedAt: time.Now()}
			if err := w.db.AddImage(ctx, im); err != nil {
				t.Fatal(err)
			}
		}
		return a, b
	}
	isolationChecks["AddImage"] = func(t *testing.T, w *world) { images(t, w) }
	isolationChecks["Image"] = func(t *testing.T, w *world) {
		a, _ := images(t, w)
		if got, err := w.db.Image(ctx, w.a, "stessa"); err != nil || got.ID != a.ID {
			t.Fatalf("Image(A) = %+v, %v", got, err)
		}
	}
	isolationChecks["Images"] = func(t *testing.T, w *world) {
		a, _ := images(t, w)
		if list, _ := w.db.Images(ctx, w.a); len(list) != 1 || list[0].ID != a.ID {
			t.Fatalf("Images(A) = %+v", list)
		}
	}
	isolationChecks["MapSettings"] = func(t *testing.T, w *world) {
		w.db.SaveMapSettings(ctx, w.b, content.MapSettings{TileURL: "https://b/{z}/{x}/{y}", Attribution: "B"})
		if _, ok, _ := w.db.MapSettings(ctx, w.a); ok {
			t.Fatal("B's map settings seen from A")
		}
	}
	isolationChecks["SaveMapSettings"] = func(t *testing.T, w *world) {
		w.db.SaveMapSettings(ctx, w.b, content.MapSettings{TileURL: "https://b/{z}/{x}/{y}", Attribution: "B"})
		w.db.SaveMapSettings(ctx, w.a, content.MapSettings{TileURL: "https://a/{z}/{x}/{y}", Attribution: "A"})
		if m, _, _ := w.db.MapSettings(ctx, w.b); m.Attribution != "B" {
			t.Fatalf("B's map settings changed: %+v", m)
		}
	}
}
