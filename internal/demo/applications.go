package demo

import (
	"context"
	"fmt"
	"net/url"

	"piazza/internal/accounts"
	"piazza/internal/applications"
	"piazza/internal/forms"
	"piazza/internal/pdfdoc"
)

// CitizenSignIn creates or updates a citizen as their sign-in would
// (*accounts.Service implements it).
type CitizenSignIn interface {
	CitizenSignIn(ctx context.Context, tenantID int64, id accounts.Identity) (accounts.Citizen, error)
}

// recordsAnswers are what the demo citizens answer to the access-to-records form
// (accesso-atti) where the prefill gives nothing.
var recordsAnswers = url.Values{
	"email":          {"demo@cittadini.example"},
	"capacity":       {"self"},
	"documents":      {"Concessione edilizia n. 45/2019 relativa all'immobile di via Garibaldi 12."},
	"access_type":    {"copy"},
	"reason":         {"Acquisto dell'immobile confinante: verifica delle distanze tra i fabbricati."},
	"delivery":       {"email"},
	"delivery_email": {"demo@cittadini.example"},
	"truthful":       {"yes"},
}

// demoStates are the applications the demo shows, one per state of the life
// cycle, by citizen (index into Citizens).
var demoStates = []struct {
	citizen int
	status  applications.Status
}{
	{0, applications.Draft},
	{1, applications.Registered},
	{2, applications.TakenInCharge},
	{0, applications.IntegrationRequested},
	{1, applications.IntegrationSubmitted},
	{2, applications.Accepted},
	{0, applications.Rejected},
	{1, applications.Withdrawn},
}

// LoadApplications creates, in one comune, demo applications of the access-to-
// records service (card slug "accesso-atti") in every state, through the real use
// cases: the demo citizens fill the form (with an identity document attached),
// submit it (registered in the protocol), and officer works them. Call it after
// the cards and forms exist and outside any transaction: every submission is its
// own protocol registration.
func LoadApplications(ctx context.Context, apps *applications.Service, people CitizenSignIn, tenantID int64, tenantName string, officer applications.Officer) error {
	card, err := apps.Card(ctx, tenantID, "accesso-atti")
	if err != nil {
		return fmt.Errorf("demo applications: card: %w", err)
	}
	persons := make([]applications.Person, len(Citizens))
	for i, c := range Citizens {
		cz, err := people.CitizenSignIn(ctx, tenantID, accounts.Identity{FiscalCode: c.FiscalCode, GivenName: c.GivenName,
			FamilyName: c.FamilyName, Email: c.Email, Phone: c.Phone})
		if err != nil {
			return fmt.Errorf("demo applications: citizen: %w", err)
		}
		persons[i] = applications.Person{CitizenID: cz.ID, GivenName: cz.GivenName, FamilyName: cz.FamilyName,
			FiscalCode: cz.FiscalCode, Email: cz.Email, Phone: cz.Phone}
	}
	idDoc, err := identityPDF()
	if err != nil {
		return err
	}
	for _, st := range demoStates {
		if err := demoApplication(ctx, apps, card, persons[st.citizen], officer, tenantName, st.status, idDoc); err != nil {
			return fmt.Errorf("demo application (%s): %w", st.status, err)
		}
	}
	return nil
}

// demoApplication takes one application to the wanted status.
func demoApplication(ctx context.Context, apps *applications.Service, card applications.Card, p applications.Person,
	o applications.Officer, issuer string, want applications.Status, idDoc []byte) error {
	a, err := apps.Start(ctx, card, p)
	if err != nil {
		return err
	}
	if err := fill(ctx, apps, a, idDoc, want == applications.Draft); err != nil {
		return err
	}
	if want == applications.Draft {
		return nil
	}
	if a, err = apps.Submit(ctx, a, p, applications.Company{}); err != nil {
		return err
	}
	switch want {
	case applications.Registered:
		return nil
	case applications.Withdrawn:
		_, err = apps.Withdraw(ctx, a, p, "Ho trovato il documento nell'archivio di famiglia.")
		return err
	}
	if a, err = apps.TakeInCharge(ctx, a, o); err != nil || want == applications.TakenInCharge {
		return err
	}
	if want == applications.Rejected {
		_, err = apps.Decide(ctx, a, o, false, "La richiesta non indica un interesse diretto, concreto e attuale collegato al documento (art. 22 L. 241/1990).", issuer)
		return err
	}
	if want == applications.Accepted {
		_, err = apps.Decide(ctx, a, o, true, "Accesso consentito: la copia del documento è inviata all'indirizzo email indicato.", issuer)
		return err
	}
	if a, err = apps.RequestIntegration(ctx, a, o, "Il documento d'identità allegato è illeggibile: allegane una copia nitida, fronte e retro."); err != nil ||
		want == applications.IntegrationRequested {
		return err
	}
	if err := apps.StartIntegration(ctx, a); err != nil {
		return err
	}
	if err := fill(ctx, apps, a, idDoc, false); err != nil {
		return err
	}
	_, err = apps.SubmitIntegration(ctx, a, p)
	return err
}

// fill answers the form's visible steps in order, attaching the identity document
// to every file field still empty; only the first step when firstOnly.
func fill(ctx context.Context, apps *applications.Service, a applications.Application, idDoc []byte, firstOnly bool) error {
	v, err := apps.Form(ctx, a)
	if err != nil {
		return err
	}
	for i := 0; ; i++ {
		values, _, err := apps.Answers(ctx, a)
		if err != nil {
			return err
		}
		steps := v.Def.VisibleSteps(values)
		if i >= len(steps) || (firstOnly && i > 0) {
			return nil
		}
		step := steps[i]
		post := v.Def.FormValues(step, values)
		var uploads []applications.Upload
		for _, f := range step.Fields {
			if ans, ok := recordsAnswers[f.Name]; ok && post.Get(f.Name) == "" {
				post[f.Name] = ans
			}
			if f.Type == forms.TypeFile && len(forms.Files(values[f.Name])) == 0 {
				uploads = append(uploads, applications.Upload{Field: f.Name, Name: "documento-identita.pdf", Data: idDoc})
			}
		}
		next := step.ID
		if i+1 < len(steps) {
			next = steps[i+1].ID
		}
		if _, errs, err := apps.SaveStep(ctx, a, step, post, uploads, next); err != nil {
			return err
		} else if len(errs) > 0 {
			return fmt.Errorf("step %s: %v", step.ID, errs)
		}
	}
}

// identityPDF is the stand-in identity document the demo citizens attach.
func identityPDF() ([]byte, error) {
	d := pdfdoc.New(pdfdoc.Options{Issuer: "Piazza (demo)", Title: "Documento d'identità (esempio)"})
	d.Paragraph("Documento di prova allegato dalle pratiche dimostrative: non è un documento reale.")
	return d.Bytes()
}

// loadApplications gives each demo comune its demo applications, worked by the
// comune's operator. It runs after the loader's transaction has committed.
func loadApplications(ctx context.Context, d Deps) error {
	if d.Applications == nil {
		return nil
	}
	accs, err := d.Store.Accounts(ctx)
	if err != nil {
		return err
	}
	byEmail := map[string]accounts.Account{}
	for _, a := range accs {
		byEmail[a.Email] = a
	}
	for _, c := range comuni() {
		t, err := d.Tenants.BySlug(ctx, c.tenant.Slug)
		if err != nil {
			return err
		}
		o := applications.Officer{Name: "Ufficio relazioni con il pubblico", Admin: true}
		for _, s := range Staff {
			if s.Tenant == t.Slug && s.Roles[0] == accounts.RoleOperator {
				a := byEmail[s.Email]
				o.AccountID, o.Name = a.ID, a.Name
			}
		}
		if err := LoadApplications(ctx, d.Applications, d.Accounts, t.ID, t.Name, o); err != nil {
			return err
		}
	}
	return nil
}
