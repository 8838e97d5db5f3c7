//go:build e2e

package e2e

import (
	"encoding/json"
	"strings"
	"testing"

	"piazza/internal/demo"
)

// TestCitizenSignIn signs in as a demo citizen through the demo identity provider:
// "Entra con SPID" on /accedi, the provider's page, "Mario Rossi", and back to the
// personal area; then edits the profile (with an error first, to check the error
// summary) and signs out. Every page on the way gets the checks of visit.
func TestCitizenSignIn(t *testing.T) {
	tb := newTab(t)
	slug := demoComuni[0]
	tb.visit(tb.h.siteURL(slug, "/accedi"))
	tb.followText("Entra con SPID")
	if !strings.HasPrefix(tb.path(), "/demo-idp") {
		t.Fatalf("after \"Entra con SPID\": at %s, want the demo identity provider", tb.url)
	}
	citizen := demo.Citizens[0]
	tb.followText(citizen.GivenName + " " + citizen.FamilyName)
	if tb.path() != "/area-personale" || !sameHost(tb.url, tb.h.siteURL(slug, "/")) {
		t.Fatalf("after choosing %s %s: at %s, want %s", citizen.GivenName, citizen.FamilyName, tb.url, tb.h.siteURL(slug, "/area-personale"))
	}
	if txt := tb.text(); !strings.Contains(txt, citizen.GivenName) || !strings.Contains(txt, citizen.FiscalCode) {
		t.Errorf("the personal area does not show the citizen's name and fiscal code")
	}
	// The profile form, first with an invalid email: the error summary is checked by axe too.
	tb.visit(tb.h.siteURL(slug, "/area-personale/profilo"))
	tb.fill(`#email`, "non-una-email")
	tb.submitStatus(`main form [type="submit"]`, 422)
	if !strings.Contains(tb.text(), "email") || tb.path() != "/area-personale/profilo" {
		t.Fatalf("an invalid email must show the form again with the error, at %s", tb.url)
	}
	tb.fill(`#email`, "mario.rossi@posta.example")
	tb.submit(`main form [type="submit"]`)
	if tb.path() != "/area-personale" || !strings.Contains(tb.text(), "mario.rossi@posta.example") {
		t.Fatalf("after saving the profile: at %s", tb.url)
	}
	// Sign out: through the provider's end session, back to the site, signed out.
	tb.submit(`form[action="/esci"] [type="submit"]`)
	if !sameHost(tb.url, tb.h.siteURL(slug, "/")) {
		t.Fatalf("after signing out: at %s, want the comune's site", tb.url)
	}
	tb.visit(tb.h.siteURL(slug, "/area-personale"))
	if tb.path() != "/accedi" {
		t.Fatalf("after signing out the personal area must ask to sign in, at %s", tb.url)
	}
}

func staffAccount(t *testing.T, slug string) demo.StaffAccount {
	for _, s := range demo.Staff {
		if s.Tenant == slug {
			return s
		}
	}
	t.Fatalf("no demo staff for %s", slug)
	return demo.StaffAccount{}
}

// signIn fills a sign-in form (the back office's or the console's).
func (tb *tab) signIn(email string) {
	tb.fill(`main form input[name="email"]`, email)
	tb.fill(`main form input[type="password"]`, demo.Password)
	tb.submit(`main form [type="submit"]`)
}

// TestStaffBackOffice signs in to Borgo Fiorito's back office as its admin, with a
// wrong password first, and walks every back-office page.
func TestStaffBackOffice(t *testing.T) {
	tb := newTab(t)
	slug := demoComuni[0]
	admin := staffAccount(t, slug)
	tb.visit(tb.h.siteURL(slug, "/backoffice"))
	if tb.path() != "/backoffice/accedi" {
		t.Fatalf("the back office must ask to sign in, at %s", tb.url)
	}
	tb.fill(`main form input[name="email"]`, admin.Email)
	tb.fill(`main form input[type="password"]`, "password-sbagliata")
	tb.submitStatus(`main form [type="submit"]`, 401)
	tb.signIn(admin.Email)
	if p := tb.path(); !strings.HasPrefix(p, "/backoffice") || strings.HasPrefix(p, "/backoffice/accedi") {
		t.Fatalf("after signing in as %s: at %s, want the back office", admin.Email, tb.url)
	}
	if !strings.Contains(tb.text(), admin.Name) {
		t.Errorf("the back office does not show the signed-in name %q", admin.Name)
	}
	for _, p := range []string{"/backoffice/uffici", "/backoffice/uffici/nuovo", "/backoffice/personale", "/backoffice/personale/nuovo",
		"/backoffice/impostazioni", "/backoffice/impostazioni/accesso-cittadini", "/backoffice/registro-attivita",
		"/backoffice/cittadini", "/backoffice/sicurezza"} {
		tb.visit(tb.h.siteURL(slug, p))
	}
	// An office page and a staff member's page, reached through their links.
	tb.visit(tb.h.siteURL(slug, "/backoffice/uffici"))
	tb.followText("Anagrafe e Stato civile")
	tb.visit(tb.h.siteURL(slug, "/backoffice/personale"))
	tb.followText("Sara Colombo")
	// A form with errors: a new office without a name.
	tb.visit(tb.h.siteURL(slug, "/backoffice/uffici/nuovo"))
	tb.submitStatus(`main form [type="submit"]`, 422)
	// Citizen search.
	tb.visit(tb.h.siteURL(slug, "/backoffice/cittadini?q=RSS"))
	tb.submit(`form[action="/backoffice/esci"] [type="submit"]`)
	tb.visit(tb.h.siteURL(slug, "/backoffice"))
	if tb.path() != "/backoffice/accedi" {
		t.Fatalf("after signing out the back office must ask to sign in again, at %s", tb.url)
	}
}

// TestPlatformConsole signs in to the consortium's console and walks its pages.
func TestPlatformConsoleSignedIn(t *testing.T) {
	tb := newTab(t)
	var op demo.StaffAccount
	for _, s := range demo.Staff {
		if s.Tenant == "" {
			op = s
		}
	}
	tb.visit(tb.h.platformURL("/"))
	if tb.path() != "/accedi" {
		t.Fatalf("the console must ask to sign in, at %s", tb.url)
	}
	tb.signIn(op.Email)
	if tb.path() != "/" || !strings.Contains(tb.text(), "Comune di Borgo Fiorito") {
		t.Fatalf("after signing in: at %s", tb.url)
	}
	tb.visit(tb.h.platformURL("/comuni/nuovo"))
	tb.submitStatus(`main form [type="submit"]`, 422) // empty form: every error summarised
	tb.visit(tb.h.platformURL("/"))
	tb.followText("Comune di Marina di Ponente")
	id := tb.path()[len("/comuni/"):]
	for _, p := range []string{"/comuni/" + id + "/amministratori", "/comuni/" + id + "/sospendi", "/registro-attivita", "/sicurezza"} {
		tb.visit(tb.h.platformURL(p))
	}
}

// submitStatus submits a form as the server would receive it from a browser that
// does not check fields itself (noValidate), to see the server's own error page,
// and expects the given status.
func (tb *tab) submitStatus(css string, want int) {
	tb.t.Helper()
	sel, _ := json.Marshal(css)
	runEval[bool](tb, `(() => { const el = document.querySelector(`+string(sel)+`); if (el && el.form) el.form.noValidate = true; return true })()`)
	if got := tb.follow(css); got != want {
		tb.t.Fatalf("%s: submitting %s gave %d, want %d", tb.url, css, got, want)
	}
}
