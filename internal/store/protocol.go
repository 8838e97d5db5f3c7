package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"piazza/internal/apperr"
	"piazza/internal/protocol"
)

// The protocol register's SQL. Records and documents are only ever inserted; the
// database refuses UPDATE and DELETE on them (migration 0004).

const protocolColumns = `id, tenant_id, year, number, registered_at, direction, correspondent, subject,
	application_id, corrects_id, note`

func scanProtocolRecord(row interface{ Scan(...any) error }) (protocol.Record, error) {
	var r protocol.Record
	var app, corrects sql.NullInt64
	err := row.Scan(&r.ID, &r.TenantID, &r.Year, &r.Number, ts(&r.At), &r.Direction, &r.Correspondent, &r.Subject,
		&app, &corrects, &r.Note)
	r.ApplicationID, r.Corrects = app.Int64, corrects.Int64
	return r, err
}

// LockProtocolCounter locks the tenant's counter of year until the transaction in
// ctx ends, creating it at 0, and returns the last number used. Call it inside
// Atomic.
func (db *DB) LockProtocolCounter(ctx context.Context, tenantID int64, year int) (int64, error) {
	if _, err := db.exec(ctx, `INSERT INTO protocol_counters (tenant_id, year, last) VALUES (?, ?, 0)
		ON CONFLICT (tenant_id, year) DO NOTHING`, tenantID, year); err != nil {
		return 0, err
	}
	var last int64
	err := db.writer(ctx).QueryRowContext(ctx, db.dialect.rebind(`SELECT last FROM protocol_counters
		WHERE tenant_id = ? AND year = ?`+db.dialect.forUpdate()), tenantID, year).Scan(&last)
	return last, err
}

// SetProtocolCounter records the last number used in the tenant's year.
func (db *DB) SetProtocolCounter(ctx context.Context, tenantID int64, year int, last int64) error {
	return db.execOne(ctx, `UPDATE protocol_counters SET last = ? WHERE tenant_id = ? AND year = ?`, last, tenantID, year)
}

// InsertProtocolRecord stores a record and its documents, and sets r.ID. The record
// it corrects, if any, must be of the same tenant (Invalid otherwise); a number
// already used in the year is a Conflict.
func (db *DB) InsertProtocolRecord(ctx context.Context, r *protocol.Record) error {
	return db.Atomic(ctx, func(ctx context.Context) error {
		id, err := db.insertID(ctx, `INSERT INTO protocol_records (tenant_id, year, number, registered_at, direction,
			correspondent, subject, application_id, corrects_id, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.TenantID, r.Year, r.Number, db.t(r.At), string(r.Direction), r.Correspondent, r.Subject,
			nullID(r.ApplicationID), nullID(r.Corrects), r.Note)
		if err != nil {
			return recordInsertError(err)
		}
		for i, d := range r.Documents {
			if _, err := db.exec(ctx, `INSERT INTO protocol_documents (tenant_id, record_id, position, name, sha256, size)
				VALUES (?, ?, ?, ?, ?, ?)`, r.TenantID, id, i, d.Name, d.SHA256, d.Size); err != nil {
				return err
			}
		}
		r.ID = id
		return nil
	})
}

// InsertProtocolRecords stores several records with their documents in a few
// statements (the group register's fast path for registrations without a
// callback) and sets their ids. It succeeds or fails as a whole; call it inside a
// savepoint when a failure must not abort the transaction. All records are of one
// tenant and have distinct numbers.
func (db *DB) InsertProtocolRecords(ctx context.Context, recs []*protocol.Record) error {
	if len(recs) == 0 {
		return nil
	}
	return db.Atomic(ctx, func(ctx context.Context) error {
		const recordChunk = 500 // 10 parameters each, far below both dialects' limits
		byNumber := make(map[int64]*protocol.Record, len(recs))
		for start := 0; start < len(recs); start += recordChunk {
			chunk := recs[start:min(start+recordChunk, len(recs))]
			var q strings.Builder
			q.WriteString(`INSERT INTO protocol_records (tenant_id, year, number, registered_at, direction,
				correspondent, subject, application_id, corrects_id, note) VALUES `)
			args := make([]any, 0, len(chunk)*10)
			for i, r := range chunk {
				if i > 0 {
					q.WriteString(", ")
				}
				q.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
				args = append(args, r.TenantID, r.Year, r.Number, db.t(r.At), string(r.Direction), r.Correspondent,
					r.Subject, nullID(r.ApplicationID), nullID(r.Corrects), r.Note)
				byNumber[r.Number] = r
			}
			q.WriteString(" RETURNING id, number")
			rows, err := db.writer(ctx).QueryContext(ctx, db.dialect.rebind(q.String()), args...)
			if err != nil {
				return recordInsertError(err)
			}
			for rows.Next() {
				var id, number int64
				if err := rows.Scan(&id, &number); err != nil {
					rows.Close()
					return err
				}
				byNumber[number].ID = id
			}
			if err := rows.Close(); err != nil {
				return recordInsertError(err)
			}
			if err := rows.Err(); err != nil {
				return recordInsertError(err)
			}
		}
		const docChunk = 1000 // 6 parameters each
		var q strings.Builder
		var args []any
		flush := func() error {
			if len(args) == 0 {
				return nil
			}
			_, err := db.exec(ctx, "INSERT INTO protocol_documents (tenant_id, record_id, position, name, sha256, size) VALUES "+q.String(), args...)
			q.Reset()
			args = args[:0]
			return err
		}
		for _, r := range recs {
			for i, d := range r.Documents {
				if len(args) > 0 {
					q.WriteString(", ")
				}
				q.WriteString("(?, ?, ?, ?, ?, ?)")
				args = append(args, r.TenantID, r.ID, i, d.Name, d.SHA256, d.Size)
				if len(args) >= docChunk*6 {
					if err := flush(); err != nil {
						return err
					}
				}
			}
		}
		return flush()
	})
}

// recordInsertError maps the errors of inserting records to domain errors.
func recordInsertError(err error) error {
	switch {
	case isUnique(err):
		return apperr.E(apperr.Conflict, "proto.err.number_taken")
	case isForeignKey(err):
		return &apperr.Error{Kind: apperr.Invalid, Code: "proto.err.reference", Fields: []apperr.FieldError{{Field: "corrects", Code: "proto.err.reference"}}}
	}
	return err
}

// withDocuments loads the documents of records (all of one tenant).
func (db *DB) withDocuments(ctx context.Context, tenantID int64, recs []protocol.Record) ([]protocol.Record, error) {
	if len(recs) == 0 {
		return recs, nil
	}
	byID := make(map[int64]int, len(recs))
	for i, r := range recs {
		byID[r.ID] = i
	}
	type doc struct {
		record int64
		protocol.Document
	}
	const chunk = 5000 // ids per query, well below both dialects' parameter limits
	for start := 0; start < len(recs); start += chunk {
		part := recs[start:min(start+chunk, len(recs))]
		args := make([]any, 0, len(part)+1)
		args = append(args, tenantID)
		for _, r := range part {
			args = append(args, r.ID)
		}
		docs, err := queryAll(ctx, db, func(rows *sql.Rows) (doc, error) {
			var d doc
			return d, rows.Scan(&d.record, &d.Name, &d.SHA256, &d.Size)
		}, `SELECT record_id, name, sha256, size FROM protocol_documents WHERE tenant_id = ? AND record_id IN (`+
			placeholders(len(part))+`) ORDER BY record_id, position`, args...)
		if err != nil {
			return nil, err
		}
		for _, d := range docs {
			i := byID[d.record]
			recs[i].Documents = append(recs[i].Documents, d.Document)
		}
	}
	return recs, nil
}

func (db *DB) protocolRecords(ctx context.Context, tenantID int64, q string, args ...any) ([]protocol.Record, error) {
	recs, err := queryAll(ctx, db, func(rows *sql.Rows) (protocol.Record, error) { return scanProtocolRecord(rows) }, q, args...)
	if err != nil {
		return nil, err
	}
	return db.withDocuments(ctx, tenantID, recs)
}

func (db *DB) protocolRecord(ctx context.Context, tenantID int64, where string, args ...any) (protocol.Record, error) {
	r, err := scanProtocolRecord(db.queryRow(ctx, "SELECT "+protocolColumns+" FROM protocol_records WHERE tenant_id = ? AND "+where,
		append([]any{tenantID}, args...)...))
	if err != nil {
		return r, notFound(err, "proto.err.not_found")
	}
	recs, err := db.withDocuments(ctx, tenantID, []protocol.Record{r})
	if err != nil {
		return r, err
	}
	return recs[0], nil
}

// ProtocolRecord returns the record of a year and number; NotFound if none.
func (db *DB) ProtocolRecord(ctx context.Context, tenantID int64, year int, number int64) (protocol.Record, error) {
	return db.protocolRecord(ctx, tenantID, "year = ? AND number = ?", year, number)
}

// ProtocolRecordByID returns a record by id; NotFound if none.
func (db *DB) ProtocolRecordByID(ctx context.Context, tenantID, id int64) (protocol.Record, error) {
	return db.protocolRecord(ctx, tenantID, "id = ?", id)
}

// ProtocolCorrections returns the records that annotate the record id, oldest first.
func (db *DB) ProtocolCorrections(ctx context.Context, tenantID, id int64) ([]protocol.Record, error) {
	return db.protocolRecords(ctx, tenantID, "SELECT "+protocolColumns+` FROM protocol_records
		WHERE tenant_id = ? AND corrects_id = ? ORDER BY year, number`, tenantID, id)
}

// SearchProtocol returns the records q selects, newest first.
func (db *DB) SearchProtocol(ctx context.Context, tenantID int64, q protocol.Query) ([]protocol.Record, error) {
	var where strings.Builder
	args := []any{tenantID}
	where.WriteString("tenant_id = ?")
	add := func(cond string, a ...any) {
		where.WriteString(" AND " + cond)
		args = append(args, a...)
	}
	if q.Year != 0 {
		add("year = ?", q.Year)
	}
	if q.Number != 0 {
		add("number = ?", q.Number)
	}
	if !q.From.IsZero() {
		add("registered_at >= ?", db.t(q.From))
	}
	if !q.To.IsZero() {
		add("registered_at < ?", db.t(q.To))
	}
	if q.Direction != "" {
		add("direction = ?", string(q.Direction))
	}
	if q.ApplicationID != 0 {
		add("application_id = ?", q.ApplicationID)
	}
	if t := strings.TrimSpace(q.Text); t != "" {
		like := "%" + escapeLike(t) + "%"
		add("("+db.dialect.ilike("subject")+" ESCAPE '\\' OR "+db.dialect.ilike("correspondent")+" ESCAPE '\\')", like, like)
	}
	query := "SELECT " + protocolColumns + " FROM protocol_records WHERE " + where.String() +
		" ORDER BY registered_at DESC, year DESC, number DESC"
	if q.Limit > 0 {
		query += " LIMIT ? OFFSET ?"
		args = append(args, q.Limit, max(q.Offset, 0))
	}
	return db.protocolRecords(ctx, tenantID, query, args...)
}

// ProtocolBetween returns the records registered in [from, to), in number order
// (the records of one day, for the daily register).
func (db *DB) ProtocolBetween(ctx context.Context, tenantID int64, from, to time.Time) ([]protocol.Record, error) {
	return db.protocolRecords(ctx, tenantID, "SELECT "+protocolColumns+` FROM protocol_records
		WHERE tenant_id = ? AND registered_at >= ? AND registered_at < ? ORDER BY year, number`,
		tenantID, db.t(from), db.t(to))
}

const dailyColumns = `tenant_id, day, records, first_number, last_number, pdf_key, pdf_sha256, pdf_size,
	csv_key, csv_sha256, csv_size, created_at`

func scanDaily(row interface{ Scan(...any) error }) (protocol.Daily, error) {
	var d protocol.Daily
	err := row.Scan(&d.TenantID, &d.Day, &d.Records, &d.First, &d.Last, &d.PDF.Key, &d.PDF.SHA256, &d.PDF.Size,
		&d.CSV.Key, &d.CSV.SHA256, &d.CSV.Size, ts(&d.CreatedAt))
	return d, err
}

// InsertProtocolDaily records a produced daily register; Conflict if the day
// already has one.
func (db *DB) InsertProtocolDaily(ctx context.Context, d *protocol.Daily) error {
	_, err := db.exec(ctx, `INSERT INTO protocol_daily (`+dailyColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		d.TenantID, d.Day, d.Records, d.First, d.Last, d.PDF.Key, d.PDF.SHA256, d.PDF.Size,
		d.CSV.Key, d.CSV.SHA256, d.CSV.Size, db.t(d.CreatedAt))
	if isUnique(err) {
		return apperr.E(apperr.Conflict, "proto.err.daily_exists")
	}
	return err
}

// ProtocolDaily returns the daily register of a day (YYYY-MM-DD); NotFound if none.
func (db *DB) ProtocolDaily(ctx context.Context, tenantID int64, day string) (protocol.Daily, error) {
	d, err := scanDaily(db.queryRow(ctx, "SELECT "+dailyColumns+" FROM protocol_daily WHERE tenant_id = ? AND day = ?", tenantID, day))
	return d, notFound(err, "proto.err.daily_not_found")
}

// ProtocolDailies returns the tenant's daily registers, newest first.
func (db *DB) ProtocolDailies(ctx context.Context, tenantID int64, offset, limit int) ([]protocol.Daily, error) {
	return queryAll(ctx, db, func(rows *sql.Rows) (protocol.Daily, error) { return scanDaily(rows) },
		"SELECT "+dailyColumns+" FROM protocol_daily WHERE tenant_id = ? ORDER BY day DESC LIMIT ? OFFSET ?",
		tenantID, limit, offset)
}
