package services_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"piazza/internal/apperr"
	"piazza/internal/services"
	"piazza/internal/store/storetest"
)

func valid() services.Card {
	return services.Card{
		TenantID: 1, Title: "Iscrizione alla mensa scolastica", Summary: "Iscrivere i figli alla mensa.", Status: services.StatusActive,
		Category: "educazione-e-formazione", Topics: []string{"istruzione"}, Audiences: []services.Audience{services.AudienceCitizens},
		WhoFor: "Genitori", HowTo: "Online", Needed: "ISEE", Outcome: "Iscrizione", Timing: "30 giorni",
		Access: "SPID o CIE", Conditions: "Regolamento", OfficeID: 1, MaxResponseDays: 30,
		Channel: services.ChannelOnline, FormKey: "mensa-scolastica",
	}
}

func TestCardValidation(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edit  func(*services.Card)
		field string // "" means valid
	}{
		{"valid", func(*services.Card) {}, ""},
		{"slug derived", func(c *services.Card) { c.Slug = "" }, ""},
		{"short title", func(c *services.Card) { c.Title = "ab" }, "title"},
		{"long title", func(c *services.Card) { c.Title = strings.Repeat("mensa ", 40) }, "title"},
		{"no summary", func(c *services.Card) { c.Summary = "" }, "summary"},
		{"bad slug", func(c *services.Card) { c.Slug = "Mensa Scolastica!" }, "slug"},
		{"unknown category", func(c *services.Card) { c.Category = "sport" }, "category"},
		{"no topic", func(c *services.Card) { c.Topics = nil }, "topics"},
		{"unknown topic", func(c *services.Card) { c.Topics = []string{"calcio"} }, "topics"},
		{"no audience", func(c *services.Card) { c.Audiences = nil }, "audiences"},
		{"unknown audience", func(c *services.Card) { c.Audiences = []services.Audience{"aliens"} }, "audiences"},
		{"empty section", func(c *services.Card) { c.Needed = " " }, "needed"},
		{"two-letter section", func(c *services.Card) { c.Conditions = "no" }, "conditions"},
		{"no office", func(c *services.Card) { c.OfficeID = 0 }, "office_id"},
		{"suspended without reason", func(c *services.Card) { c.Status = services.StatusSuspended }, "status_reason"},
		{"suspended with reason", func(c *services.Card) {
			c.Status, c.StatusReason = services.StatusSuspended, "Chiuso per lavori"
		}, ""},
		{"scheduled without date", func(c *services.Card) {
			c.Status, c.StatusReason = services.StatusScheduled, "Apre a settembre"
		}, "available_on"},
		{"unknown status", func(c *services.Card) { c.Status = "maybe" }, "status"},
		{"negative days", func(c *services.Card) { c.MaxResponseDays = -1 }, "max_response_days"},
		{"online without form", func(c *services.Card) { c.FormKey = "" }, "form_key"},
		{"online without identity", func(c *services.Card) { c.AuthLevel = services.AuthNone }, "auth_level"},
		{"unknown channel", func(c *services.Card) { c.Channel = "fax" }, "channel"},
		{"external without URL", func(c *services.Card) { c.Channel = services.ChannelExternal }, "external_url"},
		{"external over http", func(c *services.Card) {
			c.Channel, c.ExternalURL = services.ChannelExternal, "http://example.org"
		}, "external_url"},
		{"external", func(c *services.Card) {
			c.Channel, c.ExternalURL = services.ChannelExternal, "https://www.agenziaentrate.gov.it"
		}, ""},
		{"huge upload limit", func(c *services.Card) { c.MaxUploadMB = 10000 }, "max_upload_mb"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := valid()
			tc.edit(&c)
			c.Normalize()
			err := c.Validate()
			if tc.field == "" {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			e := apperr.As(err)
			if e == nil || e.Kind != apperr.Invalid {
				t.Fatalf("want Invalid on %s, got %v", tc.field, err)
			}
			found := false
			for _, f := range e.Fields {
				found = found || f.Field == tc.field
			}
			if !found {
				t.Fatalf("want an error on %s, got %+v", tc.field, e.Fields)
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	c := valid()
	c.Slug = ""
	c.Title = "  Permesso ZTL  residenti "
	c.Topics = []string{"mobilita-sostenibile", "mobilita-sostenibile"}
	c.Channel, c.ExternalURL = services.ChannelBooking, "https://x.example"
	c.Normalize()
	if c.Slug != "permesso-ztl-residenti" || c.Title != "Permesso ZTL residenti" || len(c.Topics) != 1 || c.ExternalURL != "" || c.FormKey != "" || c.AuthLevel != services.AuthNone {
		t.Fatalf("normalized: %+v", c)
	}
	o := valid()
	o.AuthLevel = ""
	o.Normalize()
	if o.AuthLevel != services.AuthSPID {
		t.Fatalf("online default auth level = %q", o.AuthLevel)
	}
}

func TestUsable(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	c := valid()
	if c.Usable(now) {
		t.Fatal("unpublished card usable")
	}
	c.Published = true
	if !c.Usable(now) {
		t.Fatal("active published card not usable")
	}
	c.Status = services.StatusSuspended
	if c.Usable(now) {
		t.Fatal("suspended card usable")
	}
	c.Status, c.AvailableOn = services.StatusScheduled, now.Add(time.Hour)
	if c.Usable(now) {
		t.Fatal("scheduled card usable before its date")
	}
	if !c.Usable(now.Add(2 * time.Hour)) {
		t.Fatal("scheduled card not usable after its date")
	}
}

func TestNormalizeQuery(t *testing.T) {
	q := services.NormalizeQuery(services.Query{Category: "nope", Topic: "<script>", Text: strings.Repeat("è", 300), Limit: -4})
	if q.Category != "" || q.Topic != "" || len([]rune(q.Text)) != 100 || q.Limit != 500 {
		t.Fatalf("%+v", q)
	}
}

// FuzzCardValidate feeds arbitrary text to every field: validation never panics and
// a card that validates has its invariants.
func FuzzCardValidate(f *testing.F) {
	f.Add("Mensa", "mensa", "educazione-e-formazione", "istruzione", "online", "mensa-scolastica", "https://x.it", 30)
	f.Add("", "", "", "", "", "", "", -1)
	f.Fuzz(func(t *testing.T, title, slug, category, topic, channel, form, url string, days int) {
		c := valid()
		c.Title, c.Slug, c.Category, c.Topics, c.Channel, c.FormKey, c.ExternalURL, c.MaxResponseDays =
			title, slug, category, []string{topic}, services.Channel(channel), form, url, days
		c.Normalize()
		if c.Validate() == nil {
			if len([]rune(c.Title)) < 3 || c.MaxResponseDays < 0 || c.CategoryLabel() == "" || len(c.TopicLabels()) != 1 {
				t.Fatalf("invalid card accepted: %+v", c)
			}
		}
	})
}

// fakeForms keeps definitions in memory, per tenant and key.
type fakeForms map[int64]map[string][]byte

func (f fakeForms) Export(_ context.Context, tenantID int64, key string) ([]byte, error) {
	if d, ok := f[tenantID][key]; ok {
		return d, nil
	}
	return nil, apperr.E(apperr.NotFound, "form.not_found")
}

func (f fakeForms) Adopt(_ context.Context, tenantID int64, key string, def []byte) error {
	if f[tenantID] == nil {
		f[tenantID] = map[string][]byte{}
	}
	f[tenantID][key] = def
	return nil
}

func (f fakeForms) Exists(_ context.Context, tenantID int64, key string) (bool, error) {
	_, ok := f[tenantID][key]
	return ok, nil
}

func TestCatalogueAdoption(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t)
	a := storetest.MustCreateTenant(t, db, "alfa")
	b := storetest.MustCreateTenant(t, db, "beta")
	officeA := storetest.MustCreateOffice(t, db, a.ID, "Scuola")
	officeB := storetest.MustCreateOffice(t, db, b.ID, "Istruzione")
	forms := fakeForms{a.ID: {"mensa-scolastica": []byte(`{"key":"mensa-scolastica"}`)}, b.ID: {"mensa-scolastica": []byte(`{"own":true}`)}}
	svc := services.New(db, db, forms, db, nil)

	c := valid()
	c.TenantID, c.OfficeID = a.ID, officeA.ID
	if err := svc.Save(ctx, &c); err != nil {
		t.Fatal(err)
	}
	// An online card needs a form the tenant has.
	noForm := valid()
	noForm.TenantID, noForm.OfficeID, noForm.Slug, noForm.FormKey = a.ID, officeA.ID, "senza-modulo", "inesistente"
	if err := svc.Save(ctx, &noForm); apperr.As(err) == nil || apperr.As(err).Code != "service.form_key.unknown" {
		t.Fatalf("card with an unknown form: %v", err)
	}
	// An office of another tenant is refused on save.
	bad := valid()
	bad.TenantID, bad.OfficeID, bad.Slug = a.ID, officeB.ID, "altra"
	if err := svc.Save(ctx, &bad); !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("office of another tenant: %v", err)
	}
	tpl, err := svc.PublishTemplate(ctx, a.ID, c.ID, 0, "Modello regionale")
	if err != nil {
		t.Fatal(err)
	}
	if string(tpl.FormJSON) != `{"key":"mensa-scolastica"}` || tpl.Card.OfficeID != 0 || tpl.Card.ID != 0 {
		t.Fatalf("template: %+v", tpl)
	}
	// B already has a card with the slug and a form with the key: both get a suffix.
	own := valid()
	own.TenantID, own.OfficeID = b.ID, officeB.ID
	if err := svc.Save(ctx, &own); err != nil {
		t.Fatal(err)
	}
	got, err := svc.Adopt(ctx, b.ID, tpl.ID, officeB.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.TenantID != b.ID || got.Slug != own.Slug+"-2" || got.FormKey != "mensa-scolastica-2" || got.Published || got.TemplateID != tpl.ID {
		t.Fatalf("adopted card: %+v", got)
	}
	if string(forms[b.ID]["mensa-scolastica-2"]) != `{"key":"mensa-scolastica"}` || string(forms[b.ID]["mensa-scolastica"]) != `{"own":true}` {
		t.Fatalf("forms after adoption: %s", forms[b.ID])
	}
	// The copy is B's own: changing it leaves A's card alone.
	got.Title = "Mensa: iscrizioni 2027"
	if err := svc.Save(ctx, &got); err != nil {
		t.Fatal(err)
	}
	if orig, _ := svc.Card(ctx, a.ID, c.ID); orig.Title != c.Title {
		t.Fatal("adoption linked the copies")
	}
	// Adopting under another tenant's office fails and leaves nothing behind.
	if _, err := svc.Adopt(ctx, b.ID, tpl.ID, officeA.ID); !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("adopt under A's office: %v", err)
	}
	if list, _ := svc.Cards(ctx, b.ID, services.Query{}); len(list) != 2 {
		t.Fatalf("B has %d cards after a failed adoption", len(list))
	}
	if err := svc.WithdrawTemplate(ctx, tpl.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Adopt(ctx, b.ID, tpl.ID, officeB.ID); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("adopt withdrawn: %v", err)
	}
}
