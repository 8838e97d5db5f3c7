package store

import "context"

// ExecForTest runs raw SQL, for tests that prove what the database refuses.
func ExecForTest(db *DB, ctx context.Context, q string) error {
	_, err := db.exec(ctx, q)
	return err
}
