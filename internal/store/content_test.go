package store_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"piazza/internal/apperr"
	"piazza/internal/audit"
	"piazza/internal/blob"
	"piazza/internal/content"
	"piazza/internal/store"
)

// testClock is a settable clock for the content module.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) set(t time.Time)     { c.mu.Lock(); c.t = t; c.mu.Unlock() }
func (c *testClock) add(d time.Duration) { c.set(c.now().Add(d)) }

func newContent(t *testing.T, db *store.DB, clock *testClock) *content.Service {
	blobs, err := blob.OpenDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	return content.New(db, db, blobs, clock.now, func() string { n++; return fmt.Sprintf("img%d", n) })
}

func testNews(tenantID int64, slug string) content.Item {
	return content.Item{TenantID: tenantID, Kind: content.KindNews, NewsType: content.NewsStory, Slug: slug,
		Title: "Notizia " + slug, Summary: "Il sommario della notizia " + slug, Body: "Testo **importante**.", Topics: []string{"comunicazione-istituzionale"}}
}

func testPlace(tenantID int64, slug string) content.Item {
	return content.Item{TenantID: tenantID, Kind: content.KindPlace, Slug: slug, Title: "Biblioteca " + slug,
		Summary: "La biblioteca civica", Topics: []string{"patrimonio-culturale"},
		Place: content.Place{Type: "biblioteca", Address: "Via Roma 1, 27100 Borgo", Latitude: 45.19, Longitude: 9.16}}
}

func testEvent(tenantID int64, slug string, start time.Time, rrule string) content.Item {
	return content.Item{TenantID: tenantID, Kind: content.KindEvent, Slug: slug, Title: "Evento " + slug,
		Summary: "Un evento in piazza", Topics: []string{"tempo-libero"},
		Event: content.Event{Start: start, End: start.Add(2 * time.Hour), Recurrence: rrule, Venue: "Piazza del Comune", Organiser: "Pro Loco"}}
}

func mustSave(t *testing.T, svc *content.Service, it content.Item) content.Item {
	t.Helper()
	if err := svc.Save(ctx, &it); err != nil {
		t.Fatalf("save %s: %v", it.Slug, err)
	}
	return it
}

func TestContentScheduleAndExpiry(t *testing.T) {
	w := newWorld(t)
	clock := &testClock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	svc := newContent(t, w.db, clock)
	n := testNews(w.a, "bando")
	n.ExpireAt = clock.now().Add(72 * time.Hour)
	n = mustSave(t, svc, n)
	public := func() []string {
		p, err := svc.List(ctx, w.a, content.Query{Kind: content.KindNews, Public: true})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, it := range p.Items {
			out = append(out, it.Slug)
		}
		if _, err := svc.PublicItem(ctx, w.a, content.KindNews, "bando"); (err == nil) != (len(out) == 1) {
			t.Fatalf("PublicItem disagrees with the list: %v, %v", out, err)
		}
		return out
	}
	if got := public(); len(got) != 0 {
		t.Fatalf("draft is public: %v", got)
	}
	// Scheduled for tomorrow at 9: never before.
	if _, err := svc.Publish(ctx, w.a, n.ID, clock.now().Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	for _, d := range []time.Duration{0, time.Hour, 24*time.Hour - time.Second} {
		clock.set(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC).Add(d))
		if got := public(); len(got) != 0 {
			t.Fatalf("scheduled item public %v early: %v", 24*time.Hour-d, got)
		}
	}
	clock.add(time.Second)
	if got := public(); len(got) != 1 {
		t.Fatalf("scheduled item not public at its time: %v", got)
	}
	// Expired: gone, from lists and pages alike.
	clock.set(n.ExpireAt)
	if got := public(); len(got) != 0 {
		t.Fatalf("expired item still public: %v", got)
	}
}

func TestContentRevisions(t *testing.T) {
	w := newWorld(t)
	clock := &testClock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	svc := newContent(t, w.db, clock)
	n := mustSave(t, svc, testNews(w.a, "lavori"))
	n.Body = "Testo **importante**.\n\nSeconda riga."
	n = mustSave(t, svc, n)
	n.Title = "Lavori in corso"
	n = mustSave(t, svc, n)
	revs, err := svc.Revisions(ctx, w.a, n.ID)
	if err != nil || len(revs) != 3 || revs[0].Number != 3 || revs[2].Action != "create" {
		t.Fatalf("revisions = %+v, %v", revs, err)
	}
	_, _, diff, err := svc.Compare(ctx, w.a, n.ID, 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	var added, removed []string
	for _, d := range diff {
		switch d.Op {
		case content.DiffAdd:
			added = append(added, d.Text)
		case content.DiffRemove:
			removed = append(removed, d.Text)
		}
	}
	if len(removed) != 1 || removed[0] != "Titolo: Notizia lavori" || len(added) != 3 || added[0] != "Titolo: Lavori in corso" {
		t.Fatalf("diff: -%q +%q", removed, added)
	}
	restored, err := svc.Restore(ctx, w.a, n.ID, 1)
	if err != nil || restored.Title != "Notizia lavori" || restored.Revision != 4 {
		t.Fatalf("restore = %+v, %v", restored, err)
	}
	if revs, _ := svc.Revisions(ctx, w.a, n.ID); len(revs) != 4 || revs[0].Action != "restore" {
		t.Fatalf("restore is not a new revision: %+v", revs)
	}
	// Revisions never change.
	if err := store.ExecRaw(ctx, w.db, "UPDATE content_revisions SET author = 'x'"); err == nil {
		t.Fatal("revision updated")
	}
	// The audit log has every change.
	entries, _ := w.db.AuditEntries(ctx, w.a, audit.Filter{})
	count := 0
	for _, e := range entries {
		if e.ObjectType == "content" {
			count++
		}
	}
	if count != 4 {
		t.Fatalf("audit entries = %d", count)
	}
}

func TestContentEventsInRange(t *testing.T) {
	w := newWorld(t)
	clock := &testClock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	svc := newContent(t, w.db, clock)
	place := mustSave(t, svc, testPlace(w.a, "civica"))
	start := time.Date(2026, 3, 7, 20, 0, 0, 0, content.Rome) // a Saturday
	weekly := testEvent(w.a, "cinema", start, "FREQ=WEEKLY;COUNT=6")
	weekly.Event.PlaceID, weekly.Event.Venue = place.ID, ""
	weekly = mustSave(t, svc, weekly)
	once := mustSave(t, svc, testEvent(w.a, "concerto", time.Date(2026, 4, 2, 21, 0, 0, 0, content.Rome), ""))
	endless := mustSave(t, svc, testEvent(w.a, "mercato", time.Date(2026, 1, 5, 8, 0, 0, 0, content.Rome), "FREQ=MONTHLY;BYDAY=1MO"))
	draft := mustSave(t, svc, testEvent(w.a, "bozza", start, ""))
	for _, id := range []int64{weekly.ID, once.ID, endless.ID} {
		if _, err := svc.Publish(ctx, w.a, id, time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	_ = draft
	april := time.Date(2026, 4, 1, 0, 0, 0, 0, content.Rome)
	occ, err := svc.Occurrences(ctx, w.a, april, april.AddDate(0, 1, 0), "")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range occ {
		got = append(got, o.Item.Slug+" "+o.Start.In(content.Rome).Format("01-02 15:04"))
	}
	want := []string{"concerto 04-02 21:00", "cinema 04-04 20:00", "mercato 04-06 08:00", "cinema 04-11 20:00"}
	if len(got) != len(want) {
		t.Fatalf("april = %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("april = %v, want %v", got, want)
		}
	}
	// The weekly event ended in April; the endless one goes on.
	june := time.Date(2026, 6, 1, 0, 0, 0, 0, content.Rome)
	occ, _ = svc.Occurrences(ctx, w.a, june, june.AddDate(0, 1, 0), "")
	if len(occ) != 1 || occ[0].Item.Slug != "mercato" {
		t.Fatalf("june = %+v", occ)
	}
	// By topic.
	if occ, _ := svc.Occurrences(ctx, w.a, april, april.AddDate(0, 1, 0), "sport"); len(occ) != 0 {
		t.Fatalf("topic filter: %+v", occ)
	}
	// A place in use cannot be deleted.
	if err := svc.Delete(ctx, w.a, place.ID); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("delete place in use: %v", err)
	}
	if err := svc.Delete(ctx, w.a, weekly.ID); err != nil {
		t.Fatal(err)
	}
	if err := svc.Delete(ctx, w.a, place.ID); err != nil {
		t.Fatal(err)
	}
}

func TestContentValidationAndImages(t *testing.T) {
	w := newWorld(t)
	clock := &testClock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	svc := newContent(t, w.db, clock)
	n := testNews(w.a, "foto")
	n.Body = "![](/contenuti/immagini/x)"
	if err := svc.Save(ctx, &n); apperr.As(err) == nil || apperr.As(err).Fields[0].Code != "content.body.image_alt" {
		t.Fatalf("image without alt: %v", err)
	}
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")
	if _, err := svc.UploadImage(ctx, w.a, "a.png", png, ""); !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("image without alt accepted: %v", err)
	}
	if _, err := svc.UploadImage(ctx, w.a, "a.svg", []byte("<svg onload=alert(1)></svg>"), "Logo"); !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("svg accepted: %v", err)
	}
	im, err := svc.UploadImage(ctx, w.a, "a.png", png, "La piazza")
	if err != nil || im.ContentType != "image/png" {
		t.Fatalf("upload: %+v, %v", im, err)
	}
	if _, _, err := svc.Image(ctx, w.b, im.PublicID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("image of A through B: %v", err)
	}
	n.Body = im.Markdown()
	mustSave(t, svc, n)
	if err := svc.SaveMap(ctx, w.a, content.MapSettings{TileURL: "javascript:alert(1)//{z}/{x}/{y}", Attribution: "x"}); !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("bad tile URL: %v", err)
	}
	if err := svc.SaveMap(ctx, w.a, content.MapSettings{TileURL: "https://tiles.example.it/{z}/{x}/{y}.png", Attribution: "© Regione"}); err != nil {
		t.Fatal(err)
	}
	if m, _ := svc.Map(ctx, w.b); m != content.DefaultMap {
		t.Fatalf("B's map = %+v", m)
	}
}
