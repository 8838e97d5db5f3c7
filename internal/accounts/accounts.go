// Package accounts models the people who use Piazza: staff accounts (email and
// password, optional TOTP, roles per tenant, membership in offices) and citizens
// (signed in through OpenID Connect, identified within a tenant by fiscal code).
//
// A staff account belongs to a person, not to a tenant: one person can work for
// several comuni, with different roles in each. Offices (uffici) belong to a tenant
// and are used by every module to route work.
package accounts

import (
	"slices"
	"strings"
	"time"

	"piazza/internal/apperr"
	"piazza/internal/check"
)

// Role is what a staff member may do in one tenant.
type Role string

const (
	RoleAdmin    Role = "admin"    // everything, including staff, settings and the audit log
	RoleEditor   Role = "editor"   // website content and service cards
	RoleOperator Role = "operator" // applications, reports and bookings of their offices
	RoleViewer   Role = "viewer"   // read-only
)

// AllRoles lists the roles from most to least powerful.
var AllRoles = []Role{RoleAdmin, RoleEditor, RoleOperator, RoleViewer}

// ParseRole validates a role name.
func ParseRole(s string) (Role, error) {
	r := Role(strings.ToLower(strings.TrimSpace(s)))
	if !slices.Contains(AllRoles, r) {
		return "", apperr.E(apperr.Invalid, "staff.role.invalid")
	}
	return r, nil
}

// Account is a person who signs in with email and password.
type Account struct {
	ID                int64
	Email             string // lower case, unique
	Name              string
	PasswordHash      string // argon2id PHC string; empty until the person sets one
	PasswordChangedAt time.Time
	TOTPSecretEnc     string // sealed TOTP seed (pending until TOTPEnabled)
	TOTPEnabled       bool
	TOTPLastStep      int64 // last accepted time step, to refuse replays
	PlatformOperator  bool  // may sign in to the platform console
	Disabled          bool
	LockedUntil       time.Time
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// Locked reports whether the account is temporarily locked at now.
func (a *Account) Locked(now time.Time) bool { return a.LockedUntil.After(now) }

// NormalizeEmail lower-cases and trims an email address.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// ValidateAccountFields checks the fields people type for an account.
func ValidateAccountFields(email, name string) error {
	var v apperr.Validation
	if !check.Email(email) {
		v.Add("email", "account.email.invalid")
	}
	if n := strings.TrimSpace(name); len([]rune(n)) < 2 || !check.Line(n, 120) {
		v.Add("name", "account.name.invalid")
	}
	return v.Err()
}

// Staff is an account's membership of one tenant.
type Staff struct {
	TenantID  int64
	Account   Account
	Roles     []Role
	OfficeIDs []int64
	CreatedAt time.Time
}

// Can reports whether the staff member holds the role; admin holds every role.
func (s *Staff) Can(r Role) bool {
	return slices.Contains(s.Roles, RoleAdmin) || slices.Contains(s.Roles, r)
}

// CanAny reports whether the staff member holds any of the roles.
func (s *Staff) CanAny(rs ...Role) bool {
	for _, r := range rs {
		if s.Can(r) {
			return true
		}
	}
	return false
}

// Office is an organisational unit (ufficio) of a tenant.
type Office struct {
	ID           int64
	TenantID     int64
	Slug         string
	Name         string
	Description  string
	Email        string
	Phone        string
	Address      string
	OpeningHours string
	// Competences are what the office does (its matters, one per line), shown on
	// its page on the website.
	Competences string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Normalize trims the fields and derives the slug from the name when empty.
func (o *Office) Normalize() {
	o.Competences = check.Clean(o.Competences)
	o.Name = check.Clean(o.Name)
	o.Description = check.Clean(o.Description)
	o.Email = NormalizeEmail(o.Email)
	o.Phone = strings.TrimSpace(o.Phone)
	o.Address = check.Clean(o.Address)
	o.OpeningHours = check.Clean(o.OpeningHours)
	o.Slug = strings.ToLower(strings.TrimSpace(o.Slug))
	if o.Slug == "" {
		o.Slug = check.Slugify(o.Name)
	}
}

// Validate checks an office.
func (o *Office) Validate() error {
	var v apperr.Validation
	if len([]rune(o.Name)) < 3 || !check.Line(o.Name, 120) {
		v.Add("name", "office.name.invalid")
	}
	if !check.Slug(o.Slug) {
		v.Add("slug", "office.slug.invalid")
	}
	if !check.Text(o.Description, 4000) {
		v.Add("description", "office.description.invalid")
	}
	if o.Email != "" && !check.Email(o.Email) {
		v.Add("email", "office.email.invalid")
	}
	if o.Phone != "" && !check.Phone(o.Phone) {
		v.Add("phone", "office.phone.invalid")
	}
	if !check.Text(o.Address, 300) {
		v.Add("address", "office.address.invalid")
	}
	if !check.Text(o.OpeningHours, 1000) {
		v.Add("opening_hours", "office.opening_hours.invalid")
	}
	if !check.Text(o.Competences, 4000) {
		v.Add("competences", "office.competences.invalid")
	}
	return v.Err()
}

// Citizen is a person known to a tenant through their digital identity.
type Citizen struct {
	ID          int64
	TenantID    int64
	FiscalCode  string
	GivenName   string
	FamilyName  string
	Email       string
	Phone       string
	Language    string // "it" or "en"
	NotifyEmail bool   // wants updates on their applications by email
	AuthLevel   string // level of the last sign-in, e.g. "https://www.spid.gov.it/SpidL2"
	LastLoginAt time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// FullName returns "Given Family".
func (c *Citizen) FullName() string { return strings.TrimSpace(c.GivenName + " " + c.FamilyName) }

// Profile is what a citizen may change about themselves. Name and fiscal code come
// from the identity provider and are not editable.
type Profile struct {
	Email       string
	Phone       string
	Language    string
	NotifyEmail bool
}

// Normalize trims the profile.
func (p *Profile) Normalize() {
	p.Email = NormalizeEmail(p.Email)
	p.Phone = strings.TrimSpace(p.Phone)
	if p.Language == "" {
		p.Language = "it"
	}
}

// Validate checks a profile.
func (p *Profile) Validate() error {
	var v apperr.Validation
	if p.Email != "" && !check.Email(p.Email) {
		v.Add("email", "citizen.email.invalid")
	}
	if p.Phone != "" && !check.Phone(p.Phone) {
		v.Add("phone", "citizen.phone.invalid")
	}
	if p.Language != "it" && p.Language != "en" {
		v.Add("language", "citizen.language.invalid")
	}
	if p.NotifyEmail && p.Email == "" {
		v.Add("notify_email", "citizen.notify_email.needs_email")
	}
	return v.Err()
}

// Identity is what an identity provider asserted about a citizen at sign-in.
type Identity struct {
	FiscalCode string
	GivenName  string
	FamilyName string
	Email      string
	Phone      string
	Level      string
}
