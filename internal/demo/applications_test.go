package demo

import (
	"context"
	"strings"
	"testing"

	"piazza/internal/accounts"
	"piazza/internal/apperr"
	"piazza/internal/applications"
	"piazza/internal/blob"
	"piazza/internal/forms"
	"piazza/internal/protocol"
	"piazza/internal/secret"
	"piazza/internal/services"
	"piazza/internal/store"
	"piazza/internal/store/storetest"
	"piazza/internal/tenants"
	"piazza/internal/upload"
)

// storeCards reads applications' cards from the services store.
type storeCards struct{ db *store.DB }

func (c storeCards) Card(ctx context.Context, tenantID int64, slug string) (applications.Card, error) {
	sc, err := c.db.CardBySlug(ctx, tenantID, slug)
	if err != nil {
		return applications.Card{}, err
	}
	if sc.Channel != services.ChannelOnline {
		return applications.Card{}, apperr.ErrNotFound
	}
	return applications.Card{TenantID: sc.TenantID, ID: sc.ID, Slug: sc.Slug, Title: sc.Title, Category: sc.Category,
		OfficeID: sc.OfficeID, MaxResponseDays: sc.MaxResponseDays, AllowsWithdrawal: sc.AllowsWithdrawal, Business: sc.Business,
		FormKey: sc.FormKey}, nil
}

func TestLoadApplications(t *testing.T) {
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
	acc := accounts.NewService(db, keys, nil, accounts.DefaultPolicy, nil)
	d := Deps{Store: db, Tenants: tenants.NewService(db, db, keys, resolver), Accounts: acc, Blobs: blobs,
		Services: services.New(db, db, nil, db, nil)}
	if err := Load(ctx, d, "http://piazza.localhost/demo-idp"); err != nil {
		t.Fatal(err)
	}
	fm := forms.NewService(db, db, nil)
	apps := applications.New(db, storeCards{db}, fm, protocol.NewRegister(db), upload.New(blobs), nil, nil)
	list, err := db.Tenants(ctx)
	if err != nil || len(list) == 0 {
		t.Fatalf("tenants: %v", err)
	}
	for _, tn := range list {
		for key, def := range Forms() {
			if err := fm.Adopt(ctx, tn.ID, key, def); err != nil {
				t.Fatal(err)
			}
		}
		o := applications.Officer{AccountID: 0, Name: "Operatore demo", Admin: true}
		if err := LoadApplications(ctx, apps, acc, tn.ID, tn.Name, o); err != nil {
			t.Fatalf("%s: %v", tn.Slug, err)
		}
		got := map[applications.Status]int{}
		queue, _ := apps.Queue(ctx, tn.ID, o, applications.Query{})
		for _, a := range queue {
			got[a.Status]++
		}
		for _, st := range demoStates {
			if st.status != applications.Draft && got[st.status] == 0 {
				t.Errorf("%s: no %s application (%v)", tn.Slug, st.status, got)
			}
		}
	}
}
