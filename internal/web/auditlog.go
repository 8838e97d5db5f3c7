package web

import (
	"encoding/csv"
	"fmt"
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

// The audit log is browsed and exported the same way by a tenant's admins (their
// tenant's entries) and by the platform operator (platform entries, tenant id 0).
// Reading it is itself recorded: the log holds who did what, from which address.

// auditPageSize is how many entries the audit log shows per page.
const auditPageSize = 50

// auditQuery is the filter as typed in the form (query string).
type auditQuery struct {
	From, To, Actor, Action, ObjectType, ObjectID string
	Tenant                                        string // platform log: entries about this tenant id
	Before                                        int64
}

// parseAuditQuery reads the filter from the query string. Dates are days in
// Europe/Rome, both inclusive.
func parseAuditQuery(q url.Values) (auditQuery, audit.Filter, error) {
	aq := auditQuery{From: strings.TrimSpace(q.Get("from")), To: strings.TrimSpace(q.Get("to")),
		Actor: strings.TrimSpace(q.Get("actor")), Action: strings.TrimSpace(q.Get("action")),
		ObjectType: strings.TrimSpace(q.Get("object_type")), ObjectID: strings.TrimSpace(q.Get("object_id")),
		Tenant: strings.TrimSpace(q.Get("tenant"))}
	var f audit.Filter
	var v apperr.Validation
	day := func(field, s string) time.Time {
		if s == "" {
			return time.Time{}
		}
		t, err := time.ParseInLocation("2006-01-02", s, rome)
		if err != nil || t.Year() < 2000 || t.Year() > 9999 {
			v.Add(field, "bo.audit.date.invalid")
			return time.Time{}
		}
		return t
	}
	f.From = day("from", aq.From)
	if to := day("to", aq.To); !to.IsZero() {
		f.To = to.AddDate(0, 0, 1) // the whole "to" day
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		v.Add("to", "bo.audit.date.order")
	}
	for _, x := range []struct{ field, value string }{{"actor", aq.Actor}, {"action", aq.Action}, {"object_type", aq.ObjectType}, {"object_id", aq.ObjectID}} {
		if !check.Line(x.value, 200) {
			v.Add(x.field, "bo.audit.filter.invalid")
		}
	}
	f.Actor, f.Action, f.ObjectType, f.ObjectID = aq.Actor, aq.Action, aq.ObjectType, aq.ObjectID
	if aq.Tenant != "" {
		if id, err := strconv.ParseInt(aq.Tenant, 10, 64); err != nil || id <= 0 {
			v.Add("tenant", "bo.audit.filter.invalid")
		} else {
			f.ObjectType, f.ObjectID = "tenant", strconv.FormatInt(id, 10)
		}
	}
	if b := q.Get("before"); b != "" {
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n <= 0 {
			v.Add("before", "bo.audit.filter.invalid")
		}
		aq.Before, f.BeforeID = n, n
	}
	return aq, f, v.Err()
}

// values returns the filter as a query string, without the paging position.
func (aq auditQuery) values() url.Values {
	q := url.Values{}
	for k, v := range map[string]string{"from": aq.From, "to": aq.To, "actor": aq.Actor, "action": aq.Action,
		"object_type": aq.ObjectType, "object_id": aq.ObjectID, "tenant": aq.Tenant} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return q
}

// describe summarises the filter for the audit entry of a read of the log.
func (aq auditQuery) describe() string {
	d := aq.values().Encode()
	if aq.Before > 0 {
		d += " before=" + strconv.FormatInt(aq.Before, 10)
	}
	return strings.TrimSpace(d)
}

func withQuery(path string, q url.Values) string {
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

// auditRow is an entry with its time in Europe/Rome.
type auditRow struct {
	audit.Entry
	When string
}

// auditPage is the data of both audit log pages.
type auditPage struct {
	Query   auditQuery
	Rows    []auditRow
	Older   string // URL of the next (older) page, if any
	CSV     string // URL of the export with the same filter
	Newest  string // URL of the first page, when not on it
	Invalid bool
	// Platform log only: the tenants to filter by, and their names by id.
	Tenants []tenants.Tenant
	Names   map[string]string
}

// auditLogView says which log a page shows and how.
type auditLogView struct {
	tenantID int64
	path     string // the page's path; the export is path + ".csv"
	template string
	title    string
	crumbs   []Crumb
	prepare  func(*auditPage) error // adds page data (may be nil)
}

func romeTime(t time.Time) string { return t.In(rome).Format("2006-01-02 15:04:05") }

// auditLog renders one page of a log, newest first, paged by entry id.
func (s *Server) auditLog(w http.ResponseWriter, r *http.Request, v auditLogView) {
	ctx := r.Context()
	aq, f, ferr := parseAuditQuery(r.URL.Query())
	base := aq.values()
	d := auditPage{Query: aq, CSV: withQuery(v.path+".csv", base)}
	if v.prepare != nil {
		if err := v.prepare(&d); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if ferr != nil {
		d.Invalid = true
		s.render(w, r, page{Template: v.template, Title: v.title, Crumbs: v.crumbs, Data: d, Err: ferr})
		return
	}
	f.Limit = auditPageSize + 1
	entries, err := s.Audit.AuditEntries(ctx, v.tenantID, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// The log holds personal data: reading it is recorded before anything is shown.
	if err := s.Audit.AppendAudit(ctx, audit.New(ctx, v.tenantID, "audit.view", "audit_log", "", aq.describe())); err != nil {
		s.fail(w, r, err)
		return
	}
	if len(entries) > auditPageSize {
		entries = entries[:auditPageSize]
		next := aq.values()
		next.Set("before", strconv.FormatInt(entries[len(entries)-1].ID, 10))
		d.Older = withQuery(v.path, next)
	}
	if aq.Before > 0 {
		d.Newest = withQuery(v.path, base)
	}
	for _, e := range entries {
		d.Rows = append(d.Rows, auditRow{Entry: e, When: romeTime(e.At)})
	}
	s.render(w, r, page{Template: v.template, Title: v.title, Crumbs: v.crumbs, Data: d})
}

// auditExport writes the filtered log (every matching entry, ignoring paging) as CSV
// for spreadsheets: UTF-8 with a byte order mark, so Excel reads the accents right,
// and ";" as separator, because Excel with Italian regional settings expects it (","
// is the decimal separator in Italy). Records end with CRLF (RFC 4180); fields with
// ";", quotes or line breaks are quoted. A cell that starts with =, +, - or @ gets a
// leading apostrophe, so a spreadsheet shows it as text instead of running it as a
// formula (names and details can come from outside).
func (s *Server) auditExport(w http.ResponseWriter, r *http.Request, tenantID int64, name string) {
	ri := info(r)
	ctx := r.Context()
	aq, f, err := parseAuditQuery(r.URL.Query())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f.BeforeID, aq.Before = 0, 0
	entries, err := s.Audit.AuditEntries(ctx, tenantID, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	detail := strings.TrimSpace(aq.describe() + fmt.Sprintf(" (%d)", len(entries)))
	if err := s.Audit.AppendAudit(ctx, audit.New(ctx, tenantID, "audit.export", "audit_log", "", detail)); err != nil {
		s.fail(w, r, err)
		return
	}
	name = fmt.Sprintf("registro-attivita-%s-%s.csv", name, s.clock().In(rome).Format("20060102-150405"))
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Write([]byte("\ufeff"))
	cw := csv.NewWriter(w)
	cw.Comma = ';'
	cw.UseCRLF = true
	header := make([]string, len(auditCSVColumns))
	for i, k := range auditCSVColumns {
		header[i] = translate(ri.localizer, k, nil, nil)
	}
	cw.Write(header)
	for _, e := range entries {
		cw.Write([]string{romeTime(e.At), string(e.Actor.Kind), cell(e.Actor.Label), e.Action, cell(e.ObjectType), cell(e.ObjectID),
			cell(e.Detail), e.Actor.IP, cell(e.Actor.UserAgent), e.Actor.RequestID})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		s.log.ErrorContext(ctx, "write audit export", "err", err, "request_id", ri.ID)
	}
}

// auditCSVColumns are the catalogue keys of the export's header row.
var auditCSVColumns = []string{"bo.audit.col.time", "bo.audit.col.actor_kind", "bo.audit.col.actor", "bo.audit.col.action",
	"bo.audit.col.object_type", "bo.audit.col.object_id", "bo.audit.col.detail", "bo.audit.col.ip", "bo.audit.col.user_agent", "bo.audit.col.request_id"}

// cell neutralises spreadsheet formulas in a CSV cell.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// The two logs.

func (s *Server) boAudit(w http.ResponseWriter, r *http.Request) {
	s.auditLog(w, r, auditLogView{tenantID: info(r).Tenant.ID, path: "/backoffice/registro-attivita",
		template: "backoffice/registro-attivita.html", title: "bo.audit.title"})
}

func (s *Server) boAuditCSV(w http.ResponseWriter, r *http.Request) {
	s.auditExport(w, r, info(r).Tenant.ID, info(r).Tenant.Slug)
}

func (s *Server) platformAudit(w http.ResponseWriter, r *http.Request) {
	s.auditLog(w, r, auditLogView{tenantID: audit.PlatformTenant, path: "/registro-attivita", template: "platform/registro.html",
		title: "platform.audit.title", crumbs: []Crumb{{Label: "platform.audit.title"}},
		prepare: func(d *auditPage) error {
			all, err := s.Tenants.List(r.Context())
			d.Tenants, d.Names = all, map[string]string{}
			for _, t := range all {
				d.Names[strconv.FormatInt(t.ID, 10)] = t.Name
			}
			return err
		}})
}

func (s *Server) platformAuditCSV(w http.ResponseWriter, r *http.Request) {
	s.auditExport(w, r, audit.PlatformTenant, "piattaforma")
}
