package content

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Revision is an immutable snapshot of an item, taken at every save.
type Revision struct {
	TenantID  int64
	ItemID    int64
	Number    int
	Item      Item   // the item as saved
	Author    string // who saved it (the audit actor's label)
	Action    string // what the save was: create, update, publish, schedule, unpublish, restore
	CreatedAt time.Time
}

// Snapshot encodes an item for a revision.
func Snapshot(it Item) ([]byte, error) { return json.Marshal(it) }

// FromSnapshot decodes a revision's item.
func FromSnapshot(data []byte) (Item, error) {
	var it Item
	err := json.Unmarshal(data, &it)
	return it, err
}

// Lines is the item as lines of text, the form revisions are compared in: one
// line per field, then the body's lines.
func (it Item) Lines() []string {
	ts := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.In(Rome).Format("2006-01-02 15:04")
	}
	l := []string{
		"Titolo: " + it.Title,
		"Slug: " + it.Slug,
		"Sommario: " + it.Summary,
		"Argomenti: " + strings.Join(it.Topics, ", "),
		"Stato: " + string(it.Status),
		"Pubblicazione: " + ts(it.PublishAt),
		"Scadenza: " + ts(it.ExpireAt),
	}
	switch it.Kind {
	case KindNews:
		l = append(l, "Tipo: "+string(it.NewsType))
	case KindEvent:
		e := it.Event
		l = append(l, "Inizio: "+ts(e.Start), "Fine: "+ts(e.End), "Ricorrenza: "+e.Recurrence,
			fmt.Sprintf("Luogo: %d %s", e.PlaceID, e.Venue), "Organizzatore: "+e.Organiser, "Costo: "+e.Cost,
			"Destinatari: "+e.Audience, "Prenotazione: "+e.BookingURL)
	case KindPlace:
		p := it.Place
		l = append(l, "Tipo: "+p.Type, "Indirizzo: "+strings.ReplaceAll(p.Address, "\n", " "),
			fmt.Sprintf("Coordinate: %.6f, %.6f", p.Latitude, p.Longitude), "Orari: "+strings.ReplaceAll(p.OpeningHours, "\n", " / "),
			"Telefono: "+p.Phone, "Email: "+p.Email, "Sito: "+p.Website, "Accessibilità: "+strings.ReplaceAll(p.Accessibility, "\n", " "))
	case KindPerson:
		p := it.Person
		l = append(l, "Sezione: "+p.Section, "Ruolo: "+p.Role, fmt.Sprintf("Ufficio: %d", p.OfficeID),
			fmt.Sprintf("Organo: %d", p.OrganisationID), "Telefono: "+p.Phone, "Email: "+p.Email)
	case KindOrganisation:
		o := it.Org
		l = append(l, "Tipo: "+o.Type, "Indirizzo: "+strings.ReplaceAll(o.Address, "\n", " "), "Telefono: "+o.Phone,
			"Email: "+o.Email, "Sito: "+o.Website)
	case KindDocument:
		d := it.Document
		l = append(l, "Tipo: "+d.Type, "Data: "+ts(d.Date), "Protocollo: "+d.Protocol, fmt.Sprintf("Ufficio: %d", d.OfficeID))
	}
	l = append(l, "")
	return append(l, strings.Split(it.Body, "\n")...)
}

// DiffOp says whether a line is common to both versions, removed or added.
type DiffOp byte

// The diff operations.
const (
	DiffSame   DiffOp = ' '
	DiffRemove DiffOp = '-'
	DiffAdd    DiffOp = '+'
)

// DiffLine is one line of a diff.
type DiffLine struct {
	Op   DiffOp
	Text string
}

// Changed reports whether the line was added or removed.
func (d DiffLine) Changed() bool { return d.Op != DiffSame }

// Added reports whether the line was added.
func (d DiffLine) Added() bool { return d.Op == DiffAdd }

// Diff compares two versions line by line (longest common subsequence), the older
// first.
func Diff(a, b []string) []DiffLine {
	n, m := len(a), len(b)
	if n*m > 4_000_000 {
		// Too large to align line by line in bounded memory: show a replacement.
		out := make([]DiffLine, 0, n+m)
		for _, l := range a {
			out = append(out, DiffLine{DiffRemove, l})
		}
		for _, l := range b {
			out = append(out, DiffLine{DiffAdd, l})
		}
		return out
	}
	// lcs[i][j] = length of the LCS of a[i:] and b[j:].
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []DiffLine
	i, j := 0, 0
	for i < n && j < m {
		switch {
		case a[i] == b[j]:
			out = append(out, DiffLine{DiffSame, a[i]})
			i++
			j++
		case lcs[i+1][j] >= lcs[i][j+1]:
			out = append(out, DiffLine{DiffRemove, a[i]})
			i++
		default:
			out = append(out, DiffLine{DiffAdd, b[j]})
			j++
		}
	}
	for ; i < n; i++ {
		out = append(out, DiffLine{DiffRemove, a[i]})
	}
	for ; j < m; j++ {
		out = append(out, DiffLine{DiffAdd, b[j]})
	}
	return out
}
