package web

import (
	"context"
	"time"

	"piazza/internal/accounts"
	"piazza/internal/mail"
)

// Mailer renders the messages the domain services send, in the recipient's language,
// and enqueues them as "mail.send" jobs in the caller's transaction.
type Mailer struct {
	s *Server
}

// Mailer returns the server's mailer (to pass to the domain services).
func (s *Server) Mailer() *Mailer { return &Mailer{s: s} }

// NewMailer is used by the composition root before the server exists: the server is
// set later with Bind.
func NewMailer() *Mailer { return &Mailer{} }

// Bind attaches the server whose catalogues render the messages.
func (m *Mailer) Bind(s *Server) { m.s = s }

// PasswordLink sends a password reset link or an invitation.
func (m *Mailer) PasswordLink(ctx context.Context, to accounts.Account, tenantID int64, link string, invite bool, expires time.Time) error {
	lang := "it"
	if ri, ok := ctx.Value(infoKey{}).(*reqInfo); ok && ri.Lang != "" {
		lang = ri.Lang
	}
	loc := m.s.localizer(lang)
	where := m.s.placeName(ctx, tenantID)
	data := map[string]any{"Name": to.Name, "Place": where, "Link": link, "Expires": expires.In(rome).Format("02/01/2006 15:04")}
	subject, body := "mail.reset.subject", "mail.reset.body"
	if invite {
		subject, body = "mail.invite.subject", "mail.invite.body"
	}
	return m.s.Jobs.Enqueue(ctx, tenantID, mail.JobKind, mail.Message{
		To:      []string{to.Email},
		Subject: translate(loc, subject, data, nil),
		Text:    translate(loc, body, data, nil),
	})
}

// placeName names where a message comes from: the tenant, or the platform console.
func (s *Server) placeName(ctx context.Context, tenantID int64) string {
	if tenantID == 0 {
		return "Piazza"
	}
	if t, err := s.Resolver.Tenant(ctx, tenantID); err == nil {
		return t.Name
	}
	return "Piazza"
}
