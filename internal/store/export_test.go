package store

import "context"

// ExecForTest runs raw SQL, for tests that prove what the database refuses.
func ExecForTest(db *DB, ctx context.Context, q string) error {
	_, err := db.exec(ctx, q)
	return err
}

// MigrateExcept applies every migration but one, as Migrate does, so that a test
// can put rows in the schema before that migration runs.
func MigrateExcept(db *DB, ctx context.Context, version string) error {
	ms, err := Migrations(db.dialect)
	if err != nil {
		return err
	}
	if _, err := db.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version TEXT PRIMARY KEY,
		applied_at TEXT NOT NULL
	)`); err != nil {
		return err
	}
	for _, m := range ms {
		if m.Version == version {
			continue
		}
		err := db.Atomic(ctx, func(ctx context.Context) error {
			if _, err := db.writer(ctx).ExecContext(ctx, m.SQL); err != nil {
				return err
			}
			_, err := db.exec(ctx, "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)", m.Version, "2026-01-01")
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}
