package booking

import (
	"crypto/hmac"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"piazza/internal/apperr"
	"piazza/internal/applications"
	"piazza/internal/check"
)

// Status is where a booking stands.
type Status string

const (
	Booked       Status = "booked"        // waiting for the day
	CheckedIn    Status = "checked_in"    // the citizen arrived
	Done         Status = "done"          // served
	NoShow       Status = "no_show"       // did not come
	Cancelled    Status = "cancelled"     // by the citizen or the office; frees the place
	ToReschedule Status = "to_reschedule" // the day was closed; the citizen picks another
)

// Holds reports whether a booking of this status takes its place in the slot. The
// store's unique index on (slot, place) lists the same statuses.
func (s Status) Holds() bool { return s == Booked || s == CheckedIn || s == Done || s == NoShow }

// Statuses in display order.
var Statuses = []Status{Booked, CheckedIn, Done, NoShow, ToReschedule, Cancelled}

// transitions are the operators' moves.
var transitions = map[Status][]Status{
	Booked:       {CheckedIn, NoShow, Cancelled},
	CheckedIn:    {Done, NoShow},
	NoShow:       {CheckedIn},
	ToReschedule: {Cancelled},
}

// CanMove reports whether an operator may move a booking from one status to another.
func CanMove(from, to Status) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// Booking is one appointment.
type Booking struct {
	ID        int64
	TenantID  int64
	OfficeID  int64
	Code      string // public, unguessable: "K7QH-3M9X-2PTA"
	Start     time.Time
	End       time.Time
	Place     int // 1…desks: which of the slot's places it holds
	Status    Status
	Topic     string
	Reason    string
	Name      string
	Email     string
	Phone     string
	CitizenID int64 // 0 when booked without signing in
	Lang      string
	// Nonce is random and changes when the booking moves, so that the manage links
	// sent before stop working.
	Nonce     string
	Message   string // the office's message when it cancelled
	CreatedAt time.Time
	UpdatedAt time.Time

	OfficeName string // joined from offices
}

// Active reports whether the booking is still to happen.
func (b Booking) Active() bool { return b.Status == Booked || b.Status == ToReschedule }

// Request is what a citizen (or an operator on the phone) submits.
type Request struct {
	TenantID  int64
	OfficeID  int64
	Slot      string // "2006-01-02T15:04", Rome's wall clock
	Topic     string
	Reason    string
	Name      string
	Email     string
	Phone     string
	CitizenID int64
	Lang      string
	// ByOffice marks a booking an operator takes on the phone or at the counter:
	// an email address is optional when there is a phone number.
	ByOffice bool
}

// Normalize trims the request.
func (r *Request) Normalize() {
	r.Slot = strings.TrimSpace(r.Slot)
	r.Topic = strings.Join(strings.Fields(r.Topic), " ")
	r.Reason = check.Clean(r.Reason)
	r.Name = strings.Join(strings.Fields(r.Name), " ")
	r.Email = strings.ToLower(strings.TrimSpace(r.Email))
	r.Phone = strings.TrimSpace(r.Phone)
	if r.Lang != "en" {
		r.Lang = "it"
	}
}

// Validate checks the fields that do not need the calendar.
func (r *Request) Validate() error {
	var v apperr.Validation
	if _, err := ParseSlot(r.Slot); err != nil {
		v.Add("slot", "booking.slot.invalid")
	}
	if r.Topic == "" {
		v.Add("topic", "booking.topic.required")
	} else if !check.Line(r.Topic, MaxTopic) {
		v.Add("topic", "booking.topic.invalid")
	}
	if !check.Text(r.Reason, MaxReason) {
		v.AddArgs("reason", "booking.reason.too_long", map[string]any{"Max": MaxReason})
	}
	if r.Name == "" {
		v.Add("name", "booking.name.required")
	} else if !check.Line(r.Name, MaxName) {
		v.Add("name", "booking.name.invalid")
	}
	switch {
	case r.Email == "" && !r.ByOffice:
		v.Add("email", "booking.email.required")
	case r.Email == "" && r.Phone == "":
		v.Add("phone", "booking.contact.required")
	case r.Email == "":
	case !check.Email(r.Email):
		v.Add("email", "booking.email.invalid")
	}
	if r.Phone != "" && !check.Phone(r.Phone) {
		v.Add("phone", "booking.phone.invalid")
	}
	return v.Err()
}

// SlotLayout is the form of slot ids: Rome's wall clock to the minute.
const SlotLayout = "2006-01-02T15:04"

// ParseSlot reads a slot id strictly ("2026-03-02T09:30") as an instant in Rome.
func ParseSlot(s string) (time.Time, error) {
	if len(s) != len(SlotLayout) || s[10] != 'T' {
		return time.Time{}, apperr.E(apperr.Invalid, "booking.slot.invalid")
	}
	d, err := ParseDay(s[:10])
	if err != nil {
		return time.Time{}, apperr.E(apperr.Invalid, "booking.slot.invalid")
	}
	if s[13] != ':' {
		return time.Time{}, apperr.E(apperr.Invalid, "booking.slot.invalid")
	}
	h, ok1 := atoi(s[11:13], 2)
	m, ok2 := atoi(s[14:16], 2)
	if !ok1 || !ok2 || h > 23 || m > 59 {
		return time.Time{}, apperr.E(apperr.Invalid, "booking.slot.invalid")
	}
	t := d.At(h*60 + m)
	// A wall-clock time that does not exist (the hour skipped in spring) is refused.
	if t.Hour() != h || t.Minute() != m {
		return time.Time{}, apperr.E(apperr.Invalid, "booking.slot.invalid")
	}
	return t, nil
}

// SlotID is the inverse of ParseSlot.
func SlotID(t time.Time) string { return t.In(Rome).Format(SlotLayout) }

// NewCode returns an unguessable booking code (60 random bits), in the same form as
// the receipts of applications.
func NewCode() (string, error) { return applications.NewCode() }

// NormalizeCode reads a code as people type it; "" if it cannot be one.
func NormalizeCode(s string) string { return applications.NormalizeCode(s) }

// Signer signs data for a purpose (secret.Keyring).
type Signer interface {
	MAC(purpose string, data []byte) []byte
}

const tokenPurpose = "booking.manage"

func tokenData(b Booking) []byte {
	return []byte(strconv.FormatInt(b.TenantID, 10) + "/" + b.Code + "/" + b.Nonce)
}

// ManageToken returns the token of the cancel/reschedule link sent to the citizen:
// a MAC of the tenant, the code and the booking's current nonce.
func ManageToken(sg Signer, b Booking) string {
	return base64.RawURLEncoding.EncodeToString(sg.MAC(tokenPurpose, tokenData(b))[:18])
}

// CheckToken reports whether tok is the booking's current manage token.
func CheckToken(sg Signer, b Booking, tok string) bool {
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(raw) != 18 {
		return false
	}
	return hmac.Equal(raw, sg.MAC(tokenPurpose, tokenData(b))[:18])
}
