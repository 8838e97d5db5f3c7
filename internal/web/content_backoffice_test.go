package web

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"piazza/internal/audit"
	"piazza/internal/content"
)

func init() {
	foreignIDs["contenuti"] = func(h *harness, fx boFixture) string {
		return id(h.mustItem(newsItem(h.marina.ID, content.NewsStory, "riservata"), true).ID)
	}
	foreignParams["{n}"] = "1"
}

// TestContentEditorFlow is the editor's path of the issue: an editor creates a
// place and an event there, schedules a news item, and both appear where the
// model says (lists, calendar, map feed, iCalendar) at their time.
func TestContentEditorFlow(t *testing.T) {
	h := newHarness(t)
	now := time.Date(2026, 6, 10, 8, 0, 0, 0, time.UTC)
	h.cnow = now
	ed := h.staff(borgo, "editor@borgo")
	pub := h.client(borgo)

	// Every field is checked, with an error summary.
	r := ed.post("/backoffice/contenuti/nuovo/luogo", url.Values{"title": {"x"}, "latitude": {"nord"}, "body": {"![](/contenuti/immagini/a)"}})
	if r.StatusCode != 422 {
		t.Fatalf("invalid place: %d", r.StatusCode)
	}
	for _, w := range []string{`id="error-summary"`, `href="#title"`, `href="#latitude"`, `href="#longitude"`, `href="#place_type"`, `href="#address"`, `href="#topics"`, "testo alternativo"} {
		if !strings.Contains(r.Body, w) {
			t.Errorf("invalid place: missing %q", w)
		}
	}
	place := url.Values{"place_type": {"teatro"}, "title": {"Teatro Sociale"}, "summary": {"Il teatro del paese"}, "address": {"Via Roma 12\n27100 Borgo"},
		"latitude": {"45,1901"}, "longitude": {"9.1602"}, "topics": {"patrimonio-culturale", "tempo-libero"}, "opening_hours": {"Mar-Dom 16-23"}}
	r = ed.post("/backoffice/contenuti/nuovo/luogo", place)
	if r.StatusCode != 303 {
		t.Fatalf("create place: %d %s", r.StatusCode, r.Body)
	}
	placeURL := r.Header.Get("Location")
	placeID := strings.TrimPrefix(placeURL, "/backoffice/contenuti/")
	if r := ed.post(placeURL+"/pubblica", url.Values{}); r.StatusCode != 303 {
		t.Fatalf("publish place: %d", r.StatusCode)
	}
	ev := url.Values{"title": {"Stagione teatrale"}, "summary": {"Una commedia ogni venerdì"}, "body": {"## Programma\n\nSi replica."},
		"topics": {"tempo-libero"}, "start": {"2026-06-12T21:00"}, "end": {"2026-06-12T23:00"}, "recurrence": {"FREQ=WEEKLY;COUNT=4"},
		"place_id": {placeID}, "organiser": {"Compagnia del Borgo"}, "cost": {"10 euro"}}
	r = ed.post("/backoffice/contenuti/nuovo/evento", ev)
	if r.StatusCode != 303 {
		t.Fatalf("create event: %d %s", r.StatusCode, r.Body)
	}
	eventURL := r.Header.Get("Location")
	if r := pub.get("/vivere-il-comune/eventi/stagione-teatrale"); r.StatusCode != 404 {
		t.Fatalf("draft event public: %d", r.StatusCode)
	}
	if r := ed.get(eventURL + "/anteprima"); r.StatusCode != 200 || !strings.Contains(r.Body, "Anteprima") || !strings.Contains(r.Body, "<h2>Programma</h2>") {
		t.Fatalf("preview: %d", r.StatusCode)
	}
	ed.post(eventURL+"/pubblica", url.Values{})
	// Scheduled news: tomorrow at 9 (Rome).
	r = ed.post("/backoffice/contenuti/nuovo/notizia", url.Values{"news_type": {"comunicati"}, "title": {"Nuovi orari del teatro"},
		"summary": {"Dal 15 giugno il teatro apre anche il lunedì"}, "topics": {"tempo-libero"}, "body": {"Testo del comunicato."}})
	newsURL := r.Header.Get("Location")
	if r := ed.post(newsURL+"/pubblica", url.Values{"publish_at": {"2026-06-11T09:00"}}); r.StatusCode != 303 {
		t.Fatalf("schedule: %d", r.StatusCode)
	}
	if r := ed.get(newsURL); !strings.Contains(r.Body, "Sarà pubblicato il 11/06/2026 09:00") {
		t.Fatalf("schedule not shown: %s", r.Body)
	}
	if strings.Contains(pub.get("/novita/comunicati").Body, "Nuovi orari") {
		t.Fatal("scheduled news public early")
	}
	h.cnow = time.Date(2026, 6, 11, 7, 0, 0, 0, time.UTC) // 9:00 in Rome
	for path, want := range map[string]string{
		"/novita/comunicati":                               "Nuovi orari del teatro",
		"/novita/feed.rss":                                 "Nuovi orari del teatro",
		"/vivere-il-comune/eventi?mese=2026-06":            `href="/vivere-il-comune/eventi/stagione-teatrale" data-element="event-link"`,
		"/vivere-il-comune/eventi?mese=2026-07&vista=mese": "Stagione teatrale",
		"/vivere-il-comune/eventi.ics":                     "RRULE:FREQ=WEEKLY;COUNT=4",
		"/vivere-il-comune/luoghi":                         "Teatro Sociale",
		"/vivere-il-comune/luoghi.geojson":                 "[9.1602,45.1901]",
		"/vivere-il-comune/luoghi/teatro-sociale":          "Stagione teatrale",
		"/vivere-il-comune/eventi/stagione-teatrale":       "Teatro Sociale",
	} {
		if r := pub.get(path); r.StatusCode != 200 || !strings.Contains(r.Body, want) {
			t.Errorf("%s: %d, missing %q", path, r.StatusCode, want)
		}
	}

	// Revisions: edit, compare, restore.
	ev.Set("title", "Stagione teatrale estiva")
	if r := ed.post(eventURL, ev); r.StatusCode != 303 {
		t.Fatalf("edit: %d %s", r.StatusCode, r.Body)
	}
	r = ed.get(eventURL + "/versioni?da=1&a=3")
	if r.StatusCode != 200 || !strings.Contains(r.Body, "- Titolo: Stagione teatrale</del>") || !strings.Contains(r.Body, "+ Titolo: Stagione teatrale estiva</ins>") {
		t.Fatalf("diff: %d %s", r.StatusCode, r.Body)
	}
	if r := ed.post(eventURL+"/versioni/1/ripristina", url.Values{}); r.StatusCode != 303 {
		t.Fatalf("restore: %d", r.StatusCode)
	}
	if r := ed.get(eventURL); !strings.Contains(r.Body, `value="Stagione teatrale"`) || !strings.Contains(r.Body, "Versioni (4)") {
		t.Fatal("restore did not bring the title back as revision 4")
	}
	// Still published after the restore.
	if r := pub.get("/vivere-il-comune/eventi/stagione-teatrale"); r.StatusCode != 200 {
		t.Fatalf("restored event: %d", r.StatusCode)
	}

	// The list filters by kind and status.
	if r := ed.get("/backoffice/contenuti?tipo=place"); !strings.Contains(r.Body, "Teatro Sociale") || strings.Contains(r.Body, "Stagione") {
		t.Fatal("kind filter")
	}
	if r := ed.get("/backoffice/contenuti?stato=draft&tipo=%27x"); strings.Contains(r.Body, "Teatro Sociale") {
		t.Fatal("status filter")
	}

	// A place with events cannot go; after confirming, an event can.
	if r := ed.post("/backoffice/contenuti/"+placeID+"/elimina", url.Values{"confirm": {"yes"}}); r.StatusCode != 409 {
		t.Fatalf("delete place in use: %d", r.StatusCode)
	}
	if r := ed.post(eventURL+"/elimina", url.Values{}); r.StatusCode != 303 || !strings.HasSuffix(r.Header.Get("Location"), "/elimina") {
		t.Fatalf("delete without confirmation: %d", r.StatusCode)
	}
	if r := ed.post(eventURL+"/elimina", url.Values{"confirm": {"yes"}}); r.StatusCode != 303 {
		t.Fatalf("delete: %d", r.StatusCode)
	}
	if r := pub.get("/vivere-il-comune/eventi/stagione-teatrale"); r.StatusCode != 404 {
		t.Fatalf("deleted event: %d", r.StatusCode)
	}
	// Every change is in the audit log.
	n := 0
	for _, e := range h.auditLog(h.borgo.ID, audit.Filter{Action: "content."}) {
		if strings.HasPrefix(e.Action, "content.") {
			n++
		}
	}
	if n < 9 {
		t.Fatalf("audit entries: %d", n)
	}
}

func TestContentImages(t *testing.T) {
	h := newHarness(t)
	ed := h.staff(borgo, "editor@borgo")
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")
	if r := ed.platformPostFile("/backoffice/contenuti/immagini", url.Values{"alt": {""}}, "file", "a.png", png); r.StatusCode != 422 || !strings.Contains(r.Body, `href="#alt"`) {
		t.Fatalf("no alt: %d", r.StatusCode)
	}
	if r := ed.platformPostFile("/backoffice/contenuti/immagini", url.Values{"alt": {"Un disegno"}}, "file", "a.png", []byte("<svg onload=alert(1)>")); r.StatusCode != 422 || !strings.Contains(r.Body, "JPEG, PNG o WebP") {
		t.Fatalf("svg: %d", r.StatusCode)
	}
	r := ed.platformPostFile("/backoffice/contenuti/immagini", url.Values{"alt": {"La piazza"}}, "file", "piazza.png", png)
	if r.StatusCode != 303 {
		t.Fatalf("upload: %d %s", r.StatusCode, r.Body)
	}
	list := ed.get("/backoffice/contenuti/immagini").Body
	i := strings.Index(list, `src="/contenuti/immagini/`)
	if i < 0 {
		t.Fatal("image not listed")
	}
	src := list[i+5 : i+5+strings.Index(list[i+5:], `"`)]
	img := h.client(borgo).get(src)
	if img.StatusCode != 200 || img.Header.Get("Content-Type") != "image/png" || !strings.Contains(img.Header.Get("Content-Security-Policy"), "sandbox") {
		t.Fatalf("image: %d %v", img.StatusCode, img.Header)
	}
	if r := h.client(marina).get(src); r.StatusCode != 404 {
		t.Fatalf("image through another tenant: %d", r.StatusCode)
	}
	// The map settings are for admins.
	if r := ed.get("/backoffice/contenuti/mappa"); r.StatusCode != 403 {
		t.Fatalf("editor on map settings: %d", r.StatusCode)
	}
	admin := h.staff(borgo, "admin@borgo")
	if r := admin.post("/backoffice/contenuti/mappa", url.Values{"tile_url": {"http://x/{z}"}, "attribution": {""}}); r.StatusCode != 422 {
		t.Fatalf("bad map settings: %d", r.StatusCode)
	}
	if r := admin.post("/backoffice/contenuti/mappa", url.Values{"tile_url": {"https://{s}.tiles.example.it/{z}/{x}/{y}.png"}, "attribution": {"© Regione"}}); r.StatusCode != 303 {
		t.Fatalf("map settings: %d", r.StatusCode)
	}
	h.mustItem(placeItem(h.borgo.ID, "civica"), true)
	r = h.client(borgo).get("/vivere-il-comune/luoghi")
	if !strings.Contains(r.Header.Get("Content-Security-Policy"), "img-src 'self' data: https://*.tiles.example.it") || !strings.Contains(r.Body, `data-tiles="https://{s}.tiles.example.it/{z}/{x}/{y}.png"`) {
		t.Fatalf("tiles: %s", r.Header.Get("Content-Security-Policy"))
	}
	// Operators and viewers have no access to content.
	if r := h.staff(borgo, "operator@borgo").get("/backoffice/contenuti"); r.StatusCode != 403 {
		t.Fatalf("operator: %d", r.StatusCode)
	}
}
