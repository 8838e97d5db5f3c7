// Package forms is Piazza's declarative forms engine: the definitions of the online
// services' forms, written as JSON by the comune's editors and stored as numbered
// versions, and everything that follows from a definition — which steps and fields
// apply to a given set of answers (conditions), decoding and validating a step's
// form post into normalised values, the prefill from the signed-in citizen, and the
// summary (riepilogo) shown before sending.
//
// A definition is parsed once with Parse, which checks it thoroughly; the result is
// read-only and safe to share between goroutines. Answers are Values: plain
// JSON-serialisable data, so they can be stored as JSON and loaded back (every
// function here accepts both the typed values Decode produces and their JSON
// round-trip).
//
// Field errors are message catalogue ids ("forms.err.required"); the web layer
// translates them.
package forms

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Text is a label in Italian and, optionally, English. In JSON it is either a
// string (Italian only) or {"it": "…", "en": "…"}.
type Text struct{ IT, EN string }

// In returns the text in lang, falling back to Italian.
func (t Text) In(lang string) string {
	if lang == "en" && t.EN != "" {
		return t.EN
	}
	return t.IT
}

// IsZero reports whether the text is empty in every language.
func (t Text) IsZero() bool { return t.IT == "" && t.EN == "" }

// UnmarshalJSON accepts "testo" or {"it": "…", "en": "…"}.
func (t *Text) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*t = Text{IT: s}
		return nil
	}
	var m struct {
		IT string `json:"it"`
		EN string `json:"en"`
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return fmt.Errorf("a text is a string or {\"it\": …, \"en\": …}")
	}
	*t = Text{IT: m.IT, EN: m.EN}
	return nil
}

// MarshalJSON writes a plain string when there is no English text.
func (t Text) MarshalJSON() ([]byte, error) {
	if t.EN == "" {
		return json.Marshal(t.IT)
	}
	return json.Marshal(map[string]string{"it": t.IT, "en": t.EN})
}

// StepKind says what a step is.
type StepKind string

const (
	StepFields      StepKind = "fields"      // questions (the default)
	StepDeclaration StepKind = "declaration" // a text the applicant must accept
	StepExit        StepKind = "exit"        // "this service is not for you": ends the form
)

// Field types.
const (
	TypeText        = "text"
	TypeTextarea    = "textarea"
	TypeNumber      = "number"
	TypeDate        = "date"
	TypeEmail       = "email"
	TypePhone       = "phone"
	TypeSelect      = "select"
	TypeRadio       = "radio"
	TypeCheckboxes  = "checkboxes"
	TypeYesNo       = "yesno"
	TypeFiscalCode  = "fiscalcode"
	TypeVAT         = "vat"
	TypeIBAN        = "iban"
	TypeAmount      = "amount"
	TypeAddress     = "address"
	TypeFile        = "file"
	TypeGroup       = "group"
	TypeHelp        = "help"
	TypeAcceptance  = "accept" // one mandatory checkbox of a declaration step
	maxPatternBytes = 500
)

// Types lists every field type, in the order the documentation presents them.
var Types = []string{TypeText, TypeTextarea, TypeNumber, TypeDate, TypeEmail, TypePhone, TypeSelect, TypeRadio,
	TypeCheckboxes, TypeYesNo, TypeFiscalCode, TypeVAT, TypeIBAN, TypeAmount, TypeAddress, TypeFile, TypeGroup,
	TypeHelp, TypeAcceptance}

// AddressParts are the sub-fields of an address value, in order.
var AddressParts = []string{"street", "number", "postcode", "municipality", "province"}

// Prefill keys: what a field can take from the signed-in citizen's profile.
var PrefillKeys = []string{"fiscal_code", "given_name", "family_name", "email", "phone", "address"}

// Definition is a parsed form.
type Definition struct {
	Key   string
	Title Text
	Intro Text
	Steps []*Step

	fields map[string]*Field // top-level fields by name
	now    func() time.Time
}

// Step is one page of the form.
type Step struct {
	ID     string
	Kind   StepKind
	Title  Text
	Intro  Text // the text of a declaration or exit step, or an introduction
	When   *Cond
	Fields []*Field
	// Link is an optional address an exit step points to (e.g. another service).
	Link      string
	LinkLabel Text
}

// Option is one choice of a select, radio or checkboxes field.
type Option struct {
	Value string
	Label Text
}

// Field is one question.
type Field struct {
	Name     string
	Type     string
	Label    Text
	Help     Text
	Required bool
	When     *Cond
	Prefill  string

	Options   []Option
	MinLength int    // text, textarea (runes; 0 = none)
	MaxLength int    // text, textarea (runes; 0 = the type's default)
	Pattern   string // text: RE2, matched against the whole value
	Min, Max  *float64
	Decimals  int    // number: digits allowed after the comma (0 = integers)
	MinDate   string // date: "yyyy-mm-dd", "today", "today+30d", "today-18y", "today+1m"
	MaxDate   string

	Accept   []string // file: sniffed MIME types
	MaxBytes int64    // file: per file
	MaxFiles int      // file: how many (default 1)

	Fields   []*Field // group: sub-fields
	MinItems int      // group
	MaxItems int      // group

	pattern *regexp.Regexp
	byName  map[string]*Field // group: sub-fields by name
}

// HasValue reports whether the field holds an answer (help text does not).
func (f *Field) HasValue() bool { return f.Type != TypeHelp }

// Option returns the option with a value, or nil.
func (f *Field) Option(value string) *Option {
	for i := range f.Options {
		if f.Options[i].Value == value {
			return &f.Options[i]
		}
	}
	return nil
}

// Cond is a condition on earlier answers. Exactly one form is used:
// {"field": "x", "equals": "v"}, {"field": "x", "in": ["a", "b"]},
// {"field": "x", "filled": true}, {"all": [...]}, {"any": [...]}, {"not": {...}}.
// For checkboxes, equals and in test whether a chosen value matches.
type Cond struct {
	Field  string   `json:"field,omitempty"`
	Equals *string  `json:"equals,omitempty"`
	In     []string `json:"in,omitempty"`
	Filled *bool    `json:"filled,omitempty"`
	All    []*Cond  `json:"all,omitempty"`
	Any    []*Cond  `json:"any,omitempty"`
	Not    *Cond    `json:"not,omitempty"`
}

// Values are the answers: field name → string | []string (checkboxes) | Values
// (address) | []Values (group items) | []FileRef (files).
type Values map[string]any

// FileRef is an uploaded file an answer points to.
type FileRef struct {
	ID     string `json:"id"` // the upload's public id
	Name   string `json:"name"`
	Type   string `json:"type"` // sniffed MIME type
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// Errors maps a field path ("children.1.birth_date") to a message catalogue id.
type Errors map[string]string

// Profile is what the signed-in citizen's identity says, for the prefill.
type Profile struct{ FiscalCode, GivenName, FamilyName, Email, Phone, Address string }

// SetClock replaces the clock used for relative dates ("today") and for the birth
// dates of fiscal codes; tests use it.
func (d *Definition) SetClock(now func() time.Time) { d.now = now }

func (d *Definition) today() time.Time {
	now := time.Now
	if d.now != nil {
		now = d.now
	}
	t := now().In(rome)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// rome is the time zone "today" is taken in.
var rome = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		return time.FixedZone("CET", 3600)
	}
	return loc
}()

// Field returns a top-level field by name, or nil.
func (d *Definition) Field(name string) *Field { return d.fields[name] }

// Step returns a step by id, or nil.
func (d *Definition) Step(id string) *Step {
	for _, s := range d.Steps {
		if s.ID == id {
			return s
		}
	}
	return nil
}

// VisibleSteps lists the steps that apply to the answers, without exit steps.
func (d *Definition) VisibleSteps(v Values) []*Step {
	var out []*Step
	for _, s := range d.Steps {
		if s.Kind != StepExit && s.When.Eval(v, nil) {
			out = append(out, s)
		}
	}
	return out
}

// Exit returns the first exit step whose condition holds, or nil.
func (d *Definition) Exit(v Values) *Step {
	for _, s := range d.Steps {
		if s.Kind == StepExit && s.When.Eval(v, nil) {
			return s
		}
	}
	return nil
}

// FileFields lists every file field, also inside groups.
func (d *Definition) FileFields() []*Field {
	var out []*Field
	var walk func(fs []*Field)
	walk = func(fs []*Field) {
		for _, f := range fs {
			if f.Type == TypeFile {
				out = append(out, f)
			}
			walk(f.Fields)
		}
	}
	for _, s := range d.Steps {
		walk(s.Fields)
	}
	return out
}

// Prefill returns the answers the citizen's profile provides, for the fields that
// ask for them. It is meant for a new draft only: once-only, the citizen can then
// change them.
func (d *Definition) Prefill(p Profile) Values {
	out := Values{}
	src := map[string]string{"fiscal_code": fiscalNormalize(p.FiscalCode), "given_name": p.GivenName,
		"family_name": p.FamilyName, "email": p.Email, "phone": p.Phone, "address": p.Address}
	for _, s := range d.Steps {
		for _, f := range s.Fields {
			val := strings.TrimSpace(src[f.Prefill])
			if f.Prefill == "" || val == "" {
				continue
			}
			if f.Type == TypeAddress {
				out[f.Name] = parseAddressLine(val)
			} else {
				out[f.Name] = val
			}
		}
	}
	return out
}

var addressLineRE = regexp.MustCompile(`^(.+?),?\s+(\d+[A-Za-z]?(?:/[A-Za-z0-9]+)?|snc|SNC)\s*,\s*(\d{5})\s+(.+?)\s*\(([A-Za-z]{2})\)$`)

// parseAddressLine splits "Via Roma 1, 10095 Grugliasco (TO)" into an address
// value; anything else goes whole into the street.
func parseAddressLine(s string) Values {
	if m := addressLineRE.FindStringSubmatch(s); m != nil {
		return Values{"street": m[1], "number": m[2], "postcode": m[3], "municipality": m[4], "province": strings.ToUpper(m[5])}
	}
	return Values{"street": s}
}
