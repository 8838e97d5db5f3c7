package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"piazza/internal/session"
	"piazza/internal/store/storetest"
)

// TestSignedInPagesAreNeverCached walks every GET route as each kind of signed-in
// person and checks that the answer carries Cache-Control: private, no-store. In
// April 2020 a CDN in front of INPS served one citizen's pages to others: a page that
// depends on who is signed in must never be stored by a proxy. Public pages are
// walked too, since they show who is signed in (the header's personal-area button).
func TestSignedInPagesAreNeverCached(t *testing.T) {
	h := newHarness(t)
	office := storetest.MustCreateOffice(t, h.db, h.borgo.ID, "Anagrafe")
	cit := storetest.MustCreateCitizen(t, h.db, h.borgo.ID, "RSSMRA80A01H501U", "Mario", "Rossi")
	values := map[string]string{
		"{slug}": office.Slug, "{kind}": "notizie", "{section}": "politici", "{category}": "ambiente", "{method}": "spid",
		"{account}": strconv.FormatInt(h.acc["admin@borgo"].ID, 10), "{name}": "20260101T000000.000000000.eml",
		// Path parameters of the online services' routes.
		"{code}": "K7QH-3M9X-2PTA", "{key}": "mensa-scolastica", "{year}": "2026", "{number}": "1", "{step}": "1", "{day}": "2026-03-13",
	}
	idFor := func(pattern string) string {
		switch {
		case strings.Contains(pattern, "/uffici/"):
			return strconv.FormatInt(office.ID, 10)
		case strings.Contains(pattern, "/personale/"):
			return strconv.FormatInt(h.acc["operator@borgo"].ID, 10)
		case strings.Contains(pattern, "/cittadini/"):
			return strconv.FormatInt(cit.ID, 10)
		case strings.Contains(pattern, "/comuni/"):
			return strconv.FormatInt(h.borgo.ID, 10)
		}
		return "1"
	}
	principals := []struct {
		name     string
		platform bool
		client   func() *client
	}{
		{"staff admin", false, func() *client { return h.staff("borgo.example.it", "admin@borgo") }},
		{"staff viewer", false, func() *client { return h.staff("borgo.example.it", "viewer@borgo") }},
		{"citizen", false, func() *client {
			c := h.client("borgo.example.it")
			c.signIn(session.Citizen, 0, cit.ID)
			return c
		}},
		{"platform operator", true, func() *client { return h.staff(h.cfg.PlatformHost, "platform") }},
	}
	walked := 0
	for _, p := range principals {
		c := p.client()
		for _, rt := range h.srv.routes {
			method, path, _ := strings.Cut(rt.pattern, " ")
			if method != http.MethodGet || rt.platform != p.platform || path == "/auth/callback" {
				continue
			}
			path = strings.TrimSuffix(path, "{$}")
			path = strings.ReplaceAll(path, "{id}", idFor(rt.pattern))
			for k, v := range values {
				path = strings.ReplaceAll(path, k, v)
			}
			if strings.Contains(path, "{") {
				t.Fatalf("%s: no value for a path parameter; add it to the test", rt.pattern)
			}
			r := c.get(path)
			walked++
			// (The harness has no OpenID client: starting a citizen sign-in answers 503.)
			if r.StatusCode >= 500 && !(rt.pattern == "GET /accedi/{method}" && r.StatusCode == http.StatusServiceUnavailable) {
				t.Errorf("%s %s as %s: status %d", method, path, p.name, r.StatusCode)
			}
			if got := r.Header.Get("Cache-Control"); got != "private, no-store" {
				t.Errorf("%s %s as %s (status %d): Cache-Control %q, want private, no-store", method, path, p.name, r.StatusCode, got)
			}
		}
	}
	if walked < 40 {
		t.Fatalf("walked only %d pages", walked)
	}
	// And an anonymous visitor's public page may be revalidated by caches, but is
	// never stored as private data either way.
	if r := h.client("borgo.example.it").get("/"); r.Header.Get("Cache-Control") == "" {
		t.Error("public pages must say how to cache them")
	}
	_ = context.Background
}
