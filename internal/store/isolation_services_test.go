package store_test

import (
	"testing"
	"time"

	"piazza/internal/apperr"
	"piazza/internal/services"
)

// cardsOf gives each tenant of w a card with the same slug.
func cardsOf(t *testing.T, w *world) (a, b services.Card) {
	return mustCard(t, w.db, testCard(w.a, w.officeA.ID, "mensa")), mustCard(t, w.db, testCard(w.b, w.officeB.ID, "mensa"))
}

func init() {
	isolationChecks["CreateCard"] = func(t *testing.T, w *world) {
		// A card of A can never point at B's office.
		c := testCard(w.a, w.officeB.ID, "x")
		if err := w.db.CreateCard(ctx, &c); err == nil {
			t.Fatal("card of A created under B's office")
		}
	}
	isolationChecks["UpdateCard"] = func(t *testing.T, w *world) {
		_, b := cardsOf(t, w)
		c := b
		c.TenantID, c.Title = w.a, "Rubato"
		if err := w.db.UpdateCard(ctx, &c); !apperr.Is(err, apperr.NotFound) && !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("B's card updated through A: %v", err)
		}
		if got, _ := w.db.Card(ctx, w.b, b.ID); got.Title != b.Title {
			t.Fatal("B's card changed")
		}
	}
	isolationChecks["DeleteCard"] = func(t *testing.T, w *world) {
		_, b := cardsOf(t, w)
		if err := w.db.DeleteCard(ctx, w.a, b.ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("B's card deleted through A: %v", err)
		}
	}
	isolationChecks["SetCardPublished"] = func(t *testing.T, w *world) {
		_, b := cardsOf(t, w)
		if err := w.db.SetCardPublished(ctx, w.a, b.ID, true, time.Now()); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("B's card published through A: %v", err)
		}
		if got, _ := w.db.Card(ctx, w.b, b.ID); got.Published {
			t.Fatal("B's card published")
		}
	}
	isolationChecks["Card"] = func(t *testing.T, w *world) {
		_, b := cardsOf(t, w)
		if _, err := w.db.Card(ctx, w.a, b.ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("B's card read through A: %v", err)
		}
	}
	isolationChecks["CardBySlug"] = func(t *testing.T, w *world) {
		a, _ := cardsOf(t, w)
		if got, err := w.db.CardBySlug(ctx, w.a, "mensa"); err != nil || got.ID != a.ID {
			t.Fatalf("CardBySlug(A) = %d, %v", got.ID, err)
		}
	}
	isolationChecks["CardByForm"] = func(t *testing.T, w *world) {
		_, b := cardsOf(t, w)
		b.FormKey = "solo-beta"
		w.db.UpdateCard(ctx, &b)
		if _, err := w.db.CardByForm(ctx, w.a, "solo-beta"); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("B's card found by form through A: %v", err)
		}
	}
	isolationChecks["Cards"] = func(t *testing.T, w *world) {
		a, _ := cardsOf(t, w)
		list, err := w.db.Cards(ctx, w.a, services.Query{})
		if err != nil || len(list) != 1 || list[0].ID != a.ID {
			t.Fatalf("Cards(A) = %+v, %v", list, err)
		}
	}
	isolationChecks["CardCounts"] = func(t *testing.T, w *world) {
		cardsOf(t, w)
		counts, _ := w.db.CardCounts(ctx, w.a, false)
		if counts["educazione-e-formazione"] != 1 {
			t.Fatalf("CardCounts(A) = %v", counts)
		}
	}
	isolationChecks["OfficeExists"] = func(t *testing.T, w *world) {
		if ok, _ := w.db.OfficeExists(ctx, w.a, w.officeB.ID); ok {
			t.Fatal("B's office exists in A")
		}
	}
}
