package store_test

import (
	"context"
	"testing"
	"time"

	"piazza/internal/apperr"
	"piazza/internal/protocol"
)

// registersOf gives each tenant of w one record (number 1 of the year) and a daily
// register of the same day.
func registersOf(t *testing.T, w *world) (a, b protocol.Record) {
	t.Helper()
	reg := protocol.NewRegister(w.db)
	a, err := reg.Register(ctx, w.a, entry("di alfa"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if b, err = reg.Register(ctx, w.b, entry("di beta"), nil); err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{w.a, w.b} {
		d := protocol.Daily{TenantID: id, Day: "2026-03-13", Records: int(id), PDF: protocol.File{Key: "p"}, CSV: protocol.File{Key: "c"}, CreatedAt: time.Now()}
		if err := w.db.InsertProtocolDaily(ctx, &d); err != nil {
			t.Fatal(err)
		}
	}
	return a, b
}

func init() {
	isolationChecks["LockProtocolCounter"] = func(t *testing.T, w *world) {
		_, b := registersOf(t, w)
		w.db.Atomic(ctx, func(ctx context.Context) error {
			last, err := w.db.LockProtocolCounter(ctx, w.a, b.Year)
			if err != nil || last != 1 {
				t.Fatalf("A's counter = %d, %v (B's registrations must not count)", last, err)
			}
			return nil
		})
	}
	isolationChecks["SetProtocolCounter"] = func(t *testing.T, w *world) {
		_, b := registersOf(t, w)
		if err := w.db.SetProtocolCounter(ctx, w.a, b.Year, 41); err != nil {
			t.Fatal(err)
		}
		w.db.Atomic(ctx, func(ctx context.Context) error {
			if last, _ := w.db.LockProtocolCounter(ctx, w.b, b.Year); last != 1 {
				t.Fatalf("B's counter changed to %d", last)
			}
			return nil
		})
	}
	isolationChecks["ProtocolRecord"] = func(t *testing.T, w *world) {
		a, b := registersOf(t, w)
		got, err := w.db.ProtocolRecord(ctx, w.a, b.Year, b.Number)
		if err != nil || got.ID != a.ID {
			t.Fatalf("ProtocolRecord(A, B's number) = %+v, %v", got, err)
		}
	}
	isolationChecks["ProtocolRecordByID"] = func(t *testing.T, w *world) {
		_, b := registersOf(t, w)
		if _, err := w.db.ProtocolRecordByID(ctx, w.a, b.ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("B's record read through A: %v", err)
		}
	}
	isolationChecks["ProtocolCorrections"] = func(t *testing.T, w *world) {
		_, b := registersOf(t, w)
		e := entry("rettifica")
		e.Corrects, e.Note = b.ID, "nota"
		if _, err := protocol.NewRegister(w.db).Register(ctx, w.b, e, nil); err != nil {
			t.Fatal(err)
		}
		if list, _ := w.db.ProtocolCorrections(ctx, w.a, b.ID); len(list) != 0 {
			t.Fatalf("B's corrections seen from A: %+v", list)
		}
	}
	isolationChecks["SearchProtocol"] = func(t *testing.T, w *world) {
		a, _ := registersOf(t, w)
		list, err := w.db.SearchProtocol(ctx, w.a, protocol.Query{})
		if err != nil || len(list) != 1 || list[0].ID != a.ID {
			t.Fatalf("SearchProtocol(A) = %+v, %v", list, err)
		}
	}
	isolationChecks["ProtocolBetween"] = func(t *testing.T, w *world) {
		a, _ := registersOf(t, w)
		list, err := w.db.ProtocolBetween(ctx, w.a, a.At.Add(-time.Hour), a.At.Add(time.Hour))
		if err != nil || len(list) != 1 || list[0].ID != a.ID {
			t.Fatalf("ProtocolBetween(A) = %+v, %v", list, err)
		}
	}
	isolationChecks["ProtocolDaily"] = func(t *testing.T, w *world) {
		registersOf(t, w)
		d, err := w.db.ProtocolDaily(ctx, w.a, "2026-03-13")
		if err != nil || d.TenantID != w.a || d.Records != int(w.a) {
			t.Fatalf("ProtocolDaily(A) = %+v, %v", d, err)
		}
	}
	isolationChecks["ProtocolDailies"] = func(t *testing.T, w *world) {
		registersOf(t, w)
		list, err := w.db.ProtocolDailies(ctx, w.a, 0, 10)
		if err != nil || len(list) != 1 || list[0].TenantID != w.a {
			t.Fatalf("ProtocolDailies(A) = %+v, %v", list, err)
		}
	}
}
