package accounts

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"piazza/internal/apperr"
)

// argon2id parameters: above the OWASP minimum (m=19 MiB, t=2, p=1). Each check
// holds m of memory, which is one reason sign-in attempts are throttled.
const (
	argonTime    = 2
	argonMemory  = 32 * 1024
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 10

// HashPassword returns the argon2id PHC string of a password.
func HashPassword(password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// dummyHash is checked against when the account does not exist, so that a sign-in
// takes the same time whether or not the email is known.
var dummyHash, _ = HashPassword("piazza-dummy-password")

// VerifyPassword reports whether password matches the PHC string, and whether the
// hash should be recomputed with the current parameters.
func VerifyPassword(phc, password string) (ok, rehash bool) {
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, false
	}
	var version int
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || t == 0 || p == 0 || m > 1<<22 || t > 16 {
		return false, false
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return false, false
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false, false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	ok = subtle.ConstantTimeCompare(got, want) == 1
	return ok, ok && (m != argonMemory || t != argonTime || p != argonThreads || len(want) != argonKeyLen)
}

// CheckPassword enforces the password policy: at least MinPasswordLength characters,
// at most 200, not the email address or name, and not one of the most common ones.
func CheckPassword(password, email, name string) error {
	n := utf8.RuneCountInString(password)
	// The part of the email before "@" counts as personal only when it is long
	// enough to mean something: "al@…" must not forbid every password with "al".
	local := strings.ToLower(strings.SplitN(email, "@", 2)[0])
	var v apperr.Validation
	switch {
	case !utf8.ValidString(password):
		v.Add("password", "password.invalid")
	case n < MinPasswordLength:
		v.AddArgs("password", "password.too_short", map[string]any{"Min": MinPasswordLength})
	case n > 200:
		v.Add("password", "password.too_long")
	case strings.EqualFold(password, email) || (name != "" && strings.EqualFold(password, name)) ||
		utf8.RuneCountInString(local) >= 4 && strings.Contains(strings.ToLower(password), local):
		v.Add("password", "password.personal")
	case common[strings.ToLower(password)]:
		v.Add("password", "password.common")
	}
	return v.Err()
}

// common holds passwords long enough to pass the length rule yet on every list of
// leaked passwords, plus Italian favourites.
var common = map[string]bool{
	"1234567890": true, "12345678910": true, "0123456789": true, "qwertyuiop": true, "password123": true,
	"password1234": true, "passwordpassword": true, "iloveyou123": true, "1q2w3e4r5t": true, "qwerty1234": true,
	"abcdefghij": true, "aaaaaaaaaa": true, "1111111111": true, "passw0rd123": true, "qwertyuiop123": true,
	"forzainter": true, "forzamilan": true, "forzajuve1": true, "forzanapoli": true, "forzaroma1": true,
	"juventus123": true, "napoli1926": true, "amoremio123": true, "ciaociao123": true, "benvenuto1": true,
	"comune2024": true, "comune2025": true, "comune2026": true, "password2026": true, "piazza2026": true,
}

var errPasswordMismatch = apperr.E(apperr.Invalid, "password.mismatch")

// ConfirmPassword checks that the two entries match.
func ConfirmPassword(password, confirm string) error {
	if subtle.ConstantTimeCompare([]byte(password), []byte(confirm)) != 1 {
		return &apperr.Error{Kind: apperr.Invalid, Code: errPasswordMismatch.Code, Fields: []apperr.FieldError{{Field: "confirm", Code: "password.mismatch"}}}
	}
	return nil
}
