package demo

import (
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"piazza/internal/fiscalcode"
	"piazza/internal/forms"
)

// child returns a valid fiscal code for a child born on 15 January of year 20yy.
func child(prefix string, yy string) string {
	s := prefix + yy + "A15H501"
	return s + string(fiscalcode.CheckChar(s))
}

var pdf = []any{map[string]any{"id": "u1", "name": "documento.pdf", "type": "application/pdf", "sha256": "ab", "size": 1000.0}}

// demoAnswers is a complete, valid set of answers for each demo form, written as
// it comes back from JSON storage.
var demoAnswers = map[string]string{
	"mensa-scolastica": `{"given_name": "Giulia", "family_name": "Bianchi", "fiscal_code": "RSSMRA80A01H501U", "email": "giulia@example.it",
		"resident": "yes", "address": {"street": "Via Roma", "number": "3", "postcode": "10095", "municipality": "Borgo Fiorito", "province": "TO"},
		"children": [
			{"given_name": "Luca", "family_name": "Bianchi", "fiscal_code": "CHILD1", "birth_date": "2018-01-15", "school": "primaria-collodi", "class": "3B", "special_diet": "no"},
			{"given_name": "Sara", "family_name": "Bianchi", "fiscal_code": "CHILD2", "birth_date": "2020-01-15", "school": "infanzia-rodari", "class": "A", "special_diet": "yes", "diet": ["celiachia"], "medical_certificate": PDF}
		],
		"has_isee": "yes", "isee": "1234567", "isee_attestation": PDF, "iban": "IT60X0542811101000000123456", "truthful": "yes", "rules": "yes"}`,
	"permesso-ztl": `{"given_name": "Mario", "family_name": "Rossi", "fiscal_code": "RSSMRA80A01H501U", "email": "mario@example.it",
		"plate": "AB123CD", "vehicle_type": "auto", "owner": "yes", "reason": "lavoro", "employer": "Forno Rossi", "employer_vat": "01234567897",
		"valid_from": "2026-12-01", "registration": PDF, "truthful": "yes"}`,
	"contributo-affitto": `{"given_name": "Mario", "family_name": "Rossi", "fiscal_code": "RSSMRA80A01H501U", "email": "mario@example.it",
		"address": {"street": "Corso Italia", "number": "10", "postcode": "10095", "municipality": "Borgo Fiorito", "province": "TO"},
		"members": [{"full_name": "Luca Rossi", "fiscal_code": "CHILD1", "relation": "figlio", "disabled": "no"}],
		"isee": "950000", "monthly_rent": "55000", "lease_registered_on": "2024-03-01", "landlord_name": "Immobiliare Sole srl",
		"lease": PDF, "iban": "IT60X0542811101000000123456", "truthful": "yes", "checks": "yes"}`,
	"accesso-atti": `{"given_name": "Mario", "family_name": "Rossi", "fiscal_code": "RSSMRA80A01H501U", "email": "mario@example.it",
		"capacity": "self", "documents": "Permesso di costruire n. 12/2019 del fabbricato di via Po 4", "access_type": "copy",
		"reason": "Sono confinante e devo verificare le distanze", "delivery": "email", "delivery_email": "mario@example.it",
		"identity_document": PDF, "truthful": "yes"}`,
	"suap-notifica": `{"company_name": "Forno Rossi snc", "vat": "01234567897", "legal_form": "snc",
		"seat": {"street": "Via Garibaldi", "number": "5", "postcode": "10095", "municipality": "Borgo Fiorito", "province": "TO"},
		"pec": "fornorossi@pec.example.it", "rep_given_name": "Mario", "rep_family_name": "Rossi", "rep_fiscal_code": "RSSMRA80A01H501U",
		"rep_role": "Socio amministratore", "activity": "somministrazione",
		"premises": {"street": "Via Garibaldi", "number": "5", "postcode": "10095", "municipality": "Borgo Fiorito", "province": "TO"},
		"area_sqm": "48.5", "start_date": "2027-01-10", "plan": PDF, "legal_rep": "yes", "requirements": "yes"}`,
}

func TestDemoForms(t *testing.T) {
	all := Forms()
	keys := make([]string, 0, len(all))
	for k := range all {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	want := slices.Clone(OnlineServices)
	sort.Strings(want)
	if !slices.Equal(keys, want) {
		t.Fatalf("demo forms %v, want one per online service %v", keys, want)
	}
	pdfJSON, _ := json.Marshal(pdf)
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	for _, key := range keys {
		t.Run(key, func(t *testing.T) {
			d, err := forms.Parse(all[key])
			if err != nil {
				t.Fatal(err)
			}
			d.SetClock(func() time.Time { return now })
			if d.Key != key {
				t.Fatalf("key %q in %s.json", d.Key, key)
			}
			src := strings.NewReplacer("PDF", string(pdfJSON), "CHILD1", child("BNCLCU", "18"), "CHILD2", child("BNCSRA", "20")).Replace(demoAnswers[key])
			var v forms.Values
			if err := json.Unmarshal([]byte(src), &v); err != nil {
				t.Fatal(err)
			}
			if errs := d.Validate(v); len(errs) != 0 {
				t.Fatalf("valid answers rejected: %v", errs)
			}
			if d.Exit(v) != nil {
				t.Fatal("valid answers exit")
			}
			if s := d.Summary(v, "it"); len(s) != len(d.VisibleSteps(v)) {
				t.Fatalf("summary has %d steps, %d visible", len(s), len(d.VisibleSteps(v)))
			}
			// Every step has an English title, and something required is checked.
			for _, s := range d.Steps {
				if s.Title.EN == "" {
					t.Errorf("step %s has no English title", s.ID)
				}
			}
			if errs := d.Validate(forms.Values{}); len(errs) == 0 {
				t.Fatal("empty answers accepted")
			}
			last := d.Steps[len(d.Steps)-1]
			if last.Kind != forms.StepDeclaration {
				t.Fatalf("last step %s is not a declaration", last.ID)
			}
		})
	}
}

func TestDemoCanteenExitAndConditions(t *testing.T) {
	d, err := forms.Parse(Forms()["mensa-scolastica"])
	if err != nil {
		t.Fatal(err)
	}
	if ex := d.Exit(forms.Values{"resident": "no", "school_here": "no"}); ex == nil || ex.ID != "non_ammesso" {
		t.Fatalf("not resident, no school here: exit %v", ex)
	}
	if ex := d.Exit(forms.Values{"resident": "no", "school_here": "yes"}); ex != nil {
		t.Fatal("non-resident pupil of a local school sent away")
	}
	// The ISEE attestation is required only with the reduced fee.
	v := forms.Values{"has_isee": "yes", "isee": "100000"}
	errs := d.Validate(v)
	if errs["isee_attestation"] != "forms.err.required" {
		t.Fatalf("errors %v", errs)
	}
	v = forms.Values{"has_isee": "no", "isee": "100000"}
	if errs := d.Validate(v); errs["isee_attestation"] != "" || errs["isee"] != "" {
		t.Fatalf("errors %v", errs)
	}
	f := d.Prefill(forms.Profile{FiscalCode: "RSSMRA80A01H501U", GivenName: "Mario", FamilyName: "Rossi", Email: "m@example.it"})
	if f["fiscal_code"] != "RSSMRA80A01H501U" || f["given_name"] != "Mario" || f["email"] != "m@example.it" {
		t.Fatalf("prefill %v", f)
	}
}
