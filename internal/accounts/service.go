package accounts

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"piazza/internal/apperr"
	"piazza/internal/audit"
	"piazza/internal/check"
	"piazza/internal/fiscalcode"
	"piazza/internal/search"
	"piazza/internal/secret"
)

// AuthAttempt is one sign-in attempt, kept for throttling.
type AuthAttempt struct {
	TenantID int64
	Email    string
	IP       string
	Kind     string // "password", "totp", "reset"
	Success  bool
	At       time.Time
}

// Store is what accounts needs from the database. Unless noted, methods return
// NotFound for a missing row and Conflict for a duplicate. Methods that take a
// tenantID only ever see that tenant's rows.
type Store interface {
	Atomic(ctx context.Context, fn func(ctx context.Context) error) error
	audit.Store

	CreateAccount(ctx context.Context, a *Account) error
	Account(ctx context.Context, id int64) (Account, error)
	AccountByEmail(ctx context.Context, email string) (Account, error)
	Accounts(ctx context.Context) ([]Account, error)
	UpdateAccountName(ctx context.Context, id int64, name string) error
	SetPlatformOperator(ctx context.Context, id int64, on bool) error
	SetAccountDisabled(ctx context.Context, id int64, disabled bool) error
	SetPassword(ctx context.Context, id int64, hash string, at time.Time) error
	SetTOTP(ctx context.Context, id int64, secretEnc string, enabled bool) error
	// UseTOTPStep records a used time step; Conflict if it is not after the last one.
	UseTOTPStep(ctx context.Context, id int64, step int64) error
	SetLockedUntil(ctx context.Context, id int64, until time.Time) error

	RecordAuthAttempt(ctx context.Context, a AuthAttempt) error
	// AuthFailures counts failed attempts by email or by ip (by names the column)
	// at or after since.
	AuthFailures(ctx context.Context, by, value string, since time.Time) (int, error)
	// LastAuthSuccess returns the time of the last success for the email, or zero.
	LastAuthSuccess(ctx context.Context, email string) (time.Time, error)

	CreatePasswordReset(ctx context.Context, tokenHash string, accountID, tenantID int64, expires time.Time) error
	// ConsumePasswordReset marks an unused, unexpired token used and returns its
	// account; NotFound otherwise. Single use is atomic.
	ConsumePasswordReset(ctx context.Context, tokenHash string, now time.Time) (accountID int64, err error)
	// PasswordResetUsable reports whether a token exists, is unused and unexpired.
	PasswordResetUsable(ctx context.Context, tokenHash string, now time.Time) (bool, error)
	CountPasswordResets(ctx context.Context, accountID int64, since time.Time) (int, error)
	DeleteAccountSessions(ctx context.Context, accountID int64) error

	AddStaff(ctx context.Context, tenantID, accountID int64) error
	StaffMember(ctx context.Context, tenantID, accountID int64) (Staff, error)
	StaffList(ctx context.Context, tenantID int64) ([]Staff, error)
	SetStaffRoles(ctx context.Context, tenantID, accountID int64, roles []Role) error
	RemoveStaff(ctx context.Context, tenantID, accountID int64) error
	StaffTenantIDs(ctx context.Context, accountID int64) ([]int64, error)
	// StaffCounts returns the number of staff members of every tenant (platform view).
	StaffCounts(ctx context.Context) (map[int64]int, error)

	CreateOffice(ctx context.Context, o *Office) error
	UpdateOffice(ctx context.Context, o *Office) error
	DeleteOffice(ctx context.Context, tenantID, id int64) error
	Office(ctx context.Context, tenantID, id int64) (Office, error)
	OfficeBySlug(ctx context.Context, tenantID int64, slug string) (Office, error)
	Offices(ctx context.Context, tenantID int64) ([]Office, error)
	SetOfficeMembers(ctx context.Context, tenantID, officeID int64, accountIDs []int64) error
	OfficeMemberIDs(ctx context.Context, tenantID, officeID int64) ([]int64, error)

	UpsertCitizen(ctx context.Context, tenantID int64, id Identity, at time.Time) (Citizen, error)
	Citizen(ctx context.Context, tenantID, id int64) (Citizen, error)
	UpdateCitizenProfile(ctx context.Context, tenantID, id int64, p Profile) error
	SearchCitizens(ctx context.Context, tenantID int64, q string, limit int) ([]Citizen, error)
}

// Mailer sends the messages accounts needs. Implementations enqueue them in the
// transaction carried by ctx, so a message goes out only if the action commits.
type Mailer interface {
	// PasswordLink sends a link to set a password: a reset, or an invitation for a
	// new account (invite true).
	PasswordLink(ctx context.Context, to Account, tenantID int64, link string, invite bool, expires time.Time) error
}

// Policy sets the limits of sign-in and password reset.
type Policy struct {
	Window           time.Duration // how far back failures count
	MaxEmailFailures int           // failures per email in Window before the account locks
	MaxIPFailures    int           // failures per client address in Window before it is throttled
	LockFor          time.Duration
	ResetTTL         time.Duration
	InviteTTL        time.Duration
	MaxResetsPerHour int
}

// DefaultPolicy is what Piazza uses.
var DefaultPolicy = Policy{
	Window:           15 * time.Minute,
	MaxEmailFailures: 5,
	MaxIPFailures:    20,
	LockFor:          15 * time.Minute,
	ResetTTL:         time.Hour,
	InviteTTL:        7 * 24 * time.Hour,
	MaxResetsPerHour: 3,
}

// Service holds the use cases of staff and citizens.
type Service struct {
	store  Store
	keys   *secret.Keyring
	mailer Mailer
	policy Policy
	now    func() time.Time
	index  search.Indexer
}

// SetIndexer keeps the site search current with the offices (unità organizzative).
func (s *Service) SetIndexer(ix search.Indexer) { s.index = ix }

// indexOffice puts an office in the site search (or takes it out when removed).
func (s *Service) indexOffice(ctx context.Context, o Office, removed bool) error {
	if s.index == nil {
		return nil
	}
	ref := strconv.FormatInt(o.ID, 10)
	if removed {
		return s.index.Remove(ctx, o.TenantID, search.KindOffice, ref)
	}
	body := strings.Join([]string{o.Description, o.Address, o.OpeningHours, o.Email, o.Phone}, "\n")
	return s.index.Index(ctx, search.Document{TenantID: o.TenantID, Kind: search.KindOffice, RefID: ref, Title: o.Name,
		Summary: o.Description, Body: body, URL: "/amministrazione/uffici/" + o.Slug, PublishedAt: s.now().UTC()})
}

// NewService returns the accounts service.
func NewService(store Store, keys *secret.Keyring, mailer Mailer, policy Policy, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: store, keys: keys, mailer: mailer, policy: policy, now: now}
}

// Errors shown on the sign-in pages. Wrong email and wrong password get the same
// message, so the form does not tell which emails have accounts.
var (
	ErrBadCredentials = apperr.E(apperr.Unauthenticated, "auth.bad_credentials")
	ErrThrottled      = apperr.E(apperr.TooManyRequests, "auth.throttled")
	ErrBadCode        = apperr.E(apperr.Unauthenticated, "auth.bad_code")
	ErrBadResetToken  = apperr.E(apperr.NotFound, "auth.reset_invalid")
)

// NextStep says what a person must do after a correct password.
type NextStep int

const (
	StepDone       NextStep = iota // signed in
	StepTOTP                       // enter the code from the authenticator app
	StepEnrollTOTP                 // the tenant requires a second factor: set it up first
)

// LoginRequest is a password sign-in to a tenant's back office (TenantID > 0) or to
// the platform console (TenantID == audit.PlatformTenant).
type LoginRequest struct {
	TenantID    int64
	RequireTOTP bool // the tenant makes the second factor mandatory
	Email       string
	Password    string
	IP          string
}

// Login checks email and password with throttling: after MaxEmailFailures failures
// for one email the account locks for LockFor; after MaxIPFailures failures from one
// address that address is refused for the rest of the window. A person who is not
// staff of the tenant (or not a platform operator, for the console) cannot sign in.
func (s *Service) Login(ctx context.Context, req LoginRequest) (Account, NextStep, error) {
	now := s.now().UTC()
	email := NormalizeEmail(req.Email)
	if email == "" || req.Password == "" || len(req.Password) > 1000 {
		return Account{}, 0, ErrBadCredentials
	}
	if err := s.throttled(ctx, email, req.IP, now); err != nil {
		return Account{}, 0, err
	}
	acc, err := s.store.AccountByEmail(ctx, email)
	if err != nil && !apperr.Is(err, apperr.NotFound) {
		return Account{}, 0, err
	}
	found := err == nil
	hash := dummyHash
	if found && acc.PasswordHash != "" {
		hash = acc.PasswordHash
	}
	ok, rehash := VerifyPassword(hash, req.Password)
	ok = ok && found && acc.PasswordHash != "" && !acc.Disabled
	if ok && found {
		if acc.Locked(now) {
			return Account{}, 0, ErrThrottled
		}
		ok, err = s.mayEnter(ctx, acc, req.TenantID)
		if err != nil {
			return Account{}, 0, err
		}
	}
	if !ok {
		return Account{}, 0, s.fail(ctx, req.TenantID, email, req.IP, "password", acc, found, now)
	}
	if rehash {
		if h, err := HashPassword(req.Password); err == nil {
			if err := s.store.SetPassword(ctx, acc.ID, h, acc.PasswordChangedAt); err != nil {
				return Account{}, 0, err
			}
		}
	}
	switch {
	case acc.TOTPEnabled:
		return acc, StepTOTP, nil
	case req.RequireTOTP:
		return acc, StepEnrollTOTP, nil
	}
	return acc, StepDone, s.succeed(ctx, req.TenantID, acc, req.IP, now)
}

// LoginTOTP completes a sign-in with the code from the authenticator app.
func (s *Service) LoginTOTP(ctx context.Context, tenantID, accountID int64, code, ip string) (Account, error) {
	now := s.now().UTC()
	acc, err := s.store.Account(ctx, accountID)
	if err != nil {
		return Account{}, err
	}
	if err := s.throttled(ctx, acc.Email, ip, now); err != nil {
		return Account{}, err
	}
	if acc.Locked(now) || acc.Disabled || !acc.TOTPEnabled {
		return Account{}, ErrThrottled
	}
	if err := s.checkCode(ctx, &acc, code, now); err != nil {
		if ferr := s.fail(ctx, tenantID, acc.Email, ip, "totp", acc, true, now); apperr.Is(ferr, apperr.Internal) {
			return Account{}, ferr
		}
		return Account{}, ErrBadCode
	}
	return acc, s.succeed(ctx, tenantID, acc, ip, now)
}

func (s *Service) checkCode(ctx context.Context, acc *Account, code string, now time.Time) error {
	seed, err := s.keys.Open("totp", acc.TOTPSecretEnc)
	if err != nil {
		return fmt.Errorf("open TOTP seed of account %d: %w", acc.ID, err)
	}
	step, ok := CheckTOTP(string(seed), strings.TrimSpace(code), acc.TOTPLastStep, now)
	if !ok {
		return ErrBadCode
	}
	if err := s.store.UseTOTPStep(ctx, acc.ID, step); err != nil {
		if apperr.Is(err, apperr.Conflict) { // used meanwhile by a concurrent request
			return ErrBadCode
		}
		return err
	}
	acc.TOTPLastStep = step
	return nil
}

func (s *Service) mayEnter(ctx context.Context, acc Account, tenantID int64) (bool, error) {
	if tenantID == audit.PlatformTenant {
		return acc.PlatformOperator, nil
	}
	st, err := s.store.StaffMember(ctx, tenantID, acc.ID)
	if apperr.Is(err, apperr.NotFound) {
		return false, nil
	}
	return err == nil && len(st.Roles) > 0, err
}

func (s *Service) throttled(ctx context.Context, email, ip string, now time.Time) error {
	since := now.Add(-s.policy.Window)
	n, err := s.store.AuthFailures(ctx, "ip", ip, since)
	if err != nil {
		return err
	}
	if n >= s.policy.MaxIPFailures {
		return ErrThrottled
	}
	if last, err := s.store.LastAuthSuccess(ctx, email); err != nil {
		return err
	} else if last.After(since) {
		since = last
	}
	n, err = s.store.AuthFailures(ctx, "email", email, since)
	if err != nil {
		return err
	}
	if n >= s.policy.MaxEmailFailures {
		return ErrThrottled
	}
	return nil
}

// fail records a failed attempt, locks the account when it reaches the limit, and
// returns the error to show.
func (s *Service) fail(ctx context.Context, tenantID int64, email, ip, kind string, acc Account, found bool, now time.Time) error {
	err := s.store.Atomic(ctx, func(ctx context.Context) error {
		if err := s.store.RecordAuthAttempt(ctx, AuthAttempt{TenantID: tenantID, Email: email, IP: ip, Kind: kind, At: now}); err != nil {
			return err
		}
		if !found {
			return nil
		}
		since := now.Add(-s.policy.Window)
		if last, err := s.store.LastAuthSuccess(ctx, email); err != nil {
			return err
		} else if last.After(since) {
			since = last
		}
		n, err := s.store.AuthFailures(ctx, "email", email, since)
		if err != nil {
			return err
		}
		if n < s.policy.MaxEmailFailures || acc.Locked(now) {
			return nil
		}
		if err := s.store.SetLockedUntil(ctx, acc.ID, now.Add(s.policy.LockFor)); err != nil {
			return err
		}
		e := audit.New(ctx, tenantID, "account.locked", "account", strconv.FormatInt(acc.ID, 10),
			fmt.Sprintf("%s: %d failed attempts", acc.Email, n))
		return s.store.AppendAudit(ctx, e)
	})
	if err != nil {
		return err
	}
	if kind == "totp" {
		return ErrBadCode
	}
	return ErrBadCredentials
}

func (s *Service) succeed(ctx context.Context, tenantID int64, acc Account, ip string, now time.Time) error {
	return s.store.Atomic(ctx, func(ctx context.Context) error {
		if err := s.store.RecordAuthAttempt(ctx, AuthAttempt{TenantID: tenantID, Email: acc.Email, IP: ip, Kind: "password", Success: true, At: now}); err != nil {
			return err
		}
		a := audit.ActorFrom(ctx)
		a.Kind, a.ID, a.Label = audit.ActorStaff, acc.ID, acc.Email
		if tenantID == audit.PlatformTenant {
			a.Kind = audit.ActorPlatform
		}
		return s.store.AppendAudit(audit.WithActor(ctx, a), audit.New(audit.WithActor(ctx, a), tenantID, "auth.sign_in", "account", strconv.FormatInt(acc.ID, 10), ""))
	})
}

// CompleteEnrollment finishes a sign-in that had to set up the second factor first:
// it checks the code against the pending seed, enables TOTP and signs in.
func (s *Service) CompleteEnrollment(ctx context.Context, tenantID, accountID int64, code, ip string) (Account, error) {
	if err := s.ConfirmTOTP(ctx, tenantID, accountID, code, ip); err != nil {
		return Account{}, err
	}
	acc, err := s.store.Account(ctx, accountID)
	if err != nil {
		return Account{}, err
	}
	return acc, s.succeed(ctx, tenantID, acc, ip, s.now().UTC())
}

// TOTPEnrollment is a new, not yet confirmed second factor.
type TOTPEnrollment struct {
	Secret string // shown for manual entry
	URL    string // otpauth:// URL
	QRPNG  []byte
}

// BeginTOTP creates a new pending seed for the account (replacing any pending one;
// an enabled factor stays as it is until ConfirmTOTP succeeds with the new seed).
func (s *Service) BeginTOTP(ctx context.Context, accountID int64, issuer string) (TOTPEnrollment, error) {
	acc, err := s.store.Account(ctx, accountID)
	if err != nil {
		return TOTPEnrollment{}, err
	}
	if acc.TOTPEnabled {
		return TOTPEnrollment{}, apperr.E(apperr.Conflict, "totp.already_enabled")
	}
	sec, url, png, err := NewTOTPKey(issuer, acc.Email)
	if err != nil {
		return TOTPEnrollment{}, err
	}
	sealed, err := s.keys.Seal("totp", []byte(sec))
	if err != nil {
		return TOTPEnrollment{}, err
	}
	if err := s.store.SetTOTP(ctx, accountID, sealed, false); err != nil {
		return TOTPEnrollment{}, err
	}
	return TOTPEnrollment{Secret: sec, URL: url, QRPNG: png}, nil
}

// PendingTOTP returns the pending enrollment again (for re-rendering the page).
func (s *Service) PendingTOTP(ctx context.Context, accountID int64, issuer string) (TOTPEnrollment, error) {
	acc, err := s.store.Account(ctx, accountID)
	if err != nil {
		return TOTPEnrollment{}, err
	}
	if acc.TOTPEnabled || acc.TOTPSecretEnc == "" {
		return s.BeginTOTP(ctx, accountID, issuer)
	}
	seed, err := s.keys.Open("totp", acc.TOTPSecretEnc)
	if err != nil {
		return TOTPEnrollment{}, err
	}
	return enrollmentFor(issuer, acc.Email, string(seed))
}

// ConfirmTOTP enables the pending seed when the code matches.
func (s *Service) ConfirmTOTP(ctx context.Context, tenantID, accountID int64, code, ip string) error {
	now := s.now().UTC()
	acc, err := s.store.Account(ctx, accountID)
	if err != nil {
		return err
	}
	if err := s.throttled(ctx, acc.Email, ip, now); err != nil {
		return err
	}
	if acc.TOTPEnabled || acc.TOTPSecretEnc == "" {
		return apperr.E(apperr.Conflict, "totp.no_pending")
	}
	if err := s.checkCode(ctx, &acc, code, now); err != nil {
		if apperr.Is(err, apperr.Internal) {
			return err
		}
		s.fail(ctx, tenantID, acc.Email, ip, "totp", acc, true, now)
		return &apperr.Error{Kind: apperr.Invalid, Code: "auth.bad_code", Fields: []apperr.FieldError{{Field: "code", Code: "auth.bad_code"}}}
	}
	return s.store.Atomic(ctx, func(ctx context.Context) error {
		if err := s.store.SetTOTP(ctx, accountID, acc.TOTPSecretEnc, true); err != nil {
			return err
		}
		return s.store.AppendAudit(ctx, audit.New(ctx, tenantID, "account.totp_enabled", "account", strconv.FormatInt(accountID, 10), acc.Email))
	})
}

// DisableTOTP turns the second factor off after checking the password. It is refused
// when the tenant requires a second factor.
func (s *Service) DisableTOTP(ctx context.Context, tenantID, accountID int64, password string, tenantRequires bool) error {
	if tenantRequires {
		return apperr.E(apperr.Forbidden, "totp.required_by_tenant")
	}
	acc, err := s.store.Account(ctx, accountID)
	if err != nil {
		return err
	}
	if ok, _ := VerifyPassword(acc.PasswordHash, password); !ok {
		return &apperr.Error{Kind: apperr.Invalid, Code: "auth.bad_password", Fields: []apperr.FieldError{{Field: "password", Code: "auth.bad_password"}}}
	}
	return s.store.Atomic(ctx, func(ctx context.Context) error {
		if err := s.store.SetTOTP(ctx, accountID, "", false); err != nil {
			return err
		}
		return s.store.AppendAudit(ctx, audit.New(ctx, tenantID, "account.totp_disabled", "account", strconv.FormatInt(accountID, 10), acc.Email))
	})
}

func enrollmentFor(issuer, email, seed string) (TOTPEnrollment, error) {
	url := fmt.Sprintf("otpauth://totp/%s:%s?algorithm=SHA1&digits=6&issuer=%s&period=30&secret=%s",
		pathEscape(issuer), pathEscape(email), queryEscape(issuer), seed)
	png, err := qrPNG(url)
	return TOTPEnrollment{Secret: seed, URL: url, QRPNG: png}, err
}

// ChangePassword sets a new password after checking the current one, and ends every
// session of the account (the caller starts a new one for the current browser).
func (s *Service) ChangePassword(ctx context.Context, tenantID, accountID int64, current, next, confirm string) error {
	acc, err := s.store.Account(ctx, accountID)
	if err != nil {
		return err
	}
	if ok, _ := VerifyPassword(acc.PasswordHash, current); !ok {
		return &apperr.Error{Kind: apperr.Invalid, Code: "auth.bad_password", Fields: []apperr.FieldError{{Field: "current", Code: "auth.bad_password"}}}
	}
	if err := CheckPassword(next, acc.Email, acc.Name); err != nil {
		return err
	}
	if err := ConfirmPassword(next, confirm); err != nil {
		return err
	}
	hash, err := HashPassword(next)
	if err != nil {
		return err
	}
	return s.store.Atomic(ctx, func(ctx context.Context) error {
		if err := s.store.SetPassword(ctx, accountID, hash, s.now().UTC()); err != nil {
			return err
		}
		if err := s.store.DeleteAccountSessions(ctx, accountID); err != nil {
			return err
		}
		return s.store.AppendAudit(ctx, audit.New(ctx, tenantID, "account.password_changed", "account", strconv.FormatInt(accountID, 10), acc.Email))
	})
}

// RequestPasswordReset emails a single-use link to set a new password, when the
// email belongs to someone who may sign in where it was asked (a tenant's staff, or
// a platform operator for the console). It answers the same way in every case, so it
// does not reveal which emails have accounts. linkBase is the URL the token is
// appended to.
func (s *Service) RequestPasswordReset(ctx context.Context, tenantID int64, email, ip, linkBase string) error {
	now := s.now().UTC()
	email = NormalizeEmail(email)
	if !check.Email(email) {
		return &apperr.Error{Kind: apperr.Invalid, Code: "error.invalid", Fields: []apperr.FieldError{{Field: "email", Code: "account.email.invalid"}}}
	}
	n, err := s.store.AuthFailures(ctx, "ip", ip, now.Add(-s.policy.Window))
	if err != nil {
		return err
	}
	if n >= s.policy.MaxIPFailures {
		return ErrThrottled
	}
	acc, err := s.store.AccountByEmail(ctx, email)
	if apperr.Is(err, apperr.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if acc.Disabled {
		return nil
	}
	if ok, err := s.mayEnter(ctx, acc, tenantID); err != nil || !ok {
		return err
	}
	recent, err := s.store.CountPasswordResets(ctx, acc.ID, now.Add(-time.Hour))
	if err != nil {
		return err
	}
	if recent >= s.policy.MaxResetsPerHour {
		return nil // silently: the person already has links in their mailbox
	}
	return s.sendLink(ctx, acc, tenantID, linkBase, false, now)
}

func (s *Service) sendLink(ctx context.Context, acc Account, tenantID int64, linkBase string, invite bool, now time.Time) error {
	token, hash := secret.Token()
	ttl := s.policy.ResetTTL
	if invite {
		ttl = s.policy.InviteTTL
	}
	expires := now.Add(ttl)
	return s.store.Atomic(ctx, func(ctx context.Context) error {
		if err := s.store.CreatePasswordReset(ctx, hash, acc.ID, tenantID, expires); err != nil {
			return err
		}
		action := "account.reset_requested"
		if invite {
			action = "account.invited"
		}
		if err := s.store.AppendAudit(ctx, audit.New(ctx, tenantID, action, "account", strconv.FormatInt(acc.ID, 10), acc.Email)); err != nil {
			return err
		}
		return s.mailer.PasswordLink(ctx, acc, tenantID, linkBase+token, invite, expires)
	})
}

// ResetPassword sets a new password with a token from RequestPasswordReset (or an
// invitation). The token works once and expires; success unlocks the account and
// signs the person out everywhere.
func (s *Service) ResetPassword(ctx context.Context, tenantID int64, token, password, confirm string) (Account, error) {
	now := s.now().UTC()
	if token == "" || len(token) > 100 {
		return Account{}, ErrBadResetToken
	}
	var acc Account
	err := s.store.Atomic(ctx, func(ctx context.Context) error {
		id, err := s.store.ConsumePasswordReset(ctx, secret.HashToken(token), now)
		if err != nil {
			if apperr.Is(err, apperr.NotFound) {
				return ErrBadResetToken
			}
			return err
		}
		acc, err = s.store.Account(ctx, id)
		if err != nil {
			return err
		}
		if err := CheckPassword(password, acc.Email, acc.Name); err != nil {
			return err
		}
		if err := ConfirmPassword(password, confirm); err != nil {
			return err
		}
		hash, err := HashPassword(password)
		if err != nil {
			return err
		}
		if err := s.store.SetPassword(ctx, id, hash, now); err != nil {
			return err
		}
		if err := s.store.SetLockedUntil(ctx, id, time.Time{}); err != nil {
			return err
		}
		// A successful reset ends the throttling too: failures before it no longer
		// count against the email (see throttled).
		if err := s.store.RecordAuthAttempt(ctx, AuthAttempt{TenantID: tenantID, Email: acc.Email, IP: audit.ActorFrom(ctx).IP,
			Kind: "reset", Success: true, At: now}); err != nil {
			return err
		}
		if err := s.store.DeleteAccountSessions(ctx, id); err != nil {
			return err
		}
		a := audit.ActorFrom(ctx)
		a.ID, a.Label = id, acc.Email
		return s.store.AppendAudit(ctx, audit.New(audit.WithActor(ctx, a), tenantID, "account.password_reset", "account", strconv.FormatInt(id, 10), acc.Email))
	})
	return acc, err
}

// ResetTokenValid reports whether a reset token can still be used (to show the form
// or an "expired link" page before the person types a password).
func (s *Service) ResetTokenValid(ctx context.Context, token string) bool {
	if token == "" || len(token) > 100 {
		return false
	}
	ok, err := s.store.PasswordResetUsable(ctx, secret.HashToken(token), s.now().UTC())
	return err == nil && ok
}

// Account returns an account by id.
func (s *Service) Account(ctx context.Context, id int64) (Account, error) {
	return s.store.Account(ctx, id)
}

// StaffMember returns the membership of an account in a tenant; NotFound if none.
func (s *Service) StaffMember(ctx context.Context, tenantID, accountID int64) (Staff, error) {
	return s.store.StaffMember(ctx, tenantID, accountID)
}

// StaffCounts returns the number of staff members of every tenant, for the
// platform operator's list of tenants.
func (s *Service) StaffCounts(ctx context.Context) (map[int64]int, error) {
	return s.store.StaffCounts(ctx)
}

// StaffList returns a tenant's staff.
func (s *Service) StaffList(ctx context.Context, tenantID int64) ([]Staff, error) {
	return s.store.StaffList(ctx, tenantID)
}

// AddStaffInput describes a new staff member.
type AddStaffInput struct {
	Email    string
	Name     string
	Roles    []Role
	LinkBase string // where the invitation link points, for a new account
}

// AddStaff makes a person staff of the tenant with the roles. A person without an
// account gets one and an invitation to set a password; a person who already has an
// account (for example, staff of another comune) keeps their password.
func (s *Service) AddStaff(ctx context.Context, tenantID int64, in AddStaffInput) (Staff, error) {
	in.Email = NormalizeEmail(in.Email)
	in.Name = check.Clean(in.Name)
	var v apperr.Validation
	if !check.Email(in.Email) {
		v.Add("email", "account.email.invalid")
	}
	if len(in.Roles) == 0 {
		v.Add("roles", "staff.roles.required")
	}
	for _, r := range in.Roles {
		if !slices.Contains(AllRoles, r) {
			v.Add("roles", "staff.role.invalid")
			break
		}
	}
	if err := v.Err(); err != nil {
		return Staff{}, err
	}
	now := s.now().UTC()
	var st Staff
	err := s.store.Atomic(ctx, func(ctx context.Context) error {
		acc, err := s.store.AccountByEmail(ctx, in.Email)
		created := false
		if apperr.Is(err, apperr.NotFound) {
			if err := ValidateAccountFields(in.Email, in.Name); err != nil {
				return err
			}
			acc = Account{Email: in.Email, Name: in.Name}
			if err := s.store.CreateAccount(ctx, &acc); err != nil {
				return err
			}
			created = true
		} else if err != nil {
			return err
		}
		if err := s.store.AddStaff(ctx, tenantID, acc.ID); err != nil {
			if apperr.Is(err, apperr.Conflict) {
				return &apperr.Error{Kind: apperr.Conflict, Code: "staff.exists", Fields: []apperr.FieldError{{Field: "email", Code: "staff.exists"}}}
			}
			return err
		}
		if err := s.store.SetStaffRoles(ctx, tenantID, acc.ID, in.Roles); err != nil {
			return err
		}
		if err := s.store.AppendAudit(ctx, audit.New(ctx, tenantID, "staff.add", "account", strconv.FormatInt(acc.ID, 10),
			fmt.Sprintf("%s %v", acc.Email, in.Roles))); err != nil {
			return err
		}
		if created && in.LinkBase != "" {
			if err := s.sendLink(ctx, acc, tenantID, in.LinkBase, true, now); err != nil {
				return err
			}
		}
		st, err = s.store.StaffMember(ctx, tenantID, acc.ID)
		return err
	})
	return st, err
}

// SetRoles replaces a staff member's roles. A tenant always keeps at least one admin.
func (s *Service) SetRoles(ctx context.Context, tenantID, accountID int64, roles []Role) error {
	for _, r := range roles {
		if !slices.Contains(AllRoles, r) {
			return apperr.E(apperr.Invalid, "staff.role.invalid")
		}
	}
	return s.store.Atomic(ctx, func(ctx context.Context) error {
		st, err := s.store.StaffMember(ctx, tenantID, accountID)
		if err != nil {
			return err
		}
		if slices.Contains(st.Roles, RoleAdmin) && !slices.Contains(roles, RoleAdmin) {
			if err := s.keepAnAdmin(ctx, tenantID, accountID); err != nil {
				return err
			}
		}
		if err := s.store.SetStaffRoles(ctx, tenantID, accountID, roles); err != nil {
			return err
		}
		return s.store.AppendAudit(ctx, audit.New(ctx, tenantID, "staff.roles", "account", strconv.FormatInt(accountID, 10),
			fmt.Sprintf("%s %v -> %v", st.Account.Email, st.Roles, roles)))
	})
}

// GrantRole adds one role.
func (s *Service) GrantRole(ctx context.Context, tenantID, accountID int64, r Role) error {
	st, err := s.store.StaffMember(ctx, tenantID, accountID)
	if err != nil {
		return err
	}
	if slices.Contains(st.Roles, r) {
		return nil
	}
	return s.SetRoles(ctx, tenantID, accountID, append(st.Roles, r))
}

// RevokeRole removes one role.
func (s *Service) RevokeRole(ctx context.Context, tenantID, accountID int64, r Role) error {
	st, err := s.store.StaffMember(ctx, tenantID, accountID)
	if err != nil {
		return err
	}
	return s.SetRoles(ctx, tenantID, accountID, slices.DeleteFunc(slices.Clone(st.Roles), func(x Role) bool { return x == r }))
}

// RemoveStaff ends a person's membership of the tenant (their account stays, and so
// does everything they did). A tenant always keeps at least one admin.
func (s *Service) RemoveStaff(ctx context.Context, tenantID, accountID int64) error {
	return s.store.Atomic(ctx, func(ctx context.Context) error {
		st, err := s.store.StaffMember(ctx, tenantID, accountID)
		if err != nil {
			return err
		}
		if slices.Contains(st.Roles, RoleAdmin) {
			if err := s.keepAnAdmin(ctx, tenantID, accountID); err != nil {
				return err
			}
		}
		if err := s.store.RemoveStaff(ctx, tenantID, accountID); err != nil {
			return err
		}
		return s.store.AppendAudit(ctx, audit.New(ctx, tenantID, "staff.remove", "account", strconv.FormatInt(accountID, 10), st.Account.Email))
	})
}

func (s *Service) keepAnAdmin(ctx context.Context, tenantID, leaving int64) error {
	all, err := s.store.StaffList(ctx, tenantID)
	if err != nil {
		return err
	}
	for _, o := range all {
		if o.Account.ID != leaving && slices.Contains(o.Roles, RoleAdmin) && !o.Account.Disabled {
			return nil
		}
	}
	return apperr.E(apperr.Conflict, "staff.last_admin")
}

// Offices returns the tenant's offices by name.
func (s *Service) Offices(ctx context.Context, tenantID int64) ([]Office, error) {
	return s.store.Offices(ctx, tenantID)
}

// Office returns one office.
func (s *Service) Office(ctx context.Context, tenantID, id int64) (Office, error) {
	return s.store.Office(ctx, tenantID, id)
}

// OfficeBySlug returns one office by its slug.
func (s *Service) OfficeBySlug(ctx context.Context, tenantID int64, slug string) (Office, error) {
	return s.store.OfficeBySlug(ctx, tenantID, slug)
}

// SaveOffice creates (ID 0) or updates an office.
func (s *Service) SaveOffice(ctx context.Context, o *Office) error {
	o.Normalize()
	if err := o.Validate(); err != nil {
		return err
	}
	return s.store.Atomic(ctx, func(ctx context.Context) error {
		action := "office.update"
		var err error
		if o.ID == 0 {
			action = "office.create"
			err = s.store.CreateOffice(ctx, o)
		} else {
			err = s.store.UpdateOffice(ctx, o)
		}
		if apperr.Is(err, apperr.Conflict) {
			return &apperr.Error{Kind: apperr.Conflict, Code: "office.slug.taken", Fields: []apperr.FieldError{{Field: "slug", Code: "office.slug.taken"}}}
		}
		if err != nil {
			return err
		}
		if err := s.indexOffice(ctx, *o, false); err != nil {
			return err
		}
		return s.store.AppendAudit(ctx, audit.New(ctx, o.TenantID, action, "office", strconv.FormatInt(o.ID, 10), o.Name))
	})
}

// DeleteOffice removes an office and its memberships.
func (s *Service) DeleteOffice(ctx context.Context, tenantID, id int64) error {
	return s.store.Atomic(ctx, func(ctx context.Context) error {
		o, err := s.store.Office(ctx, tenantID, id)
		if err != nil {
			return err
		}
		if err := s.store.DeleteOffice(ctx, tenantID, id); err != nil {
			return err
		}
		if err := s.indexOffice(ctx, o, true); err != nil {
			return err
		}
		return s.store.AppendAudit(ctx, audit.New(ctx, tenantID, "office.delete", "office", strconv.FormatInt(id, 10), o.Name))
	})
}

// OfficeMemberIDs returns the account ids of an office's members.
func (s *Service) OfficeMemberIDs(ctx context.Context, tenantID, officeID int64) ([]int64, error) {
	return s.store.OfficeMemberIDs(ctx, tenantID, officeID)
}

// SetOfficeMembers replaces the members of an office; each must be staff of the tenant.
func (s *Service) SetOfficeMembers(ctx context.Context, tenantID, officeID int64, accountIDs []int64) error {
	return s.store.Atomic(ctx, func(ctx context.Context) error {
		o, err := s.store.Office(ctx, tenantID, officeID)
		if err != nil {
			return err
		}
		for _, id := range accountIDs {
			if _, err := s.store.StaffMember(ctx, tenantID, id); err != nil {
				if apperr.Is(err, apperr.NotFound) {
					return apperr.E(apperr.Invalid, "office.member.invalid")
				}
				return err
			}
		}
		if err := s.store.SetOfficeMembers(ctx, tenantID, officeID, accountIDs); err != nil {
			return err
		}
		return s.store.AppendAudit(ctx, audit.New(ctx, tenantID, "office.members", "office", strconv.FormatInt(officeID, 10),
			fmt.Sprintf("%s: %d members", o.Name, len(accountIDs))))
	})
}

// SaveOfficeWithMembers saves an office (as SaveOffice) and replaces its members (as
// SetOfficeMembers) in one transaction: either both change or neither does.
func (s *Service) SaveOfficeWithMembers(ctx context.Context, o *Office, accountIDs []int64) error {
	id := o.ID
	err := s.store.Atomic(ctx, func(ctx context.Context) error {
		if err := s.SaveOffice(ctx, o); err != nil {
			return err
		}
		return s.SetOfficeMembers(ctx, o.TenantID, o.ID, accountIDs)
	})
	if err != nil {
		o.ID = id // a new office was rolled back
	}
	return err
}

// CitizenSignIn records a citizen's sign-in: it validates the fiscal code asserted
// by the identity provider (stripping "TINIT-"), creates the citizen on first
// sign-in and refreshes name and level. Email and phone from the provider fill the
// profile only where the citizen has not set their own.
func (s *Service) CitizenSignIn(ctx context.Context, tenantID int64, id Identity) (Citizen, error) {
	now := s.now().UTC()
	id.FiscalCode = fiscalcode.Normalize(id.FiscalCode)
	if _, err := fiscalcode.Parse(id.FiscalCode, now); err != nil {
		return Citizen{}, apperr.Wrap(apperr.Unauthenticated, "oidc.bad_fiscal_code", err)
	}
	id.GivenName = check.Clean(id.GivenName)
	id.FamilyName = check.Clean(id.FamilyName)
	id.Email = NormalizeEmail(id.Email)
	id.Phone = strings.TrimSpace(id.Phone)
	if !check.Line(id.GivenName, 100) || !check.Line(id.FamilyName, 100) {
		return Citizen{}, apperr.E(apperr.Unauthenticated, "oidc.bad_claims")
	}
	if id.Email != "" && !check.Email(id.Email) {
		id.Email = ""
	}
	if id.Phone != "" && !check.Phone(id.Phone) {
		id.Phone = ""
	}
	if !check.Line(id.Level, 200) {
		id.Level = ""
	}
	var c Citizen
	err := s.store.Atomic(ctx, func(ctx context.Context) error {
		var err error
		c, err = s.store.UpsertCitizen(ctx, tenantID, id, now)
		if err != nil {
			return err
		}
		a := audit.ActorFrom(ctx)
		a.Kind, a.ID, a.Label = audit.ActorCitizen, c.ID, c.FullName()
		return s.store.AppendAudit(audit.WithActor(ctx, a), audit.New(audit.WithActor(ctx, a), tenantID, "citizen.sign_in", "citizen", strconv.FormatInt(c.ID, 10), id.Level))
	})
	return c, err
}

// Citizen returns a citizen for the citizen themself (not audited).
func (s *Service) Citizen(ctx context.Context, tenantID, id int64) (Citizen, error) {
	return s.store.Citizen(ctx, tenantID, id)
}

// UpdateProfile changes a citizen's own contacts and preferences.
func (s *Service) UpdateProfile(ctx context.Context, tenantID, id int64, p Profile) error {
	p.Normalize()
	if err := p.Validate(); err != nil {
		return err
	}
	return s.store.Atomic(ctx, func(ctx context.Context) error {
		if err := s.store.UpdateCitizenProfile(ctx, tenantID, id, p); err != nil {
			return err
		}
		return s.store.AppendAudit(ctx, audit.New(ctx, tenantID, "citizen.profile_update", "citizen", strconv.FormatInt(id, 10), ""))
	})
}

// ViewCitizen returns a citizen's record to a staff member, and audits the read.
func (s *Service) ViewCitizen(ctx context.Context, tenantID, id int64) (Citizen, error) {
	var c Citizen
	err := s.store.Atomic(ctx, func(ctx context.Context) error {
		var err error
		if c, err = s.store.Citizen(ctx, tenantID, id); err != nil {
			return err
		}
		return s.store.AppendAudit(ctx, audit.New(ctx, tenantID, "citizen.view", "citizen", strconv.FormatInt(id, 10), c.FiscalCode))
	})
	return c, err
}

// SearchCitizens finds citizens by fiscal code or name for a staff member, and
// audits the search (the query itself is personal data).
func (s *Service) SearchCitizens(ctx context.Context, tenantID int64, q string) ([]Citizen, error) {
	q = strings.TrimSpace(q)
	if len([]rune(q)) < 3 || !check.Line(q, 100) {
		return nil, &apperr.Error{Kind: apperr.Invalid, Code: "citizen.search.too_short", Fields: []apperr.FieldError{{Field: "q", Code: "citizen.search.too_short"}}}
	}
	var out []Citizen
	err := s.store.Atomic(ctx, func(ctx context.Context) error {
		var err error
		if out, err = s.store.SearchCitizens(ctx, tenantID, q, 50); err != nil {
			return err
		}
		return s.store.AppendAudit(ctx, audit.New(ctx, tenantID, "citizen.search", "citizen", "", fmt.Sprintf("%q: %d results", q, len(out))))
	})
	return out, err
}
