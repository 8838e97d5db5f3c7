// Package pdfdoc builds the plain documents Piazza issues (the daily protocol
// register, application receipts and outcomes) as PDF: a header with the issuing
// comune's name, a title, key/value rows, paragraphs, tables and numbered pages.
//
// It wraps codeberg.org/go-pdf/fpdf with an embedded UTF-8 font (DejaVu Sans, see
// fonts/LICENSE-DejaVu.txt), so accented Italian text and the euro sign come out
// right on servers that have no fonts installed. Given the same content and the same
// Options.Created time, the output is byte-for-byte the same.
package pdfdoc

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"
)

//go:embed fonts/DejaVuSans.ttf
var fontRegular []byte

//go:embed fonts/DejaVuSans-Bold.ttf
var fontBold []byte

const (
	family   = "DejaVu"
	margin   = 15.0 // mm, on every side
	bodySize = 10.0 // pt
	lineH    = 5.0  // mm per line of body text
	cellPad  = 1.5  // mm inside table cells
	// nbAlias is replaced by the page count when the document is written.
	nbAlias = "{nb}"
)

// Options describe a document.
type Options struct {
	// Issuer is printed at the top of every page (the comune's name).
	Issuer string
	// Title is the document title: printed under the header of the first page and
	// stored in the PDF's metadata.
	Title string
	// Subtitle, if set, is printed under the title.
	Subtitle string
	// Lang is the document language ("it" by default).
	Lang string
	// Created is the creation time written into the PDF; the zero time means now.
	// Fix it to get reproducible output.
	Created time.Time
	// Landscape turns the pages sideways (for wide tables).
	Landscape bool
	// PageLabel formats the footer from the page number and the page count; the
	// default is "Pagina %d di %s" (the count is filled in at the end).
	PageLabel string
	// Footer, if set, is printed at the left of every page's footer.
	Footer string
}

// Doc is a document being built. Its methods add content in reading order; Bytes
// or WriteTo finish it. A Doc is not safe for concurrent use.
type Doc struct {
	pdf   *fpdf.Fpdf
	width float64 // usable width in mm
}

// Column is one column of a table.
type Column struct {
	Header string
	// Width is the column's share of the table width: widths are relative weights
	// (e.g. 1, 3, 1.5); zero counts as 1.
	Width float64
	// Right aligns the cells to the right (numbers, amounts).
	Right bool
}

// KV is a key/value row.
type KV struct{ Key, Value string }

// New starts a document with the header of its first page.
func New(o Options) *Doc {
	orientation := "P"
	if o.Landscape {
		orientation = "L"
	}
	pdf := fpdf.New(orientation, "mm", "A4", "")
	pdf.SetCatalogSort(true) // reproducible object order
	created := o.Created
	if created.IsZero() {
		created = time.Now()
	}
	pdf.SetCreationDate(created)
	pdf.SetModificationDate(created)
	pdf.AddUTF8FontFromBytes(family, "", fontRegular)
	pdf.AddUTF8FontFromBytes(family, "B", fontBold)
	pdf.SetMargins(margin, margin, margin)
	pdf.SetAutoPageBreak(true, margin+5)
	pdf.SetTitle(o.Title, true)
	pdf.SetAuthor(o.Issuer, true)
	pdf.SetCreator("Piazza", true)
	pdf.SetProducer("Piazza", true)
	lang := o.Lang
	if lang == "" {
		lang = "it"
	}
	pdf.SetLang(lang)
	pdf.AliasNbPages(nbAlias)
	label := o.PageLabel
	if label == "" {
		label = "Pagina %d di %s"
	}
	pdf.SetHeaderFunc(func() {
		pdf.SetFont(family, "B", 9)
		pdf.SetTextColor(0, 70, 140)
		pdf.CellFormat(0, 5, o.Issuer, "B", 1, "L", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
		pdf.Ln(4)
	})
	pdf.SetFooterFunc(func() {
		pdf.SetY(-margin)
		pdf.SetFont(family, "", 8)
		pdf.SetTextColor(90, 90, 90)
		w, _ := pdf.GetPageSize()
		half := (w - 2*margin) / 2
		pdf.CellFormat(half, 5, o.Footer, "T", 0, "L", false, 0, "")
		pdf.CellFormat(half, 5, fmt.Sprintf(label, pdf.PageNo(), nbAlias), "T", 0, "R", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
	})
	pdf.AddPage()
	w, _ := pdf.GetPageSize()
	d := &Doc{pdf: pdf, width: w - 2*margin}
	if o.Title != "" {
		pdf.SetFont(family, "B", 15)
		pdf.MultiCell(0, 7, o.Title, "", "L", false)
	}
	if o.Subtitle != "" {
		pdf.SetFont(family, "", 11)
		pdf.MultiCell(0, 6, o.Subtitle, "", "L", false)
	}
	pdf.Ln(3)
	pdf.SetFont(family, "", bodySize)
	return d
}

// Heading adds a section heading.
func (d *Doc) Heading(text string) {
	d.pdf.Ln(2)
	d.pdf.SetFont(family, "B", 12)
	d.pdf.MultiCell(0, 6, clean(text), "", "L", false)
	d.pdf.Ln(1)
	d.pdf.SetFont(family, "", bodySize)
}

// Paragraph adds running text, wrapped to the page width. Blank lines in text
// separate paragraphs.
func (d *Doc) Paragraph(text string) {
	d.pdf.SetFont(family, "", bodySize)
	d.pdf.MultiCell(0, lineH, clean(text), "", "L", false)
	d.pdf.Ln(2)
}

// KeyValues adds rows of a label and its value, the label in bold in a narrow
// column and the value wrapped beside it.
func (d *Doc) KeyValues(rows []KV) {
	keyW := d.width * 0.32
	for _, kv := range rows {
		d.pdf.SetFont(family, "B", bodySize)
		keyLines := d.pdf.SplitText(clean(kv.Key), keyW)
		d.pdf.SetFont(family, "", bodySize)
		valLines := d.pdf.SplitText(clean(kv.Value), d.width-keyW)
		n := max(len(keyLines), len(valLines), 1)
		d.ensure(float64(n) * lineH)
		x, y := d.pdf.GetX(), d.pdf.GetY()
		d.pdf.SetFont(family, "B", bodySize)
		d.pdf.MultiCell(keyW, lineH, strings.Join(keyLines, "\n"), "", "L", false)
		d.pdf.SetXY(x+keyW, y)
		d.pdf.SetFont(family, "", bodySize)
		d.pdf.MultiCell(d.width-keyW, lineH, strings.Join(valLines, "\n"), "", "L", false)
		d.pdf.SetXY(x, y+float64(n)*lineH+0.8)
	}
	d.pdf.Ln(2)
}

// Table adds a table with a header row, repeated at the top of each page it runs
// onto. Cells wrap within their column; a row never splits across pages.
func (d *Doc) Table(cols []Column, rows [][]string) {
	if len(cols) == 0 {
		return
	}
	var total float64
	for _, c := range cols {
		total += weight(c)
	}
	widths := make([]float64, len(cols))
	for i, c := range cols {
		widths[i] = d.width * weight(c) / total
	}
	headers := make([]string, len(cols))
	for i, c := range cols {
		headers[i] = c.Header
	}
	header := func() {
		d.pdf.SetFillColor(230, 236, 245)
		d.row(cols, widths, headers, "B", true)
	}
	d.pdf.SetFont(family, "B", 9)
	d.ensure(d.rowHeight(widths, headers) * 2)
	header()
	for _, r := range rows {
		cells := make([]string, len(cols))
		copy(cells, r)
		d.pdf.SetFont(family, "", 9)
		h := d.rowHeight(widths, cells)
		if d.ensure(h) {
			d.pdf.SetFont(family, "B", 9)
			header()
		}
		d.row(cols, widths, cells, "", false)
	}
	d.pdf.SetFont(family, "", bodySize)
	d.pdf.Ln(3)
}

// row draws one table row in the given font style.
func (d *Doc) row(cols []Column, widths []float64, cells []string, style string, fill bool) {
	d.pdf.SetFont(family, style, 9)
	h := d.rowHeight(widths, cells)
	x, y := d.pdf.GetX(), d.pdf.GetY()
	for i, c := range cols {
		d.pdf.Rect(x, y, widths[i], h, map[bool]string{true: "FD", false: "D"}[fill])
		d.pdf.SetXY(x+cellPad, y+cellPad/2)
		align := "L"
		if c.Right {
			align = "R"
		}
		d.pdf.MultiCell(widths[i]-2*cellPad, 4.2, strings.Join(d.pdf.SplitText(clean(cells[i]), widths[i]-2*cellPad), "\n"), "", align, false)
		x += widths[i]
	}
	d.pdf.SetXY(margin, y+h)
}

// rowHeight is the height of a row whose cells wrap in the current font.
func (d *Doc) rowHeight(widths []float64, cells []string) float64 {
	n := 1
	for i, c := range cells {
		n = max(n, len(d.pdf.SplitText(clean(c), widths[i]-2*cellPad)))
	}
	return float64(n)*4.2 + cellPad
}

// ensure starts a new page when fewer than h mm are left; it reports whether it did.
func (d *Doc) ensure(h float64) bool {
	_, pageH := d.pdf.GetPageSize()
	if d.pdf.GetY()+h > pageH-(margin+5) {
		d.pdf.AddPage()
		return true
	}
	return false
}

// Space adds vertical space, in millimetres.
func (d *Doc) Space(mm float64) { d.pdf.Ln(mm) }

// WriteTo finishes the document and writes it to w.
func (d *Doc) WriteTo(w io.Writer) (int64, error) {
	if err := d.pdf.Error(); err != nil {
		return 0, fmt.Errorf("pdfdoc: %w", err)
	}
	cw := &countWriter{w: w}
	if err := d.pdf.Output(cw); err != nil {
		return cw.n, fmt.Errorf("pdfdoc: %w", err)
	}
	return cw.n, nil
}

// Bytes finishes the document and returns it.
func (d *Doc) Bytes() ([]byte, error) {
	var b bytes.Buffer
	if _, err := d.WriteTo(&b); err != nil {
		return nil, err
	}
	if !bytes.HasPrefix(b.Bytes(), []byte("%PDF-")) {
		return nil, errors.New("pdfdoc: output is not a PDF")
	}
	return b.Bytes(), nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

func weight(c Column) float64 {
	if c.Width <= 0 {
		return 1
	}
	return c.Width
}

// clean drops characters that have no place in printed text (control characters
// other than newlines and tabs) and turns tabs into spaces.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n':
			return r
		case r == '\t':
			return ' '
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			return -1
		}
		return r
	}, s)
}
