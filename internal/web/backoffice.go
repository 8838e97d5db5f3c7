package web

import (
	"net/http"
	"slices"
	"strconv"

	"piazza/internal/accounts"
	"piazza/internal/apperr"
)

// backofficeRoutes: a tenant's back office (the staff side). Every route is for
// signed-in staff of the request's tenant: wrap answers 404 to anyone signed in
// elsewhere (staff of another tenant, a citizen), sends anonymous visitors to the
// sign-in page and answers 403 to staff without one of the route's roles. Handlers
// pass the request's tenant id to every service call, so an id of another tenant's
// object is simply not found.
func (s *Server) backofficeRoutes() []route {
	admin := []accounts.Role{accounts.RoleAdmin}
	// Citizens' records are for those who handle their requests; admin holds every role.
	readers := []accounts.Role{accounts.RoleOperator, accounts.RoleViewer}
	return []route{
		{pattern: "GET /backoffice", handler: s.boDashboard, access: staff},

		{pattern: "GET /backoffice/uffici", handler: s.boOffices, access: staff, roles: admin},
		{pattern: "GET /backoffice/uffici/nuovo", handler: s.boOfficeNew, access: staff, roles: admin},
		{pattern: "POST /backoffice/uffici/nuovo", handler: s.boOfficeCreate, access: staff, roles: admin},
		{pattern: "GET /backoffice/uffici/{id}", handler: s.boOffice, access: staff, roles: admin},
		{pattern: "POST /backoffice/uffici/{id}", handler: s.boOfficeSave, access: staff, roles: admin},
		{pattern: "POST /backoffice/uffici/{id}/elimina", handler: s.boOfficeDelete, access: staff, roles: admin},

		{pattern: "GET /backoffice/personale", handler: s.boStaff, access: staff, roles: admin},
		{pattern: "GET /backoffice/personale/nuovo", handler: s.boStaffNew, access: staff, roles: admin},
		{pattern: "POST /backoffice/personale/nuovo", handler: s.boStaffCreate, access: staff, roles: admin},
		{pattern: "GET /backoffice/personale/{id}", handler: s.boStaffMember, access: staff, roles: admin},
		{pattern: "POST /backoffice/personale/{id}", handler: s.boStaffSave, access: staff, roles: admin},
		{pattern: "POST /backoffice/personale/{id}/rimuovi", handler: s.boStaffRemove, access: staff, roles: admin},

		{pattern: "GET /backoffice/impostazioni", handler: s.boSettings, access: staff, roles: admin},
		{pattern: "POST /backoffice/impostazioni", handler: s.boSettingsSave, access: staff, roles: admin},
		{pattern: "GET /backoffice/impostazioni/accesso-cittadini", handler: s.boOIDC, access: staff, roles: admin},
		{pattern: "POST /backoffice/impostazioni/accesso-cittadini", handler: s.boOIDCSave, access: staff, roles: admin},

		{pattern: "GET /backoffice/registro-attivita", handler: s.boAudit, access: staff, roles: admin},
		{pattern: "GET /backoffice/registro-attivita.csv", handler: s.boAuditCSV, access: staff, roles: admin},

		{pattern: "GET /backoffice/cittadini", handler: s.boCitizens, access: staff, roles: readers},
		{pattern: "GET /backoffice/cittadini/{id}", handler: s.boCitizen, access: staff, roles: readers},
	}
}

// dashboardData is the back-office home page.
type dashboardData struct {
	Offices     []accounts.Office // the offices the person belongs to
	OfficeCount int               // all of the tenant's offices (for admins)
	StaffCount  int               // the tenant's staff (for admins)
}

func (s *Server) boDashboard(w http.ResponseWriter, r *http.Request) {
	ri := info(r)
	ctx := r.Context()
	all, err := s.Accounts.Offices(ctx, ri.Tenant.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := dashboardData{OfficeCount: len(all)}
	for _, o := range all {
		if slices.Contains(ri.Staff.OfficeIDs, o.ID) {
			d.Offices = append(d.Offices, o)
		}
	}
	if ri.Staff.Can(accounts.RoleAdmin) {
		list, err := s.Accounts.StaffList(ctx, ri.Tenant.ID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		d.StaffCount = len(list)
	}
	s.render(w, r, page{Template: "backoffice/dashboard.html", Title: "bo.dashboard.title", Data: d})
}

// errNotFound answers a malformed id like an unknown one.
var errNotFound = apperr.ErrNotFound

// pathID parses the {id} path value. Anything but a positive integer is a page that
// does not exist.
func pathID(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id, err == nil && id > 0
}

// formIDs parses the ids of a group of checkboxes.
func formIDs(values []string) ([]int64, bool) {
	out := make([]int64, 0, len(values))
	for _, v := range values {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return nil, false
		}
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out, true
}

// fieldError is a validation error on one field.
func fieldError(field, code string) error {
	return &apperr.Error{Kind: apperr.Invalid, Code: "error.invalid", Fields: []apperr.FieldError{{Field: field, Code: code}}}
}

// boLinkBase is where the password links sent from the back office point: the host
// the admin is using (it resolved to this tenant), with its port when not the default.
func (s *Server) boLinkBase(r *http.Request) string {
	return s.baseURL(r, "") + "/backoffice/reimposta-password?token="
}

// confirmed reports whether a destructive form was sent from its confirmation page.
// The first POST (from the button on the object's page) renders that page instead,
// so deleting takes two deliberate clicks and works without JavaScript.
func confirmed(r *http.Request) bool { return r.PostFormValue("confirm") == "yes" }
