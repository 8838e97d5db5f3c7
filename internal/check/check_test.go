package check

import "testing"

func TestEmail(t *testing.T) {
	tests := map[string]bool{
		"anagrafe@comune.borgofiorito.it": true,
		"a.b+c@example.org":               true,
		"":                                false,
		"no-at.example.org":               false,
		"Mario <m@example.org>":           false,
		"m@localhost":                     false,
		"m@example.org.":                  false,
		"m @example.org":                  false,
	}
	for in, want := range tests {
		if got := Email(in); got != want {
			t.Errorf("Email(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestPhoneURLText(t *testing.T) {
	for in, want := range map[string]bool{"+39 0382 123456": true, "0382/123456": true, "12": false, "call me": false} {
		if Phone(in) != want {
			t.Errorf("Phone(%q) != %v", in, want)
		}
	}
	for in, want := range map[string]bool{"https://form.agid.gov.it/view/x": true, "http://x.it": true, "javascript:alert(1)": false, "//x.it": false, "https://u:p@x.it": false} {
		if WebURL(in) != want {
			t.Errorf("WebURL(%q) != %v", in, want)
		}
	}
	if HTTPSURL("http://x.it") || !HTTPSURL("https://x.it") {
		t.Error("HTTPSURL")
	}
	if Text("ok\x00", 10) || !Text("riga\nriga", 10) || Text("troppo lungo", 3) || Text(string([]byte{0xff}), 10) {
		t.Error("Text")
	}
	if Line("a\nb", 10) || !Line("a b", 10) {
		t.Error("Line")
	}
}

func TestSlugify(t *testing.T) {
	tests := map[string]string{
		"Anagrafe e Stato civile": "anagrafe-e-stato-civile",
		"Ufficio Tributi – IMU":   "ufficio-tributi-imu",
		"Città  più bella!":       "citta-piu-bella",
		"---":                     "",
	}
	for in, want := range tests {
		if got := Slugify(in); got != want || (got != "" && !Slug(got)) {
			t.Errorf("Slugify(%q) = %q, want %q", in, got, want)
		}
	}
}
