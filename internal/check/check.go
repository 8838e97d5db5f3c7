// Package check holds small validators shared by the domain packages.
package check

import (
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Email reports whether s is a plain email address (no display name).
func Email(s string) bool {
	if s == "" || len(s) > 254 || strings.ContainsAny(s, " <>\"") {
		return false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	return at > 0 && strings.Contains(s[at:], ".") && !strings.HasSuffix(s, ".")
}

var phoneRE = regexp.MustCompile(`^\+?[0-9][0-9 ./-]{4,22}[0-9]$`)

// Phone reports whether s looks like a phone number (digits with spaces, dots,
// dashes or slashes, optionally starting with +).
func Phone(s string) bool { return phoneRE.MatchString(s) }

// WebURL reports whether s is an absolute http or https URL with a host.
func WebURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && u.User == nil
}

// HTTPSURL reports whether s is an absolute https URL with a host.
func HTTPSURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme == "https" && u.Host != "" && u.User == nil
}

// Text reports whether s is valid UTF-8 without control characters other than
// newline and tab, and at most max runes long.
func Text(s string, max int) bool {
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > max {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) && r != '\n' && r != '\t' && r != '\r' {
			return false
		}
	}
	return true
}

// Line is Text without line breaks.
func Line(s string, max int) bool {
	return Text(s, max) && !strings.ContainsAny(s, "\r\n\t")
}

// Clean trims spaces and normalises line endings.
func Clean(s string) string {
	return strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
}

var slugRE = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$`)

// Slug reports whether s is a lower-case URL slug.
func Slug(s string) bool { return slugRE.MatchString(s) }

// Slugify turns a name into a slug: lower case, ASCII, dashes.
func Slugify(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		default:
			if f, ok := fold[r]; ok {
				b.WriteRune(f)
				dash = false
				continue
			}
			if !dash && b.Len() > 0 {
				b.WriteByte('-')
				dash = true
			}
		}
	}
	out := strings.TrimSuffix(b.String(), "-")
	if len(out) > 64 {
		out = strings.TrimSuffix(out[:64], "-")
	}
	return out
}

var fold = map[rune]rune{'à': 'a', 'á': 'a', 'â': 'a', 'è': 'e', 'é': 'e', 'ê': 'e', 'ì': 'i', 'í': 'i', 'î': 'i', 'ò': 'o', 'ó': 'o', 'ô': 'o', 'ù': 'u', 'ú': 'u', 'û': 'u', 'ç': 'c', 'ñ': 'n'}
