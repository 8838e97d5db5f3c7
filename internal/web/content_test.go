package web

import (
	"bufio"
	"context"
	"encoding/json"
	"encoding/xml"
	"regexp"
	"strings"
	"testing"
	"time"

	"piazza/internal/audit"
	"piazza/internal/content"
)

// contentNow is the content module's clock in tests.
func (h *harness) contentNow() time.Time {
	if h.cnow.IsZero() {
		return time.Now()
	}
	return h.cnow
}

// mustItem saves an item and, when publish is set, publishes it now.
func (h *harness) mustItem(it content.Item, publish bool) content.Item {
	h.t.Helper()
	ctx := audit.WithActor(context.Background(), audit.Actor{Kind: audit.ActorSystem, Label: "test"})
	if err := h.content.Save(ctx, &it); err != nil {
		h.t.Fatalf("item %s: %v", it.Slug, err)
	}
	if publish {
		var err error
		if it, err = h.content.Publish(ctx, it.TenantID, it.ID, time.Time{}); err != nil {
			h.t.Fatal(err)
		}
	}
	return it
}

func newsItem(tenantID int64, typ content.NewsType, slug string) content.Item {
	return content.Item{TenantID: tenantID, Kind: content.KindNews, NewsType: typ, Slug: slug, Title: "Titolo " + slug,
		Summary: "Sommario di " + slug, Body: "Testo con un [collegamento](https://example.org) e <script>alert(1)</script>.",
		Topics: []string{"comunicazione-istituzionale"}}
}

func placeItem(tenantID int64, slug string) content.Item {
	return content.Item{TenantID: tenantID, Kind: content.KindPlace, Slug: slug, Title: "Biblioteca " + slug, Summary: "La biblioteca civica",
		Topics: []string{"patrimonio-culturale"}, Place: content.Place{Type: "biblioteca", Address: "Via Roma 1\n27100 Borgo",
			Latitude: 45.19, Longitude: 9.16, OpeningHours: "Lun-Ven 9-18", Phone: "0382 123456"}}
}

func eventItem(tenantID int64, slug string, start time.Time, rrule string, placeID int64) content.Item {
	return content.Item{TenantID: tenantID, Kind: content.KindEvent, Slug: slug, Title: "Festa " + slug,
		Summary: "Musica, giochi; e cibo, in piazza", Topics: []string{"tempo-libero"},
		Event: content.Event{Start: start, End: start.Add(3 * time.Hour), Recurrence: rrule, PlaceID: placeID, Venue: "Piazza Grande",
			Organiser: "Pro Loco", Cost: "", BookingURL: "https://prenota.example.org/festa"}}
}

func TestContentPublicPages(t *testing.T) {
	h := newHarness(t)
	now := time.Now().UTC().Truncate(time.Second)
	h.cnow = now
	news := h.mustItem(newsItem(h.borgo.ID, content.NewsStory, "piazza-nuova"), true)
	h.mustItem(newsItem(h.borgo.ID, content.NewsNotice, "allerta-meteo"), true)
	h.mustItem(newsItem(h.borgo.ID, content.NewsStory, "bozza-riservata"), false)
	h.mustItem(newsItem(h.marina.ID, content.NewsStory, "solo-marina"), true)
	library := h.mustItem(placeItem(h.borgo.ID, "civica"), true)
	h.mustItem(placeItem(h.marina.ID, "marinara"), true)
	month := time.Date(now.In(rome).Year(), now.In(rome).Month(), 1, 0, 0, 0, 0, rome)
	start := month.AddDate(0, 0, 14).Add(21 * time.Hour)
	h.mustItem(eventItem(h.borgo.ID, "estate", start, "FREQ=WEEKLY;COUNT=3", library.ID), true)
	h.mustItem(eventItem(h.marina.ID, "marina", start, "", 0), true)
	mese := month.Format("2006-01")
	c := h.client(borgo)
	for _, tc := range []struct {
		path    string
		status  int
		want    []string
		notWant []string
	}{
		{"/novita/notizie", 200, []string{`href="/novita/notizie/piazza-nuova"`, `data-element="breadcrumb"`, "Titolo piazza-nuova", "Comunicazione istituzionale"}, []string{"bozza-riservata", "solo-marina", "allerta"}},
		{"/novita/avvisi", 200, []string{"allerta-meteo"}, []string{"piazza-nuova"}},
		{"/novita/comunicati", 200, []string{"Non ci sono comunicati"}, nil},
		{"/novita/notizie?pagina=abc", 200, []string{"piazza-nuova"}, nil},
		{"/novita/notizie?pagina=9", 404, nil, nil},
		{"/novita/altro", 404, nil, nil},
		{"/novita/notizie/piazza-nuova", 200, []string{"<h1>Titolo piazza-nuova</h1>", `href="https://example.org" rel="nofollow"`, `href="/novita/notizie">Notizie</a>`}, []string{"<script>alert"}},
		{"/novita/avvisi/piazza-nuova", 301, nil, nil},
		{"/novita/notizie/bozza-riservata", 404, nil, nil},
		{"/novita/notizie/solo-marina", 404, nil, nil},
		{"/novita/notizie/..%2f..%2fetc", 404, nil, nil},
		{"/vivere-il-comune/eventi?mese=" + mese, 200, []string{`href="/vivere-il-comune/eventi/estate" data-element="event-link"`, "Festa estate"}, []string{"marina"}},
		{"/vivere-il-comune/eventi?mese=" + mese + "&vista=mese", 200, []string{"<table", `data-element="event-link"`, "lunedì"}, nil},
		{"/vivere-il-comune/eventi?mese=1999-99&vista=%3Cx%3E&argomento=%27", 200, []string{"Eventi"}, nil},
		{"/vivere-il-comune/eventi?mese=" + month.AddDate(0, 3, 0).Format("2006-01"), 200, []string{"Non ci sono eventi"}, []string{"estate"}},
		{"/vivere-il-comune/eventi?mese=" + mese + "&argomento=sport", 200, []string{"Non ci sono eventi"}, []string{"Festa estate"}},
		{"/vivere-il-comune/eventi/estate", 200, []string{`"@type":"Event"`, `"startDate"`, "Biblioteca civica", "Ogni settimana, per 3 volte", "Prenota"}, nil},
		{"/vivere-il-comune/eventi/marina", 404, nil, nil},
		{"/vivere-il-comune/luoghi", 200, []string{`href="/vivere-il-comune/luoghi/civica"`, "Mostra la mappa", "Via Roma 1<br>27100 Borgo"}, []string{"marinara"}},
		{"/vivere-il-comune/luoghi/civica", 200, []string{"Lun-Ven 9-18", `href="tel:0382123456"`, `data-element="event-link"`, "openstreetmap.org"}, nil},
		{"/vivere-il-comune/luoghi/marinara", 404, nil, nil},
	} {
		t.Run(tc.path, func(t *testing.T) {
			r := c.get(tc.path)
			if r.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", r.StatusCode, tc.status)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.Body, w) {
					t.Errorf("missing %q", w)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(r.Body, w) {
					t.Errorf("must not contain %q", w)
				}
			}
		})
	}
	// The places page lets the map load tiles from the tile server, and nothing else.
	if csp := c.get("/vivere-il-comune/luoghi").Header.Get("Content-Security-Policy"); !strings.Contains(csp, "img-src 'self' data: https://tile.openstreetmap.org") {
		t.Errorf("CSP = %s", csp)
	}
	_ = news
}

func TestContentSchedule(t *testing.T) {
	h := newHarness(t)
	h.cnow = time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	ctx := audit.WithActor(context.Background(), audit.Actor{Kind: audit.ActorSystem, Label: "test"})
	it := h.mustItem(newsItem(h.borgo.ID, content.NewsStory, "domani"), false)
	if _, err := h.content.Publish(ctx, h.borgo.ID, it.ID, h.cnow.Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	c := h.client(borgo)
	for _, p := range []string{"/novita/notizie", "/novita/feed.rss", "/novita/feed.atom"} {
		if strings.Contains(c.get(p).Body, "domani") {
			t.Fatalf("%s shows a scheduled item", p)
		}
	}
	if r := c.get("/novita/notizie/domani"); r.StatusCode != 404 {
		t.Fatalf("scheduled page: %d", r.StatusCode)
	}
	const link = `href="/novita/notizie/domani"`
	if strings.Contains(c.get("/cerca?q=titolo+domani").Body, link) {
		t.Fatal("search finds a scheduled item")
	}
	h.cnow = h.cnow.Add(24 * time.Hour)
	for _, p := range []string{"/novita/notizie", "/novita/feed.rss", "/novita/feed.atom", "/novita/notizie/domani"} {
		if !strings.Contains(c.get(p).Body, "domani") {
			t.Fatalf("%s misses the item at its time", p)
		}
	}
	if !strings.Contains(c.get("/cerca?q=titolo+domani").Body, link) {
		t.Fatal("search misses the item at its time")
	}
}

// TestContentSearch: published news, events and places are found by the site
// search (with their facet), their expiry and unpublishing take them out, and
// another comune's search never finds them.
func TestContentSearch(t *testing.T) {
	h := newHarness(t)
	h.cnow = time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	ctx := audit.WithActor(context.Background(), audit.Actor{Kind: audit.ActorSystem, Label: "test"})
	place := h.mustItem(placeItem(h.borgo.ID, "civica"), true)
	h.mustItem(eventItem(h.borgo.ID, "patronale", h.cnow.Add(48*time.Hour), "", place.ID), true)
	news := newsItem(h.borgo.ID, content.NewsNotice, "chiusura")
	news.Title, news.ExpireAt = "Chiusura della biblioteca per inventario", h.cnow.Add(time.Hour)
	news = h.mustItem(news, true)
	draft := h.mustItem(newsItem(h.borgo.ID, content.NewsStory, "bozza-biblioteca"), false)
	c := h.client(borgo)
	body := c.get("/cerca?q=biblioteca").Body
	for _, want := range []string{`href="/vivere-il-comune/luoghi/civica"`, `href="/novita/avvisi/chiusura"`} {
		if !strings.Contains(body, want) {
			t.Errorf("search misses %s", want)
		}
	}
	if strings.Contains(body, draft.Slug) {
		t.Error("search finds a draft")
	}
	if !strings.Contains(c.get("/cerca?q=pro+loco&tipo=event").Body, `href="/vivere-il-comune/eventi/patronale"`) {
		t.Error("search misses the event by its organiser")
	}
	if strings.Contains(h.client(marina).get("/cerca?q=biblioteca").Body, "civica") {
		t.Error("another comune's search finds Borgo's place")
	}
	h.cnow = h.cnow.Add(2 * time.Hour)
	if strings.Contains(c.get("/cerca?q=inventario").Body, "/novita/avvisi/chiusura") {
		t.Error("search finds an expired item")
	}
	if err := h.content.Unpublish(ctx, h.borgo.ID, place.ID); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(c.get("/cerca?q=biblioteca").Body, "/vivere-il-comune/luoghi/civica") {
		t.Error("search finds an unpublished place")
	}
}

var icsLineRE = regexp.MustCompile(`^[A-Z][A-Z0-9-]*(;[A-Z0-9-]+=("[^"]*"|[^";:,]*)(,("[^"]*"|[^";:,]*))*)*:`)

func TestContentFeeds(t *testing.T) {
	h := newHarness(t)
	h.mustItem(newsItem(h.borgo.ID, content.NewsStory, "festa"), true)
	h.mustItem(newsItem(h.marina.ID, content.NewsStory, "altrove"), true)
	library := h.mustItem(placeItem(h.borgo.ID, "civica"), true)
	long := eventItem(h.borgo.ID, "lunga", time.Now().AddDate(0, 0, 7), "FREQ=WEEKLY;BYDAY=SA;UNTIL=20991231T230000Z", library.ID)
	long.Title = "Rassegna di cinema all'aperto: film, incontri e degustazioni; un titolo lungo per provare la piegatura delle righe àèìòù"
	h.mustItem(long, true)
	h.mustItem(eventItem(h.marina.ID, "altrove", time.Now().AddDate(0, 0, 7), "", 0), true)
	c := h.client(borgo)

	for _, q := range []string{"", "?argomento=tempo-libero", "?argomento=%00%ff", "?x=1&x=2&utm_source=feed&pagina=-1", "?argomento=sport"} {
		// RSS and Atom parse back as XML and carry only this tenant's news.
		for _, p := range []string{"/novita/feed.rss", "/novita/feed.atom"} {
			r := c.get(p + q)
			if r.StatusCode != 200 {
				t.Fatalf("%s%s: %d", p, q, r.StatusCode)
			}
			var v struct {
				XMLName xml.Name
				Items   []struct {
					Title string `xml:"title"`
				} `xml:"channel>item"`
				Entries []struct {
					Title string `xml:"title"`
				} `xml:"entry"`
			}
			if err := xml.Unmarshal([]byte(r.Body), &v); err != nil {
				t.Fatalf("%s%s: %v", p, q, err)
			}
			if strings.Contains(r.Body, "altrove") || (q == "" && len(v.Items)+len(v.Entries) != 1) {
				t.Fatalf("%s%s: %s", p, q, r.Body)
			}
		}
		// GeoJSON.
		r := c.get("/vivere-il-comune/luoghi.geojson" + q)
		var fc struct {
			Type     string
			Features []struct {
				Geometry struct{ Coordinates []float64 }
			}
		}
		if r.StatusCode != 200 || json.Unmarshal([]byte(r.Body), &fc) != nil || fc.Type != "FeatureCollection" {
			t.Fatalf("geojson%s: %d %s", q, r.StatusCode, r.Body)
		}
		if q == "" && (len(fc.Features) != 1 || fc.Features[0].Geometry.Coordinates[0] != 9.16) {
			t.Fatalf("geojson: %s", r.Body)
		}
		// iCalendar: CRLF, folded lines of at most 75 octets, well-formed content lines.
		r = c.get("/vivere-il-comune/eventi.ics" + q)
		if r.StatusCode != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/calendar") {
			t.Fatalf("ics%s: %d", q, r.StatusCode)
		}
		checkICS(t, r.Body, q != "?argomento=sport")
	}
}

// checkICS parses an iCalendar body back (RFC 5545 §3.1): every physical line ends
// with CRLF and has at most 75 octets; unfolded lines are NAME[;PARAM=…]:VALUE;
// components nest properly; each VEVENT has UID, DTSTAMP, DTSTART and SUMMARY.
func checkICS(t *testing.T, body string, wantEvent bool) {
	t.Helper()
	if !strings.HasSuffix(body, "\r\n") || strings.Contains(strings.ReplaceAll(body, "\r\n", ""), "\n") {
		t.Fatal("lines must end with CRLF")
	}
	var lines []string
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		l := strings.TrimSuffix(sc.Text(), "\r")
		if len(l) > 75 {
			t.Fatalf("line of %d octets: %q", len(l), l)
		}
		if strings.HasPrefix(l, " ") {
			lines[len(lines)-1] += l[1:]
			continue
		}
		lines = append(lines, l)
	}
	var stack []string
	events := 0
	var props map[string]string
	for _, l := range lines {
		if !icsLineRE.MatchString(l) {
			t.Fatalf("malformed content line %q", l)
		}
		name, value, _ := strings.Cut(l, ":")
		name, _, _ = strings.Cut(name, ";")
		switch name {
		case "BEGIN":
			stack = append(stack, value)
			if value == "VEVENT" {
				props = map[string]string{}
			}
		case "END":
			if len(stack) == 0 || stack[len(stack)-1] != value {
				t.Fatalf("END:%s does not close %v", value, stack)
			}
			stack = stack[:len(stack)-1]
			if value == "VEVENT" {
				events++
				for _, p := range []string{"UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "RRULE", "LOCATION"} {
					if props[p] == "" {
						t.Fatalf("VEVENT without %s: %v", p, props)
					}
				}
				if _, err := content.ParseRule(props["RRULE"]); err != nil {
					t.Fatalf("RRULE %q: %v", props["RRULE"], err)
				}
				if !strings.Contains(props["SUMMARY"], `all'aperto: film\, incontri e degustazioni\; un titolo`) || !strings.Contains(props["SUMMARY"], "àèìòù") {
					t.Fatalf("SUMMARY not escaped or damaged by folding: %q", props["SUMMARY"])
				}
			}
		default:
			if props != nil && len(stack) > 0 && stack[len(stack)-1] == "VEVENT" {
				props[name] = value
			}
		}
	}
	if len(stack) != 0 || lines[0] != "BEGIN:VCALENDAR" {
		t.Fatalf("unbalanced calendar: %v", stack)
	}
	if wantEvent != (events == 1) {
		t.Fatalf("%d events", events)
	}
}
