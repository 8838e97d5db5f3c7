package applications

import (
	"context"
	"fmt"
	"time"

	"piazza/internal/forms"
	"piazza/internal/pdfdoc"
)

// ReceiptPDF builds the receipt of a submitted application (ricevuta): the
// application's code, the protocol number and date, the applicant, the answers as
// submitted and every attachment with its SHA-256. issuer is the comune's name.
func (s *Service) ReceiptPDF(ctx context.Context, a Application, issuer string) ([]byte, error) {
	if a.ProtocolNumber == "" {
		return nil, fmt.Errorf("applications: receipt of an unregistered application")
	}
	v, err := s.Form(ctx, a)
	if err != nil {
		return nil, err
	}
	subs, err := s.store.ApplicationSubmissions(ctx, a.TenantID, a.ID)
	if err != nil {
		return nil, err
	}
	if len(subs) == 0 {
		return nil, fmt.Errorf("applications: receipt without a submission")
	}
	files, err := s.store.ApplicationFiles(ctx, a.TenantID, a.ID)
	if err != nil {
		return nil, err
	}
	answers, err := decodeValues(subs[0].Answers)
	if err != nil {
		return nil, err
	}
	d := pdfdoc.New(pdfdoc.Options{Issuer: issuer, Title: "Ricevuta di presentazione", Subtitle: a.CardTitle,
		Created: a.ProtocolAt, Footer: "Pratica " + a.Code})
	rows := []pdfdoc.KV{
		{Key: "Codice pratica", Value: a.Code},
		{Key: "Protocollo", Value: "n. " + a.ProtocolNumber + " del " + a.ProtocolAt.In(Rome).Format("02/01/2006 15:04")},
		{Key: "Richiedente", Value: a.Applicant.Name + " (" + a.Applicant.FiscalCode + ")"},
	}
	if a.Company.Name != "" {
		rows = append(rows, pdfdoc.KV{Key: "Impresa", Value: a.Company.Name + ", P.IVA " + a.Company.VAT},
			pdfdoc.KV{Key: "Legale rappresentante", Value: "dichiarato dal richiedente"})
	}
	if !a.DueAt.IsZero() {
		rows = append(rows, pdfdoc.KV{Key: "Termine del procedimento", Value: a.DueAt.In(Rome).Format("02/01/2006") +
			fmt.Sprintf(" (%d giorni, sospeso durante le eventuali richieste di integrazione)", a.MaxResponseDays)})
	}
	d.KeyValues(rows)
	for _, st := range v.Def.Summary(answers, "it") {
		d.Heading(st.Title)
		d.KeyValues(summaryKV(st.Rows, ""))
	}
	var att [][]string
	for _, f := range files {
		if f.Kind == FileAttachment && f.SubmissionID == subs[0].ID {
			att = append(att, []string{f.Name, fmt.Sprintf("%d", f.Size), f.SHA256})
		}
	}
	if len(att) > 0 {
		d.Heading("Allegati")
		d.Table([]pdfdoc.Column{{Header: "Documento", Width: 2}, {Header: "Byte", Width: 0.7, Right: true}, {Header: "SHA-256", Width: 4}}, att)
	}
	d.Space(4)
	d.Paragraph("La domanda è stata registrata nel protocollo del Comune il " + a.ProtocolAt.In(Rome).Format("02/01/2006") +
		" alle " + a.ProtocolAt.In(Rome).Format("15:04") + ". L'impronta SHA-256 identifica ogni allegato così come è stato ricevuto.")
	return d.Bytes()
}

// summaryKV flattens summary rows (group items indented by their label).
func summaryKV(rows []forms.SummaryRow, prefix string) []pdfdoc.KV {
	var out []pdfdoc.KV
	for _, r := range rows {
		if len(r.Group) > 0 {
			out = append(out, summaryKV(r.Group, prefix+r.Label+" — ")...)
			continue
		}
		out = append(out, pdfdoc.KV{Key: prefix + r.Label, Value: r.Value})
	}
	return out
}

// dateIT formats a day as Italian offices write it.
func dateIT(t time.Time) string { return t.In(Rome).Format("02/01/2006") }
