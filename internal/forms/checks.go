package forms

import (
	"math/big"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"time"
)

const (
	isoDate       = "2006-01-02"
	maxAmountEuro = 1e9 // a billion euro: more is a typing mistake
)

// today0 is a fixed "today" for checking relative date limits at parse time.
var today0 = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

var (
	civicNumberRE  = regexp.MustCompile(`^(?:[0-9]{1,5}(?:[ /-]?[A-Za-z0-9]{1,4})?|snc|SNC|s\.n\.c\.)$`)
	thousandsRE    = regexp.MustCompile(`^[0-9]{1,3}(?:\.[0-9]{3})+$`)
	digitsRE       = regexp.MustCompile(`^[0-9]+$`)
	dmyRE          = regexp.MustCompile(`^([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})$`)
	ymdRE          = regexp.MustCompile(`^([0-9]{4})-([0-9]{2})-([0-9]{2})$`)
	relativeDateRE = regexp.MustCompile(`^today(?:([+-])([0-9]{1,4})([dmy]))?$`)
)

// decimal is a number read from Italian or plain notation.
type decimal struct {
	neg       bool
	int, frac string // digits, no leading zeros in int ("0" for none), no trailing zeros in frac
}

func (n decimal) canonical() string {
	s := n.int
	if n.frac != "" {
		s += "." + n.frac
	}
	if n.neg && s != "0" {
		s = "-" + s
	}
	return s
}

func (n decimal) float() float64 {
	f, _ := strconv.ParseFloat(n.canonical(), 64)
	return f
}

// parseDecimal reads "1.234,56", "1234,56", "1234.56", "-12", "1.234" (one
// thousand two hundred and thirty-four: a dot followed by groups of three digits is
// a thousands separator, as Italians write).
func parseDecimal(s string) (decimal, bool) {
	s = strings.ReplaceAll(strings.TrimSpace(s), " ", "")
	var n decimal
	if len(s) > 40 {
		return n, false
	}
	if strings.HasPrefix(s, "-") {
		n.neg, s = true, s[1:]
	} else if strings.HasPrefix(s, "+") {
		s = s[1:]
	}
	intPart, frac := s, ""
	switch {
	case strings.Count(s, ",") == 1:
		intPart, frac, _ = strings.Cut(s, ",")
		if strings.Contains(intPart, ".") {
			if !thousandsRE.MatchString(intPart) {
				return n, false
			}
			intPart = strings.ReplaceAll(intPart, ".", "")
		}
	case strings.Contains(s, ","):
		return n, false
	case thousandsRE.MatchString(s):
		intPart = strings.ReplaceAll(s, ".", "")
	case strings.Count(s, ".") == 1:
		intPart, frac, _ = strings.Cut(s, ".")
	}
	if intPart == "" && frac == "" {
		return n, false
	}
	if (intPart != "" && !digitsRE.MatchString(intPart)) || (frac != "" && !digitsRE.MatchString(frac)) {
		return n, false
	}
	n.int = strings.TrimLeft(intPart, "0")
	if n.int == "" {
		n.int = "0"
	}
	n.frac = strings.TrimRight(frac, "0")
	return n, true
}

// parseAmount reads an amount in euro ("1.234,56", "€ 12", "12,5") into cents.
func parseAmount(s string) (int64, string) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(s), "€"), "€"))
	n, ok := parseDecimal(s)
	switch {
	case !ok:
		return 0, "forms.err.amount"
	case n.neg:
		return 0, "forms.err.amount_negative"
	case len(n.frac) > 2:
		return 0, "forms.err.amount_cents"
	case n.float() > maxAmountEuro:
		return 0, "forms.err.max"
	}
	euro, _ := strconv.ParseInt(n.int, 10, 64)
	cents, _ := strconv.ParseInt((n.frac + "00")[:2], 10, 64)
	return euro*100 + cents, ""
}

// InputAmount writes cents ("123456") as the amount people type ("1234,56").
func InputAmount(cents string) string {
	c, err := strconv.ParseInt(cents, 10, 64)
	if err != nil {
		return cents
	}
	if c%100 == 0 {
		return strconv.FormatInt(c/100, 10)
	}
	return strconv.FormatInt(c/100, 10) + "," + leftPad(strconv.FormatInt(c%100, 10), 2)
}

func leftPad(s string, n int) string {
	for len(s) < n {
		s = "0" + s
	}
	return s
}

// FormatAmount writes cents as "€ 1.234,56" (Italian) or "€1,234.56" (English).
func FormatAmount(cents, lang string) string {
	c, err := strconv.ParseInt(cents, 10, 64)
	if err != nil {
		return cents
	}
	sep, dec := ".", ","
	if lang == "en" {
		sep, dec = ",", "."
	}
	euro := strconv.FormatInt(c/100, 10)
	var b strings.Builder
	for i, r := range euro {
		if i > 0 && (len(euro)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(r)
	}
	prefix := "€ "
	if lang == "en" {
		prefix = "€"
	}
	return prefix + b.String() + dec + leftPad(strconv.FormatInt(c%100, 10), 2)
}

// FormatNumber writes a canonical number ("1234.5") with the language's decimal
// separator.
func FormatNumber(s, lang string) string {
	if lang == "en" {
		return s
	}
	return strings.Replace(s, ".", ",", 1)
}

// parseDate reads dd/mm/yyyy (also with "." or "-") or yyyy-mm-dd.
func parseDate(s string) (time.Time, bool) {
	var y, m, d int
	if p := ymdRE.FindStringSubmatch(s); p != nil {
		y, _ = strconv.Atoi(p[1])
		m, _ = strconv.Atoi(p[2])
		d, _ = strconv.Atoi(p[3])
	} else if p := dmyRE.FindStringSubmatch(s); p != nil {
		d, _ = strconv.Atoi(p[1])
		m, _ = strconv.Atoi(p[2])
		y, _ = strconv.Atoi(p[3])
	} else {
		return time.Time{}, false
	}
	if y < 1900 || y > 2200 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Year() != y || int(t.Month()) != m || t.Day() != d {
		return time.Time{}, false
	}
	return t, true
}

// resolveDate turns a date limit ("2026-09-01", "today", "today-18y") into a date.
func resolveDate(spec string, today time.Time) (time.Time, bool) {
	if spec == "" {
		return time.Time{}, false
	}
	if t, err := time.Parse(isoDate, spec); err == nil {
		return t, true
	}
	m := relativeDateRE.FindStringSubmatch(spec)
	if m == nil {
		return time.Time{}, false
	}
	if m[1] == "" {
		return today, true
	}
	n, _ := strconv.Atoi(m[2])
	if m[1] == "-" {
		n = -n
	}
	switch m[3] {
	case "d":
		return today.AddDate(0, 0, n), true
	case "m":
		return today.AddDate(0, n, 0), true
	default:
		return today.AddDate(n, 0, 0), true
	}
}

// FormatDate writes a canonical date ("2026-09-01") as 01/09/2026.
func FormatDate(s string) string {
	t, err := time.Parse(isoDate, s)
	if err != nil {
		return s
	}
	return t.Format("02/01/2006")
}

func validEmail(s string) bool {
	if len(s) > 254 || strings.ContainsAny(s, " <>\"") {
		return false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return false
	}
	_, domain, ok := strings.Cut(s, "@")
	return ok && strings.Contains(domain, ".") && !strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".")
}

// normalizePhone keeps a leading "+" and the digits: 6 to 15 of them.
func normalizePhone(s string) (string, bool) {
	var b strings.Builder
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
			b.WriteRune(r)
		case strings.ContainsRune(" .-/()", r):
		default:
			return "", false
		}
	}
	p := b.String()
	digits := len(strings.TrimPrefix(p, "+"))
	return p, digits >= 6 && digits <= 15
}

func isDigits(s string, n int) bool { return len(s) == n && digitsRE.MatchString(s) }

// normalizeVAT checks an Italian partita IVA (11 digits, Luhn-style check digit),
// with or without the "IT" prefix.
func normalizeVAT(s string) (string, bool) {
	s = strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(s), " ", ""))
	s = strings.TrimPrefix(s, "IT")
	if !isDigits(s, 11) || s == "00000000000" {
		return "", false
	}
	sum := 0
	for i := range 10 {
		d := int(s[i] - '0')
		if i%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return s, (10-sum%10)%10 == int(s[10]-'0')
}

// ibanLengths are the IBAN lengths of the SEPA countries people in Italy most
// often bank with; other countries are checked by the general rules only.
var ibanLengths = map[string]int{
	"IT": 27, "SM": 27, "VA": 22, "FR": 27, "DE": 22, "ES": 24, "AT": 20, "BE": 16, "NL": 18, "LU": 20, "PT": 25,
	"IE": 22, "CH": 21, "GB": 22, "MT": 31, "SI": 19, "HR": 21, "GR": 27, "PL": 28, "RO": 24, "MC": 27, "LI": 21,
}

var ibanRE = regexp.MustCompile(`^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$`)
var italianBBANRE = regexp.MustCompile(`^[A-Z][0-9]{10}[A-Z0-9]{12}$`)

// normalizeIBAN checks an IBAN (ISO 13616: country length and mod-97 check).
func normalizeIBAN(s string) (string, bool) {
	s = strings.ToUpper(strings.Join(strings.Fields(s), ""))
	s = strings.ReplaceAll(s, "-", "")
	if !ibanRE.MatchString(s) {
		return "", false
	}
	if n, ok := ibanLengths[s[:2]]; ok && len(s) != n {
		return "", false
	}
	if (s[:2] == "IT" || s[:2] == "SM") && !italianBBANRE.MatchString(s[4:]) {
		return "", false
	}
	var digits strings.Builder
	for _, r := range s[4:] + s[:4] {
		if r >= 'A' && r <= 'Z' {
			digits.WriteString(strconv.Itoa(int(r-'A') + 10))
		} else {
			digits.WriteRune(r)
		}
	}
	n, ok := new(big.Int).SetString(digits.String(), 10)
	if !ok {
		return "", false
	}
	return s, new(big.Int).Mod(n, big.NewInt(97)).Int64() == 1
}

// FormatIBAN groups an IBAN by four characters for reading.
func FormatIBAN(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}
