package pdfdoc_test

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"piazza/internal/pdfdoc"
)

var fixed = time.Date(2026, 3, 14, 9, 30, 0, 0, time.UTC)

func sample(created time.Time, rows int) ([]byte, error) {
	d := pdfdoc.New(pdfdoc.Options{Issuer: "Comune di Borgo Fiorito", Title: "Registro giornaliero di protocollo",
		Subtitle: "Giornata del 13/03/2026", Created: created, Footer: "Generato da Piazza"})
	d.KeyValues([]pdfdoc.KV{{"Città", "Borgo Fiorito"}, {"Importo", "€ 1.234,56"}, {"Note", strings.Repeat("perché è così ", 30)}})
	d.Heading("Registrazioni")
	d.Paragraph("Perché l'unità è più forte: àèéìòù ÀÈÌÒÙ €.")
	var body [][]string
	for i := 1; i <= rows; i++ {
		body = append(body, []string{fmt.Sprintf("%07d/2026", i), "13/03/2026 10:00", "Entrata", "Mario Rossi", "Iscrizione alla mensa scolastica – anno 2026/27 " + strings.Repeat("x", i%50)})
	}
	d.Table([]pdfdoc.Column{{Header: "Numero", Width: 1.3}, {Header: "Data", Width: 1.3}, {Header: "Verso", Width: 0.8}, {Header: "Corrispondente", Width: 2}, {Header: "Oggetto", Width: 4}}, body)
	return d.Bytes()
}

// text extracts every FlateDecode stream of a PDF, decompressed.
func streams(t *testing.T, pdf []byte) []byte {
	t.Helper()
	re := regexp.MustCompile(`(?s)stream\r?\n(.*?)\r?\nendstream`)
	var all []byte
	for _, m := range re.FindAllSubmatch(pdf, -1) {
		r, err := zlib.NewReader(bytes.NewReader(m[1]))
		if err != nil {
			all = append(all, m[1]...)
			continue
		}
		b, _ := io.ReadAll(r)
		all = append(all, b...)
	}
	return all
}

// utf16be is how the document's text appears in its content streams.
func utf16be(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u>>8), byte(u))
	}
	return b
}

func TestDocument(t *testing.T) {
	pdf, err := sample(fixed, 120)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-1.")) || !bytes.Contains(pdf[len(pdf)-40:], []byte("%%EOF")) {
		t.Fatalf("not a PDF: %q … %q", pdf[:10], pdf[len(pdf)-20:])
	}
	for _, want := range []string{"/Type /Catalog", "/Type /Pages", "/FontFile2", "/ToUnicode", "startxref"} {
		if !bytes.Contains(pdf, []byte(want)) {
			t.Errorf("PDF lacks %s", want)
		}
	}
	pages := bytes.Count(pdf, []byte("/Type /Page\n")) + bytes.Count(pdf, []byte("/Type /Page "))
	if pages < 2 {
		t.Errorf("120 rows should need several pages, got %d", pages)
	}
	text := streams(t, pdf)
	for _, want := range []string{"Comune di Borgo Fiorito", "Città", "€ 1.234,56", "àèéìòù", "0000120", "Pagina 1 di ", "Pagina 2 di "} {
		if !bytes.Contains(text, utf16be(want)) {
			t.Errorf("text %q not in the content", want)
		}
	}
	// The page-count alias is replaced.
	if bytes.Contains(text, utf16be("{nb}")) || bytes.Contains(text, []byte("{nb}")) {
		t.Error("page count alias left in the output")
	}
}

func TestDeterministic(t *testing.T) {
	a, err := sample(fixed, 30)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := sample(fixed, 30)
	if !bytes.Equal(a, b) {
		t.Fatal("same content and time gave different bytes")
	}
	c, _ := sample(fixed.Add(time.Hour), 30)
	if bytes.Equal(a, c) {
		t.Fatal("creation time not written")
	}
}

func TestControlCharactersDropped(t *testing.T) {
	d := pdfdoc.New(pdfdoc.Options{Issuer: "Comune", Title: "Prova", Created: fixed})
	d.Paragraph("a\x00b\x1bc\td")
	d.Table([]pdfdoc.Column{{Header: "A"}}, [][]string{{"x\x07y"}, {}})
	pdf, err := d.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(streams(t, pdf), utf16be("abc d")) {
		t.Error("control characters not cleaned")
	}
}
