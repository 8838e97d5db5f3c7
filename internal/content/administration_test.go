package content

import (
	"slices"
	"testing"
	"time"
)

// FuzzAdministrationItem feeds arbitrary editor input to the new kinds: Normalize
// and Validate never panic, an accepted item has only its kind's fields, a type
// of its kind's list and a URL under its section, and normalising again changes
// nothing.
func FuzzAdministrationItem(f *testing.F) {
	f.Add("person", "politici", "Mario Rossi", "Sindaco", "sindaco@example.it", "0382 123456", "", int64(3), int64(0))
	f.Add("organisation", "organi-di-governo", "Giunta comunale", "", "giunta@example.it", "", "https://example.it", int64(0), int64(0))
	f.Add("document", "atti-normativi", "Statuto", "n. 1 del 02/01/2026", "", "", "", int64(2), int64(1700000000))
	f.Add("faq", "", "Come pago la TARI?", "", "", "", "", int64(0), int64(0))
	f.Add("person", "../../etc", "<script>", "\x00\n", "x@", "+39", "javascript:alert(1)", int64(-1), int64(-5))
	f.Fuzz(func(t *testing.T, kind, typ, title, text, email, phone, web string, ref, unix int64) {
		it := Item{TenantID: 1, Kind: Kind(kind), Title: title, Summary: "Un sommario", Topics: []string{"bilancio"}}
		it.SetType(typ)
		it.Person.Role, it.Person.Email, it.Person.Phone, it.Person.OfficeID, it.Person.OrganisationID = text, email, phone, ref, ref
		it.Org.Address, it.Org.Email, it.Org.Phone, it.Org.Website = text, email, phone, web
		it.Document.Protocol, it.Document.OfficeID, it.Document.Date = text, ref, time.Unix(unix, 0).UTC()
		it.Place.Address, it.Event.Venue = text, text // other kinds' fields are dropped
		it.Normalize()
		if err := it.Validate(); err != nil {
			return
		}
		if it.Place != (Place{}) || it.Event != (Event{}) {
			t.Fatalf("%s kept another kind's fields", it.Kind)
		}
		switch it.Kind {
		case KindPerson:
			if !slices.Contains(PersonSections, it.Type()) || it.Org != (Organisation{}) || it.Document != (Document{}) {
				t.Fatalf("person: %+v", it)
			}
		case KindOrganisation:
			if !slices.Contains(OrganisationTypes, it.Type()) || it.Person != (Person{}) {
				t.Fatalf("body: %+v", it)
			}
		case KindDocument:
			if !slices.Contains(DocumentTypes, it.Type()) || it.Document.OfficeID < 0 {
				t.Fatalf("document: %+v", it)
			}
		}
		if it.Kind == KindPerson || it.Kind == KindOrganisation {
			if u := it.URL(); u != "/amministrazione/"+it.Type()+"/"+it.Slug {
				t.Fatalf("URL %q", u)
			}
		}
		before := it
		it.Normalize()
		if it.Title != before.Title || it.Person != before.Person || it.Org != before.Org || it.Document != before.Document {
			t.Fatal("Normalize is not idempotent")
		}
	})
}
