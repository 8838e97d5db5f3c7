package accounts_test

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"

	"piazza/internal/accounts"
	"piazza/internal/apperr"
)

func TestHashAndVerifyPassword(t *testing.T) {
	h1, err := accounts.HashPassword("una frase lunga e segreta")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h1, fmt.Sprintf("$argon2id$v=%d$m=32768,t=2,p=1$", argon2.Version)) {
		t.Fatalf("unexpected PHC string %q", h1)
	}
	h2, _ := accounts.HashPassword("una frase lunga e segreta")
	if h1 == h2 {
		t.Fatal("two hashes of one password are equal: no random salt")
	}
	tests := []struct {
		password    string
		ok, rehash  bool
		description string
	}{
		{"una frase lunga e segreta", true, false, "right password"},
		{"una frase lunga e segreta ", false, false, "trailing space"},
		{"Una frase lunga e segreta", false, false, "case differs"},
		{"", false, false, "empty"},
	}
	for _, tt := range tests {
		ok, rehash := accounts.VerifyPassword(h1, tt.password)
		if ok != tt.ok || rehash != tt.rehash {
			t.Errorf("%s: got (%v, %v), want (%v, %v)", tt.description, ok, rehash, tt.ok, tt.rehash)
		}
	}
}

// phc builds an argon2id PHC string with chosen parameters, as an older version of
// Piazza (or another system) would have stored it.
func phc(password string, m, tm uint32, p uint8, keyLen uint32) string {
	salt := make([]byte, 16)
	rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, tm, m, p, keyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, m, tm, p,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

func TestVerifyPasswordAsksForRehash(t *testing.T) {
	tests := []struct {
		name   string
		hash   string
		rehash bool
	}{
		{"current parameters", phc("pw-di-prova-1", 32*1024, 2, 1, 32), false},
		{"OWASP minimum memory", phc("pw-di-prova-1", 19*1024, 2, 1, 32), true},
		{"more passes", phc("pw-di-prova-1", 32*1024, 3, 1, 32), true},
		{"two lanes", phc("pw-di-prova-1", 32*1024, 2, 2, 32), true},
		{"shorter key", phc("pw-di-prova-1", 32*1024, 2, 1, 16), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, rehash := accounts.VerifyPassword(tt.hash, "pw-di-prova-1")
			if !ok || rehash != tt.rehash {
				t.Fatalf("got (%v, %v), want (true, %v)", ok, rehash, tt.rehash)
			}
			if ok, rehash := accounts.VerifyPassword(tt.hash, "pw-di-prova-2"); ok || rehash {
				t.Fatalf("wrong password: got (%v, %v)", ok, rehash)
			}
		})
	}
}

func TestVerifyPasswordRefusesMalformedHashes(t *testing.T) {
	good := phc("segreto-segreto", 32*1024, 2, 1, 32)
	parts := strings.Split(good, "$")
	with := func(i int, v string) string {
		p := append([]string(nil), parts...)
		p[i] = v
		return strings.Join(p, "$")
	}
	tests := map[string]string{
		"empty":              "",
		"not PHC":            "segreto-segreto",
		"argon2i":            with(1, "argon2i"),
		"bcrypt":             "$2y$10$abcdefghijklmnopqrstuu5zQ0bJZqz8i1l4f3tCw0o9zG8N2eW1C",
		"other version":      with(2, "v=16"),
		"zero memory":        with(3, "m=0,t=2,p=1"),
		"zero passes":        with(3, "m=32768,t=0,p=1"),
		"zero lanes":         with(3, "m=32768,t=2,p=0"),
		"absurd memory":      with(3, "m=8388608,t=2,p=1"),
		"absurd passes":      with(3, "m=32768,t=100,p=1"),
		"garbled parameters": with(3, "memory=lots"),
		"bad salt":           with(4, "!!!"),
		"bad key":            with(5, "***"),
		"empty key":          with(5, ""),
		"extra field":        good + "$x",
	}
	for name, h := range tests {
		if ok, rehash := accounts.VerifyPassword(h, "segreto-segreto"); ok || rehash {
			t.Errorf("%s: accepted (%v, %v)", name, ok, rehash)
		}
	}
	if ok, _ := accounts.VerifyPassword(good, "segreto-segreto"); !ok {
		t.Fatal("the well-formed hash must verify")
	}
}

// fieldCode returns the code of the first field error of err for field, or "".
func fieldCode(err error, field string) string {
	e := apperr.As(err)
	if e == nil {
		return ""
	}
	for _, f := range e.Fields {
		if f.Field == field {
			return f.Code
		}
	}
	return ""
}

func TestCheckPassword(t *testing.T) {
	const email, name = "mario.rossi@borgo.example.it", "Mario Rossi"
	tests := []struct {
		password string
		want     string // field error code; "" for accepted
	}{
		{"nove-cara", "password.too_short"},
		{"dieci-cara", ""},
		{"àèìòùàèìò", "password.too_short"}, // 9 letters, 18 bytes: runes count
		{"àèìòùàèìòù", ""},
		{strings.Repeat("a", 199) + "b", ""},
		{strings.Repeat("a", 200) + "b", "password.too_long"},
		{"mario.rossi@borgo.example.it", "password.personal"},
		{"MARIO.ROSSI@BORGO.EXAMPLE.IT", "password.personal"},
		{"io-sono-mario.rossi-2026", "password.personal"},
		{"mario rossi", "password.personal"},
		{"password123", "password.common"},
		{"QwertyUiop", "password.common"},
		{"forzanapoli", "password.common"},
		{"latte-e-biscotti", ""},
		{"caffè corretto", ""},
		{"abc\xffdefghijk", "password.invalid"},
	}
	for _, tt := range tests {
		err := accounts.CheckPassword(tt.password, email, name)
		got := fieldCode(err, "password")
		if got != tt.want {
			t.Errorf("%q: got %q (%v), want %q", tt.password, got, err, tt.want)
		}
		if tt.want != "" && !apperr.Is(err, apperr.Invalid) {
			t.Errorf("%q: kind %v, want Invalid", tt.password, apperr.KindOf(err))
		}
	}
	// The length rule names the minimum for the message.
	e := apperr.As(accounts.CheckPassword("corta", email, name))
	if e == nil || e.Fields[0].Args["Min"] != accounts.MinPasswordLength {
		t.Fatalf("too_short without Min: %+v", e)
	}
	// A short local part does not make every password with its letters "personal".
	for _, tt := range []struct{ email, password, want string }{
		{"al@borgo.example.it", "un-altro-giardino", ""},
		{"ugo@borgo.example.it", "ugo-e-la-luna", ""},
		{"anna@borgo.example.it", "anna-e-la-luna", "password.personal"},
		{"", "un-altro-giardino", ""},
	} {
		if got := fieldCode(accounts.CheckPassword(tt.password, tt.email, ""), "password"); got != tt.want {
			t.Errorf("%s / %s: got %q, want %q", tt.email, tt.password, got, tt.want)
		}
	}
}

func TestConfirmPassword(t *testing.T) {
	if err := accounts.ConfirmPassword("uguale-uguale", "uguale-uguale"); err != nil {
		t.Fatal(err)
	}
	for _, confirm := range []string{"uguale-ugual", "uguale-uguale ", "", "Uguale-uguale"} {
		err := accounts.ConfirmPassword("uguale-uguale", confirm)
		if !apperr.Is(err, apperr.Invalid) || fieldCode(err, "confirm") != "password.mismatch" {
			t.Errorf("%q: %v", confirm, err)
		}
	}
}
