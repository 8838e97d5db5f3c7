package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// consentPost sends the consent form as a browser would (no form token: the
// browser's origin headers are the check).
func (c *client) consentPost(form url.Values) *response {
	c.h.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, "http://"+c.host+"/preferenze-cookie", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "http://"+c.host)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.do(req)
}

// TestAnalyticsSettings: a tenant admin sets the comune's Matomo site; bad values
// get a message on the field and change nothing.
func TestAnalyticsSettings(t *testing.T) {
	h := newHarness(t)
	c := h.staff(borgo, "admin@borgo")
	for _, tc := range []struct{ url, site, field string }{
		{"http://stats.example.it/", "3", "analytics_url"},
		{"https://stats.example.it/?x=1", "3", "analytics_url"},
		{`https://stats.example.it/"><script>`, "3", "analytics_url"},
		{"https://stats.example.it/", "tre", "analytics_site_id"},
		{"https://stats.example.it/", "", "analytics_site_id"},
	} {
		r := c.post("/backoffice/impostazioni", with(h.settingsForm(h.borgo.ID), "analytics_url", tc.url, "analytics_site_id", tc.site))
		expectStatus(t, r, http.StatusUnprocessableEntity)
		expectContains(t, r.Body, `id="`+tc.field+`-error"`)
	}
	if got, _ := h.tenants.Get(t.Context(), h.borgo.ID); got.Analytics.URL != "" {
		t.Fatalf("a refused value was saved: %+v", got.Analytics)
	}
	r := c.post("/backoffice/impostazioni", with(h.settingsForm(h.borgo.ID), "analytics_url", "https://stats.example.it/matomo", "analytics_site_id", "42"))
	expectRedirect(t, r, "/backoffice/impostazioni")
	if got, _ := h.tenants.Get(t.Context(), h.borgo.ID); got.Analytics.URL != "https://stats.example.it/matomo/" || got.Analytics.SiteID != "42" {
		t.Fatalf("saved %+v", got.Analytics)
	}
}

// TestConsent: a comune's analytics are loaded only after the visitor accepts
// them: before, no page names the analytics server (in its markup or its security
// policy); the banner is a plain form; the choice is kept, can be changed, and
// stored pages never mix visitors who chose differently.
func TestConsent(t *testing.T) {
	h, _ := cachedHarness(t, time.Minute)
	const origin = "https://stats.example.it"
	admin := h.staff(borgo, "admin@borgo")
	expectRedirect(t, admin.post("/backoffice/impostazioni", with(h.settingsForm(h.borgo.ID), "analytics_url", origin+"/", "analytics_site_id", "7")),
		"/backoffice/impostazioni")

	// Marina measures nothing: no banner, nothing to accept.
	m := h.client(marina)
	expectLacks(t, m.get("/").Body, "consent-title", "analytics.js")
	expectContains(t, m.get("/preferenze-cookie").Body, "non c&#39;è nulla da accettare")

	visitor := h.client(borgo)
	for _, p := range []string{"/", "/novita", "/servizi", "/privacy"} {
		r := visitor.get(p)
		expectContains(t, r.Body, `id="consent-title"`, `action="/preferenze-cookie"`, `name="next" value="`+p+`"`)
		expectLacks(t, r.Body, "analytics.js", `data-url=`, `src="`+origin)
		if csp := r.Header.Get("Content-Security-Policy"); strings.Contains(csp, origin) {
			t.Errorf("%s: policy allows the analytics server before consent: %s", p, csp)
		}
		if len(r.Cookies()) > 0 {
			t.Errorf("%s sets a cookie before any choice: %v", p, r.Cookies())
		}
	}

	// Refusing keeps analytics off and the banner away.
	refuser := h.client(borgo)
	r := refuser.consentPost(url.Values{"scelta": {"no"}, "next": {"/novita"}})
	expectRedirect(t, r, "/novita")
	page := refuser.get("/novita")
	expectLacks(t, page.Body, "consent-title", "analytics.js", `src="`+origin)
	expectContains(t, refuser.get("/preferenze-cookie").Body, "Hai rifiutato")

	// Accepting loads the script, with the server allowed by the page's policy.
	accepter := h.client(borgo)
	expectRedirect(t, accepter.consentPost(url.Values{"scelta": {"si"}, "next": {"/servizi"}}), "/servizi")
	for range 2 { // rendered, then stored
		page = accepter.get("/servizi")
		expectContains(t, page.Body, "analytics.js", `data-url="`+origin+`/"`, `data-site="7"`)
		expectLacks(t, page.Body, "consent-title")
		if csp := page.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self' "+origin) {
			t.Errorf("policy after consent: %s", csp)
		}
	}
	// The visitor who has not chosen still gets the banner, not the accepter's page.
	expectContains(t, visitor.get("/servizi").Body, "consent-title")
	expectLacks(t, visitor.get("/servizi").Body, "analytics.js")

	// Changing one's mind.
	expectRedirect(t, accepter.consentPost(url.Values{"scelta": {"no"}, "next": {"/preferenze-cookie"}}), "/preferenze-cookie")
	expectLacks(t, accepter.get("/servizi").Body, "analytics.js")

	// Bad input: an unknown choice, a foreign return address, a cross-site post.
	expectStatus(t, visitor.consentPost(url.Values{"scelta": {"forse"}}), http.StatusBadRequest)
	expectRedirect(t, visitor.consentPost(url.Values{"scelta": {"no"}, "next": {"//evil.example/"}}), "/")
	req, _ := http.NewRequest(http.MethodPost, "http://"+borgo+"/preferenze-cookie", strings.NewReader("scelta=si"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if r := h.client(borgo).do(req); r.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site consent: %d", r.StatusCode)
	}
}
