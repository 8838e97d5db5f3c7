// Package fiscalcode validates Italian fiscal codes (codice fiscale).
//
// A person's code has 16 characters: three letters of the surname, three of the
// given name, the year, a month letter, the day (plus 40 for women), the cadastral
// (Belfiore) code of the place of birth and a check letter. When two people would
// get the same code, the Agenzia delle Entrate replaces digits with letters from
// the right (omocodia); those codes are valid too, and the check letter is computed
// on the substituted code. Companies and some people have an 11-digit numeric code,
// checked like a partita IVA.
package fiscalcode

import (
	"errors"
	"strings"
	"time"
)

// Errors returned by Parse; callers map them to field errors.
var (
	ErrLength   = errors.New("fiscal code must have 16 characters")
	ErrFormat   = errors.New("fiscal code has a character in the wrong place")
	ErrDate     = errors.New("fiscal code has an impossible birth date")
	ErrChecksum = errors.New("fiscal code check character does not match")
)

// omocodia letters replace the digits 0–9 in that order.
const omocodia = "LMNPQRSTUV"

// months maps the month letter to the month number.
const months = "ABCDEHLMPRST"

// positions (0-based) that hold digits, which omocodia may turn into letters.
var digitPositions = [...]int{6, 7, 9, 10, 12, 13, 14}

// oddValues holds the values of characters in odd (1-based) positions, indexed by
// digit or letter: digits 0–9 take the values of letters A–J.
var oddValues = [26]int{1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23}

// Normalize upper-cases and removes spaces, and strips the "TINIT-" prefix that
// SPID and CIE put in front of the fiscalNumber attribute.
func Normalize(s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	s = strings.ReplaceAll(s, " ", "")
	s = strings.TrimPrefix(s, "TINIT-")
	return s
}

// Person is what a personal fiscal code says about its holder.
type Person struct {
	Code      string // normalised, as given (possibly with omocodia letters)
	BirthDate time.Time
	Female    bool
	Place     string // Belfiore code, e.g. "H501" for Roma
}

// Parse validates a 16-character personal fiscal code (after Normalize) and decodes it.
// The century is not in the code: the birth date is the latest one not in the future
// relative to now.
func Parse(code string, now time.Time) (Person, error) {
	code = Normalize(code)
	if len(code) != 16 {
		return Person{}, ErrLength
	}
	plain := []byte(code)
	for i := 0; i < 16; i++ {
		c := code[i]
		switch {
		case isDigitPos(i):
			if c >= '0' && c <= '9' {
				continue
			}
			j := strings.IndexByte(omocodia, c)
			if j < 0 {
				return Person{}, ErrFormat
			}
			plain[i] = byte('0' + j)
		default:
			if c < 'A' || c > 'Z' {
				return Person{}, ErrFormat
			}
		}
	}
	if CheckChar(code[:15]) != code[15] {
		return Person{}, ErrChecksum
	}
	month := strings.IndexByte(months, plain[8])
	if month < 0 {
		return Person{}, ErrFormat
	}
	yy := int(plain[6]-'0')*10 + int(plain[7]-'0')
	day := int(plain[9]-'0')*10 + int(plain[10]-'0')
	female := false
	if day > 40 {
		female = true
		day -= 40
	}
	if day < 1 || day > 31 {
		return Person{}, ErrDate
	}
	year := 2000 + yy
	if year > now.Year() {
		year -= 100
	}
	birth := time.Date(year, time.Month(month+1), day, 0, 0, 0, 0, time.UTC)
	if birth.Day() != day { // 31 February and the like
		return Person{}, ErrDate
	}
	if birth.After(now) {
		birth = birth.AddDate(-100, 0, 0)
	}
	return Person{Code: code, BirthDate: birth, Female: female, Place: string(plain[11:15])}, nil
}

// Valid reports whether code is a valid personal fiscal code.
func Valid(code string) bool {
	_, err := Parse(code, time.Now())
	return err == nil
}

func isDigitPos(i int) bool {
	for _, p := range digitPositions {
		if p == i {
			return true
		}
	}
	return false
}

// CheckChar computes the check letter of the first 15 characters of a code.
// It assumes the characters are upper-case letters or digits.
func CheckChar(first15 string) byte {
	sum := 0
	for i := 0; i < 15 && i < len(first15); i++ {
		c := first15[i]
		var idx int
		if c >= '0' && c <= '9' {
			idx = int(c - '0')
		} else {
			idx = int(c - 'A')
		}
		if idx < 0 || idx > 25 {
			return 0
		}
		if i%2 == 0 { // odd position counting from 1
			sum += oddValues[idx]
		} else {
			sum += idx
		}
	}
	return byte('A' + sum%26)
}

// ValidNumeric reports whether s is a valid 11-digit numeric fiscal code or
// partita IVA (Luhn-like check digit).
func ValidNumeric(s string) bool {
	s = strings.TrimSpace(s)
	if len(s) != 11 {
		return false
	}
	sum := 0
	for i := 0; i < 11; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return false
		}
		d := int(c - '0')
		if i%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

// ValidAny reports whether s is a valid personal or numeric fiscal code, as used for
// bodies such as comuni (which have numeric codes).
func ValidAny(s string) bool {
	s = Normalize(s)
	if len(s) == 11 {
		return ValidNumeric(s)
	}
	return Valid(s)
}
