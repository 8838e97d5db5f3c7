package store

import (
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Dialect is the database family behind a DB.
type Dialect int

const (
	SQLite Dialect = iota
	Postgres
)

func (d Dialect) String() string {
	if d == Postgres {
		return "postgres"
	}
	return "sqlite"
}

// rebind turns ? placeholders into $1, $2… for PostgreSQL. Piazza's SQL never puts a
// question mark inside a string literal, so a plain scan is enough.
func (d Dialect) rebind(q string) string {
	if d != Postgres || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 8)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// sqliteTime is the text form of times in SQLite: UTC with fixed-width microseconds,
// so that comparing the text compares the times.
const sqliteTime = "2006-01-02T15:04:05.000000Z"

// timeArg converts a time into the value bound for the dialect. Times are always UTC.
func (d Dialect) timeArg(t time.Time) any {
	t = t.UTC().Truncate(time.Microsecond)
	if d == Postgres {
		return t
	}
	return t.Format(sqliteTime)
}

// nullTimeArg is timeArg for optional times: the zero time becomes NULL.
func (d Dialect) nullTimeArg(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return d.timeArg(t)
}

// ilike returns a case-insensitive LIKE of column against a ? placeholder.
func (d Dialect) ilike(column string) string {
	if d == Postgres {
		return column + " ILIKE ?"
	}
	return column + " LIKE ?" // SQLite LIKE is case-insensitive for ASCII
}

// skipLocked is appended to a SELECT that claims rows for update.
func (d Dialect) skipLocked() string {
	if d == Postgres {
		return " FOR UPDATE SKIP LOCKED"
	}
	return "" // SQLite serialises writers: the immediate transaction is the lock
}

// forUpdate is appended to a SELECT that locks the rows it reads until the
// transaction ends.
func (d Dialect) forUpdate() string {
	if d == Postgres {
		return " FOR UPDATE"
	}
	return "" // SQLite has one writer: the immediate transaction holds the lock
}

// timeScan scans a time stored by either dialect into a time.Time (UTC). NULL
// leaves the zero time.
type timeScan struct{ t *time.Time }

func (s timeScan) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*s.t = time.Time{}
	case time.Time:
		*s.t = x.UTC()
	case string:
		return s.parse(x)
	case []byte:
		return s.parse(string(x))
	default:
		return fmt.Errorf("store: cannot scan %T into a time", v)
	}
	return nil
}

func (s timeScan) parse(x string) error {
	t, err := time.Parse(time.RFC3339Nano, x)
	if err != nil {
		return fmt.Errorf("store: bad stored time %q: %w", x, err)
	}
	*s.t = t.UTC()
	return nil
}

// ts wraps a *time.Time for Scan.
func ts(t *time.Time) timeScan { return timeScan{t} }

// Driver error classification. Both drivers report constraint violations with codes:
// these helpers give one vocabulary across the two.

// isUnique reports whether err violates a unique constraint or primary key.
func isUnique(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23505"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// uniqueOn reports whether err violates a unique constraint involving column.
// PostgreSQL names the constraint; SQLite names the columns ("tenants.slug").
func uniqueOn(err error, column string) bool {
	if !isUnique(err) {
		return false
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return strings.Contains(pe.ConstraintName, column) || strings.Contains(pe.Detail, "("+column+")") || strings.Contains(pe.Detail, column+")")
	}
	return strings.Contains(err.Error(), "."+column)
}

// isForeignKey reports whether err violates a foreign key.
func isForeignKey(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23503"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
	}
	return false
}

// isNoRows reports whether err means the query found nothing.
func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
