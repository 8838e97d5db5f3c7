package store_test

import (
	"context"
	"testing"
	"time"

	"piazza/internal/apperr"
	"piazza/internal/content"
	"piazza/internal/store"
	"piazza/internal/store/storetest"
)

// The migration that adds the Amministrazione kinds rebuilds content_items on
// SQLite: the items and their revisions must come through it unchanged.
func TestSiteMigrationKeepsContent(t *testing.T) {
	ctx := context.Background()
	opts := store.Options{DataDir: t.TempDir(), MaxConns: 4}
	if base := storetest.PostgresURL(); base != "" {
		opts.URL = storetest.NewSchema(t, base)
	}
	db, err := store.Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := store.MigrateExcept(db, ctx, "0009_site"); err != nil {
		t.Fatal(err)
	}
	tn := storetest.MustCreateTenant(t, db, "borgo")
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	place := testPlace(tn.ID, "biblioteca")
	ev := testEvent(tn.ID, "festa", at.AddDate(0, 1, 0), "")
	for _, it := range []*content.Item{&place, &ev} {
		if it.Kind == content.KindEvent {
			it.Event.PlaceID = place.ID
		}
		it.Normalize()
		it.Status, it.PublishAt, it.Revision = content.StatusPublished, at, 1
		if err := db.CreateItem(ctx, it, it.LastEnd()); err != nil {
			t.Fatal(err)
		}
		if err := db.AddRevision(ctx, content.Revision{TenantID: tn.ID, ItemID: it.ID, Number: 1, Item: *it, Author: "t", Action: "create", CreatedAt: at}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	got, err := db.Item(ctx, tn.ID, ev.ID)
	if err != nil || got.Title != ev.Title || got.Event.PlaceID != place.ID {
		t.Fatalf("event after migration: %+v, %v", got, err)
	}
	revs, err := db.Revisions(ctx, tn.ID, place.ID)
	if err != nil || len(revs) != 1 || revs[0].Item.Title != place.Title {
		t.Fatalf("revisions after migration: %+v, %v", revs, err)
	}
	// Revisions are still immutable, still go with their item, and the place is
	// still protected while an event takes place there.
	if err := store.ExecForTest(db, ctx, "UPDATE content_revisions SET author = 'x'"); err == nil {
		t.Fatal("revision updated after migration")
	}
	if err := db.DeleteItem(ctx, tn.ID, place.ID); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("place in use deleted: %v", err)
	}
	if err := db.DeleteItem(ctx, tn.ID, ev.ID); err != nil {
		t.Fatal(err)
	}
	if revs, _ := db.Revisions(ctx, tn.ID, ev.ID); len(revs) != 0 {
		t.Fatal("revisions outlived their item")
	}
	// The new kinds are accepted.
	person := testPerson(tn.ID, "mario-rossi", 0)
	person.Normalize()
	person.Revision = 1
	if err := db.CreateItem(ctx, &person, time.Time{}); err != nil {
		t.Fatal(err)
	}
}

func testPerson(tenantID int64, slug string, officeID int64) content.Item {
	return content.Item{TenantID: tenantID, Kind: content.KindPerson, Slug: slug, Title: "Mario Rossi",
		Summary: "Sindaco dal 2024", Topics: []string{"comunicazione-politica"},
		Person: content.Person{Section: "politici", Role: "Sindaco", OfficeID: officeID, Email: "sindaco@comune.example.it"}}
}

func testDocument(tenantID int64, slug string, date time.Time, officeID int64) content.Item {
	return content.Item{TenantID: tenantID, Kind: content.KindDocument, Slug: slug, Title: "Regolamento " + slug,
		Summary: "Il regolamento comunale", Topics: []string{"trasparenza-amministrativa"},
		Document: content.Document{Type: "atti-normativi", Date: date, Protocol: "n. 12 del 02/01/2026", OfficeID: officeID}}
}

// People, bodies and documents go through the content workflow: their fields
// survive a save, their references are checked within the tenant, lists filter
// by type and order documents by date.
func TestContentAdministration(t *testing.T) {
	clock := &testClock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	db := storetest.OpenWith(t, clock.now)
	svc := newContent(t, db, clock)
	a := storetest.MustCreateTenant(t, db, "borgo")
	b := storetest.MustCreateTenant(t, db, "valle")
	officeA := storetest.MustCreateOffice(t, db, a.ID, "Segreteria")
	officeB := storetest.MustCreateOffice(t, db, b.ID, "Segreteria")

	giunta := mustSave(t, svc, content.Item{TenantID: a.ID, Kind: content.KindOrganisation, Title: "Giunta comunale",
		Summary: "L'organo esecutivo del Comune", Topics: []string{"comunicazione-politica"},
		Org: content.Organisation{Type: "organi-di-governo", Address: "Piazza del Comune 1", Email: "giunta@comune.example.it"}})
	p := testPerson(a.ID, "mario-rossi", officeA.ID)
	p.Person.OrganisationID = giunta.ID
	p = mustSave(t, svc, p)
	got, err := svc.Item(ctx, a.ID, p.ID)
	if err != nil || got.Person != p.Person || got.URL() != "/amministrazione/politici/mario-rossi" {
		t.Fatalf("person: %+v, %v", got.Person, err)
	}
	if g, _ := svc.Item(ctx, a.ID, giunta.ID); g.Org != giunta.Org || g.URL() != "/amministrazione/organi-di-governo/giunta-comunale" {
		t.Fatalf("body: %+v", g.Org)
	}

	// Another tenant's office or body is refused on its field.
	for _, c := range []struct {
		name  string
		edit  func(*content.Item)
		field string
	}{
		{"other tenant's office", func(it *content.Item) { it.Person.OfficeID = officeB.ID }, "office_id"},
		{"missing office", func(it *content.Item) { it.Person.OfficeID = 999999 }, "office_id"},
		{"a place as body", func(it *content.Item) {
			pl := mustSave(t, svc, testPlace(a.ID, "sala"))
			it.Person.OrganisationID = pl.ID
		}, "organisation_id"},
		{"no section", func(it *content.Item) { it.Person.Section = "giunta" }, "section"},
		{"no role", func(it *content.Item) { it.Person.Role = "" }, "role"},
	} {
		it := testPerson(a.ID, "altra-persona", 0)
		c.edit(&it)
		err := svc.Save(ctx, &it)
		if e := apperr.As(err); e == nil || len(e.Fields) == 0 || e.Fields[0].Field != c.field {
			t.Errorf("%s: %v", c.name, err)
		}
	}

	d1 := mustSave(t, svc, testDocument(a.ID, "vecchio", time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC), officeA.ID))
	d2 := mustSave(t, svc, testDocument(a.ID, "nuovo", time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), 0))
	d3 := testDocument(a.ID, "modulo", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), 0)
	d3.Document.Type = "modulistica"
	d3 = mustSave(t, svc, d3)
	for _, it := range []content.Item{d1, d2, d3, p, giunta} {
		if _, err := svc.Publish(ctx, a.ID, it.ID, time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	if g, _ := svc.Item(ctx, a.ID, d1.ID); !g.Document.Date.Equal(d1.Document.Date) || g.Document.Protocol != d1.Document.Protocol || g.Document.OfficeID != officeA.ID {
		t.Fatalf("document: %+v", g.Document)
	}
	list, err := svc.List(ctx, a.ID, content.Query{Kind: content.KindDocument, Public: true})
	if err != nil || len(list.Items) != 3 || list.Items[0].Slug != "nuovo" || list.Items[2].Slug != "vecchio" {
		t.Fatalf("documents by date: %+v, %v", list.Items, err)
	}
	list, _ = svc.List(ctx, a.ID, content.Query{Kind: content.KindDocument, Type: "modulistica", Public: true})
	if len(list.Items) != 1 || list.Items[0].Slug != "modulo" {
		t.Fatalf("documents of a type: %+v", list.Items)
	}
	list, _ = svc.List(ctx, a.ID, content.Query{Kind: content.KindPerson, Type: "personale-amministrativo", Public: true})
	if len(list.Items) != 0 {
		t.Fatalf("politicians listed as staff: %+v", list.Items)
	}
	// Nothing of A is seen from B.
	if list, _ := svc.List(ctx, b.ID, content.Query{Kind: content.KindPerson, Public: true}); list.Total != 0 {
		t.Fatalf("B sees A's people: %+v", list.Items)
	}
	if _, err := svc.PublicItem(ctx, b.ID, content.KindPerson, "mario-rossi"); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("B finds A's person: %v", err)
	}
}
