package store_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"piazza/internal/store"
	"piazza/internal/store/storetest"
)

// platformTables are the directory and plumbing tables: they are not owned by one
// tenant. Every other table is tenant-owned and must lead its keys with tenant_id.
var platformTables = map[string]bool{
	"schema_migrations": true, "platform_settings": true, "tenants": true, "tenant_hosts": true, "accounts": true,
	"sessions": true, "auth_attempts": true, "password_resets": true, "jobs": true,
	// The shared catalogue belongs to the platform; tenants adopt copies.
	"service_templates": true,
	// SQLite's FTS5 index of search_docs and its shadow tables: their tokens carry the
	// tenant (search.Tokens) and search_docs, which every query joins, has tenant_id.
	"search_fts": true, "search_fts_config": true, "search_fts_data": true, "search_fts_docsize": true, "search_fts_idx": true,
}

func TestTenantOwnedTablesLeadWithTenantID(t *testing.T) {
	db := storetest.Open(t)
	tables, err := db.Schema(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(tables) < 10 {
		t.Fatalf("only %d tables found", len(tables))
	}
	for _, tb := range tables {
		if platformTables[tb.Name] {
			continue
		}
		if !slices.Contains(tb.Columns, "tenant_id") {
			t.Errorf("%s: tenant-owned table without tenant_id (or add it to platformTables with a reason)", tb.Name)
			continue
		}
		if db.Dialect() == store.Postgres && (len(tb.PrimaryKey) == 0 || tb.PrimaryKey[0] != "tenant_id") {
			t.Errorf("%s: primary key %v must start with tenant_id", tb.Name, tb.PrimaryKey)
		}
		for _, u := range tb.Uniques {
			if u[0] != "tenant_id" {
				t.Errorf("%s: unique index %v must start with tenant_id", tb.Name, u)
			}
		}
	}
}

func TestDialectFollowsEnvironment(t *testing.T) {
	db := storetest.Open(t)
	want := store.SQLite
	if storetest.PostgresURL() != "" {
		want = store.Postgres
	}
	if db.Dialect() != want {
		t.Fatalf("dialect %v, want %v", db.Dialect(), want)
	}
}

// TestSchemasMatchAcrossDialects compares the tables and columns that the two
// migration folders produce. It needs PostgreSQL.
func TestSchemasMatchAcrossDialects(t *testing.T) {
	if storetest.PostgresURL() == "" {
		t.Skip("PIAZZA_TEST_POSTGRES_URL not set")
	}
	ctx := context.Background()
	pg := storetest.Open(t)
	lite, err := store.Open(ctx, store.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	if _, err := lite.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	a, _ := lite.Schema(ctx)
	b, _ := pg.Schema(ctx)
	cols := func(ts []store.TableInfo) map[string][]string {
		m := map[string][]string{}
		for _, t := range ts {
			c := slices.Clone(t.Columns)
			slices.Sort(c)
			m[t.Name] = c
		}
		return m
	}
	ca, cb := cols(a), cols(b)
	// Where the search index differs by design: SQLite keeps it in an FTS5 table
	// and what searches filter on (with the expiry) in the narrow search_meta,
	// PostgreSQL both in search_docs (a tsvector column and expires_at).
	for name := range ca {
		if strings.HasPrefix(name, "search_fts") || name == "search_meta" {
			delete(ca, name)
		}
	}
	cb["search_docs"] = slices.DeleteFunc(cb["search_docs"], func(c string) bool { return c == "tokens" || c == "expires_at" })
	for name, c := range ca {
		if !slices.Equal(c, cb[name]) {
			t.Errorf("table %s: sqlite %v, postgres %v", name, c, cb[name])
		}
	}
	for name := range cb {
		if _, ok := ca[name]; !ok {
			t.Errorf("table %s only in postgres", name)
		}
	}
}
