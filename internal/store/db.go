package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"piazza/internal/apperr"
)

// Options says which database to open.
type Options struct {
	// URL is a postgres:// URL; empty means SQLite in DataDir.
	URL string
	// DataDir holds piazza.db when URL is empty.
	DataDir string
	// MaxConns sizes the PostgreSQL pool.
	MaxConns int
	// SQLiteFull makes SQLite commits survive a power cut (synchronous=FULL); by
	// default (NORMAL, in WAL mode) they survive a killed process.
	SQLiteFull bool
	Logger     *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// DB is Piazza's database handle. It is safe for concurrent use.
type DB struct {
	dialect Dialect
	// write runs writes and transactions; with SQLite it has one connection, so
	// writers queue in Go instead of failing with SQLITE_BUSY.
	write *sql.DB
	// read runs reads outside transactions; with PostgreSQL it is the same pool.
	read *sql.DB
	pool *pgxpool.Pool
	now  func() time.Time
	log  *slog.Logger
}

// sqlitePragmas are applied to every SQLite connection, in this order:
//   - busy_timeout first, so that switching to WAL waits for other processes;
//   - WAL lets readers run while one writer writes (and survives crashes);
//   - foreign_keys is off by default in SQLite, and our schema relies on it;
//   - then synchronous (added in openSQLite): NORMAL by default, safe with WAL (a
//     killed process loses nothing; a power cut may lose the last commits, never
//     corrupt the database) and much faster than FULL, which Options.SQLiteFull
//     (PIAZZA_SQLITE_SYNCHRONOUS=full) chooses to survive power cuts too;
//   - mmap_size maps the database file into memory, so a page already in the
//     operating system's cache costs a memory read instead of a pread system call
//     (a search that ranks thousands of matches reads thousands of pages), and
//     cache_size gives each connection 16 MiB of pages (the default is 2 MiB).
const sqlitePragmas = "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)" +
	"&_pragma=mmap_size(1073741824)&_pragma=cache_size(-16000)"

// Open connects to the database. It does not migrate: call Migrate.
func Open(ctx context.Context, o Options) (*DB, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.URL != "" {
		return openPostgres(ctx, o)
	}
	return openSQLite(ctx, o)
}

func openSQLite(ctx context.Context, o Options) (*DB, error) {
	if err := os.MkdirAll(o.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	path, err := filepath.Abs(filepath.Join(o.DataDir, "piazza.db"))
	if err != nil {
		return nil, err
	}
	base := "file:" + (&url.URL{Path: path}).EscapedPath()
	// Writes take the lock when the transaction begins (_txlock=immediate): a deferred
	// transaction that reads and then writes fails at once with SQLITE_BUSY when
	// another connection wrote meanwhile, whatever busy_timeout says.
	pragmas := sqlitePragmas + "&_pragma=synchronous(NORMAL)"
	if o.SQLiteFull {
		pragmas = sqlitePragmas + "&_pragma=synchronous(FULL)"
	}
	write, err := sql.Open("sqlite", base+"?"+pragmas+"&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	write.SetMaxOpenConns(1)
	write.SetConnMaxIdleTime(0)
	read, err := sql.Open("sqlite", base+"?"+pragmas+"&_pragma=query_only(1)")
	if err != nil {
		write.Close()
		return nil, err
	}
	read.SetMaxOpenConns(8)
	db := &DB{dialect: SQLite, write: write, read: read, now: o.Now, log: o.Logger}
	if err := db.Ping(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return db, nil
}

func openPostgres(ctx context.Context, o Options) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(o.URL)
	if err != nil {
		return nil, fmt.Errorf("PIAZZA_DATABASE_URL: %w", err)
	}
	if o.MaxConns > 0 {
		cfg.MaxConns = int32(o.MaxConns)
	}
	// Sessions are in UTC so that now() and timestamp text agree across nodes.
	cfg.ConnConfig.RuntimeParams["timezone"] = "UTC"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	sqldb := stdlib.OpenDBFromPool(pool)
	db := &DB{dialect: Postgres, write: sqldb, read: sqldb, pool: pool, now: o.Now, log: o.Logger}
	if err := db.Ping(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	return db, nil
}

// Close releases the connections.
func (db *DB) Close() error {
	var errs []error
	if db.read != db.write {
		errs = append(errs, db.read.Close())
	}
	errs = append(errs, db.write.Close())
	if db.pool != nil {
		db.pool.Close()
	}
	return errors.Join(errs...)
}

// Ping checks that the database answers (used by /readyz).
func (db *DB) Ping(ctx context.Context) error {
	var one int
	return db.read.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// Dialect tells which database this is.
func (db *DB) Dialect() Dialect { return db.dialect }

// Stats reports the connection pool of the writer (and, for PostgreSQL, the one pool).
func (db *DB) Stats() sql.DBStats { return db.write.Stats() }

// ReadStats reports the reader pool (the same as Stats on PostgreSQL).
func (db *DB) ReadStats() sql.DBStats { return db.read.Stats() }

// Now returns the store's clock reading, in UTC.
func (db *DB) Now() time.Time { return db.now().UTC() }

type txKey struct{}

// Atomic runs fn in a transaction carried by the context it passes to fn. If ctx
// already carries a transaction, fn joins it, so atomic operations compose. The
// transaction commits when fn returns nil and rolls back otherwise (or on panic).
func (db *DB) Atomic(ctx context.Context, fn func(ctx context.Context) error) (err error) {
	if _, ok := ctx.Value(txKey{}).(*sql.Tx); ok {
		return fn(ctx)
	}
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			tx.Rollback()
			panic(p)
		}
		if err != nil {
			tx.Rollback()
		}
	}()
	if err = fn(context.WithValue(ctx, txKey{}, tx)); err != nil {
		return err
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// savepoints numbers savepoint names, so that nested savepoints never clash.
var savepoints atomic.Int64

// Savepoint runs fn inside the transaction carried by ctx so that, if fn fails (or
// panics), what it did is undone while the transaction goes on: SAVEPOINT before,
// RELEASE after success, ROLLBACK TO on failure. Both dialects support it, and
// savepoints nest. Without a transaction in ctx it is Atomic.
func (db *DB) Savepoint(ctx context.Context, fn func(ctx context.Context) error) (err error) {
	tx, ok := ctx.Value(txKey{}).(*sql.Tx)
	if !ok {
		return db.Atomic(ctx, fn)
	}
	name := "sp_" + strconv.FormatInt(savepoints.Add(1), 10)
	if _, err := tx.ExecContext(ctx, "SAVEPOINT "+name); err != nil {
		return fmt.Errorf("savepoint: %w", err)
	}
	undo := func() error {
		if _, err := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT "+name); err != nil {
			return fmt.Errorf("rollback to savepoint: %w", err)
		}
		_, err := tx.ExecContext(ctx, "RELEASE SAVEPOINT "+name)
		return err
	}
	defer func() {
		if p := recover(); p != nil {
			undo()
			panic(p)
		}
	}()
	if err = fn(ctx); err != nil {
		if uerr := undo(); uerr != nil {
			// The transaction is unusable now; its commit will fail too.
			return errors.Join(err, uerr)
		}
		return err
	}
	if _, err := tx.ExecContext(ctx, "RELEASE SAVEPOINT "+name); err != nil {
		return fmt.Errorf("release savepoint: %w", err)
	}
	return nil
}

// runner is what both *sql.DB and *sql.Tx offer.
type runner interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (db *DB) writer(ctx context.Context) runner {
	if tx, ok := ctx.Value(txKey{}).(*sql.Tx); ok {
		return tx
	}
	return db.write
}

func (db *DB) reader(ctx context.Context) runner {
	if tx, ok := ctx.Value(txKey{}).(*sql.Tx); ok {
		return tx
	}
	return db.read
}

func (db *DB) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return db.writer(ctx).ExecContext(ctx, db.dialect.rebind(q), args...)
}

// execOne runs a write that must touch exactly one row; none means not found.
func (db *DB) execOne(ctx context.Context, q string, args ...any) error {
	res, err := db.exec(ctx, q, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return apperr.ErrNotFound
	}
	return nil
}

func (db *DB) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return db.reader(ctx).QueryContext(ctx, db.dialect.rebind(q), args...)
}

func (db *DB) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return db.reader(ctx).QueryRowContext(ctx, db.dialect.rebind(q), args...)
}

// insertID runs an INSERT … RETURNING id on the writer.
func (db *DB) insertID(ctx context.Context, q string, args ...any) (int64, error) {
	var id int64
	err := db.writer(ctx).QueryRowContext(ctx, db.dialect.rebind(q+" RETURNING id"), args...).Scan(&id)
	return id, err
}

// t and nt bind times.
func (db *DB) t(t time.Time) any  { return db.dialect.timeArg(t) }
func (db *DB) nt(t time.Time) any { return db.dialect.nullTimeArg(t) }

// queryAll runs a read query and scans every row with scan.
func queryAll[T any](ctx context.Context, db *DB, scan func(*sql.Rows) (T, error), q string, args ...any) ([]T, error) {
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// notFound turns sql.ErrNoRows into the not-found error with the given code.
func notFound(err error, code string) error {
	if isNoRows(err) {
		return apperr.E(apperr.NotFound, code)
	}
	return err
}

// placeholders returns "?, ?, ?" for n arguments.
func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// QueryRowRaw runs a query of one row outside the store's methods; for benchmarks and
// tests only.
func QueryRowRaw(ctx context.Context, db *DB, q string, args ...any) *sql.Row {
	return db.queryRow(ctx, q, args...)
}

// ExecRaw runs a statement outside the domain methods (benchmarks and operations
// scripts only; never from request handlers).
func ExecRaw(ctx context.Context, db *DB, q string, args ...any) error {
	_, err := db.exec(ctx, q, args...)
	return err
}
