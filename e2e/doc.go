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
package e2e
