package forms

import (
	"strconv"
	"strings"
)

// SummaryStep is one step of the summary (riepilogo).
type SummaryStep struct {
	StepID string
	Title  string
	Rows   []SummaryRow
}

// SummaryRow is one answer as people read it. A group answer has one row per item,
// whose Group lists the item's answers.
type SummaryRow struct {
	Label, Value string
	Files        []FileRef
	Group        []SummaryRow
}

// Summary lists the answers of every visible step in lang, for the summary page,
// the receipt and the back office. Unanswered fields are left out.
func (d *Definition) Summary(v Values, lang string) []SummaryStep {
	v = d.prune(clone(v))
	var out []SummaryStep
	for _, s := range d.VisibleSteps(v) {
		ss := SummaryStep{StepID: s.ID, Title: s.Title.In(lang)}
		for _, f := range s.Fields {
			ss.Rows = append(ss.Rows, summaryRows(f, v[f.Name], lang)...)
		}
		if len(ss.Rows) > 0 {
			out = append(out, ss)
		}
	}
	return out
}

func summaryRows(f *Field, x any, lang string) []SummaryRow {
	if !f.HasValue() || !filled(x) {
		return nil
	}
	label := f.Label.In(lang)
	switch f.Type {
	case TypeGroup:
		var rows []SummaryRow
		for i, it := range Items(x) {
			row := SummaryRow{Label: label + " " + strconv.Itoa(i+1)}
			for _, sub := range f.Fields {
				row.Group = append(row.Group, summaryRows(sub, it[sub.Name], lang)...)
			}
			rows = append(rows, row)
		}
		return rows
	case TypeFile:
		fs := Files(x)
		names := make([]string, len(fs))
		for i, fr := range fs {
			names[i] = fr.Name
		}
		return []SummaryRow{{Label: label, Value: strings.Join(names, ", "), Files: fs}}
	}
	return []SummaryRow{{Label: label, Value: DisplayValue(f, x, lang)}}
}

// DisplayValue writes an answer as people read it: option labels, dates as
// dd/mm/yyyy, amounts in euro, addresses on one line.
func DisplayValue(f *Field, x any, lang string) string {
	s := String(x)
	switch f.Type {
	case TypeSelect, TypeRadio:
		if o := f.Option(s); o != nil {
			return o.Label.In(lang)
		}
	case TypeCheckboxes:
		var labels []string
		for _, v := range Strings(x) {
			if o := f.Option(v); o != nil {
				labels = append(labels, o.Label.In(lang))
			}
		}
		return strings.Join(labels, "; ")
	case TypeYesNo:
		return yesNo(s == "yes", lang)
	case TypeAcceptance:
		if lang == "en" {
			return "Accepted"
		}
		return "Accettata"
	case TypeDate:
		return FormatDate(s)
	case TypeAmount:
		return FormatAmount(s, lang)
	case TypeNumber:
		return FormatNumber(s, lang)
	case TypeIBAN:
		return FormatIBAN(s)
	case TypeAddress:
		m := Map(x)
		line := strings.TrimSpace(String(m["street"]) + " " + String(m["number"]))
		return line + ", " + String(m["postcode"]) + " " + String(m["municipality"]) + " (" + String(m["province"]) + ")"
	case TypeFile:
		var names []string
		for _, fr := range Files(x) {
			names = append(names, fr.Name)
		}
		return strings.Join(names, ", ")
	}
	return s
}

func yesNo(b bool, lang string) string {
	switch {
	case b && lang == "en":
		return "Yes"
	case b:
		return "Sì"
	case lang == "en":
		return "No"
	}
	return "No"
}
