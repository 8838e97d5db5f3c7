package web

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"piazza/internal/accounts"
	"piazza/internal/audit"
	"piazza/internal/tenants"
)

func readCatalogue(t *testing.T, name string) map[string]string {
	t.Helper()
	b, err := fs.ReadFile(localeFS, "locales/"+name)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

// TestBackofficeCatalogue: the back-office catalogue is complete in both languages,
// holds every key the back-office pages use, and every office.*, citizen.*, tenant.*
// and oidc.* error code the domain packages and the store return.
func TestBackofficeCatalogue(t *testing.T) {
	it, en := readCatalogue(t, "backoffice.it.json"), readCatalogue(t, "backoffice.en.json")
	for k, v := range it {
		if _, ok := en[k]; !ok {
			t.Errorf("%s missing in English", k)
		}
		if strings.TrimSpace(v) == "" {
			t.Errorf("%s is empty in Italian", k)
		}
	}
	for k, v := range en {
		if _, ok := it[k]; !ok {
			t.Errorf("%s missing in Italian", k)
		}
		if strings.TrimSpace(v) == "" {
			t.Errorf("%s is empty in English", k)
		}
	}
	all := catalogue(t)["it"] // every area's keys: messages may live in another area's file
	known := func(k string) bool { _, ok := all[k]; return ok }

	// Literal keys in the back office's templates and handlers.
	var sources []string
	for _, glob := range []string{"templates/backoffice/*.html", "templates/partials/backoffice.html", "templates/layout/backoffice.html", "backoffice*.go"} {
		files, _ := filepath.Glob(glob)
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			sources = append(sources, string(b))
		}
	}
	keyRE := regexp.MustCompile(`"(bo\.[a-z_.]+[a-z_])"`)
	n := 0
	for _, src := range sources {
		for _, m := range keyRE.FindAllStringSubmatch(src, -1) {
			n++
			if !known(m[1]) {
				t.Errorf("key %s is used but not in the catalogue", m[1])
			}
		}
	}
	if n < 100 {
		t.Fatalf("found only %d keys in the sources", n)
	}
	// Keys built with printf from a value.
	var built []string
	for _, r := range accounts.AllRoles {
		built = append(built, "bo.role."+string(r), "bo.role."+string(r)+".help")
	}
	for _, m := range tenants.AllModules {
		built = append(built, "bo.module."+string(m))
	}
	for _, s := range tenants.SocialNetworks {
		built = append(built, "bo.social."+s)
	}
	for _, k := range []tenants.HostKind{tenants.HostSite, tenants.HostServices, tenants.HostAlias} {
		built = append(built, "bo.tenant.host."+string(k))
	}
	for _, k := range []audit.ActorKind{audit.ActorStaff, audit.ActorPlatform, audit.ActorCitizen, audit.ActorCLI, audit.ActorSystem, audit.ActorAnon} {
		built = append(built, "bo.audit.actor_kind."+string(k))
	}
	built = append(built, "bo.tenant.kind.comune", "bo.tenant.kind.unione", "bo.tenant.status.active", "bo.tenant.status.suspended", "bo.language.it", "bo.language.en")
	built = append(built, auditCSVColumns...)
	for _, k := range built {
		if !known(k) {
			t.Errorf("key %s is not in the catalogue", k)
		}
	}

	// Error codes of the domain packages (as apperr codes and field-error codes).
	codeRE := regexp.MustCompile(`(?:apperr\.(?:E|Wrap)\(apperr\.\w+, |\.Add(?:Args)?\((?:"[^"]*"|fmt\.Sprintf\([^)]*\)), |Code: |notFound\([^,]+, |fieldConflict\("[^"]*", )"((?:office|citizen|tenant|oidc)\.[a-z_.]+)"`)
	var codes []string
	for _, dir := range []string{"../accounts", "../tenants", "../store"} {
		files, _ := filepath.Glob(dir + "/*.go")
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range codeRE.FindAllStringSubmatch(string(b), -1) {
				if !slices.Contains(codes, m[1]) {
					codes = append(codes, m[1])
				}
			}
		}
	}
	if len(codes) < 40 || !slices.Contains(codes, "tenant.social.invalid") || !slices.Contains(codes, "office.in_use") {
		t.Fatalf("found only %d domain codes: %v", len(codes), codes)
	}
	for _, c := range codes {
		if !known(c) {
			t.Errorf("domain error code %s is not in the catalogue", c)
		}
	}
}
