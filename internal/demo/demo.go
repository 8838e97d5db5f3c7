// Package demo loads the two fictional comuni of the demo, Borgo Fiorito and Marina
// di Ponente, with offices, staff for every role, citizen sign-in through the demo
// identity provider, and the three test citizens that provider offers.
//
// A store that holds demo data is marked as such; the demo identity provider only
// ever runs on a marked store, so it cannot be switched on in production.
package demo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strings"

	"piazza/internal/accounts"
	"piazza/internal/applications"
	"piazza/internal/audit"
	"piazza/internal/blob"
	"piazza/internal/booking"
	"piazza/internal/content"
	"piazza/internal/reports"
	"piazza/internal/secret"
	"piazza/internal/services"
	"piazza/internal/tenants"
)

// Password is the password of every demo staff account. It is printed at start-up
// and in the README: the demo is for looking around, never for real data.
const Password = "demo-piazza-2026"

// Citizen is a test identity offered by the demo identity provider.
type Citizen struct {
	FiscalCode string
	GivenName  string
	FamilyName string
	Email      string
	Phone      string
}

// Citizens are the three identities of the demo identity provider.
var Citizens = []Citizen{
	{FiscalCode: "RSSMRA80A01H501U", GivenName: "Mario", FamilyName: "Rossi", Email: "mario.rossi@cittadini.example", Phone: "+39 333 1234567"},
	{FiscalCode: "BNCGLI85M52F205H", GivenName: "Giulia", FamilyName: "Bianchi", Email: "giulia.bianchi@cittadini.example"},
	{FiscalCode: "SPSNNA72E54F839G", GivenName: "Anna", FamilyName: "Esposito"},
}

// StaffAccount is a demo staff login.
type StaffAccount struct {
	Email  string
	Name   string
	Tenant string // slug; "" for the platform operator
	Roles  []accounts.Role
}

// Staff lists every demo login, for the start-up banner and the README.
var Staff = []StaffAccount{
	{Email: "operatore@piazza.example", Name: "Paolo Ferri (consorzio)", Tenant: ""},
	{Email: "amministratore@borgofiorito.example", Name: "Elena Galli", Tenant: "borgofiorito", Roles: []accounts.Role{accounts.RoleAdmin}},
	{Email: "redattore@borgofiorito.example", Name: "Marco Riva", Tenant: "borgofiorito", Roles: []accounts.Role{accounts.RoleEditor}},
	{Email: "operatore@borgofiorito.example", Name: "Sara Colombo", Tenant: "borgofiorito", Roles: []accounts.Role{accounts.RoleOperator}},
	{Email: "lettore@borgofiorito.example", Name: "Luca Moretti", Tenant: "borgofiorito", Roles: []accounts.Role{accounts.RoleViewer}},
	{Email: "amministratore@marinadiponente.example", Name: "Giorgio Parodi", Tenant: "marinadiponente", Roles: []accounts.Role{accounts.RoleAdmin}},
	{Email: "redattore@marinadiponente.example", Name: "Chiara Ferrando", Tenant: "marinadiponente", Roles: []accounts.Role{accounts.RoleEditor}},
	{Email: "operatore@marinadiponente.example", Name: "Davide Canepa", Tenant: "marinadiponente", Roles: []accounts.Role{accounts.RoleOperator}},
	{Email: "lettore@marinadiponente.example", Name: "Francesca Repetto", Tenant: "marinadiponente", Roles: []accounts.Role{accounts.RoleViewer}},
	// The municipal secretary shared by the two comuni (segreteria in convenzione).
	{Email: "segretaria@consorzio.example", Name: "Laura Conti", Tenant: "borgofiorito+marinadiponente", Roles: []accounts.Role{accounts.RoleAdmin}},
}

// Store is what the loader needs beyond the services.
type Store interface {
	Setting(ctx context.Context, key string) (string, error)
	SetSetting(ctx context.Context, key, value string) error
	Tenants(ctx context.Context) ([]tenants.Tenant, error)
	Accounts(ctx context.Context) ([]accounts.Account, error)
	CreateAccount(ctx context.Context, a *accounts.Account) error
	SetPlatformOperator(ctx context.Context, id int64, on bool) error
	AddStaff(ctx context.Context, tenantID, accountID int64) error
	SetStaffRoles(ctx context.Context, tenantID, accountID int64, roles []accounts.Role) error
	SetOfficeMembers(ctx context.Context, tenantID, officeID int64, accountIDs []int64) error
	Atomic(ctx context.Context, fn func(ctx context.Context) error) error
}

// Deps are the services the loader uses.
type Deps struct {
	Store    Store
	Tenants  *tenants.Service
	Accounts *accounts.Service
	Blobs    blob.Store
	// Services, when set, gives each comune its service cards.
	Services *services.Service
	// Forms, when set, loads the online services' forms (demo/forms) into each
	// comune as live versions.
	Forms FormLoader
	// Applications, when set, gets demo applications in every state (after the
	// cards and forms exist).
	Applications *applications.Service
	// Content, when set, gives each comune its news, events and places.
	Content *content.Service
	// Booking, when set, gives each comune three offices with booking calendars and
	// bookings over the coming weeks.
	Booking *booking.Service
	// Reports, when set, gives each comune report categories and reports in every
	// state.
	Reports *reports.Service
}

// FormLoader stores a form definition as a tenant's live form.
type FormLoader interface {
	Adopt(ctx context.Context, tenantID int64, key string, definition []byte) error
}

// ErrNotDemoStore means the store holds real data: the demo must not touch it.
var ErrNotDemoStore = errors.New("this data store holds non-demo data: the demo (and its identity provider) cannot be enabled on it; use an empty --data directory or database")

const demoKey = "demo"

// IsDemoStore reports whether the store was loaded by the demo loader.
func IsDemoStore(ctx context.Context, st Store) (bool, error) {
	v, err := st.Setting(ctx, demoKey)
	return v == "true", err
}

// Empty reports whether the store has no tenants and no accounts.
func Empty(ctx context.Context, st Store) (bool, error) {
	ts, err := st.Tenants(ctx)
	if err != nil {
		return false, err
	}
	as, err := st.Accounts(ctx)
	if err != nil {
		return false, err
	}
	return len(ts) == 0 && len(as) == 0, nil
}

// Ensure prepares the store for the demo: it loads the demo data into an empty
// store, accepts a store the demo loaded before, and refuses anything else. It
// returns whether it loaded data now. issuer is the demo identity provider's URL.
func Ensure(ctx context.Context, d Deps, issuer string) (bool, error) {
	isDemo, err := IsDemoStore(ctx, d.Store)
	if err != nil {
		return false, err
	}
	if isDemo {
		return false, pointAtIssuer(ctx, d, issuer)
	}
	empty, err := Empty(ctx, d.Store)
	if err != nil {
		return false, err
	}
	if !empty {
		return false, ErrNotDemoStore
	}
	return true, Load(ctx, d, issuer)
}

// pointAtIssuer keeps the demo tenants' sign-in pointing at the demo provider, whose
// URL depends on the address the server listens on.
func pointAtIssuer(ctx context.Context, d Deps, issuer string) error {
	all, err := d.Tenants.List(ctx)
	if err != nil {
		return err
	}
	for _, t := range all {
		o, err := d.Tenants.OIDC(ctx, t.ID)
		if err != nil || !strings.Contains(o.IssuerURL, "/demo-idp") || o.IssuerURL == issuer {
			continue
		}
		o.IssuerURL = issuer
		if err := d.Tenants.SetOIDC(ctx, t.ID, o); err != nil {
			return err
		}
	}
	return nil
}

// ClientSecret is the demo tenants' OIDC client secret (the demo provider is the
// only one that accepts it).
func ClientSecret(slug string) string { return "demo-secret-" + slug }

// Load writes the demo data. The store must be empty.
func Load(ctx context.Context, d Deps, issuer string) error {
	ctx = audit.WithActor(ctx, audit.Actor{Kind: audit.ActorSystem, Label: "demo loader"})
	hash, err := accounts.HashPassword(Password)
	if err != nil {
		return err
	}
	err = d.Store.Atomic(ctx, func(ctx context.Context) error {
		ids := map[string]int64{}
		officesOf := map[string][]accounts.Office{}
		operatorOf := map[string]int64{}
		for _, c := range comuni() {
			t := c.tenant
			if err := d.Tenants.Create(ctx, &t); err != nil {
				return fmt.Errorf("demo tenant %s: %w", t.Slug, err)
			}
			img := shield(c.colors)
			key := fmt.Sprintf("tenants/%d/stemma.png", t.ID)
			if err := d.Blobs.Put(ctx, key, img); err != nil {
				return err
			}
			t.CoatOfArms = tenants.CoatOfArms{Key: key, ContentType: "image/png", SHA256: blob.SHA256(img)}
			if err := d.Tenants.Update(ctx, &t); err != nil {
				return err
			}
			o := tenants.OIDC{Enabled: true, IssuerURL: issuer, ClientID: t.Slug, ClientSecret: ClientSecret(t.Slug), Scopes: []string{"openid", "profile", "email"}}
			if err := d.Tenants.SetOIDC(ctx, t.ID, o); err != nil {
				return err
			}
			ids[t.Slug] = t.ID
			for i := range c.offices {
				o := c.offices[i]
				o.TenantID = t.ID
				if err := d.Accounts.SaveOffice(ctx, &o); err != nil {
					return fmt.Errorf("demo office %s: %w", o.Name, err)
				}
				c.offices[i] = o
			}
			officesOf[t.Slug] = c.offices
		}
		for _, s := range Staff {
			a := accounts.Account{Email: s.Email, Name: s.Name, PasswordHash: hash}
			if err := d.Store.CreateAccount(ctx, &a); err != nil {
				return err
			}
			if s.Tenant == "" {
				if err := d.Store.SetPlatformOperator(ctx, a.ID, true); err != nil {
					return err
				}
				continue
			}
			for _, slug := range strings.Split(s.Tenant, "+") {
				if err := d.Store.AddStaff(ctx, ids[slug], a.ID); err != nil {
					return err
				}
				if err := d.Store.SetStaffRoles(ctx, ids[slug], a.ID, s.Roles); err != nil {
					return err
				}
				if s.Roles[0] == accounts.RoleOperator {
					operatorOf[slug] = a.ID
					// The operator works at the registry office and the front desk.
					for _, o := range officesOf[slug][:2] {
						if err := d.Store.SetOfficeMembers(ctx, ids[slug], o.ID, []int64{a.ID}); err != nil {
							return err
						}
					}
				}
			}
		}
		if d.Forms != nil {
			for _, c := range comuni() {
				for _, key := range OnlineServices {
					if err := d.Forms.Adopt(ctx, ids[c.tenant.Slug], key, Forms()[key]); err != nil {
						return fmt.Errorf("demo form %s: %w", key, err)
					}
				}
			}
		}
		if d.Services != nil {
			for _, c := range comuni() {
				slug := c.tenant.Slug
				if err := loadServices(ctx, d, ids[slug], slug, officesOf[slug], operatorOf[slug]); err != nil {
					return err
				}
			}
		}
		if err := loadContent(ctx, d, ids); err != nil {
			return err
		}
		return d.Store.SetSetting(ctx, demoKey, "true")
	})
	if err != nil {
		return err
	}
	if err := loadApplications(ctx, d); err != nil {
		return err
	}
	if err := loadBooking(ctx, d); err != nil {
		return err
	}
	return loadReports(ctx, d)
}

type comune struct {
	tenant  tenants.Tenant
	offices []accounts.Office
	colors  [2]color.RGBA
}

func comuni() []comune {
	return []comune{
		{
			tenant: tenants.Tenant{
				Slug: "borgofiorito", Name: "Comune di Borgo Fiorito", Kind: tenants.KindComune,
				IPACode: "c_bf001", ISTATCode: "018999", FiscalCode: "01999990185", Province: "PV", Region: "Lombardia",
				PrimaryColor: "#1A6B3C",
				Contacts: tenants.Contacts{
					Address: "Piazza della Repubblica 1\n27099 Borgo Fiorito (PV)", PEC: "protocollo@pec.comune.borgofiorito.example",
					Email: "urp@comune.borgofiorito.example", Phone: "0382 123456",
					OpeningHours: "Lunedì, mercoledì e venerdì 9:00–12:30\nMartedì e giovedì 14:30–17:30",
				},
				Social: []tenants.SocialLink{
					{Network: "facebook", URL: "https://www.facebook.com/comuneborgofiorito"},
					{Network: "instagram", URL: "https://www.instagram.com/comuneborgofiorito"},
				},
				Modules:          []tenants.Module{tenants.ModuleSite, tenants.ModuleServices, tenants.ModuleProtocol, tenants.ModuleBooking, tenants.ModuleReports},
				AccessibilityURL: "https://form.agid.gov.it/view/00000000-0000-0000-0000-000000000001",
				Status:           tenants.StatusActive,
				Hosts:            []tenants.Host{{Name: "borgofiorito.localhost", Kind: tenants.HostSite}, {Name: "servizi.borgofiorito.localhost", Kind: tenants.HostServices}},
			},
			colors: [2]color.RGBA{{0x1A, 0x6B, 0x3C, 0xff}, {0xF2, 0xC1, 0x2E, 0xff}},
			offices: []accounts.Office{
				{Name: "Anagrafe e Stato civile", Description: "Carte d'identità, certificati, cambi di residenza, nascite, matrimoni e decessi.", Email: "anagrafe@comune.borgofiorito.example", Phone: "0382 123401", Address: "Piazza della Repubblica 1, piano terra", OpeningHours: "Lunedì–venerdì 9:00–12:30\nGiovedì anche 14:30–17:30"},
				{Name: "Ufficio Relazioni con il Pubblico", Description: "Informazioni, accoglienza, protocollo in arrivo e reclami.", Email: "urp@comune.borgofiorito.example", Phone: "0382 123456", Address: "Piazza della Repubblica 1, piano terra", OpeningHours: "Lunedì–venerdì 8:30–13:00"},
				{Name: "Ufficio Tributi", Description: "IMU, TARI, canone unico patrimoniale: calcoli, pagamenti, agevolazioni e rimborsi.", Email: "tributi@comune.borgofiorito.example", Phone: "0382 123420", Address: "Piazza della Repubblica 1, primo piano", OpeningHours: "Martedì e giovedì 9:00–12:30"},
				{Name: "Ufficio Tecnico – Edilizia e Urbanistica", Description: "Permessi di costruire, SCIA, CILA, certificati di destinazione urbanistica, manutenzione di strade e verde.", Email: "tecnico@comune.borgofiorito.example", Phone: "0382 123430", Address: "Via dei Mulini 4", OpeningHours: "Mercoledì 9:00–12:30 su appuntamento"},
				{Name: "Servizi Sociali", Description: "Sostegno a famiglie, anziani e persone con disabilità; contributi e assistenza domiciliare.", Email: "sociale@comune.borgofiorito.example", Phone: "0382 123440", Address: "Via dei Mulini 4", OpeningHours: "Lunedì e venerdì 9:00–12:00"},
				{Name: "Polizia Locale", Description: "Viabilità, sicurezza urbana, permessi per la ZTL e verbali.", Email: "polizialocale@comune.borgofiorito.example", Phone: "0382 123450", Address: "Via Roma 12", OpeningHours: "Lunedì–sabato 8:00–12:00"},
			},
		},
		{
			tenant: tenants.Tenant{
				Slug: "marinadiponente", Name: "Comune di Marina di Ponente", Kind: tenants.KindComune,
				IPACode: "c_mp001", ISTATCode: "009999", FiscalCode: "00987650090", Province: "SV", Region: "Liguria",
				PrimaryColor: "#005A87",
				Contacts: tenants.Contacts{
					Address: "Via Aurelia 100\n17099 Marina di Ponente (SV)", PEC: "comune.marinadiponente@pec.example",
					Email: "info@comune.marinadiponente.example", Phone: "019 654321",
					OpeningHours: "Lunedì–venerdì 8:30–12:30\nMartedì anche 15:00–17:00",
				},
				Social:           []tenants.SocialLink{{Network: "facebook", URL: "https://www.facebook.com/comunemarinadiponente"}},
				Modules:          []tenants.Module{tenants.ModuleSite, tenants.ModuleServices, tenants.ModuleProtocol, tenants.ModuleBooking, tenants.ModuleReports},
				AccessibilityURL: "https://form.agid.gov.it/view/00000000-0000-0000-0000-000000000002",
				// Marina measures its visits (Web Analytics Italia), so its pages ask for consent.
				Analytics: tenants.Analytics{URL: "https://ingestion.webanalytics.italia.it/", SiteID: "1"},
				Status:    tenants.StatusActive,
				Hosts:     []tenants.Host{{Name: "marinadiponente.localhost", Kind: tenants.HostSite}, {Name: "servizi.marinadiponente.localhost", Kind: tenants.HostServices}},
			},
			colors: [2]color.RGBA{{0x00, 0x5A, 0x87, 0xff}, {0xFF, 0xFF, 0xFF, 0xff}},
			offices: []accounts.Office{
				{Name: "Servizi Demografici", Description: "Anagrafe, stato civile, elettorale e leva.", Email: "demografici@comune.marinadiponente.example", Phone: "019 654301", Address: "Via Aurelia 100", OpeningHours: "Lunedì–venerdì 8:30–12:30"},
				{Name: "Sportello del Cittadino", Description: "Prima accoglienza, informazioni e protocollo.", Email: "sportello@comune.marinadiponente.example", Phone: "019 654321", Address: "Via Aurelia 100", OpeningHours: "Lunedì–venerdì 8:30–12:30"},
				{Name: "Ufficio Turismo e Demanio marittimo", Description: "Concessioni demaniali, stabilimenti balneari, manifestazioni e informazioni turistiche.", Email: "turismo@comune.marinadiponente.example", Phone: "019 654330", Address: "Passeggiata a mare 2", OpeningHours: "Estate: tutti i giorni 9:00–13:00 e 16:00–19:00\nInverno: martedì e giovedì 9:00–12:00"},
				{Name: "Tributi", Description: "IMU, TARI e imposta di soggiorno.", Email: "tributi@comune.marinadiponente.example", Phone: "019 654320", Address: "Via Aurelia 100, primo piano", OpeningHours: "Martedì 9:00–12:00 e 15:00–17:00"},
				{Name: "Polizia Locale", Description: "Viabilità, parcheggi, permessi e sicurezza urbana.", Email: "pm@comune.marinadiponente.example", Phone: "019 654350", Address: "Piazza del Porto 3", OpeningHours: "Tutti i giorni 8:00–20:00"},
			},
		},
	}
}

// shield draws a simple coat of arms: a shield parted in the comune's two colours.
func shield(c [2]color.RGBA) []byte {
	const w, h = 128, 160
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	border := color.RGBA{0x33, 0x33, 0x33, 0xff}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if !inShield(x, y, w, h, 0) {
				continue
			}
			col := c[0]
			if x >= w/2 {
				col = c[1]
			}
			if !inShield(x, y, w, h, 5) {
				col = border
			}
			img.SetRGBA(x, y, col)
		}
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	return buf.Bytes()
}

func inShield(x, y, w, h, inset int) bool {
	l, r, top := inset, w-1-inset, inset
	if x < l || x > r || y < top {
		return false
	}
	mid := h * 11 / 20
	if y <= mid {
		return true
	}
	// Lower part: a rounded point.
	cx := float64(w) / 2
	dy := float64(y-mid) / float64(h-mid-inset)
	half := (float64(r-l) / 2) * (1 - dy*dy)
	return float64(x) >= cx-half && float64(x) <= cx+half
}

// Issuer returns the demo identity provider's issuer URL for a platform host and port.
func Issuer(platformHost, port string) string {
	return "http://" + platformHost + ":" + port + "/demo-idp"
}

// TokenSeed is used to derive the demo provider's signing key deterministically
// from the installation's secret, so ID tokens survive restarts.
func TokenSeed(keys *secret.Keyring) []byte { return keys.Key("demo-idp/signing") }
