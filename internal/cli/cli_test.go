package cli_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"piazza/internal/accounts"
	"piazza/internal/app"
	"piazza/internal/audit"
	"piazza/internal/cli"
	"piazza/internal/config"
	"piazza/internal/secret"
	"piazza/internal/session"
	"piazza/internal/store"
	"piazza/internal/store/storetest"
)

// world is one installation: a data directory, and a PostgreSQL schema when
// PIAZZA_TEST_POSTGRES_URL is set. Commands run through cli.Main as the piazza
// binary would run them.
type world struct {
	t   *testing.T
	env map[string]string
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{t: t, env: map[string]string{"PIAZZA_DATA_DIR": t.TempDir(), "PIAZZA_LOG_FORMAT": "text"}}
	if base := storetest.PostgresURL(); base != "" {
		w.env["PIAZZA_DATABASE_URL"] = storetest.NewSchema(t, base)
		key := make([]byte, 32)
		rand.Read(key)
		w.env["PIAZZA_SECRET_KEY"] = base64.StdEncoding.EncodeToString(key)
	}
	return w
}

type result struct {
	code           int
	stdout, stderr string
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
}

// run runs piazza with args, stdin and extra environment variables.
func (w *world) runEnv(extra map[string]string, stdin string, args ...string) result {
	w.t.Helper()
	var out, errb bytes.Buffer
	getenv := func(k string) string {
		if v, ok := extra[k]; ok {
			return v
		}
		return w.env[k]
	}
	code := cli.Main(context.Background(), cli.Env{Args: args, Getenv: getenv, Stdout: &out, Stderr: &errb, Stdin: strings.NewReader(stdin)})
	return result{code, out.String(), errb.String()}
}

func (w *world) run(args ...string) result { w.t.Helper(); return w.runEnv(nil, "", args...) }

// must runs a command that has to succeed and returns its standard output.
func (w *world) must(args ...string) string {
	w.t.Helper()
	r := w.run(args...)
	if r.code != 0 {
		w.t.Fatalf("piazza %s: %s", strings.Join(args, " "), r)
	}
	return r.stdout
}

// db opens the installation's database, for assertions.
func (w *world) db() *store.DB {
	w.t.Helper()
	db, err := store.Open(context.Background(), store.Options{URL: w.env["PIAZZA_DATABASE_URL"], DataDir: w.env["PIAZZA_DATA_DIR"]})
	if err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(func() { db.Close() })
	return db
}

// step is one command of a scenario and what it must print.
type step struct {
	name   string
	args   []string
	stdin  string
	env    map[string]string
	code   int
	stdout []string // must contain
	stderr []string // must contain
	not    []string // neither output may contain
}

func runSteps(t *testing.T, w *world, steps []step) {
	t.Helper()
	for _, s := range steps {
		r := w.runEnv(s.env, s.stdin, s.args...)
		ok := r.code == s.code
		for _, want := range s.stdout {
			ok = ok && strings.Contains(r.stdout, want)
		}
		for _, want := range s.stderr {
			ok = ok && strings.Contains(r.stderr, want)
		}
		for _, bad := range s.not {
			ok = ok && !strings.Contains(r.stdout, bad) && !strings.Contains(r.stderr, bad)
		}
		if !ok {
			t.Errorf("%s: piazza %s\nwant exit %d, stdout with %q, stderr with %q, neither with %q\ngot %s",
				s.name, strings.Join(s.args, " "), s.code, s.stdout, s.stderr, s.not, r)
		}
	}
}

var borgo = []string{"tenant", "add", "--slug", "borgo", "--name", "Comune di Borgo", "--site-host", "comune.borgo.pv.it",
	"--services-host", "servizi.comune.borgo.pv.it", "--province", "PV", "--ipa", "c_b001", "--istat", "018001", "--color", "#0066CC"}

func TestTenantCommands(t *testing.T) {
	w := newWorld(t)
	secretFile := filepath.Join(t.TempDir(), "client-secret")
	if err := os.WriteFile(secretFile, []byte("s3cret-from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	runSteps(t, w, []step{
		{name: "group without command", args: []string{"tenant"}, code: 2, stderr: []string{"a command is needed", "Commands:", "oidc"}},
		{name: "group help", args: []string{"tenant", "--help"}, code: 0, stdout: []string{"Usage: piazza tenant <command>", "suspend", "activate"}},
		{name: "unknown subcommand", args: []string{"tenant", "frobnicate"}, code: 2, stderr: []string{`unknown command "tenant frobnicate"`}},
		{name: "add help", args: []string{"tenant", "add", "--help"}, code: 0, stdout: []string{"--site-host", "-data", "PIAZZA_DATABASE_URL", "Example:"}},
		{name: "add without required flags", args: []string{"tenant", "add", "--slug", "borgo"}, code: 2, stderr: []string{"--name, --site-host needed"}},
		{name: "add unknown flag", args: []string{"tenant", "add", "--colour", "red"}, code: 2, stderr: []string{"flag provided but not defined: -colour"}},
		{name: "add invalid fields", args: []string{"tenant", "add", "--slug", "Borgo Fiorito", "--name", "Comune di Borgo", "--site-host", "https://x.it/", "--color", "#FFFF00", "--province", "Pavia", "--modules", "site,blog"},
			code: 2, stderr: []string{"invalid input:", "--slug: use 2–40 lower-case", "--color: too light", "--province:", "--modules: unknown module", "--site-host/--services-host/--alias: not a valid host name"}},
		{name: "add", args: borgo, code: 0, stdout: []string{"tenant borgo created (id "}},
		{name: "add same slug", args: append(append([]string{}, borgo[:4]...), "--name", "Comune di Altro", "--site-host", "comune.altro.it"), code: 1, stderr: []string{"--slug: another tenant has this slug already"}},
		{name: "add taken host", args: []string{"tenant", "add", "--slug", "marina", "--name", "Comune di Marina", "--site-host", "comune.borgo.pv.it"}, code: 1, stderr: []string{"host comune.borgo.pv.it is used by another tenant"}},
		{name: "add union", args: []string{"tenant", "add", "--slug", "unione-colli", "--name", "Unione dei Colli", "--kind", "unione", "--site-host", "unione.colli.it", "--alias", "www.unionecolli.it", "--alias", "colli.it", "--modules", "site"}, code: 0},
		{name: "list", args: []string{"tenant", "list"}, code: 0, stdout: []string{"SLUG", "borgo", "Comune di Borgo", "comune.borgo.pv.it", "servizi.comune.borgo.pv.it", "unione-colli", "unione"}},
		{name: "show", args: []string{"tenant", "show", "borgo"}, code: 0, stdout: []string{"Comune di Borgo", "c_b001", "018001", "services  ", "servizi.comune.borgo.pv.it", "not configured"}},
		{name: "show without slug", args: []string{"tenant", "show"}, code: 2, stderr: []string{"the tenant's slug is needed"}},
		{name: "show unknown", args: []string{"tenant", "show", "nessuno"}, code: 1, stderr: []string{"no tenant with this slug"}},
		{name: "update nothing", args: []string{"tenant", "update", "borgo"}, code: 2, stderr: []string{"nothing to change"}},
		{name: "update", args: []string{"tenant", "update", "borgo", "--name", "Comune di Borgo Fiorito", "--alias", "www.borgofiorito.it", "--pec", "protocollo@pec.borgo.it"}, code: 0, stdout: []string{"tenant borgo updated"}},
		{name: "update invalid", args: []string{"tenant", "update", "borgo", "--pec", "not-an-address"}, code: 2, stderr: []string{"--pec: not a valid email address"}},
		{name: "update drops services host", args: []string{"tenant", "update", "--services-host", "", "borgo"}, code: 0},
		{name: "show after update", args: []string{"tenant", "show", "borgo"}, code: 0,
			stdout: []string{"Comune di Borgo Fiorito", "www.borgofiorito.it", "protocollo@pec.borgo.it", "c_b001", "PV"}, not: []string{"servizi.comune.borgo.pv.it"}},
		{name: "suspend", args: []string{"tenant", "suspend", "borgo", "--note", "unpaid invoice"}, code: 0, stdout: []string{"tenant borgo is suspended"}},
		{name: "show suspended", args: []string{"tenant", "show", "borgo"}, code: 0, stdout: []string{"suspended (unpaid invoice)"}},
		{name: "activate", args: []string{"tenant", "activate", "borgo"}, code: 0, stdout: []string{"tenant borgo is active"}},
		{name: "oidc secret on the command line", args: []string{"tenant", "oidc", "borgo", "--issuer", "https://idp.example.it", "--client-id", "borgo", "--client-secret", "visible"}, code: 2,
			stderr: []string{"--client-secret is refused", "--client-secret-file", "PIAZZA_OIDC_CLIENT_SECRET"}},
		{name: "oidc help explains", args: []string{"tenant", "oidc", "--help"}, code: 0, stdout: []string{"shell history", "--client-secret-file", "PIAZZA_OIDC_CLIENT_SECRET"}},
		{name: "oidc first time needs issuer", args: []string{"tenant", "oidc", "borgo", "--client-id", "borgo"}, code: 2, stderr: []string{"--issuer and --client-id are needed"}},
		{name: "oidc bad issuer", args: []string{"tenant", "oidc", "borgo", "--issuer", "not a url", "--client-id", "borgo"}, code: 2, stderr: []string{"--issuer:"}},
		{name: "oidc missing secret file", args: []string{"tenant", "oidc", "borgo", "--issuer", "https://idp.example.it", "--client-id", "borgo", "--client-secret-file", "/nonexistent/file"}, code: 2, stderr: []string{"--client-secret-file"}},
		{name: "oidc with secret file", args: []string{"tenant", "oidc", "borgo", "--issuer", "https://idp.example.it/", "--client-id", "borgo", "--client-secret-file", secretFile, "--scopes", "profile,email"}, code: 0,
			stdout: []string{"sign-in provider of borgo set (enabled)"}},
		{name: "show oidc", args: []string{"tenant", "show", "borgo"}, code: 0, stdout: []string{"https://idp.example.it", "openid profile email", "set (never shown)"}, not: []string{"s3cret-from-file"}},
		{name: "oidc secret from environment, keeps issuer", args: []string{"tenant", "oidc", "borgo", "--client-id", "borgo-2", "--enabled=false"}, env: map[string]string{"PIAZZA_OIDC_CLIENT_SECRET": "s3cret-from-env"}, code: 0,
			stdout: []string{"(disabled)"}},
	})

	// JSON output parses and carries the facts; the secret never appears.
	var list []struct {
		Slug   string
		Kind   string
		Status string
		Hosts  []struct{ Name, Kind string }
	}
	if err := json.Unmarshal([]byte(w.must("tenant", "list", "--json")), &list); err != nil {
		t.Fatalf("tenant list --json: %v", err)
	}
	if len(list) != 2 || list[0].Slug != "borgo" || list[1].Slug != "unione-colli" || list[1].Kind != "unione" || len(list[1].Hosts) != 3 {
		t.Fatalf("tenant list --json: %+v", list)
	}
	out := w.must("tenant", "show", "borgo", "--json")
	var shown struct {
		Slug       string `json:"slug"`
		Name       string `json:"name"`
		PEC        string `json:"pec"`
		Status     string `json:"status"`
		StatusNote string `json:"status_note"`
		OIDC       struct {
			Configured   bool     `json:"configured"`
			Enabled      bool     `json:"enabled"`
			IssuerURL    string   `json:"issuer_url"`
			ClientID     string   `json:"client_id"`
			ClientSecret string   `json:"client_secret"`
			Scopes       []string `json:"scopes"`
		} `json:"oidc"`
	}
	if err := json.Unmarshal([]byte(out), &shown); err != nil {
		t.Fatalf("tenant show --json: %v\n%s", err, out)
	}
	if shown.Name != "Comune di Borgo Fiorito" || shown.PEC != "protocollo@pec.borgo.it" || shown.Status != "active" || !shown.OIDC.Configured ||
		shown.OIDC.Enabled || shown.OIDC.IssuerURL != "https://idp.example.it" || shown.OIDC.ClientID != "borgo-2" || shown.OIDC.ClientSecret != "set" {
		t.Fatalf("tenant show --json: %+v", shown)
	}
	if strings.Contains(out, "s3cret") {
		t.Fatal("tenant show --json reveals the client secret")
	}

	// The secret from the environment replaced the one from the file, sealed with the key.
	db := w.db()
	tn, err := db.TenantBySlug(context.Background(), "borgo")
	if err != nil {
		t.Fatal(err)
	}
	o, err := db.OIDC(context.Background(), tn.ID)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := secret.Load(w.env["PIAZZA_SECRET_KEY"], w.env["PIAZZA_DATA_DIR"])
	if err != nil {
		t.Fatal(err)
	}
	plain, err := keys.Open(fmt.Sprintf("oidc-client-secret/%d", tn.ID), o.ClientSecret)
	if err != nil || string(plain) != "s3cret-from-env" || strings.Contains(o.ClientSecret, "s3cret") {
		t.Fatalf("stored client secret: %q, %v", plain, err)
	}

	// Every change is in the audit log, by the command line.
	assertAudit(t, db, audit.PlatformTenant, "tenant.create", "tenant.update", "tenant.suspend", "tenant.activate")
	assertAudit(t, db, tn.ID, "tenant.create", "tenant.update", "tenant.suspend", "tenant.activate", "tenant.oidc")
}

// assertAudit checks that the tenant's audit log has the actions, each by the
// command line (and nothing by anyone else).
func assertAudit(t *testing.T, db *store.DB, tenantID int64, actions ...string) {
	t.Helper()
	entries, err := db.AuditEntries(context.Background(), tenantID, audit.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range entries {
		seen[e.Action] = true
		if e.Actor.Kind != audit.ActorCLI || !strings.HasPrefix(e.Actor.Label, "cli") {
			t.Errorf("audit entry %s of tenant %d by %+v, want the command line", e.Action, tenantID, e.Actor)
		}
	}
	for _, a := range actions {
		if !seen[a] {
			t.Errorf("tenant %d: no audit entry %s in %v", tenantID, a, seen)
		}
	}
}

func TestUserCommands(t *testing.T) {
	w := newWorld(t)
	w.must(borgo...)
	w.must("tenant", "add", "--slug", "marina", "--name", "Comune di Marina", "--site-host", "comune.marina.it")
	pwFile := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pwFile, []byte("una-password-dal-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	emptyFile := filepath.Join(t.TempDir(), "empty")
	os.WriteFile(emptyFile, nil, 0o600)
	runSteps(t, w, []step{
		{name: "group help", args: []string{"user", "help"}, code: 0, stdout: []string{"set-password", "grant", "revoke", "disable"}},
		{name: "add help", args: []string{"user", "add", "--help"}, code: 0, stdout: []string{"--password-stdin", "--platform-operator", "shell history"}},
		{name: "add without name", args: []string{"user", "add", "--email", "anna@borgo.it"}, code: 2, stderr: []string{"--email and --name are needed"}},
		{name: "role before tenant", args: []string{"user", "add", "--email", "anna@borgo.it", "--name", "Anna", "--role", "admin"}, code: 2, stderr: []string{"--role must follow the --tenant"}},
		{name: "unknown role", args: []string{"user", "add", "--email", "anna@borgo.it", "--name", "Anna", "--tenant", "borgo", "--role", "mayor"}, code: 2, stderr: []string{`unknown role "mayor"`}},
		{name: "tenant without role", args: []string{"user", "add", "--email", "anna@borgo.it", "--name", "Anna", "--tenant", "borgo"}, code: 2, stderr: []string{"--tenant borgo needs at least one --role"}},
		{name: "unknown tenant leaves no account", args: []string{"user", "add", "--email", "anna@borgo.it", "--name", "Anna Rossi", "--tenant", "borgo", "--role", "admin", "--tenant", "nessuno", "--role", "viewer"}, code: 1, stderr: []string{"no tenant with this slug"}},
		{name: "weak password", args: []string{"user", "add", "--email", "anna@borgo.it", "--name", "Anna Rossi", "--password-stdin"}, stdin: "corta\n", code: 2, stderr: []string{"password: the password needs at least 10 characters"}},
		{name: "personal password", args: []string{"user", "add", "--email", "anna@borgo.it", "--name", "Anna Rossi", "--password-stdin"}, stdin: "anna@borgo.it\n", code: 2, stderr: []string{"must not contain the email"}},
		{name: "empty stdin", args: []string{"user", "add", "--email", "anna@borgo.it", "--name", "Anna Rossi", "--password-stdin"}, code: 2, stderr: []string{"no password in standard input"}},
		{name: "both password sources", args: []string{"user", "add", "--email", "anna@borgo.it", "--name", "Anna Rossi", "--password-stdin", "--password-file", pwFile}, code: 2, stderr: []string{"not both"}},
		{name: "bad email", args: []string{"user", "add", "--email", "anna", "--name", "Anna Rossi"}, code: 2, stderr: []string{"--email: not a valid email address"}},
		{name: "add admin of two tenants", args: []string{"user", "add", "--email", "Anna@Borgo.it", "--name", "Anna Rossi", "--tenant", "borgo", "--role", "admin", "--role", "editor", "--tenant", "marina", "--role", "admin"},
			code: 0, stdout: []string{"account anna@borgo.it created", "staff of borgo: admin,editor", "staff of marina: admin", "password (shown only now): "}},
		{name: "add with stdin password", args: []string{"user", "add", "--email", "bruno@borgo.it", "--name", "Bruno Bianchi", "--password-stdin", "--tenant", "borgo", "--role", "viewer", "--platform-operator"},
			stdin: "una password lunga\nignored second line\n", code: 0, stdout: []string{"account bruno@borgo.it created", "platform operator"}, not: []string{"shown only now", "una password lunga"}},
		{name: "add with password file", args: []string{"user", "add", "--email", "carla@borgo.it", "--name", "Carla Verdi", "--password-file", pwFile}, code: 0, stdout: []string{"account carla@borgo.it created"}},
		{name: "add existing", args: []string{"user", "add", "--email", "bruno@borgo.it", "--name", "Bruno"}, code: 1, stderr: []string{"--email: an account with this email exists already"}},
		{name: "list", args: []string{"user", "list"}, code: 0, stdout: []string{"anna@borgo.it", "borgo:admin,editor marina:admin", "bruno@borgo.it", "borgo:viewer", "carla@borgo.it"}},
		{name: "list tenant", args: []string{"user", "list", "--tenant", "marina"}, code: 0, stdout: []string{"anna@borgo.it"}, not: []string{"bruno@"}},
		{name: "grant needs flags", args: []string{"user", "grant", "--email", "bruno@borgo.it"}, code: 2, stderr: []string{"--email, --tenant and --role are needed"}},
		{name: "grant bad role", args: []string{"user", "grant", "--email", "bruno@borgo.it", "--tenant", "borgo", "--role", "boss"}, code: 2, stderr: []string{"unknown role"}},
		{name: "grant unknown account", args: []string{"user", "grant", "--email", "nobody@borgo.it", "--tenant", "borgo", "--role", "editor"}, code: 1, stderr: []string{"no account with this email"}},
		{name: "grant", args: []string{"user", "grant", "--email", "bruno@borgo.it", "--tenant", "borgo", "--role", "editor"}, code: 0, stdout: []string{"bruno@borgo.it in borgo: editor,viewer"}},
		{name: "grant makes staff", args: []string{"user", "grant", "--email", "carla@borgo.it", "--tenant", "marina", "--role", "operator"}, code: 0, stdout: []string{"carla@borgo.it in marina: operator"}},
		{name: "revoke last admin", args: []string{"user", "revoke", "--email", "anna@borgo.it", "--tenant", "marina", "--role", "admin"}, code: 1, stderr: []string{"must keep at least one active admin"}},
		{name: "disable last admin", args: []string{"user", "disable", "--email", "anna@borgo.it"}, code: 1, stderr: []string{"must keep at least one active admin"}},
		{name: "revoke role not held", args: []string{"user", "revoke", "--email", "bruno@borgo.it", "--tenant", "borgo", "--role", "admin"}, code: 0, stdout: []string{"has no role admin: nothing changed"}},
		{name: "revoke", args: []string{"user", "revoke", "--email", "bruno@borgo.it", "--tenant", "borgo", "--role", "viewer"}, code: 0, stdout: []string{"bruno@borgo.it in borgo: editor"}},
		{name: "revoke the only role ends membership", args: []string{"user", "revoke", "--email", "carla@borgo.it", "--tenant", "marina", "--role", "operator"}, code: 0, stdout: []string{"no longer staff of marina"}},
		{name: "revoke from non-staff", args: []string{"user", "revoke", "--email", "carla@borgo.it", "--tenant", "marina", "--role", "operator"}, code: 1, stderr: []string{"not staff of this tenant"}},
		{name: "second admin", args: []string{"user", "grant", "--email", "bruno@borgo.it", "--tenant", "borgo", "--role", "admin"}, code: 0},
		{name: "revoke admin with another admin", args: []string{"user", "revoke", "--email", "anna@borgo.it", "--tenant", "borgo", "--role", "admin"}, code: 0, stdout: []string{"anna@borgo.it in borgo: editor"}},
		{name: "set-password needs a source", args: []string{"user", "set-password", "--email", "carla@borgo.it"}, code: 2, stderr: []string{"--password-stdin or --password-file"}},
		{name: "set-password empty file", args: []string{"user", "set-password", "--email", "carla@borgo.it", "--password-file", emptyFile}, code: 2, stderr: []string{"no password in"}},
		{name: "set-password common", args: []string{"user", "set-password", "--email", "carla@borgo.it", "--password-stdin"}, stdin: "password123\n", code: 2, stderr: []string{"most common"}},
		{name: "set-password unknown", args: []string{"user", "set-password", "--email", "x@borgo.it", "--password-stdin"}, stdin: "abbastanza-lunga\n", code: 1, stderr: []string{"no account with this email"}},
		{name: "set-password", args: []string{"user", "set-password", "--email", "carla@borgo.it", "--password-stdin"}, stdin: "nuova-password-sicura\r\n", code: 0, stdout: []string{"unlocked and signed out everywhere"}},
		{name: "disable", args: []string{"user", "disable", "--email", "carla@borgo.it"}, code: 0, stdout: []string{"account carla@borgo.it is disabled"}},
		{name: "list shows disabled", args: []string{"user", "list"}, code: 0, stdout: []string{"disabled"}},
		{name: "enable", args: []string{"user", "enable", "--email", "carla@borgo.it"}, code: 0, stdout: []string{"account carla@borgo.it is enabled"}},
	})

	var users []struct {
		Email            string `json:"email"`
		Status           string `json:"status"`
		PlatformOperator bool   `json:"platform_operator"`
		Tenants          []struct {
			Slug  string   `json:"slug"`
			Roles []string `json:"roles"`
		} `json:"tenants"`
	}
	if err := json.Unmarshal([]byte(w.must("user", "list", "--json")), &users); err != nil {
		t.Fatalf("user list --json: %v", err)
	}
	got := map[string]string{}
	for _, u := range users {
		var ts []string
		for _, m := range u.Tenants {
			ts = append(ts, m.Slug+":"+strings.Join(m.Roles, ","))
		}
		got[u.Email] = fmt.Sprintf("%s %v %s", u.Status, u.PlatformOperator, strings.Join(ts, " "))
	}
	want := map[string]string{
		"anna@borgo.it":  "active false borgo:editor marina:admin",
		"bruno@borgo.it": "active true borgo:admin,editor",
		"carla@borgo.it": "active false ",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("user list --json:\n got %v\nwant %v", got, want)
	}
	var staff []struct{ Email string }
	if err := json.Unmarshal([]byte(w.must("user", "list", "--tenant", "borgo", "--json")), &staff); err != nil || len(staff) != 2 {
		t.Fatalf("user list --tenant borgo --json: %v %+v", err, staff)
	}

	// The passwords work: the generated one, the one from stdin (first line only), the
	// one from a file, and the one set later.
	ctx := context.Background()
	db := w.db()
	for email, pw := range map[string]string{"bruno@borgo.it": "una password lunga", "carla@borgo.it": "nuova-password-sicura"} {
		acc, err := db.AccountByEmail(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		if ok, _ := accounts.VerifyPassword(acc.PasswordHash, pw); !ok {
			t.Errorf("%s: the password does not verify", email)
		}
	}
}

func TestAddPrintsAWorkingGeneratedPassword(t *testing.T) {
	w := newWorld(t)
	out := w.must("user", "add", "--email", "a@b.it", "--name", "Al")
	_, pw, ok := strings.Cut(out, "password (shown only now): ")
	pw = strings.TrimSpace(pw)
	if !ok || len(pw) < 20 {
		t.Fatalf("no generated password in %q", out)
	}
	acc, err := w.db().AccountByEmail(context.Background(), "a@b.it")
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := accounts.VerifyPassword(acc.PasswordHash, pw); !ok {
		t.Fatal("the printed password does not verify")
	}
	if err := accounts.CheckPassword(pw, "a@b.it", "Al"); err != nil {
		t.Fatalf("generated password fails the policy: %v", err)
	}
}

func TestSetPasswordUnlocksAndEndsSessions(t *testing.T) {
	w := newWorld(t)
	w.must(borgo...)
	w.runEnv(nil, "prima-password-lunga\n", "user", "add", "--email", "ugo@borgo.it", "--name", "Ugo", "--password-stdin", "--tenant", "borgo", "--role", "admin")
	ctx := context.Background()
	db := w.db()
	acc, err := db.AccountByEmail(ctx, "ugo@borgo.it")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	if err := db.SetLockedUntil(ctx, acc.ID, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	s := session.Session{TokenHash: "h1", TenantID: 1, Kind: session.Staff, AccountID: acc.ID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := db.CreateSession(ctx, &s); err != nil {
		t.Fatal(err)
	}
	r := w.runEnv(nil, "seconda-password-lunga\n", "user", "set-password", "--email", "ugo@borgo.it", "--password-stdin")
	if r.code != 0 {
		t.Fatal(r)
	}
	acc, _ = db.AccountByEmail(ctx, "ugo@borgo.it")
	if acc.Locked(time.Now()) {
		t.Error("the account is still locked")
	}
	if ok, _ := accounts.VerifyPassword(acc.PasswordHash, "seconda-password-lunga"); !ok {
		t.Error("the new password does not verify")
	}
	if _, err := db.SessionByHash(ctx, "h1", time.Now()); err == nil {
		t.Error("the session survived the password change")
	}
	// Disabling ends sessions too, and both actions are on the logs.
	if err := db.CreateSession(ctx, &session.Session{TokenHash: "h2", TenantID: 1, Kind: session.Staff, AccountID: acc.ID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	w.must("user", "add", "--email", "vera@borgo.it", "--name", "Vera", "--tenant", "borgo", "--role", "admin")
	w.must("user", "disable", "--email", "ugo@borgo.it")
	if _, err := db.SessionByHash(ctx, "h2", time.Now()); err == nil {
		t.Error("the session survived disabling the account")
	}
	assertAudit(t, db, audit.PlatformTenant, "tenant.create", "account.create", "account.password_set", "account.disable")
	assertAudit(t, db, 1, "tenant.create", "staff.add", "account.disable")
}

func TestTopLevel(t *testing.T) {
	w := newWorld(t)
	runSteps(t, w, []step{
		{name: "no command", args: nil, code: 2, stderr: []string{"Usage:"}},
		{name: "unknown command", args: []string{"frobnicate"}, code: 2, stderr: []string{`unknown command "frobnicate"`, "piazza serve"}},
		{name: "help", args: []string{"help"}, code: 0, stdout: []string{"piazza tenant <command>", "Exit status"}},
		{name: "bad setting", args: []string{"tenant", "list", "--log-level", "loud"}, code: 2, stderr: []string{"PIAZZA_LOG_LEVEL"}},
		{name: "bad setting from environment", args: []string{"tenant", "list"}, env: map[string]string{"PIAZZA_DB_MAX_CONNS": "many"}, code: 2, stderr: []string{"PIAZZA_DB_MAX_CONNS"}},
		{name: "migrate rejects arguments", args: []string{"migrate", "now"}, code: 2, stderr: []string{`unexpected argument "now"`}},
		{name: "migrate", args: []string{"migrate"}, code: 0, stdout: []string{"applied 0001_foundation"}},
		{name: "migrate again", args: []string{"migrate"}, code: 0, stdout: []string{"is up to date"}, not: []string{"applied"}},
	})

	r := w.run("serve", "--help")
	if r.code != 0 {
		t.Fatalf("serve --help: %s", r)
	}
	for _, s := range config.Reference() {
		if !strings.Contains(r.stdout, s.Env) || !strings.Contains(r.stdout, "-"+s.Flag+" ") {
			t.Errorf("serve --help does not document %s / --%s", s.Env, s.Flag)
		}
	}
	if !strings.Contains(r.stdout, "docs/operations.md") {
		t.Error("serve --help does not point at the operations guide")
	}
}

func TestPostgresNeedsTheServersKey(t *testing.T) {
	base := storetest.PostgresURL()
	if base == "" {
		t.Skip("PIAZZA_TEST_POSTGRES_URL not set")
	}
	w := newWorld(t)
	delete(w.env, "PIAZZA_SECRET_KEY")
	r := w.run("tenant", "list")
	if r.code != 2 || !strings.Contains(r.stderr, "PIAZZA_SECRET_KEY") {
		t.Fatalf("want a refusal naming PIAZZA_SECRET_KEY, got %s", r)
	}
	if _, err := os.Stat(filepath.Join(w.env["PIAZZA_DATA_DIR"], "secret.key")); err == nil {
		t.Fatal("a key was generated that the servers do not have")
	}
}

func TestDemo(t *testing.T) {
	w := newWorld(t)
	runSteps(t, w, []step{
		{name: "load", args: []string{"demo"}, code: 0, stdout: []string{"demo data loaded"}},
		{name: "again", args: []string{"demo"}, code: 0, stdout: []string{"already loaded"}},
		{name: "tenants are there", args: []string{"tenant", "list"}, code: 0, stdout: []string{"borgofiorito", "marinadiponente"}},
	})
	other := newWorld(t)
	other.must(borgo...)
	runSteps(t, other, []step{
		{name: "refused on real data", args: []string{"demo"}, code: 1, stderr: []string{"non-demo data"}},
		{name: "nothing loaded", args: []string{"tenant", "list"}, code: 0, not: []string{"borgofiorito"}},
	})

	// serve --demo on the same store refuses to start.
	ready := make(chan string, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out, errb bytes.Buffer
	code := cli.Main(ctx, cli.Env{Args: []string{"serve", "--demo", "--addr", "127.0.0.1:0"}, Getenv: func(k string) string { return other.env[k] },
		Stdout: &out, Stderr: &errb, Ready: ready})
	select {
	case addr := <-ready:
		t.Fatalf("serve --demo started on %s on a non-demo store", addr)
	default:
	}
	if code != 1 || !strings.Contains(errb.String(), "non-demo data") {
		t.Fatalf("serve --demo on a non-demo store: exit %d\n%s%s", code, out.String(), errb.String())
	}
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func TestServe(t *testing.T) {
	w := newWorld(t)
	w.must(borgo...)
	w.must("tenant", "add", "--slug", "chiuso", "--name", "Comune di Chiuso", "--site-host", "comune.chiuso.it")
	w.must("tenant", "suspend", "chiuso")

	// A test-only handler in front of the server holds /__slow until released, to
	// prove that shutdown lets a running request finish.
	entered, release := make(chan struct{}), make(chan struct{})
	hook := func(ctx context.Context, a *app.App) error {
		a.Wrap = func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/__slow" {
					next.ServeHTTP(rw, r)
					return
				}
				close(entered)
				<-release
				io.WriteString(rw, "finished")
			})
		}
		return nil
	}
	ready := make(chan string, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- cli.Main(ctx, cli.Env{Args: []string{"serve", "--addr", "127.0.0.1:0", "--shutdown-timeout", "20s"}, Getenv: func(k string) string { return w.env[k] },
			Stdout: &stdout, Stderr: &stderr, Ready: ready, Hooks: []func(context.Context, *app.App) error{hook}})
	}()
	var addr string
	select {
	case addr = <-ready:
	case code := <-done:
		t.Fatalf("serve exited with %d:\n%s", code, stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not start")
	}
	client := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	get := func(host, path string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", "http://"+addr+path, nil)
		if host != "" {
			req.Host = host
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("GET %s%s: %v", host, path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	tests := []struct {
		host, path string
		status     int
		contains   string
	}{
		{"", "/healthz", 200, "ok"},
		{"", "/readyz", 200, "ok"},
		{"comune.borgo.pv.it", "/", 200, "Comune di Borgo"},
		{"comune.chiuso.it", "/", 503, ""},
		{"comune.sconosciuto.it", "/", 404, ""},
	}
	for _, tt := range tests {
		status, body := get(tt.host, tt.path)
		if status != tt.status || !strings.Contains(body, tt.contains) {
			t.Errorf("GET %s%s: %d, want %d with %q", tt.host, tt.path, status, tt.status, tt.contains)
		}
	}

	// A slow request is running when the shutdown begins.
	slow := make(chan string, 1)
	go func() {
		req, _ := http.NewRequest("GET", "http://"+addr+"/__slow", nil)
		resp, err := client.Do(req)
		if err != nil {
			slow <- "error: " + err.Error()
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		slow <- fmt.Sprintf("%d %s", resp.StatusCode, b)
	}()
	select {
	case <-entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the slow request never reached the server")
	}
	cancel()
	// The server stops accepting connections but does not exit while the request runs.
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("the server still accepts connections after the shutdown began")
		}
		time.Sleep(20 * time.Millisecond)
	}
	select {
	case code := <-done:
		t.Fatalf("serve exited (%d) while a request was running", code)
	case <-time.After(200 * time.Millisecond):
	}
	close(release)
	if got := <-slow; got != "200 finished" {
		t.Fatalf("the running request got %q, want 200 finished", got)
	}
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exited with %d:\n%s", code, stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not exit after the shutdown")
	}
	logs := stderr.String()
	for _, want := range []string{"listening", "shutting down"} {
		if !strings.Contains(logs, want) {
			t.Errorf("the log lacks %q:\n%s", want, logs)
		}
	}
	// Request lines carry the request id, the route and the status.
	sc := bufio.NewScanner(strings.NewReader(logs))
	found := false
	for sc.Scan() {
		line := sc.Text()
		if strings.Contains(line, "msg=request") && strings.Contains(line, "host=comune.borgo.pv.it") && strings.Contains(line, "status=200") && strings.Contains(line, "request_id=") {
			found = true
		}
	}
	if !found {
		t.Errorf("no request log line for the tenant page:\n%s", logs)
	}
}
