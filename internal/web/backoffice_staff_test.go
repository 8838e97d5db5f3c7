package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"piazza/internal/accounts"
	"piazza/internal/apperr"
	"piazza/internal/audit"
	"piazza/internal/mail"
	"piazza/internal/store/storetest"
)

// pendingMail returns the emails waiting in the job queue (and takes them off it).
func (h *harness) pendingMail() []mail.Message {
	h.t.Helper()
	js, err := h.db.ClaimJobs(context.Background(), "test", 100, time.Minute, time.Now().Add(time.Second))
	if err != nil {
		h.t.Fatal(err)
	}
	var out []mail.Message
	for _, j := range js {
		if j.Kind != mail.JobKind {
			continue
		}
		var m mail.Message
		if err := json.Unmarshal(j.Payload, &m); err != nil {
			h.t.Fatal(err)
		}
		out = append(out, m)
		h.db.CompleteJob(context.Background(), j.ID, time.Now())
	}
	return out
}

func TestBackofficeStaffList(t *testing.T) {
	h := newHarness(t)
	o := storetest.MustCreateOffice(t, h.db, h.borgo.ID, "Ufficio tecnico")
	if err := h.accounts.SetOfficeMembers(context.Background(), h.borgo.ID, o.ID, []int64{h.acc["operator@borgo"].ID}); err != nil {
		t.Fatal(err)
	}
	r := h.staff(borgo, "admin@borgo").get("/backoffice/personale")
	expectStatus(t, r, http.StatusOK)
	row := r.Body[strings.Index(r.Body, "operator@borgo.example.it"):]
	row = row[:strings.Index(row, "</tr>")]
	expectContains(t, row, "Operatore", "Ufficio tecnico", "Solo password")
	expectContains(t, r.Body, `href="/backoffice/personale/`+id(h.acc["viewer@borgo"].ID)+`"`, "Consultazione", "Amministratore")
}

func TestBackofficeStaffAdd(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	c := h.staff(borgo, "admin@borgo")
	h.pendingMail()

	t.Run("new account gets an invitation", func(t *testing.T) {
		r := c.post("/backoffice/personale/nuovo", url.Values{"email": {"Nuova.Persona@Borgo.example.it"}, "name": {"Nuova Persona"}, "roles": {"operator", "viewer"}})
		expectStatus(t, r, http.StatusSeeOther)
		list, _ := h.accounts.StaffList(ctx, h.borgo.ID)
		i := slices.IndexFunc(list, func(s accounts.Staff) bool { return s.Account.Email == "nuova.persona@borgo.example.it" })
		if i < 0 {
			t.Fatal("not added")
		}
		st := list[i]
		expectRedirect(t, r, "/backoffice/personale/"+id(st.Account.ID))
		if !slices.Equal(st.Roles, []accounts.Role{accounts.RoleOperator, accounts.RoleViewer}) || st.Account.PasswordHash != "" || st.Account.Name != "Nuova Persona" {
			t.Fatalf("staff %+v", st)
		}
		page := c.get(r.Header.Get("Location")).Body
		expectContains(t, page, "La persona è stata aggiunta", "Invito in attesa")
		msgs := h.pendingMail()
		if len(msgs) != 1 || msgs[0].To[0] != "nuova.persona@borgo.example.it" {
			t.Fatalf("invitation: %+v", msgs)
		}
		if !strings.Contains(msgs[0].Text, "http://borgo.example.it/backoffice/reimposta-password?token=") || !strings.Contains(msgs[0].Subject, "Comune di Borgo") {
			t.Fatalf("invitation text:\n%s\n%s", msgs[0].Subject, msgs[0].Text)
		}
		log := h.auditLog(h.borgo.ID, audit.Filter{ObjectID: id(st.Account.ID)})
		for _, a := range []string{"staff.add", "account.invited"} {
			if e, ok := findAudit(log, a, ""); !ok || e.Actor.ID != h.acc["admin@borgo"].ID {
				t.Fatalf("%s not audited: %+v", a, e)
			}
		}
	})

	t.Run("existing account of another tenant is reused", func(t *testing.T) {
		existing := h.acc["admin@marina"]
		r := c.post("/backoffice/personale/nuovo", url.Values{"email": {existing.Email}, "name": {"Nome diverso"}, "roles": {"viewer"}})
		expectRedirect(t, r, "/backoffice/personale/"+id(existing.ID))
		st, err := h.accounts.StaffMember(ctx, h.borgo.ID, existing.ID)
		if err != nil || !slices.Equal(st.Roles, []accounts.Role{accounts.RoleViewer}) {
			t.Fatalf("staff %+v %v", st, err)
		}
		if st.Account.PasswordHash != existing.PasswordHash || st.Account.Name == "Nome diverso" {
			t.Fatal("the existing account must keep its password and name")
		}
		if msgs := h.pendingMail(); len(msgs) != 0 {
			t.Fatalf("no invitation for an existing account: %+v", msgs)
		}
		// Their roles in Marina are untouched.
		if m, _ := h.accounts.StaffMember(ctx, h.marina.ID, existing.ID); !slices.Equal(m.Roles, []accounts.Role{accounts.RoleAdmin}) {
			t.Fatalf("Marina roles %v", m.Roles)
		}
	})

	tests := []struct {
		name   string
		form   url.Values
		status int
		want   []string
	}{
		{"already staff", url.Values{"email": {"operator@borgo.example.it"}, "roles": {"viewer"}}, http.StatusConflict, []string{`href="#email"`}},
		{"bad email", url.Values{"email": {"non valida"}, "name": {"Qualcuno"}, "roles": {"viewer"}}, http.StatusUnprocessableEntity, []string{`href="#email"`, `value="non valida"`}},
		{"no role", url.Values{"email": {"altra@borgo.example.it"}, "name": {"Altra Persona"}}, http.StatusUnprocessableEntity, []string{`href="#roles"`}},
		{"unknown role", url.Values{"email": {"altra@borgo.example.it"}, "name": {"Altra Persona"}, "roles": {"superuser"}}, http.StatusUnprocessableEntity, []string{`href="#roles"`}},
		{"new account without a name", url.Values{"email": {"altra@borgo.example.it"}, "roles": {"viewer"}}, http.StatusUnprocessableEntity, []string{`href="#name"`, `value="viewer" id="roles-viewer" aria-describedby="roles-viewer-help" checked`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, _ := h.accounts.StaffList(ctx, h.borgo.ID)
			r := c.post("/backoffice/personale/nuovo", tt.form)
			expectStatus(t, r, tt.status)
			expectContains(t, r.Body, tt.want...)
			if after, _ := h.accounts.StaffList(ctx, h.borgo.ID); len(after) != len(before) {
				t.Fatal("staff added despite the error")
			}
			if msgs := h.pendingMail(); len(msgs) != 0 {
				t.Fatal("mail sent despite the error")
			}
		})
	}
}

func TestBackofficeStaffRoles(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	c := h.staff(borgo, "admin@borgo")
	roles := func(key string) []accounts.Role {
		st, err := h.accounts.StaffMember(ctx, h.borgo.ID, h.acc[key].ID)
		if err != nil {
			t.Fatal(err)
		}
		return st.Roles
	}
	op := "/backoffice/personale/" + id(h.acc["operator@borgo"].ID)
	expectContains(t, c.get(op).Body, `value="operator" id="roles-operator" aria-describedby="roles-operator-help" checked`)

	expectRedirect(t, c.post(op, url.Values{"roles": {"operator", "editor"}}), op)
	expectContains(t, c.get(op).Body, "I ruoli sono stati aggiornati")
	if r := roles("operator@borgo"); !slices.Equal(r, []accounts.Role{accounts.RoleEditor, accounts.RoleOperator}) {
		t.Fatalf("roles %v", r)
	}
	if e, ok := findAudit(h.auditLog(h.borgo.ID, audit.Filter{}), "staff.roles", id(h.acc["operator@borgo"].ID)); !ok || !strings.Contains(e.Detail, "operator@borgo.example.it") {
		t.Fatalf("staff.roles not audited: %+v", e)
	}

	for _, form := range []url.Values{{}, {"roles": {"nessuno"}}} {
		r := c.post(op, form)
		expectStatus(t, r, http.StatusUnprocessableEntity)
		expectContains(t, r.Body, `href="#roles"`)
	}
	if r := roles("operator@borgo"); len(r) != 2 {
		t.Fatalf("roles changed by a refused form: %v", r)
	}

	// The last admin keeps the role: first "both" stops being admin, then admin@borgo
	// cannot.
	both := "/backoffice/personale/" + id(h.acc["both"].ID)
	expectRedirect(t, c.post(both, url.Values{"roles": {"viewer"}}), both)
	admin := "/backoffice/personale/" + id(h.acc["admin@borgo"].ID)
	r := c.post(admin, url.Values{"roles": {"operator"}})
	expectStatus(t, r, http.StatusConflict)
	expectContains(t, r.Body, `href="#roles"`, `id="error-summary"`)
	if got := roles("admin@borgo"); !slices.Equal(got, []accounts.Role{accounts.RoleAdmin}) {
		t.Fatalf("last admin demoted: %v", got)
	}
	r = c.post(admin+"/rimuovi", url.Values{"confirm": {"yes"}})
	expectStatus(t, r, http.StatusConflict)
	expectContains(t, r.Body, `id="error-summary"`)
	if _, err := h.accounts.StaffMember(ctx, h.borgo.ID, h.acc["admin@borgo"].ID); err != nil {
		t.Fatal("last admin removed")
	}
	// "both" is still Marina's admin.
	if m, _ := h.accounts.StaffMember(ctx, h.marina.ID, h.acc["both"].ID); !slices.Equal(m.Roles, []accounts.Role{accounts.RoleAdmin}) {
		t.Fatalf("Marina roles of both: %v", m.Roles)
	}

	// An admin who gives up their own admin role lands on the dashboard.
	expectRedirect(t, c.post(both, url.Values{"roles": {"admin"}}), both)
	expectRedirect(t, c.post(admin, url.Values{"roles": {"operator"}}), "/backoffice")
	expectStatus(t, c.get("/backoffice/personale"), http.StatusForbidden)
}

func TestBackofficeStaffRemove(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	o := storetest.MustCreateOffice(t, h.db, h.borgo.ID, "Ufficio tecnico")
	opID := h.acc["operator@borgo"].ID
	if err := h.accounts.SetOfficeMembers(ctx, h.borgo.ID, o.ID, []int64{opID}); err != nil {
		t.Fatal(err)
	}
	c := h.staff(borgo, "admin@borgo")
	opc := h.staff(borgo, "operator@borgo")
	expectStatus(t, opc.get("/backoffice"), http.StatusOK)
	path := "/backoffice/personale/" + id(opID) + "/rimuovi"

	r := c.post(path, nil)
	expectStatus(t, r, http.StatusOK)
	expectContains(t, r.Body, "Vuoi davvero rimuovere Operator borgo (operator@borgo.example.it)", `name="confirm" value="yes"`)
	if _, err := h.accounts.StaffMember(ctx, h.borgo.ID, opID); err != nil {
		t.Fatal("removed without confirmation")
	}
	expectRedirect(t, c.post(path, url.Values{"confirm": {"yes"}}), "/backoffice/personale")
	expectContains(t, c.get("/backoffice/personale").Body, "La persona è stata rimossa")
	if _, err := h.accounts.StaffMember(ctx, h.borgo.ID, opID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("still staff: %v", err)
	}
	if ids, _ := h.accounts.OfficeMemberIDs(ctx, h.borgo.ID, o.ID); len(ids) != 0 {
		t.Fatalf("still in the office: %v", ids)
	}
	if _, err := h.accounts.Account(ctx, opID); err != nil {
		t.Fatal("the account itself must stay")
	}
	if _, ok := findAudit(h.auditLog(h.borgo.ID, audit.Filter{}), "staff.remove", id(opID)); !ok {
		t.Fatal("staff.remove not audited")
	}
	// The removed person's session no longer opens the back office.
	expectRedirect(t, opc.get("/backoffice"), "/backoffice/accedi?next=%2Fbackoffice")
}
