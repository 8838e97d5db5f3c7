// Package applications holds the applications (pratiche) citizens submit through the
// online services: the draft, the submission registered in the protocol at once,
// the life cycle up to the outcome, the messages with the office and the history.
//
// The states follow the procedure of L. 241/1990:
//
//	draft → submitted → registered → taken_in_charge
//	      → (integration_requested ↔ integration_submitted)
//	      → accepted | rejected
//
// and a citizen may withdraw an application still open when the service allows
// it. Every transition is an Event (who, when, why) in an append-only history. The
// decision is due MaxResponseDays after the submission, a term suspended while the
// office waits for an integration.
package applications

import (
	"crypto/rand"
	"fmt"
	"strings"
	"time"
)

// Status is where an application is in its life cycle.
type Status string

// The statuses.
const (
	Draft                Status = "draft"
	Submitted            Status = "submitted"
	Registered           Status = "registered"
	TakenInCharge        Status = "taken_in_charge"
	IntegrationRequested Status = "integration_requested"
	IntegrationSubmitted Status = "integration_submitted"
	Accepted             Status = "accepted"
	Rejected             Status = "rejected"
	Withdrawn            Status = "withdrawn"
)

// Statuses lists every status in life-cycle order.
var Statuses = []Status{Draft, Submitted, Registered, TakenInCharge, IntegrationRequested, IntegrationSubmitted, Accepted, Rejected, Withdrawn}

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	for _, x := range Statuses {
		if x == s {
			return true
		}
	}
	return false
}

// Final reports whether nothing more happens to an application in s.
func (s Status) Final() bool { return s == Accepted || s == Rejected || s == Withdrawn }

// Open reports whether the application is submitted and awaits an outcome.
func (s Status) Open() bool { return s != Draft && !s.Final() }

// transitions lists the moves the life cycle allows. Withdrawal is added by
// CanMove when the service allows it.
var transitions = map[Status][]Status{
	Draft:                {Submitted},
	Submitted:            {Registered},
	Registered:           {TakenInCharge, Accepted, Rejected},
	TakenInCharge:        {IntegrationRequested, Accepted, Rejected},
	IntegrationRequested: {IntegrationSubmitted},
	IntegrationSubmitted: {IntegrationRequested, Accepted, Rejected},
}

// CanMove reports whether an application may go from one status to another;
// withdrawal is allowed from any open status when the service allows it.
func CanMove(from, to Status, allowsWithdrawal bool) bool {
	if to == Withdrawn {
		return allowsWithdrawal && from.Open()
	}
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// Actor kinds in the history.
const (
	ActorCitizen = "citizen"
	ActorStaff   = "staff"
	ActorSystem  = "system"
)

// Applicant is who submits: the signed-in citizen, as they were at creation.
type Applicant struct {
	CitizenID  int64
	Name       string
	FiscalCode string
	Email      string
}

// Company is the business an application is made for (business services only).
type Company struct {
	Name string
	VAT  string // partita IVA
	// LegalRep records the applicant's declaration of being its legal representative.
	LegalRep bool
}

// Application is one application of a tenant.
type Application struct {
	ID       int64
	TenantID int64
	Code     string // public receipt code, e.g. "K7QH-3M9X-2PTA"

	CardID        int64
	CardSlug      string
	CardTitle     string
	Category      string
	FormKey       string
	FormVersionID int64

	Applicant Applicant
	Company   Company

	Status Status
	// Step is the step a draft was left at ("" for the first).
	Step string

	OfficeID         int64
	AssigneeID       int64 // 0: nobody
	MaxResponseDays  int   // termine del procedimento copied from the card at submission
	AllowsWithdrawal bool

	ProtocolNumber string    // signature of the submission's record, "0000042/2026"
	ProtocolAt     time.Time // its registration time
	SubmittedAt    time.Time
	// DueAt is the end of the day the decision is due (Europe/Rome), zero without a
	// term. While an integration is pending it is the due time as it stood when the
	// term was suspended; SuspendedAt says since when.
	DueAt       time.Time
	SuspendedAt time.Time
	DecidedAt   time.Time

	CreatedAt time.Time
	UpdatedAt time.Time
}

// Overdue reports whether the decision is late at now: open, not suspended, and past
// its due time.
func (a *Application) Overdue(now time.Time) bool {
	return a.Status.Open() && a.SuspendedAt.IsZero() && !a.DueAt.IsZero() && now.After(a.DueAt)
}

// Event is one entry of an application's history.
type Event struct {
	ID            int64
	TenantID      int64
	ApplicationID int64
	At            time.Time
	ActorKind     string // ActorCitizen, ActorStaff, ActorSystem
	ActorID       int64
	ActorName     string
	From, To      Status // the same for events that are not transitions (e.g. assignment)
	Note          string // why, or what happened
}

// Message is a message between the citizen and the office, or an internal note of
// the office (never shown to the citizen).
type Message struct {
	ID            int64
	TenantID      int64
	ApplicationID int64
	At            time.Time
	AuthorKind    string // ActorCitizen or ActorStaff
	AuthorID      int64
	AuthorName    string
	Body          string
	Internal      bool
}

// File kinds.
const (
	FileAttachment = "attachment" // uploaded by the citizen with the answers
	FileOutcome    = "outcome"    // the office's decision document
	FileRequest    = "request"    // the office's request for integration
)

// File is a document of an application: an attachment the citizen uploaded, or a
// document the office produced.
type File struct {
	ID            int64
	TenantID      int64
	ApplicationID int64
	PublicID      string // the upload's public id (forms.FileRef.ID)
	Kind          string
	Field         string // attachments: the field path ("isee", "children.1.certificate")
	Name          string
	Type          string
	Size          int64
	SHA256        string
	BlobKey       string
	SubmissionID  int64 // 0 while the file belongs to a draft
	CreatedAt     time.Time
}

// Submission kinds.
const (
	SubmissionFirst       = "submission"  // the application itself
	SubmissionIntegration = "integration" // an answer to a request for integration
)

// Submission is one submitted leg: the answers as sent, immutable once stored.
type Submission struct {
	ID             int64
	TenantID       int64
	ApplicationID  int64
	Kind           string
	Answers        []byte // JSON of forms.Values
	FormVersionID  int64
	ProtocolID     int64
	ProtocolNumber string
	At             time.Time
}

// DraftAnswers are the mutable answers of an application being filled, or of an
// integration being prepared.
type DraftAnswers struct {
	TenantID      int64
	ApplicationID int64
	Answers       []byte // JSON of forms.Values
	UpdatedAt     time.Time
}

// codeAlphabet is Crockford's base32: no I, L, O or U, so codes read aloud or typed
// are not misread.
const codeAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// NewCode returns a receipt code of 12 random Crockford base32 characters (60 bits)
// in three groups: "K7QH-3M9X-2PTA".
func NewCode() (string, error) {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("applications: random code: %w", err)
	}
	var s strings.Builder
	for i, x := range b {
		if i > 0 && i%4 == 0 {
			s.WriteByte('-')
		}
		s.WriteByte(codeAlphabet[x&31])
	}
	return s.String(), nil
}

// NormalizeCode reads a code as people type it: upper case, without spaces, with O
// for 0 and I/L for 1, grouped again. It returns "" if it cannot be a code.
func NormalizeCode(s string) string {
	var raw []byte
	for _, r := range strings.ToUpper(s) {
		switch {
		case r == '-' || r == ' ':
			continue
		case r == 'O':
			r = '0'
		case r == 'I' || r == 'L':
			r = '1'
		}
		if r > 127 || !strings.ContainsRune(codeAlphabet, r) {
			return ""
		}
		raw = append(raw, byte(r))
	}
	if len(raw) != 12 {
		return ""
	}
	return string(raw[0:4]) + "-" + string(raw[4:8]) + "-" + string(raw[8:12])
}

// Rome is the time zone of due dates.
var Rome = mustLoad("Europe/Rome")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(fmt.Sprintf("applications: time zone %s: %v (embed time/tzdata)", name, err))
	}
	return loc
}

// DueAt returns the end of the day (Europe/Rome) on which a decision is due: the
// day of submission plus days calendar days. Zero days means no term.
func DueAt(submitted time.Time, days int) time.Time {
	if days <= 0 {
		return time.Time{}
	}
	d := submitted.In(Rome)
	return endOfDay(time.Date(d.Year(), d.Month(), d.Day()+days, 0, 0, 0, 0, Rome))
}

// Resume moves a due time on by the calendar days (Europe/Rome) the term was
// suspended, from the request of an integration to its answer (art. 2 c. 7 L.
// 241/1990: the term is suspended, not restarted).
func Resume(due, suspended, resumed time.Time) time.Time {
	if due.IsZero() || suspended.IsZero() || !resumed.After(suspended) {
		return due
	}
	days := calendarDays(suspended, resumed)
	d := due.In(Rome)
	return endOfDay(time.Date(d.Year(), d.Month(), d.Day()+days, 0, 0, 0, 0, Rome))
}

// calendarDays counts the days between the Rome dates of a and b.
func calendarDays(a, b time.Time) int {
	a, b = a.In(Rome), b.In(Rome)
	da := time.Date(a.Year(), a.Month(), a.Day(), 12, 0, 0, 0, time.UTC)
	db := time.Date(b.Year(), b.Month(), b.Day(), 12, 0, 0, 0, time.UTC)
	return int(db.Sub(da).Hours() / 24)
}

func endOfDay(day time.Time) time.Time {
	return time.Date(day.Year(), day.Month(), day.Day(), 23, 59, 59, 0, Rome).UTC()
}

// DraftRetention is how long an untouched draft is kept.
const DraftRetention = 400 * 24 * time.Hour // a year and a month

// Query selects applications for the back office queue.
type Query struct {
	// Offices limits the queue to these offices; nil means every office (admins),
	// an empty non-nil slice means none.
	Offices    []int64
	Status     Status
	CardID     int64
	AssigneeID int64     // >0: assigned to; <0: unassigned; 0: anyone
	OverdueAt  time.Time // non-zero: only applications overdue at this time
	Search     string    // code, applicant name or fiscal code, company name
	Limit      int
}
