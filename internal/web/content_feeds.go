package web

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"piazza/internal/content"
	"piazza/internal/vocab"
)

// Feeds: news as RSS 2.0 and Atom, events as iCalendar (RFC 5545) and places as
// GeoJSON (RFC 7946). Every feed takes ?argomento=<topic> to narrow it and ignores
// any other query parameter: a feed reader's additions never cause an error.

// feedLength is how many news items a feed carries.
const feedLength = 30

// feedTopic reads ?argomento= ("" for none or an unknown topic).
func feedTopic(r *http.Request) string {
	t, _ := vocab.TopicBySlug(r.URL.Query().Get("argomento"))
	return t.Slug
}

// siteURL is the absolute URL of a path on the request's host.
func siteURL(r *http.Request, path string) string {
	scheme := "https"
	if !info(r).Secure {
		scheme = "http"
	}
	return scheme + "://" + r.Host + path
}

func (s *Server) feedNews(r *http.Request) ([]content.Item, error) {
	p, err := s.Content.List(r.Context(), info(r).Tenant.ID, content.Query{Kind: content.KindNews, Public: true, Topic: feedTopic(r), Limit: feedLength})
	return p.Items, err
}

type rssFeed struct {
	XMLName xml.Name   `xml:"rss"`
	Version string     `xml:"version,attr"`
	Atom    string     `xml:"xmlns:atom,attr"`
	Channel rssChannel `xml:"channel"`
}

type rssChannel struct {
	Title       string    `xml:"title"`
	Link        string    `xml:"link"`
	Self        atomLink  `xml:"atom:link"`
	Description string    `xml:"description"`
	Language    string    `xml:"language"`
	Items       []rssItem `xml:"item"`
}

type rssItem struct {
	Title       string   `xml:"title"`
	Link        string   `xml:"link"`
	GUID        string   `xml:"guid"`
	PubDate     string   `xml:"pubDate"`
	Description string   `xml:"description"`
	Categories  []string `xml:"category"`
}

type atomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
}

func (s *Server) newsRSS(w http.ResponseWriter, r *http.Request) {
	items, err := s.feedNews(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	t := info(r).Tenant
	f := rssFeed{Version: "2.0", Atom: "http://www.w3.org/2005/Atom", Channel: rssChannel{
		Title: "Novità – " + t.Name, Link: siteURL(r, "/novita"), Description: "Notizie, comunicati e avvisi di " + t.Name,
		Self: atomLink{Href: siteURL(r, "/novita/feed.rss"), Rel: "self", Type: "application/rss+xml"}, Language: "it"}}
	for _, it := range items {
		f.Channel.Items = append(f.Channel.Items, rssItem{Title: it.Title, Link: siteURL(r, it.URL()), GUID: siteURL(r, it.URL()),
			PubDate: it.PublishAt.Format(time.RFC1123Z), Description: it.Summary, Categories: it.TopicLabels()})
	}
	writeXML(w, "application/rss+xml; charset=utf-8", f)
}

type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Title   string      `xml:"title"`
	ID      string      `xml:"id"`
	Updated string      `xml:"updated"`
	Links   []atomLink  `xml:"link"`
	Author  atomAuthor  `xml:"author"`
	Entries []atomEntry `xml:"entry"`
}

type atomAuthor struct {
	Name string `xml:"name"`
}

type atomEntry struct {
	Title      string         `xml:"title"`
	ID         string         `xml:"id"`
	Link       atomLink       `xml:"link"`
	Published  string         `xml:"published"`
	Updated    string         `xml:"updated"`
	Summary    string         `xml:"summary"`
	Categories []atomCategory `xml:"category"`
}

type atomCategory struct {
	Term  string `xml:"term,attr"`
	Label string `xml:"label,attr"`
}

func (s *Server) newsAtom(w http.ResponseWriter, r *http.Request) {
	items, err := s.feedNews(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	t := info(r).Tenant
	updated := time.Unix(0, 0).UTC()
	for _, it := range items {
		if it.PublishAt.After(updated) {
			updated = it.PublishAt
		}
	}
	f := atomFeed{Title: "Novità – " + t.Name, ID: siteURL(r, "/novita"), Updated: updated.Format(time.RFC3339),
		Links:  []atomLink{{Href: siteURL(r, "/novita/feed.atom"), Rel: "self", Type: "application/atom+xml"}, {Href: siteURL(r, "/novita"), Rel: "alternate", Type: "text/html"}},
		Author: atomAuthor{Name: t.Name}}
	for _, it := range items {
		updated := it.PublishAt
		if it.UpdatedAt.After(updated) {
			updated = it.UpdatedAt
		}
		e := atomEntry{Title: it.Title, ID: siteURL(r, it.URL()), Link: atomLink{Href: siteURL(r, it.URL()), Rel: "alternate", Type: "text/html"},
			Published: it.PublishAt.Format(time.RFC3339), Updated: updated.Format(time.RFC3339), Summary: it.Summary}
		for _, slug := range it.Topics {
			if tp, ok := vocab.TopicBySlug(slug); ok {
				e.Categories = append(e.Categories, atomCategory{Term: tp.Slug, Label: tp.Label})
			}
		}
		f.Entries = append(f.Entries, e)
	}
	writeXML(w, "application/atom+xml; charset=utf-8", f)
}

func writeXML(w http.ResponseWriter, ctype string, v any) {
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Write([]byte(xml.Header))
	enc := xml.NewEncoder(w)
	enc.Indent("", " ")
	enc.Encode(v)
}

// ---- iCalendar ----

// icsWriter writes content lines per RFC 5545: CRLF line ends, lines folded at 75
// octets (never inside a UTF-8 sequence), TEXT values escaped.
type icsWriter struct {
	b strings.Builder
}

// line writes "name:value" folded; the value is written as given.
func (w *icsWriter) line(name, value string) {
	l := name + ":" + value
	for width := 75; len(l) > width; width = 74 {
		cut := width
		for cut > 0 && !utf8.RuneStart(l[cut]) {
			cut--
		}
		w.b.WriteString(l[:cut] + "\r\n ")
		l = l[cut:]
	}
	w.b.WriteString(l + "\r\n")
}

// text writes a TEXT property, escaped.
func (w *icsWriter) text(name, value string) {
	w.line(name, icsEscape(value))
}

func icsEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`).Replace(s)
}

// romeTZ is the VTIMEZONE of Europe/Rome (EU rules since 1996), which event times
// refer to so that recurrences keep their wall-clock time across DST changes.
const romeTZ = "BEGIN:VTIMEZONE\r\nTZID:Europe/Rome\r\n" +
	"BEGIN:DAYLIGHT\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nTZNAME:CEST\r\nDTSTART:19700329T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nEND:DAYLIGHT\r\n" +
	"BEGIN:STANDARD\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\nDTSTART:19701025T030000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\n" +
	"END:VTIMEZONE\r\n"

func (s *Server) eventsICS(w http.ResponseWriter, r *http.Request) {
	ctx, t := r.Context(), info(r).Tenant
	now := s.Content.Now()
	// Events of the last three months and the next two years, each once (with its
	// recurrence rule, not expanded).
	occ, err := s.Content.Occurrences(ctx, t.ID, now.AddDate(0, -3, 0), now.AddDate(2, 0, 0), feedTopic(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	places := map[int64]*content.Item{}
	var c icsWriter
	c.line("BEGIN", "VCALENDAR")
	c.line("VERSION", "2.0")
	c.text("PRODID", "-//Piazza//Eventi "+t.Name+"//IT")
	c.line("CALSCALE", "GREGORIAN")
	c.line("METHOD", "PUBLISH")
	c.text("X-WR-CALNAME", "Eventi – "+t.Name)
	c.line("X-WR-TIMEZONE", "Europe/Rome")
	c.b.WriteString(romeTZ)
	stamp := now.UTC().Format("20060102T150405Z")
	seen := map[int64]bool{}
	for _, o := range occ {
		it := o.Item
		if seen[it.ID] {
			continue
		}
		seen[it.ID] = true
		e := it.Event
		c.line("BEGIN", "VEVENT")
		c.line("UID", "evento-"+strconv.FormatInt(it.ID, 10)+"@"+strings.ToLower(r.Host))
		c.line("DTSTAMP", stamp)
		c.line("DTSTART;TZID=Europe/Rome", e.Start.In(rome).Format("20060102T150405"))
		c.line("DTEND;TZID=Europe/Rome", e.End.In(rome).Format("20060102T150405"))
		if e.Recurrence != "" {
			if rule, err := content.ParseRule(e.Recurrence); err == nil {
				c.line("RRULE", rule.String())
			}
		}
		c.text("SUMMARY", it.Title)
		c.text("DESCRIPTION", it.Summary+"\n\n"+content.PlainText(it.Body))
		location := e.Venue
		if e.PlaceID != 0 {
			p, ok := places[e.PlaceID]
			if !ok {
				if pl, err := s.Content.Item(ctx, t.ID, e.PlaceID); err == nil && pl.Public(now) {
					p = &pl
				}
				places[e.PlaceID] = p
			}
			if p != nil {
				location = p.Title + ", " + strings.ReplaceAll(p.Place.Address, "\n", ", ")
				c.line("GEO", strconv.FormatFloat(p.Place.Latitude, 'f', 6, 64)+";"+strconv.FormatFloat(p.Place.Longitude, 'f', 6, 64))
			}
		}
		if location != "" {
			c.text("LOCATION", location)
		}
		if labels := it.TopicLabels(); len(labels) > 0 {
			esc := make([]string, len(labels))
			for i, l := range labels {
				esc[i] = icsEscape(l)
			}
			c.line("CATEGORIES", strings.Join(esc, ","))
		}
		if t.Contacts.Email != "" {
			c.line("ORGANIZER;CN="+icsParam(e.Organiser), "mailto:"+t.Contacts.Email)
		}
		c.line("URL", siteURL(r, it.URL()))
		c.line("LAST-MODIFIED", it.UpdatedAt.UTC().Format("20060102T150405Z"))
		c.line("END", "VEVENT")
	}
	c.line("END", "VCALENDAR")
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Content-Disposition", `inline; filename="eventi.ics"`)
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Write([]byte(c.b.String()))
}

// icsParam quotes a parameter value (no quotes or control characters inside).
func icsParam(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '"' || r < ' ' || r == 0x7f {
			return -1
		}
		return r
	}, s)
	return `"` + s + `"`
}

// ---- GeoJSON ----

func (s *Server) placesGeoJSON(w http.ResponseWriter, r *http.Request) {
	p, err := s.Content.List(r.Context(), info(r).Tenant.ID, content.Query{Kind: content.KindPlace, Public: true, Topic: feedTopic(r)})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	type feature struct {
		Type       string         `json:"type"`
		Geometry   map[string]any `json:"geometry"`
		Properties map[string]any `json:"properties"`
	}
	fc := struct {
		Type     string    `json:"type"`
		Features []feature `json:"features"`
	}{Type: "FeatureCollection", Features: []feature{}}
	for _, it := range p.Items {
		if !it.HasCoordinates() {
			continue
		}
		fc.Features = append(fc.Features, feature{Type: "Feature",
			Geometry: map[string]any{"type": "Point", "coordinates": []float64{it.Place.Longitude, it.Place.Latitude}},
			Properties: map[string]any{"name": it.Title, "url": it.URL(), "type": it.Place.Type,
				"address": strings.ReplaceAll(it.Place.Address, "\n", ", "), "summary": it.Summary}})
	}
	w.Header().Set("Content-Type", "application/geo+json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	json.NewEncoder(w).Encode(fc)
}
