package accounts

import (
	"strings"
	"testing"
)

func TestGeneratePassword(t *testing.T) {
	seen := map[string]bool{}
	for _, who := range []struct{ email, name string }{
		{"anna.rossi@comune.borgo.pv.it", "Anna Rossi"},
		{"a@b.it", "Al"},   // a one-letter local part occurs in random text by chance
		{"ab@cd.it", "Ab"}, // and so may two letters
	} {
		for range 50 {
			pw := GeneratePassword(who.email, who.name)
			if len(pw) != 29 || strings.Count(pw, "-") != 5 {
				t.Fatalf("%q: want 6 groups of 4", pw)
			}
			if strings.ContainsAny(pw, "0O1lIio") {
				t.Fatalf("%q has look-alike characters", pw)
			}
			if err := CheckPassword(pw, who.email, who.name); err != nil {
				t.Fatalf("%q for %s fails the policy: %v", pw, who.email, err)
			}
			if seen[pw] {
				t.Fatalf("%q generated twice", pw)
			}
			seen[pw] = true
		}
	}
}
