package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"piazza/internal/apperr"
	"piazza/internal/audit"
	"piazza/internal/store/storetest"
)

func TestBackofficeOfficeCreate(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	storetest.MustCreateOffice(t, h.db, h.borgo.ID, "Ufficio tributi")
	// The same slug in another tenant is no conflict.
	storetest.MustCreateOffice(t, h.db, h.marina.ID, "Ufficio anagrafe")
	c := h.staff(borgo, "admin@borgo")
	tests := []struct {
		name      string
		form      url.Values
		status    int
		want, not []string
	}{
		{"valid", url.Values{"name": {"Ufficio anagrafe"}, "email": {"Anagrafe@Borgo.example.it"}, "phone": {"0123 456789"},
			"description": {"Certificati e residenze"}, "address": {"Piazza Roma 1"}, "opening_hours": {"Lun-Ven 9-12"}}, http.StatusSeeOther, nil, nil},
		{"invalid fields", url.Values{"name": {"ab"}, "email": {"non-una-email"}, "phone": {"telefono"}, "slug": {"Non Valido!"}},
			http.StatusUnprocessableEntity, []string{`href="#name"`, `href="#email"`, `href="#phone"`, `href="#slug"`, "Scrivi il nome dell&#39;ufficio",
				`value="non-una-email"`, `aria-invalid="true"`, "Controlla i dati inseriti"}, []string{"office.name.invalid"}},
		{"slug taken", url.Values{"name": {"Tributi"}, "slug": {"ufficio-tributi"}}, http.StatusConflict,
			[]string{`href="#slug"`, "usa già questo indirizzo"}, nil},
		{"derived slug taken", url.Values{"name": {"Ufficio tributi"}}, http.StatusConflict, []string{`href="#slug"`}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, _ := h.accounts.Offices(ctx, h.borgo.ID)
			r := c.post("/backoffice/uffici/nuovo", tt.form)
			expectStatus(t, r, tt.status)
			expectContains(t, r.Body, tt.want...)
			expectLacks(t, r.Body, tt.not...)
			after, _ := h.accounts.Offices(ctx, h.borgo.ID)
			if tt.status != http.StatusSeeOther {
				if len(after) != len(before) {
					t.Fatal("an invalid office was saved")
				}
				return
			}
			o, err := h.accounts.OfficeBySlug(ctx, h.borgo.ID, "ufficio-anagrafe")
			if err != nil {
				t.Fatal(err)
			}
			if o.Email != "anagrafe@borgo.example.it" || o.OpeningHours != "Lun-Ven 9-12" {
				t.Fatalf("saved %+v", o)
			}
			expectRedirect(t, r, "/backoffice/uffici/"+id(o.ID))
			next := c.get(r.Header.Get("Location"))
			expectContains(t, next.Body, "L&#39;ufficio è stato creato", "Ufficio anagrafe")
			if again := c.get(r.Header.Get("Location")); strings.Contains(again.Body, "è stato creato") {
				t.Fatal("the flash message must show once")
			}
			if _, ok := findAudit(h.auditLog(h.borgo.ID, audit.Filter{}), "office.create", id(o.ID)); !ok {
				t.Fatal("office.create not audited")
			}
		})
	}
}

func TestBackofficeOfficeEdit(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	o := storetest.MustCreateOffice(t, h.db, h.borgo.ID, "Ufficio anagrafe")
	storetest.MustCreateOffice(t, h.db, h.borgo.ID, "Ufficio tributi")
	c := h.staff(borgo, "admin@borgo")
	path := "/backoffice/uffici/" + id(o.ID)
	op, viewer := id(h.acc["operator@borgo"].ID), id(h.acc["viewer@borgo"].ID)

	// The form lists the tenant's staff, and only them, as possible members.
	r := c.get(path)
	expectContains(t, r.Body, `value="`+op+`"`, `value="`+viewer+`"`, "operator@borgo.example.it", "segretaria@both.example.it")
	expectLacks(t, r.Body, "admin@marina.example.it", "operator@marina.example.it")

	members := func() []int64 {
		ids, err := h.accounts.OfficeMemberIDs(ctx, h.borgo.ID, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}
	r = c.post(path, url.Values{"name": {"Servizi demografici"}, "slug": {"anagrafe"}, "phone": {"0123 456789"}, "members": {op, viewer}})
	expectRedirect(t, r, path)
	expectContains(t, c.get(path).Body, "Le modifiche all&#39;ufficio sono state salvate", `value="Servizi demografici"`, `value="`+op+`" id="members-`+op+`" checked`)
	got, _ := h.accounts.Office(ctx, h.borgo.ID, o.ID)
	if got.Name != "Servizi demografici" || got.Slug != "anagrafe" || got.Phone != "0123 456789" {
		t.Fatalf("saved %+v", got)
	}
	if m := members(); !slices.Equal(m, []int64{h.acc["operator@borgo"].ID, h.acc["viewer@borgo"].ID}) {
		t.Fatalf("members %v", m)
	}
	log := h.auditLog(h.borgo.ID, audit.Filter{ObjectType: "office", ObjectID: id(o.ID)})
	for _, a := range []string{"office.update", "office.members"} {
		if e, ok := findAudit(log, a, id(o.ID)); !ok || e.Actor.Label != "admin@borgo.example.it" {
			t.Fatalf("%s not audited with the actor: %+v", a, e)
		}
	}

	// Errors change nothing: neither the office nor its members.
	tests := []struct {
		name   string
		form   url.Values
		status int
		want   []string
	}{
		{"slug of another office", url.Values{"name": {"Altro nome"}, "slug": {"ufficio-tributi"}, "members": {op}}, http.StatusConflict, []string{`href="#slug"`}},
		{"invalid name", url.Values{"name": {"x"}, "members": {op}}, http.StatusUnprocessableEntity, []string{`href="#name"`, `value="` + op + `" id="members-` + op + `" checked`}},
		{"member of another tenant", url.Values{"name": {"Altro nome"}, "members": {id(h.acc["admin@marina"].ID)}}, http.StatusUnprocessableEntity, []string{`href="#members"`, `id="members-error"`}},
		{"member not staff at all", url.Values{"name": {"Altro nome"}, "members": {id(h.acc["platform"].ID)}}, http.StatusUnprocessableEntity, []string{`href="#members"`}},
		{"malformed member", url.Values{"name": {"Altro nome"}, "members": {"abc"}}, http.StatusUnprocessableEntity, []string{`href="#members"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.post(path, tt.form)
			expectStatus(t, r, tt.status)
			expectContains(t, r.Body, tt.want...)
			expectContains(t, r.Body, "<h1>Servizi demografici</h1>")
			if o2, _ := h.accounts.Office(ctx, h.borgo.ID, o.ID); o2.Name != "Servizi demografici" || o2.Slug != "anagrafe" {
				t.Fatalf("office changed: %+v", o2)
			}
			if m := members(); len(m) != 2 {
				t.Fatalf("members changed: %v", m)
			}
		})
	}

	// Clearing every box empties the office.
	expectRedirect(t, c.post(path, url.Values{"name": {"Servizi demografici"}, "slug": {"anagrafe"}}), path)
	if m := members(); len(m) != 0 {
		t.Fatalf("members %v", m)
	}
}

func TestBackofficeOfficeDelete(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	o := storetest.MustCreateOffice(t, h.db, h.borgo.ID, "Ufficio da chiudere")
	if err := h.accounts.SetOfficeMembers(ctx, h.borgo.ID, o.ID, []int64{h.acc["operator@borgo"].ID}); err != nil {
		t.Fatal(err)
	}
	c := h.staff(borgo, "admin@borgo")
	path := "/backoffice/uffici/" + id(o.ID) + "/elimina"

	// The button on the office page leads to a confirmation page; nothing is deleted yet.
	expectContains(t, c.get("/backoffice/uffici/"+id(o.ID)).Body, `action="`+path+`"`)
	r := c.post(path, nil)
	expectStatus(t, r, http.StatusOK)
	expectContains(t, r.Body, "Vuoi davvero eliminare l&#39;ufficio «Ufficio da chiudere»?", `name="confirm" value="yes"`, `action="`+path+`"`)
	if _, err := h.accounts.Office(ctx, h.borgo.ID, o.ID); err != nil {
		t.Fatal("deleted without confirmation")
	}
	r = c.post(path, url.Values{"confirm": {"yes"}})
	expectRedirect(t, r, "/backoffice/uffici")
	expectContains(t, c.get("/backoffice/uffici").Body, "L&#39;ufficio è stato eliminato", "Non ci sono ancora uffici")
	if _, err := h.accounts.Office(ctx, h.borgo.ID, o.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("office still there: %v", err)
	}
	if st, _ := h.accounts.StaffMember(ctx, h.borgo.ID, h.acc["operator@borgo"].ID); len(st.OfficeIDs) != 0 {
		t.Fatalf("membership kept: %v", st.OfficeIDs)
	}
	if _, ok := findAudit(h.auditLog(h.borgo.ID, audit.Filter{}), "office.delete", id(o.ID)); !ok {
		t.Fatal("office.delete not audited")
	}
	// Deleting again: the office is gone.
	expectStatus(t, c.post(path, url.Values{"confirm": {"yes"}}), http.StatusNotFound)
}
