package web

import (
	"context"
	"net/http"
	"slices"
	"strconv"

	"piazza/internal/accounts"
	"piazza/internal/apperr"
	"piazza/internal/audit"
	"piazza/internal/check"
	"piazza/internal/tenants"
)

// platformSuspendPage is the confirmation page of a suspension.
type platformSuspendPage struct {
	Tenant tenants.Tenant
	Note   string
}

// platformSuspendForm asks for confirmation (and a note) before suspending: a
// plain page, so it works without JavaScript.
func (s *Server) platformSuspendForm(w http.ResponseWriter, r *http.Request) {
	t, ok := s.platformTenant(w, r)
	if !ok {
		return
	}
	s.render(w, r, page{Template: "platform/sospendi.html", Title: "platform.suspend.title",
		Crumbs: []Crumb{{Label: t.Name, URL: platformTenantURL(t.ID)}, {Label: "platform.suspend.title"}}, Data: platformSuspendPage{Tenant: t}})
}

// platformSuspend suspends a tenant: its hosts answer 503 until it is reactivated.
func (s *Server) platformSuspend(w http.ResponseWriter, r *http.Request) {
	t, ok := s.platformTenant(w, r)
	if !ok {
		return
	}
	note := r.PostFormValue("status_note")
	if err := s.Tenants.SetStatus(r.Context(), t.ID, tenants.StatusSuspended, note); err != nil {
		s.render(w, r, page{Template: "platform/sospendi.html", Title: "platform.suspend.title",
			Crumbs: []Crumb{{Label: t.Name, URL: platformTenantURL(t.ID)}, {Label: "platform.suspend.title"}},
			Data:   platformSuspendPage{Tenant: t, Note: note}, Err: err})
		return
	}
	s.flash(w, r, "platform.flash.suspended")
	seeOther(w, r, platformTenantURL(t.ID))
}

// platformActivate brings a suspended tenant back.
func (s *Server) platformActivate(w http.ResponseWriter, r *http.Request) {
	t, ok := s.platformTenant(w, r)
	if !ok {
		return
	}
	if err := s.Tenants.SetStatus(r.Context(), t.ID, tenants.StatusActive, ""); err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "platform.flash.activated")
	seeOther(w, r, platformTenantURL(t.ID))
}

// platformAdminsPage lists a tenant's administrators.
type platformAdminsPage struct {
	Tenant tenants.Tenant
	Admins []accounts.Staff
	Email  string
	Name   string
}

func (s *Server) renderPlatformAdmins(w http.ResponseWriter, r *http.Request, t tenants.Tenant, email, name string, err error) {
	staff, lerr := s.Accounts.StaffList(r.Context(), t.ID)
	if lerr != nil {
		s.fail(w, r, lerr)
		return
	}
	p := platformAdminsPage{Tenant: t, Email: email, Name: name}
	for _, st := range staff {
		if slices.Contains(st.Roles, accounts.RoleAdmin) {
			p.Admins = append(p.Admins, st)
		}
	}
	s.render(w, r, page{Template: "platform/amministratori.html", Title: "platform.admins.title",
		Crumbs: []Crumb{{Label: t.Name, URL: platformTenantURL(t.ID)}, {Label: "platform.admins.title"}}, Data: p, Err: err})
}

func (s *Server) platformAdmins(w http.ResponseWriter, r *http.Request) {
	t, ok := s.platformTenant(w, r)
	if !ok {
		return
	}
	s.renderPlatformAdmins(w, r, t, "", "", nil)
}

// platformAddAdmin makes a person administrator of the tenant: a new account (with
// an invitation to set a password, linking to the tenant's host) for an unknown
// email, the admin role for someone who is already staff.
func (s *Server) platformAddAdmin(w http.ResponseWriter, r *http.Request) {
	t, ok := s.platformTenant(w, r)
	if !ok {
		return
	}
	email := accounts.NormalizeEmail(r.PostFormValue("email"))
	name := check.Clean(r.PostFormValue("name"))
	var v apperr.Validation
	if !check.Email(email) {
		v.Add("email", "account.email.invalid")
	}
	if name != "" && (len([]rune(name)) < 2 || !check.Line(name, 120)) {
		v.Add("name", "account.name.invalid")
	}
	if err := v.Err(); err != nil {
		s.renderPlatformAdmins(w, r, t, email, name, err)
		return
	}
	err := s.DB.Atomic(r.Context(), func(ctx context.Context) error {
		staff, err := s.Accounts.StaffList(ctx, t.ID)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(staff, func(st accounts.Staff) bool { return st.Account.Email == email })
		switch {
		case i >= 0 && slices.Contains(staff[i].Roles, accounts.RoleAdmin):
			return &apperr.Error{Kind: apperr.Conflict, Code: "platform.admins.already",
				Fields: []apperr.FieldError{{Field: "email", Code: "platform.admins.already"}}}
		case i >= 0:
			err = s.Accounts.GrantRole(ctx, t.ID, staff[i].Account.ID, accounts.RoleAdmin)
		default:
			_, err = s.Accounts.AddStaff(ctx, t.ID, accounts.AddStaffInput{Email: email, Name: name,
				Roles: []accounts.Role{accounts.RoleAdmin}, LinkBase: s.platformInviteBase(r, &t)})
		}
		if err != nil {
			return err
		}
		return s.Audit.AppendAudit(ctx, audit.New(ctx, audit.PlatformTenant, "tenant.admin_add", "tenant",
			strconv.FormatInt(t.ID, 10), email))
	})
	if err != nil {
		s.renderPlatformAdmins(w, r, t, email, name, err)
		return
	}
	s.flash(w, r, "platform.flash.admin_added")
	seeOther(w, r, platformTenantURL(t.ID)+"/amministratori")
}

// platformRemoveAdmin takes the admin role away. Someone who had no other role
// leaves the tenant's staff, rather than staying as a member who can do nothing.
// A tenant always keeps an administrator (the accounts service refuses otherwise).
func (s *Server) platformRemoveAdmin(w http.ResponseWriter, r *http.Request) {
	t, ok := s.platformTenant(w, r)
	if !ok {
		return
	}
	accountID, err := strconv.ParseInt(r.PathValue("account"), 10, 64)
	if err != nil || accountID <= 0 {
		s.notFound(w, r)
		return
	}
	err = s.DB.Atomic(r.Context(), func(ctx context.Context) error {
		st, err := s.Accounts.StaffMember(ctx, t.ID, accountID)
		if err != nil {
			return err
		}
		if !slices.Contains(st.Roles, accounts.RoleAdmin) {
			return apperr.E(apperr.Conflict, "platform.admins.not_admin")
		}
		if len(st.Roles) == 1 {
			err = s.Accounts.RemoveStaff(ctx, t.ID, accountID)
		} else {
			err = s.Accounts.RevokeRole(ctx, t.ID, accountID, accounts.RoleAdmin)
		}
		if err != nil {
			return err
		}
		return s.Audit.AppendAudit(ctx, audit.New(ctx, audit.PlatformTenant, "tenant.admin_remove", "tenant",
			strconv.FormatInt(t.ID, 10), st.Account.Email))
	})
	if err != nil {
		if apperr.Is(err, apperr.NotFound) {
			s.notFound(w, r)
			return
		}
		s.renderPlatformAdmins(w, r, t, "", "", err)
		return
	}
	s.flash(w, r, "platform.flash.admin_removed")
	seeOther(w, r, platformTenantURL(t.ID)+"/amministratori")
}
