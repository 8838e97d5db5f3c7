package store_test

import (
	"testing"
	"time"

	"piazza/internal/apperr"
	"piazza/internal/forms"
)

// formsOf gives each tenant of w a live form "mensa" and a draft "ztl" (B's drafts
// say "Beta").
func formsOf(t *testing.T, w *world) (a, b forms.Version) {
	t.Helper()
	var out [2]forms.Version
	for i, tid := range []int64{w.a, w.b} {
		svc := formService(w.db)
		title := []string{"Alfa", "Beta"}[i]
		if _, err := svc.SaveDraft(ctx, tid, "mensa", formJSON(title)); err != nil {
			t.Fatal(err)
		}
		v, err := svc.Publish(ctx, tid, "mensa")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.SaveDraft(ctx, tid, "ztl", formJSON(title)); err != nil {
			t.Fatal(err)
		}
		out[i] = v
	}
	return out[0], out[1]
}

func init() {
	isolationChecks["SaveFormDraft"] = func(t *testing.T, w *world) {
		_, b := formsOf(t, w)
		v := forms.Version{TenantID: w.a, Key: "ztl", JSON: formJSON("Alfa nuova"), CreatedAt: time.Now()}
		if err := w.db.SaveFormDraft(ctx, &v); err != nil {
			t.Fatal(err)
		}
		got, _ := w.db.FormVersionByStatus(ctx, w.b, "ztl", forms.StatusDraft)
		if string(got.JSON) != string(formJSON("Beta")) {
			t.Fatal("B's draft replaced through A")
		}
		if bl, _ := w.db.FormVersion(ctx, w.b, b.ID); bl.Status != forms.StatusLive {
			t.Fatal("B's live version changed")
		}
	}
	isolationChecks["PublishFormDraft"] = func(t *testing.T, w *world) {
		_, b := formsOf(t, w)
		if _, err := w.db.PublishFormDraft(ctx, w.a, "ztl", time.Now()); err != nil {
			t.Fatal(err)
		}
		if _, err := w.db.FormVersionByStatus(ctx, w.b, "ztl", forms.StatusDraft); err != nil {
			t.Fatalf("B's draft published through A: %v", err)
		}
		if bl, _ := w.db.FormVersion(ctx, w.b, b.ID); bl.Status != forms.StatusLive {
			t.Fatal("B's live version retired through A")
		}
	}
	isolationChecks["FormVersion"] = func(t *testing.T, w *world) {
		_, b := formsOf(t, w)
		if _, err := w.db.FormVersion(ctx, w.a, b.ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("B's version read through A: %v", err)
		}
	}
	isolationChecks["FormVersionByStatus"] = func(t *testing.T, w *world) {
		a, _ := formsOf(t, w)
		if got, err := w.db.FormVersionByStatus(ctx, w.a, "mensa", forms.StatusLive); err != nil || got.ID != a.ID {
			t.Fatalf("A's live = %d, %v", got.ID, err)
		}
	}
	isolationChecks["FormVersions"] = func(t *testing.T, w *world) {
		a, _ := formsOf(t, w)
		list, err := w.db.FormVersions(ctx, w.a, "mensa")
		if err != nil || len(list) != 1 || list[0].ID != a.ID {
			t.Fatalf("FormVersions(A) = %+v, %v", list, err)
		}
	}
	isolationChecks["FormKeys"] = func(t *testing.T, w *world) {
		formsOf(t, w)
		list, err := w.db.FormKeys(ctx, w.a)
		if err != nil || len(list) != 2 || list[0].Title.IT != "Alfa" || list[1].Title.IT != "Alfa" {
			t.Fatalf("FormKeys(A) = %+v, %v", list, err)
		}
	}
}
