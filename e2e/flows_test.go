//go:build e2e

package e2e

import (
	"strings"
	"testing"

	"piazza/internal/demo"
)

// TestCitizenSignIn signs in as a demo citizen through the demo identity provider:
// "Entra con SPID" on /accedi, the provider's page, "Mario Rossi", and back to the
// personal area. Every page on the way gets the checks of visit.
func TestCitizenSignIn(t *testing.T) {
	tb := newTab(t)
	slug := demoComuni[0]
	if tb.visitOptional(tb.h.siteURL(slug, "/accedi")) == 404 {
		t.Skip("/accedi answers 404: citizen sign-in is not built yet")
	}
	tb.followText("Entra con SPID")
	if !strings.HasPrefix(tb.path(), "/demo-idp") {
		t.Fatalf("after \"Entra con SPID\": at %s, want the demo identity provider", tb.url)
	}
	citizen := demo.Citizens[0]
	tb.followText(citizen.GivenName + " " + citizen.FamilyName)
	if tb.path() != "/area-personale" || !sameHost(tb.url, tb.h.siteURL(slug, "/")) {
		t.Fatalf("after choosing %s %s: at %s, want %s", citizen.GivenName, citizen.FamilyName, tb.url, tb.h.siteURL(slug, "/area-personale"))
	}
	if !strings.Contains(tb.text(), citizen.GivenName) {
		t.Errorf("the personal area does not show the citizen's name %q", citizen.GivenName)
	}
}

// TestStaffSignIn signs in to Borgo Fiorito's back office with a demo staff
// account and lands in the back office.
func TestStaffSignIn(t *testing.T) {
	tb := newTab(t)
	slug := demoComuni[0]
	if tb.visitOptional(tb.h.siteURL(slug, "/backoffice/accedi")) == 404 {
		t.Skip("/backoffice/accedi answers 404: staff sign-in is not built yet")
	}
	var admin demo.StaffAccount
	for _, s := range demo.Staff {
		if s.Tenant == slug {
			admin = s
			break
		}
	}
	tb.fill(`main form input[type="email"], main form input[name="email"]`, admin.Email)
	tb.fill(`main form input[type="password"]`, demo.Password)
	tb.submit(`main form [type="submit"]`)
	if p := tb.path(); !strings.HasPrefix(p, "/backoffice") || strings.HasPrefix(p, "/backoffice/accedi") {
		t.Fatalf("after signing in as %s: at %s, want the back office", admin.Email, tb.url)
	}
	if !strings.Contains(tb.text(), admin.Name) {
		t.Errorf("the back office does not show the signed-in name %q", admin.Name)
	}
}
