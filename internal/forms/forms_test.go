package forms_test

import (
	"encoding/json"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"piazza/internal/apperr"
	"piazza/internal/fiscalcode"
	"piazza/internal/forms"
)

var testNow = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

// childCode is a valid fiscal code of a child born on 15 January 2018.
var childCode = func() string { s := "BNCLCU18A15H501"; return s + string(fiscalcode.CheckChar(s)) }()

const adultCode = "RSSMRA80A01H501U"

// mustParse parses a definition with the test clock.
func mustParse(t testing.TB, src string) *forms.Definition {
	t.Helper()
	d, err := forms.Parse([]byte(src))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	d.SetClock(func() time.Time { return testNow })
	return d
}

// oneField is a definition with one step holding the given field JSON.
func oneField(field string) string {
	return `{"key": "prova", "title": "Prova", "steps": [{"id": "s", "title": "Passo", "fields": [` + field + `]}]}`
}

// problems returns the catalogue codes of a Parse error.
func problems(err error) []string {
	e := apperr.As(err)
	if e == nil {
		return nil
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Code)
	}
	return out
}

func TestParseRejectsBadDefinitions(t *testing.T) {
	many := func(n int, item string) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = strings.ReplaceAll(item, "#", string(rune('a'+i%26))+strings.Repeat("x", i/26))
		}
		return strings.Join(parts, ",")
	}
	for _, tc := range []struct {
		name, src, code string
	}{
		{"syntax", `{"key": "x",`, "forms.def.shape"},
		{"syntax comma", `{"key": "prova" "title": "x"}`, "forms.def.syntax"},
		{"unknown member", `{"key": "prova", "title": "x", "stpes": []}`, "forms.def.shape"},
		{"wrong shape", `{"key": 3}`, "forms.def.shape"},
		{"trailing", `{"title": "x", "steps": []} {}`, "forms.def.trailing"},
		{"bad key", `{"key": "Prova!", "title": "x", "steps": [{"id": "s", "title": "t", "fields": [{"name": "a", "type": "text", "label": "A"}]}]}`, "forms.def.key"},
		{"no title", `{"steps": [{"id": "s", "title": "t", "fields": [{"name": "a", "type": "text", "label": "A"}]}]}`, "forms.def.text_missing"},
		{"no steps", `{"title": "x", "steps": []}`, "forms.def.no_steps"},
		{"bad step id", `{"title": "x", "steps": [{"id": "Passo 1", "title": "t", "fields": [{"name": "a", "type": "text", "label": "A"}]}]}`, "forms.def.step_id"},
		{"duplicate step", `{"title": "x", "steps": [{"id": "s", "title": "t", "fields": [{"name": "a", "type": "text", "label": "A"}]}, {"id": "s", "title": "t", "fields": [{"name": "b", "type": "text", "label": "B"}]}]}`, "forms.def.step_dup"},
		{"unknown kind", `{"title": "x", "steps": [{"id": "s", "kind": "quiz", "title": "t"}]}`, "forms.def.step_kind"},
		{"duplicate field", oneField(`{"name": "a", "type": "text", "label": "A"}, {"name": "a", "type": "email", "label": "B"}`), "forms.def.field_dup"},
		{"bad field name", oneField(`{"name": "1a", "type": "text", "label": "A"}`), "forms.def.field_name"},
		{"unknown type", oneField(`{"name": "a", "type": "colour", "label": "A"}`), "forms.def.type"},
		{"no label", oneField(`{"name": "a", "type": "text"}`), "forms.def.text_missing"},
		{"select without options", oneField(`{"name": "a", "type": "select", "label": "A"}`), "forms.def.options"},
		{"duplicate option", oneField(`{"name": "a", "type": "radio", "label": "A", "options": [{"value": "x", "label": "X"}, {"value": "x", "label": "Y"}]}`), "forms.def.option_dup"},
		{"bad option value", oneField(`{"name": "a", "type": "radio", "label": "A", "options": [{"value": "x y", "label": "X"}]}`), "forms.def.option_value"},
		{"options on text", oneField(`{"name": "a", "type": "text", "label": "A", "options": [{"value": "x", "label": "X"}]}`), "forms.def.not_applicable"},
		{"bad pattern", oneField(`{"name": "a", "type": "text", "label": "A", "pattern": "(a"}`), "forms.def.pattern"},
		{"backreference pattern", oneField(`{"name": "a", "type": "text", "label": "A", "pattern": "(a)\\1"}`), "forms.def.pattern"},
		{"lengths", oneField(`{"name": "a", "type": "text", "label": "A", "minLength": 10, "maxLength": 5}`), "forms.def.length"},
		{"range", oneField(`{"name": "a", "type": "number", "label": "A", "min": 10, "max": 5}`), "forms.def.range"},
		{"negative amount", oneField(`{"name": "a", "type": "amount", "label": "A", "min": -1}`), "forms.def.range"},
		{"decimals", oneField(`{"name": "a", "type": "number", "label": "A", "decimals": 9}`), "forms.def.decimals"},
		{"date limit", oneField(`{"name": "a", "type": "date", "label": "A", "minDate": "yesterday"}`), "forms.def.date_limit"},
		{"impossible date limit", oneField(`{"name": "a", "type": "date", "label": "A", "maxDate": "2026-02-30"}`), "forms.def.date_limit"},
		{"file without accept", oneField(`{"name": "a", "type": "file", "label": "A"}`), "forms.def.accept_types"},
		{"file wildcard", oneField(`{"name": "a", "type": "file", "label": "A", "accept": ["image/*"]}`), "forms.def.accept_types"},
		{"file too big", oneField(`{"name": "a", "type": "file", "label": "A", "accept": ["application/pdf"], "maxBytes": 1000000000}`), "forms.def.max_bytes"},
		{"too many files", oneField(`{"name": "a", "type": "file", "label": "A", "accept": ["application/pdf"], "maxFiles": 100}`), "forms.def.max_files"},
		{"nested group", oneField(`{"name": "g", "type": "group", "label": "G", "fields": [{"name": "h", "type": "group", "label": "H", "fields": [{"name": "a", "type": "text", "label": "A"}]}]}`), "forms.def.nesting"},
		{"empty group", oneField(`{"name": "g", "type": "group", "label": "G", "fields": []}`), "forms.def.group_fields"},
		{"group items", oneField(`{"name": "g", "type": "group", "label": "G", "minItems": 5, "maxItems": 2, "fields": [{"name": "a", "type": "text", "label": "A"}]}`), "forms.def.items"},
		{"unknown prefill", oneField(`{"name": "a", "type": "text", "label": "A", "prefill": "shoe_size"}`), "forms.def.prefill"},
		{"wrong prefill", oneField(`{"name": "a", "type": "email", "label": "A", "prefill": "phone"}`), "forms.def.prefill"},
		{"when later field", oneField(`{"name": "a", "type": "text", "label": "A", "when": {"field": "b", "filled": true}}, {"name": "b", "type": "text", "label": "B"}`), "forms.def.when_field"},
		{"when itself", oneField(`{"name": "a", "type": "text", "label": "A", "when": {"field": "a", "filled": true}}`), "forms.def.when_field"},
		{"when two forms", oneField(`{"name": "a", "type": "yesno", "label": "A"}, {"name": "b", "type": "text", "label": "B", "when": {"field": "a", "equals": "yes", "filled": true}}`), "forms.def.when_shape"},
		{"when all and field", oneField(`{"name": "a", "type": "yesno", "label": "A"}, {"name": "b", "type": "text", "label": "B", "when": {"field": "a", "all": [{"field": "a", "equals": "yes"}]}}`), "forms.def.when_shape"},
		{"when empty any", oneField(`{"name": "a", "type": "yesno", "label": "A"}, {"name": "b", "type": "text", "label": "B", "when": {"any": []}}`), "forms.def.when_shape"},
		{"when value", oneField(`{"name": "a", "type": "yesno", "label": "A"}, {"name": "b", "type": "text", "label": "B", "when": {"field": "a", "equals": "si"}}`), "forms.def.when_value"},
		{"when help", oneField(`{"name": "a", "type": "help", "label": "A"}, {"name": "b", "type": "text", "label": "B", "when": {"field": "a", "filled": true}}`), "forms.def.when_field"},
		{"when unknown member", oneField(`{"name": "a", "type": "yesno", "label": "A"}, {"name": "b", "type": "text", "label": "B", "when": {"field": "a", "equal": "yes"}}`), "forms.def.shape"},
		{"exit without when", `{"title": "x", "steps": [{"id": "s", "title": "t", "fields": [{"name": "a", "type": "text", "label": "A"}]}, {"id": "e", "kind": "exit", "title": "Fine", "intro": "No"}]}`, "forms.def.exit_when"},
		{"exit with fields", `{"title": "x", "steps": [{"id": "s", "title": "t", "fields": [{"name": "a", "type": "yesno", "label": "A"}]}, {"id": "e", "kind": "exit", "title": "Fine", "intro": "No", "when": {"field": "a", "equals": "no"}, "fields": [{"name": "b", "type": "text", "label": "B"}]}]}`, "forms.def.exit_fields"},
		{"exit link", `{"title": "x", "steps": [{"id": "s", "title": "t", "fields": [{"name": "a", "type": "yesno", "label": "A"}]}, {"id": "e", "kind": "exit", "title": "Fine", "intro": "No", "when": {"field": "a", "equals": "no"}, "link": "javascript:alert(1)"}]}`, "forms.def.link"},
		{"only exits", `{"title": "x", "steps": [{"id": "e", "kind": "exit", "title": "Fine", "intro": "No", "when": {"not": {"any": [{"all": [{"field": "x", "filled": true}]}]}}}]}`, "forms.def.only_exits"},
		{"declaration without acceptance", `{"title": "x", "steps": [{"id": "d", "kind": "declaration", "title": "D", "intro": "Dichiaro", "fields": [{"name": "h", "type": "help", "label": "H"}]}]}`, "forms.def.declaration_accept"},
		{"declaration with question", `{"title": "x", "steps": [{"id": "d", "kind": "declaration", "title": "D", "intro": "Dichiaro", "fields": [{"name": "ok", "type": "accept", "label": "Sì"}, {"name": "b", "type": "text", "label": "B"}]}]}`, "forms.def.declaration_fields"},
		{"declaration without text", `{"title": "x", "steps": [{"id": "d", "kind": "declaration", "title": "D", "fields": [{"name": "ok", "type": "accept", "label": "Sì"}]}]}`, "forms.def.text_missing"},
		{"acceptance outside declaration", oneField(`{"name": "ok", "type": "accept", "label": "Sì"}`), "forms.def.accept_outside"},
		{"too many steps", `{"title": "x", "steps": [` + many(51, `{"id": "#", "title": "t", "fields": [{"name": "#", "type": "text", "label": "A"}]}`) + `]}`, "forms.def.too_many_steps"},
		{"too many fields", oneField(many(501, `{"name": "#", "type": "text", "label": "A"}`)), "forms.def.too_many_fields"},
		{"huge", oneField(`{"name": "a", "type": "text", "label": "` + strings.Repeat("x", forms.MaxDefinitionBytes) + `"}`), "forms.def.too_big"},
		{"long label", oneField(`{"name": "a", "type": "text", "label": "` + strings.Repeat("x", forms.MaxTextRunes+1) + `"}`), "forms.def.text_long"},
		{"invalid utf-8", "{\"title\": \"\xff\"}", "forms.def.encoding"},
		{"text object", oneField(`{"name": "a", "type": "text", "label": {"it": "A", "de": "B"}}`), "forms.def.shape"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := forms.Parse([]byte(tc.src))
			if !apperr.Is(err, apperr.Invalid) {
				t.Fatalf("err = %v, want Invalid", err)
			}
			codes := problems(err)
			for _, c := range codes {
				if c == tc.code {
					return
				}
			}
			t.Fatalf("codes %v, want %s", codes, tc.code)
		})
	}
}

func TestParseErrorsCarryLines(t *testing.T) {
	src := "{\n  \"title\": \"Prova\",\n  \"steps\": [\n    {\"id\": \"s\", \"title\": \"Passo\", \"fields\": [\n      {\"name\": \"a\", \"type\": \"text\", \"label\": \"A\"},\n      {\"name\": \"b\", \"type\": \"colour\", \"label\": \"B\"}\n    ]}\n  ]\n}"
	_, err := forms.Parse([]byte(src))
	e := apperr.As(err)
	if e == nil || len(e.Fields) != 1 {
		t.Fatalf("err = %v", err)
	}
	f := e.Fields[0]
	if f.Field != "steps[0].fields[1].type" || f.Args["Line"] != 6 || f.Args["Value"] != "colour" {
		t.Fatalf("problem %+v", f)
	}
	_, err = forms.Parse([]byte("{\n\"title\": \"x\",\n\"steps\": [}\n"))
	if e := apperr.As(err); e == nil || e.Fields[0].Args["Line"] != 3 {
		t.Fatalf("syntax error line: %+v", e)
	}
}

func TestTextJSON(t *testing.T) {
	var a, b forms.Text
	if err := json.Unmarshal([]byte(`"Ciao"`), &a); err != nil || a.In("en") != "Ciao" {
		t.Fatalf("string text: %+v %v", a, err)
	}
	if err := json.Unmarshal([]byte(`{"it": "Ciao", "en": "Hello"}`), &b); err != nil || b.In("en") != "Hello" || b.In("it") != "Ciao" {
		t.Fatalf("object text: %+v %v", b, err)
	}
	out, _ := json.Marshal([]forms.Text{a, b})
	if string(out) != `["Ciao",{"en":"Hello","it":"Ciao"}]` {
		t.Fatalf("marshal: %s", out)
	}
}

// typesDef has one field of every type that takes a value in one step.
const typesDef = `{"key": "tipi", "title": "Tipi", "steps": [{"id": "s", "title": "Tutto", "fields": [
	{"name": "t", "type": "text", "label": "Testo", "minLength": 2, "maxLength": 5, "pattern": "[a-z ]+"},
	{"name": "ta", "type": "textarea", "label": "Testo lungo", "maxLength": 20},
	{"name": "n", "type": "number", "label": "Numero", "min": 1, "max": 2000},
	{"name": "nd", "type": "number", "label": "Decimale", "decimals": 2, "min": -5},
	{"name": "d", "type": "date", "label": "Data", "minDate": "today-1y", "maxDate": "today"},
	{"name": "e", "type": "email", "label": "Email"},
	{"name": "p", "type": "phone", "label": "Telefono"},
	{"name": "sel", "type": "select", "label": "Scelta", "options": [{"value": "a", "label": "A"}, {"value": "b", "label": "B"}]},
	{"name": "r", "type": "radio", "label": "Radio", "options": [{"value": "a", "label": "A"}, {"value": "b", "label": "B"}]},
	{"name": "cb", "type": "checkboxes", "label": "Caselle", "options": [{"value": "a", "label": "A"}, {"value": "b", "label": "B"}, {"value": "c", "label": "C"}]},
	{"name": "yn", "type": "yesno", "label": "Sì o no"},
	{"name": "cf", "type": "fiscalcode", "label": "Codice fiscale"},
	{"name": "vat", "type": "vat", "label": "Partita IVA"},
	{"name": "iban", "type": "iban", "label": "IBAN"},
	{"name": "amt", "type": "amount", "label": "Importo", "max": 5000},
	{"name": "addr", "type": "address", "label": "Indirizzo"},
	{"name": "doc", "type": "file", "label": "Documento", "accept": ["application/pdf"], "maxBytes": 1000, "maxFiles": 2},
	{"name": "h", "type": "help", "label": "Aiuto"},
	{"name": "req", "type": "text", "label": "Obbligatorio", "required": true}
]}]}`

func TestDecodeEveryType(t *testing.T) {
	d := mustParse(t, typesDef)
	step := d.Steps[0]
	pdf := forms.FileRef{ID: "f1", Name: "a.pdf", Type: "application/pdf", SHA256: "x", Size: 100}
	for _, tc := range []struct {
		field, input string
		want         any    // the decoded value (nil: no answer)
		err          string // the error id
	}{
		{"t", "  ab c ", "ab c", ""},
		{"t", "a", nil, "forms.err.too_short"},
		{"t", "abcdef", nil, "forms.err.too_long"},
		{"t", "AB", nil, "forms.err.pattern"},
		{"t", "ab\ncd", "ab cd", ""},
		{"ta", "riga 1\r\nriga 2", "riga 1\nriga 2", ""},
		{"ta", strings.Repeat("x", 21), nil, "forms.err.too_long"},
		{"n", "1.234", "1234", ""},
		{"n", "12", "12", ""},
		{"n", "12,5", nil, "forms.err.integer"},
		{"n", "0", nil, "forms.err.min"},
		{"n", "3000", nil, "forms.err.max"},
		{"n", "dodici", nil, "forms.err.number"},
		{"n", "1e3", nil, "forms.err.number"},
		{"nd", "1.234,50", "1234.5", ""},
		{"nd", "3.14", "3.14", ""},
		{"nd", "-4,99", "-4.99", ""},
		{"nd", "1,234", nil, "forms.err.decimals"},
		{"nd", "-6", nil, "forms.err.min"},
		{"nd", "1,2,3", nil, "forms.err.number"},
		{"d", "15/06/2026", "2026-06-15", ""},
		{"d", "2026-06-15", "2026-06-15", ""},
		{"d", "1/6/2026", "2026-06-01", ""},
		{"d", "31/02/2026", nil, "forms.err.date"},
		{"d", "22/11/2025", "2025-11-22", ""},
		{"d", "21/11/2025", nil, "forms.err.date_min"},
		{"d", "23/11/2026", nil, "forms.err.date_max"},
		{"d", "15/06/99999", nil, "forms.err.date"},
		{"e", "mario.rossi@example.it", "mario.rossi@example.it", ""},
		{"e", "Mario <mario@example.it>", nil, "forms.err.email"},
		{"e", "mario@localhost", nil, "forms.err.email"},
		{"p", "+39 011 123 4567", "+390111234567", ""},
		{"p", "333-1234567", "3331234567", ""},
		{"p", "12345", nil, "forms.err.phone"},
		{"p", "chiamami", nil, "forms.err.phone"},
		{"sel", "b", "b", ""},
		{"sel", "z", nil, "forms.err.option"},
		{"r", "a", "a", ""},
		{"r", "<script>", nil, "forms.err.option"},
		{"yn", "yes", "yes", ""},
		{"yn", "forse", nil, "forms.err.option"},
		{"cf", strings.ToLower(adultCode), adultCode, ""},
		{"cf", " rss mra 80a01 h501u ", adultCode, ""},
		{"cf", "RSSMRA80A01H501A", nil, "forms.err.fiscalcode"},
		{"vat", "IT 01234567897", "01234567897", ""},
		{"vat", "01234567890", nil, "forms.err.vat"},
		{"vat", "00000000000", nil, "forms.err.vat"},
		{"iban", "it60 x054 2811 1010 0000 0123 456", "IT60X0542811101000000123456", ""},
		{"iban", "IT60X0542811101000000123457", nil, "forms.err.iban"},
		{"iban", "IT60X054281110100000012345", nil, "forms.err.iban"},
		{"iban", "DE89370400440532013000", "DE89370400440532013000", ""},
		{"amt", "1.234,56", "123456", ""},
		{"amt", "€ 12", "1200", ""},
		{"amt", "12,5", "1250", ""},
		{"amt", "0,01", "1", ""},
		{"amt", "1,234", nil, "forms.err.amount_cents"},
		{"amt", "-3", nil, "forms.err.amount_negative"},
		{"amt", "5000,01", nil, "forms.err.max"},
		{"amt", "tanti", nil, "forms.err.amount"},
	} {
		t.Run(tc.field+"="+tc.input, func(t *testing.T) {
			form := url.Values{tc.field: {tc.input}, "req": {"x"}}
			v, errs := d.Decode(step, form, nil, nil)
			if errs[tc.field] != tc.err {
				t.Fatalf("error %q, want %q (all: %v)", errs[tc.field], tc.err, errs)
			}
			got, ok := v[tc.field]
			if tc.want == nil {
				if ok {
					t.Fatalf("value %#v, want none", got)
				}
				return
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("value %#v, want %#v", got, tc.want)
			}
		})
	}

	t.Run("required", func(t *testing.T) {
		_, errs := d.Decode(step, url.Values{"req": {"   "}}, nil, nil)
		if len(errs) != 1 || errs["req"] != "forms.err.required" {
			t.Fatalf("errors %v", errs)
		}
	})
	t.Run("checkboxes", func(t *testing.T) {
		v, errs := d.Decode(step, url.Values{"cb": {"c", "a", "c"}, "req": {"x"}}, nil, nil)
		if len(errs) != 0 || !reflect.DeepEqual(v["cb"], []string{"a", "c"}) {
			t.Fatalf("%v %v", v["cb"], errs)
		}
		_, errs = d.Decode(step, url.Values{"cb": {"a", "zz"}, "req": {"x"}}, nil, nil)
		if errs["cb"] != "forms.err.option" {
			t.Fatalf("errors %v", errs)
		}
	})
	t.Run("address", func(t *testing.T) {
		form := url.Values{"addr.street": {" Via  Roma "}, "addr.number": {"12/B"}, "addr.postcode": {"10095"}, "addr.municipality": {"Grugliasco"}, "addr.province": {"to"}, "req": {"x"}}
		v, errs := d.Decode(step, form, nil, nil)
		want := forms.Values{"street": "Via Roma", "number": "12/B", "postcode": "10095", "municipality": "Grugliasco", "province": "TO"}
		if len(errs) != 0 || !reflect.DeepEqual(v["addr"], want) {
			t.Fatalf("%#v %v", v["addr"], errs)
		}
		form.Set("addr.postcode", "1009")
		form.Set("addr.province", "Torino")
		form.Del("addr.number")
		_, errs = d.Decode(step, form, nil, nil)
		if errs["addr.postcode"] != "forms.err.postcode" || errs["addr.province"] != "forms.err.province" || errs["addr.number"] != "forms.err.required" {
			t.Fatalf("errors %v", errs)
		}
	})
	t.Run("files", func(t *testing.T) {
		files := map[string][]forms.FileRef{"doc": {pdf}}
		v, errs := d.Decode(step, url.Values{"req": {"x"}}, files, nil)
		if len(errs) != 0 || !reflect.DeepEqual(v["doc"], []forms.FileRef{pdf}) {
			t.Fatalf("%v %v", v["doc"], errs)
		}
		// A second upload adds to the first; a third is one too many.
		second := pdf
		second.ID = "f2"
		v2, errs := d.Decode(step, url.Values{"req": {"x"}}, map[string][]forms.FileRef{"doc": {second}}, v)
		if len(errs) != 0 || len(forms.Files(v2["doc"])) != 2 {
			t.Fatalf("%v %v", v2["doc"], errs)
		}
		third := pdf
		third.ID = "f3"
		_, errs = d.Decode(step, url.Values{"req": {"x"}}, map[string][]forms.FileRef{"doc": {third}}, v2)
		if errs["doc"] != "forms.err.file_count" {
			t.Fatalf("errors %v", errs)
		}
		// Removing one keeps the other.
		v3, errs := d.Decode(step, url.Values{"req": {"x"}, "doc._remove": {"f1"}}, nil, v2)
		if len(errs) != 0 || len(forms.Files(v3["doc"])) != 1 || forms.Files(v3["doc"])[0].ID != "f2" {
			t.Fatalf("%v %v", v3["doc"], errs)
		}
		for _, bad := range []struct {
			ref  forms.FileRef
			code string
		}{
			{forms.FileRef{ID: "x", Name: "a.pdf", Type: "image/png", Size: 10}, "forms.err.file_type"},
			{forms.FileRef{ID: "x", Name: "a.pdf", Type: "application/pdf", Size: 1001}, "forms.err.file_size"},
			{forms.FileRef{ID: "x", Name: "a.pdf", Type: "application/pdf", Size: 0}, "forms.err.file_empty"},
		} {
			v, errs := d.Decode(step, url.Values{"req": {"x"}}, map[string][]forms.FileRef{"doc": {bad.ref}}, nil)
			if errs["doc"] != bad.code || v["doc"] != nil {
				t.Fatalf("%+v: %v %v", bad.ref, v["doc"], errs)
			}
		}
	})
	t.Run("round trip", func(t *testing.T) {
		form := url.Values{"t": {"ab"}, "ta": {"x"}, "n": {"1.500"}, "nd": {"2,5"}, "d": {"01/01/2026"}, "e": {"a@b.it"},
			"p": {"0111234567"}, "sel": {"a"}, "r": {"b"}, "cb": {"a", "b"}, "yn": {"no"}, "cf": {adultCode},
			"vat": {"01234567897"}, "iban": {"IT60X0542811101000000123456"}, "amt": {"1.234,56"},
			"addr.street": {"Via Roma"}, "addr.number": {"1"}, "addr.postcode": {"10095"}, "addr.municipality": {"Grugliasco"}, "addr.province": {"TO"},
			"req": {"x"}, "h": {"ignored"}}
		v, errs := d.Decode(step, form, map[string][]forms.FileRef{"doc": {pdf}}, nil)
		if len(errs) != 0 {
			t.Fatal(errs)
		}
		if _, ok := v["h"]; ok {
			t.Fatal("help text has a value")
		}
		// Through JSON and back, the answers still validate and read the same.
		b, _ := json.Marshal(v)
		var back forms.Values
		json.Unmarshal(b, &back)
		if errs := d.Validate(back); len(errs) != 0 {
			t.Fatalf("stored answers do not validate: %v", errs)
		}
		again, errs := d.Decode(step, d.FormValues(step, back), nil, back)
		if len(errs) != 0 {
			t.Fatal(errs)
		}
		b2, _ := json.Marshal(again)
		if string(b) != string(b2) {
			t.Fatalf("round trip changed the answers:\n%s\n%s", b, b2)
		}
	})
}

// condDef has conditional fields and steps, a group and an exit step.
const condDef = `{"key": "cond", "title": "Condizioni", "steps": [
	{"id": "a", "title": "A", "fields": [
		{"name": "resident", "type": "yesno", "label": "Residente", "required": true},
		{"name": "where", "type": "text", "label": "Dove", "required": true, "when": {"field": "resident", "equals": "no"}},
		{"name": "kids", "type": "group", "label": "Figlio", "minItems": 1, "maxItems": 3, "fields": [
			{"name": "name", "type": "text", "label": "Nome", "required": true},
			{"name": "diet", "type": "yesno", "label": "Dieta", "required": true},
			{"name": "which", "type": "checkboxes", "label": "Quale", "required": true, "options": [{"value": "x", "label": "X"}, {"value": "y", "label": "Y"}], "when": {"field": "diet", "equals": "yes"}},
			{"name": "note", "type": "text", "label": "Nota", "when": {"all": [{"field": "resident", "equals": "yes"}, {"not": {"field": "which", "in": ["y"]}}]}}
		]}
	]},
	{"id": "out", "kind": "exit", "title": "Non fa per te", "intro": "No", "when": {"field": "where", "equals": "Marte"}},
	{"id": "b", "title": "B", "when": {"any": [{"field": "resident", "equals": "yes"}, {"field": "where", "filled": true}]}, "fields": [
		{"name": "ok", "type": "yesno", "label": "Va bene", "required": true}
	]},
	{"id": "c", "title": "C", "when": {"field": "resident", "equals": "yes"}, "fields": [
		{"name": "extra", "type": "text", "label": "Extra"}
	]},
	{"id": "dich", "kind": "declaration", "title": "Dichiarazione", "intro": "Dichiaro", "fields": [
		{"name": "true", "type": "accept", "label": "Vero"}
	]}
]}`

func TestConditionsGroupsAndExit(t *testing.T) {
	d := mustParse(t, condDef)
	a := d.Step("a")
	form := url.Values{"resident": {"yes"}, "where": {"Roma"}, "kids._n": {"2"},
		"kids.0.name": {"Anna"}, "kids.0.diet": {"yes"}, "kids.0.which": {"x"}, "kids.0.note": {"n"},
		"kids.1.name": {"Bruno"}, "kids.1.diet": {"no"}, "kids.1.which": {"y"}}
	v, errs := d.Decode(a, form, nil, nil)
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	if _, ok := v["where"]; ok {
		t.Fatal("hidden field kept")
	}
	kids := forms.Items(v["kids"])
	if len(kids) != 2 || kids[0]["note"] != "n" || kids[1]["which"] != nil {
		t.Fatalf("kids %#v", kids)
	}
	if steps := ids(d.VisibleSteps(v)); steps != "a b c dich" {
		t.Fatalf("visible steps %s", steps)
	}
	// A required sub-field that appears is checked; errors name the item.
	form.Set("kids.1.diet", "yes")
	form.Del("kids.1.which")
	if _, errs = d.Decode(a, form, nil, nil); errs["kids.1.which"] != "forms.err.required" {
		t.Fatalf("errors %v", errs)
	}
	// Adding and removing items: no errors, the other items stay.
	form.Set("_add", "kids")
	v2, errs := d.Decode(a, form, nil, v)
	if errs != nil || len(forms.Items(v2["kids"])) != 3 {
		t.Fatalf("add: %v %v", v2["kids"], errs)
	}
	form.Del("_add")
	form.Set("_remove", "kids.0")
	v3, errs := d.Decode(a, form, nil, v)
	if errs != nil || len(forms.Items(v3["kids"])) != 1 || forms.Items(v3["kids"])[0]["name"] != "Bruno" {
		t.Fatalf("remove: %v %v", v3["kids"], errs)
	}
	form.Del("_remove")
	form.Set("kids._n", "0")
	if _, errs = d.Decode(a, form, nil, v); errs["kids"] != "forms.err.items_min" {
		t.Fatalf("errors %v", errs)
	}
	// More items than allowed are cut.
	form.Set("kids._n", "1000")
	if v4, _ := d.Decode(a, form, nil, v); len(forms.Items(v4["kids"])) != 3 {
		t.Fatalf("items %d", len(forms.Items(v4["kids"])))
	}

	// Changing an earlier answer drops what no longer applies, in later steps too.
	v["extra"] = "qualcosa"
	v["ok"] = "yes"
	form = url.Values{"resident": {"no"}, "where": {"Marte"}, "kids._n": {"1"}, "kids.0.name": {"Anna"}, "kids.0.diet": {"no"}}
	v5, errs := d.Decode(a, form, nil, v)
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	if _, ok := v5["extra"]; ok {
		t.Fatal("answer of a hidden step kept")
	}
	if v5["ok"] != "yes" {
		t.Fatal("answer of a visible step lost")
	}
	if ex := d.Exit(v5); ex == nil || ex.ID != "out" {
		t.Fatalf("exit %v", ex)
	}
	if errs := d.Validate(v5); errs["_exit"] == "" {
		t.Fatalf("validate with exit: %v", errs)
	}
	if steps := ids(d.VisibleSteps(v5)); steps != "a b dich" {
		t.Fatalf("visible steps %s", steps)
	}
}

func ids(steps []*forms.Step) string {
	var out []string
	for _, s := range steps {
		out = append(out, s.ID)
	}
	return strings.Join(out, " ")
}

func TestValidateWholeAnswers(t *testing.T) {
	d := mustParse(t, condDef)
	v := forms.Values{"resident": "yes", "kids": []forms.Values{{"name": "Anna", "diet": "no"}}, "ok": "yes", "true": "yes",
		"unknown": "dropped"}
	if errs := d.Validate(v); len(errs) != 0 {
		t.Fatal(errs)
	}
	delete(v, "true")
	v["ok"] = "maybe"
	errs := d.Validate(v)
	if errs["true"] != "forms.err.accept" || errs["ok"] != "forms.err.option" || len(errs) != 2 {
		t.Fatalf("errors %v", errs)
	}
}

func TestPrefill(t *testing.T) {
	d := mustParse(t, `{"title": "P", "steps": [{"id": "s", "title": "S", "fields": [
		{"name": "cf", "type": "fiscalcode", "label": "CF", "prefill": "fiscal_code"},
		{"name": "nome", "type": "text", "label": "Nome", "prefill": "given_name"},
		{"name": "tel", "type": "phone", "label": "Tel", "prefill": "phone"},
		{"name": "casa", "type": "address", "label": "Casa", "prefill": "address"},
		{"name": "altro", "type": "text", "label": "Altro"}]}]}`)
	v := d.Prefill(forms.Profile{FiscalCode: "TINIT-" + strings.ToLower(adultCode), GivenName: "Mario", Address: "Via Roma 12, 10095 Grugliasco (TO)"})
	want := forms.Values{"cf": adultCode, "nome": "Mario",
		"casa": forms.Values{"street": "Via Roma", "number": "12", "postcode": "10095", "municipality": "Grugliasco", "province": "TO"}}
	if !reflect.DeepEqual(v, want) {
		t.Fatalf("prefill %#v", v)
	}
	if v := d.Prefill(forms.Profile{Address: "Cascina Bianca"}); !reflect.DeepEqual(v["casa"], forms.Values{"street": "Cascina Bianca"}) {
		t.Fatalf("free address %#v", v)
	}
}

func TestSummary(t *testing.T) {
	d := mustParse(t, typesDef)
	v := forms.Values{"sel": "b", "cb": []string{"a", "c"}, "yn": "yes", "d": "2026-01-31", "amt": "123456", "nd": "1234.5",
		"iban": "IT60X0542811101000000123456", "req": "x",
		"addr": forms.Values{"street": "Via Roma", "number": "1", "postcode": "10095", "municipality": "Grugliasco", "province": "TO"},
		"doc":  []forms.FileRef{{ID: "f", Name: "isee.pdf", Type: "application/pdf", Size: 10}}}
	s := d.Summary(v, "it")
	if len(s) != 1 {
		t.Fatalf("summary %+v", s)
	}
	got := map[string]string{}
	for _, r := range s[0].Rows {
		got[r.Label] = r.Value
	}
	for label, want := range map[string]string{"Scelta": "B", "Caselle": "A; C", "Sì o no": "Sì", "Data": "31/01/2026",
		"Importo": "€ 1.234,56", "Decimale": "1234,5", "IBAN": "IT60 X054 2811 1010 0000 0123 456",
		"Indirizzo": "Via Roma 1, 10095 Grugliasco (TO)", "Documento": "isee.pdf", "Obbligatorio": "x"} {
		if got[label] != want {
			t.Errorf("%s = %q, want %q", label, got[label], want)
		}
	}
	if _, ok := got["Testo"]; ok {
		t.Error("unanswered field in the summary")
	}
	if en := d.Summary(v, "en"); en[0].Rows[0].Value == "" {
		t.Error("no English summary")
	}
	g := mustParse(t, condDef)
	gs := g.Summary(forms.Values{"resident": "yes", "kids": []forms.Values{{"name": "Anna", "diet": "no"}, {"name": "Bruno", "diet": "no"}}}, "it")
	if len(gs[0].Rows) != 3 || gs[0].Rows[2].Label != "Figlio 2" || gs[0].Rows[2].Group[0].Value != "Bruno" {
		t.Fatalf("group summary %+v", gs[0].Rows)
	}
}

func TestFileFields(t *testing.T) {
	d := mustParse(t, `{"title": "F", "steps": [{"id": "s", "title": "S", "fields": [
		{"name": "a", "type": "file", "label": "A", "accept": ["application/pdf"]},
		{"name": "g", "type": "group", "label": "G", "fields": [{"name": "b", "type": "file", "label": "B", "accept": ["image/png"]}]}]}]}`)
	fs := d.FileFields()
	if len(fs) != 2 || fs[0].Name != "a" || fs[1].Name != "b" || fs[0].MaxFiles != 1 || fs[0].MaxBytes != 10<<20 {
		t.Fatalf("file fields %+v", fs)
	}
}
