package protocol_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"piazza/internal/apperr"
	"piazza/internal/audit"
	"piazza/internal/blob"
	"piazza/internal/protocol"
	"piazza/internal/store"
	"piazza/internal/store/storetest"
	"piazza/internal/tenants"
)

var ctx = context.Background()

var digest = strings.Repeat("0123456789abcdef", 4)

func valid() protocol.Entry {
	return protocol.Entry{Direction: protocol.In, Correspondent: "  Mario   Rossi ", Subject: "Iscrizione\nmensa",
		Documents: []protocol.Document{{Name: "domanda.pdf", SHA256: strings.ToUpper(digest), Size: 10}}}
}

func TestNormalize(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edit  func(*protocol.Entry)
		field string // "" means valid
	}{
		{"valid", func(*protocol.Entry) {}, ""},
		{"outgoing", func(e *protocol.Entry) { e.Direction = protocol.Out }, ""},
		{"no direction", func(e *protocol.Entry) { e.Direction = "" }, "direction"},
		{"bad direction", func(e *protocol.Entry) { e.Direction = "sideways" }, "direction"},
		{"no correspondent", func(e *protocol.Entry) { e.Correspondent = " \n " }, "correspondent"},
		{"long correspondent", func(e *protocol.Entry) { e.Correspondent = strings.Repeat("a", protocol.MaxCorrespondent+1) }, "correspondent"},
		{"no subject", func(e *protocol.Entry) { e.Subject = "" }, "subject"},
		{"long subject", func(e *protocol.Entry) { e.Subject = strings.Repeat("è", protocol.MaxSubject+1) }, "subject"},
		{"control character", func(e *protocol.Entry) { e.Subject = "a\x00b" }, "subject"},
		{"short digest", func(e *protocol.Entry) { e.Documents[0].SHA256 = "abc" }, "documents.0"},
		{"non-hex digest", func(e *protocol.Entry) { e.Documents[0].SHA256 = strings.Repeat("zz", 32) }, "documents.0"},
		{"no document name", func(e *protocol.Entry) { e.Documents[0].Name = "" }, "documents.0"},
		{"negative size", func(e *protocol.Entry) { e.Documents[0].Size = -1 }, "documents.0"},
		{"too many documents", func(e *protocol.Entry) {
			e.Documents = make([]protocol.Document, protocol.MaxDocuments+1)
			for i := range e.Documents {
				e.Documents[i] = protocol.Document{Name: "f", SHA256: digest}
			}
		}, "documents"},
		{"correction without note", func(e *protocol.Entry) { e.Corrects = 7 }, "note"},
		{"correction with note", func(e *protocol.Entry) { e.Corrects, e.Note = 7, "refuso" }, ""},
		{"long note", func(e *protocol.Entry) { e.Note = strings.Repeat("n", protocol.MaxNote+1) }, "note"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := valid()
			tc.edit(&e)
			err := e.Normalize()
			if tc.field == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			var ae *apperr.Error
			if !apperr.Is(err, apperr.Invalid) || !asError(err, &ae) {
				t.Fatalf("err = %v, want Invalid", err)
			}
			for _, f := range ae.Fields {
				if f.Field == tc.field {
					return
				}
			}
			t.Fatalf("no error on %s: %+v", tc.field, ae.Fields)
		})
	}
	e := valid()
	e.Normalize()
	if e.Correspondent != "Mario Rossi" || e.Subject != "Iscrizione mensa" || e.Documents[0].SHA256 != digest {
		t.Fatalf("not normalised: %+v", e)
	}
}

func asError(err error, target **apperr.Error) bool {
	e, ok := err.(*apperr.Error)
	*target = e
	return ok
}

func TestSignatureAndYear(t *testing.T) {
	for _, tc := range []struct {
		n    int64
		year int
		want string
	}{{1, 2026, "0000001/2026"}, {42, 2026, "0000042/2026"}, {9999999, 2026, "9999999/2026"}, {12345678, 2027, "12345678/2027"}} {
		if got := (protocol.Record{Number: tc.n, Year: tc.year}).Signature(); got != tc.want {
			t.Errorf("Signature(%d, %d) = %s, want %s", tc.n, tc.year, got, tc.want)
		}
	}
	// 23:30 UTC on 31 December is already the new year in Rome.
	if y := protocol.YearOf(time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC)); y != 2027 {
		t.Errorf("YearOf = %d", y)
	}
	if y := protocol.YearOf(time.Date(2026, 12, 31, 22, 59, 59, 0, time.UTC)); y != 2026 {
		t.Errorf("YearOf = %d", y)
	}
}

func TestDayBounds(t *testing.T) {
	for _, tc := range []struct {
		day   string
		hours float64
	}{{"2026-03-13", 24}, {"2026-03-29", 23}, {"2026-10-25", 25}} {
		from, to, err := protocol.DayBounds(tc.day)
		if err != nil || to.Sub(from).Hours() != tc.hours {
			t.Errorf("%s: %v–%v (%v), want %v hours", tc.day, from, to, err, tc.hours)
		}
		if protocol.DayOf(from) != tc.day || protocol.DayOf(to.Add(-time.Nanosecond)) != tc.day {
			t.Errorf("%s: bounds outside the day", tc.day)
		}
	}
	if _, _, err := protocol.DayBounds("13/03/2026"); !apperr.Is(err, apperr.Invalid) {
		t.Errorf("bad day: %v", err)
	}
}

// clock is a settable clock.
type clock struct{ t atomic.Pointer[time.Time] }

func (c *clock) set(s string) {
	tm, err := time.ParseInLocation("2006-01-02 15:04", s, protocol.Rome)
	if err != nil {
		panic(err)
	}
	c.t.Store(&tm)
}
func (c *clock) now() time.Time { return *c.t.Load() }

func setup(t *testing.T) (*store.DB, *blob.Dir, *clock, *protocol.Service, tenants.Tenant) {
	t.Helper()
	db := storetest.Open(t)
	files, err := blob.OpenDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { files.Close() })
	c := &clock{}
	c.set("2026-03-13 09:00")
	tn := storetest.MustCreateTenant(t, db, "alfa")
	tn.Modules = append(tn.Modules, tenants.ModuleProtocol)
	if err := db.UpdateTenant(ctx, &tn); err != nil {
		t.Fatal(err)
	}
	return db, files, c, protocol.New(db, files, protocol.Clock(c.now)), tn
}

func TestDailyRegister(t *testing.T) {
	db, files, c, svc, tn := setup(t)
	other := storetest.MustCreateTenant(t, db, "beta") // without the protocol module
	e := valid()
	e.Subject = "=HYPERLINK(\"http://x\") perché è così"
	if _, err := svc.Register(ctx, tn.ID, e, nil); err != nil {
		t.Fatal(err)
	}
	c.set("2026-03-13 23:59")
	e2 := valid()
	e2.Direction, e2.Correspondent, e2.Subject, e2.Documents = protocol.Out, "Giulia Bianchi", "Esito: importo € 12,50", nil
	if _, err := svc.Register(ctx, tn.ID, e2, nil); err != nil {
		t.Fatal(err)
	}
	c.set("2026-03-14 00:00") // after midnight: belongs to the next day
	if _, err := svc.Register(ctx, tn.ID, valid(), nil); err != nil {
		t.Fatal(err)
	}

	// Before midnight of the 14th only the 13th (and the days since the tenant was
	// created, which have no records) can be produced.
	c.set("2026-03-14 00:10")
	made, err := svc.RunDaily(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var d protocol.Daily
	for _, m := range made {
		if m.TenantID == other.ID {
			t.Fatal("daily register for a tenant without the protocol module")
		}
		if m.Day == "2026-03-13" {
			d = m
		}
		if m.Day >= "2026-03-14" {
			t.Fatalf("register produced for a day not over: %s", m.Day)
		}
	}
	if d.Records != 2 || d.First != "0000001/2026" || d.Last != "0000002/2026" {
		t.Fatalf("daily register of the 13th: %+v (produced %d)", d, len(made))
	}
	// Idempotent: running again produces nothing and changes nothing.
	again, err := svc.RunDaily(ctx)
	if err != nil || len(again) != 0 {
		t.Fatalf("second run produced %d, %v", len(again), err)
	}
	stored, _ := db.ProtocolDaily(ctx, tn.ID, "2026-03-13")
	if stored.PDF.SHA256 != d.PDF.SHA256 || stored.CSV.SHA256 != d.CSV.SHA256 {
		t.Fatal("the stored register changed")
	}

	pdf, err := svc.DailyFile(ctx, tn.ID, "2026-03-13", "pdf")
	if err != nil || !bytes.HasPrefix(pdf, []byte("%PDF-")) || blob.SHA256(pdf) != d.PDF.SHA256 || int64(len(pdf)) != d.PDF.Size {
		t.Fatalf("PDF: %d bytes, %v", len(pdf), err)
	}
	data, err := svc.DailyFile(ctx, tn.ID, "2026-03-13", "csv")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) {
		t.Fatal("CSV without a UTF-8 byte-order mark")
	}
	r := csv.NewReader(bytes.NewReader(data[3:]))
	r.Comma = ';'
	rows, err := r.ReadAll()
	if err != nil || len(rows) != 3 {
		t.Fatalf("CSV rows: %d, %v", len(rows), err)
	}
	if rows[0][0] != "Numero" || rows[1][2] != "0000001/2026" || rows[1][3] != "13/03/2026 09:00" || rows[2][3] != "13/03/2026 23:59" {
		t.Fatalf("CSV content: %q", rows)
	}
	if !strings.HasPrefix(rows[1][6], "'=") || rows[2][6] != "Esito: importo € 12,50" || rows[2][4] != "Uscita" {
		t.Fatalf("CSV cells: %q", rows)
	}
	if !strings.Contains(rows[1][7], digest) {
		t.Fatalf("CSV without the document digest: %q", rows[1])
	}
	// A file that no longer matches its digest is refused.
	files.Put(ctx, d.CSV.Key, []byte("altered"))
	if _, err := svc.DailyFile(ctx, tn.ID, "2026-03-13", "csv"); err == nil {
		t.Fatal("altered file served")
	}
	// The other tenant's staff cannot fetch it.
	if _, err := svc.DailyFile(ctx, other.ID, "2026-03-13", "pdf"); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("daily register across tenants: %v", err)
	}
	// A day that is not over has no register.
	if _, _, err := svc.ProduceDaily(ctx, tn, "2026-03-14"); !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("producing today: %v", err)
	}
	// Provisional register of today so far.
	prov, err := svc.Provisional(ctx, tn, "csv")
	if err != nil || bytes.Count(prov, []byte("\r\n")) != 2 {
		t.Fatalf("provisional CSV: %q, %v", prov, err)
	}
	entries, _ := db.AuditEntries(ctx, tn.ID, audit.Filter{Action: "protocol.daily"})
	if len(entries) < 4 {
		t.Fatalf("daily register actions not audited: %d entries", len(entries))
	}
}

// TestDailyDeterministic produces the same day twice (on two databases with the
// same records) and gets the same PDF bytes.
func TestDailyDeterministic(t *testing.T) {
	var sums []string
	for range 2 {
		_, _, c, svc, tn := setup(t)
		c.set("2026-03-13 10:00")
		svc.Register(ctx, tn.ID, valid(), nil)
		c.set("2026-03-15 01:00")
		// The tenant was created "now" by the test: produce the day explicitly.
		d, made, err := svc.ProduceDaily(ctx, tn, "2026-03-13")
		if err != nil || !made {
			t.Fatal(made, err)
		}
		sums = append(sums, d.PDF.SHA256+d.CSV.SHA256)
	}
	if sums[0] != sums[1] {
		t.Fatal("the same day produced different files")
	}
}

func TestCorrectAndView(t *testing.T) {
	db, _, _, svc, tn := setup(t)
	old, err := svc.Register(ctx, tn.ID, valid(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Correct(ctx, tn.ID, old.Year, old.Number, protocol.Correction{Correspondent: "Mario Rossi", Subject: "Iscrizione mensa"}); !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("correction without a note: %v", err)
	}
	fix, err := svc.Correct(ctx, tn.ID, old.Year, old.Number, protocol.Correction{Correspondent: "Mario Rossi", Subject: "Iscrizione mensa 2026/27", Note: "anno scolastico mancante"})
	if err != nil || fix.Number != 2 || fix.Corrects != old.ID || fix.Direction != old.Direction {
		t.Fatalf("correction: %+v %v", fix, err)
	}
	v, err := svc.View(ctx, tn.ID, old.Year, old.Number)
	if err != nil || len(v.Corrections) != 1 || v.Corrections[0].ID != fix.ID || v.Subject != "Iscrizione mensa" {
		t.Fatalf("view of the original: %+v %v", v, err)
	}
	fv, err := svc.View(ctx, tn.ID, fix.Year, fix.Number)
	if err != nil || fv.Corrected == nil || fv.Corrected.ID != old.ID {
		t.Fatalf("view of the correction: %+v %v", fv, err)
	}
	if _, err := svc.View(ctx, tn.ID, old.Year, 99); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("missing record: %v", err)
	}
	if _, err := svc.Search(ctx, tn.ID, protocol.Query{Direction: "x"}); !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("bad query: %v", err)
	}
	if list, err := svc.Search(ctx, tn.ID, protocol.Query{Text: "mensa"}); err != nil || len(list) != 2 {
		t.Fatalf("search: %d, %v", len(list), err)
	}
	for _, action := range []string{"protocol.view", "protocol.search", "protocol.correct"} {
		if entries, _ := db.AuditEntries(ctx, tn.ID, audit.Filter{Action: action}); len(entries) == 0 {
			t.Errorf("%s not audited", action)
		}
	}
}

// FuzzNormalize: any entry either fails with Invalid or comes out normalised, and
// normalising it again changes nothing.
func FuzzNormalize(f *testing.F) {
	f.Add("in", "Mario Rossi", "Iscrizione mensa", "domanda.pdf", digest, "", int64(0))
	f.Add("out", " a\nb ", "\x00", "", "ZZ", "nota", int64(3))
	f.Fuzz(func(t *testing.T, dir, corr, subj, name, sum, note string, corrects int64) {
		e := protocol.Entry{Direction: protocol.Direction(dir), Correspondent: corr, Subject: subj, Note: note, Corrects: corrects,
			Documents: []protocol.Document{{Name: name, SHA256: sum, Size: 1}}}
		if err := e.Normalize(); err != nil {
			if !apperr.Is(err, apperr.Invalid) {
				t.Fatalf("error of kind %v", err)
			}
			return
		}
		again := e
		again.Documents = append([]protocol.Document(nil), e.Documents...)
		if err := again.Normalize(); err != nil || again.Subject != e.Subject || again.Correspondent != e.Correspondent ||
			again.Documents[0] != e.Documents[0] || again.Note != e.Note {
			t.Fatalf("normalising twice changed %+v into %+v (%v)", e, again, err)
		}
	})
}
