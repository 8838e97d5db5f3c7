//go:build e2e

package e2e

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// demoComuni are the slugs (and *.localhost host names) of the demo tenants.
var demoComuni = []string{"borgofiorito", "marinadiponente"}

// Modello Comuni data-elements that every public page carries in its header and
// footer (reference/modello-comuni.md §1.2 and §2).
var publicChrome = []string{
	`header [data-element="personal-area-login"]`,
	`header [data-element="main-navigation"]`,
	`header a[data-element="management"]`,
	`header a[data-element="news"]`,
	`header a[data-element="all-services"]`,
	`header a[data-element="live"]`,
	`footer [data-element="faq"]`,
	`footer [data-element="report-inefficiency"]`,
	`footer [data-element="privacy-policy-link"]`,
	`footer [data-element="legal-notes"]`,
}

// firstLevel are the menu items, in the order the model requires.
var firstLevel = []string{"management", "news", "all-services", "live"}

// secondLevel are the data-elements of the links from a first-level page to its
// sections, with how many of each the walk visits (the service categories share
// one template, so a few are enough).
var secondLevel = []struct {
	element string
	max     int
}{
	{"management-category-link", 10},
	{"news-category-link", 10},
	{"service-category-link", 3},
	{"live-button-locations", 1},
	{"live-button-events", 1},
}

// TestPublicSite walks each demo comune's public site the way the Modello Comuni
// checker does: home, the four first-level pages found through the menu, the
// second-level pages linked from them, an office, the footer pages and the 404
// page. Every page gets the checks of visit (axe-core, console, CSP, screenshot).
func TestPublicSite(t *testing.T) {
	env(t) // start the server and the browser before the subtests run in parallel
	// One comune is walked on a desktop screen, the other on a phone, so every
	// page template is checked at both sizes without walking twice.
	screens := map[string][2]int64{"borgofiorito": {1280, 900}, "marinadiponente": {390, 844}}
	for _, slug := range demoComuni {
		t.Run(slug, func(t *testing.T) {
			t.Parallel()
			tb := newTab(t)
			h := tb.h
			if size, ok := screens[slug]; ok {
				tb.viewport(size[0], size[1])
			}
			tb.visit(h.siteURL(slug, "/"))
			tb.requireElements(publicChrome...)
			if lang := runEval[string](tb, `document.documentElement.lang`); lang != "it" {
				t.Errorf("home for an Italian browser: <html lang=%q>, want it", lang)
			}

			// The menu: exactly the four items, in order, all on this site.
			menu := tb.links(`header [data-element="main-navigation"] a`)
			var items []string
			for _, sel := range firstLevel {
				items = append(items, tb.links(`header [data-element="main-navigation"] a[data-element="`+sel+`"]`)...)
			}
			if !slices.Equal(menu, items) || len(items) != 4 {
				t.Errorf("main menu links %v, want the four first-level links %v in order", menu, firstLevel)
			}
			for _, u := range menu {
				if !sameHost(u, h.siteURL(slug, "/")) {
					t.Errorf("menu link %s leaves the site", u)
				}
			}

			found := map[string][]string{} // data-element -> links
			for _, u := range menu {
				tb.visit(u)
				tb.requireElements(publicChrome...)
				tb.requireElements(`[data-element="breadcrumb"]`)
				for _, s := range secondLevel {
					found[s.element] = append(found[s.element], tb.links(`a[data-element="`+s.element+`"]`)...)
				}
			}
			for _, s := range secondLevel {
				links := dedupe(found[s.element])
				if len(links) == 0 {
					t.Errorf("no %s link on the first-level pages", s.element)
				}
				for _, u := range links[:min(len(links), s.max)] {
					tb.visit(u)
					tb.requireElements(publicChrome...)
					tb.requireElements(`[data-element="breadcrumb"]`)
				}
			}

			// An office page, found from the offices list.
			tb.visit(h.siteURL(slug, "/amministrazione/uffici"))
			offices := tb.links(`main a[href*="/amministrazione/uffici/"]`)
			if len(offices) == 0 {
				t.Errorf("no office linked from %s", tb.url)
			} else {
				tb.visit(offices[0])
			}

			// A page of each Amministrazione kind: a body (with its members), a
			// person and a document, found from their lists.
			for _, sec := range []string{"organi-di-governo", "politici", "documenti-e-dati"} {
				tb.visit(h.siteURL(slug, "/amministrazione/"+sec))
				items := tb.links(`main a[href*="/amministrazione/` + sec + `/"]`)
				if len(items) == 0 {
					t.Errorf("nothing listed on %s", tb.url)
					continue
				}
				tb.visit(items[0])
				tb.requireElements(`[data-element="breadcrumb"]`, `[data-element="feedback"]`)
			}

			// The footer pages, found through their data-elements.
			tb.visit(h.siteURL(slug, "/"))
			for _, sel := range []string{"legal-notes", "privacy-policy-link", "faq"} {
				links := tb.links(`footer a[data-element="` + sel + `"]`)
				if len(links) == 0 {
					continue // reported by requireElements above
				}
				tb.visit(links[0])
				if sel == "legal-notes" {
					tb.requireElements(`[data-element="legal-notes-section"]`, `[data-element="legal-notes-body"]`)
				}
			}
			tb.visit(h.siteURL(slug, "/"))

			// The English version of the home page, through the language switch.
			tb.follow(`a[hreflang="en"]`)
			if got := tb.status; got != 200 {
				t.Errorf("English home: status %d", got)
			}
			if lang := runEval[string](tb, `document.documentElement.lang`); lang != "en" {
				t.Errorf("English home: <html lang=%q>", lang)
			}

			// The translated 404 page.
			tb.visitStatus(h.siteURL(slug, "/questa-pagina-non-esiste"), 404)
			tb.requireElements(publicChrome...)

			// Sign-in pages, built by other work: checked with whatever they show.
			tb.visitOptional(h.siteURL(slug, "/accedi"))
			tb.visitOptional(h.siteURL(slug, "/backoffice/accedi"))
		})
	}
}

// TestPlatformConsole checks the platform console's sign-in page (or the 404 page
// of the platform host while the console is not built).
func TestPlatformConsole(t *testing.T) {
	tb := newTab(t)
	tb.visitOptional(tb.h.platformURL("/accedi"))
	tb.visitStatus(tb.h.platformURL("/questa-pagina-non-esiste"), 404)
}

// TestWithoutJavaScript loads pages with JavaScript disabled, on a phone-sized
// screen where the menu would otherwise sit behind the burger button: the menu
// links must be visible and the forms usable.
func TestWithoutJavaScript(t *testing.T) {
	env(t)
	for _, slug := range demoComuni {
		t.Run(slug, func(t *testing.T) {
			t.Parallel()
			tb := newTab(t)
			tb.disableJS()
			for _, size := range [][2]int64{{390, 844}, {1280, 900}} {
				tb.viewport(size[0], size[1])
				tb.visit(tb.h.siteURL(slug, "/"))
				if h := tb.hidden(`a[data-element="management"]`, `a[data-element="news"]`,
					`a[data-element="all-services"]`, `a[data-element="live"]`); len(h) > 0 {
					t.Errorf("%dx%d without JavaScript: menu links not visible: %v", size[0], size[1], h)
				}
				if c := tb.covered(`.it-header-center-wrapper .it-brand-title`, `main h1`); len(c) > 0 {
					t.Errorf("%dx%d without JavaScript: covered by another element (the menu?): %v", size[0], size[1], c)
				}
				if h := tb.hidden(`[data-piazza-toggle="main-menu"]`); len(h) == 0 {
					t.Errorf("%dx%d without JavaScript: the menu toggle, which needs JavaScript, is shown", size[0], size[1])
				}
			}
			// Form pages: the fields and the submit button must be visible.
			for _, path := range []string{"/backoffice/accedi"} {
				if tb.visitOptional(tb.h.siteURL(slug, path)) != 200 {
					continue
				}
				if h := tb.hidden(`main form`, `main form [type="submit"]`); len(h) > 0 {
					t.Errorf("%s without JavaScript: not visible: %v", path, h)
				}
			}
		})
	}
}

func sameHost(a, b string) bool {
	ua, err1 := url.Parse(a)
	ub, err2 := url.Parse(b)
	return err1 == nil && err2 == nil && strings.EqualFold(ua.Host, ub.Host)
}

func dedupe(s []string) []string {
	var out []string
	for _, v := range s {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// TestMobileMenu opens the menu behind the burger button on a phone-sized screen
// (with JavaScript) and checks the open menu too.
func TestMobileMenu(t *testing.T) {
	tb := newTab(t)
	tb.viewport(390, 844)
	tb.visit(tb.h.siteURL(demoComuni[0], "/"))
	links := []string{`a[data-element="management"]`, `a[data-element="news"]`, `a[data-element="all-services"]`, `a[data-element="live"]`}
	if h := tb.hidden(links...); len(h) != len(links) {
		t.Errorf("closed menu: links shown before the toggle is pressed: %d of %d hidden", len(h), len(links))
	}
	toggle := `[data-piazza-toggle="main-menu"]`
	if got := runEval[string](tb, `document.querySelector('`+toggle+`').getAttribute("aria-expanded")`); got != "false" {
		t.Errorf("closed menu: aria-expanded=%q", got)
	}
	tb.click(toggle)
	if h := tb.hidden(links...); len(h) > 0 {
		t.Errorf("open menu: links not visible: %v", h)
	}
	if got := runEval[string](tb, `document.querySelector('`+toggle+`').getAttribute("aria-expanded")`); got != "true" {
		t.Errorf("open menu: aria-expanded=%q", got)
	}
	tb.checkPage() // the open menu, too

	if got := runEval[string](tb, `document.activeElement.className`); !strings.Contains(got, "close-menu") {
		t.Errorf("open menu: focus on %q, want the close button", got)
	}

	// The close button (on top of everything) and Escape close it again, and the
	// focus goes back to the burger button.
	closeBtn := `#main-menu .close-menu`
	for _, how := range []string{"close button", "Escape"} {
		if how == "close button" {
			if c := tb.covered(closeBtn); len(c) > 0 {
				t.Errorf("open menu: the close button is covered")
				continue
			}
			tb.click(closeBtn)
		} else {
			tb.click(toggle)
			tb.do(chromedp.KeyEvent(kb.Escape))
		}
		if h := tb.hidden(links...); len(h) != len(links) {
			t.Errorf("menu closed with the %s: %d of %d links still shown", how, len(links)-len(h), len(links))
		}
		if got := runEval[string](tb, `document.querySelector('`+toggle+`').getAttribute("aria-expanded") + " " + (document.activeElement === document.querySelector('`+toggle+`'))`); got != "false true" {
			t.Errorf("menu closed with the %s: aria-expanded and focus on the toggle = %q, want \"false true\"", how, got)
		}
	}
}
