package web

import (
	"net/http"
	"strconv"

	"piazza/internal/accounts"
)

// officeRow is one line of the offices list.
type officeRow struct {
	accounts.Office
	Members int
}

func (s *Server) boOffices(w http.ResponseWriter, r *http.Request) {
	ctx, tid := r.Context(), info(r).Tenant.ID
	offices, err := s.Accounts.Offices(ctx, tid)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	staff, err := s.Accounts.StaffList(ctx, tid)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	count := map[int64]int{}
	for _, st := range staff {
		for _, id := range st.OfficeIDs {
			count[id]++
		}
	}
	rows := make([]officeRow, len(offices))
	for i, o := range offices {
		rows[i] = officeRow{Office: o, Members: count[o.ID]}
	}
	s.render(w, r, page{Template: "backoffice/uffici.html", Title: "bo.offices.title", Data: rows})
}

// officeForm is the data of the office form (new and edit) and of its delete
// confirmation.
type officeForm struct {
	Office  accounts.Office
	New     bool
	Staff   []accounts.Staff // the tenant's staff, for the members checkboxes
	Members map[int64]bool
}

func officeFromForm(r *http.Request, tenantID, id int64) accounts.Office {
	f := r.PostFormValue
	return accounts.Office{ID: id, TenantID: tenantID, Name: f("name"), Slug: f("slug"), Description: f("description"),
		Email: f("email"), Phone: f("phone"), Address: f("address"), OpeningHours: f("opening_hours"), Competences: f("competences")}
}

func officeURL(id int64) string { return "/backoffice/uffici/" + strconv.FormatInt(id, 10) }

func (s *Server) boOfficeNew(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, page{Template: "backoffice/ufficio.html", Title: "bo.offices.new.title", Data: officeForm{New: true}})
}

func (s *Server) boOfficeCreate(w http.ResponseWriter, r *http.Request) {
	o := officeFromForm(r, info(r).Tenant.ID, 0)
	if err := s.Accounts.SaveOffice(r.Context(), &o); err != nil {
		o.ID = 0
		s.render(w, r, page{Template: "backoffice/ufficio.html", Title: "bo.offices.new.title", Data: officeForm{Office: o, New: true}, Err: err})
		return
	}
	s.flash(w, r, "bo.offices.flash.created")
	seeOther(w, r, officeURL(o.ID))
}

// officeForEdit loads an office of the request's tenant and the tenant's staff.
func (s *Server) officeForEdit(r *http.Request) (officeForm, error) {
	ctx, tid := r.Context(), info(r).Tenant.ID
	id, ok := pathID(r)
	if !ok {
		return officeForm{}, errNotFound
	}
	o, err := s.Accounts.Office(ctx, tid, id)
	if err != nil {
		return officeForm{}, err
	}
	staff, err := s.Accounts.StaffList(ctx, tid)
	if err != nil {
		return officeForm{}, err
	}
	f := officeForm{Office: o, Staff: staff, Members: map[int64]bool{}}
	for _, st := range staff {
		for _, oid := range st.OfficeIDs {
			if oid == o.ID {
				f.Members[st.Account.ID] = true
			}
		}
	}
	return f, nil
}

func (s *Server) boOffice(w http.ResponseWriter, r *http.Request) {
	f, err := s.officeForEdit(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, page{Template: "backoffice/ufficio.html", Title: f.Office.Name, Data: f})
}

func (s *Server) boOfficeSave(w http.ResponseWriter, r *http.Request) {
	f, err := s.officeForEdit(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	title := f.Office.Name
	o := officeFromForm(r, f.Office.TenantID, f.Office.ID)
	members, ok := formIDs(r.PostForm["members"])
	if !ok {
		err = fieldError("members", "office.member.invalid")
	} else {
		err = s.Accounts.SaveOfficeWithMembers(r.Context(), &o, members)
	}
	if err != nil {
		f.Office = o
		f.Members = map[int64]bool{}
		for _, id := range members {
			f.Members[id] = true
		}
		s.render(w, r, page{Template: "backoffice/ufficio.html", Title: title, Data: f, Err: onField(err, "members", "office.member.invalid")})
		return
	}
	s.flash(w, r, "bo.offices.flash.saved")
	seeOther(w, r, officeURL(o.ID))
}

func (s *Server) boOfficeDelete(w http.ResponseWriter, r *http.Request) {
	f, err := s.officeForEdit(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := page{Template: "backoffice/ufficio-elimina.html", Title: "bo.offices.delete.title", Data: f}
	if !confirmed(r) {
		s.render(w, r, p)
		return
	}
	if err := s.Accounts.DeleteOffice(r.Context(), f.Office.TenantID, f.Office.ID); err != nil {
		p.Err = err
		s.render(w, r, p)
		return
	}
	s.flash(w, r, "bo.offices.flash.deleted")
	seeOther(w, r, "/backoffice/uffici")
}
