// Command dbbench measures Piazza's audited writes against the raw insert rate of the
// same database, in the same run: it reports both and their ratio.
//
//	go run ./bench/dbbench -n 5000                      # SQLite in a temporary directory
//	go run ./bench/dbbench -n 5000 -pg postgres://…     # PostgreSQL (uses a fresh schema)
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"piazza/bench/internal/benchdb"
	"piazza/internal/accounts"
	"piazza/internal/audit"
	"piazza/internal/store"
	"piazza/internal/tenants"
)

func main() {
	n := flag.Int("n", 5000, "rows per measurement")
	pg := flag.String("pg", "", "PostgreSQL URL (empty: SQLite)")
	flag.Parse()
	ctx := context.Background()
	opts, cleanup, err := benchdb.Options(*pg, "dbbench", 8)
	check(err)
	defer cleanup()
	db, err := store.Open(ctx, opts)
	check(err)
	defer db.Close()
	_, err = db.Migrate(ctx)
	check(err)
	t := tenants.Tenant{Slug: "bench", Name: "Comune di Bench", Kind: tenants.KindComune, PrimaryColor: "#0066CC", Status: tenants.StatusActive,
		Hosts: []tenants.Host{{Name: "bench.example.it", Kind: tenants.HostSite}}}
	check(db.CreateTenant(ctx, &t))

	// Baseline: the same database's raw insert rate, one autocommitted INSERT per row,
	// into a table shaped like audit_log but without triggers or indexes.
	check(store.ExecRaw(ctx, db, "CREATE TABLE bench_raw (tenant_id BIGINT NOT NULL, at TEXT NOT NULL, action TEXT NOT NULL, detail TEXT NOT NULL)"))
	start := time.Now()
	for i := range *n {
		check(store.ExecRaw(ctx, db, "INSERT INTO bench_raw (tenant_id, at, action, detail) VALUES (?, ?, ?, ?)", t.ID, time.Now().UTC().Format(time.RFC3339Nano), "bench.raw", fmt.Sprint(i)))
	}
	raw := time.Since(start)

	// Audit append through the store (indexes and the append-only trigger included).
	actx := audit.WithActor(ctx, audit.Actor{Kind: audit.ActorStaff, ID: 1, Label: "bench@example.it", IP: "192.0.2.1", UserAgent: "bench", RequestID: "r"})
	start = time.Now()
	for i := range *n {
		check(db.AppendAudit(actx, audit.New(actx, t.ID, "bench.audit", "office", fmt.Sprint(i), "benchmark entry")))
	}
	aud := time.Since(start)

	// A staff action as the services do it: an office update and its audit entry in one
	// transaction.
	o := accounts.Office{TenantID: t.ID, Name: "Ufficio di prova", Slug: "prova"}
	check(db.CreateOffice(ctx, &o))
	start = time.Now()
	for i := range *n {
		check(db.Atomic(ctx, func(ctx context.Context) error {
			o.Description = fmt.Sprint("descrizione ", i)
			if err := db.UpdateOffice(ctx, &o); err != nil {
				return err
			}
			return db.AppendAudit(ctx, audit.New(actx, t.ID, "office.update", "office", fmt.Sprint(o.ID), o.Name))
		}))
	}
	action := time.Since(start)

	rate := func(d time.Duration) float64 { return float64(*n) / d.Seconds() }
	fmt.Printf("database %s, %d rows each\n", db.Dialect(), *n)
	fmt.Printf("%-40s %9.0f rows/s\n", "raw INSERT (baseline)", rate(raw))
	fmt.Printf("%-40s %9.0f rows/s  %.2f× baseline\n", "audit append", rate(aud), rate(aud)/rate(raw))
	fmt.Printf("%-40s %9.0f tx/s    %.2f× baseline\n", "office update + audit (one transaction)", rate(action), rate(action)/rate(raw))

	// Password hashing bounds how many staff sign-ins a node can check per second.
	start = time.Now()
	h, err := accounts.HashPassword("una-password-di-prova")
	check(err)
	for range 20 {
		accounts.VerifyPassword(h, "una-password-di-prova")
	}
	fmt.Printf("%-40s %9.1f ms each (argon2id m=32 MiB, t=2)\n", "password check", float64(time.Since(start).Microseconds())/1000/21)
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
