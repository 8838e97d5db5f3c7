package web

import (
	"unicode"
	"unicode/utf8"
)

// validFormText accepts valid UTF-8 without control characters other than tab and
// line breaks.
func validFormText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, c := range s {
		if unicode.IsControl(c) && c != '\n' && c != '\r' && c != '\t' {
			return false
		}
	}
	return true
}
