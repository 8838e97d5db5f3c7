// Package benchdb gives a benchmark a fresh, empty database: a temporary SQLite
// directory, or a new schema in the PostgreSQL database at a URL.
package benchdb

import (
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // for creating and dropping the schema

	"piazza/internal/store"
)

// Options returns store options for a fresh database (SQLite when pg is empty) and
// the function that removes it afterwards.
func Options(pg, name string, maxConns int) (store.Options, func(), error) {
	opts := store.Options{MaxConns: maxConns}
	if pg == "" {
		dir, err := os.MkdirTemp("", "piazza-"+name)
		if err != nil {
			return opts, nil, err
		}
		opts.DataDir = dir
		return opts, func() { os.RemoveAll(dir) }, nil
	}
	schema := fmt.Sprintf("bench_%s_%d", name, time.Now().UnixNano())
	admin, err := sql.Open("pgx", pg)
	if err != nil {
		return opts, nil, err
	}
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		admin.Close()
		return opts, nil, err
	}
	u, err := url.Parse(pg)
	if err != nil {
		admin.Close()
		return opts, nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	opts.URL = u.String()
	return opts, func() { admin.Exec("DROP SCHEMA " + schema + " CASCADE"); admin.Close() }, nil
}
