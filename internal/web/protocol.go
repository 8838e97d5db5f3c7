package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"piazza/internal/accounts"
	"piazza/internal/apperr"
	"piazza/internal/protocol"
	"piazza/internal/tenants"
)

// The protocol register in the back office: staff search and read it (every read
// is audited by the service, as records name people), admins annotate a record with
// a correction (a new record) and download the daily registers. No route changes
// or removes a record.

// protocolPageSize is how many records a results page shows.
const protocolPageSize = 50

func (s *Server) protocolRoutes() []route {
	readers := []accounts.Role{accounts.RoleOperator, accounts.RoleViewer} // admin holds every role
	admin := []accounts.Role{accounts.RoleAdmin}
	m := tenants.ModuleProtocol
	return []route{
		{pattern: "GET /backoffice/protocollo", handler: s.boProtocol, access: staff, roles: readers, module: m},
		{pattern: "GET /backoffice/protocollo/{year}/{number}", handler: s.boProtocolRecord, access: staff, roles: readers, module: m},
		{pattern: "POST /backoffice/protocollo/{year}/{number}/rettifica", handler: s.boProtocolCorrect, access: staff, roles: admin, module: m},
		{pattern: "GET /backoffice/protocollo/giornaliero", handler: s.boProtocolDailies, access: staff, roles: readers, module: m},
		{pattern: "GET /backoffice/protocollo/giornaliero/{day}/{kind}", handler: s.boProtocolDailyFile, access: staff, roles: readers, module: m},
		{pattern: "GET /backoffice/protocollo/giornaliero/oggi/{kind}", handler: s.boProtocolToday, access: staff, roles: admin, module: m},
	}
}

// protocolQuery is the search form as typed (query string).
type protocolQuery struct {
	Year, Number, From, To, Direction, Text string
	Page                                    int
}

// parseProtocolQuery reads the search form. Dates are days in Europe/Rome, both
// inclusive.
func parseProtocolQuery(v url.Values) (protocolQuery, protocol.Query, error) {
	pq := protocolQuery{Year: strings.TrimSpace(v.Get("anno")), Number: strings.TrimSpace(v.Get("numero")),
		From: strings.TrimSpace(v.Get("dal")), To: strings.TrimSpace(v.Get("al")),
		Direction: v.Get("verso"), Text: strings.TrimSpace(v.Get("testo")), Page: 1}
	var q protocol.Query
	var val apperr.Validation
	if pq.Year != "" {
		y, err := strconv.Atoi(pq.Year)
		if err != nil || y < 1900 || y > 9999 {
			val.Add("anno", "proto.err.year")
		}
		q.Year = y
	}
	if pq.Number != "" {
		n, err := strconv.ParseInt(strings.TrimLeft(pq.Number, "0"), 10, 64)
		if err != nil || n <= 0 {
			val.Add("numero", "proto.err.number")
		}
		q.Number = n
	}
	day := func(field, s string) time.Time {
		if s == "" {
			return time.Time{}
		}
		t, err := time.ParseInLocation("2006-01-02", s, rome)
		if err != nil {
			t, err = time.ParseInLocation("02/01/2006", s, rome)
		}
		if err != nil || t.Year() < 1900 || t.Year() > 9999 {
			val.Add(field, "proto.err.date")
			return time.Time{}
		}
		return t
	}
	q.From = day("dal", pq.From)
	if to := day("al", pq.To); !to.IsZero() {
		q.To = to.AddDate(0, 0, 1)
	}
	if !q.From.IsZero() && !q.To.IsZero() && !q.From.Before(q.To) {
		val.Add("al", "proto.err.date_order")
	}
	switch pq.Direction {
	case "", "in", "out":
		q.Direction = protocol.Direction(pq.Direction)
	default:
		val.Add("verso", "proto.err.direction")
	}
	if len([]rune(pq.Text)) > 200 {
		val.Add("testo", "proto.err.text")
	}
	q.Text = pq.Text
	if p := v.Get("pagina"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 100000 {
			val.Add("pagina", "proto.err.page")
		} else {
			pq.Page = n
		}
	}
	q.Offset, q.Limit = (pq.Page-1)*protocolPageSize, protocolPageSize+1
	return pq, q, val.Err()
}

// values returns the form as a query string, without the page.
func (pq protocolQuery) values() url.Values {
	v := url.Values{}
	for k, x := range map[string]string{"anno": pq.Year, "numero": pq.Number, "dal": pq.From, "al": pq.To, "verso": pq.Direction, "testo": pq.Text} {
		if x != "" {
			v.Set(k, x)
		}
	}
	return v
}

// protocolSearch is the register's search page.
type protocolSearch struct {
	Query      protocolQuery
	Records    []protocol.Record
	Prev, Next string // URLs of the neighbouring pages, if any
	Invalid    bool
}

func (s *Server) boProtocol(w http.ResponseWriter, r *http.Request) {
	pq, q, err := parseProtocolQuery(r.URL.Query())
	d := protocolSearch{Query: pq}
	if err != nil {
		d.Invalid = true
		s.render(w, r, page{Template: "backoffice/protocollo.html", Title: "proto.title", Data: d, Err: err})
		return
	}
	recs, err := s.Protocol.Search(r.Context(), info(r).Tenant.ID, q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if len(recs) > protocolPageSize {
		recs = recs[:protocolPageSize]
		next := pq.values()
		next.Set("pagina", strconv.Itoa(pq.Page+1))
		d.Next = withQuery("/backoffice/protocollo", next)
	}
	if pq.Page > 1 {
		prev := pq.values()
		if pq.Page > 2 {
			prev.Set("pagina", strconv.Itoa(pq.Page-1))
		}
		d.Prev = withQuery("/backoffice/protocollo", prev)
	}
	d.Records = recs
	s.render(w, r, page{Template: "backoffice/protocollo.html", Title: "proto.title", Data: d})
}

// protocolPath is the URL of a record's page.
func protocolPath(year int, number int64) string {
	return fmt.Sprintf("/backoffice/protocollo/%d/%d", year, number)
}

// recordKey parses {year} and {number}; anything else is a page that does not exist.
func recordKey(r *http.Request) (int, int64, bool) {
	y, err1 := strconv.Atoi(r.PathValue("year"))
	n, err2 := strconv.ParseInt(r.PathValue("number"), 10, 64)
	return y, n, err1 == nil && err2 == nil && y > 0 && n > 0
}

// protocolRecordPage is a record's page.
type protocolRecordPage struct {
	protocol.View
	Form protocol.Correction // the correction form (admins)
}

func (s *Server) boProtocolRecord(w http.ResponseWriter, r *http.Request) {
	year, number, ok := recordKey(r)
	if !ok {
		s.fail(w, r, errNotFound)
		return
	}
	v, err := s.Protocol.View(r.Context(), info(r).Tenant.ID, year, number)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := protocolRecordPage{View: v, Form: protocol.Correction{Correspondent: v.Correspondent, Subject: v.Subject}}
	s.render(w, r, page{Template: "backoffice/protocollo-registrazione.html", Title: v.Signature(), Data: d,
		Crumbs: []Crumb{{Label: "proto.title", URL: "/backoffice/protocollo"}, {Label: v.Signature()}}})
}

func (s *Server) boProtocolCorrect(w http.ResponseWriter, r *http.Request) {
	year, number, ok := recordKey(r)
	if !ok {
		s.fail(w, r, errNotFound)
		return
	}
	ctx, tid := r.Context(), info(r).Tenant.ID
	c := protocol.Correction{Correspondent: r.PostFormValue("correspondent"), Subject: r.PostFormValue("subject"), Note: r.PostFormValue("note")}
	rec, err := s.Protocol.Correct(ctx, tid, year, number, c)
	if err != nil {
		if e := apperr.As(err); e == nil || e.Kind != apperr.Invalid {
			s.fail(w, r, err)
			return
		}
		v, verr := s.Protocol.View(ctx, tid, year, number)
		if verr != nil {
			s.fail(w, r, verr)
			return
		}
		s.render(w, r, page{Template: "backoffice/protocollo-registrazione.html", Title: v.Signature(),
			Data: protocolRecordPage{View: v, Form: c}, Err: err,
			Crumbs: []Crumb{{Label: "proto.title", URL: "/backoffice/protocollo"}, {Label: v.Signature()}}})
		return
	}
	s.flash(w, r, "proto.flash.corrected")
	seeOther(w, r, protocolPath(rec.Year, rec.Number))
}

// protocolDailies is the list of daily registers.
type protocolDailies struct {
	Dailies    []protocol.Daily
	Prev, Next string
}

func (s *Server) boProtocolDailies(w http.ResponseWriter, r *http.Request) {
	p := 1
	if v := r.URL.Query().Get("pagina"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100000 {
			s.fail(w, r, errNotFound)
			return
		}
		p = n
	}
	list, err := s.Protocol.Dailies(r.Context(), info(r).Tenant.ID, (p-1)*protocolPageSize, protocolPageSize+1)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var d protocolDailies
	if len(list) > protocolPageSize {
		list = list[:protocolPageSize]
		d.Next = "/backoffice/protocollo/giornaliero?pagina=" + strconv.Itoa(p+1)
	}
	if p > 1 {
		d.Prev = "/backoffice/protocollo/giornaliero"
		if p > 2 {
			d.Prev += "?pagina=" + strconv.Itoa(p-1)
		}
	}
	d.Dailies = list
	s.render(w, r, page{Template: "backoffice/protocollo-giornaliero.html", Title: "proto.daily.title", Data: d,
		Crumbs: []Crumb{{Label: "proto.title", URL: "/backoffice/protocollo"}, {Label: "proto.daily.title"}}})
}

// sendRegisterFile writes a daily register's file as a download.
func sendRegisterFile(w http.ResponseWriter, name, kind string, data []byte) {
	ctype := "application/pdf"
	if kind == "csv" {
		ctype = "text/csv; charset=utf-8"
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+"."+kind+`"`)
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.Write(data)
}

func (s *Server) boProtocolDailyFile(w http.ResponseWriter, r *http.Request) {
	day, kind := r.PathValue("day"), r.PathValue("kind")
	if _, _, err := protocol.DayBounds(day); err != nil || (kind != "pdf" && kind != "csv") {
		s.fail(w, r, errNotFound)
		return
	}
	data, err := s.Protocol.DailyFile(r.Context(), info(r).Tenant.ID, day, kind)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sendRegisterFile(w, "registro-protocollo-"+info(r).Tenant.Slug+"-"+day, kind, data)
}

func (s *Server) boProtocolToday(w http.ResponseWriter, r *http.Request) {
	kind := r.PathValue("kind")
	if kind != "pdf" && kind != "csv" {
		s.fail(w, r, errNotFound)
		return
	}
	t := info(r).Tenant
	data, err := s.Protocol.Provisional(r.Context(), *t, kind)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sendRegisterFile(w, "registro-protocollo-"+t.Slug+"-"+protocol.DayOf(s.clock())+"-provvisorio", kind, data)
}
