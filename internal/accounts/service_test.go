package accounts_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"piazza/internal/accounts"
	"piazza/internal/apperr"
	"piazza/internal/audit"
	"piazza/internal/config"
	"piazza/internal/jobs"
	"piazza/internal/mail"
	"piazza/internal/secret"
	"piazza/internal/session"
	"piazza/internal/store"
	"piazza/internal/store/storetest"
	"piazza/internal/tenants"
	"piazza/internal/web"
)

var ctx = context.Background()

const pw = "una-password-di-prova"

// clock is a settable time shared by the store and the service.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// env is the accounts service on a fresh database, with the real mailer of the
// web layer (messages become "mail.send" jobs in the database), two tenants and a
// few accounts.
type env struct {
	db     *store.DB
	svc    *accounts.Service
	clk    *clock
	keys   *secret.Keyring
	borgo  tenants.Tenant
	marina tenants.Tenant
	admin  accounts.Account // admin of borgo
	editor accounts.Account // editor of borgo
	other  accounts.Account // operator of marina
	op     accounts.Account // platform operator
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{clk: &clock{t: time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)}}
	e.db = storetest.OpenWith(t, e.clk.now)
	var err error
	if e.keys, err = secret.New([]byte(strings.Repeat("s", 32))); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	cfg := config.Defaults()
	cfg.DataDir = t.TempDir()
	runner := jobs.NewRunner(e.db, log, 0)
	outbox, err := mail.NewOutbox(t.TempDir(), "noreply@piazza.example")
	if err != nil {
		t.Fatal(err)
	}
	runner.Register(mail.JobKind, mail.Handler(outbox))
	resolver := tenants.NewResolver(e.db, cfg.PlatformHost, 0)
	mailer := web.NewMailer()
	e.svc = accounts.NewService(e.db, e.keys, mailer, accounts.DefaultPolicy, e.clk.now)
	srv, err := web.New(web.Deps{Config: cfg, Logger: log, Keys: e.keys, Resolver: resolver,
		Tenants: tenants.NewService(e.db, e.db, e.keys, resolver), Accounts: e.svc, Audit: e.db, Sessions: e.db, Jobs: runner, DB: e.db})
	if err != nil {
		t.Fatal(err)
	}
	mailer.Bind(srv)
	e.borgo = storetest.MustCreateTenant(t, e.db, "borgo")
	e.marina = storetest.MustCreateTenant(t, e.db, "marina")
	e.admin = e.staff(t, "admin@borgo.example.it", e.borgo.ID, accounts.RoleAdmin)
	e.editor = e.staff(t, "redattore@borgo.example.it", e.borgo.ID, accounts.RoleEditor)
	e.other = e.staff(t, "operatore@marina.example.it", e.marina.ID, accounts.RoleOperator)
	e.op = storetest.MustCreateAccount(t, e.db, "console@piazza.example.it", pw)
	if err := e.db.SetPlatformOperator(ctx, e.op.ID, true); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) staff(t *testing.T, email string, tenantID int64, roles ...accounts.Role) accounts.Account {
	t.Helper()
	a := storetest.MustCreateAccount(t, e.db, email, pw)
	storetest.MustAddStaff(t, e.db, tenantID, a.ID, roles...)
	return a
}

func (e *env) account(t *testing.T, id int64) accounts.Account {
	t.Helper()
	a, err := e.db.Account(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func (e *env) login(tenantID int64, email, password, ip string) (accounts.Account, accounts.NextStep, error) {
	return e.svc.Login(ctx, accounts.LoginRequest{TenantID: tenantID, Email: email, Password: password, IP: ip})
}

// mails returns the messages enqueued since the last call.
func (e *env) mails(t *testing.T) []mail.Message {
	t.Helper()
	js, err := e.db.ClaimJobs(ctx, "test", 100, 1000*time.Hour, time.Now().Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var out []mail.Message
	for _, j := range js {
		var m mail.Message
		if err := json.Unmarshal(j.Payload, &m); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

var tokenRE = regexp.MustCompile(`token=([A-Za-z0-9_-]+)`)

// linkToken returns the token of the one link mailed to email since the last call.
func (e *env) linkToken(t *testing.T, email string) string {
	t.Helper()
	ms := e.mails(t)
	if len(ms) != 1 || ms[0].To[0] != email {
		t.Fatalf("want one mail to %s, got %+v", email, ms)
	}
	m := tokenRE.FindStringSubmatch(ms[0].Text)
	if m == nil {
		t.Fatalf("no link in %q", ms[0].Text)
	}
	return m[1]
}

func (e *env) auditActions(t *testing.T, tenantID int64, prefix string) []string {
	t.Helper()
	es, err := e.db.AuditEntries(ctx, tenantID, audit.Filter{Action: prefix})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, x := range es {
		out = append(out, x.Action)
	}
	return out
}

func TestLogin(t *testing.T) {
	e := newEnv(t)
	disabled := e.staff(t, "disabilitato@borgo.example.it", e.borgo.ID, accounts.RoleAdmin)
	if err := e.db.SetAccountDisabled(ctx, disabled.ID, true); err != nil {
		t.Fatal(err)
	}
	noPassword := accounts.Account{Email: "invitato@borgo.example.it", Name: "Invitato"}
	if err := e.db.CreateAccount(ctx, &noPassword); err != nil {
		t.Fatal(err)
	}
	storetest.MustAddStaff(t, e.db, e.borgo.ID, noPassword.ID, accounts.RoleViewer)
	noRoles := storetest.MustCreateAccount(t, e.db, "senzaruoli@borgo.example.it", pw)
	storetest.MustAddStaff(t, e.db, e.borgo.ID, noRoles.ID)

	tests := []struct {
		name     string
		tenant   int64
		email    string
		password string
		want     error
	}{
		{"admin", e.borgo.ID, e.admin.Email, pw, nil},
		{"editor, email in capitals", e.borgo.ID, "  REDATTORE@borgo.example.it", pw, nil},
		{"platform operator on the console", audit.PlatformTenant, e.op.Email, pw, nil},
		{"wrong password", e.borgo.ID, e.admin.Email, pw + "x", accounts.ErrBadCredentials},
		{"unknown email", e.borgo.ID, "nessuno@borgo.example.it", pw, accounts.ErrBadCredentials},
		{"staff of another tenant", e.borgo.ID, e.other.Email, pw, accounts.ErrBadCredentials},
		{"tenant admin on the console", audit.PlatformTenant, e.admin.Email, pw, accounts.ErrBadCredentials},
		{"operator on a tenant", e.borgo.ID, e.op.Email, pw, accounts.ErrBadCredentials},
		{"disabled account", e.borgo.ID, disabled.Email, pw, accounts.ErrBadCredentials},
		{"account without a password yet", e.borgo.ID, noPassword.Email, pw, accounts.ErrBadCredentials},
		{"staff without roles", e.borgo.ID, noRoles.Email, pw, accounts.ErrBadCredentials},
		{"empty email", e.borgo.ID, "", pw, accounts.ErrBadCredentials},
		{"huge password", e.borgo.ID, e.admin.Email, strings.Repeat("p", 1001), accounts.ErrBadCredentials},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ip := "192.0.2." + string(rune('1'+i%9))
			acc, step, err := e.login(tt.tenant, tt.email, tt.password, ip)
			if tt.want != nil {
				if err != tt.want {
					t.Fatalf("got %v, want %v", err, tt.want)
				}
				return
			}
			if err != nil || step != accounts.StepDone || acc.Email != accounts.NormalizeEmail(tt.email) {
				t.Fatalf("got %+v, %v, %v", acc.Email, step, err)
			}
		})
	}
	if got := e.auditActions(t, e.borgo.ID, "auth.sign_in"); len(got) != 2 {
		t.Errorf("borgo sign-in entries %v, want 2", got)
	}
	if got := e.auditActions(t, audit.PlatformTenant, "auth.sign_in"); len(got) != 1 {
		t.Errorf("platform sign-in entries %v, want 1", got)
	}
}

func TestLoginNextSteps(t *testing.T) {
	e := newEnv(t)
	// Second factor required by the tenant, none set up: enroll first.
	_, step, err := e.svc.Login(ctx, accounts.LoginRequest{TenantID: e.borgo.ID, RequireTOTP: true, Email: e.admin.Email, Password: pw, IP: "192.0.2.1"})
	if err != nil || step != accounts.StepEnrollTOTP {
		t.Fatalf("got %v, %v; want enrollment", step, err)
	}
	if got := e.auditActions(t, e.borgo.ID, "auth.sign_in"); len(got) != 0 {
		t.Fatal("a sign-in was recorded before the second factor")
	}
	sec := enable(t, e, e.admin.ID, e.borgo.ID)
	for _, require := range []bool{false, true} {
		_, step, err = e.svc.Login(ctx, accounts.LoginRequest{TenantID: e.borgo.ID, RequireTOTP: require, Email: e.admin.Email, Password: pw, IP: "192.0.2.1"})
		if err != nil || step != accounts.StepTOTP {
			t.Fatalf("require %v: got %v, %v; want the code step", require, step, err)
		}
	}
	e.clk.advance(30 * time.Second)
	code, _ := accounts.TOTPCode(sec, e.clk.now())
	if _, err := e.svc.LoginTOTP(ctx, e.borgo.ID, e.admin.ID, "000000", "192.0.2.1"); err != accounts.ErrBadCode {
		t.Fatalf("wrong code: %v", err)
	}
	acc, err := e.svc.LoginTOTP(ctx, e.borgo.ID, e.admin.ID, code, "192.0.2.1")
	if err != nil || acc.ID != e.admin.ID {
		t.Fatalf("right code: %v", err)
	}
	if _, err := e.svc.LoginTOTP(ctx, e.borgo.ID, e.admin.ID, code, "192.0.2.1"); err != accounts.ErrBadCode {
		t.Fatalf("replayed code: %v", err)
	}
	// An account without a factor cannot take the code step.
	if _, err := e.svc.LoginTOTP(ctx, e.borgo.ID, e.editor.ID, code, "192.0.2.1"); err == nil {
		t.Fatal("the code step passed for an account without a factor")
	}
	if got := e.auditActions(t, e.borgo.ID, "auth.sign_in"); len(got) != 1 {
		t.Errorf("sign-in entries %v, want 1", got)
	}
}

// enable sets up a second factor for an account and returns its secret.
func enable(t *testing.T, e *env, accountID, tenantID int64) string {
	t.Helper()
	enr, err := e.svc.BeginTOTP(ctx, accountID, "Piazza")
	if err != nil {
		t.Fatal(err)
	}
	again, err := e.svc.PendingTOTP(ctx, accountID, "Piazza")
	if err != nil || again.Secret != enr.Secret || len(again.QRPNG) == 0 {
		t.Fatalf("PendingTOTP: %v (same secret %v)", err, again.Secret == enr.Secret)
	}
	if a := e.account(t, accountID); a.TOTPEnabled || a.TOTPSecretEnc == "" || strings.Contains(a.TOTPSecretEnc, enr.Secret) {
		t.Fatalf("pending seed must be stored sealed and not enabled: %+v", a)
	}
	err = e.svc.ConfirmTOTP(ctx, tenantID, accountID, "000000", "192.0.2.50")
	if !apperr.Is(err, apperr.Invalid) || fieldCode(err, "code") != "auth.bad_code" {
		t.Fatalf("wrong confirmation code: %v", err)
	}
	code, _ := accounts.TOTPCode(enr.Secret, e.clk.now())
	if err := e.svc.ConfirmTOTP(ctx, tenantID, accountID, code, "192.0.2.50"); err != nil {
		t.Fatal(err)
	}
	if !e.account(t, accountID).TOTPEnabled {
		t.Fatal("not enabled")
	}
	if _, err := e.svc.BeginTOTP(ctx, accountID, "Piazza"); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("BeginTOTP with a factor on: %v", err)
	}
	return enr.Secret
}

func TestDisableTOTP(t *testing.T) {
	e := newEnv(t)
	enable(t, e, e.editor.ID, e.borgo.ID)
	if err := e.svc.DisableTOTP(ctx, e.borgo.ID, e.editor.ID, pw, true); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("required by the tenant: %v", err)
	}
	if err := e.svc.DisableTOTP(ctx, e.borgo.ID, e.editor.ID, "sbagliata", false); fieldCode(err, "password") != "auth.bad_password" {
		t.Fatalf("wrong password: %v", err)
	}
	if !e.account(t, e.editor.ID).TOTPEnabled {
		t.Fatal("turned off by a refused request")
	}
	if err := e.svc.DisableTOTP(ctx, e.borgo.ID, e.editor.ID, pw, false); err != nil {
		t.Fatal(err)
	}
	if a := e.account(t, e.editor.ID); a.TOTPEnabled || a.TOTPSecretEnc != "" {
		t.Fatalf("still on: %+v", a)
	}
	if got := e.auditActions(t, e.borgo.ID, "account.totp"); len(got) != 2 {
		t.Errorf("audit %v", got)
	}
}

func TestLoginLocksAfterFailures(t *testing.T) {
	e := newEnv(t)
	for i := 0; i < 4; i++ {
		if _, _, err := e.login(e.borgo.ID, e.admin.Email, "sbagliata", "192.0.2.1"); err != accounts.ErrBadCredentials {
			t.Fatal(err)
		}
	}
	// A success resets the count.
	e.clk.advance(time.Second)
	if _, _, err := e.login(e.borgo.ID, e.admin.Email, pw, "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	e.clk.advance(time.Second)
	for i := 0; i < 4; i++ {
		e.login(e.borgo.ID, e.admin.Email, "sbagliata", "192.0.2.2")
	}
	if a := e.account(t, e.admin.ID); a.Locked(e.clk.now()) {
		t.Fatal("locked after 4 failures since the last success")
	}
	e.clk.advance(time.Minute)
	if _, _, err := e.login(e.borgo.ID, e.admin.Email, "sbagliata", "192.0.2.3"); err != accounts.ErrBadCredentials {
		t.Fatal(err)
	}
	a := e.account(t, e.admin.ID)
	if want := e.clk.now().Add(accounts.DefaultPolicy.LockFor); !a.LockedUntil.Equal(want) {
		t.Fatalf("locked until %v, want %v", a.LockedUntil, want)
	}
	if got := e.auditActions(t, e.borgo.ID, "account.locked"); len(got) != 1 {
		t.Fatalf("lock audit %v", got)
	}
	// The right password does not help, from any address, until the lock ends.
	for _, d := range []time.Duration{0, 10 * time.Minute, 4*time.Minute + 59*time.Second} {
		e.clk.advance(d)
		if _, _, err := e.login(e.borgo.ID, e.admin.Email, pw, "198.51.100.1"); err != accounts.ErrThrottled {
			t.Fatalf("after %v more: %v, want throttled", d, err)
		}
	}
	// Other accounts are unaffected.
	if _, _, err := e.login(e.borgo.ID, e.editor.Email, pw, "198.51.100.1"); err != nil {
		t.Fatal(err)
	}
	e.clk.advance(2 * time.Second)
	if _, _, err := e.login(e.borgo.ID, e.admin.Email, pw, "198.51.100.1"); err != nil {
		t.Fatalf("after the lock: %v", err)
	}
}

func TestLoginThrottlesAnAddress(t *testing.T) {
	e := newEnv(t)
	const ip = "203.0.113.7"
	for i := 0; i < accounts.DefaultPolicy.MaxIPFailures; i++ {
		email := "nessuno" + strings.Repeat("x", i) + "@borgo.example.it"
		if _, _, err := e.login(e.borgo.ID, email, pw, ip); err != accounts.ErrBadCredentials {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	if _, _, err := e.login(e.borgo.ID, e.admin.Email, pw, ip); err != accounts.ErrThrottled {
		t.Fatalf("from the address: %v", err)
	}
	if _, _, err := e.login(e.marina.ID, e.other.Email, pw, ip); err != accounts.ErrThrottled {
		t.Fatalf("from the address, another tenant: %v", err)
	}
	if err := e.svc.RequestPasswordReset(ctx, e.borgo.ID, e.admin.Email, ip, "http://x/?token="); err != accounts.ErrThrottled {
		t.Fatalf("reset from the address: %v", err)
	}
	if _, _, err := e.login(e.borgo.ID, e.admin.Email, pw, "203.0.113.8"); err != nil {
		t.Fatalf("another address: %v", err)
	}
	if a := e.account(t, e.admin.ID); !a.LockedUntil.IsZero() {
		t.Fatal("address throttling locked an account")
	}
	e.clk.advance(accounts.DefaultPolicy.Window + time.Second)
	if _, _, err := e.login(e.borgo.ID, e.admin.Email, pw, ip); err != nil {
		t.Fatalf("after the window: %v", err)
	}
}

func TestLoginRehashesOldHashes(t *testing.T) {
	e := newEnv(t)
	old := phc(pw, 19*1024, 2, 1, 32)
	if err := e.db.SetPassword(ctx, e.editor.ID, old, e.clk.now()); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.login(e.borgo.ID, e.editor.Email, pw, "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	h := e.account(t, e.editor.ID).PasswordHash
	if h == old || !strings.Contains(h, "m=32768,t=2,p=1") {
		t.Fatalf("not rehashed: %s", h)
	}
	if ok, rehash := accounts.VerifyPassword(h, pw); !ok || rehash {
		t.Fatal("the new hash does not verify")
	}
}

func TestPasswordReset(t *testing.T) {
	e := newEnv(t)
	const base = "https://borgo.example.it/backoffice/reimposta-password?token="
	for _, email := range []string{"nessuno@borgo.example.it", e.other.Email, e.op.Email} {
		if err := e.svc.RequestPasswordReset(ctx, e.borgo.ID, email, "192.0.2.1", base); err != nil {
			t.Fatalf("%s: %v", email, err)
		}
	}
	if ms := e.mails(t); len(ms) != 0 {
		t.Fatalf("mails to people who may not sign in on borgo: %+v", ms)
	}
	if err := e.svc.RequestPasswordReset(ctx, e.borgo.ID, "non-email", "192.0.2.1", base); fieldCode(err, "email") != "account.email.invalid" {
		t.Fatalf("bad email: %v", err)
	}
	if err := e.svc.RequestPasswordReset(ctx, e.borgo.ID, " Admin@Borgo.example.it ", "192.0.2.1", base); err != nil {
		t.Fatal(err)
	}
	ms := e.mails(t)
	if len(ms) != 1 || !strings.Contains(ms[0].Text, base) || !strings.Contains(ms[0].Subject, "Comune di borgo") {
		t.Fatalf("reset mail %+v", ms)
	}
	token := tokenRE.FindStringSubmatch(ms[0].Text)[1]
	if !e.svc.ResetTokenValid(ctx, token) || e.svc.ResetTokenValid(ctx, token+"x") || e.svc.ResetTokenValid(ctx, "") {
		t.Fatal("ResetTokenValid")
	}

	// Locked, and signed in somewhere.
	for i := 0; i < 5; i++ {
		e.login(e.borgo.ID, e.admin.Email, "sbagliata", "192.0.2.9")
	}
	e.clk.advance(time.Second)
	tok, hash := secret.Token()
	now := e.clk.now()
	if err := e.db.CreateSession(ctx, &session.Session{TokenHash: hash, TenantID: e.borgo.ID, Kind: session.Staff, AccountID: e.admin.ID,
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}

	if _, err := e.svc.ResetPassword(ctx, e.borgo.ID, token, "corta", "corta"); fieldCode(err, "password") != "password.too_short" {
		t.Fatalf("short: %v", err)
	}
	if _, err := e.svc.ResetPassword(ctx, e.borgo.ID, token, "nuova-password-1", "nuova-password-2"); fieldCode(err, "confirm") != "password.mismatch" {
		t.Fatalf("mismatch: %v", err)
	}
	if !e.svc.ResetTokenValid(ctx, token) {
		t.Fatal("a refused reset used the token up")
	}
	acc, err := e.svc.ResetPassword(ctx, e.borgo.ID, token, "nuova-password-1", "nuova-password-1")
	if err != nil || acc.ID != e.admin.ID {
		t.Fatalf("reset: %v", err)
	}
	if _, err := e.db.SessionByHash(ctx, secret.HashToken(tok), e.clk.now()); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("the session survived the reset: %v", err)
	}
	if a := e.account(t, e.admin.ID); a.Locked(e.clk.now()) {
		t.Fatal("still locked after the reset")
	}
	// Unlocked and unthrottled at once, with the new password only.
	if _, _, err := e.login(e.borgo.ID, e.admin.Email, "nuova-password-1", "192.0.2.9"); err != nil {
		t.Fatalf("new password: %v", err)
	}
	if _, _, err := e.login(e.borgo.ID, e.admin.Email, pw, "192.0.2.9"); err != accounts.ErrBadCredentials {
		t.Fatalf("old password: %v", err)
	}
	// Single use.
	if _, err := e.svc.ResetPassword(ctx, e.borgo.ID, token, "altra-password-1", "altra-password-1"); err != accounts.ErrBadResetToken {
		t.Fatalf("second use: %v", err)
	}
	if e.svc.ResetTokenValid(ctx, token) {
		t.Fatal("used token still valid")
	}
	if got := e.auditActions(t, e.borgo.ID, "account.reset_requested"); len(got) != 1 {
		t.Errorf("audit %v", got)
	}
	if got := e.auditActions(t, e.borgo.ID, "account.password_reset"); len(got) != 1 {
		t.Errorf("audit %v", got)
	}
}

func TestPasswordResetExpiresAndIsRationed(t *testing.T) {
	e := newEnv(t)
	const base = "https://borgo.example.it/backoffice/reimposta-password?token="
	if err := e.svc.RequestPasswordReset(ctx, e.borgo.ID, e.editor.Email, "192.0.2.1", base); err != nil {
		t.Fatal(err)
	}
	token := e.linkToken(t, e.editor.Email)
	e.clk.advance(accounts.DefaultPolicy.ResetTTL - time.Second)
	if !e.svc.ResetTokenValid(ctx, token) {
		t.Fatal("expired too early")
	}
	e.clk.advance(time.Second)
	if e.svc.ResetTokenValid(ctx, token) {
		t.Fatal("valid at its expiry")
	}
	if _, err := e.svc.ResetPassword(ctx, e.borgo.ID, token, "nuova-password-1", "nuova-password-1"); err != accounts.ErrBadResetToken {
		t.Fatalf("expired: %v", err)
	}
	if ok, _ := accounts.VerifyPassword(e.account(t, e.editor.ID).PasswordHash, pw); !ok {
		t.Fatal("the password changed")
	}
	// At most MaxResetsPerHour links an hour, silently.
	e.clk.advance(time.Second)
	for i := 0; i < accounts.DefaultPolicy.MaxResetsPerHour+2; i++ {
		if err := e.svc.RequestPasswordReset(ctx, e.borgo.ID, e.editor.Email, "192.0.2.1", base); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(e.mails(t)); n != accounts.DefaultPolicy.MaxResetsPerHour {
		t.Fatalf("%d mails, want %d", n, accounts.DefaultPolicy.MaxResetsPerHour)
	}
	e.clk.advance(time.Hour + time.Second)
	e.svc.RequestPasswordReset(ctx, e.borgo.ID, e.editor.Email, "192.0.2.1", base)
	if n := len(e.mails(t)); n != 1 {
		t.Fatalf("%d mails an hour later, want 1", n)
	}
}

func TestChangePassword(t *testing.T) {
	e := newEnv(t)
	tok, hash := secret.Token()
	now := e.clk.now()
	e.db.CreateSession(ctx, &session.Session{TokenHash: hash, TenantID: e.borgo.ID, Kind: session.Staff, AccountID: e.editor.ID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)})
	tests := []struct {
		current, next, confirm, field, code string
	}{
		{"sbagliata", "nuova-password-1", "nuova-password-1", "current", "auth.bad_password"},
		{pw, "corta", "corta", "password", "password.too_short"},
		{pw, "redattore-123", "redattore-123", "password", "password.personal"},
		{pw, "nuova-password-1", "nuova-password-2", "confirm", "password.mismatch"},
	}
	for _, tt := range tests {
		if err := e.svc.ChangePassword(ctx, e.borgo.ID, e.editor.ID, tt.current, tt.next, tt.confirm); fieldCode(err, tt.field) != tt.code {
			t.Errorf("%+v: %v", tt, err)
		}
	}
	if _, err := e.db.SessionByHash(ctx, secret.HashToken(tok), e.clk.now()); err != nil {
		t.Fatal("a refused change ended the session")
	}
	if err := e.svc.ChangePassword(ctx, e.borgo.ID, e.editor.ID, pw, "nuova-password-1", "nuova-password-1"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := accounts.VerifyPassword(e.account(t, e.editor.ID).PasswordHash, "nuova-password-1"); !ok {
		t.Fatal("not changed")
	}
	if _, err := e.db.SessionByHash(ctx, secret.HashToken(tok), e.clk.now()); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("the session survived the change: %v", err)
	}
	if got := e.auditActions(t, e.borgo.ID, "account.password_changed"); len(got) != 1 {
		t.Errorf("audit %v", got)
	}
}

func TestAddStaff(t *testing.T) {
	e := newEnv(t)
	const base = "https://borgo.example.it/backoffice/reimposta-password?token="
	// A new person: a new account without a password, and an invitation.
	st, err := e.svc.AddStaff(ctx, e.borgo.ID, accounts.AddStaffInput{Email: " Nuova.Persona@Borgo.example.it", Name: "Nuova Persona",
		Roles: []accounts.Role{accounts.RoleOperator}, LinkBase: base})
	if err != nil {
		t.Fatal(err)
	}
	if st.Account.Email != "nuova.persona@borgo.example.it" || st.Account.PasswordHash != "" || len(st.Roles) != 1 || st.Roles[0] != accounts.RoleOperator {
		t.Fatalf("staff %+v", st)
	}
	ms := e.mails(t)
	if len(ms) != 1 || ms[0].To[0] != "nuova.persona@borgo.example.it" || !strings.Contains(ms[0].Subject, "il tuo account") || !strings.Contains(ms[0].Text, base) {
		t.Fatalf("invitation %+v", ms)
	}
	token := tokenRE.FindStringSubmatch(ms[0].Text)[1]
	// The invitation outlives a reset link's hour.
	e.clk.advance(48 * time.Hour)
	if _, err := e.svc.ResetPassword(ctx, e.borgo.ID, token, "la-mia-prima-password", "la-mia-prima-password"); err != nil {
		t.Fatalf("invitation link: %v", err)
	}
	if _, _, err := e.login(e.borgo.ID, st.Account.Email, "la-mia-prima-password", "192.0.2.1"); err != nil {
		t.Fatal(err)
	}

	// Someone with an account (staff of marina) keeps it, and gets no invitation.
	st2, err := e.svc.AddStaff(ctx, e.borgo.ID, accounts.AddStaffInput{Email: e.other.Email, Roles: []accounts.Role{accounts.RoleViewer}, LinkBase: base})
	if err != nil {
		t.Fatal(err)
	}
	if st2.Account.ID != e.other.ID {
		t.Fatal("a second account was created for an existing person")
	}
	if ms := e.mails(t); len(ms) != 0 {
		t.Fatalf("an existing account got an invitation: %+v", ms)
	}
	ids, err := e.db.StaffTenantIDs(ctx, e.other.ID)
	if err != nil || len(ids) != 2 {
		t.Fatalf("staff of %v, %v", ids, err)
	}
	if _, _, err := e.login(e.borgo.ID, e.other.Email, pw, "192.0.2.1"); err != nil {
		t.Fatalf("the existing password must work on the new tenant: %v", err)
	}
	if m, err := e.db.StaffMember(ctx, e.marina.ID, e.other.ID); err != nil || m.Roles[0] != accounts.RoleOperator {
		t.Fatalf("roles on marina changed: %+v %v", m.Roles, err)
	}

	// Refusals change nothing.
	before, _ := e.db.Accounts(ctx)
	tests := []struct {
		name  string
		in    accounts.AddStaffInput
		kind  apperr.Kind
		field string
		code  string
	}{
		{"already staff", accounts.AddStaffInput{Email: e.editor.Email, Roles: []accounts.Role{accounts.RoleViewer}}, apperr.Conflict, "email", "staff.exists"},
		{"bad email", accounts.AddStaffInput{Email: "non-email", Name: "Qualcuno", Roles: []accounts.Role{accounts.RoleViewer}}, apperr.Invalid, "email", "account.email.invalid"},
		{"no roles", accounts.AddStaffInput{Email: "x@borgo.example.it", Name: "Qualcuno"}, apperr.Invalid, "roles", "staff.roles.required"},
		{"unknown role", accounts.AddStaffInput{Email: "x@borgo.example.it", Name: "Qualcuno", Roles: []accounts.Role{"sindaco"}}, apperr.Invalid, "roles", "staff.role.invalid"},
		{"new person without a name", accounts.AddStaffInput{Email: "x@borgo.example.it", Roles: []accounts.Role{accounts.RoleViewer}, LinkBase: base}, apperr.Invalid, "name", "account.name.invalid"},
	}
	for _, tt := range tests {
		_, err := e.svc.AddStaff(ctx, e.borgo.ID, tt.in)
		if !apperr.Is(err, tt.kind) || fieldCode(err, tt.field) != tt.code {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
	after, _ := e.db.Accounts(ctx)
	if len(after) != len(before) {
		t.Fatal("a refused AddStaff created an account")
	}
	if ms := e.mails(t); len(ms) != 0 {
		t.Fatalf("refusals sent mail: %+v", ms)
	}
	if got := e.auditActions(t, e.borgo.ID, "staff.add"); len(got) != 2 {
		t.Errorf("staff.add entries %v", got)
	}
	if got := e.auditActions(t, e.borgo.ID, "account.invited"); len(got) != 1 {
		t.Errorf("account.invited entries %v", got)
	}
}

func TestATenantKeepsAnAdmin(t *testing.T) {
	e := newEnv(t)
	lastAdmin := func(err error) bool {
		return apperr.Is(err, apperr.Conflict) && apperr.As(err).Code == "staff.last_admin"
	}
	// admin is borgo's only admin.
	if err := e.svc.SetRoles(ctx, e.borgo.ID, e.admin.ID, []accounts.Role{accounts.RoleEditor}); !lastAdmin(err) {
		t.Fatalf("demote the last admin: %v", err)
	}
	if err := e.svc.RevokeRole(ctx, e.borgo.ID, e.admin.ID, accounts.RoleAdmin); !lastAdmin(err) {
		t.Fatalf("revoke from the last admin: %v", err)
	}
	if err := e.svc.RemoveStaff(ctx, e.borgo.ID, e.admin.ID); !lastAdmin(err) {
		t.Fatalf("remove the last admin: %v", err)
	}
	// Other roles come and go freely.
	if err := e.svc.GrantRole(ctx, e.borgo.ID, e.admin.ID, accounts.RoleOperator); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.RevokeRole(ctx, e.borgo.ID, e.admin.ID, accounts.RoleOperator); err != nil {
		t.Fatal(err)
	}
	// A disabled second admin does not count.
	if err := e.svc.GrantRole(ctx, e.borgo.ID, e.editor.ID, accounts.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	e.db.SetAccountDisabled(ctx, e.editor.ID, true)
	if err := e.svc.RemoveStaff(ctx, e.borgo.ID, e.admin.ID); !lastAdmin(err) {
		t.Fatalf("remove with only a disabled admin left: %v", err)
	}
	e.db.SetAccountDisabled(ctx, e.editor.ID, false)
	// With another active admin, the first may go.
	if err := e.svc.SetRoles(ctx, e.borgo.ID, e.admin.ID, []accounts.Role{accounts.RoleViewer}); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.RemoveStaff(ctx, e.borgo.ID, e.admin.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.StaffMember(ctx, e.borgo.ID, e.admin.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("still staff: %v", err)
	}
	// The rule is per tenant: marina's changes do not see borgo's admins.
	if err := e.svc.SetRoles(ctx, e.marina.ID, e.other.ID, []accounts.Role{accounts.RoleViewer}); err != nil {
		t.Fatalf("marina has no admin to keep: %v", err)
	}
	if err := e.svc.SetRoles(ctx, e.borgo.ID, e.editor.ID, []accounts.Role{"sindaco"}); !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("unknown role: %v", err)
	}
	if got := e.auditActions(t, e.borgo.ID, "staff."); len(got) < 5 {
		t.Errorf("staff audit %v", got)
	}
}
