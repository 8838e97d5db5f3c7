package store_test

import (
	"testing"
	"time"

	"piazza/internal/apperr"
	"piazza/internal/content"
)

// attachments gives each tenant's news item a file with the same public id.
func attachments(t *testing.T, w *world) (a, b content.Attachment, itemA, itemB content.Item) {
	t.Helper()
	ca, cb := contentOf(t, w)
	itemA, itemB = ca[content.KindNews], cb[content.KindNews]
	mk := func(tenant, item int64) content.Attachment {
		x := content.Attachment{TenantID: tenant, ItemID: item, PublicID: "stesso", Name: "bando.pdf", ContentType: "application/pdf",
			Size: 3, SHA256: "abc", Key: "k", CreatedAt: time.Now()}
		if err := w.db.AddAttachment(ctx, &x); err != nil {
			t.Fatal(err)
		}
		return x
	}
	return mk(w.a, itemA.ID), mk(w.b, itemB.ID), itemA, itemB
}

func init() {
	isolationChecks["AddAttachment"] = func(t *testing.T, w *world) {
		_, _, _, itemB := attachments(t, w)
		x := content.Attachment{TenantID: w.a, ItemID: itemB.ID, PublicID: "altro", Name: "x.pdf", ContentType: "application/pdf", Key: "k", CreatedAt: time.Now()}
		if err := w.db.AddAttachment(ctx, &x); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("A attached a file to B's item: %v", err)
		}
	}
	isolationChecks["Attachments"] = func(t *testing.T, w *world) {
		a, _, itemA, itemB := attachments(t, w)
		if list, _ := w.db.Attachments(ctx, w.a, itemA.ID); len(list) != 1 || list[0].ID != a.ID {
			t.Fatalf("Attachments(A) = %+v", list)
		}
		if list, _ := w.db.Attachments(ctx, w.a, itemB.ID); len(list) != 0 {
			t.Fatalf("A lists B's files: %+v", list)
		}
	}
	isolationChecks["Attachment"] = func(t *testing.T, w *world) {
		a, _, _, _ := attachments(t, w)
		if got, err := w.db.Attachment(ctx, w.a, "stesso"); err != nil || got.ID != a.ID || got.TenantID != w.a {
			t.Fatalf("Attachment(A) = %+v, %v", got, err)
		}
	}
	isolationChecks["DeleteAttachment"] = func(t *testing.T, w *world) {
		_, b, _, itemB := attachments(t, w)
		if _, err := w.db.DeleteAttachment(ctx, w.a, itemB.ID, "stesso"); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("A removed B's file: %v", err)
		}
		if got, err := w.db.Attachment(ctx, w.b, "stesso"); err != nil || got.ID != b.ID {
			t.Fatalf("B's file gone: %v", err)
		}
	}
}
