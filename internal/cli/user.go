package cli

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"piazza/internal/accounts"
	"piazza/internal/app"
	"piazza/internal/apperr"
	"piazza/internal/config"
	"piazza/internal/tenants"
)

func userCmd(ctx context.Context, env Env, args []string) error {
	return dispatch(ctx, env, "user", []command{
		{"add", "create a staff account, optionally with roles in tenants", userAdd},
		{"list", "list accounts, or the staff of one tenant", userList},
		{"set-password", "set an account's password (also unlocks it and signs it out)", userSetPassword},
		{"grant", "give an account a role in a tenant", userGrant},
		{"revoke", "take a role in a tenant away from an account", userRevoke},
		{"disable", "stop an account from signing in anywhere", userDisable},
		{"enable", "let a disabled account sign in again", userEnable},
	}, args)
}

const passwordHelp = `The password is never taken on the command line, where other users of the
machine could see it (ps, /proc) and the shell history would keep it: give it
on standard input (--password-stdin, first line) or in a file (--password-file).`

// passwordFlags are the two ways of giving a password.
type passwordFlags struct {
	file  string
	stdin bool
}

func (p *passwordFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&p.file, "password-file", "", "read the password from this file (first line)")
	fs.BoolVar(&p.stdin, "password-stdin", false, "read the password from the first line of standard input")
}

// read returns the password, or "" when neither flag was given.
func (p *passwordFlags) read(env Env) (string, error) {
	if p.file != "" && p.stdin {
		return "", usageErr("give either --password-file or --password-stdin, not both")
	}
	var r io.Reader
	from := "standard input"
	switch {
	case p.stdin:
		r = env.Stdin
	case p.file != "":
		f, err := os.Open(p.file)
		if err != nil {
			return "", usageErr("--password-file: %v", err)
		}
		defer f.Close()
		r, from = f, p.file
	default:
		return "", nil
	}
	line, err := bufio.NewReader(io.LimitReader(r, 4096)).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("read password from %s: %w", from, err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", usageErr("no password in %s", from)
	}
	return line, nil
}

// membership is one --tenant with the --role flags that follow it.
type membership struct {
	slug  string
	roles []accounts.Role
}

// membershipFlags implement "--tenant borgo --role admin --role editor --tenant marina --role viewer".
type membershipFlags struct{ list []membership }

type tenantMember struct{ m *membershipFlags }

func (t tenantMember) String() string { return "" }
func (t tenantMember) Set(v string) error {
	t.m.list = append(t.m.list, membership{slug: strings.TrimSpace(v)})
	return nil
}

type roleMember struct{ m *membershipFlags }

func (r roleMember) String() string { return "" }
func (r roleMember) Set(v string) error {
	if len(r.m.list) == 0 {
		return fmt.Errorf("--role must follow the --tenant it applies to")
	}
	last := &r.m.list[len(r.m.list)-1]
	for _, s := range strings.Split(v, ",") {
		role, err := accounts.ParseRole(s)
		if err != nil {
			return fmt.Errorf("unknown role %q: use admin, editor, operator or viewer", strings.TrimSpace(s))
		}
		if !slices.Contains(last.roles, role) {
			last.roles = append(last.roles, role)
		}
	}
	return nil
}

func userAdd(ctx context.Context, env Env, args []string) error {
	fs := newFlags("user add", `--email EMAIL --name NAME [--password-stdin | --password-file PATH] [--tenant SLUG --role ROLE...]... [--platform-operator]`,
		`Creates a staff account. Each --tenant makes the person staff of that tenant
with the --role flags that follow it (admin, editor, operator, viewer; a role
may also be a comma-separated list). --platform-operator lets the person sign
in to the platform console.

`+passwordHelp+` Without either, a strong
password is generated and printed once: hand it over safely.

Example:
  piazza user add --email sindaco@comune.borgo.pv.it --name "Anna Rossi" \
    --tenant borgo --role admin --role editor`)
	email := fs.String("email", "", "email address, used to sign in (required)")
	name := fs.String("name", "", "full name (required)")
	operator := fs.Bool("platform-operator", false, "may sign in to the platform console")
	var pw passwordFlags
	pw.register(fs)
	var ms membershipFlags
	fs.Var(tenantMember{&ms}, "tenant", "slug of a tenant where the person is staff (repeatable; follow it with --role)")
	fs.Var(roleMember{&ms}, "role", "role in the preceding --tenant (repeatable)")
	return withApp(ctx, env, fs, args, func(ctx context.Context, a *app.App, _ config.Config, pos []string) error {
		if err := noArgs(fs, pos); err != nil {
			return err
		}
		if *email == "" || *name == "" {
			return usageError{msg: "--email and --name are needed", hint: "run piazza user add --help"}
		}
		for _, m := range ms.list {
			if len(m.roles) == 0 {
				return usageErr("--tenant %s needs at least one --role after it", m.slug)
			}
		}
		password, err := pw.read(env)
		if err != nil {
			return err
		}
		generated := password == ""
		if generated {
			password = accounts.GeneratePassword(accounts.NormalizeEmail(*email), *name)
		}
		var acc accounts.Account
		err = a.DB.Atomic(ctx, func(ctx context.Context) error {
			var err error
			acc, err = a.Accounts.CreateAccount(ctx, accounts.NewAccount{Email: *email, Name: *name, Password: password, PlatformOperator: *operator})
			if err != nil {
				return err
			}
			for _, m := range ms.list {
				t, err := a.Tenants.BySlug(ctx, m.slug)
				if err != nil {
					return err
				}
				if _, err := a.Accounts.AddStaff(ctx, t.ID, accounts.AddStaffInput{Email: acc.Email, Name: acc.Name, Roles: m.roles}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "account %s created (id %d)\n", acc.Email, acc.ID)
		for _, m := range ms.list {
			fmt.Fprintf(env.Stdout, "  staff of %s: %s\n", m.slug, joinRoles(m.roles))
		}
		if acc.PlatformOperator {
			fmt.Fprintln(env.Stdout, "  platform operator")
		}
		if generated {
			fmt.Fprintf(env.Stdout, "password (shown only now): %s\n", password)
		}
		return nil
	})
}

// userJSON is an account as the command prints it.
type userJSON struct {
	ID               int64            `json:"id"`
	Email            string           `json:"email"`
	Name             string           `json:"name"`
	Status           string           `json:"status"` // active, disabled, locked, no_password
	PlatformOperator bool             `json:"platform_operator"`
	TOTPEnabled      bool             `json:"totp_enabled"`
	LockedUntil      *time.Time       `json:"locked_until,omitempty"`
	Tenants          []membershipJSON `json:"tenants"`
}

type membershipJSON struct {
	Slug  string   `json:"slug"`
	Roles []string `json:"roles"`
}

func accountStatus(acc accounts.Account, now time.Time) string {
	switch {
	case acc.Disabled:
		return "disabled"
	case acc.Locked(now):
		return "locked"
	case acc.PasswordHash == "":
		return "no_password"
	}
	return "active"
}

func userList(ctx context.Context, env Env, args []string) error {
	fs := newFlags("user list", `[--tenant SLUG] [--json]`, "Lists every account with its tenants and roles, or only the staff of one tenant.")
	slug := fs.String("tenant", "", "list only the staff of this tenant")
	asJSON := fs.Bool("json", false, "print a JSON array (for scripts) instead of a table")
	return withApp(ctx, env, fs, args, func(ctx context.Context, a *app.App, _ config.Config, pos []string) error {
		if err := noArgs(fs, pos); err != nil {
			return err
		}
		all, err := a.Tenants.List(ctx)
		if err != nil {
			return err
		}
		slugs := map[int64]string{}
		for _, t := range all {
			slugs[t.ID] = t.Slug
		}
		now := time.Now()
		var out []userJSON
		add := func(acc accounts.Account, ms []accounts.Staff) {
			u := userJSON{ID: acc.ID, Email: acc.Email, Name: acc.Name, Status: accountStatus(acc, now), PlatformOperator: acc.PlatformOperator,
				TOTPEnabled: acc.TOTPEnabled, Tenants: []membershipJSON{}}
			if acc.Locked(now) {
				u.LockedUntil = &acc.LockedUntil
			}
			for _, m := range ms {
				mj := membershipJSON{Slug: slugs[m.TenantID], Roles: []string{}}
				for _, r := range m.Roles {
					mj.Roles = append(mj.Roles, string(r))
				}
				u.Tenants = append(u.Tenants, mj)
			}
			out = append(out, u)
		}
		if *slug != "" {
			t, err := a.Tenants.BySlug(ctx, *slug)
			if err != nil {
				return err
			}
			staff, err := a.Accounts.StaffList(ctx, t.ID)
			if err != nil {
				return err
			}
			for _, st := range staff {
				add(st.Account, []accounts.Staff{st})
			}
		} else {
			accs, err := a.Accounts.Accounts(ctx)
			if err != nil {
				return err
			}
			for _, acc := range accs {
				ms, err := a.Accounts.Memberships(ctx, acc.ID)
				if err != nil {
					return err
				}
				add(acc, ms)
			}
		}
		if *asJSON {
			if out == nil {
				out = []userJSON{}
			}
			return writeJSON(env.Stdout, out)
		}
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "EMAIL\tNAME\tSTATUS\t2FA\tPLATFORM\tTENANTS")
		for _, u := range out {
			var ts []string
			for _, m := range u.Tenants {
				ts = append(ts, m.Slug+":"+strings.Join(m.Roles, ","))
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", u.Email, u.Name, u.Status, yesNo(u.TOTPEnabled), yesNo(u.PlatformOperator), orDash(strings.Join(ts, " ")))
		}
		return tw.Flush()
	})
}

func userSetPassword(ctx context.Context, env Env, args []string) error {
	fs := newFlags("user set-password", `--email EMAIL (--password-stdin | --password-file PATH)`,
		`Sets an account's password. Like a reset by email, it also unlocks the account
and signs the person out everywhere.

`+passwordHelp)
	email := fs.String("email", "", "email address of the account (required)")
	var pw passwordFlags
	pw.register(fs)
	return withApp(ctx, env, fs, args, func(ctx context.Context, a *app.App, _ config.Config, pos []string) error {
		if err := noArgs(fs, pos); err != nil {
			return err
		}
		if *email == "" {
			return usageError{msg: "--email is needed", hint: "run piazza user set-password --help"}
		}
		if pw.file == "" && !pw.stdin {
			return usageError{msg: "give the password with --password-stdin or --password-file", hint: "run piazza user set-password --help"}
		}
		password, err := pw.read(env)
		if err != nil {
			return err
		}
		acc, err := a.Accounts.AccountByEmail(ctx, *email)
		if err != nil {
			return err
		}
		if err := a.Accounts.SetPassword(ctx, acc.ID, password); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "password of %s set; the account is unlocked and signed out everywhere\n", acc.Email)
		return nil
	})
}

// roleFlags are the --email, --tenant and --role of grant and revoke.
type roleFlags struct{ email, tenant, role string }

func (r *roleFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&r.email, "email", "", "email address of the account (required)")
	fs.StringVar(&r.tenant, "tenant", "", "slug of the tenant (required)")
	fs.StringVar(&r.role, "role", "", "admin, editor, operator or viewer (required)")
}

// resolve checks the flags and finds the account, the tenant and the role.
func (r *roleFlags) resolve(ctx context.Context, a *app.App, fs *flag.FlagSet, pos []string) (accounts.Account, tenants.Tenant, accounts.Role, error) {
	var acc accounts.Account
	var t tenants.Tenant
	if err := noArgs(fs, pos); err != nil {
		return acc, t, "", err
	}
	if r.email == "" || r.tenant == "" || r.role == "" {
		return acc, t, "", usageError{msg: "--email, --tenant and --role are needed", hint: "run " + fs.Name() + " --help"}
	}
	role, err := accounts.ParseRole(r.role)
	if err != nil {
		return acc, t, "", err
	}
	if acc, err = a.Accounts.AccountByEmail(ctx, r.email); err != nil {
		return acc, t, "", err
	}
	t, err = a.Tenants.BySlug(ctx, r.tenant)
	return acc, t, role, err
}

func userGrant(ctx context.Context, env Env, args []string) error {
	fs := newFlags("user grant", `--email EMAIL --tenant SLUG --role ROLE`,
		"Gives an account a role in a tenant, making the person staff of the tenant if needed.")
	var rf roleFlags
	rf.register(fs)
	return withApp(ctx, env, fs, args, func(ctx context.Context, a *app.App, _ config.Config, pos []string) error {
		acc, t, role, err := rf.resolve(ctx, a, fs, pos)
		if err != nil {
			return err
		}
		var roles []accounts.Role
		err = a.DB.Atomic(ctx, func(ctx context.Context) error {
			_, err := a.Accounts.StaffMember(ctx, t.ID, acc.ID)
			switch {
			case apperr.Is(err, apperr.NotFound):
				_, err = a.Accounts.AddStaff(ctx, t.ID, accounts.AddStaffInput{Email: acc.Email, Name: acc.Name, Roles: []accounts.Role{role}})
			case err == nil:
				err = a.Accounts.GrantRole(ctx, t.ID, acc.ID, role)
			}
			if err != nil {
				return err
			}
			st, err := a.Accounts.StaffMember(ctx, t.ID, acc.ID)
			roles = st.Roles
			return err
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "%s in %s: %s\n", acc.Email, t.Slug, joinRoles(roles))
		return nil
	})
}

func userRevoke(ctx context.Context, env Env, args []string) error {
	fs := newFlags("user revoke", `--email EMAIL --tenant SLUG --role ROLE`,
		`Takes a role in a tenant away from an account. Without roles left, the person
is no longer staff of the tenant (the account stays). A tenant always keeps at
least one active admin.`)
	var rf roleFlags
	rf.register(fs)
	return withApp(ctx, env, fs, args, func(ctx context.Context, a *app.App, _ config.Config, pos []string) error {
		acc, t, role, err := rf.resolve(ctx, a, fs, pos)
		if err != nil {
			return err
		}
		var left []accounts.Role
		changed := true
		err = a.DB.Atomic(ctx, func(ctx context.Context) error {
			st, err := a.Accounts.StaffMember(ctx, t.ID, acc.ID)
			if err != nil {
				return err
			}
			left = slices.DeleteFunc(slices.Clone(st.Roles), func(r accounts.Role) bool { return r == role })
			switch {
			case len(left) == len(st.Roles):
				changed = false
				return nil
			case len(left) == 0:
				return a.Accounts.RemoveStaff(ctx, t.ID, acc.ID)
			}
			return a.Accounts.RevokeRole(ctx, t.ID, acc.ID, role)
		})
		switch {
		case err != nil:
			return err
		case !changed:
			fmt.Fprintf(env.Stdout, "%s in %s has no role %s: nothing changed\n", acc.Email, t.Slug, role)
		case len(left) == 0:
			fmt.Fprintf(env.Stdout, "%s is no longer staff of %s\n", acc.Email, t.Slug)
		default:
			fmt.Fprintf(env.Stdout, "%s in %s: %s\n", acc.Email, t.Slug, joinRoles(left))
		}
		return nil
	})
}

func userDisable(ctx context.Context, env Env, args []string) error {
	return setDisabled(ctx, env, args, true, "user disable", `Stops an account from signing in anywhere and ends its sessions; everything the
person did stays. Refused for the last active admin of a tenant.`)
}

func userEnable(ctx context.Context, env Env, args []string) error {
	return setDisabled(ctx, env, args, false, "user enable", "Lets a disabled account sign in again.")
}

func setDisabled(ctx context.Context, env Env, args []string, disabled bool, name, text string) error {
	fs := newFlags(name, `--email EMAIL`, text)
	email := fs.String("email", "", "email address of the account (required)")
	return withApp(ctx, env, fs, args, func(ctx context.Context, a *app.App, _ config.Config, pos []string) error {
		if err := noArgs(fs, pos); err != nil {
			return err
		}
		if *email == "" {
			return usageError{msg: "--email is needed", hint: "run piazza " + name + " --help"}
		}
		acc, err := a.Accounts.AccountByEmail(ctx, *email)
		if err != nil {
			return err
		}
		if err := a.Accounts.SetDisabled(ctx, acc.ID, disabled); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "account %s is %s\n", acc.Email, map[bool]string{true: "disabled", false: "enabled"}[disabled])
		return nil
	})
}

func joinRoles(rs []accounts.Role) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
