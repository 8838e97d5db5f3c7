package web

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"strings"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// Message catalogues: locales/<area>.<lang>.json, one file per area and language, so
// each module keeps its own texts. Italian is the default and the reference; English
// must be complete (a test checks both have the same keys).
//
//go:embed locales
var localeFS embed.FS

// languages are the supported languages, the default first.
var languages = []language.Tag{language.Italian, language.English}

var langMatcher = language.NewMatcher(languages)

func loadBundle() (*i18n.Bundle, error) {
	b := i18n.NewBundle(language.Italian)
	b.RegisterUnmarshalFunc("json", json.Unmarshal)
	err := fs.WalkDir(localeFS, "locales", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".json") {
			return err
		}
		data, err := fs.ReadFile(localeFS, p)
		if err != nil {
			return err
		}
		if _, err := b.ParseMessageFileBytes(data, p); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		return nil
	})
	return b, err
}

// pickLanguage chooses the language from the lang cookie, then Accept-Language.
func pickLanguage(r *http.Request) string {
	if c, err := r.Cookie("lang"); err == nil && (c.Value == "it" || c.Value == "en") {
		return c.Value
	}
	tags, _, err := language.ParseAcceptLanguage(r.Header.Get("Accept-Language"))
	if err != nil || len(tags) == 0 {
		return "it"
	}
	_, idx, conf := langMatcher.Match(tags...)
	if conf == language.No {
		return "it"
	}
	return languages[idx].String()
}

// translate returns the message for key in the localizer's language. A missing key
// shows the key itself (and a test makes sure none is missing).
func translate(loc *i18n.Localizer, key string, data map[string]any, count any) string {
	if loc == nil {
		return key
	}
	msg, err := loc.Localize(&i18n.LocalizeConfig{MessageID: key, TemplateData: data, PluralCount: count})
	if err != nil || msg == "" {
		return key
	}
	return msg
}

// pairs turns "Name", value, "Other", value… into a map.
func pairs(args []any) map[string]any {
	if len(args) == 0 {
		return nil
	}
	m := make(map[string]any, len(args)/2)
	for i := 0; i+1 < len(args); i += 2 {
		if k, ok := args[i].(string); ok {
			m[k] = args[i+1]
		}
	}
	return m
}
