package cli

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"piazza/internal/app"
	"piazza/internal/content"
	"piazza/internal/demo"
	"piazza/internal/services"
	"piazza/internal/vocab"
)

// TestDemoContent checks what the demo promises for the website: each comune has
// at least 50 published news items of the three types, 20 events (past and to
// come, some recurring) and 20 places with coordinates near the comune, and every
// topic of the vocabulary is used by its content or its service cards.
func TestDemoContent(t *testing.T) {
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
	now := time.Now()
	for _, tn := range list {
		used := map[string]bool{}
		all, err := a.Content.List(ctx, tn.ID, content.Query{Limit: 200})
		if err != nil {
			t.Fatal(err)
		}
		count := map[string]int{}
		var past, future, recurring int
		for _, it := range all.Items {
			for _, tp := range it.Topics {
				used[tp] = true
			}
			if it.Public(now) {
				count[string(it.Kind)+string(it.NewsType)]++
			}
			switch it.Kind {
			case content.KindEvent:
				if it.Event.Start.Before(now) {
					past++
				} else {
					future++
				}
				if it.Event.Recurrence != "" {
					recurring++
				}
			case content.KindPlace:
				if d := it.Place.Latitude - 45.19; tn.Slug == "borgofiorito" && (d > 0.05 || d < -0.05) {
					t.Errorf("%s: %s is far from the comune", tn.Slug, it.Title)
				}
			}
		}
		news := count["newsnotizie"] + count["newscomunicati"] + count["newsavvisi"]
		if news < 50 || count["newscomunicati"] == 0 || count["newsavvisi"] == 0 || count["event"] < 20 || count["place"] < 20 {
			t.Errorf("%s: %v", tn.Slug, count)
		}
		if past == 0 || future == 0 || recurring == 0 {
			t.Errorf("%s: %d past, %d upcoming, %d recurring events", tn.Slug, past, future, recurring)
		}
		cards, _ := a.Services.Cards(ctx, tn.ID, services.Query{})
		for _, c := range cards {
			for _, tp := range c.Topics {
				used[tp] = true
			}
		}
		for _, tp := range vocab.Topics {
			if !used[tp.Slug] {
				t.Errorf("%s: topic %q unused", tn.Slug, tp.Label)
			}
		}
		for _, path := range []string{"/vivere-il-comune/eventi", "/vivere-il-comune/luoghi", "/novita/notizie"} {
			res := get(a, "http://"+tn.SiteHost()+":8080"+path)
			body, _ := io.ReadAll(res.Body)
			if res.StatusCode != 200 || (path == "/vivere-il-comune/eventi" && !strings.Contains(string(body), `data-element="event-link"`)) {
				t.Errorf("%s%s: %d", tn.Slug, path, res.StatusCode)
			}
		}
	}
}
