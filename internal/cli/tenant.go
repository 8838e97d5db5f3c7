package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"piazza/internal/app"
	"piazza/internal/apperr"
	"piazza/internal/config"
	"piazza/internal/tenants"
)

func tenantCmd(ctx context.Context, env Env, args []string) error {
	return dispatch(ctx, env, "tenant", []command{
		{"add", "create a tenant (a comune or a union of comuni)", tenantAdd},
		{"list", "list the tenants", tenantList},
		{"show", "show one tenant with its hosts and sign-in settings", tenantShow},
		{"update", "change a tenant: only the flags given change", tenantUpdate},
		{"suspend", "suspend a tenant: its sites answer 503 with a notice", tenantSuspend},
		{"activate", "make a suspended tenant serve again", tenantActivate},
		{"oidc", "set the citizen sign-in provider (OpenID Connect, SPID/CIE gateway)", tenantOIDC},
	}, args)
}

// tenantFlags are the fields of a tenant that add and update set.
type tenantFlags struct {
	slug, name, kind, siteHost, servicesHost, ipa, istat, fiscalCode, province, region string
	modules, email, pec, phone, address, color, openingHours, accessibilityURL         string
	aliases                                                                            listFlag
	requireTOTP                                                                        bool
	set                                                                                map[string]bool // flags given
}

// listFlag collects a repeatable flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func (f *tenantFlags) register(fs *flag.FlagSet, add bool) {
	// On add, the defaults are the new tenant's values; on update, an unset flag
	// changes nothing, so it shows no default.
	slugHelp, required := "new short name used in URLs and commands (renames the tenant)", ""
	kindDef, modulesDef, colorDef := "", "", ""
	if add {
		slugHelp, required = "short name used in URLs and commands, e.g. borgo-fiorito (required)", " (required)"
		kindDef, modulesDef, colorDef = "comune", "site,services", "#0066CC"
	}
	fs.StringVar(&f.slug, "slug", "", slugHelp)
	fs.StringVar(&f.name, "name", "", `official name, e.g. "Comune di Borgo Fiorito"`+required)
	fs.StringVar(&f.kind, "kind", kindDef, "comune or unione (unione di comuni)")
	fs.StringVar(&f.siteHost, "site-host", "", "host name of the website, e.g. comune.borgofiorito.pv.it"+required)
	fs.StringVar(&f.servicesHost, "services-host", "", `host name of the online services, e.g. servizi.comune.borgofiorito.pv.it ("" removes it)`)
	fs.Var(&f.aliases, "alias", `another host name that serves the website (repeatable; on update the given ones replace the old ones, "" removes all)`)
	fs.StringVar(&f.ipa, "ipa", "", "IPA code (indicepa.gov.it), e.g. c_a123")
	fs.StringVar(&f.istat, "istat", "", "ISTAT code, 6 digits")
	fs.StringVar(&f.fiscalCode, "fiscal-code", "", "fiscal code of the body (11 digits)")
	fs.StringVar(&f.province, "province", "", "two-letter province code, e.g. PV")
	fs.StringVar(&f.region, "region", "", "region, e.g. Lombardia")
	fs.StringVar(&f.modules, "modules", modulesDef, `comma-separated modules to enable: site, services, protocol, reports, booking ("" for none)`)
	fs.StringVar(&f.email, "email", "", "contact email address")
	fs.StringVar(&f.pec, "pec", "", "certified email address (PEC)")
	fs.StringVar(&f.phone, "phone", "", "contact phone number")
	fs.StringVar(&f.address, "address", "", "postal address of the town hall")
	fs.StringVar(&f.openingHours, "opening-hours", "", "opening hours of the offices, as text")
	fs.StringVar(&f.accessibilityURL, "accessibility-url", "", "https:// address of the AgID accessibility statement")
	fs.StringVar(&f.color, "color", colorDef, "primary colour #RRGGBB; white text on it needs a contrast of at least 4.5:1")
	fs.BoolVar(&f.requireTOTP, "require-totp", false, "staff must use a second factor (authenticator app) to sign in")
}

// apply copies the given flags (all of them when all is true) onto t.
func (f *tenantFlags) apply(t *tenants.Tenant, all bool) {
	given := func(name string) bool { return all || f.set[name] }
	str := func(name string, dst *string, v string) {
		if given(name) {
			*dst = v
		}
	}
	str("slug", &t.Slug, f.slug)
	str("name", &t.Name, f.name)
	if given("kind") {
		t.Kind = tenants.Kind(strings.ToLower(strings.TrimSpace(f.kind)))
	}
	str("ipa", &t.IPACode, f.ipa)
	str("istat", &t.ISTATCode, f.istat)
	str("fiscal-code", &t.FiscalCode, f.fiscalCode)
	str("province", &t.Province, f.province)
	str("region", &t.Region, f.region)
	str("email", &t.Contacts.Email, f.email)
	str("pec", &t.Contacts.PEC, f.pec)
	str("phone", &t.Contacts.Phone, f.phone)
	str("address", &t.Contacts.Address, f.address)
	str("opening-hours", &t.Contacts.OpeningHours, f.openingHours)
	str("accessibility-url", &t.AccessibilityURL, f.accessibilityURL)
	str("color", &t.PrimaryColor, f.color)
	if given("require-totp") {
		t.RequireTOTP = f.requireTOTP
	}
	if given("modules") {
		t.Modules = nil
		for _, m := range strings.Split(f.modules, ",") {
			if m = strings.ToLower(strings.TrimSpace(m)); m != "" {
				t.Modules = append(t.Modules, tenants.Module(m))
			}
		}
	}
	if given("site-host") || given("services-host") || given("alias") {
		site, services := t.SiteHost(), t.HostOf(tenants.HostServices)
		var aliases []string
		for _, h := range t.Hosts {
			if h.Kind == tenants.HostAlias {
				aliases = append(aliases, h.Name)
			}
		}
		str("site-host", &site, f.siteHost)
		str("services-host", &services, f.servicesHost)
		if given("alias") {
			aliases = nil
			for _, a := range f.aliases {
				for _, h := range strings.Split(a, ",") {
					if h = strings.TrimSpace(h); h != "" {
						aliases = append(aliases, h)
					}
				}
			}
		}
		t.Hosts = nil
		if site = strings.TrimSpace(site); site != "" {
			t.Hosts = append(t.Hosts, tenants.Host{Name: site, Kind: tenants.HostSite})
		}
		if services = strings.TrimSpace(services); services != "" {
			t.Hosts = append(t.Hosts, tenants.Host{Name: services, Kind: tenants.HostServices})
		}
		for _, a := range aliases {
			t.Hosts = append(t.Hosts, tenants.Host{Name: a, Kind: tenants.HostAlias})
		}
	}
}

// visited records which flags were given on the command line.
func visited(fs *flag.FlagSet) map[string]bool {
	m := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { m[f.Name] = true })
	return m
}

// withApp loads the configuration, opens the app and runs fn as the command line.
func withApp(ctx context.Context, env Env, fs *flag.FlagSet, args []string, fn func(ctx context.Context, a *app.App, cfg config.Config, pos []string) error) error {
	cfg, pos, err := loadConfig(env, fs, args, false, nil)
	if err != nil {
		return err
	}
	a, err := open(ctx, env, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	return fn(asCLI(ctx, env), a, cfg, pos)
}

// oneArg returns the single positional argument, named what in messages.
func oneArg(fs *flag.FlagSet, pos []string, what string) (string, error) {
	switch {
	case len(pos) == 0:
		return "", usageError{msg: what + " is needed", hint: "run " + fs.Name() + " --help"}
	case len(pos) > 1:
		return "", usageError{msg: fmt.Sprintf("unexpected argument %q", pos[1]), hint: "run " + fs.Name() + " --help"}
	}
	return pos[0], nil
}

func tenantAdd(ctx context.Context, env Env, args []string) error {
	fs := newFlags("tenant add", `--slug SLUG --name NAME --site-host HOST [flags]`, `Creates a tenant: a comune, or a union of comuni (--kind unione). Its website
answers on --site-host, its online services on --services-host (or on the site
host when none), and on any --alias. The change is recorded in the audit log.

Example:
  piazza tenant add --slug borgo --name "Comune di Borgo" \
    --site-host comune.borgo.pv.it --services-host servizi.comune.borgo.pv.it \
    --province PV --region Lombardia --modules site,services`)
	var f tenantFlags
	f.register(fs, true)
	return withApp(ctx, env, fs, args, func(ctx context.Context, a *app.App, _ config.Config, pos []string) error {
		if err := noArgs(fs, pos); err != nil {
			return err
		}
		var missing []string
		for _, name := range []string{"slug", "name", "site-host"} {
			if fs.Lookup(name).Value.String() == "" {
				missing = append(missing, "--"+name)
			}
		}
		if len(missing) > 0 {
			return usageError{msg: strings.Join(missing, ", ") + " needed", hint: "run piazza tenant add --help"}
		}
		var t tenants.Tenant
		f.apply(&t, true)
		if err := a.Tenants.Create(ctx, &t); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "tenant %s created (id %d)\n", t.Slug, t.ID)
		return nil
	})
}

func tenantUpdate(ctx context.Context, env Env, args []string) error {
	fs := newFlags("tenant update", `SLUG [flags]`, `Changes the given fields of a tenant; the others stay as they are. An empty
value clears an optional field (--services-host "", --alias "").`)
	var f tenantFlags
	f.register(fs, false)
	own := map[string]bool{} // the tenant's flags, not the common ones
	fs.VisitAll(func(fl *flag.Flag) { own[fl.Name] = true })
	return withApp(ctx, env, fs, args, func(ctx context.Context, a *app.App, _ config.Config, pos []string) error {
		slug, err := oneArg(fs, pos, "the tenant's slug")
		if err != nil {
			return err
		}
		f.set = map[string]bool{}
		for name := range visited(fs) {
			if own[name] {
				f.set[name] = true
			}
		}
		if len(f.set) == 0 {
			return usageError{msg: "nothing to change: give at least one flag", hint: "run piazza tenant update --help"}
		}
		t, err := a.Tenants.BySlug(ctx, slug)
		if err != nil {
			return err
		}
		f.apply(&t, false)
		if err := a.Tenants.Update(ctx, &t); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "tenant %s updated\n", t.Slug)
		return nil
	})
}

func tenantList(ctx context.Context, env Env, args []string) error {
	fs := newFlags("tenant list", `[--json]`, "Lists every tenant, by name.")
	asJSON := fs.Bool("json", false, "print a JSON array (for scripts) instead of a table")
	return withApp(ctx, env, fs, args, func(ctx context.Context, a *app.App, _ config.Config, pos []string) error {
		if err := noArgs(fs, pos); err != nil {
			return err
		}
		all, err := a.Tenants.List(ctx)
		if err != nil {
			return err
		}
		if *asJSON {
			out := make([]tenantJSON, 0, len(all))
			for _, t := range all {
				out = append(out, toTenantJSON(t))
			}
			return writeJSON(env.Stdout, out)
		}
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SLUG\tNAME\tKIND\tSTATUS\tSITE HOST\tSERVICES HOST\tMODULES")
		for _, t := range all {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.Slug, t.Name, t.Kind, t.Status, t.SiteHost(),
				orDash(t.HostOf(tenants.HostServices)), orDash(joinModules(t.Modules)))
		}
		return tw.Flush()
	})
}

func tenantShow(ctx context.Context, env Env, args []string) error {
	fs := newFlags("tenant show", `SLUG [--json]`, "Shows every field of a tenant, its host names and its citizen sign-in settings\n(never the client secret).")
	asJSON := fs.Bool("json", false, "print JSON (for scripts)")
	return withApp(ctx, env, fs, args, func(ctx context.Context, a *app.App, _ config.Config, pos []string) error {
		slug, err := oneArg(fs, pos, "the tenant's slug")
		if err != nil {
			return err
		}
		t, err := a.Tenants.BySlug(ctx, slug)
		if err != nil {
			return err
		}
		out := toTenantJSON(t)
		out.OIDC, err = oidcInfo(ctx, a, t.ID)
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(env.Stdout, out)
		}
		printTenant(env.Stdout, out)
		return nil
	})
}

func tenantSuspend(ctx context.Context, env Env, args []string) error {
	fs := newFlags("tenant suspend", `SLUG [--note TEXT]`, `Suspends a tenant: its website and services answer 503 with a notice, and
its staff cannot sign in, until piazza tenant activate. Nothing is deleted.`)
	note := fs.String("note", "", "reason, shown to the platform operators")
	return withApp(ctx, env, fs, args, func(ctx context.Context, a *app.App, _ config.Config, pos []string) error {
		return setStatus(ctx, env, a, fs, pos, tenants.StatusSuspended, *note)
	})
}

func tenantActivate(ctx context.Context, env Env, args []string) error {
	fs := newFlags("tenant activate", `SLUG`, "Makes a suspended tenant serve again.")
	return withApp(ctx, env, fs, args, func(ctx context.Context, a *app.App, _ config.Config, pos []string) error {
		return setStatus(ctx, env, a, fs, pos, tenants.StatusActive, "")
	})
}

func setStatus(ctx context.Context, env Env, a *app.App, fs *flag.FlagSet, pos []string, status tenants.Status, note string) error {
	slug, err := oneArg(fs, pos, "the tenant's slug")
	if err != nil {
		return err
	}
	t, err := a.Tenants.BySlug(ctx, slug)
	if err != nil {
		return err
	}
	if err := a.Tenants.SetStatus(ctx, t.ID, status, note); err != nil {
		return err
	}
	word := map[tenants.Status]string{tenants.StatusActive: "active", tenants.StatusSuspended: "suspended"}[status]
	fmt.Fprintf(env.Stdout, "tenant %s is %s\n", t.Slug, word)
	return nil
}

// oidcSecretEnv is where tenant oidc reads the client secret from when no file is given.
const oidcSecretEnv = "PIAZZA_OIDC_CLIENT_SECRET"

func tenantOIDC(ctx context.Context, env Env, args []string) error {
	fs := newFlags("tenant oidc", `SLUG --issuer URL --client-id ID [--client-secret-file PATH] [--scopes "openid profile"]`,
		`Sets the OpenID Connect provider through which the tenant's citizens sign in
(usually a SPID/CIE gateway). Flags not given keep their stored value.

The client secret is never taken on the command line: there it would be visible
to every user of the machine (ps, /proc) and stay in the shell history. Put it in
a file readable only by you (--client-secret-file), or in the environment
variable `+oidcSecretEnv+`. Without either, the stored secret stays.
The secret is stored encrypted with PIAZZA_SECRET_KEY, so use the servers' key.`)
	issuer := fs.String("issuer", "", "issuer URL of the provider (required the first time)")
	clientID := fs.String("client-id", "", "client id registered with the provider (required the first time)")
	secretFile := fs.String("client-secret-file", "", "file holding the client secret (trailing newline ignored)")
	fs.String("client-secret", "", "refused: see above")
	scopes := fs.String("scopes", "", `scopes to request, space- or comma-separated ("openid" is always added)`)
	enabled := fs.Bool("enabled", true, "let citizens sign in through this provider (--enabled=false switches it off)")
	return withApp(ctx, env, fs, args, func(ctx context.Context, a *app.App, _ config.Config, pos []string) error {
		slug, err := oneArg(fs, pos, "the tenant's slug")
		if err != nil {
			return err
		}
		set := visited(fs)
		if set["client-secret"] {
			return usageError{msg: "--client-secret is refused: a secret on the command line is visible to other users and stays in the shell history; use --client-secret-file or " + oidcSecretEnv}
		}
		secret := ""
		if *secretFile != "" {
			b, err := os.ReadFile(*secretFile)
			if err != nil {
				return usageError{msg: "--client-secret-file: " + err.Error()}
			}
			if secret = strings.TrimRight(string(b), "\r\n"); secret == "" {
				return usageError{msg: "--client-secret-file: the file is empty"}
			}
		} else {
			secret = env.Getenv(oidcSecretEnv)
		}
		t, err := a.Tenants.BySlug(ctx, slug)
		if err != nil {
			return err
		}
		o, err := a.Tenants.OIDC(ctx, t.ID)
		configured := err == nil
		switch {
		case apperr.Is(err, apperr.NotFound):
			o = tenants.OIDC{Enabled: true}
		case err != nil && secret == "":
			return fmt.Errorf("the stored client secret cannot be opened with this secret key: give the secret again, or use the servers' PIAZZA_SECRET_KEY")
		}
		if !configured && (!set["issuer"] || !set["client-id"]) {
			return usageError{msg: "--issuer and --client-id are needed the first time", hint: "run piazza tenant oidc --help"}
		}
		if set["issuer"] {
			o.IssuerURL = *issuer
		}
		if set["client-id"] {
			o.ClientID = *clientID
		}
		if set["scopes"] {
			o.Scopes = []string{strings.ReplaceAll(*scopes, ",", " ")}
		}
		if set["enabled"] || !configured {
			o.Enabled = *enabled
		}
		o.ClientSecret = secret // empty keeps the stored one
		if err := a.Tenants.SetOIDC(ctx, t.ID, o); err != nil {
			return err
		}
		state := "enabled"
		if !o.Enabled {
			state = "disabled"
		}
		fmt.Fprintf(env.Stdout, "sign-in provider of %s set (%s)\n", t.Slug, state)
		if secret == "" && !configured {
			fmt.Fprintln(env.Stderr, "piazza: note: no client secret given (fine for a public client with PKCE)")
		}
		return nil
	})
}

// tenantJSON is a tenant as the command prints it.
type tenantJSON struct {
	ID               int64                `json:"id"`
	Slug             string               `json:"slug"`
	Name             string               `json:"name"`
	Kind             string               `json:"kind"`
	Status           string               `json:"status"`
	StatusNote       string               `json:"status_note,omitempty"`
	IPACode          string               `json:"ipa_code,omitempty"`
	ISTATCode        string               `json:"istat_code,omitempty"`
	FiscalCode       string               `json:"fiscal_code,omitempty"`
	Province         string               `json:"province,omitempty"`
	Region           string               `json:"region,omitempty"`
	PrimaryColor     string               `json:"primary_color"`
	Modules          []string             `json:"modules"`
	Hosts            []hostJSON           `json:"hosts"`
	Email            string               `json:"email,omitempty"`
	PEC              string               `json:"pec,omitempty"`
	Phone            string               `json:"phone,omitempty"`
	Address          string               `json:"address,omitempty"`
	OpeningHours     string               `json:"opening_hours,omitempty"`
	AccessibilityURL string               `json:"accessibility_url,omitempty"`
	RequireTOTP      bool                 `json:"require_totp"`
	HasCoatOfArms    bool                 `json:"has_coat_of_arms"`
	Version          int64                `json:"version"`
	CreatedAt        time.Time            `json:"created_at"`
	UpdatedAt        time.Time            `json:"updated_at"`
	OIDC             *oidcJSON            `json:"oidc,omitempty"`
	Social           []tenants.SocialLink `json:"social,omitempty"`
}

type hostJSON struct {
	Name string `json:"name"`
	Kind string `json:"kind"`
}

// oidcJSON is a tenant's sign-in settings without the secret.
type oidcJSON struct {
	Configured   bool        `json:"configured"`
	Enabled      bool        `json:"enabled"`
	IssuerURL    string      `json:"issuer_url,omitempty"`
	ClientID     string      `json:"client_id,omitempty"`
	ClientSecret string      `json:"client_secret,omitempty"` // "set", "none" or "unreadable": never the secret
	Scopes       []string    `json:"scopes,omitempty"`
	Claims       *claimsJSON `json:"claims,omitempty"`
	UpdatedAt    *time.Time  `json:"updated_at,omitempty"`
}

// claimsJSON names the claims that carry each attribute.
type claimsJSON struct {
	FiscalCode string `json:"fiscal_code"`
	GivenName  string `json:"given_name"`
	FamilyName string `json:"family_name"`
	Email      string `json:"email"`
	Phone      string `json:"phone"`
	Level      string `json:"level"`
}

func toTenantJSON(t tenants.Tenant) tenantJSON {
	out := tenantJSON{ID: t.ID, Slug: t.Slug, Name: t.Name, Kind: string(t.Kind), Status: string(t.Status), StatusNote: t.StatusNote,
		IPACode: t.IPACode, ISTATCode: t.ISTATCode, FiscalCode: t.FiscalCode, Province: t.Province, Region: t.Region,
		PrimaryColor: t.PrimaryColor, Modules: []string{}, Hosts: []hostJSON{}, Email: t.Contacts.Email, PEC: t.Contacts.PEC,
		Phone: t.Contacts.Phone, Address: t.Contacts.Address, OpeningHours: t.Contacts.OpeningHours, AccessibilityURL: t.AccessibilityURL,
		RequireTOTP: t.RequireTOTP, HasCoatOfArms: t.CoatOfArms.Key != "", Version: t.Version, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt,
		Social: t.Social}
	for _, m := range t.Modules {
		out.Modules = append(out.Modules, string(m))
	}
	for _, h := range t.Hosts {
		out.Hosts = append(out.Hosts, hostJSON{h.Name, string(h.Kind)})
	}
	return out
}

// oidcInfo reads a tenant's sign-in settings for display, without the secret.
func oidcInfo(ctx context.Context, a *app.App, tenantID int64) (*oidcJSON, error) {
	o, err := a.Tenants.OIDC(ctx, tenantID)
	if apperr.Is(err, apperr.NotFound) {
		return &oidcJSON{Configured: false}, nil
	}
	state := "set"
	switch {
	case err != nil && o.IssuerURL == "":
		return nil, err
	case err != nil:
		state = "unreadable" // sealed with another secret key
	case o.ClientSecret == "":
		state = "none"
	}
	out := &oidcJSON{Configured: true, Enabled: o.Enabled, IssuerURL: o.IssuerURL, ClientID: o.ClientID, ClientSecret: state,
		Scopes: o.Scopes, Claims: &claimsJSON{o.Claims.FiscalCode, o.Claims.GivenName, o.Claims.FamilyName, o.Claims.Email, o.Claims.Phone, o.Claims.Level}}
	if !o.UpdatedAt.IsZero() {
		out.UpdatedAt = &o.UpdatedAt
	}
	return out, nil
}

func printTenant(w io.Writer, t tenantJSON) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	row := func(k, v string) { fmt.Fprintf(tw, "%s\t%s\n", k, orDash(v)) }
	row("Slug:", t.Slug)
	row("Name:", t.Name)
	row("Kind:", t.Kind)
	status := t.Status
	if t.StatusNote != "" {
		status += " (" + t.StatusNote + ")"
	}
	row("Status:", status)
	row("IPA code:", t.IPACode)
	row("ISTAT code:", t.ISTATCode)
	row("Fiscal code:", t.FiscalCode)
	row("Province:", t.Province)
	row("Region:", t.Region)
	row("Colour:", t.PrimaryColor)
	row("Modules:", strings.Join(t.Modules, ", "))
	row("Email:", t.Email)
	row("PEC:", t.PEC)
	row("Phone:", t.Phone)
	row("Address:", t.Address)
	row("Opening hours:", strings.ReplaceAll(t.OpeningHours, "\n", " / "))
	row("Accessibility:", t.AccessibilityURL)
	row("Staff 2FA:", map[bool]string{true: "required", false: "optional"}[t.RequireTOTP])
	row("Coat of arms:", map[bool]string{true: "set", false: ""}[t.HasCoatOfArms])
	row("Created:", t.CreatedAt.Format(time.RFC3339))
	row("Updated:", fmt.Sprintf("%s (version %d)", t.UpdatedAt.Format(time.RFC3339), t.Version))
	fmt.Fprintln(tw, "Hosts:")
	for _, h := range t.Hosts {
		fmt.Fprintf(tw, "  %s\t%s\n", h.Kind, h.Name)
	}
	if o := t.OIDC; o != nil {
		if !o.Configured {
			row("Citizen sign-in:", "not configured")
		} else {
			row("Citizen sign-in:", map[bool]string{true: "enabled", false: "disabled"}[o.Enabled])
			row("  Issuer:", o.IssuerURL)
			row("  Client id:", o.ClientID)
			row("  Client secret:", o.ClientSecret+" (never shown)")
			row("  Scopes:", strings.Join(o.Scopes, " "))
			row("  Fiscal code claim:", o.Claims.FiscalCode)
		}
	}
	tw.Flush()
}

func joinModules(ms []tenants.Module) string {
	s := make([]string, len(ms))
	for i, m := range ms {
		s[i] = string(m)
	}
	return strings.Join(s, ",")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
