package applications

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"piazza/internal/apperr"
	"piazza/internal/pdfdoc"
	"piazza/internal/protocol"
)

// Officer is the staff member working an application in the back office.
type Officer struct {
	AccountID int64
	Name      string
	// Admin sees every application; anyone else only those of OfficeIDs.
	Admin     bool
	OfficeIDs []int64
}

// Sees reports whether the officer may see and work a (submitted) application.
func (o Officer) Sees(a Application) bool {
	return a.Status != Draft && (o.Admin || slices.Contains(o.OfficeIDs, a.OfficeID))
}

// Queue lists the applications the officer may see that q selects.
func (s *Service) Queue(ctx context.Context, tenantID int64, o Officer, q Query) ([]Application, error) {
	q.Offices = nil
	if !o.Admin {
		q.Offices = append([]int64{}, o.OfficeIDs...)
	}
	return s.store.ApplicationQueue(ctx, tenantID, q)
}

// ForOfficer returns the application with that code if the officer may see it;
// NotFound otherwise (drafts included).
func (s *Service) ForOfficer(ctx context.Context, tenantID int64, o Officer, code string) (Application, error) {
	code = NormalizeCode(code)
	if code == "" {
		return Application{}, apperr.E(apperr.NotFound, "apps.err.not_found")
	}
	a, err := s.store.ApplicationByCode(ctx, tenantID, code)
	if err != nil {
		return a, err
	}
	if !o.Sees(a) {
		return Application{}, apperr.E(apperr.NotFound, "apps.err.not_found")
	}
	return a, nil
}

func (o Officer) event(a Application) Event {
	return Event{TenantID: a.TenantID, ApplicationID: a.ID, ActorKind: ActorStaff, ActorID: o.AccountID, ActorName: o.Name}
}

// TakeInCharge starts the work on a registered application; the officer becomes
// its assignee if it has none.
func (s *Service) TakeInCharge(ctx context.Context, a Application, o Officer) (Application, error) {
	if !CanMove(a.Status, TakenInCharge, false) {
		return a, apperr.E(apperr.Conflict, "apps.err.bad_transition")
	}
	return s.move(ctx, a, TakenInCharge, o.event(a), func(n *Application) {
		if n.AssigneeID == 0 {
			n.AssigneeID = o.AccountID
		}
	})
}

// Assign gives an open application to a colleague (toID, named toName) whom the
// caller has checked works in the application's office.
func (s *Service) Assign(ctx context.Context, a Application, o Officer, toID int64, toName string) (Application, error) {
	if !a.Status.Open() {
		return a, apperr.E(apperr.Conflict, "apps.err.bad_transition")
	}
	e := o.event(a)
	e.Note = "Assegnata a " + toName
	return s.move(ctx, a, a.Status, e, func(n *Application) { n.AssigneeID = toID })
}

// Note adds an internal note of the office (never shown to the citizen).
func (s *Service) Note(ctx context.Context, a Application, o Officer, body string) error {
	body = strings.TrimSpace(body)
	switch {
	case body == "":
		return fieldError("note", "apps.err.message_empty")
	case utf8.RuneCountInString(body) > MaxMessage:
		return fieldError("note", "apps.err.too_long")
	}
	return s.store.AddApplicationMessage(ctx, &Message{TenantID: a.TenantID, ApplicationID: a.ID, AuthorKind: ActorStaff,
		AuthorID: o.AccountID, AuthorName: o.Name, Body: body, Internal: true})
}

// Reply sends a message of the office to the citizen.
func (s *Service) Reply(ctx context.Context, a Application, o Officer, body string) error {
	body = strings.TrimSpace(body)
	switch {
	case body == "":
		return fieldError("reply", "apps.err.message_empty")
	case utf8.RuneCountInString(body) > MaxMessage:
		return fieldError("reply", "apps.err.too_long")
	}
	return s.store.AddApplicationMessage(ctx, &Message{TenantID: a.TenantID, ApplicationID: a.ID, AuthorKind: ActorStaff,
		AuthorID: o.AccountID, AuthorName: o.Name, Body: body})
}

// textDocument describes a text the office sends as a protocol document.
func textDocument(name, text string) protocol.Document {
	sum := sha256.Sum256([]byte(text))
	return protocol.Document{Name: name, SHA256: hex.EncodeToString(sum[:]), Size: int64(len(text))}
}

// RequestIntegration asks the citizen for more information: the request is
// registered as outgoing in the protocol, sent as a message, and the decision
// term is suspended until the answer arrives.
func (s *Service) RequestIntegration(ctx context.Context, a Application, o Officer, message string) (Application, error) {
	message = strings.TrimSpace(message)
	switch {
	case message == "":
		return a, fieldError("message", "apps.err.message_empty")
	case utf8.RuneCountInString(message) > MaxMessage:
		return a, fieldError("message", "apps.err.too_long")
	case !CanMove(a.Status, IntegrationRequested, false):
		return a, apperr.E(apperr.Conflict, "apps.err.bad_transition")
	}
	entry := protocol.Entry{Direction: protocol.Out, Correspondent: a.Applicant.Name + " (" + a.Applicant.FiscalCode + ")",
		Subject:   "Richiesta di integrazione, pratica " + a.Code + " (" + a.CardTitle + ")",
		Documents: []protocol.Document{textDocument("richiesta-integrazione.txt", message)}, ApplicationID: a.ID}
	out := a
	_, err := s.reg.Register(ctx, a.TenantID, entry, func(ctx context.Context, r protocol.Record) error {
		next := a
		next.Status, next.SuspendedAt = IntegrationRequested, r.At
		if next.AssigneeID == 0 {
			next.AssigneeID = o.AccountID
		}
		e := o.event(a)
		e.At, e.From, e.To, e.Note = r.At, a.Status, IntegrationRequested, message
		if err := s.store.UpdateApplication(ctx, &next, a.Status); err != nil {
			return err
		}
		if err := s.store.AppendApplicationEvent(ctx, &e); err != nil {
			return err
		}
		m := Message{TenantID: a.TenantID, ApplicationID: a.ID, AuthorKind: ActorStaff, AuthorID: o.AccountID, AuthorName: o.Name,
			Body: message + "\n\n(Protocollo n. " + r.Signature() + ")"}
		if err := s.store.AddApplicationMessage(ctx, &m); err != nil {
			return err
		}
		if s.notify != nil {
			if err := s.notify.ApplicationEvent(ctx, next, e); err != nil {
				return err
			}
		}
		out = next
		return nil
	})
	if err != nil {
		return a, err
	}
	return out, nil
}

// Decide closes an application with its outcome: the outcome document (PDF, with
// the motivation) is stored, registered as outgoing in the protocol, attached to
// the application and announced to the citizen, all or nothing. issuer is the
// comune's name.
func (s *Service) Decide(ctx context.Context, a Application, o Officer, accept bool, motivation, issuer string) (Application, error) {
	motivation = strings.TrimSpace(motivation)
	to := Rejected
	if accept {
		to = Accepted
	}
	switch {
	case motivation == "":
		return a, fieldError("motivation", "apps.err.motivation")
	case utf8.RuneCountInString(motivation) > MaxMessage:
		return a, fieldError("motivation", "apps.err.too_long")
	case !CanMove(a.Status, to, false):
		return a, apperr.E(apperr.Conflict, "apps.err.bad_transition")
	}
	now := s.now()
	pdf, err := outcomePDF(a, accept, motivation, o.Name, issuer, now)
	if err != nil {
		return a, err
	}
	name := "esito-" + a.Code + ".pdf"
	stored, err := s.files.Store(ctx, a.TenantID, name, "application/pdf", pdf)
	if err != nil {
		return a, err
	}
	word := "accoglimento"
	if !accept {
		word = "rigetto"
	}
	entry := protocol.Entry{Direction: protocol.Out, Correspondent: a.Applicant.Name + " (" + a.Applicant.FiscalCode + ")",
		Subject:   "Provvedimento di " + word + ", pratica " + a.Code + " (" + a.CardTitle + ")",
		Documents: []protocol.Document{{Name: name, SHA256: stored.SHA256, Size: stored.Size}}, ApplicationID: a.ID}
	out := a
	_, err = s.reg.Register(ctx, a.TenantID, entry, func(ctx context.Context, r protocol.Record) error {
		f := File{TenantID: a.TenantID, ApplicationID: a.ID, PublicID: stored.ID, Kind: FileOutcome, Name: name, Type: stored.Type,
			Size: stored.Size, SHA256: stored.SHA256, BlobKey: stored.Key}
		if err := s.store.AddApplicationFile(ctx, &f); err != nil {
			return err
		}
		next := a
		next.Status, next.DecidedAt = to, r.At
		e := o.event(a)
		e.At, e.From, e.To, e.Note = r.At, a.Status, to, motivation+" (Protocollo n. "+r.Signature()+")"
		if err := s.store.UpdateApplication(ctx, &next, a.Status); err != nil {
			return err
		}
		if err := s.store.AppendApplicationEvent(ctx, &e); err != nil {
			return err
		}
		if s.notify != nil {
			if err := s.notify.ApplicationEvent(ctx, next, e); err != nil {
				return err
			}
		}
		out = next
		return nil
	})
	if err != nil {
		s.files.Delete(ctx, stored.Key)
		return a, err
	}
	return out, nil
}

// outcomePDF writes the decision document.
func outcomePDF(a Application, accept bool, motivation, officer, issuer string, at time.Time) ([]byte, error) {
	title := "Esito: domanda accolta"
	if !accept {
		title = "Esito: domanda respinta"
	}
	d := pdfdoc.New(pdfdoc.Options{Issuer: issuer, Title: title, Subtitle: a.CardTitle, Footer: "Pratica " + a.Code, Created: at})
	d.KeyValues([]pdfdoc.KV{
		{Key: "Codice pratica", Value: a.Code},
		{Key: "Protocollo della domanda", Value: a.ProtocolNumber + " del " + dateIT(a.ProtocolAt)},
		{Key: "Richiedente", Value: a.Applicant.Name + " (" + a.Applicant.FiscalCode + ")"},
		{Key: "Responsabile", Value: officer},
		{Key: "Data", Value: dateIT(at)},
	})
	d.Heading("Motivazione")
	for _, p := range strings.Split(motivation, "\n") {
		if p = strings.TrimSpace(p); p != "" {
			d.Paragraph(p)
		}
	}
	return d.Bytes()
}

// BulkResult is the outcome of a bulk decision.
type BulkResult struct {
	Done   []string // codes decided
	Failed []string // codes that could not be (not visible, or not in a state to decide)
}

// DecideMany decides several applications with the same motivation; each is its
// own transaction and protocol registration.
func (s *Service) DecideMany(ctx context.Context, tenantID int64, o Officer, codes []string, accept bool, motivation, issuer string) (BulkResult, error) {
	var res BulkResult
	if strings.TrimSpace(motivation) == "" {
		return res, fieldError("motivation", "apps.err.motivation")
	}
	if len(codes) == 0 {
		return res, fieldError("codes", "apps.err.none_selected")
	}
	if len(codes) > 500 {
		return res, fieldError("codes", "apps.err.too_many")
	}
	for _, c := range codes {
		a, err := s.ForOfficer(ctx, tenantID, o, c)
		if err == nil {
			_, err = s.Decide(ctx, a, o, accept, motivation, issuer)
		}
		if err != nil {
			if apperr.KindOf(err) == apperr.Internal {
				return res, fmt.Errorf("applications: bulk decision of %s: %w", c, err)
			}
			res.Failed = append(res.Failed, c)
			continue
		}
		res.Done = append(res.Done, a.Code)
	}
	return res, nil
}
