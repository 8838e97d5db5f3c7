package demo

import (
	"context"
	"strings"
	"testing"

	"piazza/internal/accounts"
	"piazza/internal/blob"
	"piazza/internal/reports"
	"piazza/internal/secret"
	"piazza/internal/store/storetest"
	"piazza/internal/tenants"
	"piazza/internal/upload"
)

func TestLoadReports(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t)
	blobs, err := blob.OpenDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	keys, err := secret.New([]byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	resolver := tenants.NewResolver(db, "piazza.localhost", 0)
	d := Deps{Store: db, Tenants: tenants.NewService(db, db, keys, resolver), Accounts: accounts.NewService(db, keys, nil, accounts.DefaultPolicy, nil),
		Blobs: blobs, Reports: reports.New(db, upload.New(blobs), nil)}
	if err := Load(ctx, d, "http://piazza.localhost/demo-idp"); err != nil {
		t.Fatal(err)
	}
	list, _ := db.Tenants(ctx)
	total := 0
	for _, tn := range list {
		if !tn.Has(tenants.ModuleReports) {
			t.Errorf("%s: reports module off", tn.Slug)
		}
		all, err := db.Reports(ctx, tn.ID, reports.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		total += len(all)
		states, photos, pins := map[reports.Status]int{}, 0, 0
		for _, r := range all {
			states[r.Status]++
			if !r.Point.IsZero() {
				pins++
			}
			ph, _ := db.ReportPhotos(ctx, tn.ID, r.ID)
			photos += len(ph)
		}
		for _, st := range reports.Statuses {
			if states[st] == 0 {
				t.Errorf("%s: no %s report (%v)", tn.Slug, st, states)
			}
		}
		if photos == 0 || pins < len(all)/2 {
			t.Errorf("%s: %d photos, %d pins of %d", tn.Slug, photos, pins, len(all))
		}
	}
	if total < 300 {
		t.Fatalf("%d demo reports, want at least 300", total)
	}
}
