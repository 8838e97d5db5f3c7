package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net"

	"piazza/internal/apperr"
	"piazza/internal/applications"
	"piazza/internal/jobs"
	"piazza/internal/mail"
)

// ApplicationNoticeJob is the kind of the job that writes the email about a change
// of an application (the receipt after the submission, then every change of
// status). The applications module enqueues it inside the change's transaction;
// the job renders the message in the citizen's language, builds the PDF receipt
// when there is one to attach, and enqueues the "mail.send" job.
const ApplicationNoticeJob = "apps.notice"

type applicationNotice struct {
	TenantID      int64 `json:"tenant_id"`
	ApplicationID int64 `json:"application_id"`
	EventID       int64 `json:"event_id"`
	// Link is the application's page, worked out from the request that made the
	// change ("" when a job or command made it).
	Link string `json:"link,omitempty"`
}

// ApplicationEvent enqueues the notice of an application's change (it implements
// applications.Notifier). A mailer not yet bound to a server (the demo loader and
// other command-line work, which run before the server exists) sends nothing.
func (m *Mailer) ApplicationEvent(ctx context.Context, a applications.Application, e applications.Event) error {
	if m.s == nil || m.s.Applications == nil {
		return nil
	}
	n := applicationNotice{TenantID: a.TenantID, ApplicationID: a.ID, EventID: e.ID}
	if ri, ok := ctx.Value(infoKey{}).(*reqInfo); ok && ri.Tenant != nil {
		n.Link = m.s.siteURL(ri) + appURL(a, "")
	}
	return m.s.Jobs.Enqueue(ctx, a.TenantID, ApplicationNoticeJob, n)
}

// siteURL is the tenant's address as the request reached it: https behind TLS;
// plain http (development) keeps the port the server listens on.
func (s *Server) siteURL(ri *reqInfo) string {
	if ri.Secure {
		return "https://" + ri.Host
	}
	if _, port, err := net.SplitHostPort(s.cfg.Addr); err == nil && port != "" && port != "80" {
		return "http://" + net.JoinHostPort(ri.Host, port)
	}
	return "http://" + ri.Host
}

// ApplicationNotice is the job handler of ApplicationNoticeJob. Citizens without an
// email address get nothing; those who turned notifications off get the receipt
// only.
func (m *Mailer) ApplicationNotice(ctx context.Context, j jobs.Job) error {
	s := m.s
	var n applicationNotice
	if err := json.Unmarshal(j.Payload, &n); err != nil {
		return jobs.Permanent(fmt.Errorf("apps notice payload: %w", err))
	}
	if s.Applications == nil {
		return jobs.Permanent(fmt.Errorf("apps notice without the applications module"))
	}
	a, err := s.Applications.ByID(ctx, n.TenantID, n.ApplicationID)
	if apperr.Is(err, apperr.NotFound) {
		return jobs.Permanent(err)
	}
	if err != nil {
		return err
	}
	c, err := s.Accounts.Citizen(ctx, n.TenantID, a.Applicant.CitizenID)
	if err != nil {
		return err
	}
	d, err := s.Applications.Detail(ctx, a, false)
	if err != nil {
		return err
	}
	var ev *applications.Event
	for i := range d.Events {
		if d.Events[i].ID == n.EventID {
			ev = &d.Events[i]
		}
	}
	if ev == nil {
		return jobs.Permanent(fmt.Errorf("apps notice: event %d not found", n.EventID))
	}
	receipt := ev.To == applications.Registered
	if c.Email == "" || (!c.NotifyEmail && !receipt) {
		return nil
	}
	loc := s.localizer(c.Language)
	t, err := s.Resolver.Tenant(ctx, n.TenantID)
	if err != nil {
		return err
	}
	link := n.Link
	if link == "" {
		link = appURL(a, "")
	}
	data := map[string]any{"Name": c.FullName(), "Place": t.Name, "Service": a.CardTitle, "Code": a.Code,
		"Protocol": a.ProtocolNumber, "Status": translate(loc, "apps.status."+string(ev.To), nil, nil), "Note": ev.Note, "Link": link}
	msg := mail.Message{To: []string{c.Email}}
	if receipt {
		data["Date"] = a.ProtocolAt.In(rome).Format("02/01/2006 15:04")
		msg.Subject = translate(loc, "apps.mail.receipt_subject", data, nil)
		msg.Text = translate(loc, "apps.mail.receipt_body", data, nil)
		pdf, err := s.Applications.ReceiptPDF(ctx, a, t.Name)
		if err != nil {
			return err
		}
		msg.Attachments = []mail.Attachment{{Name: "ricevuta-" + a.Code + ".pdf", Type: "application/pdf", Data: pdf}}
	} else {
		msg.Subject = translate(loc, "apps.mail.status_subject", data, nil)
		msg.Text = translate(loc, "apps.mail.status_body", data, nil)
	}
	return s.Jobs.Enqueue(ctx, n.TenantID, mail.JobKind, msg)
}
