package web

import (
	"encoding/json"
	"io/fs"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"piazza/internal/accounts"
)

// catalogue reads locales/<area>.<lang>.json.
func authReadCatalogue(t *testing.T, area, lang string) map[string]string {
	t.Helper()
	b, err := fs.ReadFile(localeFS, "locales/"+area+"."+lang+".json")
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// allMessages merges every catalogue of a language.
func authAllMessages(t *testing.T, lang string) map[string]string {
	t.Helper()
	out := map[string]string{}
	files, err := fs.Glob(localeFS, "locales/*."+lang+".json")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		area := strings.TrimSuffix(strings.TrimPrefix(f, "locales/"), "."+lang+".json")
		for k, v := range authReadCatalogue(t, area, lang) {
			out[k] = v
		}
	}
	return out
}

func TestAuthCatalogueIsComplete(t *testing.T) {
	it, en := authReadCatalogue(t, "auth", "it"), authReadCatalogue(t, "auth", "en")
	for k, v := range it {
		if strings.TrimSpace(v) == "" {
			t.Errorf("it: %s is empty", k)
		}
		if strings.TrimSpace(en[k]) == "" {
			t.Errorf("en: %s is missing", k)
		}
	}
	for k := range en {
		if _, ok := it[k]; !ok {
			t.Errorf("it: %s is missing (only in English)", k)
		}
	}

	// (Every error code the domain returns is checked against the whole catalogue
	// by TestErrorCodesExist.)
	for _, r := range accounts.AllRoles {
		if _, ok := it["staff.role."+string(r)]; !ok {
			t.Errorf("no label for role %s", r)
		}
	}
}

// TestAuthKeysExist: every key the sign-in templates and handlers use has a text in
// both languages.
func TestAuthKeysExist(t *testing.T) {
	it, en := authAllMessages(t, "it"), authAllMessages(t, "en")
	tmpl, err := fs.ReadFile(templateFS, "templates/partials/auth.html")
	if err != nil {
		t.Fatal(err)
	}
	code, err := os.ReadFile("auth.go")
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, m := range regexp.MustCompile(`\$\.T "([a-z_.]+)"`).FindAllStringSubmatch(string(tmpl), -1) {
		keys = append(keys, m[1])
	}
	for _, m := range regexp.MustCompile(`"((?:auth|error)\.[a-z_.]+)"`).FindAllStringSubmatch(string(code), -1) {
		keys = append(keys, m[1])
	}
	if len(keys) < 40 {
		t.Fatalf("only %d keys found", len(keys))
	}
	slices.Sort(keys)
	for _, k := range slices.Compact(keys) {
		if it[k] == "" || en[k] == "" {
			t.Errorf("key %q lacks a text (it %q, en %q)", k, it[k], en[k])
		}
	}
}
