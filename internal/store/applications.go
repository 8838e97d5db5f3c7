package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"piazza/internal/apperr"
	"piazza/internal/applications"
)

const applicationColumns = `id, tenant_id, code, card_id, card_slug, card_title, category, form_key, form_version_id,
	citizen_id, applicant_name, applicant_fc, applicant_email, company_name, company_vat, company_legal_rep,
	status, step, office_id, assignee_id, max_response_days, allows_withdrawal, protocol_number, protocol_at,
	submitted_at, due_at, suspended_at, decided_at, created_at, updated_at`

func scanApplication(row interface{ Scan(...any) error }) (applications.Application, error) {
	var a applications.Application
	var assignee sql.NullInt64
	err := row.Scan(&a.ID, &a.TenantID, &a.Code, &a.CardID, &a.CardSlug, &a.CardTitle, &a.Category, &a.FormKey, &a.FormVersionID,
		&a.Applicant.CitizenID, &a.Applicant.Name, &a.Applicant.FiscalCode, &a.Applicant.Email, &a.Company.Name, &a.Company.VAT,
		&a.Company.LegalRep, &a.Status, &a.Step, &a.OfficeID, &assignee, &a.MaxResponseDays, &a.AllowsWithdrawal,
		&a.ProtocolNumber, ts(&a.ProtocolAt), ts(&a.SubmittedAt), ts(&a.DueAt), ts(&a.SuspendedAt), ts(&a.DecidedAt),
		ts(&a.CreatedAt), ts(&a.UpdatedAt))
	a.AssigneeID = assignee.Int64
	return a, err
}

// CreateApplication inserts a draft application with its draft answers and sets
// a.ID, CreatedAt and UpdatedAt. Conflict if the code is taken (the caller draws
// another); Invalid if the card, office or citizen is not the tenant's.
func (db *DB) CreateApplication(ctx context.Context, a *applications.Application, answers []byte) error {
	now := db.Now()
	return db.Atomic(ctx, func(ctx context.Context) error {
		id, err := db.insertID(ctx, `INSERT INTO applications (tenant_id, code, card_id, card_slug, card_title, category, form_key,
			form_version_id, citizen_id, applicant_name, applicant_fc, applicant_email, company_name, company_vat, company_legal_rep,
			status, step, office_id, assignee_id, max_response_days, allows_withdrawal, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			a.TenantID, a.Code, a.CardID, a.CardSlug, a.CardTitle, a.Category, a.FormKey, a.FormVersionID,
			a.Applicant.CitizenID, a.Applicant.Name, a.Applicant.FiscalCode, a.Applicant.Email, a.Company.Name, a.Company.VAT,
			a.Company.LegalRep, a.Status, a.Step, a.OfficeID, nullID(a.AssigneeID), a.MaxResponseDays, a.AllowsWithdrawal,
			db.t(now), db.t(now))
		switch {
		case isUnique(err):
			return apperr.E(apperr.Conflict, "apps.err.code_taken")
		case isForeignKey(err):
			return apperr.Wrap(apperr.Invalid, "apps.err.bad_reference", err)
		case err != nil:
			return err
		}
		if _, err := db.exec(ctx, "INSERT INTO application_drafts (tenant_id, application_id, answers, updated_at) VALUES (?, ?, ?, ?)",
			a.TenantID, id, string(answers), db.t(now)); err != nil {
			return err
		}
		a.ID, a.CreatedAt, a.UpdatedAt = id, now, now
		return nil
	})
}

// Application returns an application of the tenant.
func (db *DB) Application(ctx context.Context, tenantID, id int64) (applications.Application, error) {
	a, err := scanApplication(db.queryRow(ctx, "SELECT "+applicationColumns+" FROM applications WHERE tenant_id = ? AND id = ?", tenantID, id))
	return a, notFound(err, "apps.err.not_found")
}

// ApplicationByCode returns an application of the tenant by its receipt code.
func (db *DB) ApplicationByCode(ctx context.Context, tenantID int64, code string) (applications.Application, error) {
	a, err := scanApplication(db.queryRow(ctx, "SELECT "+applicationColumns+" FROM applications WHERE tenant_id = ? AND code = ?", tenantID, code))
	return a, notFound(err, "apps.err.not_found")
}

// CitizenApplications lists a citizen's applications, drafts included, the most
// recently changed first.
func (db *DB) CitizenApplications(ctx context.Context, tenantID, citizenID int64) ([]applications.Application, error) {
	return queryAll(ctx, db, func(r *sql.Rows) (applications.Application, error) { return scanApplication(r) },
		"SELECT "+applicationColumns+" FROM applications WHERE tenant_id = ? AND citizen_id = ? ORDER BY updated_at DESC, id DESC",
		tenantID, citizenID)
}

// CitizenDraft returns the citizen's most recent draft for a card; NotFound if none.
func (db *DB) CitizenDraft(ctx context.Context, tenantID, citizenID, cardID int64) (applications.Application, error) {
	a, err := scanApplication(db.queryRow(ctx, "SELECT "+applicationColumns+` FROM applications
		WHERE tenant_id = ? AND citizen_id = ? AND card_id = ? AND status = ? ORDER BY updated_at DESC, id DESC LIMIT 1`,
		tenantID, citizenID, cardID, applications.Draft))
	return a, notFound(err, "apps.err.not_found")
}

// ApplicationDraft returns the mutable answers of an application; NotFound if it
// has none (it was submitted and no integration is being prepared).
func (db *DB) ApplicationDraft(ctx context.Context, tenantID, applicationID int64) (applications.DraftAnswers, error) {
	d := applications.DraftAnswers{TenantID: tenantID, ApplicationID: applicationID}
	var answers string
	err := db.queryRow(ctx, "SELECT answers, updated_at FROM application_drafts WHERE tenant_id = ? AND application_id = ?",
		tenantID, applicationID).Scan(&answers, ts(&d.UpdatedAt))
	d.Answers = []byte(answers)
	return d, notFound(err, "apps.err.not_found")
}

// SaveApplicationDraft stores the mutable answers of an application (creating the
// row for an integration) and the step reached.
func (db *DB) SaveApplicationDraft(ctx context.Context, tenantID, applicationID int64, answers []byte, step string) error {
	now := db.Now()
	return db.Atomic(ctx, func(ctx context.Context) error {
		if err := db.execOne(ctx, "UPDATE applications SET step = ?, updated_at = ? WHERE tenant_id = ? AND id = ?",
			step, db.t(now), tenantID, applicationID); err != nil {
			return notFound(err, "apps.err.not_found")
		}
		err := db.execOne(ctx, "UPDATE application_drafts SET answers = ?, updated_at = ? WHERE tenant_id = ? AND application_id = ?",
			string(answers), db.t(now), tenantID, applicationID)
		if apperr.Is(err, apperr.NotFound) {
			_, err = db.exec(ctx, "INSERT INTO application_drafts (tenant_id, application_id, answers, updated_at) VALUES (?, ?, ?, ?)",
				tenantID, applicationID, string(answers), db.t(now))
		}
		return err
	})
}

// DropApplicationDraft removes the mutable answers once they are submitted.
func (db *DB) DropApplicationDraft(ctx context.Context, tenantID, applicationID int64) error {
	_, err := db.exec(ctx, "DELETE FROM application_drafts WHERE tenant_id = ? AND application_id = ?", tenantID, applicationID)
	return err
}

// DeleteDraftApplication deletes an application that is still a draft, with its
// draft files, and returns the blob keys of those files (for the caller to delete).
// NotFound if there is no such draft.
func (db *DB) DeleteDraftApplication(ctx context.Context, tenantID, id int64) ([]string, error) {
	var keys []string
	err := db.Atomic(ctx, func(ctx context.Context) error {
		var err error
		keys, err = db.draftFileKeys(ctx, "a.tenant_id = ? AND a.id = ?", tenantID, id)
		if err != nil {
			return err
		}
		return notFound(db.execOne(ctx, "DELETE FROM applications WHERE tenant_id = ? AND id = ? AND status = ?", tenantID, id, applications.Draft),
			"apps.err.not_found")
	})
	return keys, err
}

func (db *DB) draftFileKeys(ctx context.Context, where string, args ...any) ([]string, error) {
	args = append(args, applications.Draft)
	return queryAll(ctx, db, func(r *sql.Rows) (string, error) {
		var k string
		return k, r.Scan(&k)
	}, `SELECT f.blob_key FROM application_files f JOIN applications a ON a.tenant_id = f.tenant_id AND a.id = f.application_id
		WHERE `+where+` AND a.status = ?`, args...)
}

// PruneApplicationDrafts deletes, in every tenant, the drafts untouched since
// before, and returns how many and the blob keys of their files.
func (db *DB) PruneApplicationDrafts(ctx context.Context, before time.Time) (int, []string, error) {
	var keys []string
	var n int64
	err := db.Atomic(ctx, func(ctx context.Context) error {
		var err error
		if keys, err = db.draftFileKeys(ctx, "a.updated_at < ?", db.t(before)); err != nil {
			return err
		}
		res, err := db.exec(ctx, "DELETE FROM applications WHERE status = ? AND updated_at < ?", applications.Draft, db.t(before))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), keys, err
}

const fileColumns = `id, tenant_id, application_id, public_id, kind, field, name, type, size, sha256, blob_key, submission_id, created_at`

func scanFile(row interface{ Scan(...any) error }) (applications.File, error) {
	var f applications.File
	var sub sql.NullInt64
	err := row.Scan(&f.ID, &f.TenantID, &f.ApplicationID, &f.PublicID, &f.Kind, &f.Field, &f.Name, &f.Type, &f.Size, &f.SHA256,
		&f.BlobKey, &sub, ts(&f.CreatedAt))
	f.SubmissionID = sub.Int64
	return f, err
}

// AddApplicationFile records a file of an application and sets f.ID and CreatedAt.
// NotFound if the application is not f.TenantID's.
func (db *DB) AddApplicationFile(ctx context.Context, f *applications.File) error {
	now := db.Now()
	id, err := db.insertID(ctx, `INSERT INTO application_files (tenant_id, application_id, public_id, kind, field, name, type, size,
		sha256, blob_key, submission_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		f.TenantID, f.ApplicationID, f.PublicID, f.Kind, f.Field, f.Name, f.Type, f.Size, f.SHA256, f.BlobKey, nullID(f.SubmissionID), db.t(now))
	if isForeignKey(err) {
		return apperr.Wrap(apperr.NotFound, "apps.err.not_found", err)
	}
	if err != nil {
		return err
	}
	f.ID, f.CreatedAt = id, now
	return nil
}

// ApplicationFiles lists the files of an application in upload order.
func (db *DB) ApplicationFiles(ctx context.Context, tenantID, applicationID int64) ([]applications.File, error) {
	return queryAll(ctx, db, func(r *sql.Rows) (applications.File, error) { return scanFile(r) },
		"SELECT "+fileColumns+" FROM application_files WHERE tenant_id = ? AND application_id = ? ORDER BY id", tenantID, applicationID)
}

// ApplicationFile returns a file of an application by its public id.
func (db *DB) ApplicationFile(ctx context.Context, tenantID, applicationID int64, publicID string) (applications.File, error) {
	f, err := scanFile(db.queryRow(ctx, "SELECT "+fileColumns+" FROM application_files WHERE tenant_id = ? AND application_id = ? AND public_id = ?",
		tenantID, applicationID, publicID))
	return f, notFound(err, "apps.err.file_not_found")
}

// DeleteDraftFile deletes an attachment not yet submitted; NotFound otherwise.
func (db *DB) DeleteDraftFile(ctx context.Context, tenantID, applicationID int64, publicID string) error {
	return notFound(db.execOne(ctx, `DELETE FROM application_files WHERE tenant_id = ? AND application_id = ? AND public_id = ?
		AND kind = ? AND submission_id IS NULL`, tenantID, applicationID, publicID, applications.FileAttachment), "apps.err.file_not_found")
}

// InsertApplicationSubmission stores a submitted leg and freezes the draft files it
// refers to (by public id); sets s.ID. Files of other applications are left alone.
func (db *DB) InsertApplicationSubmission(ctx context.Context, s *applications.Submission, fileIDs []string) error {
	return db.Atomic(ctx, func(ctx context.Context) error {
		id, err := db.insertID(ctx, `INSERT INTO application_submissions (tenant_id, application_id, kind, answers, form_version_id,
			protocol_id, protocol_number, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			s.TenantID, s.ApplicationID, s.Kind, string(s.Answers), s.FormVersionID, s.ProtocolID, s.ProtocolNumber, db.t(s.At))
		if isForeignKey(err) {
			return apperr.Wrap(apperr.NotFound, "apps.err.not_found", err)
		}
		if err != nil {
			return err
		}
		s.ID = id
		for start := 0; start < len(fileIDs); start += 200 {
			chunk := fileIDs[start:min(start+200, len(fileIDs))]
			args := []any{id, s.TenantID, s.ApplicationID, applications.FileAttachment}
			for _, f := range chunk {
				args = append(args, f)
			}
			if _, err := db.exec(ctx, `UPDATE application_files SET submission_id = ? WHERE tenant_id = ? AND application_id = ?
				AND kind = ? AND submission_id IS NULL AND public_id IN (`+placeholders(len(chunk))+")", args...); err != nil {
				return err
			}
		}
		return nil
	})
}

// ApplicationSubmissions lists the submitted legs of an application, oldest first.
func (db *DB) ApplicationSubmissions(ctx context.Context, tenantID, applicationID int64) ([]applications.Submission, error) {
	return queryAll(ctx, db, func(r *sql.Rows) (applications.Submission, error) {
		var s applications.Submission
		var answers string
		err := r.Scan(&s.ID, &s.TenantID, &s.ApplicationID, &s.Kind, &answers, &s.FormVersionID, &s.ProtocolID, &s.ProtocolNumber, ts(&s.At))
		s.Answers = []byte(answers)
		return s, err
	}, `SELECT id, tenant_id, application_id, kind, answers, form_version_id, protocol_id, protocol_number, at
		FROM application_submissions WHERE tenant_id = ? AND application_id = ? ORDER BY id`, tenantID, applicationID)
}

// UpdateApplication stores the mutable facts of an application (status, company,
// protocol, dates, office, assignee) provided its status is still from; Conflict
// when someone moved it meanwhile. Sets a.UpdatedAt.
func (db *DB) UpdateApplication(ctx context.Context, a *applications.Application, from applications.Status) error {
	now := db.Now()
	err := db.execOne(ctx, `UPDATE applications SET status = ?, company_name = ?, company_vat = ?, company_legal_rep = ?,
		form_version_id = ?, office_id = ?, assignee_id = ?, max_response_days = ?, allows_withdrawal = ?, protocol_number = ?,
		protocol_at = ?, submitted_at = ?, due_at = ?, suspended_at = ?, decided_at = ?, updated_at = ?
		WHERE tenant_id = ? AND id = ? AND status = ?`,
		a.Status, a.Company.Name, a.Company.VAT, a.Company.LegalRep, a.FormVersionID, a.OfficeID, nullID(a.AssigneeID),
		a.MaxResponseDays, a.AllowsWithdrawal, a.ProtocolNumber, db.nt(a.ProtocolAt), db.nt(a.SubmittedAt), db.nt(a.DueAt),
		db.nt(a.SuspendedAt), db.nt(a.DecidedAt), db.t(now), a.TenantID, a.ID, from)
	if apperr.Is(err, apperr.NotFound) {
		if _, gerr := db.Application(ctx, a.TenantID, a.ID); gerr == nil {
			return apperr.E(apperr.Conflict, "apps.err.changed")
		}
		return apperr.E(apperr.NotFound, "apps.err.not_found")
	}
	if isForeignKey(err) {
		return apperr.Wrap(apperr.Invalid, "apps.err.bad_reference", err)
	}
	if err != nil {
		return err
	}
	a.UpdatedAt = now
	return nil
}

// AppendApplicationEvent adds an entry to an application's history; sets e.ID.
func (db *DB) AppendApplicationEvent(ctx context.Context, e *applications.Event) error {
	if e.At.IsZero() {
		e.At = db.Now()
	}
	id, err := db.insertID(ctx, `INSERT INTO application_events (tenant_id, application_id, at, actor_kind, actor_id, actor_name,
		from_status, to_status, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.TenantID, e.ApplicationID, db.t(e.At), e.ActorKind, e.ActorID, e.ActorName, e.From, e.To, e.Note)
	if isForeignKey(err) {
		return apperr.Wrap(apperr.NotFound, "apps.err.not_found", err)
	}
	e.ID = id
	return err
}

// ApplicationEvents returns an application's history, oldest first.
func (db *DB) ApplicationEvents(ctx context.Context, tenantID, applicationID int64) ([]applications.Event, error) {
	return queryAll(ctx, db, func(r *sql.Rows) (applications.Event, error) {
		var e applications.Event
		err := r.Scan(&e.ID, &e.TenantID, &e.ApplicationID, ts(&e.At), &e.ActorKind, &e.ActorID, &e.ActorName, &e.From, &e.To, &e.Note)
		return e, err
	}, `SELECT id, tenant_id, application_id, at, actor_kind, actor_id, actor_name, from_status, to_status, note
		FROM application_events WHERE tenant_id = ? AND application_id = ? ORDER BY id`, tenantID, applicationID)
}

// AddApplicationMessage stores a message or internal note; sets m.ID and m.At.
func (db *DB) AddApplicationMessage(ctx context.Context, m *applications.Message) error {
	m.At = db.Now()
	id, err := db.insertID(ctx, `INSERT INTO application_messages (tenant_id, application_id, at, author_kind, author_id, author_name,
		body, internal) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		m.TenantID, m.ApplicationID, db.t(m.At), m.AuthorKind, m.AuthorID, m.AuthorName, m.Body, m.Internal)
	if isForeignKey(err) {
		return apperr.Wrap(apperr.NotFound, "apps.err.not_found", err)
	}
	m.ID = id
	return err
}

// ApplicationMessages lists an application's messages, oldest first; internal
// notes only when withInternal.
func (db *DB) ApplicationMessages(ctx context.Context, tenantID, applicationID int64, withInternal bool) ([]applications.Message, error) {
	q := `SELECT id, tenant_id, application_id, at, author_kind, author_id, author_name, body, internal
		FROM application_messages WHERE tenant_id = ? AND application_id = ?`
	args := []any{tenantID, applicationID}
	if !withInternal {
		q += " AND internal = ?"
		args = append(args, false)
	}
	return queryAll(ctx, db, func(r *sql.Rows) (applications.Message, error) {
		var m applications.Message
		err := r.Scan(&m.ID, &m.TenantID, &m.ApplicationID, ts(&m.At), &m.AuthorKind, &m.AuthorID, &m.AuthorName, &m.Body, &m.Internal)
		return m, err
	}, q+" ORDER BY id", args...)
}

// ApplicationQueue lists the submitted applications of the tenant that a query selects, for
// the back office: most urgent (earliest due) first.
func (db *DB) ApplicationQueue(ctx context.Context, tenantID int64, q applications.Query) ([]applications.Application, error) {
	where := []string{"tenant_id = ?", "status <> ?"}
	args := []any{tenantID, applications.Draft}
	if q.Offices != nil {
		if len(q.Offices) == 0 {
			return nil, nil
		}
		where = append(where, "office_id IN ("+placeholders(len(q.Offices))+")")
		for _, o := range q.Offices {
			args = append(args, o)
		}
	}
	if q.Status != "" {
		where = append(where, "status = ?")
		args = append(args, q.Status)
	}
	if q.CardID != 0 {
		where = append(where, "card_id = ?")
		args = append(args, q.CardID)
	}
	if q.AssigneeID > 0 {
		where = append(where, "assignee_id = ?")
		args = append(args, q.AssigneeID)
	} else if q.AssigneeID < 0 {
		where = append(where, "assignee_id IS NULL")
	}
	if !q.OverdueAt.IsZero() {
		where = append(where, "due_at < ?", "suspended_at IS NULL", "status NOT IN (?, ?, ?)")
		args = append(args, db.t(q.OverdueAt), applications.Accepted, applications.Rejected, applications.Withdrawn)
	}
	if s := strings.TrimSpace(q.Search); s != "" {
		like := "%" + strings.NewReplacer("%", "", "_", "").Replace(s) + "%"
		where = append(where, "("+db.dialect.ilike("code")+" OR "+db.dialect.ilike("applicant_name")+" OR "+
			db.dialect.ilike("applicant_fc")+" OR "+db.dialect.ilike("company_name")+")")
		args = append(args, like, like, like, like)
	}
	limit := q.Limit
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	args = append(args, limit)
	return queryAll(ctx, db, func(r *sql.Rows) (applications.Application, error) { return scanApplication(r) },
		"SELECT "+applicationColumns+" FROM applications WHERE "+strings.Join(where, " AND ")+
			" ORDER BY CASE WHEN due_at IS NULL THEN 1 ELSE 0 END, due_at, submitted_at, id LIMIT ?", args...)
}

// RecordSubmission stores what a registered submission changes, all or nothing: the
// submitted leg (s, freezing the draft files it refers to), the application's new
// state (a, provided its status is still from: Conflict otherwise), the end of the
// draft and the history entries (setting their ids and s.ID).
//
// It runs inside the protocol register's batch, where one transaction registers
// many submissions one after the other on one connection; on PostgreSQL it is
// therefore one statement (data-modifying CTEs), one round trip instead of eight.
func (db *DB) RecordSubmission(ctx context.Context, s *applications.Submission, fileIDs []string, a *applications.Application,
	from applications.Status, events []applications.Event) error {
	if db.dialect != Postgres {
		return db.Atomic(ctx, func(ctx context.Context) error {
			if err := db.InsertApplicationSubmission(ctx, s, fileIDs); err != nil {
				return err
			}
			if err := db.DropApplicationDraft(ctx, s.TenantID, s.ApplicationID); err != nil {
				return err
			}
			if err := db.UpdateApplication(ctx, a, from); err != nil {
				return err
			}
			for i := range events {
				if err := db.AppendApplicationEvent(ctx, &events[i]); err != nil {
					return err
				}
			}
			return nil
		})
	}
	now := db.Now()
	args := []any{a.Status, a.Company.Name, a.Company.VAT, a.Company.LegalRep, a.FormVersionID, a.OfficeID, nullID(a.AssigneeID),
		a.MaxResponseDays, a.AllowsWithdrawal, a.ProtocolNumber, db.nt(a.ProtocolAt), db.nt(a.SubmittedAt), db.nt(a.DueAt),
		db.nt(a.SuspendedAt), db.nt(a.DecidedAt), db.t(now), a.TenantID, a.ID, from,
		s.TenantID, s.ApplicationID, s.Kind, string(s.Answers), s.FormVersionID, s.ProtocolID, s.ProtocolNumber, db.t(s.At)}
	q := `WITH upd AS (
		UPDATE applications SET status = ?, company_name = ?, company_vat = ?, company_legal_rep = ?,
			form_version_id = ?, office_id = ?, assignee_id = ?, max_response_days = ?, allows_withdrawal = ?, protocol_number = ?,
			protocol_at = ?, submitted_at = ?, due_at = ?, suspended_at = ?, decided_at = ?, updated_at = ?
		WHERE tenant_id = ? AND id = ? AND status = ? RETURNING id),
	sub AS (
		INSERT INTO application_submissions (tenant_id, application_id, kind, answers, form_version_id, protocol_id, protocol_number, at)
		SELECT ?, ?, ?, ?, ?, ?, ?, ? FROM upd RETURNING id),
	dropped AS (
		DELETE FROM application_drafts WHERE tenant_id = ? AND application_id = ? AND EXISTS (SELECT 1 FROM upd))`
	args = append(args, s.TenantID, s.ApplicationID)
	if len(fileIDs) > 0 {
		q += `,
	frozen AS (
		UPDATE application_files SET submission_id = (SELECT id FROM sub) WHERE tenant_id = ? AND application_id = ?
		AND kind = ? AND submission_id IS NULL AND public_id IN (` + placeholders(len(fileIDs)) + `))`
		args = append(args, s.TenantID, s.ApplicationID, applications.FileAttachment)
		for _, f := range fileIDs {
			args = append(args, f)
		}
	}
	evSQL := "SELECT NULL::bigint AS id WHERE false"
	if len(events) > 0 {
		var rows []string
		for _, e := range events {
			rows = append(rows, "(?::bigint, ?::bigint, ?::timestamptz, ?, ?::bigint, ?, ?, ?, ?, ?::int)")
			at := e.At
			if at.IsZero() {
				at = now
			}
			args = append(args, e.TenantID, e.ApplicationID, db.t(at), e.ActorKind, e.ActorID, e.ActorName, e.From, e.To, e.Note, len(rows))
		}
		q += `,
	ev AS (
		INSERT INTO application_events (tenant_id, application_id, at, actor_kind, actor_id, actor_name, from_status, to_status, note)
		SELECT v.t, v.a, v.at, v.k, v.ai, v.an, v.f, v.s, v.n FROM (VALUES ` + strings.Join(rows, ", ") + `) AS v(t, a, at, k, ai, an, f, s, n, o)
		WHERE EXISTS (SELECT 1 FROM upd) ORDER BY v.o RETURNING id)`
		evSQL = "SELECT id FROM ev"
	}
	q += `
	SELECT (SELECT id FROM sub), ARRAY(` + evSQL + ` ORDER BY id)::text`
	var subID sql.NullInt64
	var evIDs string
	err := db.writer(ctx).QueryRowContext(ctx, db.dialect.rebind(q), args...).Scan(&subID, &evIDs)
	if isForeignKey(err) {
		return apperr.Wrap(apperr.NotFound, "apps.err.not_found", err)
	}
	if err != nil {
		return err
	}
	if !subID.Valid {
		if _, gerr := db.Application(ctx, a.TenantID, a.ID); gerr == nil {
			return apperr.E(apperr.Conflict, "apps.err.changed")
		}
		return apperr.E(apperr.NotFound, "apps.err.not_found")
	}
	var ids []string
	if t := strings.Trim(evIDs, "{}"); t != "" {
		ids = strings.Split(t, ",")
	}
	if len(ids) != len(events) {
		return fmt.Errorf("record submission: %d events stored, %d given", len(ids), len(events))
	}
	for i := range events {
		if events[i].At.IsZero() {
			events[i].At = now
		}
		if events[i].ID, err = strconv.ParseInt(ids[i], 10, 64); err != nil {
			return fmt.Errorf("record submission: event id %q", ids[i])
		}
	}
	s.ID, a.UpdatedAt = subID.Int64, now
	return nil
}
