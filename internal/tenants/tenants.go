// Package tenants models a tenant: a comune, or a union of comuni, served by Piazza.
//
// A tenant has an identity (IPA, ISTAT and fiscal codes), host names, a look
// (coat of arms, primary colour), contacts, enabled modules and a status. Requests
// find their tenant from the Host header through a Resolver.
package tenants

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"piazza/internal/apperr"
	"piazza/internal/check"
	"piazza/internal/fiscalcode"
)

// Kind is what sort of body the tenant is.
type Kind string

const (
	KindComune Kind = "comune"
	KindUnione Kind = "unione" // unione di comuni
)

// Status says whether the tenant serves requests.
type Status string

const (
	StatusActive    Status = "active"
	StatusSuspended Status = "suspended" // answers 503 with a static notice
)

// Module is a part of Piazza that a tenant can switch on.
type Module string

const (
	ModuleSite     Module = "site"     // institutional website
	ModuleServices Module = "services" // online services and applications
	ModuleProtocol Module = "protocol" // protocol register
	ModuleReports  Module = "reports"  // citizen reports (segnalazioni)
	ModuleBooking  Module = "booking"  // appointment booking
)

// AllModules lists the modules in display order.
var AllModules = []Module{ModuleSite, ModuleServices, ModuleProtocol, ModuleReports, ModuleBooking}

// HostKind is the role of a host name.
type HostKind string

const (
	HostSite     HostKind = "site"     // comune.<name>.<pv>.it
	HostServices HostKind = "services" // servizi.comune.<name>.<pv>.it
	HostAlias    HostKind = "alias"    // any other name that serves the site
)

// Host is one host name of a tenant.
type Host struct {
	Name string
	Kind HostKind
}

// SocialLink is a link to the tenant's page on a social network.
type SocialLink struct {
	Network string `json:"network"` // one of SocialNetworks
	URL     string `json:"url"`
}

// SocialNetworks are the networks with an icon in Bootstrap Italia.
var SocialNetworks = []string{"facebook", "instagram", "linkedin", "telegram", "whatsapp", "youtube", "x", "mastodon"}

// Contacts are how people reach the tenant.
type Contacts struct {
	Address      string
	PEC          string
	Email        string
	Phone        string
	OpeningHours string
}

// CoatOfArms is the stored image of the tenant's coat of arms (stemma).
type CoatOfArms struct {
	Key         string // blob key; empty when none
	ContentType string
	SHA256      string
}

// Tenant is a comune or union of comuni.
type Tenant struct {
	ID               int64
	Slug             string
	Name             string // "Comune di Borgo Fiorito"
	Kind             Kind
	IPACode          string
	ISTATCode        string
	FiscalCode       string
	Province         string // two-letter sigla
	Region           string
	PrimaryColor     string // #RRGGBB, dark enough for white text
	CoatOfArms       CoatOfArms
	Contacts         Contacts
	Social           []SocialLink
	Modules          []Module
	AccessibilityURL string // the AgID accessibility statement (form.agid.gov.it)
	// Analytics is the comune's Web Analytics Italia (Matomo) site, loaded on its
	// pages only for visitors who accept it; empty URL for none.
	Analytics   Analytics
	Status      Status
	StatusNote  string
	RequireTOTP bool
	Hosts       []Host
	Version     int64 // incremented on every change, for optimistic locking and caches
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// HostOf returns the first host of the kind, or "".
func (t *Tenant) HostOf(kind HostKind) string {
	for _, h := range t.Hosts {
		if h.Kind == kind {
			return h.Name
		}
	}
	return ""
}

// SiteHost returns the website host.
func (t *Tenant) SiteHost() string { return t.HostOf(HostSite) }

// ServicesHost returns the services host, or the site host when there is none.
func (t *Tenant) ServicesHost() string {
	if h := t.HostOf(HostServices); h != "" {
		return h
	}
	return t.SiteHost()
}

// Has reports whether the module is enabled.
func (t *Tenant) Has(m Module) bool { return slices.Contains(t.Modules, m) }

// Active reports whether the tenant serves requests.
func (t *Tenant) Active() bool { return t.Status == StatusActive }

// ShortName returns the name without "Comune di " (for "Vivere <nome>" and the like).
func (t *Tenant) ShortName() string {
	for _, p := range []string{"Comune di ", "Comune dell'", "Comune del ", "Comune della ", "Comune degli ", "Comune dei "} {
		if strings.HasPrefix(t.Name, p) {
			return strings.TrimPrefix(t.Name, p)
		}
	}
	return t.Name
}

var (
	ipaRE      = regexp.MustCompile(`^[a-z0-9_]{2,20}$`)
	istatRE    = regexp.MustCompile(`^[0-9]{6}$`)
	provinceRE = regexp.MustCompile(`^[A-Z]{2}$`)
	colorRE    = regexp.MustCompile(`^#[0-9A-F]{6}$`)
)

// Normalize trims and canonicalises the fields people type.
func (t *Tenant) Normalize() {
	t.Slug = strings.ToLower(strings.TrimSpace(t.Slug))
	t.Name = check.Clean(t.Name)
	t.IPACode = strings.ToLower(strings.TrimSpace(t.IPACode))
	t.ISTATCode = strings.TrimSpace(t.ISTATCode)
	t.FiscalCode = strings.ToUpper(strings.TrimSpace(t.FiscalCode))
	t.Province = strings.ToUpper(strings.TrimSpace(t.Province))
	t.Region = check.Clean(t.Region)
	t.PrimaryColor = strings.ToUpper(strings.TrimSpace(t.PrimaryColor))
	if t.PrimaryColor == "" {
		t.PrimaryColor = "#0066CC"
	}
	t.Contacts.Address = check.Clean(t.Contacts.Address)
	t.Contacts.PEC = strings.ToLower(strings.TrimSpace(t.Contacts.PEC))
	t.Contacts.Email = strings.ToLower(strings.TrimSpace(t.Contacts.Email))
	t.Contacts.Phone = strings.TrimSpace(t.Contacts.Phone)
	t.Contacts.OpeningHours = check.Clean(t.Contacts.OpeningHours)
	t.AccessibilityURL = strings.TrimSpace(t.AccessibilityURL)
	t.Analytics.URL = strings.TrimSpace(t.Analytics.URL)
	if t.Analytics.URL != "" && !strings.HasSuffix(t.Analytics.URL, "/") {
		t.Analytics.URL += "/"
	}
	t.Analytics.SiteID = strings.TrimSpace(t.Analytics.SiteID)
	t.StatusNote = check.Clean(t.StatusNote)
	for i := range t.Hosts {
		t.Hosts[i].Name = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(t.Hosts[i].Name)), ".")
	}
	for i := range t.Social {
		t.Social[i].Network = strings.ToLower(strings.TrimSpace(t.Social[i].Network))
		t.Social[i].URL = strings.TrimSpace(t.Social[i].URL)
	}
	slices.Sort(t.Modules)
	t.Modules = slices.Compact(t.Modules)
	if t.Kind == "" {
		t.Kind = KindComune
	}
	if t.Status == "" {
		t.Status = StatusActive
	}
}

// Validate checks the tenant. Field names match the platform console form.
func (t *Tenant) Validate() error {
	var v apperr.Validation
	if !check.Slug(t.Slug) || len(t.Slug) < 2 || len(t.Slug) > 40 {
		v.Add("slug", "tenant.slug.invalid")
	}
	if len([]rune(t.Name)) < 3 || !check.Line(t.Name, 120) {
		v.Add("name", "tenant.name.invalid")
	}
	if t.Kind != KindComune && t.Kind != KindUnione {
		v.Add("kind", "tenant.kind.invalid")
	}
	if t.IPACode != "" && !ipaRE.MatchString(t.IPACode) {
		v.Add("ipa_code", "tenant.ipa_code.invalid")
	}
	if t.ISTATCode != "" && !istatRE.MatchString(t.ISTATCode) {
		v.Add("istat_code", "tenant.istat_code.invalid")
	}
	if t.FiscalCode != "" && !fiscalcode.ValidAny(t.FiscalCode) {
		v.Add("fiscal_code", "tenant.fiscal_code.invalid")
	}
	if t.Province != "" && !provinceRE.MatchString(t.Province) {
		v.Add("province", "tenant.province.invalid")
	}
	if !check.Line(t.Region, 60) {
		v.Add("region", "tenant.region.invalid")
	}
	if !colorRE.MatchString(t.PrimaryColor) {
		v.Add("primary_color", "tenant.primary_color.invalid")
	} else if ContrastWithWhite(t.PrimaryColor) < 4.5 {
		v.AddArgs("primary_color", "tenant.primary_color.contrast", map[string]any{"Ratio": strconv.FormatFloat(ContrastWithWhite(t.PrimaryColor), 'f', 1, 64)})
	}
	if !check.Text(t.Contacts.Address, 300) {
		v.Add("address", "tenant.address.invalid")
	}
	if t.Contacts.PEC != "" && !check.Email(t.Contacts.PEC) {
		v.Add("pec", "tenant.pec.invalid")
	}
	if t.Contacts.Email != "" && !check.Email(t.Contacts.Email) {
		v.Add("email", "tenant.email.invalid")
	}
	if t.Contacts.Phone != "" && !check.Phone(t.Contacts.Phone) {
		v.Add("phone", "tenant.phone.invalid")
	}
	if !check.Text(t.Contacts.OpeningHours, 1000) {
		v.Add("opening_hours", "tenant.opening_hours.invalid")
	}
	if t.AccessibilityURL != "" && !check.HTTPSURL(t.AccessibilityURL) {
		v.Add("accessibility_url", "tenant.accessibility_url.invalid")
	}
	if t.Analytics.URL != "" && !validAnalyticsURL(t.Analytics.URL) {
		v.Add("analytics_url", "tenant.analytics_url.invalid")
	}
	if (t.Analytics.URL != "" || t.Analytics.SiteID != "") && !validSiteID(t.Analytics.SiteID) {
		v.Add("analytics_site_id", "tenant.analytics_site_id.invalid")
	}
	if !check.Text(t.StatusNote, 500) {
		v.Add("status_note", "tenant.status_note.invalid")
	}
	for _, m := range t.Modules {
		if !slices.Contains(AllModules, m) {
			v.Add("modules", "tenant.modules.invalid")
			break
		}
	}
	for i, s := range t.Social {
		if !slices.Contains(SocialNetworks, s.Network) || !check.HTTPSURL(s.URL) {
			v.Add(fmt.Sprintf("social_%d", i), "tenant.social.invalid")
		}
	}
	if t.Status != StatusActive && t.Status != StatusSuspended {
		v.Add("status", "tenant.status.invalid")
	}
	validateHosts(&v, t.Hosts)
	return v.Err()
}

func validateHosts(v *apperr.Validation, hosts []Host) {
	seen := map[string]bool{}
	sites, services := 0, 0
	for _, h := range hosts {
		n, err := NormalizeHost(h.Name)
		if err != nil || n != h.Name || isIP(n) {
			v.Add("hosts", "tenant.hosts.invalid")
			return
		}
		if seen[n] {
			v.Add("hosts", "tenant.hosts.duplicate")
			return
		}
		seen[n] = true
		switch h.Kind {
		case HostSite:
			sites++
		case HostServices:
			services++
		case HostAlias:
		default:
			v.Add("hosts", "tenant.hosts.invalid")
			return
		}
	}
	if sites != 1 || services > 1 {
		v.Add("hosts", "tenant.hosts.need_site")
	}
}

// ContrastWithWhite returns the WCAG 2.1 contrast ratio of a #RRGGBB colour against
// white text. Header bars use the primary colour behind white text, so it must be at
// least 4.5 (WCAG AA for normal text).
func ContrastWithWhite(hex string) float64 {
	if len(hex) != 7 || hex[0] != '#' {
		return 1
	}
	var c [3]float64
	for i := range 3 {
		n, err := strconv.ParseUint(hex[1+2*i:3+2*i], 16, 8)
		if err != nil {
			return 1
		}
		s := float64(n) / 255
		if s <= 0.03928 {
			c[i] = s / 12.92
		} else {
			c[i] = math.Pow((s+0.055)/1.055, 2.4)
		}
	}
	l := 0.2126*c[0] + 0.7152*c[1] + 0.0722*c[2]
	return 1.05 / (l + 0.05)
}

// OIDC is a tenant's citizen sign-in settings: the OpenID provider (usually a
// regional or national SPID/CIE gateway) and the names of the claims it sends.
type OIDC struct {
	Enabled      bool
	IssuerURL    string
	ClientID     string
	ClientSecret string // plain text here; the store keeps it encrypted
	Scopes       []string
	Claims       Claims
	UpdatedAt    time.Time
}

// Claims names the ID-token or userinfo claims that carry each attribute.
type Claims struct {
	FiscalCode string
	GivenName  string
	FamilyName string
	Email      string
	Phone      string
	Level      string // SPID/CIE level, e.g. acr
}

// DefaultClaims are the claim names of the SPID/CIE OpenID Connect profile.
var DefaultClaims = Claims{
	FiscalCode: "https://attributes.eid.gov.it/fiscal_number",
	GivenName:  "given_name",
	FamilyName: "family_name",
	Email:      "email",
	Phone:      "phone_number",
	Level:      "acr",
}

var claimRE = regexp.MustCompile(`^[A-Za-z0-9_:/.\-#]{1,120}$`)

// Normalize fills defaults and trims.
func (o *OIDC) Normalize() {
	o.IssuerURL = strings.TrimSuffix(strings.TrimSpace(o.IssuerURL), "/")
	o.ClientID = strings.TrimSpace(o.ClientID)
	var scopes []string
	for _, s := range o.Scopes {
		for _, f := range strings.Fields(s) {
			if !slices.Contains(scopes, f) {
				scopes = append(scopes, f)
			}
		}
	}
	if !slices.Contains(scopes, "openid") {
		scopes = append([]string{"openid"}, scopes...)
	}
	o.Scopes = scopes
	def := DefaultClaims
	for _, p := range []struct {
		v *string
		d string
	}{
		{&o.Claims.FiscalCode, def.FiscalCode}, {&o.Claims.GivenName, def.GivenName}, {&o.Claims.FamilyName, def.FamilyName},
		{&o.Claims.Email, def.Email}, {&o.Claims.Phone, def.Phone}, {&o.Claims.Level, def.Level},
	} {
		*p.v = strings.TrimSpace(*p.v)
		if *p.v == "" {
			*p.v = p.d
		}
	}
}

// Validate checks the settings.
func (o *OIDC) Validate() error {
	var v apperr.Validation
	if !check.WebURL(o.IssuerURL) {
		v.Add("issuer_url", "oidc.issuer_url.invalid")
	}
	if o.ClientID == "" || !check.Line(o.ClientID, 200) {
		v.Add("client_id", "oidc.client_id.invalid")
	}
	if !check.Line(o.ClientSecret, 500) {
		v.Add("client_secret", "oidc.client_secret.invalid")
	}
	for _, s := range o.Scopes {
		if !claimRE.MatchString(s) {
			v.Add("scopes", "oidc.scopes.invalid")
			break
		}
	}
	for field, c := range map[string]string{"claim_fiscal_code": o.Claims.FiscalCode, "claim_given_name": o.Claims.GivenName,
		"claim_family_name": o.Claims.FamilyName, "claim_email": o.Claims.Email, "claim_phone": o.Claims.Phone, "claim_level": o.Claims.Level} {
		if !claimRE.MatchString(c) {
			v.Add(field, "oidc.claim.invalid")
		}
	}
	return v.Err()
}

// Store is what the tenants package needs from the database. Methods return
// NotFound when the tenant does not exist, and Conflict when a slug or host is taken
// or (UpdateTenant) when the version does not match.
type Store interface {
	Atomic(ctx context.Context, fn func(ctx context.Context) error) error
	CreateTenant(ctx context.Context, t *Tenant) error
	UpdateTenant(ctx context.Context, t *Tenant) error
	Tenant(ctx context.Context, id int64) (Tenant, error)
	TenantBySlug(ctx context.Context, slug string) (Tenant, error)
	TenantByHost(ctx context.Context, host string) (Tenant, error)
	Tenants(ctx context.Context) ([]Tenant, error)
	TenantsVersion(ctx context.Context) (int64, error)
	OIDC(ctx context.Context, tenantID int64) (OIDC, error)
	SetOIDC(ctx context.Context, tenantID int64, o OIDC) error
}

// Analytics is a Matomo site (Web Analytics Italia: https://ingestion.webanalytics.italia.it/).
type Analytics struct {
	URL    string // the Matomo address, https, ending in "/"
	SiteID string // the site's number there
}

// Enabled reports whether the comune measures its visits.
func (a Analytics) Enabled() bool { return a.URL != "" && a.SiteID != "" }

// Origin is the scheme and host of the Matomo address (for the pages' security policy).
func (a Analytics) Origin() string {
	u, err := url.Parse(a.URL)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// validAnalyticsURL accepts an https address without credentials, query or fragment.
func validAnalyticsURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && check.HTTPSURL(s) && u.User == nil && u.RawQuery == "" && u.Fragment == "" && len(s) <= 200 &&
		!strings.ContainsAny(s, "'\"<> ")
}

// validSiteID accepts a Matomo site number.
func validSiteID(s string) bool {
	if s == "" || len(s) > 9 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
