package booking

import (
	"strings"
	"testing"
	"time"
)

func TestEaster(t *testing.T) {
	for year, want := range map[int]string{
		2024: "2024-03-31", 2025: "2025-04-20", 2026: "2026-04-05", 2027: "2027-03-28",
		2019: "2019-04-21", 2038: "2038-04-25", 2000: "2000-04-23",
	} {
		if got := Easter(year).String(); got != want {
			t.Errorf("Easter(%d) = %s, want %s", year, got, want)
		}
	}
}

func TestNationalHolidays(t *testing.T) {
	for day, want := range map[string]string{
		"2026-01-01": "capodanno", "2026-01-06": "epifania", "2026-04-05": "pasqua", "2026-04-06": "pasquetta",
		"2026-04-25": "liberazione", "2026-05-01": "lavoro", "2026-06-02": "repubblica", "2026-08-15": "ferragosto",
		"2026-10-04": "san_francesco", "2026-11-01": "ognissanti", "2026-12-08": "immacolata", "2026-12-25": "natale",
		"2026-12-26": "santo_stefano", "2027-03-29": "pasquetta",
		"2025-10-04": "", "2026-04-07": "", "2026-11-24": "", "2026-03-30": "",
	} {
		d, err := ParseDay(day)
		if err != nil {
			t.Fatal(err)
		}
		if got := NationalHoliday(d); got != want {
			t.Errorf("NationalHoliday(%s) = %q, want %q", day, got, want)
		}
	}
}

func TestParseRanges(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
		ok   bool
	}{
		{"", "", true},
		{"8:30-12:30", "08:30-12:30", true},
		{"14:30-17, 8.30-12", "08:30-12:00, 14:30-17:00", true},
		{"9-13; 15-18", "09:00-13:00, 15:00-18:00", true},
		{"0-24", "00:00-24:00", true},
		{"12-9", "", false},
		{"9-12, 11-13", "", false},
		{"9:5-12", "", false},
		{"25-26", "", false},
		{"24:30-25", "", false},
		{"nove-dodici", "", false},
		{"9-12,", "09:00-12:00", true},
		{"9", "", false},
		{"1-2,3-4,5-6,7-8,9-10,11-12,13-14", "", false},
	} {
		rs, err := ParseRanges(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("ParseRanges(%q) error %v, want ok=%v", tc.in, err, tc.ok)
			continue
		}
		if tc.ok && FormatRanges(rs) != tc.want {
			t.Errorf("ParseRanges(%q) = %q, want %q", tc.in, FormatRanges(rs), tc.want)
		}
	}
}

func TestParseSlot(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"2026-11-24T09:30", true},
		{"2026-11-24T9:30", false},
		{"2026-11-24 09:30", false},
		{"2026-02-30T09:30", false},
		{"2026-11-24T24:00", false},
		{"2026-03-29T02:30", false}, // skipped by daylight saving time in Rome
		{"2026-11-24T09:30Z", false},
		{"+026-11-24T09:30", false},
		{"", false},
	} {
		got, err := ParseSlot(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("ParseSlot(%q) = %v, %v; want ok=%v", tc.in, got, err, tc.ok)
		}
		if err == nil && SlotID(got) != tc.in {
			t.Errorf("SlotID(ParseSlot(%q)) = %q", tc.in, SlotID(got))
		}
	}
}

func TestSlotsOfADay(t *testing.T) {
	c := Calendar{SlotMinutes: 20, Desks: 2}
	c.Hours[time.Tuesday] = []Range{{9 * 60, 10 * 60}, {15 * 60, 15*60 + 50}}
	d, _ := ParseDay("2026-11-24") // a Tuesday
	var got []string
	for _, s := range c.slotsOf(d) {
		got = append(got, s.Start.Format("15:04")+"-"+s.End.Format("15:04"))
		if s.Capacity != 2 || s.Start.Location() != Rome {
			t.Fatalf("slot %+v", s)
		}
	}
	if strings.Join(got, " ") != "09:00-09:20 09:20-09:40 09:40-10:00 15:00-15:20 15:20-15:40" {
		t.Fatalf("slots = %v", got)
	}
	if len(c.slotsOf(d.AddDays(1))) != 0 {
		t.Fatal("Wednesday has no hours")
	}
}

func TestCalendarValidate(t *testing.T) {
	good := Calendar{SlotMinutes: 15, Desks: 2, MaxDaysAhead: 30, Topics: []string{"Carta d'identità"}}
	good.Hours[1] = []Range{{540, 780}}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, mut := range map[string]func(c *Calendar){
		"slot":    func(c *Calendar) { c.SlotMinutes = 2 },
		"desks":   func(c *Calendar) { c.Desks = 0 },
		"window":  func(c *Calendar) { c.MinDaysAhead = 40 },
		"overlap": func(c *Calendar) { c.Hours[2] = []Range{{540, 700}, {600, 800}} },
		"topic":   func(c *Calendar) { c.Topics = []string{"a\nb"} },
	} {
		c := good
		c.Topics = append([]string(nil), good.Topics...)
		mut(&c)
		if c.Validate() == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

type keyMAC struct{ key string }

func (k keyMAC) MAC(purpose string, data []byte) []byte {
	// A deterministic stand-in for secret.Keyring in tests.
	out := make([]byte, 32)
	for i, c := range []byte(k.key + purpose + string(data)) {
		out[i%32] = out[i%32]*31 + c
	}
	return out
}

func TestManageToken(t *testing.T) {
	sg := keyMAC{"k"}
	b := Booking{TenantID: 1, Code: "K7QH-3M9X-2PTA", Nonce: "n1"}
	tok := ManageToken(sg, b)
	if !CheckToken(sg, b, tok) {
		t.Fatal("own token refused")
	}
	other := b
	other.Nonce = "n2"
	if CheckToken(sg, other, tok) {
		t.Fatal("token survived a new nonce")
	}
	other = b
	other.TenantID = 2
	if CheckToken(sg, other, tok) {
		t.Fatal("token valid in another tenant")
	}
	if CheckToken(sg, b, tok+"A") || CheckToken(sg, b, "") || CheckToken(keyMAC{"x"}, b, tok) {
		t.Fatal("forged token accepted")
	}
}

func TestRequestValidate(t *testing.T) {
	good := Request{Slot: "2026-11-24T09:30", Topic: "Carta d'identità", Name: "Mario Rossi", Email: "mario@example.it", Phone: "+39 06 1234567"}
	for _, tc := range []struct {
		field string
		mut   func(r *Request)
	}{
		{"", func(r *Request) {}},
		{"slot", func(r *Request) { r.Slot = "domani" }},
		{"topic", func(r *Request) { r.Topic = "" }},
		{"reason", func(r *Request) { r.Reason = strings.Repeat("x", MaxReason+1) }},
		{"name", func(r *Request) { r.Name = " " }},
		{"email", func(r *Request) { r.Email = "mario@" }},
		{"phone", func(r *Request) { r.Phone = "chiamami" }},
	} {
		r := good
		tc.mut(&r)
		r.Normalize()
		err := r.Validate()
		if tc.field == "" {
			if err != nil {
				t.Errorf("good request refused: %v", err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), "["+tc.field+":") {
			t.Errorf("%s: error %v", tc.field, err)
		}
	}
}

func FuzzParseSlot(f *testing.F) {
	for _, s := range []string{"2026-11-24T09:30", "2026-03-29T02:30", "9999-99-99T99:99", "", "2026-11-24T09:3\u00e0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		at, err := ParseSlot(s)
		if err != nil {
			return
		}
		if SlotID(at) != s {
			t.Fatalf("ParseSlot(%q) round-trips to %q", s, SlotID(at))
		}
	})
}

func FuzzParseRanges(f *testing.F) {
	for _, s := range []string{"8:30-12:30, 14:30-17", "9-13;15-18", "0-24", "12-9", "--", ",,,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		rs, err := ParseRanges(s)
		if err != nil {
			return
		}
		if checkRanges(rs) != "" {
			t.Fatalf("ParseRanges(%q) gave invalid ranges %v", s, rs)
		}
		again, err := ParseRanges(FormatRanges(rs))
		if err != nil || FormatRanges(again) != FormatRanges(rs) {
			t.Fatalf("ParseRanges(%q): format does not round-trip: %v %v", s, again, err)
		}
	})
}

func FuzzRequest(f *testing.F) {
	f.Add("2026-11-24T09:30", "Carta d'identità", "perché sì", "Mario Rossi", "mario@example.it", "+39 06 123456")
	f.Add("x", "", "\x00", "", "@", "abc")
	f.Fuzz(func(t *testing.T, slot, topic, reason, name, email, phone string) {
		r := Request{Slot: slot, Topic: topic, Reason: reason, Name: name, Email: email, Phone: phone}
		r.Normalize()
		if r.Validate() != nil {
			return
		}
		if _, err := ParseSlot(r.Slot); err != nil || r.Name == "" || r.Topic == "" {
			t.Fatalf("accepted %+v", r)
		}
	})
}
