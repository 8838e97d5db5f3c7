//go:build e2e

package e2e

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// fetchText fetches a path of the tab's site and returns the response's text
// ("HTTP <status>" when it is not 200).
func (tb *tab) fetchText(path string) string {
	tb.t.Helper()
	p, _ := json.Marshal(path)
	return run(tb, chromedp.Evaluate[string](`fetch(`+string(p)+`, {credentials: "omit", cache: "no-store"}).then(r => r.ok ? r.text() : "HTTP " + r.status)`, chromedp.EvalAwaitPromise))
}

// TestEditorPublishes is the website issue's acceptance flow: an editor of Marina
// di Ponente creates a place and an event held there, and schedules a news item;
// the event is in the calendar, its iCalendar feed and the search, the place on
// the map's GeoJSON, and the news item appears in its list, its feeds and the
// search only from its publication time.
func TestEditorPublishes(t *testing.T) {
	t.Parallel()
	rome, _ := time.LoadLocation("Europe/Rome")
	tb := newTab(t)
	h := tb.h
	site := func(p string) string { return h.siteURL("marinadiponente", p) }
	tb.visit(site("/backoffice/accedi"))
	tb.signIn("redattore@marinadiponente.example")

	// checkTopic ticks the first topic of the editor's form.
	checkTopic := func() {
		if !runEval[bool](tb, `(el => { if (!el) return false; el.checked = true; return true; })(document.querySelector('input[name="topics"]'))`) {
			t.Fatalf("%s: no topic to tick", tb.url)
		}
	}
	create := func(kind string, fields map[string]string) string {
		t.Helper()
		tb.visit(site("/backoffice/contenuti/nuovo/" + kind))
		for k, v := range fields {
			tb.set(k, v)
		}
		checkTopic()
		if status := tb.submitForm(`main form[action="/backoffice/contenuti/nuovo/` + kind + `"]`); status != 200 {
			t.Fatalf("create %s: status %d: %s", kind, status, tb.text())
		}
		if !strings.HasPrefix(tb.path(), "/backoffice/contenuti/") || tb.path() == "/backoffice/contenuti/nuovo/"+kind {
			t.Fatalf("create %s: still on %s: %s", kind, tb.path(), tb.text())
		}
		return tb.path()
	}
	publish := func(editPath, at string) {
		t.Helper()
		tb.visit(site(editPath))
		if at != "" {
			tb.set("publish_at", at)
		}
		if status := tb.submitForm(`form[action$="/pubblica"]`); status != 200 {
			t.Fatalf("publish %s: status %d", editPath, status)
		}
	}

	tb.visit(site("/backoffice/contenuti/nuovo/luogo"))
	placeType := runEval[string](tb, `document.querySelector('select[name="place_type"] option:not([value=""])').value`)
	place := create("luogo", map[string]string{"place_type": placeType,
		"title": "Faro di Capo Ponente", "slug": "faro-capo-ponente", "summary": "Il faro ottocentesco sulla punta del promontorio.",
		"address": "Via del Faro 1, 17099 Marina di Ponente", "latitude": "44.0512", "longitude": "8.2391"})
	publish(place, "")

	tb.visit(site("/backoffice/contenuti/nuovo/evento"))
	placeID := runEval[string](tb, `[...document.querySelectorAll('select[name="place_id"] option')].find(o => o.textContent.includes("Faro di Capo Ponente")).value`)
	start := time.Now().In(rome).Add(48 * time.Hour).Truncate(time.Hour)
	event := create("evento", map[string]string{"title": "Concerto al faro", "slug": "concerto-al-faro",
		"summary": "Musica d'archi al tramonto, davanti al faro.", "start": start.Format("2006-01-02T15:04"),
		"end": start.Add(2 * time.Hour).Format("2006-01-02T15:04"), "place_id": placeID, "organiser": "Pro Loco di Marina"})
	publish(event, "")

	// The news item goes out at the next full minute at least 25 seconds away.
	at := time.Now().In(rome).Add(25 * time.Second).Truncate(time.Minute).Add(time.Minute)
	news := create("notizia", map[string]string{"title": "Il faro riapre alle visite", "slug": "faro-riapre",
		"summary": "Da sabato il faro di Capo Ponente è di nuovo visitabile."})
	publish(news, at.Format("2006-01-02T15:04"))
	if !strings.Contains(tb.text(), "Sarà pubblicato il") {
		t.Errorf("the editor's page does not say the news item is scheduled: %s", tb.text())
	}

	// A visitor (no cookies are sent by fetchText) sees the event and the place at once.
	tb.visit(site("/vivere-il-comune/eventi"))
	for _, c := range []struct{ path, want string }{
		{"/vivere-il-comune/eventi?vista=lista", "Concerto al faro"},
		{"/vivere-il-comune/eventi/concerto-al-faro", "Faro di Capo Ponente"},
		{"/vivere-il-comune/eventi.ics", "SUMMARY:Concerto al faro"},
		{"/vivere-il-comune/luoghi.geojson", `"Faro di Capo Ponente"`},
		{"/cerca?q=faro", "/vivere-il-comune/eventi/concerto-al-faro"},
		{"/cerca?q=faro", "/vivere-il-comune/luoghi/faro-capo-ponente"},
	} {
		if body := tb.fetchText(c.path); !strings.Contains(body, c.want) {
			t.Errorf("%s lacks %q", c.path, c.want)
		}
	}
	if body := tb.fetchText("/vivere-il-comune/luoghi.geojson"); !strings.Contains(body, "8.2391") || !strings.Contains(body, "44.0512") {
		t.Error("the place's coordinates are not on the map's GeoJSON")
	}
	tb.visit(site("/vivere-il-comune/eventi/concerto-al-faro")) // axe-core and the page checks
	tb.visit(site("/vivere-il-comune/luoghi/faro-capo-ponente"))

	news404 := []string{"/novita/notizie", "/novita/feed.rss", "/novita/feed.atom", "/cerca?q=faro+riapre"}
	for _, p := range news404 {
		if strings.Contains(tb.fetchText(p), "faro-riapre") {
			t.Errorf("%s shows the news item before its time", p)
		}
	}
	if body := tb.fetchText("/novita/notizie/faro-riapre"); body != "HTTP 404" {
		t.Errorf("the scheduled page answers before its time: %.40s", body)
	}
	// After its time (and the public pages' cache, PIAZZA_PAGE_CACHE_TTL, 10 s).
	time.Sleep(time.Until(at.Add(11 * time.Second)))
	for _, p := range news404 {
		if !strings.Contains(tb.fetchText(p), "faro-riapre") {
			t.Errorf("%s lacks the news item after its time", p)
		}
	}
	tb.visit(site("/novita/notizie/faro-riapre"))
}
