package forms

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"piazza/internal/apperr"
)

// Limits of a definition.
const (
	MaxDefinitionBytes = 512 << 10
	MaxSteps           = 50
	MaxFields          = 500 // every field, sub-fields included
	MaxOptions         = 300
	MaxTextRunes       = 10000 // a label, help or step text
	MaxFileBytes       = 50 << 20
	MaxFilesPerField   = 20
	MaxGroupItems      = 100
	maxCondDepth       = 8
	maxProblems        = 50
	defaultTextMax     = 500
	defaultTextareaMax = 10000
	defaultFileBytes   = 10 << 20
	defaultGroupItems  = 20
)

var (
	keyRE    = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,59}$`)
	nameRE   = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)
	optionRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,59}$`)
	dateRE   = regexp.MustCompile(`^(?:today(?:[+-]\d{1,4}[dmy])?|\d{4}-\d{2}-\d{2})$`)
)

// The JSON shapes of a definition; unknown members are errors (typos are caught).
type defJSON struct {
	Key   string      `json:"key"`
	Title Text        `json:"title"`
	Intro Text        `json:"intro"`
	Steps []*stepJSON `json:"steps"`
}

type stepJSON struct {
	ID        string       `json:"id"`
	Kind      StepKind     `json:"kind"`
	Title     Text         `json:"title"`
	Intro     Text         `json:"intro"`
	When      *Cond        `json:"when"`
	Fields    []*fieldJSON `json:"fields"`
	Link      string       `json:"link"`
	LinkLabel Text         `json:"linkLabel"`
}

type optionJSON struct {
	Value string `json:"value"`
	Label Text   `json:"label"`
}

type fieldJSON struct {
	Name      string        `json:"name"`
	Type      string        `json:"type"`
	Label     Text          `json:"label"`
	Help      Text          `json:"help"`
	Required  bool          `json:"required"`
	When      *Cond         `json:"when"`
	Prefill   string        `json:"prefill"`
	Options   []*optionJSON `json:"options"`
	MinLength *int          `json:"minLength"`
	MaxLength *int          `json:"maxLength"`
	Pattern   string        `json:"pattern"`
	Min       *float64      `json:"min"`
	Max       *float64      `json:"max"`
	Decimals  *int          `json:"decimals"`
	MinDate   string        `json:"minDate"`
	MaxDate   string        `json:"maxDate"`
	Accept    []string      `json:"accept"`
	MaxBytes  *int64        `json:"maxBytes"`
	MaxFiles  *int          `json:"maxFiles"`
	Fields    []*fieldJSON  `json:"fields"`
	MinItems  *int          `json:"minItems"`
	MaxItems  *int          `json:"maxItems"`
}

// parser collects every problem of a definition, with where it is.
type parser struct {
	src      []byte
	pos      map[string]int64 // JSON path → offset of the value
	problems []apperr.FieldError
	fields   int
}

func (p *parser) add(where, code string, args ...any) {
	if len(p.problems) >= maxProblems {
		return
	}
	m := map[string]any{"Where": where, "Line": p.line(where)}
	for i := 0; i+1 < len(args); i += 2 {
		m[args[i].(string)] = args[i+1]
	}
	p.problems = append(p.problems, apperr.FieldError{Field: where, Code: code, Args: m})
}

// line is the 1-based line of the value at a JSON path (or of its closest
// enclosing value), for the editor.
func (p *parser) line(where string) int {
	for where != "" {
		if off, ok := p.pos[where]; ok {
			return 1 + bytes.Count(p.src[:off], []byte{'\n'})
		}
		i := strings.LastIndexAny(where, ".[")
		if i < 0 {
			break
		}
		where = where[:i]
	}
	return 1
}

// Parse checks a JSON definition and loads it. The error is apperr.Invalid with
// code "forms.def.invalid" and one FieldError per problem: Field is the JSON path
// ("steps[1].fields[0].options"), Code a catalogue id, and Args carry "Line" (the
// line of that value in data) and, where useful, "Value" or "Detail".
func Parse(data []byte) (*Definition, error) {
	p := &parser{src: data}
	if len(data) > MaxDefinitionBytes {
		p.add("", "forms.def.too_big", "Max", MaxDefinitionBytes>>10)
		return nil, p.err()
	}
	if !utf8.Valid(data) {
		p.add("", "forms.def.encoding")
		return nil, p.err()
	}
	var raw defJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		p.jsonError(err)
		return nil, p.err()
	}
	if dec.More() {
		p.add("", "forms.def.trailing", "Line", 1+bytes.Count(data[:dec.InputOffset()], []byte{'\n'}))
		return nil, p.err()
	}
	p.pos = positions(data)
	d := p.definition(&raw)
	if len(p.problems) > 0 {
		return nil, p.err()
	}
	return d, nil
}

func (p *parser) err() error {
	return &apperr.Error{Kind: apperr.Invalid, Code: "forms.def.invalid", Fields: p.problems}
}

// jsonError reports a syntax or shape error of the JSON itself.
func (p *parser) jsonError(err error) {
	lineAt := func(off int64) int {
		off = min(max(off, 0), int64(len(p.src)))
		return 1 + bytes.Count(p.src[:off], []byte{'\n'})
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		p.problems = append(p.problems, apperr.FieldError{Code: "forms.def.syntax", Args: map[string]any{"Line": lineAt(syn.Offset), "Where": "", "Detail": syn.Error()}})
	case errors.As(err, &typ):
		p.problems = append(p.problems, apperr.FieldError{Field: typ.Field, Code: "forms.def.shape",
			Args: map[string]any{"Line": lineAt(typ.Offset), "Where": typ.Field, "Detail": typ.Field + ": " + typ.Value}})
	default:
		msg := strings.TrimPrefix(err.Error(), "json: ")
		line := 1
		if _, name, ok := strings.Cut(msg, "unknown field "); ok {
			if i := bytes.Index(p.src, []byte(name)); i >= 0 {
				line = lineAt(int64(i))
			}
		} else if errors.Is(err, io.ErrUnexpectedEOF) {
			line = lineAt(int64(len(p.src)))
		}
		p.problems = append(p.problems, apperr.FieldError{Code: "forms.def.shape", Args: map[string]any{"Line": line, "Where": "", "Detail": msg}})
	}
}

// positions maps the JSON path of every value to its offset in data.
func positions(data []byte) map[string]int64 {
	pos := map[string]int64{}
	dec := json.NewDecoder(bytes.NewReader(data))
	start := func() int64 {
		off := dec.InputOffset()
		for off < int64(len(data)) && strings.IndexByte(" \t\r\n,:", data[off]) >= 0 {
			off++
		}
		return off
	}
	var walk func(path string, depth int) bool
	walk = func(path string, depth int) bool {
		if depth > 64 {
			return false
		}
		off := start()
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		pos[path] = off
		switch tok {
		case json.Delim('{'):
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return false
				}
				key, _ := k.(string)
				sub := key
				if path != "" {
					sub = path + "." + key
				}
				if !walk(sub, depth+1) {
					return false
				}
			}
			_, err = dec.Token()
		case json.Delim('['):
			for i := 0; dec.More(); i++ {
				if !walk(path+"["+strconv.Itoa(i)+"]", depth+1) {
					return false
				}
			}
			_, err = dec.Token()
		}
		return err == nil
	}
	walk("", 0)
	return pos
}

// scope is what a condition may refer to: the fields defined before it.
type scope struct {
	top  map[string]*Field // top-level fields defined so far
	item map[string]*Field // inside a group: the item's earlier sub-fields
}

func (p *parser) definition(raw *defJSON) *Definition {
	d := &Definition{Key: raw.Key, Title: raw.Title, Intro: raw.Intro, fields: map[string]*Field{}}
	if raw.Key != "" && !keyRE.MatchString(raw.Key) {
		p.add("key", "forms.def.key", "Value", raw.Key)
	}
	p.text("title", raw.Title, true)
	p.text("intro", raw.Intro, false)
	switch {
	case len(raw.Steps) == 0:
		p.add("steps", "forms.def.no_steps")
	case len(raw.Steps) > MaxSteps:
		p.add("steps", "forms.def.too_many_steps", "Max", MaxSteps)
		return d
	}
	stepIDs := map[string]bool{}
	sc := scope{top: map[string]*Field{}}
	hasQuestions := false
	for i, rs := range raw.Steps {
		where := fmt.Sprintf("steps[%d]", i)
		if rs == nil {
			p.add(where, "forms.def.shape", "Detail", "null")
			continue
		}
		s := p.step(where, rs, stepIDs, sc, d)
		if s.Kind != StepExit {
			hasQuestions = true
		}
		d.Steps = append(d.Steps, s)
	}
	if len(raw.Steps) > 0 && !hasQuestions {
		p.add("steps", "forms.def.only_exits")
	}
	return d
}

func (p *parser) text(where string, t Text, required bool) {
	if required && strings.TrimSpace(t.IT) == "" {
		p.add(where, "forms.def.text_missing")
	}
	if utf8.RuneCountInString(t.IT) > MaxTextRunes || utf8.RuneCountInString(t.EN) > MaxTextRunes {
		p.add(where, "forms.def.text_long", "Max", MaxTextRunes)
	}
}

func (p *parser) step(where string, rs *stepJSON, ids map[string]bool, sc scope, d *Definition) *Step {
	s := &Step{ID: rs.ID, Kind: rs.Kind, Title: rs.Title, Intro: rs.Intro, When: rs.When, Link: rs.Link, LinkLabel: rs.LinkLabel}
	if s.Kind == "" {
		s.Kind = StepFields
	}
	switch {
	case !nameRE.MatchString(s.ID):
		p.add(where+".id", "forms.def.step_id", "Value", s.ID)
	case ids[s.ID]:
		p.add(where+".id", "forms.def.step_dup", "Value", s.ID)
	}
	ids[s.ID] = true
	p.text(where+".title", s.Title, true)
	p.text(where+".intro", s.Intro, s.Kind != StepFields)
	p.text(where+".linkLabel", s.LinkLabel, false)
	p.cond(where+".when", s.When, sc, 0)
	switch s.Kind {
	case StepFields, StepDeclaration:
		if s.Link != "" {
			p.add(where+".link", "forms.def.not_applicable", "Value", "link")
		}
	case StepExit:
		if s.When == nil {
			p.add(where, "forms.def.exit_when")
		}
		if len(rs.Fields) > 0 {
			p.add(where+".fields", "forms.def.exit_fields")
		}
		if s.Link != "" {
			if u, err := url.Parse(s.Link); err != nil || !(u.Scheme == "https" || (u.Scheme == "" && u.Host == "" && strings.HasPrefix(s.Link, "/") && !strings.HasPrefix(s.Link, "//"))) {
				p.add(where+".link", "forms.def.link", "Value", s.Link)
			}
		}
		return s
	default:
		p.add(where+".kind", "forms.def.step_kind", "Value", string(s.Kind))
		return s
	}
	if len(rs.Fields) == 0 {
		p.add(where+".fields", "forms.def.no_fields")
	}
	accepts := 0
	for i, rf := range rs.Fields {
		fw := fmt.Sprintf("%s.fields[%d]", where, i)
		if rf == nil {
			p.add(fw, "forms.def.shape", "Detail", "null")
			continue
		}
		f := p.field(fw, rf, sc, false)
		if f == nil {
			continue
		}
		switch {
		case f.Type == TypeAcceptance:
			accepts++
			if s.Kind != StepDeclaration {
				p.add(fw+".type", "forms.def.accept_outside")
			}
		case s.Kind == StepDeclaration && f.Type != TypeHelp:
			p.add(fw+".type", "forms.def.declaration_fields", "Value", f.Type)
		}
		if _, dup := sc.top[f.Name]; dup {
			p.add(fw+".name", "forms.def.field_dup", "Value", f.Name)
		} else if f.Name != "" {
			sc.top[f.Name] = f
			if f.HasValue() {
				d.fields[f.Name] = f
			}
		}
		s.Fields = append(s.Fields, f)
	}
	if s.Kind == StepDeclaration && accepts == 0 {
		p.add(where+".fields", "forms.def.declaration_accept")
	}
	return s
}

// field checks one field; inGroup is set for the sub-fields of a group.
func (p *parser) field(where string, rf *fieldJSON, sc scope, inGroup bool) *Field {
	p.fields++
	if p.fields == MaxFields+1 {
		p.add(where, "forms.def.too_many_fields", "Max", MaxFields)
	}
	if p.fields > MaxFields {
		return nil
	}
	f := &Field{Name: rf.Name, Type: rf.Type, Label: rf.Label, Help: rf.Help, Required: rf.Required, When: rf.When,
		Prefill: rf.Prefill, Pattern: rf.Pattern, Min: rf.Min, Max: rf.Max, MinDate: rf.MinDate, MaxDate: rf.MaxDate}
	if !nameRE.MatchString(f.Name) {
		p.add(where+".name", "forms.def.field_name", "Value", f.Name)
	}
	if !slices.Contains(Types, f.Type) {
		p.add(where+".type", "forms.def.type", "Value", f.Type)
		return f
	}
	p.text(where+".label", f.Label, true)
	p.text(where+".help", f.Help, false)
	p.cond(where+".when", f.When, sc, 0)

	// Which properties the type takes; any other one set is a mistake.
	allowed := map[string]bool{}
	for _, k := range strings.Fields(propsByType[f.Type]) {
		allowed[k] = true
	}
	set := map[string]bool{"options": rf.Options != nil, "minLength": rf.MinLength != nil, "maxLength": rf.MaxLength != nil,
		"pattern": rf.Pattern != "", "min": rf.Min != nil, "max": rf.Max != nil, "decimals": rf.Decimals != nil,
		"minDate": rf.MinDate != "", "maxDate": rf.MaxDate != "", "accept": rf.Accept != nil, "maxBytes": rf.MaxBytes != nil,
		"maxFiles": rf.MaxFiles != nil, "fields": rf.Fields != nil, "minItems": rf.MinItems != nil, "maxItems": rf.MaxItems != nil,
		"prefill": rf.Prefill != "", "required": rf.Required}
	for _, k := range []string{"options", "minLength", "maxLength", "pattern", "min", "max", "decimals", "minDate", "maxDate",
		"accept", "maxBytes", "maxFiles", "fields", "minItems", "maxItems", "prefill", "required"} {
		if set[k] && !allowed[k] {
			p.add(where+"."+k, "forms.def.not_applicable", "Value", k)
		}
	}
	if f.Type == TypeAcceptance {
		f.Required = true
	}
	if f.Prefill != "" && allowed["prefill"] {
		switch {
		case !slices.Contains(PrefillKeys, f.Prefill):
			p.add(where+".prefill", "forms.def.prefill", "Value", f.Prefill)
		case inGroup:
			p.add(where+".prefill", "forms.def.not_applicable", "Value", "prefill")
		case f.Type == TypeAddress && f.Prefill != "address", f.Type == TypeFiscalCode && f.Prefill != "fiscal_code",
			f.Type == TypeEmail && f.Prefill != "email", f.Type == TypePhone && f.Prefill != "phone":
			p.add(where+".prefill", "forms.def.prefill", "Value", f.Prefill)
		}
	}

	// Lengths and pattern (text, textarea).
	if allowed["maxLength"] {
		limit := defaultTextMax
		if f.Type == TypeTextarea {
			limit = defaultTextareaMax
		}
		f.MaxLength = limit
		if rf.MaxLength != nil {
			f.MaxLength = *rf.MaxLength
		}
		if rf.MinLength != nil {
			f.MinLength = *rf.MinLength
		}
		if f.MaxLength < 1 || f.MaxLength > 100000 || f.MinLength < 0 || f.MinLength > f.MaxLength {
			p.add(where+".maxLength", "forms.def.length")
		}
	}
	if f.Pattern != "" && allowed["pattern"] {
		re, err := regexp.Compile(`^(?:` + f.Pattern + `)$`)
		if len(f.Pattern) > maxPatternBytes || err != nil {
			detail := ""
			if err != nil {
				detail = strings.TrimPrefix(err.Error(), "error parsing regexp: ")
			}
			p.add(where+".pattern", "forms.def.pattern", "Detail", detail)
		}
		f.pattern = re
	}
	// Numeric limits (number, amount).
	if f.Min != nil && f.Max != nil && *f.Min > *f.Max {
		p.add(where+".min", "forms.def.range")
	}
	if f.Type == TypeAmount && ((f.Min != nil && *f.Min < 0) || (f.Max != nil && *f.Max > maxAmountEuro)) {
		p.add(where+".min", "forms.def.range")
	}
	if rf.Decimals != nil {
		f.Decimals = *rf.Decimals
		if f.Decimals < 0 || f.Decimals > 6 {
			p.add(where+".decimals", "forms.def.decimals")
		}
	}
	// Dates.
	for _, x := range []struct{ k, v string }{{"minDate", f.MinDate}, {"maxDate", f.MaxDate}} {
		if x.v == "" {
			continue
		}
		if !dateRE.MatchString(x.v) {
			p.add(where+"."+x.k, "forms.def.date_limit", "Value", x.v)
		} else if _, ok := resolveDate(x.v, today0); !ok {
			p.add(where+"."+x.k, "forms.def.date_limit", "Value", x.v)
		}
	}
	// Options.
	if allowed["options"] {
		p.options(where+".options", f, rf.Options)
	}
	// Files.
	if f.Type == TypeFile {
		if len(rf.Accept) == 0 {
			p.add(where+".accept", "forms.def.accept_types")
		}
		for _, t := range rf.Accept {
			mt, params, err := mime.ParseMediaType(t)
			if err != nil || len(params) > 0 || mt != t || !strings.Contains(t, "/") || strings.Contains(t, "*") {
				p.add(where+".accept", "forms.def.accept_types", "Value", t)
				continue
			}
			f.Accept = append(f.Accept, t)
		}
		f.MaxBytes, f.MaxFiles = defaultFileBytes, 1
		if rf.MaxBytes != nil {
			f.MaxBytes = *rf.MaxBytes
		}
		if rf.MaxFiles != nil {
			f.MaxFiles = *rf.MaxFiles
		}
		if f.MaxBytes < 1 || f.MaxBytes > MaxFileBytes {
			p.add(where+".maxBytes", "forms.def.max_bytes", "Max", MaxFileBytes>>20)
		}
		if f.MaxFiles < 1 || f.MaxFiles > MaxFilesPerField {
			p.add(where+".maxFiles", "forms.def.max_files", "Max", MaxFilesPerField)
		}
	}
	// Groups.
	if f.Type == TypeGroup {
		p.group(where, f, rf, sc, inGroup)
	}
	return f
}

// propsByType lists the optional properties each type takes.
var propsByType = map[string]string{
	TypeText:       "required prefill minLength maxLength pattern",
	TypeTextarea:   "required prefill minLength maxLength",
	TypeNumber:     "required min max decimals",
	TypeDate:       "required minDate maxDate",
	TypeEmail:      "required prefill",
	TypePhone:      "required prefill",
	TypeSelect:     "required options",
	TypeRadio:      "required options",
	TypeCheckboxes: "required options",
	TypeYesNo:      "required",
	TypeFiscalCode: "required prefill",
	TypeVAT:        "required",
	TypeIBAN:       "required",
	TypeAmount:     "required min max",
	TypeAddress:    "required prefill",
	TypeFile:       "required accept maxBytes maxFiles",
	TypeGroup:      "fields minItems maxItems",
	TypeHelp:       "",
	TypeAcceptance: "required",
}

func (p *parser) options(where string, f *Field, raw []*optionJSON) {
	if len(raw) == 0 {
		p.add(where, "forms.def.options")
		return
	}
	if len(raw) > MaxOptions {
		p.add(where, "forms.def.too_many_options", "Max", MaxOptions)
		return
	}
	seen := map[string]bool{}
	for i, o := range raw {
		ow := fmt.Sprintf("%s[%d]", where, i)
		if o == nil {
			p.add(ow, "forms.def.shape", "Detail", "null")
			continue
		}
		switch {
		case !optionRE.MatchString(o.Value):
			p.add(ow+".value", "forms.def.option_value", "Value", o.Value)
		case seen[o.Value]:
			p.add(ow+".value", "forms.def.option_dup", "Value", o.Value)
		}
		seen[o.Value] = true
		p.text(ow+".label", o.Label, true)
		f.Options = append(f.Options, Option{Value: o.Value, Label: o.Label})
	}
}

func (p *parser) group(where string, f *Field, rf *fieldJSON, sc scope, inGroup bool) {
	if inGroup {
		p.add(where+".type", "forms.def.nesting")
		return
	}
	f.MinItems, f.MaxItems = 0, defaultGroupItems
	if rf.MinItems != nil {
		f.MinItems = *rf.MinItems
	}
	if rf.MaxItems != nil {
		f.MaxItems = *rf.MaxItems
	}
	if f.MinItems < 0 || f.MaxItems < 1 || f.MaxItems > MaxGroupItems || f.MinItems > f.MaxItems {
		p.add(where+".maxItems", "forms.def.items", "Max", MaxGroupItems)
	}
	if len(rf.Fields) == 0 {
		p.add(where+".fields", "forms.def.group_fields")
		return
	}
	f.byName = map[string]*Field{}
	inner := scope{top: sc.top, item: f.byName}
	for i, rsub := range rf.Fields {
		sw := fmt.Sprintf("%s.fields[%d]", where, i)
		if rsub == nil {
			p.add(sw, "forms.def.shape", "Detail", "null")
			continue
		}
		if rsub.Type == TypeGroup {
			p.fields++
			p.add(sw+".type", "forms.def.nesting")
			continue
		}
		sub := p.field(sw, rsub, inner, true)
		if sub == nil {
			continue
		}
		if sub.Type == TypeAcceptance {
			p.add(sw+".type", "forms.def.accept_outside")
		}
		if _, dup := f.byName[sub.Name]; dup {
			p.add(sw+".name", "forms.def.field_dup", "Value", sub.Name)
			continue
		}
		f.byName[sub.Name] = sub
		f.Fields = append(f.Fields, sub)
	}
}

// cond checks a condition: exactly one form, and it refers only to answer fields
// defined earlier (for a group's sub-field: earlier sub-fields of the item, or
// earlier top-level fields), with values among the field's choices.
func (p *parser) cond(where string, c *Cond, sc scope, depth int) {
	if c == nil {
		return
	}
	if depth > maxCondDepth {
		p.add(where, "forms.def.when_depth", "Max", maxCondDepth)
		return
	}
	shapes := 0
	if c.Field != "" || c.Equals != nil || c.In != nil || c.Filled != nil {
		shapes++
	}
	for _, x := range []bool{c.All != nil, c.Any != nil, c.Not != nil} {
		if x {
			shapes++
		}
	}
	if shapes != 1 {
		p.add(where, "forms.def.when_shape")
		return
	}
	switch {
	case c.All != nil || c.Any != nil:
		list, key := c.All, "all"
		if c.Any != nil {
			list, key = c.Any, "any"
		}
		if len(list) == 0 {
			p.add(where+"."+key, "forms.def.when_shape")
		}
		for i, sub := range list {
			p.cond(fmt.Sprintf("%s.%s[%d]", where, key, i), sub, sc, depth+1)
		}
		return
	case c.Not != nil:
		p.cond(where+".not", c.Not, sc, depth+1)
		return
	}
	tests := 0
	for _, x := range []bool{c.Equals != nil, c.In != nil, c.Filled != nil} {
		if x {
			tests++
		}
	}
	if tests != 1 || c.Field == "" || (c.In != nil && len(c.In) == 0) || (c.Filled != nil && !*c.Filled) {
		p.add(where, "forms.def.when_shape")
		return
	}
	target := sc.item[c.Field]
	if target == nil {
		target = sc.top[c.Field]
	}
	if target == nil || !target.HasValue() || target.Type == TypeGroup {
		p.add(where+".field", "forms.def.when_field", "Value", c.Field)
		return
	}
	if c.Filled != nil {
		return
	}
	values := c.In
	if c.Equals != nil {
		values = []string{*c.Equals}
	}
	var choices []string
	switch target.Type {
	case TypeSelect, TypeRadio, TypeCheckboxes:
		for _, o := range target.Options {
			choices = append(choices, o.Value)
		}
	case TypeYesNo:
		choices = []string{"yes", "no"}
	case TypeAcceptance:
		choices = []string{"yes"}
	case TypeFile, TypeAddress:
		p.add(where, "forms.def.when_shape")
		return
	default:
		return
	}
	for _, v := range values {
		if !slices.Contains(choices, v) {
			p.add(where, "forms.def.when_value", "Value", v, "Field", c.Field)
		}
	}
}
