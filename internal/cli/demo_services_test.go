package cli

import (
	"context"
	"io"
	"strings"
	"testing"

	"piazza/internal/app"
	"piazza/internal/demo"
	"piazza/internal/services"
)

// TestDemoServices checks what the demo promises: every comune has at least 12
// published service cards across categories, including the online services, and
// the demo operator works the offices that answer for them.
func TestDemoServices(t *testing.T) {
	ctx := context.Background()
	a := openApp(t, true, func(ctx context.Context, a *app.App) {
		if _, err := demo.Ensure(ctx, demoDeps(a), demo.Issuer(a.Config.PlatformHost, a.Config.Port())); err != nil {
			t.Fatal(err)
		}
	})
	list, err := a.Tenants.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 {
		t.Fatalf("%d demo tenants", len(list))
	}
	for _, tn := range list {
		cards, err := a.Services.Cards(ctx, tn.ID, services.Query{Published: true})
		if err != nil {
			t.Fatal(err)
		}
		categories := map[string]bool{}
		forms := map[string]services.Card{}
		for _, c := range cards {
			categories[c.Category] = true
			if c.Online() {
				forms[c.FormKey] = c
			}
		}
		if len(cards) < 12 || len(categories) < 8 {
			t.Errorf("%s: %d cards in %d categories", tn.Slug, len(cards), len(categories))
		}
		for _, key := range demo.OnlineServices {
			c, ok := forms[key]
			if !ok {
				t.Errorf("%s: no online card for %s", tn.Slug, key)
				continue
			}
			if v, err := a.Forms.Live(ctx, tn.ID, key); err != nil || v.Def == nil {
				t.Errorf("%s: no live form %s: %v", tn.Slug, key, err)
			}
			members, err := a.Accounts.OfficeMemberIDs(ctx, tn.ID, c.OfficeID)
			if err != nil || len(members) == 0 {
				t.Errorf("%s: nobody works the office of %s", tn.Slug, key)
			}
		}
		body, _ := io.ReadAll(get(a, "http://"+tn.SiteHost()+":8080/servizi").Body)
		if n := strings.Count(string(body), `data-element="service-link"`); n < 12 {
			t.Errorf("%s: the Servizi page links %d cards", tn.Slug, n)
		}
	}
}
