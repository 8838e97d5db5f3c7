package web

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"piazza/internal/accounts"
	"piazza/internal/apperr"
	"piazza/internal/check"
	"piazza/internal/tenants"
)

// platformSocialRows is how many social-link rows the tenant form shows (more than the
// tenant has, so one can be added without JavaScript); platformMaxSocialRows caps what a
// posted form may carry.
const (
	platformSocialRows    = 4
	platformMaxSocialRows = 20
)

// platformSocialRow is one network + URL row of the tenant form.
type platformSocialRow struct {
	Network string
	URL     string
}

// platformTenantForm is the tenant form as typed: strings, so that a rejected form shows
// back exactly what was entered.
type platformTenantForm struct {
	Slug, Name, Kind                string
	IPACode, ISTATCode, FiscalCode  string
	Province, Region                string
	SiteHost, ServicesHost, Aliases string
	Modules                         []string
	Address, PEC, Email, Phone      string
	OpeningHours                    string
	Social                          []platformSocialRow
	PrimaryColor, AccessibilityURL  string
	RequireTOTP                     bool
	AdminEmail, AdminName           string // create only: the first administrator
	Version                         int64
}

// platformTenantFormFields lists the form's field names in page order, for the error
// summary.
var platformTenantFormFields = []string{"slug", "name", "kind", "ipa_code", "istat_code", "fiscal_code", "province", "region",
	"site_host", "services_host", "aliases", "modules", "address", "pec", "email", "phone", "opening_hours",
	"social", "primary_color", "accessibility_url", "require_totp", "admin_email", "admin_name"}

// platformTenantFormPage is the data of the create and edit page.
type platformTenantFormPage struct {
	New      bool
	Form     platformTenantForm
	Tenant   tenants.Tenant // edit: the stored tenant (coat of arms, status)
	Kinds    []tenants.Kind
	Modules  []tenants.Module
	Networks []string
}

func (s *Server) platformTenantFormPage(isNew bool, f platformTenantForm, t tenants.Tenant) platformTenantFormPage {
	for len(f.Social) < max(platformSocialRows, platformCountSocial(f.Social)+1) {
		f.Social = append(f.Social, platformSocialRow{})
	}
	return platformTenantFormPage{New: isNew, Form: f, Tenant: t, Kinds: []tenants.Kind{tenants.KindComune, tenants.KindUnione},
		Modules: tenants.AllModules, Networks: tenants.SocialNetworks}
}

func platformCountSocial(rows []platformSocialRow) int {
	n := 0
	for _, r := range rows {
		if r.Network != "" || r.URL != "" {
			n++
		}
	}
	return n
}

// platformFormFromTenant fills the form with a stored tenant.
func platformFormFromTenant(t tenants.Tenant) platformTenantForm {
	f := platformTenantForm{Slug: t.Slug, Name: t.Name, Kind: string(t.Kind), IPACode: t.IPACode, ISTATCode: t.ISTATCode,
		FiscalCode: t.FiscalCode, Province: t.Province, Region: t.Region,
		SiteHost: t.HostOf(tenants.HostSite), ServicesHost: t.HostOf(tenants.HostServices),
		Address: t.Contacts.Address, PEC: t.Contacts.PEC, Email: t.Contacts.Email, Phone: t.Contacts.Phone,
		OpeningHours: t.Contacts.OpeningHours, PrimaryColor: t.PrimaryColor, AccessibilityURL: t.AccessibilityURL,
		RequireTOTP: t.RequireTOTP, Version: t.Version}
	var aliases []string
	for _, h := range t.Hosts {
		if h.Kind == tenants.HostAlias {
			aliases = append(aliases, h.Name)
		}
	}
	f.Aliases = strings.Join(aliases, "\n")
	for _, m := range t.Modules {
		f.Modules = append(f.Modules, string(m))
	}
	for _, l := range t.Social {
		f.Social = append(f.Social, platformSocialRow{Network: l.Network, URL: l.URL})
	}
	return f
}

// parsePlatformTenantForm reads the posted tenant form.
func parsePlatformTenantForm(r *http.Request) platformTenantForm {
	v := func(k string) string { return r.PostFormValue(k) }
	f := platformTenantForm{Slug: v("slug"), Name: v("name"), Kind: v("kind"), IPACode: v("ipa_code"), ISTATCode: v("istat_code"),
		FiscalCode: v("fiscal_code"), Province: v("province"), Region: v("region"),
		SiteHost: v("site_host"), ServicesHost: v("services_host"), Aliases: v("aliases"), Modules: r.PostForm["modules"],
		Address: v("address"), PEC: v("pec"), Email: v("email"), Phone: v("phone"), OpeningHours: v("opening_hours"),
		PrimaryColor: v("primary_color"), AccessibilityURL: v("accessibility_url"), RequireTOTP: v("require_totp") == "on",
		AdminEmail: v("admin_email"), AdminName: v("admin_name")}
	f.Version, _ = strconv.ParseInt(v("version"), 10, 64)
	for i := range platformMaxSocialRows {
		n, u := r.PostForm["social_network_"+strconv.Itoa(i)], r.PostForm["social_url_"+strconv.Itoa(i)]
		if n == nil && u == nil {
			break
		}
		row := platformSocialRow{}
		if len(n) > 0 {
			row.Network = strings.TrimSpace(n[0])
		}
		if len(u) > 0 {
			row.URL = strings.TrimSpace(u[0])
		}
		f.Social = append(f.Social, row)
	}
	return f
}

// platformTenantFromForm applies the form to base (a new tenant, or the stored one when
// editing: coat of arms, status and timestamps stay as they are) and validates the
// result. The returned error lists every problem with fields named as on the form.
func (s *Server) platformTenantFromForm(f platformTenantForm, base tenants.Tenant) (tenants.Tenant, error) {
	t := base
	t.Slug, t.Name, t.Kind = f.Slug, f.Name, tenants.Kind(strings.TrimSpace(f.Kind))
	t.IPACode, t.ISTATCode, t.FiscalCode, t.Province, t.Region = f.IPACode, f.ISTATCode, f.FiscalCode, f.Province, f.Region
	t.Contacts = tenants.Contacts{Address: f.Address, PEC: f.PEC, Email: f.Email, Phone: f.Phone, OpeningHours: f.OpeningHours}
	t.PrimaryColor, t.AccessibilityURL, t.RequireTOTP = f.PrimaryColor, f.AccessibilityURL, f.RequireTOTP
	t.Modules = nil
	for _, m := range f.Modules {
		t.Modules = append(t.Modules, tenants.Module(m))
	}
	// Social rows: empty rows are skipped; rowOf maps a link back to its form row.
	t.Social = nil
	var rowOf []int
	var v apperr.Validation
	for i, row := range f.Social {
		switch {
		case row.Network == "" && row.URL == "":
			continue
		case row.Network == "" || row.URL == "":
			v.Add(fmt.Sprintf("social_url_%d", i), "platform.social.incomplete")
			continue
		}
		t.Social = append(t.Social, tenants.SocialLink{Network: row.Network, URL: row.URL})
		rowOf = append(rowOf, i)
	}
	hosts, hostsOK := s.platformHostsFromForm(&v, f)
	t.Hosts = hosts
	t.Normalize()
	probe := t
	if !hostsOK {
		// The host fields already have their errors; validate the rest against a
		// placeholder so the domain does not report them again under "hosts".
		probe.Hosts = []tenants.Host{{Name: "placeholder.invalid", Kind: tenants.HostSite}}
	}
	err := probe.Validate()
	if e := apperr.As(err); e != nil {
		for _, fe := range e.Fields {
			if i, ok := strings.CutPrefix(fe.Field, "social_"); ok {
				if n, err := strconv.Atoi(i); err == nil && n < len(rowOf) {
					fe.Field = fmt.Sprintf("social_url_%d", rowOf[n])
				}
			}
			if fe.Field == "hosts" {
				fe.Field = "site_host"
			}
			v.AddArgs(fe.Field, fe.Code, fe.Args)
		}
	} else if err != nil {
		return t, err
	}
	return t, platformOrderFields(v.Err(), platformTenantFormFields)
}

// platformHostsFromForm checks the three host fields one by one, so that each problem is
// shown next to the field that has it, and returns the hosts.
func (s *Server) platformHostsFromForm(v *apperr.Validation, f platformTenantForm) ([]tenants.Host, bool) {
	ok := true
	seen := map[string]bool{}
	var hosts []tenants.Host
	add := func(field, raw string, kind tenants.HostKind) {
		name := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(raw)), ".")
		if name == "" {
			return
		}
		n, err := tenants.NormalizeHost(name)
		switch {
		case err != nil || n != name || strings.Count(name, ".") == 0 || platformIPLike(name):
			v.AddArgs(field, "platform.host.invalid", map[string]any{"Host": name})
		case name == s.cfg.PlatformHost:
			v.AddArgs(field, "platform.host.reserved", map[string]any{"Host": name})
		case seen[name]:
			v.AddArgs(field, "platform.host.repeated", map[string]any{"Host": name})
		default:
			seen[name] = true
			hosts = append(hosts, tenants.Host{Name: name, Kind: kind})
			return
		}
		ok = false
	}
	if strings.TrimSpace(f.SiteHost) == "" {
		v.Add("site_host", "platform.host.site_required")
		ok = false
	}
	add("site_host", f.SiteHost, tenants.HostSite)
	add("services_host", f.ServicesHost, tenants.HostServices)
	for _, line := range strings.Split(f.Aliases, "\n") {
		if !v.Has("aliases") {
			add("aliases", line, tenants.HostAlias)
		}
	}
	if v.Has("aliases") {
		ok = false
	}
	return hosts, ok
}

func platformIPLike(h string) bool {
	return strings.Trim(h, "0123456789.") == "" || strings.Contains(h, ":")
}

// platformOrderFields sorts the field errors of a validation error in form order.
func platformOrderFields(err error, order []string) error {
	e := apperr.As(err)
	if e == nil || len(e.Fields) < 2 {
		return err
	}
	pos := func(field string) int {
		for i, f := range order {
			if field == f || strings.HasPrefix(field, f+"_") {
				return i
			}
		}
		return len(order)
	}
	c := *e
	c.Fields = slices.Clone(e.Fields)
	slices.SortStableFunc(c.Fields, func(a, b apperr.FieldError) int { return pos(a.Field) - pos(b.Field) })
	return &c
}

// platformSaveError names the form field of a conflict the store reports on "hosts"
// (a host that another tenant uses), by finding the field that holds that host.
func platformSaveError(err error, f platformTenantForm) error {
	e := apperr.As(err)
	if e == nil || len(e.Fields) == 0 {
		return err
	}
	c := *e
	c.Fields = slices.Clone(e.Fields)
	for i, fe := range c.Fields {
		if fe.Field != "hosts" {
			continue
		}
		host, _ := fe.Args["Host"].(string)
		c.Fields[i].Field = "site_host"
		switch {
		case host != "" && platformSameHost(f.ServicesHost, host):
			c.Fields[i].Field = "services_host"
		case host != "" && !platformSameHost(f.SiteHost, host):
			c.Fields[i].Field = "aliases"
		}
	}
	return &c
}

func platformSameHost(raw, host string) bool {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(raw)), ".") == host
}

// platformAdminFields renames the accounts service's field names to the create form's.
func platformAdminFields(err error) error {
	e := apperr.As(err)
	if e == nil || len(e.Fields) == 0 {
		return err
	}
	c := *e
	c.Fields = slices.Clone(e.Fields)
	for i := range c.Fields {
		switch c.Fields[i].Field {
		case "email":
			c.Fields[i].Field = "admin_email"
		case "name":
			c.Fields[i].Field = "admin_name"
		}
	}
	return &c
}

func (s *Server) platformNewTenant(w http.ResponseWriter, r *http.Request) {
	f := platformTenantForm{Kind: string(tenants.KindComune), PrimaryColor: "#0066CC",
		Modules: []string{string(tenants.ModuleSite), string(tenants.ModuleServices)}}
	s.render(w, r, page{Template: "platform/comune.html", Title: "platform.tenant.new_title",
		Crumbs: []Crumb{{Label: "platform.tenant.new_title"}}, Data: s.platformTenantFormPage(true, f, tenants.Tenant{})})
}

// platformCreateTenant creates a tenant and, when the form names one, its first
// administrator, in one transaction: either both exist afterwards or neither.
func (s *Server) platformCreateTenant(w http.ResponseWriter, r *http.Request) {
	f := parsePlatformTenantForm(r)
	again := func(err error) {
		s.render(w, r, page{Template: "platform/comune.html", Title: "platform.tenant.new_title",
			Crumbs: []Crumb{{Label: "platform.tenant.new_title"}}, Data: s.platformTenantFormPage(true, f, tenants.Tenant{}), Err: err})
	}
	t, err := s.platformTenantFromForm(f, tenants.Tenant{})
	verr := apperr.As(err)
	if err != nil && verr == nil {
		s.fail(w, r, err)
		return
	}
	var v apperr.Validation
	if verr != nil {
		for _, fe := range verr.Fields {
			v.AddArgs(fe.Field, fe.Code, fe.Args)
		}
	}
	adminEmail := accounts.NormalizeEmail(f.AdminEmail)
	adminName := check.Clean(f.AdminName)
	switch {
	case adminEmail != "" && !check.Email(adminEmail):
		v.Add("admin_email", "account.email.invalid")
	case adminEmail == "" && adminName != "":
		v.Add("admin_email", "platform.admin.email_required")
	}
	if adminName != "" && (len([]rune(adminName)) < 2 || !check.Line(adminName, 120)) {
		v.Add("admin_name", "account.name.invalid")
	}
	if err := platformOrderFields(v.Err(), platformTenantFormFields); err != nil {
		again(err)
		return
	}
	err = s.DB.Atomic(r.Context(), func(ctx context.Context) error {
		if err := s.Tenants.Create(ctx, &t); err != nil {
			return platformSaveError(err, f)
		}
		if adminEmail == "" {
			return nil
		}
		_, err := s.Accounts.AddStaff(ctx, t.ID, accounts.AddStaffInput{Email: adminEmail, Name: adminName,
			Roles: []accounts.Role{accounts.RoleAdmin}, LinkBase: s.platformInviteBase(r, &t)})
		return platformAdminFields(err)
	})
	// The services invalidated the resolver inside the transaction; do it again now
	// that it has committed (or rolled back), so this node sees the final state.
	s.Resolver.Invalidate()
	if err != nil {
		again(err)
		return
	}
	s.flash(w, r, "platform.flash.created")
	seeOther(w, r, platformTenantURL(t.ID))
}

func (s *Server) platformEditTenant(w http.ResponseWriter, r *http.Request) {
	t, ok := s.platformTenant(w, r)
	if !ok {
		return
	}
	s.renderPlatformTenantEdit(w, r, platformFormFromTenant(t), t, nil)
}

// renderPlatformTenantEdit shows the edit page with the form f for the stored tenant t.
func (s *Server) renderPlatformTenantEdit(w http.ResponseWriter, r *http.Request, f platformTenantForm, t tenants.Tenant, err error) {
	s.render(w, r, page{Template: "platform/comune.html", Title: t.Name,
		Crumbs: []Crumb{{Label: t.Name}}, Data: s.platformTenantFormPage(false, f, t), Err: err})
}

// platformUpdateTenant saves the edit form. The form carries the Version it was
// read at: if someone saved the tenant meanwhile, nothing is saved and the page
// says so (optimistic locking).
func (s *Server) platformUpdateTenant(w http.ResponseWriter, r *http.Request) {
	cur, ok := s.platformTenant(w, r)
	if !ok {
		return
	}
	f := parsePlatformTenantForm(r)
	t, err := s.platformTenantFromForm(f, cur)
	if err != nil {
		if apperr.As(err) == nil {
			s.fail(w, r, err)
			return
		}
		s.renderPlatformTenantEdit(w, r, f, cur, err)
		return
	}
	t.Version = f.Version
	if err := s.Tenants.Update(r.Context(), &t); err != nil {
		s.renderPlatformTenantEdit(w, r, f, cur, platformSaveError(err, f))
		return
	}
	s.flash(w, r, "platform.flash.saved")
	seeOther(w, r, platformTenantURL(t.ID))
}
