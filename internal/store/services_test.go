package store_test

import (
	"testing"
	"time"

	"piazza/internal/apperr"
	"piazza/internal/services"
	"piazza/internal/store"
)

// testCard is a complete, valid card of a tenant under an office.
func testCard(tenantID, officeID int64, slug string) services.Card {
	c := services.Card{
		TenantID: tenantID, Slug: slug, Title: "Iscrizione alla mensa scolastica " + slug,
		Summary: "Iscrivere i figli al servizio di refezione.", Status: services.StatusActive,
		Category: "educazione-e-formazione", Topics: []string{"istruzione"}, Audiences: []services.Audience{services.AudienceCitizens},
		WhoFor: "Genitori residenti", HowTo: "Compila il modulo online", Needed: "ISEE in corso di validità",
		Outcome: "L'iscrizione al servizio", Timing: "Entro 30 giorni", Access: "Con SPID o CIE",
		Conditions: "Regolamento del servizio", OfficeID: officeID, MaxResponseDays: 30,
		Channel: services.ChannelOnline, FormKey: "mensa-scolastica", AuthLevel: services.AuthSPID,
	}
	c.Normalize()
	return c
}

func mustCard(t *testing.T, db *store.DB, c services.Card) services.Card {
	t.Helper()
	if err := db.CreateCard(ctx, &c); err != nil {
		t.Fatalf("create card: %v", err)
	}
	return c
}

func TestCardsRoundTrip(t *testing.T) {
	w := newWorld(t)
	c := testCard(w.a, w.officeA.ID, "mensa")
	c.Topics = []string{"istruzione", "famiglia"}
	c.Audiences = []services.Audience{services.AudienceCitizens, services.AudienceBusinesses}
	c.Status, c.StatusReason, c.AvailableOn = services.StatusScheduled, "Apre a settembre", time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	c.Business, c.AllowsWithdrawal, c.MaxUploadMB = true, true, 15
	c = mustCard(t, w.db, c)
	got, err := w.db.Card(ctx, w.a, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != c.Title || len(got.Topics) != 2 || got.Topics[1] != "famiglia" || len(got.Audiences) != 2 ||
		!got.AvailableOn.Equal(c.AvailableOn) || !got.Business || !got.AllowsWithdrawal || got.MaxUploadMB != 15 ||
		got.FormKey != "mensa-scolastica" || got.Published {
		t.Fatalf("round trip: %+v", got)
	}
	// A second card with the same slug in the same tenant conflicts.
	dup := testCard(w.a, w.officeA.ID, "mensa")
	if err := w.db.CreateCard(ctx, &dup); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("duplicate slug: %v", err)
	}
	// An office of another tenant is refused.
	other := testCard(w.a, w.officeB.ID, "altro")
	if err := w.db.CreateCard(ctx, &other); !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("office of another tenant: %v", err)
	}
	if err := w.db.SetCardPublished(ctx, w.a, c.ID, true, time.Now()); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		q    services.Query
		want int
	}{
		{services.Query{Published: true}, 1},
		{services.Query{Published: true, Category: "educazione-e-formazione"}, 1},
		{services.Query{Category: "turismo"}, 0},
		{services.Query{Topic: "famiglia"}, 1},
		{services.Query{Topic: "famiglia-e-figli"}, 0},
		{services.Query{Text: "MENSA scolastica"}, 1},
		{services.Query{Text: "mensa 50%_"}, 0},
	} {
		list, err := w.db.Cards(ctx, w.a, tc.q)
		if err != nil || len(list) != tc.want {
			t.Errorf("Cards(%+v) = %d cards, %v; want %d", tc.q, len(list), err, tc.want)
		}
	}
	counts, _ := w.db.CardCounts(ctx, w.a, true)
	if counts["educazione-e-formazione"] != 1 {
		t.Fatalf("counts: %v", counts)
	}
	if _, err := w.db.CardByForm(ctx, w.a, "mensa-scolastica"); err != nil {
		t.Fatal(err)
	}
	if err := w.db.DeleteCard(ctx, w.a, c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.db.Card(ctx, w.a, c.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("deleted card: %v", err)
	}
}

func TestTemplatesRoundTrip(t *testing.T) {
	w := newWorld(t)
	c := testCard(w.a, w.officeA.ID, "mensa")
	tpl := services.Template{Card: c, FormJSON: []byte(`{"key":"mensa-scolastica"}`), Note: "L. 241/1990", SourceTenant: w.a, PublishedAt: time.Now()}
	if err := w.db.CreateTemplate(ctx, &tpl); err != nil {
		t.Fatal(err)
	}
	got, err := w.db.Template(ctx, tpl.ID)
	if err != nil || got.Card.Title != c.Title || string(got.FormJSON) != `{"key":"mensa-scolastica"}` || got.Adoptions != 0 {
		t.Fatalf("template: %+v %v", got, err)
	}
	adopted := testCard(w.b, w.officeB.ID, "mensa")
	adopted.TemplateID = tpl.ID
	mustCard(t, w.db, adopted)
	got, _ = w.db.Template(ctx, tpl.ID)
	if got.Adoptions != 1 {
		t.Fatalf("adoptions = %d", got.Adoptions)
	}
	if err := w.db.WithdrawTemplate(ctx, tpl.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	if list, _ := w.db.Templates(ctx, false); len(list) != 0 {
		t.Fatalf("withdrawn template listed: %d", len(list))
	}
	if list, _ := w.db.Templates(ctx, true); len(list) != 1 {
		t.Fatalf("all templates: %d", len(list))
	}
}
