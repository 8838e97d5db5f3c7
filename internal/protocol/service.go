package protocol

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"piazza/internal/apperr"
	"piazza/internal/audit"
	"piazza/internal/check"
	"piazza/internal/tenants"
)

// Store is what the service needs from the database; *store.DB implements it.
type Store interface {
	RegisterStore
	// ProtocolRecord returns a record by year and number; NotFound if none.
	ProtocolRecord(ctx context.Context, tenantID int64, year int, number int64) (Record, error)
	// ProtocolRecordByID returns a record by id; NotFound if none.
	ProtocolRecordByID(ctx context.Context, tenantID, id int64) (Record, error)
	// ProtocolCorrections returns the records that annotate a record, oldest first.
	ProtocolCorrections(ctx context.Context, tenantID, id int64) ([]Record, error)
	// SearchProtocol returns the records a query selects, newest first.
	SearchProtocol(ctx context.Context, tenantID int64, q Query) ([]Record, error)
	// ProtocolBetween returns the records registered in [from, to), in number order.
	ProtocolBetween(ctx context.Context, tenantID int64, from, to time.Time) ([]Record, error)
	// InsertProtocolDaily records a daily register; Conflict if the day has one.
	InsertProtocolDaily(ctx context.Context, d *Daily) error
	// ProtocolDaily returns the daily register of a day; NotFound if none.
	ProtocolDaily(ctx context.Context, tenantID int64, day string) (Daily, error)
	// ProtocolDailies lists the daily registers, newest first.
	ProtocolDailies(ctx context.Context, tenantID int64, offset, limit int) ([]Daily, error)
	// Tenants lists every tenant (for the daily job).
	Tenants(ctx context.Context) ([]tenants.Tenant, error)
	audit.Store
}

// Files keeps the daily registers' files; blob.Store implements it.
type Files interface {
	Put(ctx context.Context, key string, data []byte) error
	Get(ctx context.Context, key string) ([]byte, error)
}

// Service is the protocol register of every tenant: it registers (through the
// built-in group register), lets staff search and read the register (each read is
// audited, as records carry personal data), records corrections and produces the
// daily registers.
type Service struct {
	store Store
	files Files
	reg   Register
	now   func() time.Time
}

// Option configures a Service.
type Option func(*Service)

// Clock sets the service's clock (tests); it also dates registrations when the
// service builds its own register.
func Clock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// UseRegister replaces the built-in register (an external protocol system).
func UseRegister(r Register) Option { return func(s *Service) { s.reg = r } }

// New returns the service.
func New(st Store, files Files, opts ...Option) *Service {
	s := &Service{store: st, files: files, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	if s.reg == nil {
		s.reg = NewRegister(st, WithClock(s.now))
	}
	return s
}

var _ Register = (*Service)(nil)

// Register implements Register with the service's register.
func (s *Service) Register(ctx context.Context, tenantID int64, e Entry, with func(ctx context.Context, r Record) error) (Record, error) {
	return s.reg.Register(ctx, tenantID, e, with)
}

// Search returns a page of records for a staff member, and audits the search
// (records name people). It asks the store for one more than the limit, so the
// caller can tell whether another page exists.
func (s *Service) Search(ctx context.Context, tenantID int64, q Query) ([]Record, error) {
	q.Text = strings.TrimSpace(q.Text)
	if !check.Line(q.Text, 200) || q.Year < 0 || q.Number < 0 || q.Offset < 0 || q.Limit < 0 ||
		(q.Direction != "" && !q.Direction.Valid()) {
		return nil, apperr.E(apperr.Invalid, "proto.err.query")
	}
	var out []Record
	err := s.store.Atomic(ctx, func(ctx context.Context) error {
		var err error
		if out, err = s.store.SearchProtocol(ctx, tenantID, q); err != nil {
			return err
		}
		return s.store.AppendAudit(ctx, audit.New(ctx, tenantID, "protocol.search", "protocol", "", describe(q, len(out))))
	})
	return out, err
}

// describe summarises a search for the audit log.
func describe(q Query, n int) string {
	var parts []string
	if q.Year != 0 {
		parts = append(parts, "anno "+strconv.Itoa(q.Year))
	}
	if q.Number != 0 {
		parts = append(parts, "numero "+strconv.FormatInt(q.Number, 10))
	}
	if !q.From.IsZero() {
		parts = append(parts, "dal "+q.From.In(Rome).Format("02/01/2006"))
	}
	if !q.To.IsZero() {
		parts = append(parts, "al "+q.To.Add(-time.Second).In(Rome).Format("02/01/2006"))
	}
	if q.Direction != "" {
		parts = append(parts, "verso "+string(q.Direction))
	}
	if q.Text != "" {
		parts = append(parts, fmt.Sprintf("testo %q", q.Text))
	}
	if q.ApplicationID != 0 {
		parts = append(parts, "pratica "+strconv.FormatInt(q.ApplicationID, 10))
	}
	return fmt.Sprintf("%s: %d risultati", strings.Join(parts, ", "), n)
}

// View is a record with its annotations.
type View struct {
	Record
	// Corrected is the record this one corrects (when Corrects is set).
	Corrected *Record
	// Corrections are the records that annotate this one, oldest first.
	Corrections []Record
}

// View returns a record by year and number with its annotations, and audits the
// read. NotFound if the tenant has no such record.
func (s *Service) View(ctx context.Context, tenantID int64, year int, number int64) (View, error) {
	var v View
	err := s.store.Atomic(ctx, func(ctx context.Context) error {
		var err error
		if v.Record, err = s.store.ProtocolRecord(ctx, tenantID, year, number); err != nil {
			return err
		}
		if v.Corrects != 0 {
			c, err := s.store.ProtocolRecordByID(ctx, tenantID, v.Corrects)
			if err != nil {
				return err
			}
			v.Corrected = &c
		}
		if v.Corrections, err = s.store.ProtocolCorrections(ctx, tenantID, v.ID); err != nil {
			return err
		}
		return s.store.AppendAudit(ctx, audit.New(ctx, tenantID, "protocol.view", "protocol", v.Signature(), ""))
	})
	return v, err
}

// Correction is what an admin states to correct a record: the corrected subject
// and correspondent (the old ones when unchanged) and why.
type Correction struct {
	Correspondent, Subject, Note string
}

// Correct registers a new record that annotates the record of year and number:
// same direction and application, the corrected subject and correspondent, and the
// note, which is required. The old record stays as it was and lists the new one.
// Audited in the same transaction. Errors: NotFound, Invalid.
func (s *Service) Correct(ctx context.Context, tenantID int64, year int, number int64, c Correction) (Record, error) {
	old, err := s.store.ProtocolRecord(ctx, tenantID, year, number)
	if err != nil {
		return Record{}, err
	}
	e := Entry{Direction: old.Direction, Correspondent: c.Correspondent, Subject: c.Subject,
		ApplicationID: old.ApplicationID, Corrects: old.ID, Note: c.Note}
	if strings.TrimSpace(e.Note) == "" {
		return Record{}, &apperr.Error{Kind: apperr.Invalid, Code: "proto.err.invalid",
			Fields: []apperr.FieldError{{Field: "note", Code: "proto.err.note_required"}}}
	}
	return s.Register(ctx, tenantID, e, func(ctx context.Context, r Record) error {
		return s.store.AppendAudit(ctx, audit.New(ctx, tenantID, "protocol.correct", "protocol", r.Signature(),
			"rettifica di "+old.Signature()))
	})
}
