package web

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"piazza/internal/apperr"
	"piazza/internal/reports"
	"piazza/internal/tenants"
)

// Open311 GeoReport v2, read side, at /open311/v2/ on each tenant's hosts:
// discovery, the service list (one service per report category), service
// definitions, the list of requests with its filters and one request, in XML or JSON
// by suffix. jurisdiction_id, accepted on every method, must be the tenant's site
// host when given. Answers carry no personal data (they are built from
// reports.Report.Public). Errors follow the spec: 404 for what does not exist, 400
// for anything else, as a list of {code, description}.

const (
	o311Base = "/open311/v2"
	o311Spec = "http://wiki.open311.org/GeoReport_v2"
	// o311Span and o311Max are the spec's defaults for GET requests: the last 90
	// days, at most 1,000 requests.
	o311Span = 90 * 24 * time.Hour
	o311Max  = 1000
)

func (s *Server) open311Routes() []route {
	if s.Reports == nil {
		return nil
	}
	m := tenants.ModuleReports
	return []route{
		{pattern: "GET " + o311Base + "/{doc}", handler: s.o311Top, module: m},
		{pattern: "GET " + o311Base + "/services/{code}", handler: s.o311ServiceDef, module: m},
		{pattern: "GET " + o311Base + "/requests/{id}", handler: s.o311Request, module: m},
	}
}

// o311Format splits "services.json" into "services" and "json"; the format must be
// xml or json.
func o311Format(name string) (base, format string, ok bool) {
	i := strings.LastIndexByte(name, '.')
	if i <= 0 {
		return "", "", false
	}
	base, format = name[:i], name[i+1:]
	return base, format, format == "xml" || format == "json"
}

// o311Error is one error of the spec's error list.
type o311Error struct {
	XMLName     xml.Name `json:"-" xml:"error"`
	Code        int      `json:"code" xml:"code"`
	Description string   `json:"description" xml:"description"`
}

func (s *Server) o311Fail(w http.ResponseWriter, format string, status int, description string) {
	errs := []o311Error{{Code: status, Description: description}}
	if format == "json" {
		s.o311Write(w, format, status, errs)
		return
	}
	s.o311Write(w, format, status, struct {
		XMLName xml.Name    `xml:"errors"`
		Errors  []o311Error `xml:"error"`
	}{Errors: errs})
}

func (s *Server) o311Write(w http.ResponseWriter, format string, status int, v any) {
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Header().Set("Cache-Control", "public, max-age=60")
	if format == "json" {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(v)
		return
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(status)
	w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?>` + "\n"))
	xml.NewEncoder(w).Encode(v)
}

// o311Jurisdiction checks jurisdiction_id against the tenant's site host.
func (s *Server) o311Jurisdiction(w http.ResponseWriter, r *http.Request, format string) bool {
	j := strings.ToLower(strings.TrimSpace(r.URL.Query().Get("jurisdiction_id")))
	if j == "" || j == strings.ToLower(info(r).Tenant.SiteHost()) {
		return true
	}
	s.o311Fail(w, format, http.StatusNotFound, "jurisdiction_id not found")
	return false
}

func (s *Server) o311Top(w http.ResponseWriter, r *http.Request) {
	doc, format, ok := o311Format(r.PathValue("doc"))
	if !ok || (doc != "discovery" && doc != "services" && doc != "requests") {
		s.o311Fail(w, "xml", http.StatusNotFound, "not found: use discovery, services or requests with .xml or .json")
		return
	}
	if !s.o311Jurisdiction(w, r, format) {
		return
	}
	switch doc {
	case "discovery":
		s.o311Discovery(w, r, format)
	case "services":
		s.o311Services(w, r, format)
	default:
		s.o311Requests(w, r, format)
	}
}

type o311Endpoint struct {
	Specification string   `json:"specification" xml:"specification"`
	URL           string   `json:"url" xml:"url"`
	Changeset     string   `json:"changeset" xml:"changeset"`
	Type          string   `json:"type" xml:"type"`
	Formats       []string `json:"formats" xml:"formats>format"`
}

type o311Discovery struct {
	XMLName    xml.Name       `json:"-" xml:"discovery"`
	Changeset  string         `json:"changeset" xml:"changeset"`
	Contact    string         `json:"contact" xml:"contact"`
	KeyService string         `json:"key_service" xml:"key_service"`
	Endpoints  []o311Endpoint `json:"endpoints" xml:"endpoints>endpoint"`
}

// o311Changeset is the date of the API's last change, for discovery.
const o311Changeset = "2026-11-23T00:00:00Z"

func (s *Server) o311Discovery(w http.ResponseWriter, r *http.Request, format string) {
	t := info(r).Tenant
	contact := t.Contacts.Email
	if contact == "" {
		contact = t.Contacts.PEC
	}
	s.o311Write(w, format, http.StatusOK, o311Discovery{Changeset: o311Changeset,
		Contact:    t.Name + " <" + contact + ">",
		KeyService: "Write to " + contact + " to ask for an API key.",
		Endpoints: []o311Endpoint{{Specification: o311Spec, URL: s.siteURL(info(r)) + o311Base, Changeset: o311Changeset,
			Type: "production", Formats: []string{"text/xml", "application/json"}}}})
}

type o311ServiceItem struct {
	XMLName     xml.Name `json:"-" xml:"service"`
	ServiceCode string   `json:"service_code" xml:"service_code"`
	ServiceName string   `json:"service_name" xml:"service_name"`
	Description string   `json:"description" xml:"description"`
	Metadata    bool     `json:"metadata" xml:"metadata"`
	Type        string   `json:"type" xml:"type"`
	Keywords    string   `json:"keywords" xml:"keywords"`
	Group       string   `json:"group" xml:"group"`
}

func o311Service(c reports.Category, lang string) o311ServiceItem {
	return o311ServiceItem{ServiceCode: c.Code, ServiceName: c.Label(lang), Description: c.Description, Metadata: false,
		Type: "realtime", Keywords: "", Group: c.Group}
}

func (s *Server) o311Services(w http.ResponseWriter, r *http.Request, format string) {
	cats, err := s.Reports.Categories(r.Context(), info(r).Tenant.ID, true)
	if err != nil {
		s.o311Fail(w, format, http.StatusBadRequest, "service list unavailable")
		return
	}
	list := make([]o311ServiceItem, 0, len(cats))
	for _, c := range cats {
		list = append(list, o311Service(c, o311Lang(r)))
	}
	if format == "json" {
		s.o311Write(w, format, http.StatusOK, list)
		return
	}
	s.o311Write(w, format, http.StatusOK, struct {
		XMLName  xml.Name          `xml:"services"`
		Services []o311ServiceItem `xml:"service"`
	}{Services: list})
}

// o311Lang is the language of names: Italian unless ?locale=en… is asked.
func o311Lang(r *http.Request) string {
	if strings.HasPrefix(strings.ToLower(r.URL.Query().Get("locale")), "en") {
		return "en"
	}
	return "it"
}

type o311Definition struct {
	XMLName     xml.Name   `json:"-" xml:"service_definition"`
	ServiceCode string     `json:"service_code" xml:"service_code"`
	Attributes  []struct{} `json:"attributes" xml:"attributes"`
}

func (s *Server) o311ServiceDef(w http.ResponseWriter, r *http.Request) {
	code, format, ok := o311Format(r.PathValue("code"))
	if !ok {
		s.o311Fail(w, "xml", http.StatusNotFound, "not found: add .xml or .json")
		return
	}
	if !s.o311Jurisdiction(w, r, format) {
		return
	}
	c, err := s.Reports.CategoryByCode(r.Context(), info(r).Tenant.ID, code)
	if err != nil || !c.Active {
		s.o311Fail(w, format, http.StatusNotFound, "service_code not found")
		return
	}
	s.o311Write(w, format, http.StatusOK, o311Definition{ServiceCode: c.Code, Attributes: []struct{}{}})
}

// o311Item is one service request.
type o311Item struct {
	XMLName           xml.Name `json:"-" xml:"request"`
	ServiceRequestID  string   `json:"service_request_id" xml:"service_request_id"`
	Status            string   `json:"status" xml:"status"`
	StatusNotes       string   `json:"status_notes,omitempty" xml:"status_notes,omitempty"`
	ServiceName       string   `json:"service_name" xml:"service_name"`
	ServiceCode       string   `json:"service_code" xml:"service_code"`
	Description       string   `json:"description" xml:"description"`
	AgencyResponsible string   `json:"agency_responsible" xml:"agency_responsible"`
	ServiceNotice     string   `json:"service_notice" xml:"service_notice"`
	RequestedDatetime string   `json:"requested_datetime" xml:"requested_datetime"`
	UpdatedDatetime   string   `json:"updated_datetime" xml:"updated_datetime"`
	ExpectedDatetime  string   `json:"expected_datetime,omitempty" xml:"expected_datetime,omitempty"`
	Address           string   `json:"address" xml:"address"`
	AddressID         string   `json:"address_id" xml:"address_id"`
	Zipcode           string   `json:"zipcode" xml:"zipcode"`
	Lat               *float64 `json:"lat,omitempty" xml:"lat,omitempty"`
	Long              *float64 `json:"long,omitempty" xml:"long,omitempty"`
	MediaURL          string   `json:"media_url" xml:"media_url"`
}

func (s *Server) o311Item(r *http.Request, rep reports.Report, lang string) o311Item {
	it := o311Item{ServiceRequestID: rep.Code, Status: "open", ServiceName: rep.CategoryLabel(lang), ServiceCode: rep.CategoryCode,
		Description: rep.Subject + "\n\n" + rep.Description, AgencyResponsible: rep.OfficeName,
		RequestedDatetime: rep.CreatedAt.UTC().Format(time.RFC3339), UpdatedDatetime: rep.UpdatedAt.UTC().Format(time.RFC3339),
		Address: rep.Address}
	if !rep.Status.Open() {
		it.Status = "closed"
	}
	it.StatusNotes = rep.Status.Note(rep.CloseReason)
	if !rep.Point.IsZero() {
		lat, lon := rep.Point.Lat, rep.Point.Lon
		it.Lat, it.Long = &lat, &lon
	}
	if len(rep.Photos) > 0 {
		it.MediaURL = s.siteURL(info(r)) + rpBase + "/foto/" + rep.Photos[0].FileID
	}
	return it
}

func (s *Server) o311WriteRequests(w http.ResponseWriter, format string, items []o311Item) {
	if format == "json" {
		s.o311Write(w, format, http.StatusOK, items)
		return
	}
	s.o311Write(w, format, http.StatusOK, struct {
		XMLName  xml.Name   `xml:"service_requests"`
		Requests []o311Item `xml:"request"`
	}{Requests: items})
}

// o311Query reads the parameters of GET requests into a filter. Category codes are
// resolved by the caller (codes holds them). Errors are the spec's 400 messages.
func o311Query(q url.Values, now time.Time) (f reports.Filter, codes []string, msg string) {
	list := func(name string) []string {
		var out []string
		for _, p := range strings.Split(q.Get(name), ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
		return out
	}
	if ids := list("service_request_id"); len(ids) > 0 {
		// service_request_id overrides every other parameter.
		if len(ids) > o311Max {
			return f, nil, "too many service_request_id values"
		}
		for _, id := range ids {
			c := reports.NormalizeCode(id)
			if c == "" {
				return f, nil, "invalid service_request_id: " + strconv.Quote(clipText(id, 40))
			}
			f.Codes = append(f.Codes, c)
		}
		f.Limit = o311Max
		return f, nil, ""
	}
	codes = list("service_code")
	if len(codes) > 100 {
		return f, nil, "too many service_code values"
	}
	parse := func(name string) (time.Time, string) {
		v := strings.TrimSpace(q.Get(name))
		if v == "" {
			return time.Time{}, ""
		}
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return time.Time{}, name + " must be a W3C datetime with a time zone, e.g. 2026-01-01T00:00:00Z"
		}
		return t.UTC(), ""
	}
	start, m := parse("start_date")
	if m != "" {
		return f, nil, m
	}
	end, m := parse("end_date")
	if m != "" {
		return f, nil, m
	}
	switch {
	case start.IsZero() && end.IsZero():
		end, start = now, now.Add(-o311Span)
	case start.IsZero():
		start = end.Add(-o311Span)
	case end.IsZero():
		end = start.Add(o311Span)
	}
	if end.Before(start) {
		return f, nil, "end_date is before start_date"
	}
	if end.Sub(start) > o311Span {
		return f, nil, "the span from start_date to end_date is at most 90 days"
	}
	f.From, f.To = start, end.Add(time.Second)
	for _, st := range list("status") {
		switch strings.ToLower(st) {
		case "open":
			f.Statuses = append(f.Statuses, reports.Submitted, reports.Acknowledged, reports.InProgress)
		case "closed":
			f.Statuses = append(f.Statuses, reports.Fixed, reports.Closed)
		default:
			return f, nil, "status must be open, closed or both"
		}
	}
	if len(f.Statuses) == 5 {
		f.Statuses = nil
	}
	size := o311Max
	if v := q.Get("page_size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > o311Max {
			return f, nil, "page_size must be between 1 and 1000"
		}
		size = n
	}
	page := 1
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1_000_000 {
			return f, nil, "page must be a positive number"
		}
		page = n
	}
	f.Limit, f.Offset = size, (page-1)*size
	return f, codes, ""
}

func clipText(s string, n int) string {
	if len([]rune(s)) > n {
		return string([]rune(s)[:n])
	}
	return s
}

func (s *Server) o311Requests(w http.ResponseWriter, r *http.Request, format string) {
	tid := info(r).Tenant.ID
	f, codes, msg := o311Query(r.URL.Query(), s.clock().UTC())
	if msg != "" {
		s.o311Fail(w, format, http.StatusBadRequest, msg)
		return
	}
	for _, code := range codes {
		c, err := s.Reports.CategoryByCode(r.Context(), tid, code)
		if err != nil {
			s.o311Fail(w, format, http.StatusBadRequest, "unknown service_code: "+strconv.Quote(clipText(code, 60)))
			return
		}
		f.CategoryIDs = append(f.CategoryIDs, c.ID)
	}
	list, _, err := s.Reports.List(r.Context(), tid, f)
	if err != nil {
		s.o311Fail(w, format, http.StatusBadRequest, "request list unavailable")
		return
	}
	lang := o311Lang(r)
	items := make([]o311Item, 0, len(list))
	for _, rep := range list {
		items = append(items, s.o311Item(r, rep, lang))
	}
	s.o311WriteRequests(w, format, items)
}

func (s *Server) o311Request(w http.ResponseWriter, r *http.Request) {
	id, format, ok := o311Format(r.PathValue("id"))
	if !ok {
		s.o311Fail(w, "xml", http.StatusNotFound, "not found: add .xml or .json")
		return
	}
	if !s.o311Jurisdiction(w, r, format) {
		return
	}
	rep, err := s.Reports.Public(r.Context(), info(r).Tenant.ID, id)
	if apperr.Is(err, apperr.NotFound) {
		s.o311Fail(w, format, http.StatusNotFound, "service_request_id not found")
		return
	}
	if err != nil {
		s.o311Fail(w, format, http.StatusBadRequest, "request unavailable")
		return
	}
	s.o311WriteRequests(w, format, []o311Item{s.o311Item(r, rep, o311Lang(r))})
}
