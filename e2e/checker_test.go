//go:build e2e

package e2e

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// modelCheck computes, in the page, the rules the official checker evaluates in the
// browser (reference/modello-comuni.md §3.10):
//   - C.SI.1.2: the Bootstrap Italia version, from window.BOOTSTRAP_ITALIA_VERSION or
//     the --bootstrap-italia-version custom property read on body, quotes stripped;
//     and the share of the page's distinct classes that are Bootstrap Italia's (here:
//     class selectors of the vendored Bootstrap Italia stylesheet, the source of the
//     checker's list);
//   - C.SI.1.1: the first family of the computed font of every h1–h6 and p.
const modelCheck = `(async () => {
  const out = {version: "", share: 0, classes: 0, badFonts: []};
  out.version = String(window.BOOTSTRAP_ITALIA_VERSION ||
    getComputedStyle(document.body).getPropertyValue("--bootstrap-italia-version") || "").replace(/["' ]/g, "");
  const link = [...document.querySelectorAll('link[rel="stylesheet"]')].find(l => l.href.includes("bootstrap-italia"));
  const css = link ? await (await fetch(link.href)).text() : "";
  const bi = new Set([...css.matchAll(/\.(-?[_a-zA-Z][_a-zA-Z0-9-]*)/g)].map(m => m[1]));
  const used = new Set();
  document.querySelectorAll("[class]").forEach(el => el.classList.forEach(c => used.add(c)));
  out.classes = used.size;
  out.share = used.size ? [...used].filter(c => bi.has(c)).length / used.size : 0;
  const allowed = ["titillium web", "lora", "roboto mono"];
  document.querySelectorAll("body h1, body h2, body h3, body h4, body h5, body h6, body p").forEach(el => {
    const first = getComputedStyle(el).fontFamily.split(",")[0].replace(/["']/g, "").trim().toLowerCase();
    if (!allowed.includes(first)) out.badFonts.push(el.tagName + " «" + el.textContent.trim().slice(0, 40) + "»: " + first);
  });
  return JSON.stringify(out);
})()`

type modelResult struct {
	Version  string   `json:"version"`
	Share    float64  `json:"share"`
	Classes  int      `json:"classes"`
	BadFonts []string `json:"badFonts"`
}

// checkModel applies the checker's in-browser rules to the page in the tab.
func (tb *tab) checkModel() {
	tb.t.Helper()
	var r modelResult
	if err := json.Unmarshal([]byte(run(tb, chromedp.Evaluate[string](modelCheck, chromedp.EvalAwaitPromise))), &r); err != nil {
		tb.t.Fatalf("%s: %v", tb.url, err)
	}
	if parts := strings.Split(r.Version, "."); len(parts) < 2 || parts[0] < "2" || len(parts[0]) != 1 {
		tb.t.Errorf("%s: Bootstrap Italia version %q, want 2.x or later", tb.url, r.Version)
	}
	if r.Share < 0.3 {
		tb.t.Errorf("%s: %.0f%% of the %d classes are Bootstrap Italia's, want at least 30%%", tb.url, r.Share*100, r.Classes)
	}
	for _, f := range r.BadFonts {
		tb.t.Errorf("%s: font not of the model: %s", tb.url, f)
	}
}

// TestCheckerPageRules visits every kind of page the checker audits (home, first-
// and second-level pages, a news item, an event, a place, a service card, search,
// the sign-in page, the footer pages) on both demo comuni and applies its
// in-browser rules: Bootstrap Italia version and class share, fonts.
func TestCheckerPageRules(t *testing.T) {
	env(t)
	for _, slug := range demoComuni {
		t.Run(slug, func(t *testing.T) {
			t.Parallel()
			tb := newTab(t)
			h := tb.h
			pages := []string{"/", "/amministrazione", "/novita", "/servizi", "/vivere-il-comune", "/novita/notizie",
				"/vivere-il-comune/eventi", "/vivere-il-comune/luoghi", "/cerca?q=mensa", "/note-legali", "/privacy",
				"/domande-frequenti", "/preferenze-cookie", "/accedi"}
			// One page of each content kind, found through the lists.
			for _, list := range []struct{ page, link string }{
				{"/novita/notizie", `main a[href^="/novita/notizie/"]`},
				{"/vivere-il-comune/eventi", `main a[href*="/vivere-il-comune/eventi/"]`},
				{"/vivere-il-comune/luoghi", `main a[href*="/vivere-il-comune/luoghi/"]`},
				{"/servizi", `main a[data-element="service-link"]`},
			} {
				tb.visit(h.siteURL(slug, list.page))
				links := tb.links(list.link)
				if len(links) == 0 {
					t.Errorf("%s links no %s", list.page, list.link)
					continue
				}
				pages = append(pages, strings.TrimPrefix(links[0], h.siteURL(slug, "")))
			}
			for _, p := range pages {
				u := p
				if !strings.HasPrefix(u, "http") {
					u = h.siteURL(slug, p)
				}
				if status := tb.visitOptional(u); status != 200 {
					continue // pages not every comune has (reported by their own tests)
				}
				tb.checkModel()
			}
		})
	}
}
