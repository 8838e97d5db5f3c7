package web

import (
	"context"
	"strings"
	"testing"

	"piazza/internal/accounts"
	"piazza/internal/mail"
	"piazza/internal/session"
	"piazza/internal/store/storetest"
)

func TestOutboxPages(t *testing.T) {
	ob, err := mail.NewOutbox(t.TempDir(), "Comune <noreply@piazza.example>")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ob.Send(ctx, mail.Message{To: []string{"Mario.Rossi@cittadini.example"}, Subject: "Pratica ricevuta", Text: "Protocollo n. 0000001/2026"})
	ob.Send(ctx, mail.Message{To: []string{"giulia@cittadini.example"}, Subject: "Messaggio per Giulia", Text: "Riservato"})
	list, _ := ob.List(10)
	giulias := list[0].Name

	for _, demo := range []bool{true, false} {
		h := newHarness(t, func(d *Deps) { d.Outbox = ob; d.Demo = demo })
		mario := storetest.MustCreateCitizen(t, h.db, h.borgo.ID, "RSSMRA80A01H501U", "Mario", "Rossi")
		h.db.UpdateCitizenProfile(ctx, h.borgo.ID, mario.ID, accounts.Profile{Email: "mario.rossi@cittadini.example", Language: "it", NotifyEmail: true})
		c := h.client(borgo)
		c.signIn(session.Citizen, 0, mario.ID)
		r := c.get("/area-personale/posta")
		if !demo {
			if r.StatusCode != 404 {
				t.Fatalf("citizen mailbox outside the demo: %d", r.StatusCode)
			}
			continue
		}
		if r.StatusCode != 200 || !strings.Contains(r.Body, "Pratica ricevuta") || strings.Contains(r.Body, "Messaggio per Giulia") {
			t.Fatalf("mailbox: %d", r.StatusCode)
		}
		if cc := r.Header.Get("Cache-Control"); cc != "private, no-store" {
			t.Fatalf("mailbox cached: %q", cc)
		}
		// Another citizen's message is not found, whatever its name.
		if r := c.get("/area-personale/posta/" + giulias); r.StatusCode != 404 {
			t.Fatalf("another citizen's message: %d", r.StatusCode)
		}
		if r := c.get("/area-personale/posta/..%2f..%2fpiazza.db"); r.StatusCode != 404 {
			t.Fatalf("path traversal: %d", r.StatusCode)
		}
		// The operator sees everything; staff of a comune do not.
		op := h.platformOperator()
		if r := op.get("/posta-inviata"); r.StatusCode != 200 || !strings.Contains(r.Body, "Messaggio per Giulia") || !strings.Contains(r.Body, "Pratica ricevuta") {
			t.Fatalf("operator outbox: %d", r.StatusCode)
		}
		if r := op.get("/posta-inviata/" + giulias); r.StatusCode != 200 || !strings.Contains(r.Body, "Riservato") {
			t.Fatalf("operator message: %d", r.StatusCode)
		}
		if r := h.client(platformTestHost).get("/posta-inviata"); r.StatusCode == 200 {
			t.Fatal("outbox open to anonymous visitors")
		}
	}
}
