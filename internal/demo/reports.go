package demo

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"
	"time"

	"piazza/internal/reports"
)

// The demo comuni's reports (segnalazioni): eight categories routed to the
// technical office, the local police or the front desk, and 170 reports per comune
// over the last five months around the comune's centre, in every state, with
// answers, internal notes and (one in eight) a photo. They are filed and moved
// through the real use cases with a clock set to each moment; the loader runs before
// the web server exists, so no email is written.

type demoCategory struct {
	code, name, nameEN, group, role string
	subjects                        []string
}

var demoCategories = []demoCategory{
	{"buche-stradali", "Buche e strade dissestate", "Potholes and damaged roads", "Strade", "tecnico",
		[]string{"Buca profonda sulla carreggiata", "Asfalto sollevato dalle radici", "Tombino sprofondato", "Marciapiede dissestato"}},
	{"illuminazione", "Illuminazione pubblica", "Street lighting", "Strade", "tecnico",
		[]string{"Lampione spento", "Lampione che lampeggia", "Via al buio da giorni", "Palo della luce inclinato"}},
	{"segnaletica", "Segnaletica stradale", "Road signs", "Strade", "polizia",
		[]string{"Cartello di stop abbattuto", "Strisce pedonali cancellate", "Semaforo guasto", "Segnale coperto dai rami"}},
	{"rifiuti", "Rifiuti abbandonati", "Dumped rubbish", "Ambiente", "urp",
		[]string{"Sacchi abbandonati accanto ai cassonetti", "Ingombranti lasciati sul marciapiede", "Cestino pieno da una settimana", "Rifiuti nel fosso"}},
	{"verde", "Verde pubblico e alberi", "Parks and trees", "Ambiente", "tecnico",
		[]string{"Ramo pericolante", "Erba alta nell'aiuola", "Siepe che invade il marciapiede", "Albero caduto dopo il temporale"}},
	{"veicoli-abbandonati", "Veicoli abbandonati", "Abandoned vehicles", "Sicurezza", "polizia",
		[]string{"Auto senza targa ferma da mesi", "Motorino abbandonato", "Rimorchio lasciato sul parcheggio"}},
	{"arredo-urbano", "Arredo urbano e giochi", "Street furniture and playgrounds", "Strade", "tecnico",
		[]string{"Panchina rotta", "Altalena danneggiata", "Fontanella che perde acqua", "Rastrelliera divelta"}},
	{"barriere", "Barriere architettoniche", "Accessibility barriers", "Accessibilità", "tecnico",
		[]string{"Scivolo del marciapiede bloccato", "Auto sempre sul posto disabili", "Gradino senza rampa all'ingresso"}},
}

// demoReportsPerComune is how many reports each comune gets.
const demoReportsPerComune = 170

var demoReportAnswers = map[reports.Status][]string{
	reports.Acknowledged: {"Abbiamo preso in carico la segnalazione, grazie.", "Segnalazione ricevuta: un tecnico farà un sopralluogo."},
	reports.InProgress:   {"L'intervento è in programma questa settimana.", "La squadra è al lavoro."},
	reports.Fixed:        {"Intervento eseguito: il problema è risolto.", "Riparazione completata, grazie per la segnalazione."},
}

var demoClosings = map[reports.CloseReason]string{
	reports.NotCompetent: "La strada è provinciale: abbiamo indicato la Provincia come ente competente.",
	reports.Duplicate:    "Il problema era già stato segnalato e risulta in lavorazione.",
	reports.NoAction:     "Dal sopralluogo non è emerso nessun problema da risolvere.",
	reports.Forwarded:    "Segnalazione inoltrata al gestore del servizio idrico.",
}

var demoReporters = [][3]string{
	{"Lucia Ferri", "lucia.ferri@example.it", "+39 340 1112233"},
	{"Marco Galli", "marco.galli@example.it", ""},
	{"Sara Conti", "sara.conti@example.it", "+39 333 4445566"},
	{"Paolo Ricci", "paolo.ricci@example.it", ""},
	{"Giulia Marino", "giulia.marino@example.it", "+39 347 7778899"},
}

// demoPhoto is a small generated picture (a grey road with a dark patch).
func demoPhoto(rng *rand.Rand) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 480, 360))
	cx, cy, r := 120+rng.IntN(240), 90+rng.IntN(180), 30+rng.IntN(50)
	for y := 0; y < 360; y++ {
		for x := 0; x < 480; x++ {
			c := color.RGBA{110, 110, 115, 255}
			if (x-cx)*(x-cx)+(y-cy)*(y-cy) < r*r {
				c = color.RGBA{45, 40, 38, 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	var b bytes.Buffer
	jpeg.Encode(&b, img, &jpeg.Options{Quality: 70})
	return b.Bytes()
}

// loadReports gives each demo comune its categories and reports.
func loadReports(ctx context.Context, d Deps) error {
	if d.Reports == nil {
		return nil
	}
	now := time.Now().UTC()
	for _, c := range comuni() {
		t, err := d.Tenants.BySlug(ctx, c.tenant.Slug)
		if err != nil {
			return err
		}
		offices, err := d.Accounts.Offices(ctx, t.ID)
		if err != nil {
			return err
		}
		officeID := map[string]int64{}
		for _, o := range offices {
			officeID[o.Name] = o.ID
		}
		var cats []reports.Category
		for i, dc := range demoCategories {
			id, ok := officeID[officeRoles[t.Slug][dc.role]]
			if !ok {
				return fmt.Errorf("demo reports: no office for %s", dc.role)
			}
			cat := reports.Category{TenantID: t.ID, Code: dc.code, Name: dc.name, NameEN: dc.nameEN, Group: dc.group,
				OfficeID: id, Active: true, Position: i}
			if err := d.Reports.SaveCategory(ctx, &cat); err != nil {
				return fmt.Errorf("demo category %s: %w", dc.code, err)
			}
			cats = append(cats, cat)
		}
		rng := rand.New(rand.NewPCG(uint64(t.ID), 311))
		centre, streets := demoCentre[t.Slug], demoStreets[t.Slug]
		for i := 0; i < demoReportsPerComune; i++ {
			k := rng.IntN(len(cats))
			dc := demoCategories[k]
			at := now.Add(-time.Duration(rng.IntN(150*24*60)) * time.Minute)
			clock := at
			svc := d.Reports.WithClock(func() time.Time { return clock })
			who := demoReporters[rng.IntN(len(demoReporters))]
			street := streets[rng.IntN(len(streets))]
			req := reports.Request{TenantID: t.ID, CategoryID: cats[k].ID, Subject: dc.subjects[rng.IntN(len(dc.subjects))],
				Description: fmt.Sprintf("Segnalo il problema in %s, all'altezza del civico %d. È così da qualche giorno.", street, 1+rng.IntN(80)),
				Name:        who[0], Email: who[1], Phone: who[2], Source: "demo", Lang: "it"}
			// Most reports carry a pin within about 1.5 km of the centre; some only an address.
			if i%6 != 5 {
				req.Point = reports.Point{Lat: centre[0] + (rng.Float64()-0.5)*0.027, Lon: centre[1] + (rng.Float64()-0.5)*0.038}
			}
			if i%6 != 0 {
				req.Address = fmt.Sprintf("%s %d", street, 1+rng.IntN(80))
			}
			if i%8 == 0 {
				req.Photos = []reports.PhotoUpload{{Name: "foto.jpg", Data: demoPhoto(rng)}}
			}
			r, err := svc.Submit(ctx, &req)
			if err != nil {
				return fmt.Errorf("demo report: %w", err)
			}
			// The older the report, the further it went: fresh ones wait, old ones are
			// fixed or closed.
			age := now.Sub(at)
			var path []reports.Change
			switch roll := rng.IntN(10); {
			case age < 2*24*time.Hour || roll == 0:
			case age < 10*24*time.Hour || roll == 1:
				path = []reports.Change{{Status: reports.Acknowledged}}
			case age < 30*24*time.Hour || roll == 2:
				path = []reports.Change{{Status: reports.Acknowledged}, {Body: "Sopralluogo fissato.", Public: false}, {Status: reports.InProgress}}
			case roll < 8:
				path = []reports.Change{{Status: reports.Acknowledged}, {Status: reports.InProgress}, {Status: reports.Fixed}}
			default:
				reason := reports.CloseReasons[rng.IntN(len(reports.CloseReasons))]
				path = []reports.Change{{Status: reports.Closed, CloseReason: reason, Body: demoClosings[reason]}}
			}
			for _, ch := range path {
				clock = clock.Add(time.Duration(2+rng.IntN(70)) * time.Hour)
				if clock.After(now) {
					break
				}
				ch.TenantID, ch.ReportID = t.ID, r.ID
				if ch.Body == "" {
					answers := demoReportAnswers[ch.Status]
					ch.Body = answers[rng.IntN(len(answers))]
				}
				if ch.Status != "" {
					ch.Public = true
				}
				if _, err := svc.Apply(ctx, ch); err != nil {
					return fmt.Errorf("demo report %s: %w", r.Code, err)
				}
			}
		}
	}
	return nil
}
