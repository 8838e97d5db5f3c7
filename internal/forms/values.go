package forms

import (
	"encoding/json"
	"strings"
)

// The accessors below read answers whether they are the typed values Decode
// produces or what json.Unmarshal gives back for them ([]any, map[string]any).

// String returns a text answer, or "".
func String(x any) string {
	s, _ := x.(string)
	return s
}

// Strings returns a checkboxes answer.
func Strings(x any) []string {
	switch l := x.(type) {
	case []string:
		return l
	case []any:
		out := make([]string, 0, len(l))
		for _, e := range l {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// Map returns an address answer (or one group item).
func Map(x any) Values {
	switch m := x.(type) {
	case Values:
		return m
	case map[string]any:
		return Values(m)
	}
	return nil
}

// Items returns the items of a group answer.
func Items(x any) []Values {
	switch l := x.(type) {
	case []Values:
		return l
	case []any:
		out := make([]Values, 0, len(l))
		for _, e := range l {
			if m := Map(e); m != nil {
				out = append(out, m)
			}
		}
		return out
	}
	return nil
}

// Files returns the files of a file answer.
func Files(x any) []FileRef {
	switch l := x.(type) {
	case []FileRef:
		return l
	case []any:
		out := make([]FileRef, 0, len(l))
		for _, e := range l {
			m := Map(e)
			if m == nil {
				continue
			}
			f := FileRef{ID: String(m["id"]), Name: String(m["name"]), Type: String(m["type"]), SHA256: String(m["sha256"])}
			switch n := m["size"].(type) {
			case float64:
				f.Size = int64(n)
			case json.Number:
				f.Size, _ = n.Int64()
			case int64:
				f.Size = n
			}
			out = append(out, f)
		}
		return out
	}
	return nil
}

// filled reports whether an answer holds something.
func filled(x any) bool {
	switch v := x.(type) {
	case nil:
		return false
	case string:
		return strings.TrimSpace(v) != ""
	case []string:
		return len(v) > 0
	case []any:
		return len(v) > 0
	case []Values:
		return len(v) > 0
	case []FileRef:
		return len(v) > 0
	case Values:
		for _, e := range v {
			if filled(e) {
				return true
			}
		}
		return false
	case map[string]any:
		return filled(Values(v))
	}
	return true
}

// lookup finds an answer by name: in the group item first, then at the top.
func lookup(name string, top, item Values) any {
	if item != nil {
		if x, ok := item[name]; ok {
			return x
		}
	}
	return top[name]
}

// Eval reports whether the condition holds for the answers (top) and, for a
// group's sub-field, the item's answers. A nil condition always holds.
func (c *Cond) Eval(top, item Values) bool {
	if c == nil {
		return true
	}
	switch {
	case c.All != nil:
		for _, s := range c.All {
			if !s.Eval(top, item) {
				return false
			}
		}
		return true
	case c.Any != nil:
		for _, s := range c.Any {
			if s.Eval(top, item) {
				return true
			}
		}
		return false
	case c.Not != nil:
		return !c.Not.Eval(top, item)
	}
	x := lookup(c.Field, top, item)
	if c.Filled != nil {
		return filled(x) == *c.Filled
	}
	want := c.In
	if c.Equals != nil {
		want = []string{*c.Equals}
	}
	got := Strings(x)
	if s, ok := x.(string); ok {
		got = []string{s}
	}
	for _, g := range got {
		for _, w := range want {
			if g == w {
				return true
			}
		}
	}
	return false
}

// clone copies answers deeply enough that changing the copy's groups and
// addresses leaves the original alone.
func clone(v Values) Values {
	out := make(Values, len(v))
	for k, x := range v {
		switch y := x.(type) {
		case Values:
			out[k] = clone(y)
		case map[string]any:
			out[k] = clone(Values(y))
		case []Values, []any:
			if items := Items(x); items != nil && isItems(x) {
				c := make([]Values, len(items))
				for i, it := range items {
					c[i] = clone(it)
				}
				out[k] = c
			} else {
				out[k] = x
			}
		default:
			out[k] = x
		}
	}
	return out
}

// isItems tells group items from lists of strings or files in a JSON round trip.
func isItems(x any) bool {
	switch l := x.(type) {
	case []Values:
		return true
	case []any:
		if len(l) == 0 {
			return false
		}
		m := Map(l[0])
		if m == nil {
			return false
		}
		_, isFile := m["sha256"]
		return !isFile
	}
	return false
}
