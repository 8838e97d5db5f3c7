// Package vocab holds the controlled vocabularies of the Modello Comuni that every
// module shares: the 64 topics (argomenti) and the 15 service categories. The
// official checker compares these strings exactly (trimmed, case-insensitive), so
// they are reproduced byte for byte from the model.
package vocab

import "strings"

// Topic is one term of the model's topics vocabulary.
type Topic struct {
	Slug  string
	Label string // exactly as in the model, straight apostrophes
}

// Topics are the 64 terms of the model's vocabulary (pa-website-validator-ng,
// src/audits/municipality_vocabulary/controlledVocabulary.ts), in alphabetical order.
var Topics = topics([]string{
	"Accesso all'informazione", "Acqua", "Agricoltura", "Anagrafe",
	"Animale domestico", "Aria", "Assistenza agli invalidi", "Assistenza sociale",
	"Associazioni", "Bilancio", "Commercio al minuto", "Commercio all'ingrosso",
	"Commercio ambulante", "Comunicazione istituzionale", "Comunicazione politica", "Concorsi",
	"Covid-19", "Elezioni", "Energie rinnovabili", "Estero",
	"Foreste", "Formazione professionale", "Gemellaggi", "Gestione rifiuti",
	"Giustizia", "Igiene pubblica", "Immigrazione", "Imposte",
	"Imprese", "Inquinamento", "Integrazione sociale", "Isolamento termico",
	"Istruzione", "Lavoro", "Matrimonio", "Mercato",
	"Mobilità sostenibile", "Morte", "Nascita", "Parcheggi",
	"Patrimonio culturale", "Pesca", "Piano di sviluppo", "Pista ciclabile",
	"PNRR", "Politica commerciale", "Polizia", "Prodotti alimentari",
	"Protezione civile", "Residenza", "Risposta alle emergenze", "Sistema giuridico",
	"Spazio Verde", "Sport", "Sviluppo sostenibile", "Tassa sui servizi",
	"Tempo libero", "Trasparenza amministrativa", "Trasporto pubblico", "Turismo",
	"Urbanizzazione", "Viaggi", "Zone pedonali", "ZTL",
})

func topics(labels []string) []Topic {
	out := make([]Topic, len(labels))
	for i, l := range labels {
		out[i] = Topic{Slug: Slugify(l), Label: l}
	}
	return out
}

// TopicBySlug finds a topic.
func TopicBySlug(slug string) (Topic, bool) {
	for _, t := range Topics {
		if t.Slug == slug {
			return t, true
		}
	}
	return Topic{}, false
}

// ServiceCategory is one of the model's 15 categories of services.
type ServiceCategory struct {
	Slug  string
	Label string // exactly as in the model's vocabulary (the checker lower-cases it)
}

// ServiceCategories are the model's categories (menuItems.ts), in the model's order.
var ServiceCategories = []ServiceCategory{
	{"anagrafe-e-stato-civile", "Anagrafe e stato civile"},
	{"cultura-e-tempo-libero", "Cultura e tempo libero"},
	{"vita-lavorativa", "Vita lavorativa"},
	{"imprese-e-commercio", "Imprese e commercio"},
	{"appalti-pubblici", "Appalti pubblici"},
	{"catasto-e-urbanistica", "Catasto e urbanistica"},
	{"turismo", "Turismo"},
	{"mobilita-e-trasporti", "Mobilità e trasporti"},
	{"educazione-e-formazione", "Educazione e formazione"},
	{"giustizia-e-sicurezza-pubblica", "Giustizia e sicurezza pubblica"},
	{"tributi-finanze-e-contravvenzioni", "Tributi, finanze e contravvenzioni"},
	{"ambiente", "Ambiente"},
	{"salute-benessere-e-assistenza", "Salute, benessere e assistenza"},
	{"autorizzazioni", "Autorizzazioni"},
	{"agricoltura-e-pesca", "Agricoltura e pesca"},
}

// CategoryBySlug finds a service category.
func CategoryBySlug(slug string) (ServiceCategory, bool) {
	for _, c := range ServiceCategories {
		if c.Slug == slug {
			return c, true
		}
	}
	return ServiceCategory{}, false
}

// Slugify turns a label into its URL slug: lower case ASCII, accents folded,
// apostrophes and other punctuation as dashes.
func Slugify(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if f, ok := fold[r]; ok {
			r = f
		}
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			dash = false
			continue
		}
		if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

var fold = map[rune]rune{'à': 'a', 'á': 'a', 'è': 'e', 'é': 'e', 'ì': 'i', 'í': 'i', 'ò': 'o', 'ó': 'o', 'ù': 'u', 'ú': 'u'}
