package app

import (
	"context"
	"testing"
	"time"

	"piazza/internal/apperr"
	"piazza/internal/audit"
	"piazza/internal/services"
	"piazza/internal/store/storetest"
)

func TestServiceCards(t *testing.T) {
	ctx := audit.WithActor(context.Background(), audit.Actor{Kind: audit.ActorSystem, Label: "test"})
	db := storetest.Open(t)
	tn := storetest.MustCreateTenant(t, db, "alfa")
	office := storetest.MustCreateOffice(t, db, tn.ID, "Scuola")
	svc := services.New(db, db, nil, db, nil)
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	save := func(slug string, edit func(*services.Card), publish bool) {
		c := services.Card{TenantID: tn.ID, Slug: slug, Title: "Servizio " + slug, Summary: "Breve descrizione", Status: services.StatusActive,
			Category: "educazione-e-formazione", Topics: []string{"istruzione"}, Audiences: []services.Audience{services.AudienceCitizens},
			WhoFor: "Genitori", HowTo: "Online", Needed: "ISEE", Outcome: "Iscrizione", Timing: "30 giorni", Access: "SPID o CIE",
			Conditions: "Regolamento", OfficeID: office.ID, MaxResponseDays: 30, Channel: services.ChannelOnline, FormKey: "mensa", MaxUploadMB: 5,
			AllowsWithdrawal: true}
		edit(&c)
		if err := svc.Save(ctx, &c); err != nil {
			t.Fatal(err)
		}
		if publish {
			if err := svc.SetPublished(ctx, tn.ID, c.ID, true); err != nil {
				t.Fatal(err)
			}
		}
	}
	save("mensa", func(*services.Card) {}, true)
	save("bozza", func(*services.Card) {}, false)
	save("sospeso", func(c *services.Card) { c.Status, c.StatusReason = services.StatusSuspended, "Chiuso per ferie" }, true)
	save("futuro", func(c *services.Card) {
		c.Status, c.StatusReason, c.AvailableOn = services.StatusScheduled, "Apre a dicembre", now.AddDate(0, 1, 0)
	}, true)
	save("sportello", func(c *services.Card) { c.Channel = services.ChannelInPerson }, true)
	cards := ServiceCards{Services: svc, Now: func() time.Time { return now }}
	got, err := cards.Card(ctx, tn.ID, "mensa")
	if err != nil || got.FormKey != "mensa" || got.OfficeID != office.ID || got.MaxTotalBytes != 5<<20 || !got.AllowsWithdrawal || got.AuthLevel != "spid2" {
		t.Fatalf("card: %+v, %v", got, err)
	}
	for _, slug := range []string{"bozza", "sospeso", "futuro", "sportello", "nessuno", "../x"} {
		if _, err := cards.Card(ctx, tn.ID, slug); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("%s: %v", slug, err)
		}
	}
}
