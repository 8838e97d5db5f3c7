package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"piazza/internal/apperr"
	"piazza/internal/audit"
	"piazza/internal/protocol"
	"piazza/internal/store"
	"piazza/internal/store/storetest"
)

func entry(subject string) protocol.Entry {
	return protocol.Entry{Direction: protocol.In, Correspondent: "Mario Rossi", Subject: subject,
		Documents: []protocol.Document{{Name: "domanda.pdf", SHA256: strings.Repeat("ab", 32), Size: 1234}}}
}

// numbers returns the numbers of a tenant's year, in order.
func numbers(t *testing.T, db *store.DB, tenantID int64, year int) []int64 {
	t.Helper()
	recs, err := db.SearchProtocol(ctx, tenantID, protocol.Query{Year: year})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]int64, len(recs))
	for i, r := range recs {
		out[i] = r.Number
	}
	slices.Sort(out)
	return out
}

// gapless fails unless got is exactly 1..n.
func gapless(t *testing.T, name string, got []int64, n int) {
	t.Helper()
	if len(got) != n {
		t.Fatalf("%s: %d records, want %d", name, len(got), n)
	}
	for i, v := range got {
		if v != int64(i+1) {
			t.Fatalf("%s: number %d at position %d (gap or duplicate)", name, v, i+1)
		}
	}
}

// TestProtocolGaplessUnderConcurrency registers 50×40 records for one tenant and,
// at the same time, 20×40 for another: each gets exactly 1..N.
func TestProtocolGaplessUnderConcurrency(t *testing.T) {
	db := storetest.Open(t)
	a := storetest.MustCreateTenant(t, db, "alfa").ID
	b := storetest.MustCreateTenant(t, db, "beta").ID
	reg := protocol.NewRegister(db)
	var wg sync.WaitGroup
	var failures atomic.Int64
	seen := sync.Map{}
	run := func(tenant int64, goroutines, each int) {
		for g := 0; g < goroutines; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < each; i++ {
					r, err := reg.Register(ctx, tenant, entry(fmt.Sprintf("domanda %d-%d", g, i)), nil)
					if err != nil {
						failures.Add(1)
						t.Error(err)
						return
					}
					if _, dup := seen.LoadOrStore(fmt.Sprint(tenant, "/", r.Number), true); dup {
						t.Errorf("number %s given twice", r.Signature())
					}
				}
			}()
		}
	}
	run(a, 50, 40)
	run(b, 20, 40)
	wg.Wait()
	if failures.Load() > 0 {
		t.FailNow()
	}
	year := protocol.YearOf(time.Now())
	gapless(t, "tenant A", numbers(t, db, a, year), 2000)
	gapless(t, "tenant B", numbers(t, db, b, year), 800)
	// The documents came along with every record.
	r, err := db.ProtocolRecord(ctx, a, year, 1234)
	if err != nil || len(r.Documents) != 1 || r.Documents[0].SHA256 != strings.Repeat("ab", 32) {
		t.Fatalf("record 1234: %+v, %v", r, err)
	}
}

// TestProtocolFailingCallbackLeavesNoGap makes every third registration of one batch
// fail in its callback, after the callback wrote something: the failures use no
// number, leave nothing behind, and the others commit with consecutive numbers.
func TestProtocolFailingCallbackLeavesNoGap(t *testing.T) {
	db := storetest.Open(t)
	a := storetest.MustCreateTenant(t, db, "alfa").ID
	reg := protocol.NewRegister(db)
	// The first registration holds its batch open until the others have queued, so
	// that they all land in the second batch.
	release := make(chan struct{})
	first := make(chan error, 1)
	go func() {
		_, err := reg.Register(ctx, a, entry("prima"), func(ctx context.Context, r protocol.Record) error {
			<-release
			return nil
		})
		first <- err
	}()
	time.Sleep(50 * time.Millisecond)
	boom := errors.New("the application could not be stored")
	type outcome struct {
		i   int
		rec protocol.Record
		err error
	}
	out := make(chan outcome, 30)
	for i := range 30 {
		go func() {
			rec, err := reg.Register(ctx, a, entry(fmt.Sprintf("domanda %d", i)), func(ctx context.Context, r protocol.Record) error {
				// Write something in the transaction, then maybe fail.
				if err := db.AppendAudit(ctx, audit.Entry{TenantID: a, Action: "test.callback", ObjectID: r.Signature(),
					Detail: fmt.Sprint(i), Actor: audit.Actor{Kind: audit.ActorSystem}}); err != nil {
					return err
				}
				if i%3 == 1 {
					return boom
				}
				if i == 29 {
					panic("callback panic")
				}
				return nil
			})
			out <- outcome{i, rec, err}
		}()
	}
	time.Sleep(100 * time.Millisecond)
	close(release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	ok := 0
	for range 30 {
		o := <-out
		switch {
		case o.i%3 == 1:
			if !errors.Is(o.err, boom) {
				t.Errorf("registration %d: err %v, want the callback's", o.i, o.err)
			}
		case o.i == 29:
			if o.err == nil || !strings.Contains(o.err.Error(), "panic") {
				t.Errorf("panicking callback: %v", o.err)
			}
		default:
			if o.err != nil {
				t.Errorf("registration %d: %v", o.i, o.err)
			}
			ok++
		}
	}
	year := protocol.YearOf(time.Now())
	gapless(t, "after failures", numbers(t, db, a, year), ok+1)
	entries, _ := db.AuditEntries(ctx, a, audit.Filter{Action: "test.callback"})
	if len(entries) != ok {
		t.Fatalf("%d callback writes kept, want %d (failed callbacks must leave nothing)", len(entries), ok)
	}
	// The next registration continues the sequence.
	r, err := reg.Register(ctx, a, entry("dopo"), nil)
	if err != nil || r.Number != int64(ok+2) {
		t.Fatalf("next = %d, %v; want %d", r.Number, err, ok+2)
	}
}

// TestProtocolCancelledWhileQueued cancels a caller waiting behind a busy batch:
// it gets its context's error and uses no number.
func TestProtocolCancelledWhileQueued(t *testing.T) {
	db := storetest.Open(t)
	a := storetest.MustCreateTenant(t, db, "alfa").ID
	reg := protocol.NewRegister(db)
	release := make(chan struct{})
	first := make(chan error, 1)
	go func() {
		_, err := reg.Register(ctx, a, entry("prima"), func(context.Context, protocol.Record) error { <-release; return nil })
		first <- err
	}()
	time.Sleep(50 * time.Millisecond)
	cctx, cancel := context.WithCancel(ctx)
	errc := make(chan error, 1)
	go func() {
		_, err := reg.Register(cctx, a, entry("annullata"), nil)
		errc <- err
	}()
	time.Sleep(20 * time.Millisecond)
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled caller: %v", err)
	}
	close(release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	r, err := reg.Register(ctx, a, entry("seconda"), nil)
	if err != nil || r.Number != 2 {
		t.Fatalf("after a cancelled caller: number %d, %v; want 2", r.Number, err)
	}
	recs, _ := db.SearchProtocol(ctx, a, protocol.Query{Text: "annullata"})
	if len(recs) != 0 {
		t.Fatal("the cancelled registration was recorded")
	}
}

// TestProtocolYearRollover checks that numbering restarts with the calendar year of
// Europe/Rome, not of UTC.
func TestProtocolYearRollover(t *testing.T) {
	db := storetest.Open(t)
	a := storetest.MustCreateTenant(t, db, "alfa").ID
	var now atomic.Pointer[time.Time]
	set := func(s string) {
		tm, err := time.ParseInLocation("2006-01-02 15:04:05", s, protocol.Rome)
		if err != nil {
			t.Fatal(err)
		}
		now.Store(&tm)
	}
	reg := protocol.NewRegister(db, protocol.WithClock(func() time.Time { return *now.Load() }))
	set("2026-12-31 23:58:00")
	for i := 1; i <= 3; i++ {
		r, err := reg.Register(ctx, a, entry("fine anno"), nil)
		if err != nil || r.Year != 2026 || r.Number != int64(i) {
			t.Fatalf("31 Dec: %s, %v", r.Signature(), err)
		}
	}
	// 23:59:30 on 31 December in Rome is still 2026 (22:59:30 UTC).
	set("2026-12-31 23:59:30")
	if r, _ := reg.Register(ctx, a, entry("ultimo"), nil); r.Signature() != "0000004/2026" {
		t.Fatalf("last of the year = %s", r.Signature())
	}
	// 00:00:10 on 1 January in Rome is 23:00:10 UTC on 31 December: already 2027.
	set("2027-01-01 00:00:10")
	r, err := reg.Register(ctx, a, entry("capodanno"), nil)
	if err != nil || r.Signature() != "0000001/2027" {
		t.Fatalf("first of the year = %s, %v", r.Signature(), err)
	}
	if r.At.Year() != 2026 {
		t.Fatalf("stored time should be UTC on 31 December, got %v", r.At)
	}
	got, err := db.ProtocolRecord(ctx, a, 2026, 4)
	if err != nil || got.Subject != "ultimo" {
		t.Fatalf("2026/4: %+v %v", got, err)
	}
}

// TestProtocolRecordsAreImmutable checks that the database itself refuses to change
// or remove records, their documents and daily registers.
func TestProtocolRecordsAreImmutable(t *testing.T) {
	db := storetest.Open(t)
	a := storetest.MustCreateTenant(t, db, "alfa").ID
	r, err := protocol.NewRegister(db).Register(ctx, a, entry("originale"), nil)
	if err != nil {
		t.Fatal(err)
	}
	d := protocol.Daily{TenantID: a, Day: "2026-03-13", PDF: protocol.File{Key: "k.pdf", SHA256: "x"}, CSV: protocol.File{Key: "k.csv", SHA256: "y"}, CreatedAt: time.Now()}
	if err := db.InsertProtocolDaily(ctx, &d); err != nil {
		t.Fatal(err)
	}
	if err := db.InsertProtocolDaily(ctx, &d); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("second daily register of a day: %v", err)
	}
	for _, q := range []string{
		"UPDATE protocol_records SET subject = 'falsificato' WHERE tenant_id = ?",
		"DELETE FROM protocol_records WHERE tenant_id = ?",
		"UPDATE protocol_documents SET sha256 = '" + strings.Repeat("0", 64) + "' WHERE tenant_id = ?",
		"DELETE FROM protocol_documents WHERE tenant_id = ?",
		"UPDATE protocol_daily SET records = 7 WHERE tenant_id = ?",
		"DELETE FROM protocol_daily WHERE tenant_id = ?",
	} {
		if err := store.ExecRaw(ctx, db, q, a); err == nil || !strings.Contains(err.Error(), "immutable") {
			t.Errorf("%s: %v, want the immutability error", q, err)
		}
	}
	if db.Dialect() == store.Postgres {
		if err := store.ExecRaw(ctx, db, "TRUNCATE protocol_records CASCADE"); err == nil {
			t.Error("TRUNCATE allowed")
		}
	}
	got, _ := db.ProtocolRecord(ctx, a, r.Year, r.Number)
	if got.Subject != "originale" || len(got.Documents) != 1 {
		t.Fatalf("record changed: %+v", got)
	}
}

// TestProtocolCorrection records a correction and finds it from the original.
func TestProtocolCorrection(t *testing.T) {
	db := storetest.Open(t)
	a := storetest.MustCreateTenant(t, db, "alfa").ID
	b := storetest.MustCreateTenant(t, db, "beta").ID
	reg := protocol.NewRegister(db)
	old, _ := reg.Register(ctx, a, entry("oggetto sbagliato"), nil)
	e := entry("oggetto giusto")
	e.Corrects, e.Note, e.Documents = old.ID, "refuso nell'oggetto", nil
	fix, err := reg.Register(ctx, a, e, nil)
	if err != nil || fix.Number != 2 {
		t.Fatalf("correction: %+v %v", fix, err)
	}
	list, err := db.ProtocolCorrections(ctx, a, old.ID)
	if err != nil || len(list) != 1 || list[0].ID != fix.ID || list[0].Note != "refuso nell'oggetto" {
		t.Fatalf("corrections of the original: %+v %v", list, err)
	}
	// A record of another tenant cannot be corrected, and the failure uses no number.
	e.Corrects = old.ID
	if _, err := reg.Register(ctx, b, e, nil); !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("correction across tenants: %v", err)
	}
	if r, _ := reg.Register(ctx, b, entry("prima di beta"), nil); r.Number != 1 {
		t.Fatalf("beta's first number = %d", r.Number)
	}
}

func TestProtocolSearch(t *testing.T) {
	start := time.Date(2026, 3, 13, 8, 0, 0, 0, time.UTC)
	var now atomic.Pointer[time.Time]
	now.Store(&start)
	db := storetest.Open(t)
	a := storetest.MustCreateTenant(t, db, "alfa").ID
	reg := protocol.NewRegister(db, protocol.WithClock(func() time.Time { return *now.Load() }))
	subjects := []string{"Iscrizione mensa", "Permesso ZTL", "Contributo affitto", "Accesso agli atti", "Iscrizione trasporto"}
	for i, s := range subjects {
		tm := start.Add(time.Duration(i) * 24 * time.Hour)
		now.Store(&tm)
		e := entry(s)
		if i%2 == 1 {
			e.Direction, e.Correspondent = protocol.Out, "Giulia Bianchi"
		}
		e.ApplicationID = int64(100 + i)
		if _, err := reg.Register(ctx, a, e, nil); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name string
		q    protocol.Query
		want []string
	}{
		{"all, newest first", protocol.Query{}, []string{"Iscrizione trasporto", "Accesso agli atti", "Contributo affitto", "Permesso ZTL", "Iscrizione mensa"}},
		{"number", protocol.Query{Year: 2026, Number: 2}, []string{"Permesso ZTL"}},
		{"other year", protocol.Query{Year: 2025}, nil},
		{"direction", protocol.Query{Direction: protocol.Out}, []string{"Accesso agli atti", "Permesso ZTL"}},
		{"subject text, any case", protocol.Query{Text: "iscrizione"}, []string{"Iscrizione trasporto", "Iscrizione mensa"}},
		{"correspondent text", protocol.Query{Text: "bianchi"}, []string{"Accesso agli atti", "Permesso ZTL"}},
		{"wildcards are literal", protocol.Query{Text: "%"}, nil},
		{"date range", protocol.Query{From: start.Add(24 * time.Hour), To: start.Add(3 * 24 * time.Hour)}, []string{"Contributo affitto", "Permesso ZTL"}},
		{"application", protocol.Query{ApplicationID: 103}, []string{"Accesso agli atti"}},
		{"page 2", protocol.Query{Limit: 2, Offset: 2}, []string{"Contributo affitto", "Permesso ZTL"}},
	}
	for _, c := range cases {
		recs, err := db.SearchProtocol(ctx, a, c.q)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var got []string
		for _, r := range recs {
			got = append(got, r.Subject)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	day, err := db.ProtocolBetween(ctx, a, start.Add(24*time.Hour), start.Add(48*time.Hour))
	if err != nil || len(day) != 1 || day[0].Subject != "Permesso ZTL" || len(day[0].Documents) != 1 {
		t.Fatalf("records of a day: %+v %v", day, err)
	}
}

// TestSavepoint checks the savepoint helper on both dialects: a failing savepoint
// is undone while the transaction goes on, and savepoints nest.
func TestSavepoint(t *testing.T) {
	db := storetest.Open(t)
	a := storetest.MustCreateTenant(t, db, "alfa").ID
	add := func(ctx context.Context, action string) error {
		return db.AppendAudit(ctx, audit.Entry{TenantID: a, Action: action, Actor: audit.Actor{Kind: audit.ActorSystem}})
	}
	boom := errors.New("boom")
	err := db.Atomic(ctx, func(ctx context.Context) error {
		add(ctx, "sp.outer")
		if err := db.Savepoint(ctx, func(ctx context.Context) error {
			add(ctx, "sp.undone")
			return boom
		}); !errors.Is(err, boom) {
			t.Errorf("savepoint error = %v", err)
		}
		return db.Savepoint(ctx, func(ctx context.Context) error {
			add(ctx, "sp.kept")
			db.Savepoint(ctx, func(ctx context.Context) error {
				add(ctx, "sp.inner.undone")
				return boom
			})
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	entries, _ := db.AuditEntries(ctx, a, audit.Filter{Action: "sp."})
	var got []string
	for _, e := range entries {
		got = append(got, e.Action)
	}
	slices.Sort(got)
	if !slices.Equal(got, []string{"sp.kept", "sp.outer"}) {
		t.Fatalf("after savepoints: %v", got)
	}
	// Outside a transaction a savepoint is a transaction of its own.
	if err := db.Savepoint(ctx, func(ctx context.Context) error { return add(ctx, "sp.alone") }); err != nil {
		t.Fatal(err)
	}
}

// TestProtocolBulkFallback queues registrations without callbacks (which go in
// together) with one bad reference among them: the batch falls back to one by one,
// the bad one fails alone and the others keep consecutive numbers.
func TestProtocolBulkFallback(t *testing.T) {
	for _, bad := range []bool{false, true} {
		t.Run(fmt.Sprint("bad=", bad), func(t *testing.T) {
			db := storetest.Open(t)
			a := storetest.MustCreateTenant(t, db, "alfa").ID
			reg := protocol.NewRegister(db)
			release := make(chan struct{})
			first := make(chan error, 1)
			go func() {
				_, err := reg.Register(ctx, a, entry("prima"), func(context.Context, protocol.Record) error { <-release; return nil })
				first <- err
			}()
			time.Sleep(50 * time.Millisecond)
			errs := make(chan error, 20)
			for i := range 20 {
				go func() {
					e := entry(fmt.Sprint("massiva ", i))
					if bad && i == 7 {
						e.Corrects, e.Note = 999999, "riferimento inesistente"
					}
					_, err := reg.Register(ctx, a, e, nil)
					errs <- err
				}()
			}
			time.Sleep(100 * time.Millisecond)
			close(release)
			if err := <-first; err != nil {
				t.Fatal(err)
			}
			failed := 0
			for range 20 {
				if err := <-errs; err != nil {
					if !apperr.Is(err, apperr.Invalid) {
						t.Fatalf("unexpected error %v", err)
					}
					failed++
				}
			}
			if want := map[bool]int{false: 0, true: 1}[bad]; failed != want {
				t.Fatalf("%d failed, want %d", failed, want)
			}
			gapless(t, "bulk", numbers(t, db, a, protocol.YearOf(time.Now())), 21-failed)
			r, _ := db.ProtocolRecord(ctx, a, protocol.YearOf(time.Now()), 21-int64(failed))
			if len(r.Documents) != 1 {
				t.Fatalf("documents of a bulk record: %+v", r.Documents)
			}
		})
	}
}

// TestProtocolRetriedBatch has one callback fail in a batch that otherwise goes in
// whole: the batch is retried without it, every other callback's work exists once,
// with the number its caller got.
func TestProtocolRetriedBatch(t *testing.T) {
	db := storetest.Open(t)
	a := storetest.MustCreateTenant(t, db, "alfa").ID
	reg := protocol.NewRegister(db)
	release := make(chan struct{})
	first := make(chan error, 1)
	go func() {
		_, err := reg.Register(ctx, a, entry("prima"), func(context.Context, protocol.Record) error { <-release; return nil })
		first <- err
	}()
	time.Sleep(50 * time.Millisecond)
	type outcome struct {
		rec protocol.Record
		err error
	}
	out := make(chan outcome, 20)
	var calls atomic.Int64
	for i := range 20 {
		go func() {
			rec, err := reg.Register(ctx, a, entry(fmt.Sprint("domanda ", i)), func(ctx context.Context, r protocol.Record) error {
				calls.Add(1)
				if err := db.AppendAudit(ctx, audit.Entry{TenantID: a, Action: "test.retry", ObjectID: r.Signature(),
					Actor: audit.Actor{Kind: audit.ActorSystem}}); err != nil {
					return err
				}
				if i == 13 {
					return errors.New("no")
				}
				return nil
			})
			out <- outcome{rec, err}
		}()
	}
	time.Sleep(100 * time.Millisecond)
	close(release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for range 20 {
		o := <-out
		if o.err == nil {
			got[o.rec.Signature()] = true
		}
	}
	if len(got) != 19 {
		t.Fatalf("%d registrations succeeded, want 19", len(got))
	}
	entries, _ := db.AuditEntries(ctx, a, audit.Filter{Action: "test.retry"})
	if len(entries) != 19 {
		t.Fatalf("%d callback writes kept, want 19", len(entries))
	}
	for _, e := range entries {
		if !got[e.ObjectID] {
			t.Fatalf("callback write for %s, which no caller got", e.ObjectID)
		}
	}
	if calls.Load() <= 20 {
		t.Logf("callbacks ran %d times (the batch was not retried whole)", calls.Load())
	}
	gapless(t, "retried batch", numbers(t, db, a, protocol.YearOf(time.Now())), 20)
}
