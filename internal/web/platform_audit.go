package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"piazza/internal/apperr"
	"piazza/internal/audit"
	"piazza/internal/check"
	"piazza/internal/tenants"
)

// platformAuditPageSize is how many entries one page of the log shows.
const platformAuditPageSize = 50

// platformAuditFilter is the filter form of the platform audit log, as typed.
type platformAuditFilter struct {
	From, To string // dates, YYYY-MM-DD, Europe/Rome, both inclusive
	Actor    string
	Action   string
	Tenant   string // tenant id: entries about that tenant
}

// parsePlatformAuditFilter reads the filter from the query string.
func parsePlatformAuditFilter(q url.Values) (platformAuditFilter, audit.Filter, error) {
	ff := platformAuditFilter{From: strings.TrimSpace(q.Get("dal")), To: strings.TrimSpace(q.Get("al")),
		Actor: check.Clean(q.Get("attore")), Action: strings.TrimSpace(q.Get("azione")), Tenant: strings.TrimSpace(q.Get("ente"))}
	var f audit.Filter
	var v apperr.Validation
	day := func(field, s string) time.Time {
		if s == "" {
			return time.Time{}
		}
		d, err := time.ParseInLocation("2006-01-02", s, rome)
		if err != nil {
			v.Add(field, "platform.audit.bad_date")
		}
		return d
	}
	f.From = day("dal", ff.From)
	if to := day("al", ff.To); !to.IsZero() {
		f.To = to.AddDate(0, 0, 1) // the whole last day
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.To.After(f.From) {
		v.Add("al", "platform.audit.bad_range")
	}
	if !check.Line(ff.Actor, 200) {
		v.Add("attore", "platform.audit.bad_text")
	}
	if !check.Line(ff.Action, 100) {
		v.Add("azione", "platform.audit.bad_text")
	}
	f.Actor, f.Action = ff.Actor, ff.Action
	if ff.Tenant != "" {
		if id, err := strconv.ParseInt(ff.Tenant, 10, 64); err != nil || id <= 0 {
			v.Add("ente", "platform.audit.bad_tenant")
		} else {
			f.ObjectType, f.ObjectID = "tenant", strconv.FormatInt(id, 10)
		}
	}
	return ff, f, v.Err()
}

// query is the filter as a query string (without the page cursor), for links.
func (ff platformAuditFilter) query() string {
	q := url.Values{}
	for k, v := range map[string]string{"dal": ff.From, "al": ff.To, "attore": ff.Actor, "azione": ff.Action, "ente": ff.Tenant} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return q.Encode()
}

func platformWithQuery(path, q string) string {
	if q == "" {
		return path
	}
	return path + "?" + q
}

type platformAuditPage struct {
	Filter    platformAuditFilter
	Entries   []audit.Entry
	Older     int64 // cursor of the next (older) page; 0 when there is none
	Paged     bool  // this is not the first page
	CSVURL    string
	NewestURL string // the first page with the same filter
	OlderURL  string
	Tenants   []tenants.Tenant
	Names     map[string]string // tenant id → name, for entries about a tenant
}

// platformAudit shows the platform audit log (tenant id 0), newest first, with
// filters and paging by id.
func (s *Server) platformAudit(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	ff, f, ferr := parsePlatformAuditFilter(r.URL.Query())
	all, err := s.Tenants.List(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := platformAuditPage{Filter: ff, Tenants: all, Names: map[string]string{},
		CSVURL: platformWithQuery("/registro-attivita.csv", ff.query()), NewestURL: platformWithQuery("/registro-attivita", ff.query())}
	for _, t := range all {
		p.Names[strconv.FormatInt(t.ID, 10)] = t.Name
	}
	if ferr == nil {
		if before, err := strconv.ParseInt(r.URL.Query().Get("prima"), 10, 64); err == nil && before > 0 {
			f.BeforeID, p.Paged = before, true
		}
		f.Limit = platformAuditPageSize + 1
		entries, err := s.Audit.AuditEntries(ctx, audit.PlatformTenant, f)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if len(entries) > platformAuditPageSize {
			entries = entries[:platformAuditPageSize]
			p.Older = entries[len(entries)-1].ID
			q := ff.query()
			if q != "" {
				q += "&"
			}
			p.OlderURL = "/registro-attivita?" + q + "prima=" + strconv.FormatInt(p.Older, 10)
		}
		p.Entries = entries
	}
	s.render(w, r, page{Template: "platform/registro.html", Title: "platform.audit.title",
		Crumbs: []Crumb{{Label: "platform.audit.title"}}, Data: p, Err: ferr})
}

// platformAuditCSV exports the filtered platform audit log. The export itself is
// recorded in the log: it holds the addresses of the people who did things.
func (s *Server) platformAuditCSV(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	ff, f, err := parsePlatformAuditFilter(r.URL.Query())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	entries, err := s.Audit.AuditEntries(ctx, audit.PlatformTenant, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.Audit.AppendAudit(ctx, audit.New(ctx, audit.PlatformTenant, "audit.export", "audit", "", ff.query())); err != nil {
		s.fail(w, r, err)
		return
	}
	loc := info(r).localizer
	header := make([]string, len(platformAuditColumns))
	for i, k := range platformAuditColumns {
		header[i] = translate(loc, k, nil, nil)
	}
	name := "registro-attivita-piattaforma-" + s.clock().In(rome).Format("20060102-1504") + ".csv"
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	if err := writePlatformAuditCSV(w, header, entries); err != nil {
		s.log.ErrorContext(ctx, "write audit csv", "err", err, "request_id", info(r).ID)
	}
}
