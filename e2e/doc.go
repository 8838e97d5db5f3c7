// Package e2e holds Piazza's browser tests: headless Chromium, driven from Go with
// chromedp, against the real server started in-process with the demo comuni. Every
// page the tests visit is checked with axe-core (WCAG 2.1 A and AA), for console
// errors and Content-Security-Policy violations, and saved as a screenshot in
// e2e/artifacts/.
//
// The tests have the build tag e2e, so `go test ./...` stays fast and needs no
// browser. Run them with
//
//	PIAZZA_E2E_CHROMIUM=/usr/bin/chromium go test -count=1 -tags e2e ./e2e/...
//
// Without PIAZZA_E2E_CHROMIUM the tests look for chromium, chromium-browser,
// google-chrome or google-chrome-stable on PATH, and skip when none is found.
//
// Writing a test (see harness_test.go): newTab(t) opens a tab with its own cookies
// on the shared server and browser; tab.h.siteURL(slug, path) and
// tab.h.platformURL(path) build URLs. Every helper that lands on a new document
// checks it (screenshot, console and CSP, axe-core), so a flow needs no extra
// calls for that:
//
//	tb := newTab(t)
//	tb.visit(tb.h.siteURL("borgofiorito", "/backoffice/accedi")) // expects 200
//	tb.fill(`#email`, "amministratore@borgofiorito.example")
//	tb.fill(`#password`, demo.Password)
//	tb.submit(`main form [type="submit"]`) // clicks, waits for the next page, checks it
//	tb.followText("Esci")                  // a link or button by its text
//
// visitStatus(url, code) expects another status; visitOptional(url) accepts a 404
// from a route that is not built yet. After changing a page without navigating
// (tb.click on a toggle), call tb.checkPage() to check it again.
package e2e
