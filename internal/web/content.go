package web

import (
	"fmt"
	"html/template"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"piazza/internal/accounts"
	"piazza/internal/apperr"
	"piazza/internal/content"
	"piazza/internal/tenants"
	"piazza/internal/upload"
	"piazza/internal/vocab"
)

// contentRoutes are the public pages of news, events and places, their feeds, and
// the editors' back office of content.
func (s *Server) contentRoutes() []route {
	m := tenants.ModuleSite
	return append([]route{
		{pattern: "GET /novita/{kind}", handler: s.newsList, module: m},
		{pattern: "GET /novita/{kind}/{slug}", handler: s.newsPage, module: m},
		{pattern: "GET /novita/feed.rss", handler: s.newsRSS, module: m},
		{pattern: "GET /novita/feed.atom", handler: s.newsAtom, module: m},
		{pattern: "GET /vivere-il-comune/eventi", handler: s.eventsPage, module: m},
		{pattern: "GET /vivere-il-comune/eventi.ics", handler: s.eventsICS, module: m},
		{pattern: "GET /vivere-il-comune/eventi/{slug}", handler: s.eventPage, module: m},
		{pattern: "GET /vivere-il-comune/luoghi", handler: s.placesPage, module: m},
		{pattern: "GET /vivere-il-comune/luoghi.geojson", handler: s.placesGeoJSON, module: m},
		{pattern: "GET /vivere-il-comune/luoghi/{slug}", handler: s.placePage, module: m},
		{pattern: "GET /contenuti/immagini/{id}", handler: s.contentImage, module: m},
		{pattern: "GET /contenuti/allegati/{id}", handler: s.contentAttachment, module: m},
	}, s.contentBackofficeRoutes()...)
}

// newsPerPage is the length of a page of a news list.
const newsPerPage = 12

// pager is the pagination of a list.
type pager struct {
	Page, Pages int
	Base        string // the list's path
	Query       string // other parameters of the list (encoded), kept across pages
}

// Prev and Next are the neighbouring pages' URLs ("" at the ends).
func (p pager) Prev() string {
	if p.Page <= 1 {
		return ""
	}
	return p.url(p.Page - 1)
}

func (p pager) Next() string {
	if p.Page >= p.Pages {
		return ""
	}
	return p.url(p.Page + 1)
}

func (p pager) url(n int) string {
	q := p.Query
	if n > 1 {
		if q != "" {
			q += "&"
		}
		q += "pagina=" + strconv.Itoa(n)
	}
	if q == "" {
		return p.Base
	}
	return p.Base + "?" + q
}

// pageNumber reads ?pagina= (1 for anything that is not a positive number).
func pageNumber(r *http.Request) int {
	n, err := strconv.Atoi(r.URL.Query().Get("pagina"))
	if err != nil || n < 1 || n > 10000 {
		return 1
	}
	return n
}

// newsListData is a page of a Novità list.
type newsListData struct {
	Kind  string
	Items []content.Item
	Pager pager
}

func (s *Server) newsList(w http.ResponseWriter, r *http.Request) {
	kind := r.PathValue("kind")
	if !content.ValidNewsType(kind) {
		s.notFound(w, r)
		return
	}
	n := pageNumber(r)
	p, err := s.Content.List(r.Context(), info(r).Tenant.ID, content.Query{Kind: content.KindNews, NewsType: content.NewsType(kind),
		Public: true, Offset: (n - 1) * newsPerPage, Limit: newsPerPage})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pages := max((p.Total+newsPerPage-1)/newsPerPage, 1)
	if n > pages {
		s.notFound(w, r)
		return
	}
	title := "site.second." + kind
	s.render(w, r, page{Template: "site/novita-lista.html", Title: title,
		Crumbs: []Crumb{{Label: "site.first.news", URL: "/novita"}, {Label: title}},
		Data:   newsListData{Kind: kind, Items: p.Items, Pager: pager{Page: n, Pages: pages, Base: "/novita/" + kind}}})
}

// itemView is the page of one item.
type itemView struct {
	Item    content.Item
	Body    template.HTML // sanitized by content.Render
	Preview bool
	// Events: the place, the occurrences to come and the JSON-LD.
	Place    *content.Item
	Upcoming []content.Occurrence
	Rule     string
	JSONLD   map[string]any
	// Places: the upcoming events there and the OpenStreetMap link.
	MapLink string
	// Amministrazione: the office of a person or document, the body of a
	// person, the members of a body.
	Office       *accounts.Office
	Organisation *content.Item
	Members      []content.Item
}

func (s *Server) itemView(r *http.Request, it content.Item, preview bool) (itemView, error) {
	body, err := content.Render(it.Body)
	if err != nil {
		return itemView{}, err
	}
	v := itemView{Item: it, Body: template.HTML(body), Preview: preview}
	ctx, tid := r.Context(), it.TenantID
	now := s.Content.Now()
	switch it.Kind {
	case content.KindEvent:
		if it.Event.PlaceID != 0 {
			p, err := s.Content.Item(ctx, tid, it.Event.PlaceID)
			if err != nil && !apperr.Is(err, apperr.NotFound) {
				return v, err
			}
			if err == nil && p.Public(now) {
				v.Place = &p
			}
		}
		v.Upcoming = it.Occurrences(now, now.AddDate(1, 0, 0))
		if len(v.Upcoming) > 10 {
			v.Upcoming = v.Upcoming[:10]
		}
		v.Rule = content.RuleText(it.Event.Recurrence, info(r).Lang)
		v.JSONLD = s.eventJSONLD(r, it, v.Place)
	case content.KindPlace:
		occ, err := s.Content.Occurrences(ctx, tid, now, now.AddDate(0, 3, 0), "")
		if err != nil {
			return v, err
		}
		for _, o := range occ {
			if o.Item.Event.PlaceID == it.ID && len(v.Upcoming) < 10 {
				v.Upcoming = append(v.Upcoming, o)
			}
		}
		p := it.Place
		v.MapLink = fmt.Sprintf("https://www.openstreetmap.org/?mlat=%.6f&mlon=%.6f#map=17/%.6f/%.6f", p.Latitude, p.Longitude, p.Latitude, p.Longitude)
	case content.KindPerson, content.KindOrganisation, content.KindDocument:
		if err := s.adminView(r, &v); err != nil {
			return v, err
		}
	}
	return v, nil
}

// publicItem loads the item of the path for visitors; NotFound for anything they
// may not see.
func (s *Server) publicItem(w http.ResponseWriter, r *http.Request, kind content.Kind) (content.Item, bool) {
	it, err := s.Content.PublicItem(r.Context(), info(r).Tenant.ID, kind, r.PathValue("slug"))
	if err != nil {
		s.fail(w, r, err)
		return it, false
	}
	return it, true
}

func (s *Server) newsPage(w http.ResponseWriter, r *http.Request) {
	kind := r.PathValue("kind")
	if !content.ValidNewsType(kind) {
		s.notFound(w, r)
		return
	}
	it, ok := s.publicItem(w, r, content.KindNews)
	if !ok {
		return
	}
	if string(it.NewsType) != kind {
		http.Redirect(w, r, it.URL(), http.StatusMovedPermanently)
		return
	}
	s.renderItem(w, r, it, false)
}

func (s *Server) eventPage(w http.ResponseWriter, r *http.Request) {
	if it, ok := s.publicItem(w, r, content.KindEvent); ok {
		s.renderItem(w, r, it, false)
	}
}

func (s *Server) placePage(w http.ResponseWriter, r *http.Request) {
	if it, ok := s.publicItem(w, r, content.KindPlace); ok {
		s.renderItem(w, r, it, false)
	}
}

// renderItem renders the public page of an item (or its preview for editors).
func (s *Server) renderItem(w http.ResponseWriter, r *http.Request, it content.Item, preview bool) {
	v, err := s.itemView(r, it, preview)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	tmpl, crumbs := "site/notizia.html", []Crumb{{Label: "site.first.news", URL: "/novita"}, {Label: "site.second." + string(it.NewsType), URL: "/novita/" + string(it.NewsType)}}
	switch it.Kind {
	case content.KindEvent:
		tmpl, crumbs = "site/evento.html", []Crumb{{Label: "site.first.live", URL: "/vivere-il-comune"}, {Label: "site.second.eventi", URL: "/vivere-il-comune/eventi"}}
	case content.KindPlace:
		tmpl, crumbs = "site/luogo.html", []Crumb{{Label: "site.first.live", URL: "/vivere-il-comune"}, {Label: "site.second.luoghi", URL: "/vivere-il-comune/luoghi"}}
	case content.KindPerson, content.KindOrganisation, content.KindDocument:
		sec := it.Type()
		if it.Kind == content.KindDocument {
			sec = "documenti-e-dati"
		}
		tmpl, crumbs = "site/amministrazione-voce.html", []Crumb{{Label: "site.first.management", URL: "/amministrazione"}, {Label: "site.second." + sec, URL: "/amministrazione/" + sec}}
	case content.KindFAQ:
		tmpl, crumbs = "site/amministrazione-voce.html", []Crumb{{Label: "site.faq.title", URL: "/domande-frequenti"}}
	}
	s.render(w, r, page{Template: tmpl, Title: it.Title, Crumbs: append(crumbs, Crumb{Label: it.Title}), Data: v})
}

// eventJSONLD is an event's schema.org Event.
func (s *Server) eventJSONLD(r *http.Request, it content.Item, place *content.Item) map[string]any {
	e := it.Event
	loc := map[string]any{"@type": "Place", "name": e.Venue}
	if place != nil {
		loc = map[string]any{"@type": "Place", "name": place.Title,
			"address": map[string]any{"@type": "PostalAddress", "streetAddress": strings.ReplaceAll(place.Place.Address, "\n", ", "),
				"addressLocality": strings.TrimPrefix(info(r).Tenant.Name, "Comune di "), "addressCountry": "IT"},
			"geo": map[string]any{"@type": "GeoCoordinates", "latitude": place.Place.Latitude, "longitude": place.Place.Longitude}}
	} else {
		loc["address"] = map[string]any{"@type": "PostalAddress", "streetAddress": e.Venue,
			"addressLocality": strings.TrimPrefix(info(r).Tenant.Name, "Comune di "), "addressCountry": "IT"}
	}
	start, end := e.Start, e.End
	if occ := it.Occurrences(s.Content.Now(), s.Content.Now().AddDate(2, 0, 0)); len(occ) > 0 && e.Recurrence != "" {
		start, end = occ[0].Start, occ[0].End
	}
	ld := map[string]any{
		"@context":            "https://schema.org",
		"@type":               "Event",
		"name":                it.Title,
		"description":         it.Summary,
		"startDate":           start.In(rome).Format(time.RFC3339),
		"endDate":             end.In(rome).Format(time.RFC3339),
		"eventStatus":         "https://schema.org/EventScheduled",
		"eventAttendanceMode": "https://schema.org/OfflineEventAttendanceMode",
		"location":            loc,
		"organizer":           map[string]any{"@type": "Organization", "name": e.Organiser},
		"url":                 "https://" + r.Host + it.URL(),
	}
	if e.Audience != "" {
		ld["audience"] = map[string]any{"@type": "Audience", "audienceType": e.Audience}
	}
	offer := map[string]any{"@type": "Offer", "priceCurrency": "EUR"}
	if e.Cost == "" {
		offer["price"] = "0"
	} else {
		offer["description"] = e.Cost
	}
	if e.BookingURL != "" {
		offer["url"] = e.BookingURL
	}
	ld["offers"] = offer
	return ld
}

// ---- Events calendar ----

// eventsData is the events page: one month, as a list by day or a calendar grid.
type eventsData struct {
	Month      time.Time // first day, in Rome
	Prev, Next string    // neighbouring months' URLs
	Grid       bool
	ListURL    string
	GridURL    string
	Days       []eventDay      // days with events (list view)
	Weeks      [][]calendarDay // grid view, Monday first
	Topic      vocab.Topic
	Topics     []vocab.Topic
	ICS        string
	Count      int
}

// eventDay is a day with its events.
type eventDay struct {
	Date   time.Time
	Events []content.Occurrence
}

// calendarDay is a cell of the calendar grid.
type calendarDay struct {
	Date    time.Time
	InMonth bool
	Today   bool
	Events  []content.Occurrence
}

// monthParam reads ?mese=YYYY-MM (the current month for anything else).
func monthParam(r *http.Request, now time.Time) time.Time {
	cur := now.In(rome)
	first := time.Date(cur.Year(), cur.Month(), 1, 0, 0, 0, 0, rome)
	m, err := time.ParseInLocation("2006-01", r.URL.Query().Get("mese"), rome)
	if err != nil || m.Year() < 2000 || m.Year() > 2100 {
		return first
	}
	return m
}

func (s *Server) eventsPage(w http.ResponseWriter, r *http.Request) {
	now := s.Content.Now()
	month := monthParam(r, now)
	q := r.URL.Query()
	d := eventsData{Month: month, Grid: q.Get("vista") == "mese", Topics: vocab.Topics}
	if t, ok := vocab.TopicBySlug(q.Get("argomento")); ok {
		d.Topic = t
	}
	link := func(m time.Time, grid bool) string {
		v := url.Values{}
		v.Set("mese", m.Format("2006-01"))
		if grid {
			v.Set("vista", "mese")
		}
		if d.Topic.Slug != "" {
			v.Set("argomento", d.Topic.Slug)
		}
		return "/vivere-il-comune/eventi?" + v.Encode()
	}
	d.Prev, d.Next = link(month.AddDate(0, -1, 0), d.Grid), link(month.AddDate(0, 1, 0), d.Grid)
	d.ListURL, d.GridURL = link(month, false), link(month, true)
	d.ICS = "/vivere-il-comune/eventi.ics"
	if d.Topic.Slug != "" {
		d.ICS += "?argomento=" + d.Topic.Slug
	}
	end := month.AddDate(0, 1, 0)
	occ, err := s.Content.Occurrences(r.Context(), info(r).Tenant.ID, month, end, d.Topic.Slug)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Count = len(occ)
	// Each occurrence is listed on its first day within the month.
	byDay := map[string][]content.Occurrence{}
	for _, o := range occ {
		day := o.Start.In(rome)
		if day.Before(month) {
			day = month
		}
		key := day.Format("2006-01-02")
		byDay[key] = append(byDay[key], o)
	}
	for day := month; day.Before(end); day = day.AddDate(0, 0, 1) {
		if evs := byDay[day.Format("2006-01-02")]; len(evs) > 0 {
			d.Days = append(d.Days, eventDay{Date: day, Events: evs})
		}
	}
	if d.Grid {
		today := now.In(rome).Format("2006-01-02")
		start := month.AddDate(0, 0, -((int(month.Weekday()) + 6) % 7))
		for day := start; day.Before(end) || day.Weekday() != time.Monday; day = day.AddDate(0, 0, 1) {
			if day.Weekday() == time.Monday {
				d.Weeks = append(d.Weeks, nil)
			}
			key := day.Format("2006-01-02")
			cell := calendarDay{Date: day, InMonth: day.Month() == month.Month(), Today: key == today}
			if cell.InMonth {
				cell.Events = byDay[key]
			}
			d.Weeks[len(d.Weeks)-1] = append(d.Weeks[len(d.Weeks)-1], cell)
		}
	}
	s.render(w, r, page{Template: "site/eventi.html", Title: "site.second.eventi",
		Crumbs: []Crumb{{Label: "site.first.live", URL: "/vivere-il-comune"}, {Label: "site.second.eventi"}}, Data: d})
}

// ---- Places ----

// placesData is the places page.
type placesData struct {
	Places  []content.Item
	Map     content.MapSettings
	GeoJSON string
}

func (s *Server) placesPage(w http.ResponseWriter, r *http.Request) {
	tid := info(r).Tenant.ID
	p, err := s.Content.List(r.Context(), tid, content.Query{Kind: content.KindPlace, Public: true})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	m, err := s.Content.Map(r.Context(), tid)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.allowTiles(w, m.TileURL)
	s.render(w, r, page{Template: "site/luoghi.html", Title: "site.second.luoghi",
		Crumbs: []Crumb{{Label: "site.first.live", URL: "/vivere-il-comune"}, {Label: "site.second.luoghi"}},
		Data:   placesData{Places: p.Items, Map: m, GeoJSON: "/vivere-il-comune/luoghi.geojson"}})
}

// allowTiles lets the places map load tile images from the tenant's tile server.
// The images are requested only after the visitor asks for the map.
func (s *Server) allowTiles(w http.ResponseWriter, tileURL string) {
	u, err := url.Parse(strings.NewReplacer("{s}.", "", "{s}", "").Replace(tileURL))
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return
	}
	host := u.Host
	if strings.Contains(tileURL, "{s}.") {
		host = "*." + host
	}
	csp := strings.Replace(s.csp(""), "img-src 'self' data:", "img-src 'self' data: https://"+host, 1)
	w.Header().Set("Content-Security-Policy", csp)
}

// contentImage serves an uploaded picture. Its URL never changes content, so it
// is cached for long.
func (s *Server) contentImage(w http.ResponseWriter, r *http.Request) {
	im, data, err := s.Content.Image(r.Context(), info(r).Tenant.ID, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", im.ContentType)
	w.Header().Set("Content-Security-Policy", "default-src 'none'; sandbox")
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Header().Set("ETag", `"`+im.SHA256+`"`)
	w.Write(data)
}

// contentAttachment serves a file of a public item as a download.
func (s *Server) contentAttachment(w http.ResponseWriter, r *http.Request) {
	a, data, err := s.Content.PublicAttachment(r.Context(), info(r).Tenant.ID, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", a.ContentType)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": a.Name}))
	w.Header().Set("Content-Security-Policy", "default-src 'none'; sandbox")
	w.Header().Set("Cache-Control", "public, max-age=300") // the item may be withdrawn
	w.Header().Set("ETag", `"`+a.SHA256+`"`)
	w.Write(data)
}

// Attachments lists the files of a content item (none when it cannot be read).
func (v *view) Attachments(it content.Item) []content.Attachment {
	if it.ID == 0 || v.s.Content == nil {
		return nil
	}
	list, err := v.s.Content.Attachments(v.r.Context(), it.TenantID, it.ID)
	if err != nil {
		v.s.log.Error("attachments", "err", err, "request_id", v.ri.ID)
		return nil
	}
	return list
}

// FileSize is a size in bytes for people ("2,4 MB").
func (v *view) FileSize(n int64) string {
	unit, div := "KB", 1024.0
	if n >= 1<<20 {
		unit, div = "MB", 1<<20
	}
	s := strconv.FormatFloat(max(float64(n)/div, 0.1), 'f', 1, 64)
	if v.Lang() != "en" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s + " " + unit
}

// FileType is a sniffed type's short name ("PDF").
func (v *view) FileType(t string) string { return upload.Describe([]string{t}) }

var (
	monthsIT   = [...]string{"gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre", "ottobre", "novembre", "dicembre"}
	weekdaysIT = [...]string{"domenica", "lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato"}
)

// MonthLabel is a month and year in the page's language ("marzo 2026").
func (v *view) MonthLabel(t time.Time) string {
	t = t.In(rome)
	if v.Lang() == "en" {
		return t.Format("January 2006")
	}
	return monthsIT[t.Month()-1] + " " + strconv.Itoa(t.Year())
}

// DayLabel is a weekday and date in the page's language ("sabato 7 marzo").
func (v *view) DayLabel(t time.Time) string {
	t = t.In(rome)
	if v.Lang() == "en" {
		return t.Format("Monday 2 January")
	}
	return weekdaysIT[t.Weekday()] + " " + strconv.Itoa(t.Day()) + " " + monthsIT[t.Month()-1]
}

// WeekdayLabels are the calendar's column headings, Monday first.
func (v *view) WeekdayLabels() []string {
	out := make([]string, 7)
	for i := range out {
		d := time.Weekday((i + 1) % 7)
		if v.Lang() == "en" {
			out[i] = d.String()
		} else {
			out[i] = weekdaysIT[d]
		}
	}
	return out
}

// TelURI is a phone number as a tel: link (digits and a leading +).
// It is a template.URL because html/template lets only http, https and mailto
// through; the number keeps nothing but digits and "+".
func (v *view) TelURI(phone string) template.URL {
	return template.URL("tel:" + strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' || r == '+' {
			return r
		}
		return -1
	}, phone))
}
