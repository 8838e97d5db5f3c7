package forms

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"piazza/internal/fiscalcode"
)

// Form post conventions. Inputs are named by the field's path: "name" at the top,
// "children.0.name" inside a group item, "residence.postcode" for an address part.
// A group posts its number of items as "<group>._n"; the "add another" button posts
// _add=<group> and each item's "remove" button _remove=<group>.<index>. Files already
// attached are kept unless "<path>._remove" lists their ids.
const (
	AddKey    = "_add"
	RemoveKey = "_remove"
	countKey  = "._n"
)

// Editing reports whether a post only adds or removes a group item: the caller
// shows the same step again (Decode applies the change and reports no errors).
func Editing(form url.Values) bool {
	return form.Get(AddKey) != "" || form.Get(RemoveKey) != ""
}

// Decode reads the answers of one step from a form post and the files uploaded
// with it (by field path), on top of the answers so far (prev, left unchanged). It
// returns every answer — normalised, with the fields that conditions hide dropped —
// and the errors of the step's fields by path. Editing posts return no errors.
func (d *Definition) Decode(step *Step, form url.Values, files map[string][]FileRef, prev Values) (Values, Errors) {
	out := clone(prev)
	errs := Errors{}
	for _, f := range step.Fields {
		if !f.HasValue() {
			continue
		}
		if !f.When.Eval(out, nil) {
			delete(out, f.Name)
			continue
		}
		dc := decoder{d: d, form: form, files: files, errs: errs, top: out}
		if v := dc.field(f, f.Name, prev[f.Name], nil); v != nil {
			out[f.Name] = v
		} else {
			delete(out, f.Name)
		}
	}
	out = d.prune(out)
	if Editing(form) {
		return out, nil
	}
	return out, errs
}

// Validate checks a complete set of answers, as at submission: every field of
// every visible step, as if each step were posted again.
func (d *Definition) Validate(v Values) Errors {
	errs := Errors{}
	cur := d.prune(clone(v))
	for _, s := range d.VisibleSteps(cur) {
		next, e := d.Decode(s, d.FormValues(s, cur), nil, cur)
		for k, m := range e {
			errs[k] = m
		}
		cur = next
	}
	if d.Exit(cur) != nil {
		errs["_exit"] = "forms.err.exit"
	}
	return errs
}

// prune drops the answers that do not belong: unknown names, the fields of hidden
// steps and the fields whose condition does not hold. Conditions only look back,
// so one pass in definition order settles everything.
func (d *Definition) prune(v Values) Values {
	out := Values{}
	for _, s := range d.Steps {
		if s.Kind == StepExit || !s.When.Eval(out, nil) {
			continue
		}
		for _, f := range s.Fields {
			x, ok := v[f.Name]
			if !ok || !f.HasValue() || !f.When.Eval(out, nil) {
				continue
			}
			if f.Type == TypeGroup {
				items := Items(x)
				kept := make([]Values, len(items))
				for i, it := range items {
					kept[i] = Values{}
					for _, sub := range f.Fields {
						if y, ok := it[sub.Name]; ok && sub.HasValue() && sub.When.Eval(out, kept[i]) {
							kept[i][sub.Name] = y
						}
					}
				}
				x = kept
			}
			out[f.Name] = x
		}
	}
	return out
}

// decoder decodes the fields of one post.
type decoder struct {
	d     *Definition
	form  url.Values
	files map[string][]FileRef
	errs  Errors
	top   Values // the answers decoded so far (for conditions)
}

func (dc *decoder) fail(path, code string) { dc.errs[path] = code }

// field decodes one field at path; prev is its earlier answer (for files and
// groups), item the group item it belongs to. nil means no answer.
func (dc *decoder) field(f *Field, path string, prev any, item Values) any {
	raw := dc.form.Get(path)
	switch f.Type {
	case TypeGroup:
		return dc.group(f, path, prev)
	case TypeAddress:
		return dc.address(f, path)
	case TypeFile:
		return dc.file(f, path, prev)
	case TypeCheckboxes:
		return dc.checkboxes(f, path)
	case TypeTextarea:
		raw = strings.TrimSpace(strings.ReplaceAll(raw, "\r\n", "\n"))
	default:
		raw = strings.TrimSpace(strings.Map(func(r rune) rune {
			if r == '\n' || r == '\r' || r == '\t' {
				return ' '
			}
			return r
		}, raw))
	}
	if raw == "" {
		if f.Required {
			code := "forms.err.required"
			if f.Type == TypeAcceptance {
				code = "forms.err.accept"
			}
			dc.fail(path, code)
		}
		return nil
	}
	v, code := dc.d.scalar(f, raw)
	if code != "" {
		dc.fail(path, code)
		return nil
	}
	return v
}

// scalar normalises and checks a one-value answer; it returns the value or an
// error id.
func (d *Definition) scalar(f *Field, s string) (string, string) {
	switch f.Type {
	case TypeText, TypeTextarea:
		n := utf8.RuneCountInString(s)
		switch {
		case n < f.MinLength:
			return "", "forms.err.too_short"
		case f.MaxLength > 0 && n > f.MaxLength:
			return "", "forms.err.too_long"
		case f.pattern != nil && !f.pattern.MatchString(s):
			return "", "forms.err.pattern"
		}
		return s, ""
	case TypeNumber:
		n, ok := parseDecimal(s)
		switch {
		case !ok:
			return "", "forms.err.number"
		case len(n.frac) > f.Decimals && f.Decimals == 0:
			return "", "forms.err.integer"
		case len(n.frac) > f.Decimals:
			return "", "forms.err.decimals"
		case f.Min != nil && n.float() < *f.Min:
			return "", "forms.err.min"
		case f.Max != nil && n.float() > *f.Max:
			return "", "forms.err.max"
		}
		return n.canonical(), ""
	case TypeAmount:
		cents, code := parseAmount(s)
		switch {
		case code != "":
			return "", code
		case f.Min != nil && float64(cents) < *f.Min*100-0.5:
			return "", "forms.err.min"
		case f.Max != nil && float64(cents) > *f.Max*100+0.5:
			return "", "forms.err.max"
		}
		return strconv.FormatInt(cents, 10), ""
	case TypeDate:
		t, ok := parseDate(s)
		if !ok {
			return "", "forms.err.date"
		}
		today := d.today()
		if lim, ok := resolveDate(f.MinDate, today); ok && t.Before(lim) {
			return "", "forms.err.date_min"
		}
		if lim, ok := resolveDate(f.MaxDate, today); ok && t.After(lim) {
			return "", "forms.err.date_max"
		}
		return t.Format(isoDate), ""
	case TypeEmail:
		if !validEmail(s) {
			return "", "forms.err.email"
		}
		return s, ""
	case TypePhone:
		p, ok := normalizePhone(s)
		if !ok {
			return "", "forms.err.phone"
		}
		return p, ""
	case TypeSelect, TypeRadio:
		if f.Option(s) == nil {
			return "", "forms.err.option"
		}
		return s, ""
	case TypeYesNo:
		if s != "yes" && s != "no" {
			return "", "forms.err.option"
		}
		return s, ""
	case TypeAcceptance:
		if s != "yes" {
			return "", "forms.err.accept"
		}
		return s, ""
	case TypeFiscalCode:
		code := fiscalNormalize(s)
		if _, err := fiscalcode.Parse(code, d.today()); err != nil {
			return "", "forms.err.fiscalcode"
		}
		return code, ""
	case TypeVAT:
		v, ok := normalizeVAT(s)
		if !ok {
			return "", "forms.err.vat"
		}
		return v, ""
	case TypeIBAN:
		v, ok := normalizeIBAN(s)
		if !ok {
			return "", "forms.err.iban"
		}
		return v, ""
	}
	return "", "forms.err.invalid"
}

func fiscalNormalize(s string) string { return fiscalcode.Normalize(s) }

func (dc *decoder) checkboxes(f *Field, path string) any {
	chosen := map[string]bool{}
	for _, v := range dc.form[path] {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		if f.Option(v) == nil {
			dc.fail(path, "forms.err.option")
			return nil
		}
		chosen[v] = true
	}
	var out []string
	for _, o := range f.Options {
		if chosen[o.Value] {
			out = append(out, o.Value)
		}
	}
	if len(out) == 0 {
		if f.Required {
			dc.fail(path, "forms.err.required")
		}
		return nil
	}
	return out
}

func (dc *decoder) address(f *Field, path string) any {
	v := Values{}
	for _, part := range AddressParts {
		s := strings.TrimSpace(strings.Join(strings.Fields(dc.form.Get(path+"."+part)), " "))
		if utf8.RuneCountInString(s) > 200 {
			dc.fail(path+"."+part, "forms.err.too_long")
			return nil
		}
		if s != "" {
			v[part] = s
		}
	}
	if len(v) == 0 {
		if f.Required {
			dc.fail(path+".street", "forms.err.required")
		}
		return nil
	}
	ok := true
	for _, part := range AddressParts {
		s := String(v[part])
		code := ""
		switch {
		case s == "":
			code = "forms.err.required"
		case part == "postcode" && !isDigits(s, 5):
			code = "forms.err.postcode"
		case part == "province":
			s = strings.ToUpper(s)
			v[part] = s
			if len(s) != 2 || strings.Trim(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
				code = "forms.err.province"
			}
		case part == "number" && !civicNumberRE.MatchString(s):
			code = "forms.err.civic_number"
		}
		if code != "" {
			dc.fail(path+"."+part, code)
			ok = false
		}
	}
	if !ok {
		return nil
	}
	return v
}

func (dc *decoder) file(f *Field, path string, prev any) any {
	remove := map[string]bool{}
	for _, id := range dc.form[path+"._remove"] {
		remove[id] = true
	}
	var out []FileRef
	for _, ref := range Files(prev) {
		if !remove[ref.ID] {
			out = append(out, ref)
		}
	}
	for _, ref := range dc.files[path] {
		switch {
		case !slices.Contains(f.Accept, ref.Type):
			dc.fail(path, "forms.err.file_type")
		case ref.Size <= 0:
			dc.fail(path, "forms.err.file_empty")
		case ref.Size > f.MaxBytes:
			dc.fail(path, "forms.err.file_size")
		default:
			out = append(out, ref)
			continue
		}
	}
	if _, bad := dc.errs[path]; bad {
		return nonEmptyFiles(out)
	}
	if len(out) > f.MaxFiles {
		dc.fail(path, "forms.err.file_count")
		return nonEmptyFiles(out[:f.MaxFiles])
	}
	if len(out) == 0 && f.Required {
		dc.fail(path, "forms.err.required")
	}
	return nonEmptyFiles(out)
}

func nonEmptyFiles(fs []FileRef) any {
	if len(fs) == 0 {
		return nil
	}
	return fs
}

func (dc *decoder) group(f *Field, path string, prev any) any {
	prevItems := Items(prev)
	n := len(prevItems)
	if s := dc.form.Get(path + countKey); s != "" {
		if k, err := strconv.Atoi(s); err == nil {
			n = k
		}
	}
	n = max(0, min(n, f.MaxItems))
	items := make([]Values, 0, n+1)
	for i := range n {
		var before Values
		if i < len(prevItems) {
			before = prevItems[i]
		}
		item := Values{}
		for _, sub := range f.Fields {
			if !sub.HasValue() || !sub.When.Eval(dc.top, item) {
				continue
			}
			if v := dc.field(sub, itemPath(path, i, sub.Name), before[sub.Name], item); v != nil {
				item[sub.Name] = v
			}
		}
		items = append(items, item)
	}
	if dc.form.Get(AddKey) == path && len(items) < f.MaxItems {
		items = append(items, Values{})
	}
	if r := dc.form.Get(RemoveKey); strings.HasPrefix(r, path+".") {
		if i, err := strconv.Atoi(strings.TrimPrefix(r, path+".")); err == nil && i >= 0 && i < len(items) {
			items = slices.Delete(items, i, i+1)
		}
	}
	if len(items) < f.MinItems {
		dc.fail(path, "forms.err.items_min")
	}
	if len(items) == 0 {
		return nil
	}
	return items
}

// itemPath is the path of a sub-field of a group item.
func itemPath(group string, i int, name string) string {
	return group + "." + strconv.Itoa(i) + "." + name
}

// FormValues is the inverse of Decode for one step: the form post that gives the
// answers v. The web layer fills the inputs with it; Validate posts it again.
func (d *Definition) FormValues(step *Step, v Values) url.Values {
	form := url.Values{}
	for _, f := range step.Fields {
		encodeField(form, f, f.Name, v[f.Name])
	}
	return form
}

func encodeField(form url.Values, f *Field, path string, x any) {
	switch f.Type {
	case TypeHelp, TypeFile:
	case TypeGroup:
		items := Items(x)
		form.Set(path+countKey, strconv.Itoa(len(items)))
		for i, it := range items {
			for _, sub := range f.Fields {
				encodeField(form, sub, itemPath(path, i, sub.Name), it[sub.Name])
			}
		}
	case TypeAddress:
		m := Map(x)
		for _, part := range AddressParts {
			if s := String(m[part]); s != "" {
				form.Set(path+"."+part, s)
			}
		}
	case TypeCheckboxes:
		for _, s := range Strings(x) {
			form.Add(path, s)
		}
	case TypeAmount:
		if s := String(x); s != "" {
			form.Set(path, InputAmount(s))
		}
	case TypeNumber:
		if s := String(x); s != "" {
			form.Set(path, strings.Replace(s, ".", ",", 1))
		}
	case TypeDate:
		if s := String(x); s != "" {
			form.Set(path, FormatDate(s))
		}
	default:
		if s := String(x); s != "" {
			form.Set(path, s)
		}
	}
}
