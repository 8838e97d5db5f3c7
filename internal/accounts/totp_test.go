package accounts_test

import (
	"bytes"
	"image/png"
	"net/url"
	"strings"
	"testing"
	"time"

	"piazza/internal/accounts"
)

// rfcSecret is the SHA-1 seed of RFC 6238, appendix B ("12345678901234567890"), in
// base32.
const rfcSecret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

func TestTOTPCodeMatchesRFC6238(t *testing.T) {
	// The RFC gives 8 digits; a 6-digit code is their last six.
	tests := []struct {
		unix int64
		code string
	}{
		{59, "287082"},
		{1111111109, "081804"},
		{1111111111, "050471"},
		{1234567890, "005924"},
		{2000000000, "279037"},
	}
	for _, tt := range tests {
		got, err := accounts.TOTPCode(rfcSecret, time.Unix(tt.unix, 0))
		if err != nil || got != tt.code {
			t.Errorf("T=%d: got %q (%v), want %q", tt.unix, got, err, tt.code)
		}
	}
}

func TestCheckTOTP(t *testing.T) {
	now := time.Unix(1111111109, 0) // step 37037036, code 081804
	step := now.Unix() / 30
	code := func(at time.Time) string {
		c, err := accounts.TOTPCode(rfcSecret, at)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	tests := []struct {
		name     string
		code     string
		lastStep int64
		ok       bool
		step     int64
	}{
		{"current step", code(now), 0, true, step},
		{"previous step (clock skew)", code(now.Add(-30 * time.Second)), 0, true, step - 1},
		{"next step (clock skew)", code(now.Add(30 * time.Second)), 0, true, step + 1},
		{"two steps old", code(now.Add(-60 * time.Second)), 0, false, 0},
		{"two steps ahead", code(now.Add(60 * time.Second)), 0, false, 0},
		{"replay of the last accepted step", code(now), step, false, 0},
		{"an older step after a newer one", code(now.Add(-30 * time.Second)), step, false, 0},
		{"a later step after the last one", code(now.Add(30 * time.Second)), step, true, step + 1},
		{"current after the previous one", code(now), step - 1, true, step},
		{"wrong code", "000000", 0, false, 0},
		{"five digits", code(now)[:5], 0, false, 0},
		{"seven digits", code(now) + "1", 0, false, 0},
		{"letters", "08I8O4", 0, false, 0},
		{"spaces", " 81804", 0, false, 0},
		{"empty", "", 0, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := accounts.CheckTOTP(rfcSecret, tt.code, tt.lastStep, now)
			if ok != tt.ok || got != tt.step {
				t.Fatalf("got (%d, %v), want (%d, %v)", got, ok, tt.step, tt.ok)
			}
		})
	}
	// A code from another seed does not pass.
	other, _, _, err := accounts.NewTOTPKey("Piazza", "x@example.it")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := accounts.CheckTOTP(other, code(now), 0, now); ok {
		t.Fatal("a code of another seed was accepted")
	}
}

func TestNewTOTPKey(t *testing.T) {
	sec, u, qr, err := accounts.NewTOTPKey("Piazza Comune di Borgo", "mario@borgo.example.it")
	if err != nil {
		t.Fatal(err)
	}
	if len(sec) < 32 || strings.Trim(sec, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") != "" {
		t.Fatalf("secret %q is not base32 of at least 160 bits", sec)
	}
	p, err := url.Parse(u)
	if err != nil || p.Scheme != "otpauth" || p.Host != "totp" {
		t.Fatalf("url %q", u)
	}
	q := p.Query()
	if q.Get("secret") != sec || q.Get("issuer") != "Piazza Comune di Borgo" || q.Get("period") != "30" || q.Get("digits") != "6" {
		t.Fatalf("url parameters %v", q)
	}
	img, err := png.Decode(bytes.NewReader(qr))
	if err != nil || img.Bounds().Dx() != 240 || img.Bounds().Dy() != 240 {
		t.Fatalf("QR image: %v, %v", img.Bounds(), err)
	}
	again, _, _, _ := accounts.NewTOTPKey("Piazza", "mario@borgo.example.it")
	if again == sec {
		t.Fatal("two keys with the same seed")
	}
	now := time.Now()
	c, _ := accounts.TOTPCode(sec, now)
	if _, ok := accounts.CheckTOTP(sec, c, 0, now); !ok {
		t.Fatal("the new key's own code does not check")
	}
}
