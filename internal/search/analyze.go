package search

import (
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/blevesearch/snowballstem"
	"github.com/blevesearch/snowballstem/italian"
)

// Terms analyses Italian text the way the index does: lower case, split on anything
// that is not a letter or a digit (so elisions like "dell'anagrafe" split), common
// words dropped, each word reduced to its Snowball stem ("biciclette" and
// "bicicletta" both become "biciclett") and its accents folded ("città" matches
// "citta"). The same function analyses documents and queries, so they meet.
func Terms(text string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) {
		if len(w) > 60 || stopwords[w] {
			continue
		}
		t := term(w)
		if t != "" {
			out = append(out, t)
		}
	}
	return out
}

// stems caches the terms of words already seen: text repeats its words (Zipf), and
// stemming is most of the cost of indexing. The cache is dropped when it grows too big.
var stems = struct {
	sync.RWMutex
	m map[string]string
}{m: map[string]string{}}

const maxCachedStems = 200_000

func term(w string) string {
	stems.RLock()
	t, ok := stems.m[w]
	stems.RUnlock()
	if ok {
		return t
	}
	t = fold(stem(w))
	stems.Lock()
	if len(stems.m) >= maxCachedStems {
		stems.m = map[string]string{}
	}
	stems.m[w] = t
	stems.Unlock()
	return t
}

func stem(w string) string {
	if len(w) < 3 {
		return w
	}
	env := snowballstem.NewEnv(w)
	italian.Stem(env)
	return env.Current()
}

// fold removes the accents of Italian (and common foreign) letters.
func fold(s string) string {
	return strings.Map(func(r rune) rune {
		if f, ok := folds[r]; ok {
			return f
		}
		if r > unicode.MaxASCII && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			return -1
		}
		return r
	}, s)
}

var folds = map[rune]rune{
	'à': 'a', 'á': 'a', 'â': 'a', 'ä': 'a', 'è': 'e', 'é': 'e', 'ê': 'e', 'ë': 'e', 'ì': 'i', 'í': 'i', 'î': 'i', 'ï': 'i',
	'ò': 'o', 'ó': 'o', 'ô': 'o', 'ö': 'o', 'ù': 'u', 'ú': 'u', 'û': 'u', 'ü': 'u', 'ç': 'c', 'ñ': 'n',
}

// stopwords are frequent Italian words that carry no meaning for search.
var stopwords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a ad al alla alle allo agli ai anche che chi ci con da dal dalla dalle dai degli dei del della delle dello di e ed gli
		i il in la le lo loro ma ne nei nel nella nelle nello non o per più se si sono su sul sulla sui tra fra un una uno è
		come dove quando questo questa questi queste quello quella sia l d dell all nell dall sull quell c s m t v`) {
		m[w] = true
	}
	return m
}()

// Tokens turns analysed terms into the tokens stored in the index: each term is
// prefixed with the tenant ("t42x" + term), so that every tenant has its own
// posting lists in the one shared index and a query never reads another tenant's
// entries — with 171 comuni in one database, a common word's list stays as short as
// one comune's documents.
func Tokens(tenantID int64, terms []string) []string {
	p := tokenPrefix(tenantID)
	out := make([]string, len(terms))
	for i, t := range terms {
		out[i] = p + t
	}
	return out
}

func tokenPrefix(tenantID int64) string { return "t" + strconv.FormatInt(tenantID, 10) + "x" }
