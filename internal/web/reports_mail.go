package web

import (
	"context"

	"piazza/internal/mail"
	"piazza/internal/reports"
)

// ReportEvent writes the email to the reporter about a report (it implements
// reports.Notifier) in the reporter's language, and enqueues it in the change's
// transaction: the receipt with the code and the link to follow the report, then
// each public update with the new status and the office's answer.
func (m *Mailer) ReportEvent(ctx context.Context, r reports.Report, u reports.Update, event string) error {
	if m.s == nil || r.Email == "" {
		return nil
	}
	s := m.s
	t, err := s.Resolver.Tenant(ctx, r.TenantID)
	if err != nil {
		return err
	}
	base := "https://" + t.SiteHost()
	if ri, ok := ctx.Value(infoKey{}).(*reqInfo); ok && ri.Tenant != nil && ri.Tenant.ID == r.TenantID {
		base = s.siteURL(ri)
	}
	loc := s.localizer(r.Lang)
	status := translate(loc, "reports.state."+string(r.Status), nil, nil)
	if r.Status == reports.Closed && r.CloseReason != "" {
		status += " (" + translate(loc, "reports.reason."+string(r.CloseReason), nil, nil) + ")"
	}
	data := map[string]any{"Name": r.Name, "Place": t.Name, "Code": r.Code, "Subject": r.Subject, "Office": r.OfficeName,
		"Status": status, "Answer": u.Body, "Link": base + rpBase + "/" + r.Code}
	msg := mail.Message{To: []string{r.Email},
		Subject: translate(loc, "reports.mail."+event+".subject", data, nil),
		Text:    translate(loc, "reports.mail."+event+".body", data, nil)}
	return s.Jobs.Enqueue(ctx, r.TenantID, mail.JobKind, msg)
}
