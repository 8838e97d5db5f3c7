// Package storetest opens a fresh, migrated database per test and builds test data.
//
// By default each test gets its own SQLite file. With PIAZZA_TEST_POSTGRES_URL set
// (e.g. postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable), each test gets
// its own schema in that PostgreSQL database instead, dropped when the test ends.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // for creating and dropping schemas

	"piazza/internal/accounts"
	"piazza/internal/store"
	"piazza/internal/tenants"
)

// PostgresURL returns the test PostgreSQL URL, or "".
func PostgresURL() string { return os.Getenv("PIAZZA_TEST_POSTGRES_URL") }

// Open returns a migrated database for one test.
func Open(tb testing.TB) *store.DB {
	tb.Helper()
	return OpenWith(tb, nil)
}

// OpenWith is Open with a clock.
func OpenWith(tb testing.TB, now func() time.Time) *store.DB {
	tb.Helper()
	ctx := context.Background()
	opts := store.Options{DataDir: tb.TempDir(), Now: now, MaxConns: 4}
	if base := PostgresURL(); base != "" {
		opts.URL = NewSchema(tb, base)
	}
	db, err := store.Open(ctx, opts)
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		tb.Fatalf("migrate: %v", err)
	}
	return db
}

// NewSchema creates an empty schema in the PostgreSQL database at base, drops it
// when the test ends, and returns a URL whose connections use it.
func NewSchema(tb testing.TB, base string) string {
	tb.Helper()
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		admin.Close()
		tb.Fatalf("create schema: %v", err)
	}
	tb.Cleanup(func() {
		admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// MustCreateTenant creates an active tenant with slug, a site host <slug>.example.it
// and the site and services modules.
func MustCreateTenant(tb testing.TB, db *store.DB, slug string) tenants.Tenant {
	tb.Helper()
	t := tenants.Tenant{
		Slug: slug, Name: "Comune di " + slug, Kind: tenants.KindComune, PrimaryColor: "#0066CC",
		Status: tenants.StatusActive, Modules: []tenants.Module{tenants.ModuleServices, tenants.ModuleSite},
		Hosts: []tenants.Host{{Name: slug + ".example.it", Kind: tenants.HostSite}, {Name: "servizi." + slug + ".example.it", Kind: tenants.HostServices}},
	}
	if err := db.CreateTenant(context.Background(), &t); err != nil {
		tb.Fatalf("create tenant %s: %v", slug, err)
	}
	return t
}

// hashes caches password hashes across tests: argon2id is deliberately slow, and
// the builders would otherwise spend most of the test time hashing the same password.
var hashes sync.Map

// MustCreateAccount creates an account with a password.
func MustCreateAccount(tb testing.TB, db *store.DB, email, password string) accounts.Account {
	tb.Helper()
	var hash string
	if h, ok := hashes.Load(password); ok {
		hash = h.(string)
	} else {
		var err error
		if hash, err = accounts.HashPassword(password); err != nil {
			tb.Fatal(err)
		}
		hashes.Store(password, hash)
	}
	a := accounts.Account{Email: email, Name: email, PasswordHash: hash, PasswordChangedAt: time.Now()}
	if err := db.CreateAccount(context.Background(), &a); err != nil {
		tb.Fatalf("create account %s: %v", email, err)
	}
	return a
}

// MustAddStaff makes an account staff of a tenant with roles.
func MustAddStaff(tb testing.TB, db *store.DB, tenantID, accountID int64, roles ...accounts.Role) {
	tb.Helper()
	ctx := context.Background()
	if err := db.AddStaff(ctx, tenantID, accountID); err != nil {
		tb.Fatalf("add staff: %v", err)
	}
	if err := db.SetStaffRoles(ctx, tenantID, accountID, roles); err != nil {
		tb.Fatalf("set roles: %v", err)
	}
}

// MustCreateOffice creates an office.
func MustCreateOffice(tb testing.TB, db *store.DB, tenantID int64, name string) accounts.Office {
	tb.Helper()
	o := accounts.Office{TenantID: tenantID, Name: name}
	o.Normalize()
	if err := db.CreateOffice(context.Background(), &o); err != nil {
		tb.Fatalf("create office: %v", err)
	}
	return o
}

// MustCreateCitizen signs a citizen in for the first time.
func MustCreateCitizen(tb testing.TB, db *store.DB, tenantID int64, fiscalCode, given, family string) accounts.Citizen {
	tb.Helper()
	c, err := db.UpsertCitizen(context.Background(), tenantID, accounts.Identity{FiscalCode: fiscalCode, GivenName: given, FamilyName: family}, time.Now())
	if err != nil {
		tb.Fatalf("create citizen: %v", err)
	}
	return c
}
