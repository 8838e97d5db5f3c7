package store

import (
	"context"
	"database/sql"
)

// TableInfo describes a table for schema checks.
type TableInfo struct {
	Name       string
	Columns    []string
	PrimaryKey []string   // in key order
	Uniques    [][]string // columns of each unique index or constraint, in order
}

// Schema lists the tables of the database with their keys (for tests that check the
// schema rules: every tenant-owned table leads its keys with tenant_id).
func (db *DB) Schema(ctx context.Context) ([]TableInfo, error) {
	if db.dialect == Postgres {
		return db.pgSchema(ctx)
	}
	return db.sqliteSchema(ctx)
}

func (db *DB) sqliteSchema(ctx context.Context) ([]TableInfo, error) {
	names, err := queryAll(ctx, db, func(r *sql.Rows) (string, error) { var s string; return s, r.Scan(&s) },
		"SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
	if err != nil {
		return nil, err
	}
	var out []TableInfo
	for _, n := range names {
		t := TableInfo{Name: n}
		type col struct {
			name string
			pk   int
		}
		cols, err := queryAll(ctx, db, func(r *sql.Rows) (col, error) {
			var c col
			var cid, notnull int
			var typ string
			var def any
			return c, r.Scan(&cid, &c.name, &typ, &notnull, &def, &c.pk)
		}, "SELECT * FROM pragma_table_info(?)", n)
		if err != nil {
			return nil, err
		}
		pk := map[int]string{}
		for _, c := range cols {
			t.Columns = append(t.Columns, c.name)
			if c.pk > 0 {
				pk[c.pk] = c.name
			}
		}
		for i := 1; i <= len(pk); i++ {
			t.PrimaryKey = append(t.PrimaryKey, pk[i])
		}
		idx, err := queryAll(ctx, db, func(r *sql.Rows) (string, error) {
			var seq, unique, partial int
			var name, origin string
			err := r.Scan(&seq, &name, &unique, &origin, &partial)
			if unique == 0 || origin == "pk" {
				name = ""
			}
			return name, err
		}, "SELECT * FROM pragma_index_list(?)", n)
		if err != nil {
			return nil, err
		}
		for _, ix := range idx {
			if ix == "" {
				continue
			}
			cols, err := queryAll(ctx, db, func(r *sql.Rows) (string, error) {
				var seqno, cid int
				var name string
				return name, r.Scan(&seqno, &cid, &name)
			}, "SELECT * FROM pragma_index_info(?)", ix)
			if err != nil {
				return nil, err
			}
			t.Uniques = append(t.Uniques, cols)
		}
		out = append(out, t)
	}
	return out, nil
}

func (db *DB) pgSchema(ctx context.Context) ([]TableInfo, error) {
	names, err := queryAll(ctx, db, func(r *sql.Rows) (string, error) { var s string; return s, r.Scan(&s) },
		"SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name")
	if err != nil {
		return nil, err
	}
	var out []TableInfo
	for _, n := range names {
		t := TableInfo{Name: n}
		t.Columns, err = queryAll(ctx, db, func(r *sql.Rows) (string, error) { var s string; return s, r.Scan(&s) },
			"SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position", n)
		if err != nil {
			return nil, err
		}
		type ix struct {
			primary bool
			cols    []string
		}
		idx, err := queryAll(ctx, db, func(r *sql.Rows) (ix, error) {
			var x ix
			var def string
			err := r.Scan(&x.primary, &def)
			x.cols = parseIndexColumns(def)
			return x, err
		}, `SELECT i.indisprimary, pg_get_indexdef(i.indexrelid) FROM pg_index i
			JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace ns ON ns.oid = c.relnamespace
			WHERE ns.nspname = current_schema() AND c.relname = ? AND i.indisunique ORDER BY i.indexrelid`, n)
		if err != nil {
			return nil, err
		}
		for _, x := range idx {
			if x.primary {
				t.PrimaryKey = x.cols
			} else {
				t.Uniques = append(t.Uniques, x.cols)
			}
		}
		out = append(out, t)
	}
	return out, nil
}

// parseIndexColumns extracts the column list from "CREATE UNIQUE INDEX … USING btree (a, b) WHERE …".
func parseIndexColumns(def string) []string {
	start := -1
	for i := 0; i < len(def); i++ {
		if def[i] == '(' {
			start = i + 1
			break
		}
	}
	if start < 0 {
		return nil
	}
	end := start
	depth := 1
	for end < len(def) && depth > 0 {
		switch def[end] {
		case '(':
			depth++
		case ')':
			depth--
		}
		end++
	}
	var cols []string
	cur := ""
	for _, c := range def[start : end-1] {
		switch c {
		case ',':
			cols = append(cols, cur)
			cur = ""
		case ' ', '"':
		default:
			cur += string(c)
		}
	}
	return append(cols, cur)
}
