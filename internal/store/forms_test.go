package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"piazza/internal/apperr"
	"piazza/internal/audit"
	"piazza/internal/forms"
	"piazza/internal/store"
)

// formJSON is a small valid definition with a title.
func formJSON(title string) []byte {
	return []byte(`{"title": "` + title + `", "steps": [{"id": "s", "title": "Passo", "fields": [{"name": "a", "type": "text", "label": "A", "required": true}]}]}`)
}

func formService(db *store.DB) *forms.Service {
	return forms.NewService(db, db, func() time.Time { return time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC) })
}

func staffCtx(w *world) context.Context {
	return audit.WithActor(ctx, audit.Actor{Kind: audit.ActorStaff, ID: w.staffA.ID, Label: "anna@alfa.it"})
}

func TestFormVersions(t *testing.T) {
	w := newWorld(t)
	svc := formService(w.db)
	c := staffCtx(w)

	if _, err := svc.Live(c, w.a, "mensa"); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("live of a missing form: %v", err)
	}
	if _, err := svc.Publish(c, w.a, "mensa"); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("publish without a draft: %v", err)
	}
	// An invalid definition stores nothing.
	if _, err := svc.SaveDraft(c, w.a, "mensa", []byte(`{"title": "x"}`)); !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("invalid draft: %v", err)
	}
	if ok, _ := svc.Exists(c, w.a, "mensa"); ok {
		t.Fatal("invalid draft stored")
	}
	if _, err := svc.SaveDraft(c, w.a, "Mensa Scolastica", formJSON("x")); !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("bad key: %v", err)
	}
	if _, err := svc.SaveDraft(c, w.a, "mensa", []byte(`{"key": "altro", "title": "x", "steps": [{"id": "s", "title": "t", "fields": [{"name": "a", "type": "text", "label": "A"}]}]}`)); !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("key mismatch: %v", err)
	}

	d1, err := svc.SaveDraft(c, w.a, "mensa", formJSON("Uno"))
	if err != nil || d1.Number != 1 || d1.Status != forms.StatusDraft || d1.CreatedBy != w.staffA.ID || d1.Def.Key != "mensa" {
		t.Fatalf("first draft %+v %v", d1, err)
	}
	// Saving again replaces the draft: same id and number.
	d1b, err := svc.SaveDraft(c, w.a, "mensa", formJSON("Uno bis"))
	if err != nil || d1b.ID != d1.ID || d1b.Number != 1 {
		t.Fatalf("replaced draft %+v %v", d1b, err)
	}
	live1, err := svc.Publish(c, w.a, "mensa")
	if err != nil || live1.ID != d1.ID || live1.Status != forms.StatusLive || live1.PublishedAt.IsZero() || live1.Def.Title.IT != "Uno bis" {
		t.Fatalf("published %+v %v", live1, err)
	}
	if _, err := svc.Draft(c, w.a, "mensa"); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("draft after publish: %v", err)
	}
	// A new draft gets the next number and leaves the live version alone.
	d2, err := svc.SaveDraft(c, w.a, "mensa", formJSON("Due"))
	if err != nil || d2.Number != 2 || d2.ID == live1.ID {
		t.Fatalf("second draft %+v %v", d2, err)
	}
	if got, _ := svc.Live(c, w.a, "mensa"); got.ID != live1.ID || got.Def.Title.IT != "Uno bis" {
		t.Fatalf("live changed by a draft: %+v", got)
	}
	if got, _ := svc.Export(c, w.a, "mensa"); !strings.Contains(string(got), "Uno bis") {
		t.Fatalf("export %s", got)
	}
	live2, err := svc.Publish(c, w.a, "mensa")
	if err != nil || live2.Number != 2 {
		t.Fatalf("second publish %+v %v", live2, err)
	}
	// The old version is retired but still readable by id, unchanged.
	old, err := svc.Version(c, w.a, live1.ID)
	if err != nil || old.Status != forms.StatusRetired || old.Def.Title.IT != "Uno bis" {
		t.Fatalf("retired %+v %v", old, err)
	}
	vs, err := svc.Versions(c, w.a, "mensa")
	if err != nil || len(vs) != 2 || vs[0].Number != 2 || vs[1].Number != 1 || vs[0].CreatedByName != "anna@alfa.it" {
		t.Fatalf("versions %+v %v", vs, err)
	}

	// Import takes a definition with another key; adopt publishes at once.
	imp, err := svc.ImportDraft(c, w.a, "mensa", []byte(`{"key": "mensa-altrove", "title": "Importato", "steps": [{"id": "s", "title": "t", "fields": [{"name": "a", "type": "text", "label": "A"}]}]}`))
	if err != nil || imp.Number != 3 || imp.Def.Key != "mensa" {
		t.Fatalf("import %+v %v", imp, err)
	}
	if err := svc.Adopt(c, w.a, "ztl", formJSON("Ztl")); err != nil {
		t.Fatal(err)
	}
	if got, err := svc.Live(c, w.a, "ztl"); err != nil || got.Number != 1 {
		t.Fatalf("adopted %+v %v", got, err)
	}
	list, err := svc.List(c, w.a)
	if err != nil || len(list) != 2 || list[0].Key != "mensa" || list[0].Live != 2 || list[0].Draft != 3 || list[0].Title.IT != "Importato" ||
		list[1].Key != "ztl" || list[1].Live != 1 || list[1].Draft != 0 {
		t.Fatalf("list %+v %v", list, err)
	}
	// Every change is in the audit log.
	entries, _ := w.db.AuditEntries(ctx, w.a, audit.Filter{Action: "form."})
	if len(entries) < 6 {
		t.Fatalf("%d audit entries", len(entries))
	}
}

func TestFormVersionsOneDraftOneLive(t *testing.T) {
	w := newWorld(t)
	now := time.Now()
	for _, status := range []string{"draft", "live"} {
		insert := func(n int) error {
			return store.ExecRaw(ctx, w.db, `INSERT INTO form_versions (tenant_id, key, number, status, json, created_at) VALUES (?, ?, ?, ?, '{}', ?)`,
				w.a, "k-"+status, n, status, now.UTC().Format(time.RFC3339Nano))
		}
		if err := insert(1); err != nil {
			t.Fatal(err)
		}
		if err := insert(2); err == nil {
			t.Fatalf("two %s versions of one key", status)
		}
	}
	if err := store.ExecRaw(ctx, w.db, `INSERT INTO form_versions (tenant_id, key, number, status, json, created_at) VALUES (?, 'k-live', 1, 'retired', '{}', ?)`,
		w.a, now.UTC().Format(time.RFC3339Nano)); err == nil {
		t.Fatal("two versions with one number")
	}
}
