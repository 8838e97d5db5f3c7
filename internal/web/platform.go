package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"piazza/internal/tenants"
)

// platformRoutes: the consortium operator's console, on the platform host. Every
// page here is for platform operators only; the sign-in pages live in auth.go.
func (s *Server) platformRoutes() []route {
	return []route{
		{pattern: "GET /{$}", handler: s.platformTenants, access: operator},
		{pattern: "GET /comuni/nuovo", handler: s.platformNewTenant, access: operator},
		{pattern: "POST /comuni/nuovo", handler: s.platformCreateTenant, access: operator},
		{pattern: "GET /comuni/{id}", handler: s.platformEditTenant, access: operator},
		{pattern: "POST /comuni/{id}", handler: s.platformUpdateTenant, access: operator},
		{pattern: "GET /comuni/{id}/stemma", handler: s.platformCoatOfArms, access: operator},
		{pattern: "POST /comuni/{id}/stemma", handler: s.platformUploadCoat, access: operator, maxBody: platformCoatMaxBody},
		{pattern: "POST /comuni/{id}/stemma/elimina", handler: s.platformDeleteCoat, access: operator},
		{pattern: "GET /comuni/{id}/sospendi", handler: s.platformSuspendForm, access: operator},
		{pattern: "POST /comuni/{id}/sospendi", handler: s.platformSuspend, access: operator},
		{pattern: "POST /comuni/{id}/riattiva", handler: s.platformActivate, access: operator},
		{pattern: "GET /comuni/{id}/amministratori", handler: s.platformAdmins, access: operator},
		{pattern: "POST /comuni/{id}/amministratori", handler: s.platformAddAdmin, access: operator},
		{pattern: "POST /comuni/{id}/amministratori/{account}/rimuovi", handler: s.platformRemoveAdmin, access: operator},
		{pattern: "GET /registro-attivita", handler: s.platformAudit, access: operator},
		{pattern: "GET /registro-attivita.csv", handler: s.platformAuditCSV, access: operator},
	}
}

// platformTenantRow is one line of the tenants list.
type platformTenantRow struct {
	Tenant  tenants.Tenant
	Modules []tenants.Module // enabled, in display order
	Staff   int
}

type platformTenantsPage struct {
	Q      string
	Status string
	Rows   []platformTenantRow
	Total  int // tenants before filtering
}

// platformTenants lists every tenant, filtered by text and status.
func (s *Server) platformTenants(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	all, err := s.Tenants.List(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := platformTenantsPage{Q: strings.TrimSpace(r.URL.Query().Get("q")), Status: r.URL.Query().Get("stato"), Total: len(all)}
	if p.Status != string(tenants.StatusActive) && p.Status != string(tenants.StatusSuspended) {
		p.Status = ""
	}
	counts, err := s.Accounts.StaffCounts(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, t := range all {
		if p.Status != "" && string(t.Status) != p.Status || !platformTenantMatches(&t, p.Q) {
			continue
		}
		row := platformTenantRow{Tenant: t, Staff: counts[t.ID]}
		for _, m := range tenants.AllModules {
			if t.Has(m) {
				row.Modules = append(row.Modules, m)
			}
		}
		p.Rows = append(p.Rows, row)
	}
	s.render(w, r, page{Template: "platform/comuni.html", Title: "platform.tenants.title", Data: p})
}

// platformTenantMatches reports whether the search text appears in the tenant's name, slug,
// codes, province, region or hosts (case-insensitive).
func platformTenantMatches(t *tenants.Tenant, q string) bool {
	if q == "" {
		return true
	}
	q = strings.ToLower(q)
	fields := []string{t.Name, t.Slug, t.IPACode, t.ISTATCode, t.FiscalCode, t.Province, t.Region}
	for _, h := range t.Hosts {
		fields = append(fields, h.Name)
	}
	return slices.ContainsFunc(fields, func(f string) bool { return strings.Contains(strings.ToLower(f), q) })
}

// platformTenant loads the tenant named by the {id} path value; on failure it has
// answered (404 for a bad or unknown id) and returns false.
func (s *Server) platformTenant(w http.ResponseWriter, r *http.Request) (tenants.Tenant, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.notFound(w, r)
		return tenants.Tenant{}, false
	}
	t, err := s.Tenants.Get(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return tenants.Tenant{}, false
	}
	return t, true
}

// platformTenantURL is the console page of a tenant.
func platformTenantURL(id int64) string { return "/comuni/" + strconv.FormatInt(id, 10) }

// platformInviteBase is where invitation links for a tenant's staff point: the
// tenant's own site host (never the console), with the scheme of this request and
// the port of its Host header, if any, so that links work in local set-ups too.
func (s *Server) platformInviteBase(r *http.Request, t *tenants.Tenant) string {
	return s.baseURL(r, t.SiteHost()) + "/backoffice/reimposta-password?token="
}
