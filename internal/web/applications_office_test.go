package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"piazza/internal/accounts"
	"piazza/internal/session"
	"piazza/internal/store/storetest"
)

// submitted fills and submits an application of Mario's and returns its code.
func (e *appsEnv) submitted(t *testing.T, mario *client) string {
	t.Helper()
	code := e.submittedDraft(t, mario)
	if res := mario.post(appsBase+"/"+code+"/invia", nil); res.StatusCode != http.StatusSeeOther || !strings.HasSuffix(res.Header.Get("Location"), "/inviata") {
		t.Fatalf("submit: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	return code
}

// submittedDraft fills every step of an application of Mario's, ready to submit,
// and returns its code.
func (e *appsEnv) submittedDraft(t *testing.T, mario *client) string {
	t.Helper()
	loc := mario.get("/servizi/educazione-e-formazione/mensa/richiesta").Header.Get("Location")
	code := codeInURL.FindStringSubmatch(loc)[1]
	base := appsBase + "/" + code
	steps := []struct {
		step  string
		form  url.Values
		files map[string][2]string
	}{
		{"dati", url.Values{"given_name": {"Mario"}, "resident": {"yes"}}, nil},
		{"allegati", url.Values{}, map[string][2]string{"isee": {"isee.pdf", "%PDF-1.4 isee"}}},
		{"dich", url.Values{"truthful": {"yes"}}, nil},
	}
	for _, st := range steps {
		st.form.Set("_nav", "next")
		if res := mario.postFiles(base+"/compila/"+st.step, st.form, st.files); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("step %s: %d\n%s", st.step, res.StatusCode, clip(res.Body))
		}
	}
	return code
}

func TestApplicationBackOffice(t *testing.T) {
	e := newAppsEnv(t)
	ctx := context.Background()
	host := "borgo.example.it"
	op := e.acc["operator@borgo"]
	if err := e.db.SetOfficeMembers(ctx, e.borgo.ID, e.office, []int64{op.ID}); err != nil {
		t.Fatal(err)
	}
	// An operator of another office of the same comune.
	stranger := storetest.MustCreateAccount(t, e.db, "altro@borgo.example.it", testPassword)
	storetest.MustAddStaff(t, e.db, e.borgo.ID, stranger.ID, accounts.RoleOperator)
	other := storetest.MustCreateOffice(t, e.db, e.borgo.ID, "Anagrafe")
	e.db.SetOfficeMembers(ctx, e.borgo.ID, other.ID, []int64{stranger.ID})

	mario := e.citizen(host, e.mario)
	code := e.submitted(t, mario)
	bo := e.staff(host, "operator@borgo")
	page := boAppsBase + "/" + code

	res := bo.get(boAppsBase)
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, code) {
		t.Fatalf("queue: %d\n%s", res.StatusCode, clip(res.Body))
	}
	// Outsiders: another office's operator, another comune's admin, the citizen.
	outsider := e.client(host)
	outsider.signIn(session.Staff, stranger.ID, 0)
	if res := outsider.get(boAppsBase); res.StatusCode != http.StatusOK || strings.Contains(res.Body, code) {
		t.Fatalf("another office's queue shows the application: %d", res.StatusCode)
	}
	if res := outsider.get(boAppsBase + "/export.csv"); strings.Contains(res.Body, code) {
		t.Fatal("another office's export shows the application")
	}
	marina := e.staff("marina.example.it", "admin@marina")
	for _, c := range []*client{outsider, marina} {
		for _, p := range []string{page, page + "/ricevuta.pdf"} {
			if res := c.get(p); res.StatusCode != http.StatusNotFound {
				t.Errorf("%s GET %s: %d", c.host, p, res.StatusCode)
			}
		}
		for _, p := range []string{"/presa-in-carico", "/assegna", "/integrazione", "/esito", "/nota", "/messaggio"} {
			if res := c.post(page+p, url.Values{"message": {"x"}, "motivation": {"x"}, "outcome": {"accept"}, "note": {"x"}}); res.StatusCode != http.StatusNotFound {
				t.Errorf("%s POST %s: %d", c.host, p, res.StatusCode)
			}
		}
	}
	if res := mario.get(page); res.StatusCode != http.StatusNotFound {
		t.Fatalf("citizen on the back office: %d", res.StatusCode)
	}

	// The work: take in charge, ask for an integration.
	if res := bo.post(page+"/presa-in-carico", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("take: %d\n%s", res.StatusCode, clip(res.Body))
	}
	if res := bo.post(page+"/integrazione", url.Values{"message": {""}}); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `href="#message"`) {
		t.Fatalf("empty integration request: %d", res.StatusCode)
	}
	if res := bo.post(page+"/integrazione", url.Values{"message": {"Manca la pagina 2 dell'ISEE."}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("integration: %d\n%s", res.StatusCode, clip(res.Body))
	}
	if res := bo.post(page+"/nota", url.Values{"note": {"Segreto d'ufficio"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("note: %d", res.StatusCode)
	}
	// The citizen answers the integration.
	base := appsBase + "/" + code
	res = mario.get(base)
	if !strings.Contains(res.Body, "Manca la pagina 2") || strings.Contains(res.Body, "Segreto d'ufficio") {
		t.Fatalf("citizen's view of the request:\n%s", clip(res.Body))
	}
	res = mario.post(base+"/integrazione", nil)
	if res.StatusCode != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "/compila/") {
		t.Fatalf("open integration: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	for _, st := range []string{"dati", "allegati", "dich"} {
		form := url.Values{"_nav": {"next"}, "given_name": {"Mario"}, "resident": {"yes"}, "truthful": {"yes"}}
		var files map[string][2]string
		if st == "allegati" {
			// The new attachment replaces the first one.
			a, _ := e.srv.Applications.Mine(ctx, e.borgo.ID, person(&e.mario), code)
			d, _ := e.srv.Applications.Detail(ctx, a, false)
			form.Set("isee._remove", d.Files[0].PublicID)
			files = map[string][2]string{"isee": {"isee-completo.pdf", "%PDF-1.4 isee completo"}}
		}
		if res := mario.postFiles(base+"/compila/"+st, form, files); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("integration step %s: %d\n%s", st, res.StatusCode, clip(res.Body))
		}
	}
	if res := mario.post(base+"/invia", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("integration submit: %d\n%s", res.StatusCode, clip(res.Body))
	}
	if res := mario.get(base); !strings.Contains(res.Body, "Integrazione inviata") {
		t.Fatalf("after the integration:\n%s", clip(res.Body))
	}
	// Accept with an outcome document.
	if res := bo.post(page+"/esito", url.Values{"outcome": {"accept"}, "motivation": {""}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("outcome without motivation: %d", res.StatusCode)
	}
	if res := bo.post(page+"/esito", url.Values{"outcome": {"accept"}, "motivation": {"Requisiti verificati."}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("accept: %d\n%s", res.StatusCode, clip(res.Body))
	}
	res = bo.get(page)
	for _, want := range []string{"Accolta", "esito-" + code + ".pdf", "isee-completo.pdf", "Segreto d&#39;ufficio"} {
		if !strings.Contains(res.Body, want) {
			t.Fatalf("back office page without %q:\n%s", want, clip(res.Body))
		}
	}
	res = mario.get(base)
	if !strings.Contains(res.Body, "Accolta") || !strings.Contains(res.Body, "esito-"+code+".pdf") {
		t.Fatalf("citizen without the outcome:\n%s", clip(res.Body))
	}
	// CSV export: BOM, semicolons, Italian dates.
	res = bo.get(boAppsBase + "/export.csv")
	if !strings.HasPrefix(res.Body, "\ufeffCodice;Servizio;") || !strings.Contains(res.Body, code+";Mensa scolastica;Mario Rossi;") {
		t.Fatalf("csv:\n%s", res.Body)
	}
	// Every status change was announced to the citizen.
	notices, _ := e.drainJobs(t)
	if notices < 4 {
		t.Fatalf("%d notices", notices)
	}
}

func TestApplicationBusinessCompany(t *testing.T) {
	e := newAppsEnv(t)
	ctx := context.Background()
	c := e.card
	c.Business = true
	if err := e.db.UpdateCard(ctx, &c); err != nil {
		t.Fatal(err)
	}
	mario := e.citizen("borgo.example.it", e.mario)
	loc := mario.get("/servizi/educazione-e-formazione/mensa/richiesta").Header.Get("Location")
	code := codeInURL.FindStringSubmatch(loc)[1]
	base := appsBase + "/" + code
	for _, st := range []struct {
		step  string
		form  url.Values
		files map[string][2]string
	}{
		{"dati", url.Values{"given_name": {"Mario"}, "resident": {"yes"}}, nil},
		{"allegati", url.Values{}, map[string][2]string{"isee": {"isee.pdf", "%PDF-1.4 isee"}}},
		{"dich", url.Values{"truthful": {"yes"}}, nil},
	} {
		st.form.Set("_nav", "next")
		if res := mario.postFiles(base+"/compila/"+st.step, st.form, st.files); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("step %s: %d", st.step, res.StatusCode)
		}
	}
	if res := mario.get(base + "/riepilogo"); !strings.Contains(res.Body, `name="company_vat"`) {
		t.Fatal("summary of a business service without the company fields")
	}
	res := mario.post(base+"/invia", url.Values{"company_name": {""}, "company_vat": {"123"}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("incomplete company: %d", res.StatusCode)
	}
	for _, id := range []string{"#company_name", "#company_vat", "#company_legal_rep"} {
		if !strings.Contains(res.Body, `href="`+id+`"`) {
			t.Errorf("no error for %s", id)
		}
	}
	res = mario.post(base+"/invia", url.Values{"company_name": {"Forno Rossi srl"}, "company_vat": {"01234567897"}, "company_legal_rep": {"1"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("submit with company: %d\n%s", res.StatusCode, clip(res.Body))
	}
	a, _ := e.srv.Applications.Mine(ctx, e.borgo.ID, person(&e.mario), code)
	if a.Company.Name != "Forno Rossi srl" || !a.Company.LegalRep || a.Status != "registered" {
		t.Fatalf("application = %+v", a)
	}
}

func TestApplicationBulkDecision(t *testing.T) {
	e := newAppsEnv(t)
	ctx := context.Background()
	op := e.acc["operator@borgo"]
	e.db.SetOfficeMembers(ctx, e.borgo.ID, e.office, []int64{op.ID})
	mario := e.citizen("borgo.example.it", e.mario)
	first, second := e.submitted(t, mario), e.submitted(t, mario)
	bo := e.staff("borgo.example.it", "operator@borgo")
	if res := bo.post(boAppsBase+"/esito", url.Values{"code": {first}, "outcome": {"reject"}}); res.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(res.Body, `href="#motivation"`) {
		t.Fatalf("bulk without motivation: %d", res.StatusCode)
	}
	res := bo.post(boAppsBase+"/esito", url.Values{"code": {first, second, "ZZZZ-ZZZZ-ZZZZ"}, "outcome": {"reject"}, "motivation": {"Fuori termine."}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("bulk: %d\n%s", res.StatusCode, clip(res.Body))
	}
	for _, c := range []string{first, second} {
		if res := bo.get(boAppsBase + "/" + c); !strings.Contains(res.Body, "Respinta") {
			t.Fatalf("%s not rejected", c)
		}
	}
}
