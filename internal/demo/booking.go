package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"piazza/internal/accounts"
	"piazza/internal/apperr"
	"piazza/internal/booking"
)

// demoCalendar is the booking calendar of one demo office, by its role.
type demoCalendar struct {
	role   string
	slot   int
	desks  int
	min    int
	max    int
	hours  map[time.Weekday]string
	topics []string
}

var weekdays = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}

func everyWeekday(ranges string) map[time.Weekday]string {
	m := map[time.Weekday]string{}
	for _, d := range weekdays {
		m[d] = ranges
	}
	return m
}

// demoCalendars are the three offices per comune that take bookings.
var demoCalendars = map[string][]demoCalendar{
	"borgofiorito": {
		{role: "anagrafe", slot: 15, desks: 2, min: 0, max: 45,
			hours:  merge(everyWeekday("9:00-12:30"), map[time.Weekday]string{time.Thursday: "9:00-12:30, 14:30-17:30"}),
			topics: []string{"Carta d'identità elettronica", "Certificati anagrafici", "Cambio di residenza", "Stato civile"}},
		{role: "tributi", slot: 20, desks: 1, min: 1, max: 30,
			hours:  map[time.Weekday]string{time.Tuesday: "9:00-12:30", time.Thursday: "9:00-12:30"},
			topics: []string{"IMU – imposta municipale propria", "TARI – tassa sui rifiuti", "Canone unico patrimoniale"}},
		{role: "tecnico", slot: 30, desks: 1, min: 2, max: 60,
			hours:  map[time.Weekday]string{time.Wednesday: "9:00-12:30", time.Friday: "9:00-11:00"},
			topics: []string{"Pratiche edilizie (permessi, SCIA, CILA)", "Certificato di destinazione urbanistica", "Accesso agli atti edilizi"}},
	},
	"marinadiponente": {
		{role: "anagrafe", slot: 15, desks: 2, min: 0, max: 45,
			hours:  merge(everyWeekday("8:30-12:30"), map[time.Weekday]string{time.Tuesday: "8:30-12:30, 15:00-17:00"}),
			topics: []string{"Carta d'identità elettronica", "Certificati anagrafici", "Cambio di residenza", "Iscrizione alle liste elettorali"}},
		{role: "tributi", slot: 20, desks: 1, min: 1, max: 30,
			hours:  map[time.Weekday]string{time.Tuesday: "9:00-12:00, 15:00-17:00"},
			topics: []string{"IMU – imposta municipale propria", "TARI – tassa sui rifiuti", "Imposta di soggiorno"}},
		{role: "turismo", slot: 30, desks: 1, min: 1, max: 60,
			hours:  map[time.Weekday]string{time.Tuesday: "9:00-12:00", time.Thursday: "9:00-12:00"},
			topics: []string{"Concessioni demaniali marittime", "Manifestazioni ed eventi", "Informazioni turistiche"}},
	},
}

// patrons are the comuni's patron saints' days.
var patrons = map[string]booking.Settings{
	"borgofiorito":    {PatronMonth: 6, PatronDay: 24, PatronName: "San Giovanni Battista"},
	"marinadiponente": {PatronMonth: 7, PatronDay: 28, PatronName: "San Nazario"},
}

func merge(a, b map[time.Weekday]string) map[time.Weekday]string {
	for k, v := range b {
		a[k] = v
	}
	return a
}

var demoGiven = []string{"Luca", "Giulia", "Marco", "Francesca", "Alessandro", "Sara", "Davide", "Chiara", "Matteo", "Elena",
	"Stefano", "Valentina", "Paolo", "Martina", "Giorgio", "Silvia", "Andrea", "Federica", "Roberto", "Laura"}
var demoFamily = []string{"Ferrari", "Russo", "Romano", "Colombo", "Ricci", "Marino", "Greco", "Bruno", "Gallo", "Conti",
	"De Luca", "Mancini", "Costa", "Giordano", "Rizzo", "Lombardi", "Moretti", "Barbieri", "Fontana", "Santoro"}

// loadBooking gives each demo comune its patron saint, three offices with booking
// calendars, a closure and bookings over the coming weeks (about a third of the
// places, through the real use case), two of them by the demo citizen Mario Rossi.
// It runs before the web server exists, so no email is written.
func loadBooking(ctx context.Context, d Deps) error {
	if d.Booking == nil {
		return nil
	}
	for _, c := range comuni() {
		t, err := d.Tenants.BySlug(ctx, c.tenant.Slug)
		if err != nil {
			return err
		}
		st := patrons[t.Slug]
		st.TenantID = t.ID
		if err := d.Booking.SaveSettings(ctx, &st); err != nil {
			return err
		}
		offices, err := d.Accounts.Offices(ctx, t.ID)
		if err != nil {
			return err
		}
		byName := map[string]accounts.Office{}
		for _, o := range offices {
			byName[o.Name] = o
		}
		mario, err := d.Accounts.CitizenSignIn(ctx, t.ID, accounts.Identity{FiscalCode: Citizens[0].FiscalCode, GivenName: Citizens[0].GivenName,
			FamilyName: Citizens[0].FamilyName, Email: Citizens[0].Email, Phone: Citizens[0].Phone})
		if err != nil {
			return err
		}
		rng := rand.New(rand.NewPCG(uint64(t.ID), 6))
		for i, dc := range demoCalendars[t.Slug] {
			o, ok := byName[officeRoles[t.Slug][dc.role]]
			if !ok {
				return fmt.Errorf("demo booking: no office for %s", dc.role)
			}
			cal := booking.Calendar{TenantID: t.ID, OfficeID: o.ID, Enabled: true, SlotMinutes: dc.slot, Desks: dc.desks,
				MinDaysAhead: dc.min, MaxDaysAhead: dc.max, Topics: dc.topics}
			for wd, h := range dc.hours {
				if cal.Hours[wd], err = booking.ParseRanges(h); err != nil {
					return fmt.Errorf("demo booking: hours %q: %w", h, err)
				}
			}
			if err := d.Booking.SaveCalendar(ctx, &cal); err != nil {
				return fmt.Errorf("demo calendar %s: %w", o.Name, err)
			}
			if i == 2 {
				// The third office is closed one day in two weeks' time.
				first, _ := d.Booking.Window(cal)
				day := first.AddDays(14)
				for len(cal.Hours[day.Weekday()]) == 0 {
					day = day.AddDays(1)
				}
				if err := d.Booking.CloseDay(ctx, &booking.Closure{TenantID: t.ID, OfficeID: o.ID, Day: day, Reason: "Formazione del personale"}); err != nil {
					return err
				}
			}
			if err := demoBookings(ctx, d.Booking, cal, rng, mario, i); err != nil {
				return fmt.Errorf("demo bookings %s: %w", o.Name, err)
			}
		}
	}
	return nil
}

// demoBookings books about a third of the places of the next four weeks; Mario
// Rossi gets the first free slot of the second week at the first two offices.
func demoBookings(ctx context.Context, svc *booking.Service, cal booking.Calendar, rng *rand.Rand, mario accounts.Citizen, office int) error {
	first, _ := svc.Window(cal)
	days, err := svc.Slots(ctx, cal.TenantID, cal.OfficeID, first, 28)
	if err != nil {
		return err
	}
	marioDone := office >= 2
	for di, day := range days {
		for _, sl := range day.Slots {
			if sl.Free == 0 {
				continue
			}
			if !marioDone && di >= 7 {
				r := booking.Request{TenantID: cal.TenantID, OfficeID: cal.OfficeID, Slot: sl.ID(), Topic: cal.Topics[0],
					Reason: "Rinnovo del documento scaduto.", Name: mario.FullName(), Email: mario.Email, Phone: mario.Phone, CitizenID: mario.ID}
				if office == 1 {
					r.Reason = "Verifica del calcolo dell'acconto."
				}
				if _, err := svc.Book(ctx, r); err != nil {
					return err
				}
				marioDone = true
				continue
			}
			for range sl.Free {
				if rng.IntN(3) != 0 {
					continue
				}
				g, f := demoGiven[rng.IntN(len(demoGiven))], demoFamily[rng.IntN(len(demoFamily))]
				email := strings.ToLower(strings.ReplaceAll(g+"."+f, " ", "")) + "@cittadini.example"
				r := booking.Request{TenantID: cal.TenantID, OfficeID: cal.OfficeID, Slot: sl.ID(), Topic: cal.Topics[rng.IntN(len(cal.Topics))],
					Name: g + " " + f, Email: email}
				if rng.IntN(2) == 0 {
					r.Phone = fmt.Sprintf("+39 3%02d %07d", rng.IntN(100), rng.IntN(10000000))
				}
				if _, err := svc.Book(ctx, r); err != nil && !apperr.Is(err, apperr.Conflict) {
					return err
				}
			}
		}
	}
	return nil
}
