//go:build e2e

package e2e

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"piazza/internal/cli"
)

// axeSource is axe-core, vendored by scripts/vendor-assets.sh.
//
//go:embed vendor/axe.min.js
var axeSource string

// wcagTags are the axe-core rule tags every page must pass.
var wcagTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa"}

// artifacts is where screenshots and the server log go (gitignored).
const artifacts = "artifacts"

// actionTimeout bounds one browser action (a navigation, an axe run).
const actionTimeout = 60 * time.Second

// harness is the server and the browser shared by every test of the package.
type harness struct {
	port     string
	platform string // platform console host

	stopServer context.CancelFunc
	serverDone chan int
	serverLog  *os.File

	browser       context.Context // a chromedp context whose browser is running
	stopAllocator context.CancelFunc
	stopBrowser   context.CancelFunc
}

var (
	setupOnce sync.Once
	shared    *harness
	setupErr  error
	skipWhy   string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if shared != nil {
		shared.close()
	}
	os.Exit(code)
}

// env returns the shared harness, starting the server and the browser on first use.
// It skips the test when no Chromium is installed.
func env(t *testing.T) *harness {
	t.Helper()
	setupOnce.Do(func() {
		bin, why := findChromium()
		if bin == "" {
			skipWhy = why
			return
		}
		shared, setupErr = start(bin)
	})
	if skipWhy != "" {
		t.Skip(skipWhy)
	}
	if setupErr != nil {
		t.Fatalf("e2e set-up: %v", setupErr)
	}
	return shared
}

// findChromium returns the browser to use, or "" and why there is none.
func findChromium() (string, string) {
	if p := os.Getenv("PIAZZA_E2E_CHROMIUM"); p != "" {
		return p, "" // asked for explicitly: start fails if it is missing, no skip
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, ""
		}
	}
	return "", "no Chromium found (set PIAZZA_E2E_CHROMIUM or install Debian's chromium package): browser tests skipped"
}

// start runs `piazza serve --demo` in-process on a random port, with the same
// hooks as the binary, and starts headless Chromium.
func start(chromium string) (*harness, error) {
	if _, err := os.Stat(chromium); err != nil {
		return nil, fmt.Errorf("PIAZZA_E2E_CHROMIUM: %w", err)
	}
	if err := os.RemoveAll(artifacts); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(artifacts, 0o755); err != nil {
		return nil, err
	}
	h := &harness{platform: "piazza.localhost"}
	var err error
	if h.serverLog, err = os.Create(filepath.Join(artifacts, "server.log")); err != nil {
		return nil, err
	}
	dataDir, err := os.MkdirTemp("", "piazza-e2e-*")
	if err != nil {
		return nil, err
	}
	ctx, stop := context.WithCancel(context.Background())
	h.stopServer = func() {
		stop()
		os.RemoveAll(dataDir)
	}
	h.serverDone = make(chan int, 1)
	ready := make(chan string, 1)
	go func() {
		h.serverDone <- cli.Main(ctx, cli.Env{
			Args: []string{"serve", "--demo", "--addr", "127.0.0.1:0", "--data", dataDir,
				"--log-format", "text", "--platform-host", h.platform, "--shutdown-timeout", "5s"},
			// Nothing from the environment: the tests must not pick up a
			// PIAZZA_DATABASE_URL or PIAZZA_SMTP_URL meant for something else.
			Getenv: func(string) string { return "" },
			Stdout: h.serverLog, Stderr: h.serverLog, Stdin: strings.NewReader(""),
			Ready: ready, Hooks: cli.DefaultHooks(),
		})
	}()
	select {
	case addr := <-ready:
		_, h.port, _ = net.SplitHostPort(addr)
	case code := <-h.serverDone:
		h.serverDone <- code
		h.close()
		return nil, fmt.Errorf("piazza serve exited with %d; see e2e/%s/server.log", code, artifacts)
	case <-time.After(2 * time.Minute):
		h.close()
		return nil, errors.New("piazza serve did not start in 2 minutes")
	}

	profile, err := os.MkdirTemp("", "piazza-e2e-chromium-*")
	if err != nil {
		h.close()
		return nil, err
	}
	// The flags this sandbox needs: no sandbox as root, no GPU, and no background
	// connections (the network is closed, and Chromium would retry them forever).
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 900),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		// Italian first, as the comuni's visitors: the sites negotiate the
		// language from Accept-Language.
		chromedp.Flag("lang", "it-IT"),
		chromedp.Flag("accept-lang", "it-IT,it"),
	)
	allocCtx, stopAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	h.stopAllocator = func() {
		stopAlloc()
		os.RemoveAll(profile)
	}
	h.browser, h.stopBrowser = chromedp.NewContext(allocCtx)
	if err := chromedp.Do(h.browser); err != nil { // starts the browser, with no timeout
		h.close()
		return nil, fmt.Errorf("starting %s: %w", chromium, err)
	}
	return h, nil
}

func (h *harness) close() {
	if h.stopBrowser != nil {
		h.stopBrowser()
	}
	if h.stopAllocator != nil {
		h.stopAllocator()
	}
	if h.stopServer != nil {
		h.stopServer()
		select {
		case <-h.serverDone:
		case <-time.After(30 * time.Second):
		}
	}
	if h.serverLog != nil {
		h.serverLog.Close()
	}
}

// siteURL returns the URL of a path on a comune's site, e.g. siteURL("borgofiorito", "/").
func (h *harness) siteURL(slug, path string) string {
	return "http://" + slug + ".localhost:" + h.port + path
}

// platformURL returns the URL of a path on the platform console.
func (h *harness) platformURL(path string) string {
	return "http://" + h.platform + ":" + h.port + path
}

// tab is one browser tab with its own cookies (a fresh browser context), the page
// it shows and the problems (console errors, exceptions, CSP violations) seen on it.
type tab struct {
	t   *testing.T
	h   *harness
	ctx context.Context

	mu       sync.Mutex
	problems []string
	docURL   string // URL of the document being loaded, for filtering its own status

	status int    // HTTP status of the current document
	url    string // URL of the current document
	noJS   bool
	shots  int
}

// newTab opens a tab in a new browser context (no cookies shared with other tabs).
func newTab(t *testing.T) *tab {
	t.Helper()
	h := env(t)
	ctx, cancel := chromedp.NewContext(h.browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	tb := &tab{t: t, h: h, ctx: ctx}
	if err := chromedp.Do(ctx); err != nil { // opens the tab, with no timeout
		t.Fatalf("open tab: %v", err)
	}
	if err := chromedp.Listen(ctx, tb.onEvent); err != nil {
		t.Fatalf("listen: %v", err)
	}
	// Record Content-Security-Policy violations as the page sees them. DevTools
	// injects this script, so the page's own CSP does not apply to it.
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `window.__piazzaCSP = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__piazzaCSP.push(e.violatedDirective + " blocked " + (e.blockedURI || "inline") + " at " + e.sourceFile + ":" + e.lineNumber);
});`,
	}); err != nil {
		t.Fatalf("add CSP listener: %v", err)
	}
	return tb
}

// disableJS turns JavaScript off in the tab (for the pages that must work without it).
func (tb *tab) disableJS() {
	tb.t.Helper()
	tb.setJS(false)
	tb.noJS = true
}

func (tb *tab) setJS(on bool) {
	tb.t.Helper()
	if _, err := chromedp.Call(tb.ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: !on}); err != nil {
		tb.t.Fatalf("set script execution to %v: %v", on, err)
	}
}

// viewport sets the size of the page (e.g. 390×844 for a phone).
func (tb *tab) viewport(w, h int64) {
	tb.t.Helper()
	tb.do(chromedp.EmulateViewport(w, h))
}

// onEvent runs in chromedp's event loop: it must only record.
func (tb *tab) onEvent(ev any) {
	var p string
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			var parts []string
			for _, a := range ev.Args {
				if a.Description != "" {
					parts = append(parts, a.Description)
				} else {
					parts = append(parts, string(a.Value))
				}
			}
			p = "console." + string(ev.Type) + ": " + strings.Join(parts, " ")
		}
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		p = "uncaught exception: " + d.Text
		if d.Exception != nil {
			p += " " + d.Exception.Description
		}
		if d.URL != "" {
			p += fmt.Sprintf(" (%s:%d)", d.URL, d.LineNumber+1)
		}
	case *cdplog.EventEntryAdded:
		e := ev.Entry
		if e.Level != cdplog.EntryLevelError && e.Source != cdplog.EntrySourceSecurity {
			return
		}
		tb.mu.Lock()
		doc := tb.docURL
		tb.mu.Unlock()
		// The failed status of the document itself (a 404 page visited on
		// purpose) is checked by visit, not reported as a console error.
		if e.Source == cdplog.EntrySourceNetwork && e.URL == doc {
			return
		}
		p = fmt.Sprintf("log %s/%s: %s", e.Source, e.Level, e.Text)
		if e.URL != "" {
			p += " (" + e.URL + ")"
		}
	}
	if p == "" {
		return
	}
	tb.mu.Lock()
	tb.problems = append(tb.problems, p)
	tb.mu.Unlock()
}

// run runs a browser action with a timeout and fails the test on error.
func run[T any](tb *tab, a chromedp.Action[T]) T {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, actionTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		tb.t.Fatalf("on %s: %v", tb.url, err)
	}
	return v
}

// do runs actions that return nothing.
func (tb *tab) do(steps ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	run(tb, chromedp.Steps(steps...))
}

// visit loads url, expects HTTP 200 and checks the page (see checkPage).
func (tb *tab) visit(url string) {
	tb.t.Helper()
	tb.visitStatus(url, 200)
}

// visitStatus loads url, expects the status and checks the page.
func (tb *tab) visitStatus(url string, want int) {
	tb.t.Helper()
	if got := tb.load(url); got != want {
		tb.t.Errorf("GET %s: status %d, want %d", url, got, want)
	}
}

// visitOptional loads a page that other work may not have built yet: a 404 only
// logs, and the page is checked whatever it shows. It returns the status.
func (tb *tab) visitOptional(url string) int {
	tb.t.Helper()
	got := tb.load(url)
	if got == 404 {
		tb.t.Logf("GET %s: 404 (route not built yet); checked the 404 page instead", url)
	} else if got != 200 {
		tb.t.Errorf("GET %s: status %d, want 200 (or 404 while the route does not exist)", url, got)
	}
	return got
}

// load navigates, then checks the page; it returns the HTTP status.
func (tb *tab) load(url string) int {
	tb.t.Helper()
	return tb.navigateWith(url, func(ctx context.Context) (*network.Response, error) {
		return chromedp.Run(ctx, chromedp.NavigateResponse(url))
	})
}

// navigateWith runs an action that leads to a new document (a navigation, a click
// on a link, a form submission), then checks the new page.
func (tb *tab) navigateWith(label string, nav func(ctx context.Context) (*network.Response, error)) int {
	tb.t.Helper()
	tb.mu.Lock()
	tb.problems = nil
	tb.docURL = label
	tb.mu.Unlock()
	ctx, cancel := context.WithTimeout(tb.ctx, actionTimeout)
	resp, err := nav(ctx)
	cancel()
	if err != nil {
		tb.t.Fatalf("%s (from %s): %v", label, tb.url, err)
	}
	tb.status = 0
	if resp != nil {
		tb.status = int(resp.Status)
		tb.mu.Lock()
		tb.docURL = resp.URL
		tb.mu.Unlock()
	}
	tb.url = run(tb, chromedp.Location())
	tb.checkPage()
	return tb.status
}

// checkPage saves a screenshot, then fails the test for console errors, CSP
// violations and accessibility violations on the current page.
func (tb *tab) checkPage() {
	tb.t.Helper()
	tb.screenshot()
	tb.checkConsole()
	tb.checkA11y()
}

// screenshot saves the whole page into artifacts/.
func (tb *tab) screenshot() {
	tb.t.Helper()
	png := run(tb, chromedp.FullScreenshot(100))
	tb.shots++
	name := fmt.Sprintf("%s-%02d-%s.png", tb.t.Name(), tb.shots, tb.url)
	name = unsafeChars.ReplaceAllString(strings.TrimPrefix(name, "http://"), "_")
	if len(name) > 150 { // query strings (an OIDC authorisation request) make long names
		name = name[:146] + ".png"
	}
	if err := os.WriteFile(filepath.Join(artifacts, name), png, 0o644); err != nil {
		tb.t.Errorf("save screenshot: %v", err)
	}
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// checkConsole fails the test for each console error, uncaught exception and
// Content-Security-Policy violation since the page started loading.
func (tb *tab) checkConsole() {
	tb.t.Helper()
	if !tb.noJS {
		csp := run(tb, chromedp.Evaluate[[]string](`(() => { const v = window.__piazzaCSP || []; window.__piazzaCSP = []; return v; })()`))
		for _, v := range csp {
			tb.t.Errorf("%s: CSP violation: %s", tb.url, v)
		}
	}
	tb.mu.Lock()
	problems, doc := tb.problems, tb.docURL
	tb.problems = nil
	tb.mu.Unlock()
	for _, p := range problems {
		// The browser logs an error status of the page itself (a 422 form with
		// errors, a 401 sign-in): the test asserts that status on its own.
		if strings.HasPrefix(p, "log network/error: Failed to load resource") && strings.HasSuffix(p, "("+doc+")") {
			continue
		}
		tb.t.Errorf("%s: %s", tb.url, p)
	}
}

// axeViolation is one failed axe-core rule with the elements that fail it.
type axeViolation struct {
	ID      string `json:"id"`
	Impact  string `json:"impact"`
	Help    string `json:"help"`
	HelpURL string `json:"helpUrl"`
	Nodes   []struct {
		Target  []any  `json:"target"`
		Summary string `json:"failureSummary"`
	} `json:"nodes"`
}

// checkA11y runs axe-core (WCAG 2.0/2.1 A and AA rules) on the current page and
// fails the test for each violation, listing the rule and the failing elements.
func (tb *tab) checkA11y() {
	tb.t.Helper()
	if tb.noJS {
		// With script execution disabled the page's timers never fire, and
		// axe.run waits on them. Allow scripts just for the check: the page's own
		// scripts have not run, so axe sees the no-JavaScript document.
		tb.setJS(true)
		defer tb.setJS(false)
	}
	if !run(tb, chromedp.Evaluate[bool](`typeof window.axe === "object"`)) {
		run(tb, chromedp.Evaluate[chromedp.Void](axeSource))
	}
	tags, _ := json.Marshal(wcagTags)
	res := run(tb, chromedp.Evaluate[[]axeViolation](
		`axe.run(document, {runOnly: {type: "tag", values: `+string(tags)+`}}).then(r => r.violations)`,
		chromedp.EvalAwaitPromise))
	for _, v := range res {
		var b strings.Builder
		fmt.Fprintf(&b, "%s: axe %s (%s): %s\n    %s", tb.url, v.ID, v.Impact, v.Help, v.HelpURL)
		for _, n := range v.Nodes {
			fmt.Fprintf(&b, "\n    - %v", n.Target)
			if n.Summary != "" {
				fmt.Fprintf(&b, "\n      %s", strings.ReplaceAll(n.Summary, "\n", "\n      "))
			}
		}
		tb.t.Error(b.String())
	}
}

// links returns the absolute href of every element matching a CSS selector.
func (tb *tab) links(css string) []string {
	tb.t.Helper()
	sel, _ := json.Marshal(css)
	return run(tb, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll(`+string(sel)+`), a => a.href)`))
}

// missing returns the selectors that match nothing on the page.
func (tb *tab) missing(selectors ...string) []string {
	tb.t.Helper()
	sels, _ := json.Marshal(selectors)
	return run(tb, chromedp.Evaluate[[]string](string(sels)+`.filter(s => !document.querySelector(s))`))
}

// requireElements fails the test for each selector that matches nothing.
func (tb *tab) requireElements(selectors ...string) {
	tb.t.Helper()
	for _, s := range tb.missing(selectors...) {
		tb.t.Errorf("%s: no element matches %s", tb.url, s)
	}
}

// hidden returns the selectors whose first match is missing or not visible (no
// size, display:none or visibility:hidden).
func (tb *tab) hidden(selectors ...string) []string {
	tb.t.Helper()
	sels, _ := json.Marshal(selectors)
	return run(tb, chromedp.Evaluate[[]string](string(sels)+`.filter(s => {
  const el = document.querySelector(s);
  if (!el) return true;
  const r = el.getBoundingClientRect(), st = getComputedStyle(el);
  return r.width === 0 || r.height === 0 || st.visibility === "hidden" || st.display === "none";
})`))
}

// covered returns the selectors whose first match, scrolled into view, is hidden
// under another element at its centre (e.g. a menu laid over the content).
func (tb *tab) covered(selectors ...string) []string {
	tb.t.Helper()
	sels, _ := json.Marshal(selectors)
	return run(tb, chromedp.Evaluate[[]string](string(sels)+`.filter(s => {
  const el = document.querySelector(s);
  if (!el) return true;
  el.scrollIntoView({block: "center"});
  const r = el.getBoundingClientRect();
  const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  return !top || !(el === top || el.contains(top));
})`))
}

// text returns the visible text of the page body.
func (tb *tab) text() string {
	tb.t.Helper()
	return run(tb, chromedp.Evaluate[string](`document.body.innerText`))
}

// path returns the path of the current page's URL.
func (tb *tab) path() string {
	u, err := url.Parse(tb.url)
	if err != nil {
		return tb.url
	}
	return u.Path
}

// fill types value into the field matching the CSS selector, replacing what it
// holds. (chromedp.Clear only resets the value attribute, not a value typed before.)
func (tb *tab) fill(css, value string) {
	tb.t.Helper()
	sel, _ := json.Marshal(css)
	if !runEval[bool](tb, `(el => { if (!el) return false; el.value = ""; return true; })(document.querySelector(`+string(sel)+`))`) {
		tb.t.Fatalf("%s: no field matches %s", tb.url, css)
	}
	tb.do(chromedp.SendKeys(chromedp.CSS(css), value))
}

// click clicks the element matching the CSS selector, without waiting for a
// navigation (use follow for links and submit buttons).
func (tb *tab) click(css string) {
	tb.t.Helper()
	tb.do(chromedp.Click(chromedp.CSS(css), chromedp.NodeVisible))
}

// follow clicks the element matching the CSS selector, waits for the document it
// leads to and checks that page; it returns the HTTP status.
func (tb *tab) follow(css string) int {
	tb.t.Helper()
	return tb.navigateWith("click "+css, func(ctx context.Context) (*network.Response, error) {
		return chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(css), chromedp.NodeVisible))
	})
}

// followText is follow for the first link or button whose text contains s.
func (tb *tab) followText(s string) int {
	tb.t.Helper()
	return tb.navigateWith("click "+s, func(ctx context.Context) (*network.Response, error) {
		return chromedp.RunResponse(ctx, chromedp.Click(byText(s), chromedp.NodeVisible))
	})
}

// submit submits the form of the element matching the CSS selector by clicking
// it (so the button's name and value are sent, as a person's click would), then
// checks the resulting page; it returns the HTTP status.
func (tb *tab) submit(css string) int {
	tb.t.Helper()
	// The browser refuses to submit a form with invalid fields (required, type
	// email...), and the test would only see a timeout: say which fields instead.
	sel, _ := json.Marshal(css)
	invalid := runEval[string](tb, `(() => {
  const el = document.querySelector(`+string(sel)+`);
  if (!el) return "no element matches the selector";
  if (!el.form) return "the element is in no form";
  return Array.from(el.form.elements).filter(e => e.willValidate && !e.checkValidity())
    .map(e => (e.name || e.id) + ": " + e.validationMessage).join("; ");
})()`)
	if invalid != "" {
		tb.t.Fatalf("%s: cannot submit %s: %s", tb.url, css, invalid)
	}
	return tb.follow(css)
}

// byText selects the first link, button or label whose normalised text contains s.
func byText(s string) chromedp.Search {
	q := strings.ReplaceAll(s, `"`, ``)
	return chromedp.Search(fmt.Sprintf(`//*[self::a or self::button or self::label or (self::input and @type="submit")][contains(normalize-space(.), "%s") or contains(@value, "%s")]`, q, q))
}

// runEval evaluates a JavaScript expression in the page and decodes its value.
func runEval[T any](tb *tab, expr string) T {
	tb.t.Helper()
	return run(tb, chromedp.Evaluate[T](expr))
}
