package search

import (
	"slices"
	"strings"
	"testing"
)

func TestTerms(t *testing.T) {
	for _, tc := range []struct {
		a, b string // analysed alike
	}{
		{"biciclette", "bicicletta"},
		{"parcheggiate", "parcheggio"},
		{"Città", "citta"},
		{"dell'anagrafe", "anagrafe"},
		{"RESIDENZA", "residenze"},
		{"iscrizioni", "iscrizione"},
	} {
		ta, tb := Terms(tc.a), Terms(tc.b)
		if len(ta) == 0 || !slices.Equal(ta, tb) {
			t.Errorf("%q → %v, %q → %v: want the same terms", tc.a, ta, tc.b, tb)
		}
	}
	if got := Terms("il comune e la città di Borgo"); !slices.Equal(got, []string{"comun", "citt", "borg"}) {
		t.Errorf("stopwords: %v", got)
	}
	if got := Tokens(42, []string{"citta"}); got[0] != "t42xcitta" {
		t.Errorf("tokens: %v", got)
	}
}

func TestSnippet(t *testing.T) {
	text := "Il Comune informa che da lunedì le biciclette abbandonate nelle rastrelliere della stazione saranno rimosse dalla Polizia Locale e custodite per novanta giorni."
	frags := Snippet(text, Terms("bicicletta rimuovere"), 10)
	var marked []string
	var all strings.Builder
	for _, f := range frags {
		all.WriteString(f.Text)
		if f.Match {
			marked = append(marked, f.Text)
		}
	}
	if !slices.Contains(marked, "biciclette") || !strings.HasSuffix(all.String(), "…") {
		t.Errorf("snippet %q, marked %v", all.String(), marked)
	}
	if Snippet("", []string{"x"}, 10) != nil {
		t.Error("snippet of nothing")
	}
}

func TestNormalize(t *testing.T) {
	q := Normalize(Query{Text: "  a   b ", Kind: "bogus", Topic: "<x>", Page: -3})
	if q.Text != "a b" || q.Kind != "" || q.Topic != "" || q.Page != 1 {
		t.Errorf("%+v", q)
	}
}

// FuzzTerms: any text analyses without panicking into tokens the index accepts
// (letters and digits only, never empty).
func FuzzTerms(f *testing.F) {
	f.Add("Città di Borgo: l'anagrafe è aperta")
	f.Add("\"); DROP TABLE x; -- ß ΑΒΓ 日本")
	f.Fuzz(func(t *testing.T, s string) {
		for _, tok := range Tokens(1, Terms(s)) {
			if tok == "t1x" || strings.ContainsAny(tok, " \"'*:()^-+") {
				t.Fatalf("bad token %q from %q", tok, s)
			}
		}
		Snippet(s, Terms(s), 20)
	})
}
