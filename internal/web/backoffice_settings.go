package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"piazza/internal/apperr"
	"piazza/internal/tenants"
)

// settingsForm is the tenant settings page. The identity (name, codes, hosts,
// modules, status) belongs to the platform operator and is only shown; the admin
// edits contacts, social links, accessibility statement, colour and the
// second-factor rule.
type settingsForm struct {
	Tenant   tenants.Tenant
	Social   map[string]string // network → URL
	Networks []string
	Contrast string // contrast of the primary colour with white text
}

func newSettingsForm(t tenants.Tenant) settingsForm {
	f := settingsForm{Tenant: t, Social: map[string]string{}, Networks: tenants.SocialNetworks}
	for _, l := range t.Social {
		f.Social[l.Network] = l.URL
	}
	if c := tenants.ContrastWithWhite(t.PrimaryColor); c > 1 {
		f.Contrast = strconv.FormatFloat(c, 'f', 1, 64)
	}
	return f
}

func (s *Server) boSettings(w http.ResponseWriter, r *http.Request) {
	// Read from the database, not the resolver's cache: the form carries the version
	// it was read at, and must show the latest.
	t, err := s.Tenants.Get(r.Context(), info(r).Tenant.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, page{Template: "backoffice/impostazioni.html", Title: "bo.settings.title", Data: newSettingsForm(t)})
}

func (s *Server) boSettingsSave(w http.ResponseWriter, r *http.Request) {
	t, err := s.Tenants.Get(r.Context(), info(r).Tenant.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := r.PostFormValue
	version, verr := strconv.ParseInt(f("version"), 10, 64)
	if verr != nil || version <= 0 {
		s.fail(w, r, apperr.E(apperr.Invalid, "error.bad_request"))
		return
	}
	t.Version = version
	t.Contacts = tenants.Contacts{Address: f("address"), PEC: f("pec"), Email: f("email"), Phone: f("phone"), OpeningHours: f("opening_hours")}
	t.AccessibilityURL = f("accessibility_url")
	t.Analytics = tenants.Analytics{URL: f("analytics_url"), SiteID: f("analytics_site_id")}
	t.PrimaryColor = f("primary_color")
	t.RequireTOTP = f("require_totp") == "1"
	t.Social = nil
	var socialField []string // index in t.Social → form field
	for _, n := range tenants.SocialNetworks {
		if u := strings.TrimSpace(f("social_" + n)); u != "" {
			t.Social = append(t.Social, tenants.SocialLink{Network: n, URL: u})
			socialField = append(socialField, "social_"+n)
		}
	}
	if err := s.Tenants.Update(r.Context(), &t); err != nil {
		form := newSettingsForm(t)
		form.Contrast = ""
		s.render(w, r, page{Template: "backoffice/impostazioni.html", Title: "bo.settings.title", Data: form,
			Err: socialFields(err, socialField)})
		return
	}
	s.flash(w, r, "bo.settings.flash.saved")
	seeOther(w, r, "/backoffice/impostazioni")
}

// socialFields renames the field errors of social links from their index in the
// list ("social_0") to the input they came from ("social_facebook").
func socialFields(err error, fields []string) error {
	e := apperr.As(err)
	if e == nil || len(e.Fields) == 0 {
		return err
	}
	c := *e
	c.Fields = make([]apperr.FieldError, len(e.Fields))
	for i, fe := range e.Fields {
		var n int
		if _, serr := fmt.Sscanf(fe.Field, "social_%d", &n); serr == nil && n >= 0 && n < len(fields) {
			fe.Field = fields[n]
		}
		c.Fields[i] = fe
	}
	return &c
}

// oidcForm is the citizen sign-in settings page. The client secret is never sent
// back to the browser: HasSecret only says whether one is stored.
type oidcForm struct {
	OIDC       tenants.OIDC
	Scopes     string
	HasSecret  bool
	Configured bool
}

func (s *Server) boOIDC(w http.ResponseWriter, r *http.Request) {
	o, err := s.Tenants.OIDC(r.Context(), info(r).Tenant.ID)
	configured := err == nil
	if apperr.Is(err, apperr.NotFound) {
		o = tenants.OIDC{Scopes: []string{"openid", "profile"}, Claims: tenants.DefaultClaims}
	} else if err != nil {
		s.fail(w, r, err)
		return
	}
	f := oidcForm{OIDC: o, Scopes: strings.Join(o.Scopes, " "), HasSecret: o.ClientSecret != "", Configured: configured}
	f.OIDC.ClientSecret = ""
	s.render(w, r, page{Template: "backoffice/accesso-cittadini.html", Title: "bo.oidc.title", Data: f})
}

func (s *Server) boOIDCSave(w http.ResponseWriter, r *http.Request) {
	ctx, tid := r.Context(), info(r).Tenant.ID
	f := r.PostFormValue
	o := tenants.OIDC{
		Enabled:      f("enabled") == "1",
		IssuerURL:    f("issuer_url"),
		ClientID:     f("client_id"),
		ClientSecret: f("client_secret"), // empty keeps the stored one
		Scopes:       []string{f("scopes")},
		Claims: tenants.Claims{FiscalCode: f("claim_fiscal_code"), GivenName: f("claim_given_name"), FamilyName: f("claim_family_name"),
			Email: f("claim_email"), Phone: f("claim_phone"), Level: f("claim_level")},
	}
	if err := s.Tenants.SetOIDC(ctx, tid, o); err != nil {
		old, oerr := s.Tenants.OIDC(ctx, tid)
		form := oidcForm{OIDC: o, Scopes: f("scopes"), HasSecret: oerr == nil && old.ClientSecret != "", Configured: oerr == nil}
		form.OIDC.ClientSecret = ""
		s.render(w, r, page{Template: "backoffice/accesso-cittadini.html", Title: "bo.oidc.title", Data: form, Err: err})
		return
	}
	s.flash(w, r, "bo.oidc.flash.saved")
	seeOther(w, r, "/backoffice/impostazioni/accesso-cittadini")
}
