package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"piazza/internal/apperr"
	"piazza/internal/audit"
	"piazza/internal/tenants"
)

// settingsForm returns a complete, valid settings form for the tenant as stored now.
func (h *harness) settingsForm(tenantID int64) url.Values {
	h.t.Helper()
	t, err := h.tenants.Get(context.Background(), tenantID)
	if err != nil {
		h.t.Fatal(err)
	}
	return url.Values{"version": {id(t.Version)}, "address": {t.Contacts.Address}, "pec": {t.Contacts.PEC}, "email": {t.Contacts.Email},
		"phone": {t.Contacts.Phone}, "opening_hours": {t.Contacts.OpeningHours}, "accessibility_url": {t.AccessibilityURL},
		"primary_color": {t.PrimaryColor}}
}

func with(v url.Values, kv ...string) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out.Set(kv[i], kv[i+1])
	}
	return out
}

func TestBackofficeSettingsPage(t *testing.T) {
	h := newHarness(t)
	r := h.staff(borgo, "admin@borgo").get("/backoffice/impostazioni")
	expectStatus(t, r, http.StatusOK)
	// Identity is shown, not editable.
	expectContains(t, r.Body, "Comune di Borgo", "servizi.borgo.example.it", "Sito istituzionale", `name="version" value="`+id(h.borgo.Version)+`"`,
		`value="pec@borgo.example.it"`, `id="social_facebook"`, `value="#0066CC"`, "Contrasto attuale con il testo bianco: 5.6:1")
	for _, field := range []string{`name="name"`, `name="hosts"`, `name="modules"`, `name="status"`, `name="ipa_code"`, `name="slug"`} {
		expectLacks(t, r.Body, field)
	}
}

func TestBackofficeSettingsUpdate(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	c := h.staff(borgo, "admin@borgo")
	form := with(h.settingsForm(h.borgo.ID), "pec", "Protocollo@PEC.borgo.example.it", "phone", "0123 456789",
		"opening_hours", "Lun-Ven 9-13", "social_facebook", "https://www.facebook.com/comunediborgo",
		"social_mastodon", "https://mastodon.example/@borgo", "accessibility_url", "https://form.agid.gov.it/view/nuova",
		"primary_color", "#004080",
		// Identity fields are the platform operator's: posted values are ignored.
		"name", "Comune Preso", "slug", "preso", "status", "suspended")
	r := c.post("/backoffice/impostazioni", form)
	expectRedirect(t, r, "/backoffice/impostazioni")
	expectContains(t, c.get("/backoffice/impostazioni").Body, "Le impostazioni sono state salvate", `value="https://www.facebook.com/comunediborgo"`)
	got, err := h.tenants.Get(ctx, h.borgo.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Contacts.PEC != "protocollo@pec.borgo.example.it" || got.Contacts.Phone != "0123 456789" || got.PrimaryColor != "#004080" ||
		got.RequireTOTP || got.AccessibilityURL != "https://form.agid.gov.it/view/nuova" || len(got.Social) != 2 ||
		got.Social[0] != (tenants.SocialLink{Network: "facebook", URL: "https://www.facebook.com/comunediborgo"}) {
		t.Fatalf("saved %+v", got)
	}
	if got.Name != "Comune di Borgo" || got.Slug != "borgo" || got.Status != tenants.StatusActive || got.Version != h.borgo.Version+1 {
		t.Fatalf("identity changed: %+v", got)
	}
	// The resolver's cache was invalidated: the site shows the new colour at once.
	expectContains(t, h.client(borgo).get("/tema.css").Body, "#004080")
	if e, ok := findAudit(h.auditLog(h.borgo.ID, audit.Filter{}), "tenant.update", id(h.borgo.ID)); !ok || e.Actor.Label != "admin@borgo.example.it" || !strings.Contains(e.Detail, "contacts") {
		t.Fatalf("tenant.update not audited: %+v", e)
	}
	// Clearing a social link removes it.
	form = h.settingsForm(h.borgo.ID)
	expectRedirect(t, c.post("/backoffice/impostazioni", with(form, "social_mastodon", "https://mastodon.example/@borgo")), "/backoffice/impostazioni")
	if got, _ := h.tenants.Get(ctx, h.borgo.ID); len(got.Social) != 1 || got.Social[0].Network != "mastodon" || got.RequireTOTP {
		t.Fatalf("saved %+v", got)
	}
	// Requiring the second factor applies at once, to the admin who set it too: without
	// a factor of their own, the back office sends them to set one up first.
	form = h.settingsForm(h.borgo.ID)
	expectRedirect(t, c.post("/backoffice/impostazioni", with(form, "require_totp", "1")), "/backoffice/impostazioni")
	if got, _ := h.tenants.Get(ctx, h.borgo.ID); !got.RequireTOTP {
		t.Fatal("require_totp not saved")
	}
	expectRedirect(t, c.get("/backoffice/impostazioni"), "/backoffice/sicurezza")
}

func TestBackofficeSettingsValidation(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	c := h.staff(borgo, "admin@borgo")
	base := h.settingsForm(h.borgo.ID)
	tests := []struct {
		name  string
		form  url.Values
		field string
		want  string
	}{
		{"bad PEC", with(base, "pec", "pec-senza-chiocciola"), "pec", "Scrivi un indirizzo PEC valido"},
		{"low contrast colour", with(base, "primary_color", "#FFFF00"), "primary_color", "il testo bianco avrebbe un contrasto di 1.1:1"},
		{"not a colour", with(base, "primary_color", "blu"), "primary_color", "nel formato #RRGGBB"},
		{"accessibility over http", with(base, "accessibility_url", "http://form.agid.gov.it/view/x"), "accessibility_url", "deve iniziare con https://"},
		{"social over http", with(base, "social_instagram", "http://instagram.com/borgo"), "social_instagram", "Scrivi l&#39;indirizzo completo della pagina"},
		{"bad phone", with(base, "phone", "chiamateci"), "phone", "numero di telefono valido"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.post("/backoffice/impostazioni", tt.form)
			expectStatus(t, r, http.StatusUnprocessableEntity)
			expectContains(t, r.Body, `href="#`+tt.field+`"`, `id="`+tt.field+`-error"`, tt.want)
			if got, _ := h.tenants.Get(ctx, h.borgo.ID); got.Version != h.borgo.Version {
				t.Fatal("the tenant changed despite the error")
			}
		})
	}
}

func TestBackofficeSettingsConflict(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	c := h.staff(borgo, "admin@borgo")
	form := with(h.settingsForm(h.borgo.ID), "phone", "0999 111222")
	// Meanwhile the platform operator changes the tenant.
	t2, _ := h.tenants.Get(ctx, h.borgo.ID)
	t2.Region = "Toscana"
	if err := h.tenants.Update(ctx, &t2); err != nil {
		t.Fatal(err)
	}
	r := c.post("/backoffice/impostazioni", form)
	expectStatus(t, r, http.StatusConflict)
	expectContains(t, r.Body, "Qualcun altro ha modificato", `<a href="/backoffice/impostazioni">`, `value="0999 111222"`)
	got, _ := h.tenants.Get(ctx, h.borgo.ID)
	if got.Contacts.Phone == "0999 111222" || got.Region != "Toscana" {
		t.Fatalf("a stale form overwrote the tenant: %+v", got)
	}
	// After reloading, the same change goes through.
	expectRedirect(t, c.post("/backoffice/impostazioni", with(h.settingsForm(h.borgo.ID), "phone", "0999 111222")), "/backoffice/impostazioni")
	// A missing or forged version is a bad request.
	expectStatus(t, c.post("/backoffice/impostazioni", with(form, "version", "x")), http.StatusUnprocessableEntity)
}

func TestBackofficeOIDCSettings(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	c := h.staff(borgo, "admin@borgo")
	const path = "/backoffice/impostazioni/accesso-cittadini"
	r := c.get(path)
	expectStatus(t, r, http.StatusOK)
	expectContains(t, r.Body, "non è ancora configurato", `value="https://attributes.eid.gov.it/fiscal_number"`, "Nessun segreto salvato")

	const secret = "segreto-del-client-0123456789"
	form := url.Values{"enabled": {"1"}, "issuer_url": {"https://login.regione.example.it/"}, "client_id": {"borgo-client"},
		"client_secret": {secret}, "scopes": {"profile email"}, "claim_fiscal_code": {"fiscal_number"}}
	expectRedirect(t, c.post(path, form), path)
	r = c.get(path)
	expectContains(t, r.Body, "sono state salvate", `value="https://login.regione.example.it"`, `value="borgo-client"`, `value="openid profile email"`,
		`value="fiscal_number"`, `value="given_name"`, "Un segreto è già salvato", `id="enabled" name="enabled" value="1" aria-describedby="enabled-help" checked`)
	expectLacks(t, r.Body, secret)
	// Stored sealed, never in plain text.
	raw, err := h.db.OIDC(ctx, h.borgo.ID)
	if err != nil {
		t.Fatal(err)
	}
	if raw.ClientSecret == "" || strings.Contains(raw.ClientSecret, secret) {
		t.Fatalf("secret stored in plain text: %q", raw.ClientSecret)
	}
	if o, err := h.tenants.OIDC(ctx, h.borgo.ID); err != nil || o.ClientSecret != secret || !o.Enabled || o.ClientID != "borgo-client" {
		t.Fatalf("OIDC %+v %v", o, err)
	}
	if e, ok := findAudit(h.auditLog(h.borgo.ID, audit.Filter{}), "tenant.oidc", id(h.borgo.ID)); !ok || e.Actor.ID != h.acc["admin@borgo"].ID || strings.Contains(e.Detail, secret) {
		t.Fatalf("tenant.oidc audit: %+v", e)
	}

	// An empty secret keeps the stored one.
	form.Set("client_secret", "")
	form.Set("client_id", "borgo-client-2")
	form.Del("enabled")
	expectRedirect(t, c.post(path, form), path)
	if o, _ := h.tenants.OIDC(ctx, h.borgo.ID); o.ClientSecret != secret || o.ClientID != "borgo-client-2" || o.Enabled {
		t.Fatalf("OIDC %+v", o)
	}

	// Errors: nothing changes, and the typed secret is not echoed back.
	tests := []struct {
		name, field string
		form        url.Values
	}{
		{"bad issuer", "issuer_url", with(form, "issuer_url", "ftp://login.example.it", "client_secret", "nuovo-segreto-da-non-mostrare")},
		{"no client id", "client_id", with(form, "client_id", "", "client_secret", "nuovo-segreto-da-non-mostrare")},
		{"bad claim", "claim_email", with(form, "claim_email", "e mail", "client_secret", "nuovo-segreto-da-non-mostrare")},
		{"bad scope", "scopes", with(form, "scopes", "profile <script>", "client_secret", "nuovo-segreto-da-non-mostrare")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.post(path, tt.form)
			expectStatus(t, r, http.StatusUnprocessableEntity)
			expectContains(t, r.Body, `href="#`+tt.field+`"`, "Un segreto è già salvato")
			expectLacks(t, r.Body, "nuovo-segreto-da-non-mostrare", secret)
			if o, _ := h.tenants.OIDC(ctx, h.borgo.ID); o.ClientSecret != secret || o.ClientID != "borgo-client-2" {
				t.Fatalf("OIDC changed: %+v", o)
			}
		})
	}
	// Marina is untouched.
	if _, err := h.tenants.OIDC(ctx, h.marina.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("Marina OIDC: %v", err)
	}
}
