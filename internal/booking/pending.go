package booking

import (
	"bytes"
	"context"
	"crypto/hmac"
	"encoding/base64"
	"encoding/json"
	"errors"
	"time"

	"piazza/internal/apperr"
)

// A booking asked for without signing in waits for the citizen to confirm it from
// the email sent to the address given: until then nothing is stored and no place
// is held. The request travels in the confirmation link, signed (so it cannot be
// altered) and with the booking code chosen in advance (so confirming twice books
// once).

// PendingTTL is how long a confirmation link works (at most until the slot starts).
const PendingTTL = 24 * time.Hour

// MaxPendingToken bounds the confirmation token read from a link.
const MaxPendingToken = 8 << 10

const pendingPurpose = "booking.pending"

// Pending is a request waiting for confirmation by email.
type Pending struct {
	Request
	Code    string
	Expires time.Time
	Start   time.Time // the slot, as checked when asked
	End     time.Time
}

// pendingWire is the signed form: short keys, the tenant inside the MAC.
type pendingWire struct {
	Tenant  int64  `json:"t"`
	Office  int64  `json:"o"`
	Slot    string `json:"s"`
	Topic   string `json:"tp"`
	Reason  string `json:"r,omitempty"`
	Name    string `json:"n"`
	Email   string `json:"e"`
	Phone   string `json:"p,omitempty"`
	Lang    string `json:"l"`
	Code    string `json:"c"`
	Expires int64  `json:"x"`
}

// errPendingLink is the answer to a forged, damaged or foreign confirmation link.
var errPendingLink = apperr.E(apperr.NotFound, "booking.pending.invalid")

// Ask checks a request made without signing in and returns it as Pending with its
// confirmation token, to be sent to the request's email address. A slot with no
// free place left is ErrSlotTaken with the alternatives, as for Book.
func (s *Service) Ask(ctx context.Context, r Request) (Pending, string, error) {
	r.CitizenID, r.ByOffice = 0, false
	_, sl, err := s.Check(ctx, &r)
	if err != nil {
		return Pending{}, "", err
	}
	code, err := NewCode()
	if err != nil {
		return Pending{}, "", err
	}
	exp := s.now().Add(PendingTTL)
	if sl.Start.Before(exp) {
		exp = sl.Start
	}
	p := Pending{Request: r, Code: code, Expires: exp.UTC().Truncate(time.Second), Start: sl.Start, End: sl.End}
	return p, s.pendingToken(p), nil
}

func (s *Service) pendingToken(p Pending) string {
	w := pendingWire{Tenant: p.TenantID, Office: p.OfficeID, Slot: p.Slot, Topic: p.Topic, Reason: p.Reason, Name: p.Name,
		Email: p.Email, Phone: p.Phone, Lang: p.Lang, Code: p.Code, Expires: p.Expires.Unix()}
	body, _ := json.Marshal(w)
	mac := s.signer.MAC(pendingPurpose, body)[:18]
	return base64.RawURLEncoding.EncodeToString(body) + "." + base64.RawURLEncoding.EncodeToString(mac)
}

// DecodePending reads a confirmation token of the tenant. A forged, damaged or
// foreign token is NotFound "booking.pending.invalid"; an expired one is
// NotFound "booking.pending.expired". The request is validated again.
func (s *Service) DecodePending(tenantID int64, tok string) (Pending, error) {
	p, err := decodePending(s.signer, tok)
	if err != nil || p.TenantID != tenantID {
		return Pending{}, errPendingLink
	}
	if !s.now().Before(p.Expires) {
		return Pending{}, apperr.E(apperr.NotFound, "booking.pending.expired")
	}
	return p, nil
}

func decodePending(sg Signer, tok string) (Pending, error) {
	if len(tok) > MaxPendingToken {
		return Pending{}, errPendingLink
	}
	dot := bytes.IndexByte([]byte(tok), '.')
	if dot < 0 {
		return Pending{}, errPendingLink
	}
	body, err1 := base64.RawURLEncoding.DecodeString(tok[:dot])
	mac, err2 := base64.RawURLEncoding.DecodeString(tok[dot+1:])
	if err1 != nil || err2 != nil || len(mac) != 18 || !hmac.Equal(mac, sg.MAC(pendingPurpose, body)[:18]) {
		return Pending{}, errPendingLink
	}
	var w pendingWire
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		return Pending{}, errPendingLink
	}
	p := Pending{Request: Request{TenantID: w.Tenant, OfficeID: w.Office, Slot: w.Slot, Topic: w.Topic, Reason: w.Reason,
		Name: w.Name, Email: w.Email, Phone: w.Phone, Lang: w.Lang}, Code: w.Code, Expires: time.Unix(w.Expires, 0).UTC()}
	p.Normalize()
	if p.Validate() != nil || NormalizeCode(p.Code) != p.Code || p.TenantID <= 0 || p.OfficeID <= 0 {
		return Pending{}, errPendingLink
	}
	start, _ := ParseSlot(p.Slot)
	p.Start = start
	return p, nil
}

// Confirm books what a confirmation token asks for. Confirming again returns the
// booking made the first time (whatever became of it); a slot taken meanwhile is
// ErrSlotTaken with the alternatives.
func (s *Service) Confirm(ctx context.Context, tenantID int64, tok string) (Booking, error) {
	p, err := s.DecodePending(tenantID, tok)
	if err != nil {
		return Booking{}, err
	}
	if b, err := s.confirmed(ctx, p); err == nil || !apperr.Is(err, apperr.NotFound) {
		return b, err
	}
	b, err := s.book(ctx, p.Request, p.Code)
	if errors.Is(err, ErrCodeTaken) || apperr.Is(err, apperr.Conflict) {
		// Confirmed at the same moment from a second click: the first one's booking
		// holds the code (and, with one desk, the place).
		if b, cerr := s.confirmed(ctx, p); cerr == nil {
			return b, nil
		}
	}
	return b, err
}

// confirmed returns the booking a pending request already made; NotFound if none.
func (s *Service) confirmed(ctx context.Context, p Pending) (Booking, error) {
	b, err := s.store.BookingByCode(ctx, p.TenantID, p.Code)
	if err != nil {
		return b, err
	}
	if b.Email != p.Email || b.OfficeID != p.OfficeID {
		// Codes are random: a clash with another booking is a forged token.
		return Booking{}, errPendingLink
	}
	return b, nil
}

// ErrCodeTaken is returned by InsertBooking when the code is in use already.
var ErrCodeTaken = apperr.E(apperr.Conflict, "booking.code.taken")
