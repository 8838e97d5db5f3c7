package web

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// catalogue loads every locales/<area>.<lang>.json into lang → key → text.
func catalogue(t *testing.T) map[string]map[string]string {
	t.Helper()
	out := map[string]map[string]string{}
	err := fs.WalkDir(localeFS, "locales", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		parts := strings.Split(filepath.Base(p), ".")
		if len(parts) != 3 || parts[2] != "json" {
			t.Errorf("catalogue file %s must be named <area>.<lang>.json", p)
			return nil
		}
		lang := parts[1]
		b, _ := fs.ReadFile(localeFS, p)
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Errorf("%s: %v", p, err)
			return nil
		}
		if out[lang] == nil {
			out[lang] = map[string]string{}
		}
		for k, v := range m {
			if _, dup := out[lang][k]; dup {
				t.Errorf("%s: key %s defined twice", p, k)
			}
			switch x := v.(type) {
			case string:
				out[lang][k] = x
			case map[string]any: // plural forms
				out[lang][k], _ = x["other"].(string)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestCataloguesAreComplete(t *testing.T) {
	c := catalogue(t)
	if len(c) != 2 || c["it"] == nil || c["en"] == nil {
		t.Fatalf("want it and en catalogues, got %v", len(c))
	}
	for k, v := range c["it"] {
		if strings.TrimSpace(v) == "" {
			t.Errorf("it: %s is empty", k)
		}
		if e, ok := c["en"][k]; !ok || strings.TrimSpace(e) == "" {
			t.Errorf("en: %s missing", k)
		}
	}
	for k := range c["en"] {
		if _, ok := c["it"][k]; !ok {
			t.Errorf("it: %s missing (defined only in English)", k)
		}
	}
}

var tKeyRE = regexp.MustCompile(`\$\.T[N]? "([a-z0-9_.]+)"`)

// TestTemplateKeysExist checks that every literal key a template translates exists.
func TestTemplateKeysExist(t *testing.T) {
	c := catalogue(t)
	err := fs.WalkDir(templateFS, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := fs.ReadFile(templateFS, p)
		for _, m := range tKeyRE.FindAllStringSubmatch(string(b), -1) {
			if _, ok := c["it"][m[1]]; !ok {
				t.Errorf("%s: unknown catalogue key %q", p, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

var codeRE = regexp.MustCompile(`^[a-z_]+(\.[a-z0-9_]+)+$`)

// TestErrorCodesExist checks that every error code the domain packages return (a
// string literal passed to apperr.E, apperr.Wrap, Validation.Add/AddArgs,
// FieldError{Code: …} or Code: …) is in the catalogue, so people never see a raw key.
func TestErrorCodesExist(t *testing.T) {
	c := catalogue(t)
	fset := token.NewFileSet()
	var missing []string
	roots := []string{"../accounts", "../tenants", "../apperr", "../store", "../applications", "../upload", "../booking", "."}
	for _, root := range roots {
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() && p != root && (d.Name() == "testdata" || d.Name() == "storetest") {
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return err
			}
			if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
				return nil
			}
			src, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			f, err := parser.ParseFile(fset, p, src, 0)
			if err != nil {
				return err
			}
			ast.Inspect(f, func(n ast.Node) bool {
				var lits []*ast.BasicLit
				switch x := n.(type) {
				case *ast.CallExpr:
					name := ""
					switch fn := x.Fun.(type) {
					case *ast.SelectorExpr:
						name = fn.Sel.Name
					case *ast.Ident:
						name = fn.Name
					}
					switch name {
					case "E", "Wrap", "fieldConflict", "notFound":
						for _, a := range x.Args {
							if l, ok := a.(*ast.BasicLit); ok && l.Kind == token.STRING {
								lits = append(lits, l)
							}
						}
					case "Add", "AddArgs":
						if len(x.Args) >= 2 {
							if l, ok := x.Args[1].(*ast.BasicLit); ok && l.Kind == token.STRING {
								lits = append(lits, l)
							}
						}
					}
				case *ast.KeyValueExpr:
					if k, ok := x.Key.(*ast.Ident); ok && k.Name == "Code" {
						if l, ok := x.Value.(*ast.BasicLit); ok && l.Kind == token.STRING {
							lits = append(lits, l)
						}
					}
				}
				for _, l := range lits {
					s, _ := strconv.Unquote(l.Value)
					if !codeRE.MatchString(s) || s == "probe" {
						continue
					}
					if _, ok := c["it"][s]; !ok {
						missing = append(missing, s+" ("+fset.Position(l.Pos()).String()+")")
					}
				}
				return true
			})
			return nil
		})
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Errorf("error code not in the catalogue: %s", m)
	}
}
