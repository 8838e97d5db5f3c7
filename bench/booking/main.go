// Command booking measures appointment booking under a rush: -n citizens at once
// chase the places of one office's morning (8:00–14:00, 5-minute slots, -desks
// desks: fewer places than citizens). Each citizen picks a random free slot and
// books it; when the slot was just taken, it tries the nearest alternative the
// answer offers, until it has a place or none is left. It reports bookings per
// second and the latency of each booking call, against the raw INSERT rate of the
// same database from as many clients (the baseline, same run), and then verifies
// that no slot holds more bookings than its desks and that every place was taken.
//
//	go run ./bench/booking                     # SQLite
//	go run ./bench/booking -pg postgres://…    # PostgreSQL (fresh schema)
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"piazza/bench/internal/benchdb"
	"piazza/internal/accounts"
	"piazza/internal/booking"
	"piazza/internal/secret"
	"piazza/internal/store"
	"piazza/internal/tenants"
)

func main() {
	n := flag.Int("n", 2000, "citizens booking at once")
	desks := flag.Int("desks", 20, "desks of the office (places per slot)")
	pg := flag.String("pg", "", "PostgreSQL URL (empty: SQLite)")
	conns := flag.Int("conns", 64, "database connections (PostgreSQL)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the rush to this file")
	flag.Parse()
	ctx := context.Background()
	opts, cleanup, err := benchdb.Options(*pg, "booking", *conns)
	check(err)
	defer cleanup()
	db, err := store.Open(ctx, opts)
	check(err)
	defer db.Close()
	_, err = db.Migrate(ctx)
	check(err)

	t := tenants.Tenant{Slug: "rush", Name: "Comune di Prova", Kind: tenants.KindComune, PrimaryColor: "#0066CC", Status: tenants.StatusActive,
		Modules: []tenants.Module{tenants.ModuleBooking}, Hosts: []tenants.Host{{Name: "rush.example.it", Kind: tenants.HostSite}}}
	check(db.CreateTenant(ctx, &t))
	o := accounts.Office{TenantID: t.ID, Name: "Anagrafe"}
	o.Normalize()
	check(db.CreateOffice(ctx, &o))
	keys, err := secret.New([]byte(strings.Repeat("b", 32)))
	check(err)
	svc := booking.New(db, keys, nil)
	cal := booking.Calendar{TenantID: t.ID, OfficeID: o.ID, Enabled: true, SlotMinutes: 5, Desks: *desks, MinDaysAhead: 1, MaxDaysAhead: 30}
	for d := range cal.Hours {
		cal.Hours[d] = []booking.Range{{From: 8 * 60, To: 14 * 60}}
	}
	check(svc.SaveCalendar(ctx, &cal))
	// The first bookable morning (not a holiday).
	first, _ := svc.Window(cal)
	days, err := svc.Slots(ctx, t.ID, o.ID, first, 10)
	check(err)
	var morning []booking.Slot
	for _, d := range days {
		if len(d.Slots) > 0 {
			morning = d.Slots
			break
		}
	}
	places := len(morning) * *desks
	fmt.Printf("%s: %d citizens, %d places (%d slots × %d desks) on %s\n", db.Dialect(), *n, places, len(morning), *desks, booking.DayOf(morning[0].Start))

	baseline := rawInserts(ctx, db, *n, min(*n, *conns))

	var (
		booked, taken, calls atomic.Int64
		mu                   sync.Mutex
		lat                  = make([]time.Duration, 0, *n*2)
		wg                   sync.WaitGroup
		start                = make(chan struct{})
	)
	for i := range *n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(i), 7))
			slot := morning[rng.IntN(len(morning))].ID()
			<-start
			for attempt := 0; attempt < 50; attempt++ {
				r := booking.Request{TenantID: t.ID, OfficeID: o.ID, Slot: slot, Topic: "Carta d'identità",
					Name: fmt.Sprintf("Cittadino %d", i), Email: fmt.Sprintf("c%d@example.it", i)}
				t0 := time.Now()
				_, err := svc.Book(ctx, r)
				d := time.Since(t0)
				calls.Add(1)
				mu.Lock()
				lat = append(lat, d)
				mu.Unlock()
				if err == nil {
					booked.Add(1)
					return
				}
				alts, ok := booking.SlotTaken(err)
				if !ok {
					fmt.Fprintln(os.Stderr, "booking:", err)
					os.Exit(1)
				}
				taken.Add(1)
				// Take the nearest alternative on the same morning, or give up.
				slot = ""
				for _, a := range alts {
					if booking.DayOf(a.Start) == booking.DayOf(morning[0].Start) {
						slot = a.ID()
						break
					}
				}
				if slot == "" {
					return
				}
			}
		}()
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		check(err)
		check(pprof.StartCPUProfile(f))
		defer pprof.StopCPUProfile()
	}
	t0 := time.Now()
	close(start)
	wg.Wait()
	pprof.StopCPUProfile()
	elapsed := time.Since(t0)
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(float64(len(lat))*p))] }
	rate := float64(booked.Load()) / elapsed.Seconds()
	fmt.Printf("  baseline: raw INSERT, %d clients      %8.0f rows/s\n", min(*n, *conns), baseline)
	fmt.Printf("  booking:  %d booked, %d \"slot just taken\" answers, %d calls in %v\n", booked.Load(), taken.Load(), calls.Load(), elapsed.Round(time.Millisecond))
	fmt.Printf("            %8.0f bookings/s (%.2f× the raw INSERT rate), %.0f calls/s; latency p50 %v, p99 %v, max %v\n",
		rate, rate/baseline, float64(calls.Load())/elapsed.Seconds(), pct(0.50).Round(time.Millisecond), pct(0.99).Round(time.Millisecond), lat[len(lat)-1].Round(time.Millisecond))

	// Verification: no slot over capacity, every place taken, nobody twice.
	var over, held, people int
	check(store.QueryRowRaw(ctx, db, `SELECT COUNT(*) FROM (SELECT starts_at FROM bookings WHERE tenant_id = ? AND status = 'booked'
		GROUP BY starts_at HAVING COUNT(*) > ?) x`, t.ID, *desks).Scan(&over))
	check(store.QueryRowRaw(ctx, db, `SELECT COUNT(*), COUNT(DISTINCT email) FROM bookings WHERE tenant_id = ? AND status = 'booked'`, t.ID).Scan(&held, &people))
	want := min(places, *n)
	fmt.Printf("  verified: %d slots over capacity, %d bookings held by %d citizens (want %d)\n", over, held, people, want)
	if over != 0 || held != want || people != held || int64(held) != booked.Load() {
		fmt.Fprintln(os.Stderr, "VERIFICATION FAILED")
		os.Exit(1)
	}
}

// rawInserts is the baseline: n single-row autocommitted INSERTs of a booking-sized
// row from c clients at once, in rows per second.
func rawInserts(ctx context.Context, db *store.DB, n, c int) float64 {
	check(store.ExecRaw(ctx, db, `CREATE TABLE bench_raw (tenant_id BIGINT NOT NULL, slot TEXT NOT NULL, place INTEGER NOT NULL, payload TEXT NOT NULL)`))
	payload := strings.Repeat("x", 300)
	var next atomic.Int64
	var wg sync.WaitGroup
	t0 := time.Now()
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > int64(n) {
					return
				}
				check(store.ExecRaw(ctx, db, `INSERT INTO bench_raw (tenant_id, slot, place, payload) VALUES (?, ?, ?, ?)`, 1, "2026-01-01T09:00", i, payload))
			}
		}()
	}
	wg.Wait()
	return float64(n) / time.Since(t0).Seconds()
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
