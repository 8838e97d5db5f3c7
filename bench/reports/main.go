// Command reports measures the read paths of citizens' reports with many reports in
// one tenant: the public map's viewport query (a box of about 1 km, newest 1,000)
// and the Open311 GET requests default (the last 90 days, at most 1,000), each as
// p50/p99 latency of the store call, against the latency of a primary-key lookup of
// one report in the same database (the baseline, same run). Reports are spread over
// a 3 × 3 km area and the last 180 days; a second tenant holds the same number, so
// every query must pick its tenant's rows.
//
//	go run ./bench/reports -n 100000           # SQLite
//	go run ./bench/reports -n 100000 -pg postgres://…
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"time"

	"piazza/bench/internal/benchdb"
	"piazza/internal/accounts"
	"piazza/internal/reports"
	"piazza/internal/store"
	"piazza/internal/tenants"
)

func main() {
	n := flag.Int("n", 100000, "reports per tenant (two tenants)")
	q := flag.Int("q", 300, "queries per measurement")
	pg := flag.String("pg", "", "PostgreSQL URL (empty: SQLite)")
	flag.Parse()
	ctx := context.Background()
	opts, cleanup, err := benchdb.Options(*pg, "reports", 8)
	check(err)
	defer cleanup()
	db, err := store.Open(ctx, opts)
	check(err)
	defer db.Close()
	_, err = db.Migrate(ctx)
	check(err)

	now := time.Now().UTC()
	centre := reports.Point{Lat: 45.19, Lon: 9.158}
	var tenantID int64
	start := time.Now()
	for k, slug := range []string{"mappa", "altro"} {
		t := tenants.Tenant{Slug: slug, Name: "Comune " + slug, Kind: tenants.KindComune, PrimaryColor: "#0066CC", Status: tenants.StatusActive,
			Modules: []tenants.Module{tenants.ModuleReports}, Hosts: []tenants.Host{{Name: slug + ".example.it", Kind: tenants.HostSite}}}
		check(db.CreateTenant(ctx, &t))
		o := accounts.Office{TenantID: t.ID, Name: "Lavori pubblici"}
		o.Normalize()
		check(db.CreateOffice(ctx, &o))
		c := reports.Category{TenantID: t.ID, Code: "buche", Name: "Buche", OfficeID: o.ID, Active: true}
		check(db.SaveReportCategory(ctx, &c))
		rng := rand.New(rand.NewPCG(uint64(k), 7))
		for done := 0; done < *n; {
			check(db.Atomic(ctx, func(ctx context.Context) error {
				for i := 0; i < 5000 && done < *n; i++ {
					at := now.Add(-time.Duration(rng.IntN(180*24*3600)) * time.Second)
					code, err := reports.NewCode()
					if err != nil {
						return err
					}
					r := reports.Report{TenantID: t.ID, Code: code, CategoryID: c.ID, OfficeID: o.ID,
						Status: reports.Statuses[rng.IntN(len(reports.Statuses))], Subject: "Buca", Description: "Una buca profonda.",
						Point:   reports.Point{Lat: centre.Lat + (rng.Float64()-0.5)*0.027, Lon: centre.Lon + (rng.Float64()-0.5)*0.038},
						Address: "via Roma 1", Source: "bench", Name: "N", Email: "n@example.it", Lang: "it", CreatedAt: at, UpdatedAt: at}
					if err := db.InsertReport(ctx, &r); err != nil {
						return err
					}
					done++
				}
				return nil
			}))
		}
		if k == 0 {
			tenantID = t.ID
		}
	}
	// Fresh statistics, as autovacuum (PostgreSQL) or PRAGMA optimize (SQLite) would
	// have them on a live database.
	check(store.ExecRaw(ctx, db, "ANALYZE"))
	fmt.Printf("%s: %d reports in each of 2 tenants, loaded in %s\n", db.Dialect(), *n, time.Since(start).Round(time.Second))

	rng := rand.New(rand.NewPCG(1, 2))
	measure := func(f func() error) (p50, p99 time.Duration) {
		d := make([]time.Duration, *q)
		for i := range d {
			t0 := time.Now()
			check(f())
			d[i] = time.Since(t0)
		}
		slices.Sort(d)
		return d[len(d)/2], d[len(d)*99/100]
	}
	maxID := int64(*n)
	b50, b99 := measure(func() error {
		_, err := db.ReportByID(ctx, tenantID, 1+rng.Int64N(maxID))
		return err
	})
	rows := 0
	v50, v99 := measure(func() error {
		// A viewport of about 1 km around a random point of the area.
		lat, lon := centre.Lat+(rng.Float64()-0.5)*0.02, centre.Lon+(rng.Float64()-0.5)*0.03
		list, err := db.Reports(ctx, tenantID, reports.Filter{Box: [2]reports.Point{{Lat: lat - 0.0045, Lon: lon - 0.0065}, {Lat: lat + 0.0045, Lon: lon + 0.0065}}, Limit: 1000})
		rows += len(list)
		return err
	})
	vRows := rows / *q
	rows = 0
	o50, o99 := measure(func() error {
		list, err := db.Reports(ctx, tenantID, reports.Filter{From: now.Add(-90 * 24 * time.Hour), To: now, Limit: 1000})
		rows += len(list)
		return err
	})
	oRows := rows / *q
	rows = 0
	s50, s99 := measure(func() error {
		list, err := db.Reports(ctx, tenantID, reports.Filter{From: now.Add(-90 * 24 * time.Hour), To: now,
			Statuses: []reports.Status{reports.Submitted, reports.Acknowledged, reports.InProgress}, Limit: 100, Offset: 100 * rng.IntN(5)})
		rows += len(list)
		return err
	})
	sRows := rows / *q
	fmt.Printf("baseline  report by id                    p50 %8s  p99 %8s\n", b50, b99)
	fmt.Printf("map       viewport ~1 km, newest 1,000     p50 %8s  p99 %8s  (%d rows; p99 = %.0f× baseline)\n", v50, v99, vRows, float64(v99)/float64(b99))
	fmt.Printf("open311   last 90 days, first 1,000         p50 %8s  p99 %8s  (%d rows; p99 = %.0f× baseline)\n", o50, o99, oRows, float64(o99)/float64(b99))
	fmt.Printf("open311   status=open, page_size=100        p50 %8s  p99 %8s  (%d rows; p99 = %.0f× baseline)\n", s50, s99, sRows, float64(s99)/float64(b99))
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
