package web

import (
	"context"
	"net/http"
	"slices"
	"strconv"

	"piazza/internal/accounts"
)

// staffRow is a staff member with the names of their offices.
type staffRow struct {
	accounts.Staff
	Offices []string
	Self    bool // the person looking at the page
}

// staffRows adds office names to staff members.
func (s *Server) staffRows(ctx context.Context, tenantID, self int64, list []accounts.Staff) ([]staffRow, error) {
	offices, err := s.Accounts.Offices(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	names := map[int64]string{}
	for _, o := range offices {
		names[o.ID] = o.Name
	}
	rows := make([]staffRow, len(list))
	for i, st := range list {
		rows[i] = staffRow{Staff: st, Self: st.Account.ID == self}
		for _, id := range st.OfficeIDs {
			if n, ok := names[id]; ok {
				rows[i].Offices = append(rows[i].Offices, n)
			}
		}
	}
	return rows, nil
}

func (s *Server) boStaff(w http.ResponseWriter, r *http.Request) {
	ri := info(r)
	list, err := s.Accounts.StaffList(r.Context(), ri.Tenant.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rows, err := s.staffRows(r.Context(), ri.Tenant.ID, ri.Staff.Account.ID, list)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, page{Template: "backoffice/personale.html", Title: "bo.staff.title", Data: rows})
}

// staffForm is the data of the new-staff form and of a staff member's page.
type staffForm struct {
	Member   staffRow // on the member's page
	Email    string
	Name     string
	Roles    map[string]bool // checked roles
	AllRoles []accounts.Role
}

// formRoles parses the role checkboxes; unknown values are an error on the field.
func formRoles(values []string) ([]accounts.Role, error) {
	var out []accounts.Role
	for _, v := range values {
		role, err := accounts.ParseRole(v)
		if err != nil {
			return nil, fieldError("roles", "staff.role.invalid")
		}
		if !slices.Contains(out, role) {
			out = append(out, role)
		}
	}
	return out, nil
}

func checkedRoles(roles []accounts.Role) map[string]bool {
	m := map[string]bool{}
	for _, r := range roles {
		m[string(r)] = true
	}
	return m
}

func staffURL(id int64) string { return "/backoffice/personale/" + strconv.FormatInt(id, 10) }

func (s *Server) boStaffNew(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, page{Template: "backoffice/persona-nuova.html", Title: "bo.staff.new.title",
		Data: staffForm{Roles: map[string]bool{}, AllRoles: accounts.AllRoles}})
}

func (s *Server) boStaffCreate(w http.ResponseWriter, r *http.Request) {
	f := staffForm{Email: r.PostFormValue("email"), Name: r.PostFormValue("name"), AllRoles: accounts.AllRoles, Roles: map[string]bool{}}
	roles, err := formRoles(r.PostForm["roles"])
	if err == nil {
		f.Roles = checkedRoles(roles)
		var st accounts.Staff
		st, err = s.Accounts.AddStaff(r.Context(), info(r).Tenant.ID, accounts.AddStaffInput{
			Email: f.Email, Name: f.Name, Roles: roles, LinkBase: s.boLinkBase(r)})
		if err == nil {
			s.flash(w, r, "bo.staff.flash.added")
			seeOther(w, r, staffURL(st.Account.ID))
			return
		}
	}
	s.render(w, r, page{Template: "backoffice/persona-nuova.html", Title: "bo.staff.new.title", Data: f, Err: err})
}

// staffForEdit loads a staff member of the request's tenant.
func (s *Server) staffForEdit(r *http.Request) (staffForm, error) {
	ri := info(r)
	id, ok := pathID(r)
	if !ok {
		return staffForm{}, errNotFound
	}
	st, err := s.Accounts.StaffMember(r.Context(), ri.Tenant.ID, id)
	if err != nil {
		return staffForm{}, err
	}
	rows, err := s.staffRows(r.Context(), ri.Tenant.ID, ri.Staff.Account.ID, []accounts.Staff{st})
	if err != nil {
		return staffForm{}, err
	}
	return staffForm{Member: rows[0], Roles: checkedRoles(st.Roles), AllRoles: accounts.AllRoles}, nil
}

func (s *Server) boStaffMember(w http.ResponseWriter, r *http.Request) {
	f, err := s.staffForEdit(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, page{Template: "backoffice/persona.html", Title: f.Member.Account.Name, Data: f})
}

func (s *Server) boStaffSave(w http.ResponseWriter, r *http.Request) {
	ri := info(r)
	f, err := s.staffForEdit(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	id := f.Member.Account.ID
	roles, err := formRoles(r.PostForm["roles"])
	if err == nil && len(roles) == 0 {
		// Without a role a person cannot sign in: removing them is the honest way.
		err = fieldError("roles", "staff.roles.required")
	}
	if err == nil {
		err = s.Accounts.SetRoles(r.Context(), ri.Tenant.ID, id, roles)
	}
	if err != nil {
		if roles != nil {
			f.Roles = checkedRoles(roles)
		}
		s.render(w, r, page{Template: "backoffice/persona.html", Title: f.Member.Account.Name, Data: f, Err: onField(err, "roles", "staff.last_admin")})
		return
	}
	s.flash(w, r, "bo.staff.flash.saved")
	if id == ri.Staff.Account.ID && !slices.Contains(roles, accounts.RoleAdmin) {
		seeOther(w, r, "/backoffice") // the staff pages are no longer theirs
		return
	}
	seeOther(w, r, staffURL(id))
}

func (s *Server) boStaffRemove(w http.ResponseWriter, r *http.Request) {
	ri := info(r)
	f, err := s.staffForEdit(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := page{Template: "backoffice/persona-rimuovi.html", Title: "bo.staff.remove.title", Data: f}
	if !confirmed(r) {
		s.render(w, r, p)
		return
	}
	id := f.Member.Account.ID
	if err := s.Accounts.RemoveStaff(r.Context(), ri.Tenant.ID, id); err != nil {
		p.Err = err
		s.render(w, r, p)
		return
	}
	s.flash(w, r, "bo.staff.flash.removed")
	if id == ri.Staff.Account.ID {
		seeOther(w, r, "/backoffice")
		return
	}
	seeOther(w, r, "/backoffice/personale")
}
