// Package protocol is the protocol register of a comune (registro di protocollo,
// DPR 445/2000 art. 53 and 57): every document the comune receives or sends gets,
// in one operation and without anybody's intervention, a progressive number of at
// least seven digits that restarts every calendar year, the date and time, the
// correspondent, the subject and the SHA-256 digest of each document.
//
// Records are immutable: nothing updates or deletes them (the database refuses it).
// A correction is a new record that names the one it corrects (Entry.Corrects) with
// a note; the corrected record then shows it among its annotations.
//
// Register is the interface the rest of Piazza registers through, so that an
// external protocol system can take the place of the built-in register later. The
// built-in one (NewRegister) batches concurrent registrations of one tenant into one
// database transaction, which keeps numbers gapless and one tenant fast.
package protocol

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"
	_ "time/tzdata" // registration dates are in Europe/Rome on any host

	"piazza/internal/apperr"
	"piazza/internal/check"
)

// Direction says whether a document came in or went out.
type Direction string

const (
	In  Direction = "in"  // received (in entrata): applications, integrations
	Out Direction = "out" // sent (in uscita): integration requests, outcomes
)

// Valid reports whether d is a known direction.
func (d Direction) Valid() bool { return d == In || d == Out }

// Limits of an entry's fields.
const (
	MaxSubject       = 1000 // characters
	MaxCorrespondent = 300
	MaxNote          = 2000
	MaxDocuments     = 200
	MaxDocumentName  = 255
)

// Document is one file registered with a record: its name, the hex SHA-256 of its
// bytes (the impronta of art. 53 letter f) and its size.
type Document struct {
	Name   string
	SHA256 string
	Size   int64
}

// Entry is what a caller registers.
type Entry struct {
	Direction Direction
	// Correspondent is the sender of an incoming document or the recipient(s) of an
	// outgoing one.
	Correspondent string
	Subject       string
	Documents     []Document
	// ApplicationID links the record to an application (0 = none).
	ApplicationID int64
	// Corrects is the id of the record this one annotates (0 = none); Note says why.
	Corrects int64
	Note     string
}

// Record is a registered entry.
type Record struct {
	ID       int64
	TenantID int64
	Year     int
	Number   int64
	At       time.Time // registration time (UTC)
	Entry
}

// Signature is the number and year as printed: "0000042/2026".
func (r Record) Signature() string { return Signature(r.Number, r.Year) }

// Signature formats a protocol number of a year with at least seven digits.
func Signature(number int64, year int) string { return fmt.Sprintf("%07d/%d", number, year) }

// Rome is the time zone of registration dates: a record belongs to the year (and
// the daily register to the day) of its time in Europe/Rome.
var Rome = mustLoad("Europe/Rome")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err) // cannot happen: time/tzdata is embedded
	}
	return loc
}

// YearOf is the protocol year of a registration time.
func YearOf(t time.Time) int { return t.In(Rome).Year() }

var hexDigest = regexp.MustCompile(`^[0-9a-f]{64}$`)

// Normalize trims the entry's text and checks it. Errors are apperr.Invalid with a
// field error per problem (codes proto.err.*).
func (e *Entry) Normalize() error {
	e.Correspondent = oneLine(e.Correspondent)
	e.Subject = oneLine(e.Subject)
	e.Note = check.Clean(e.Note)
	var fields []apperr.FieldError
	bad := func(field, code string) { fields = append(fields, apperr.FieldError{Field: field, Code: code}) }
	if !e.Direction.Valid() {
		bad("direction", "proto.err.direction")
	}
	switch {
	case e.Correspondent == "":
		bad("correspondent", "proto.err.correspondent_required")
	case !check.Line(e.Correspondent, MaxCorrespondent):
		bad("correspondent", "proto.err.correspondent_long")
	}
	switch {
	case e.Subject == "":
		bad("subject", "proto.err.subject_required")
	case !check.Line(e.Subject, MaxSubject):
		bad("subject", "proto.err.subject_long")
	}
	if !check.Text(e.Note, MaxNote) {
		bad("note", "proto.err.note_long")
	}
	if e.Corrects < 0 || e.ApplicationID < 0 {
		bad("corrects", "proto.err.reference")
	}
	if e.Corrects > 0 && e.Note == "" {
		bad("note", "proto.err.note_required")
	}
	if len(e.Documents) > MaxDocuments {
		bad("documents", "proto.err.documents_many")
	}
	for i := range e.Documents {
		d := &e.Documents[i]
		d.Name = oneLine(d.Name)
		d.SHA256 = strings.ToLower(strings.TrimSpace(d.SHA256))
		field := fmt.Sprintf("documents.%d", i)
		if d.Name == "" || !check.Line(d.Name, MaxDocumentName) {
			bad(field, "proto.err.document_name")
		}
		if !hexDigest.MatchString(d.SHA256) {
			bad(field, "proto.err.document_digest")
		}
		if d.Size < 0 {
			bad(field, "proto.err.document_size")
		}
	}
	if len(fields) > 0 {
		return &apperr.Error{Kind: apperr.Invalid, Code: "proto.err.invalid", Fields: fields}
	}
	return nil
}

// oneLine trims s and folds runs of white space (including newlines) into one space.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// Register is a tenant's protocol register; an external protocol system may
// implement it later.
type Register interface {
	// Register assigns the next number of the year and records e. with (may be nil)
	// runs in the same database transaction with the record (e.g. to store the
	// application); if it fails, nothing is recorded and the number is not used
	// (numbers stay gapless). with must do its database work through the context
	// it is given, and only database work (enqueue a job to send mail): it may run
	// more than once, because when another registration of the same batch fails,
	// what with did is rolled back and it runs again with the record's new number.
	// It must not register in turn. Errors: apperr.Invalid for a bad entry, the error of with, the
	// context's error if ctx ends before the registration starts, or an internal
	// error.
	Register(ctx context.Context, tenantID int64, e Entry, with func(ctx context.Context, r Record) error) (Record, error)
}

// Query selects records of one tenant's register. Zero fields do not filter.
type Query struct {
	Year          int
	Number        int64
	From, To      time.Time // registration time: From inclusive, To exclusive
	Direction     Direction
	Text          string // in the subject or the correspondent
	ApplicationID int64
	Offset, Limit int // Limit 0 means no limit
}

// Daily is a produced daily register (registro giornaliero di protocollo): the
// records of one day in Europe/Rome, as PDF and CSV files in the blob store.
type Daily struct {
	TenantID    int64
	Day         string // YYYY-MM-DD
	Records     int
	First, Last string // signatures of the day's first and last record ("" when none)
	PDF, CSV    File
	CreatedAt   time.Time
}

// Date is the day in Italian form (13/03/2026).
func (d Daily) Date() string {
	t, err := time.Parse(dayLayout, d.Day)
	if err != nil {
		return d.Day
	}
	return t.Format("02/01/2006")
}

// File is a stored file: its blob key, hex SHA-256 and size.
type File struct {
	Key    string
	SHA256 string
	Size   int64
}
