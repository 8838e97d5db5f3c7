package fiscalcode

import (
	"testing"
	"time"
)

var now = time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)

func TestParse(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		err    error
		birth  string
		female bool
		place  string
	}{
		{"Mario Rossi", "RSSMRA80A01H501U", nil, "1980-01-01", false, "H501"},
		{"Wikipedia example: the century is ambiguous, the latest past date wins", "MRTMTT25D09F205Z", nil, "2025-04-09", false, "F205"},
		{"lower case and spaces", " rssmra80a01h501u ", nil, "1980-01-01", false, "H501"},
		{"TINIT prefix from SPID", "TINIT-RSSMRA80A01H501U", nil, "1980-01-01", false, "H501"},
		{"woman, day plus 40", "BNCGLI85M52F205H", nil, "1985-08-12", true, "F205"},
		{"omocodia on the last digit", "RSSMRA80A01H50MM", nil, "1980-01-01", false, "H501"},
		{"omocodia on every digit", "RSSMRAULALMHRLMD", nil, "1980-01-01", false, "H501"},
		{"born this century", "VRDLCU10T21L219U", nil, "2010-12-21", false, "L219"},
		{"wrong check letter", "RSSMRA80A01H501A", ErrChecksum, "", false, ""},
		{"too short", "RSSMRA80A01H501", ErrLength, "", false, ""},
		{"too long", "RSSMRA80A01H501UU", ErrLength, "", false, ""},
		{"letter where a digit goes, not an omocodia letter", "RSSMRA8AA01H501U", ErrFormat, "", false, ""},
		{"digit in the surname", "R5SMRA80A01H501U", ErrFormat, "", false, ""},
		{"unknown month letter", "RSSMRA80F01H501G", ErrFormat, "", false, ""},
		{"day zero", "RSSMRA80A00H501" + string(CheckChar("RSSMRA80A00H501")), ErrDate, "", false, ""},
		{"31 February", "RSSMRA80B31H501" + string(CheckChar("RSSMRA80B31H501")), ErrDate, "", false, ""},
		{"day 35 is neither man nor woman", "RSSMRA80A35H501" + string(CheckChar("RSSMRA80A35H501")), ErrDate, "", false, ""},
		{"non ASCII", "RSSMRÀ80A01H501U", ErrLength, "", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse(tt.in, now)
			if err != tt.err {
				t.Fatalf("Parse(%q) error = %v, want %v", tt.in, err, tt.err)
			}
			if err != nil {
				return
			}
			if got := p.BirthDate.Format("2006-01-02"); got != tt.birth {
				t.Errorf("birth = %s, want %s", got, tt.birth)
			}
			if p.Female != tt.female || p.Place != tt.place {
				t.Errorf("female/place = %v/%s, want %v/%s", p.Female, p.Place, tt.female, tt.place)
			}
		})
	}
}

func TestCheckCharMatchesKnownCodes(t *testing.T) {
	for _, code := range []string{"RSSMRA80A01H501U", "MRTMTT25D09F205Z", "BNCGLI85M52F205H", "RSSMRAULALMHRLMD"} {
		if c := CheckChar(code[:15]); c != code[15] {
			t.Errorf("CheckChar(%s) = %c, want %c", code[:15], c, code[15])
		}
	}
}

func TestValidNumeric(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"00743110157", true},  // a real partita IVA shape (check digit valid)
		{"12345678903", true},  // valid check digit
		{"12345678901", false}, // wrong check digit
		{"1234567890", false},
		{"1234567890A", false},
	}
	for _, tt := range tests {
		if got := ValidNumeric(tt.in); got != tt.want {
			t.Errorf("ValidNumeric(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"RSSMRA80A01H501U", "TINIT-BNCGLI85M52F205H", "RSSMRAULALMHRLMD", "", "ÀÀÀ", "RSSMRA80B31H501X"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Parse(s, now)
		if err != nil {
			return
		}
		// Whatever is accepted must be 16 characters of A–Z0–9 with a matching check letter,
		// a real date not in the future, and must parse the same way again.
		if len(p.Code) != 16 || CheckChar(p.Code[:15]) != p.Code[15] {
			t.Fatalf("accepted bad code %q", p.Code)
		}
		if p.BirthDate.After(now) {
			t.Fatalf("birth date in the future: %v", p.BirthDate)
		}
		q, err := Parse(p.Code, now)
		if err != nil || q != p {
			t.Fatalf("not idempotent: %v %v", q, err)
		}
	})
}
