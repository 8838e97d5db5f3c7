// Command protocol measures how fast one tenant registers in the protocol register
// (the group-committing protocol.GroupRegister) against the raw durable INSERT rate
// of the same database, in the same run, and checks that the numbers came out
// gapless.
//
//	go run ./bench/protocol                         # SQLite, synchronous=NORMAL (WAL)
//	go run ./bench/protocol -sync full              # SQLite, synchronous=FULL
//	go run ./bench/protocol -pg postgres://…        # PostgreSQL (fresh schema), synchronous_commit=on
//
// The baseline inserts rows of the same size as a record, one row per autocommitted
// transaction, first from one client and then from -c clients at once (PostgreSQL
// flushes concurrent commits together; SQLite has one writer).
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"piazza/internal/protocol"
	"piazza/internal/store"
	"piazza/internal/tenants"
)

func main() {
	n := flag.Int("n", 20000, "registrations (and baseline rows) per measurement")
	conc := flag.Int("c", 64, "concurrent clients")
	pg := flag.String("pg", "", "PostgreSQL URL (empty: SQLite)")
	syncMode := flag.String("sync", "normal", "SQLite synchronous setting: normal or full")
	flag.Parse()
	ctx := context.Background()
	opts := store.Options{MaxConns: *conc + 4}
	var cleanup func()
	if *pg != "" {
		schema := fmt.Sprintf("bench_%d", time.Now().UnixNano())
		admin, err := sql.Open("pgx", *pg)
		check(err)
		_, err = admin.Exec("CREATE SCHEMA " + schema)
		check(err)
		cleanup = func() { admin.Exec("DROP SCHEMA " + schema + " CASCADE"); admin.Close() }
		u, err := url.Parse(*pg)
		check(err)
		q := u.Query()
		q.Set("search_path", schema)
		q.Set("synchronous_commit", "on")
		u.RawQuery = q.Encode()
		opts.URL = u.String()
	} else {
		switch *syncMode {
		case "normal":
		case "full":
			opts.SQLiteFull = true
		default:
			check(fmt.Errorf("-sync must be normal or full"))
		}
		dir, err := os.MkdirTemp("", "piazza-protocol-bench")
		check(err)
		cleanup = func() { os.RemoveAll(dir) }
		opts.DataDir = dir
	}
	defer cleanup()
	db, err := store.Open(ctx, opts)
	check(err)
	defer db.Close()
	_, err = db.Migrate(ctx)
	check(err)
	durability := "synchronous_commit=on"
	if db.Dialect() == store.SQLite {
		durability = "WAL, synchronous=" + strings.ToUpper(*syncMode)
	}
	t := tenants.Tenant{Slug: "bench", Name: "Comune di Bench", Kind: tenants.KindComune, PrimaryColor: "#0066CC",
		Status: tenants.StatusActive, Hosts: []tenants.Host{{Name: "bench.example.it", Kind: tenants.HostSite}}}
	check(db.CreateTenant(ctx, &t))

	subject := "Iscrizione al servizio di mensa scolastica – anno scolastico 2026/27, domanda n. "
	correspondent := "Maria Rossi (RSSMRA80A41H501X)"
	digest := strings.Repeat("9f86d081884c7d65", 4)

	// Baseline: rows shaped like a record plus its document's digest, no triggers, no
	// secondary indexes, one row per autocommitted transaction.
	check(store.ExecRaw(ctx, db, `CREATE TABLE bench_raw (tenant_id BIGINT NOT NULL, year INTEGER NOT NULL,
		number BIGINT NOT NULL, at TEXT NOT NULL, direction TEXT NOT NULL, correspondent TEXT NOT NULL,
		subject TEXT NOT NULL, document TEXT NOT NULL)`))
	var seq atomic.Int64
	insert := func() error {
		i := seq.Add(1)
		return store.ExecRaw(ctx, db, "INSERT INTO bench_raw VALUES (?, ?, ?, ?, ?, ?, ?, ?)", t.ID, 2026, i,
			time.Now().UTC().Format(time.RFC3339Nano), "in", correspondent, fmt.Sprint(subject, i), "domanda.pdf "+digest)
	}
	raw1, _ := run(*n, 1, insert)
	rawC, _ := run(*n, *conc, insert)

	reg := protocol.NewRegister(db)
	var k atomic.Int64
	regRate, lat := run(*n, *conc, func() error {
		i := k.Add(1)
		_, err := reg.Register(ctx, t.ID, protocol.Entry{Direction: protocol.In, Correspondent: correspondent,
			Subject: fmt.Sprint(subject, i), Documents: []protocol.Document{{Name: "domanda.pdf", SHA256: digest, Size: 182044}}}, nil)
		return err
	})

	// As the applications module registers: each registration's callback stores a
	// row of its own (the application) in the same transaction.
	check(store.ExecRaw(ctx, db, `CREATE TABLE bench_app (tenant_id BIGINT NOT NULL, record_id BIGINT NOT NULL,
		signature TEXT NOT NULL, answers TEXT NOT NULL)`))
	answers := strings.Repeat(`{"campo":"valore"}`, 20)
	cbRate, cbLat := run(*n, *conc, func() error {
		i := k.Add(1)
		_, err := reg.Register(ctx, t.ID, protocol.Entry{Direction: protocol.In, Correspondent: correspondent,
			Subject: fmt.Sprint(subject, i), Documents: []protocol.Document{{Name: "domanda.pdf", SHA256: digest, Size: 182044}}},
			func(ctx context.Context, r protocol.Record) error {
				return store.ExecRaw(ctx, db, "INSERT INTO bench_app VALUES (?, ?, ?, ?)", t.ID, r.ID, r.Signature(), answers)
			})
		return err
	})
	*n *= 2 // both runs registered in the same register

	// Verify: numbers 1..n, no gap, no duplicate.
	recs, err := db.SearchProtocol(ctx, t.ID, protocol.Query{})
	check(err)
	nums := make([]int64, len(recs))
	for i, r := range recs {
		nums[i] = r.Number
	}
	slices.Sort(nums)
	ok := len(nums) == *n
	for i, v := range nums {
		if v != int64(i+1) {
			ok = false
			break
		}
	}

	fmt.Printf("database %s (%s), %d rows each, %d concurrent clients\n", db.Dialect(), durability, *n/2, *conc)
	fmt.Printf("%-44s %9.0f rows/s\n", "raw INSERT, 1 client (baseline)", raw1)
	fmt.Printf("%-44s %9.0f rows/s\n", fmt.Sprintf("raw INSERT, %d clients", *conc), rawC)
	best := max(raw1, rawC)
	fmt.Printf("%-44s %9.0f regs/s  %.2f× best baseline, p50 %s, p99 %s\n", "protocol registrations (group commit)", regRate,
		regRate/best, lat(0.50), lat(0.99))
	fmt.Printf("%-44s %9.0f regs/s  %.2f× best baseline, p50 %s, p99 %s\n", "… each with a callback writing a row", cbRate,
		cbRate/best, cbLat(0.50), cbLat(0.99))
	if ok {
		fmt.Printf("%-44s 1..%d, gapless, no duplicates\n", "numbers", *n)
	} else {
		fmt.Printf("%-44s WRONG: %d records\n", "numbers", len(nums))
		os.Exit(1)
	}
}

// run calls op n times from c goroutines and returns the rate per second and a
// function giving latency quantiles.
func run(n, c int, op func() error) (float64, func(q float64) time.Duration) {
	var next atomic.Int64
	lats := make([]time.Duration, n)
	var wg sync.WaitGroup
	start := time.Now()
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(n) {
					return
				}
				t0 := time.Now()
				check(op())
				lats[i] = time.Since(t0)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(lats)
	return float64(n) / elapsed.Seconds(), func(q float64) time.Duration {
		return lats[min(n-1, int(q*float64(n)))].Round(100 * time.Microsecond)
	}
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
