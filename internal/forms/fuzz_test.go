package forms_test

import (
	"encoding/json"
	"net/url"
	"testing"

	"piazza/internal/apperr"
	"piazza/internal/forms"
)

// FuzzParse feeds the parser arbitrary definitions: it must never panic, and what
// it accepts must survive a second look (decode, validate, summary on no answers).
func FuzzParse(f *testing.F) {
	f.Add([]byte(typesDef))
	f.Add([]byte(condDef))
	f.Add([]byte(`{"title": "x", "steps": [{"id": "s", "title": "t", "fields": [{"name": "a", "type": "text", "label": "A", "pattern": "[a-z]+"}]}]}`))
	f.Add([]byte(`{"title": {"it": "x"}, "steps": [{"id": "e", "kind": "exit", "title": "t", "intro": "i", "when": {"not": {"field": "a", "filled": true}}}]}`))
	f.Add([]byte(`[1, 2`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := forms.Parse(data)
		if err != nil {
			if !apperr.Is(err, apperr.Invalid) || len(apperr.As(err).Fields) == 0 {
				t.Fatalf("parse error without problems: %v", err)
			}
			return
		}
		v := forms.Values{}
		for _, s := range d.VisibleSteps(v) {
			v, _ = d.Decode(s, url.Values{}, nil, v)
		}
		d.Validate(v)
		d.Summary(v, "en")
		d.Exit(v)
		d.FileFields()
	})
}

// FuzzDecode posts arbitrary text to a field of every type (and to an address
// part, a group item, the add/remove buttons and an upload's name, type and size): Decode must never panic, errors
// must name posted paths, and what it accepts must validate again after a JSON
// round trip.
func FuzzDecode(f *testing.F) {
	d := mustParse(f, typesDef)
	g := mustParse(f, condDef)
	for _, seed := range []string{"", "1.234,56", "31/12/2025", adultCode, "IT60X0542811101000000123456", "a@b.it", "+39 011", "yes", "\x00", "-0,00"} {
		f.Add("t", seed)
	}
	names := []string{"t", "ta", "n", "nd", "d", "e", "p", "sel", "r", "cb", "yn", "cf", "vat", "iban", "amt", "addr.street",
		"addr.postcode", "addr.province", "req"}
	f.Fuzz(func(t *testing.T, name, value string) {
		for _, n := range names {
			if name != "t" && name != n {
				continue
			}
			form := url.Values{n: {value}, "req": {"x"}, "doc._remove": {value}}
			files := map[string][]forms.FileRef{"doc": {{ID: value, Name: value, Type: value, Size: int64(len(value))}}}
			v, errs := d.Decode(d.Steps[0], form, files, nil)
			check(t, d, v, errs)
		}
		form := url.Values{"resident": {value}, "kids._n": {value}, "kids.0.which._remove": {value}, "kids.0.name": {value}, "kids.0.diet": {"yes"},
			"kids.0.which": {value, "x"}, "_remove": {value}, "_add": {value}}
		v, errs := g.Decode(g.Steps[0], form, nil, nil)
		if errs == nil {
			return
		}
		check(t, g, v, errs)
	})
}

func check(t *testing.T, d *forms.Definition, v forms.Values, errs forms.Errors) {
	t.Helper()
	if len(errs) > 0 {
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var back forms.Values
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	step := d.Steps[0]
	if _, errs := d.Decode(step, d.FormValues(step, back), nil, back); len(errs) > 0 {
		t.Fatalf("accepted %s, rejected after a round trip: %v", b, errs)
	}
	d.Summary(back, "it")
}
