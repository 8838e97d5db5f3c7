package web

import (
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"piazza/internal/session"
	"piazza/internal/tenants"
)

func TestPublicPages(t *testing.T) {
	h := newHarness(t)
	c := h.client("borgo.example.it")
	tests := []struct {
		path    string
		status  int
		want    []string
		notWant []string
	}{
		{"/", 200, []string{"Comune di Borgo", `data-element="personal-area-login"`, `data-element="management"`, `data-element="news"`, `data-element="all-services"`, `data-element="live"`}, []string{"Comune di Marina"}},
		{"/amministrazione", 200, []string{`data-element="management-category-link"`, ">Uffici</a>", `data-element="breadcrumb"`}, nil},
		{"/amministrazione/uffici", 200, []string{"Uffici"}, nil},
		{"/novita", 200, []string{`data-element="news-category-link">Notizie`, ">Comunicati<", ">Avvisi<"}, nil},
		{"/novita/notizie", 200, []string{"Non ci sono notizie"}, nil},
		{"/novita/altro", 404, []string{"non esiste"}, nil},
		{"/servizi", 200, []string{`data-element="service-category-link">Anagrafe e stato civile`, "Agricoltura e pesca"}, nil},
		{"/servizi/ambiente", 200, []string{"<h1>Ambiente</h1>", `<li class="breadcrumb-item"><a href="/servizi">Servizi</a>`}, nil},
		{"/servizi/nessuna", 404, nil, nil},
		{"/vivere-il-comune", 200, []string{`data-element="live-button-locations"`, `data-element="live-button-events"`}, nil},
		{"/vivere-il-comune/eventi", 200, []string{"Non ci sono eventi"}, nil},
		{"/note-legali", 200, []string{`data-element="legal-notes-section">Licenza dei contenuti`, "licenza CC-BY 4.0"}, nil},
		{"/privacy", 200, []string{"Titolare del trattamento", "Comune di Borgo"}, nil},
		{"/domande-frequenti", 200, []string{"Domande frequenti"}, nil},
		{"/nessuna-pagina", 404, []string{"non esiste"}, nil},
		{"/tema.css", 200, []string{"#0066CC"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			r := c.get(tt.path)
			if r.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", r.StatusCode, tt.status)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.Body, w) {
					t.Errorf("missing %q", w)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(r.Body, w) {
					t.Errorf("must not contain %q", w)
				}
			}
		})
	}
}

// TestModelloComuniLayout ports the checker's rules on the header and footer.
func TestModelloComuniLayout(t *testing.T) {
	h := newHarness(t)
	body := h.client("borgo.example.it").get("/").Body
	for _, el := range []string{"management", "news", "all-services", "live", "personal-area-login"} {
		if n := strings.Count(body, `data-element="`+el+`"`); n != 1 {
			t.Errorf("data-element %q appears %d times, want exactly 1", el, n)
		}
	}
	// The four menu items in order, with the exact labels.
	var order []int
	for _, label := range []string{">Amministrazione<", ">Novità<", ">Servizi<", ">Vivere il Comune<"} {
		order = append(order, strings.Index(body, label))
	}
	for i := 1; i < len(order); i++ {
		if order[i-1] < 0 || order[i] < order[i-1] {
			t.Fatalf("menu labels missing or out of order: %v", order)
		}
	}
	footer := body[strings.Index(body, "<footer"):]
	for el, label := range map[string]string{"faq": "Leggi le FAQ", "report-inefficiency": "Segnala disservizio", "privacy-policy-link": "", "legal-notes": "", "accessibility-link": ""} {
		i := strings.Index(footer, `data-element="`+el+`"`)
		if i < 0 {
			t.Errorf("footer lacks %s", el)
			continue
		}
		if label != "" && !strings.Contains(footer[i:i+200], ">"+label+"<") {
			t.Errorf("footer %s label must be %q", el, label)
		}
	}
	if !strings.Contains(footer, `href="https://form.agid.gov.it/`) {
		t.Error("accessibility link must point to form.agid.gov.it")
	}
	if !strings.Contains(footer, `href="mailto:urp@borgo.example.it?subject=Segnalazione%20disservizio" data-element="report-inefficiency"`) {
		t.Error("without the reports module, Segnala disservizio is a mailto link")
	}
}

func TestLegalNotesStatementIsExact(t *testing.T) {
	const want = "in applicazione del principio open by default ai sensi dell’articolo 52 del decreto legislativo 7 marzo 2005, n. 82 (cad) e salvo dove diversamente specificato (compresi i contenuti incorporati di terzi), i dati, i documenti e le informazioni pubblicati sul sito sono rilasciati con licenza cc-by 4.0. gli utenti sono quindi liberi di condividere (riprodurre, distribuire, comunicare al pubblico, esporre in pubblico), rappresentare, eseguire e recitare questo materiale con qualsiasi mezzo e formato e modificare (trasformare il materiale e utilizzarlo per opere derivate) per qualsiasi fine, anche commerciale con il solo onere di attribuzione, senza apporre restrizioni aggiuntive."
	h := newHarness(t)
	for _, lang := range []string{"it", "en"} {
		body := h.client("borgo.example.it").do(reqLang("/note-legali", lang)).Body
		i := strings.Index(body, `data-element="legal-notes-body">`)
		if i < 0 {
			t.Fatal("no legal-notes-body")
		}
		rest := body[i+len(`data-element="legal-notes-body">`):]
		got := strings.ToLower(strings.Join(strings.Fields(rest[:strings.Index(rest, "</p>")]), " "))
		got = strings.ReplaceAll(got, "'", "’")
		if got != want {
			t.Fatalf("%s: legal notes body differs:\n%s", lang, got)
		}
		if strings.Count(body, `data-element="legal-notes-body"`) != 1 {
			t.Fatal("only the statement may be marked legal-notes-body")
		}
	}
}

func reqLang(path, lang string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, path, nil)
	r.Header.Set("Accept-Language", lang)
	return r
}

func TestHostResolution(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		host    string
		status  int
		want    string
		notWant []string
	}{
		{"borgo.example.it", 200, "Comune di Borgo", nil},
		{"servizi.borgo.example.it", 200, "Comune di Borgo", nil},
		{"BORGO.example.it.:80", 200, "Comune di Borgo", nil},
		{"borgo.localhost:8080", 200, "Comune di Borgo", nil},
		{"servizi.marina.localhost", 200, "Comune di Marina", nil},
		{"sconosciuto.example.it", 404, "Nessun sito corrisponde", []string{"Borgo", "Marina", "borgo", "marina"}},
		{"nessuno.localhost", 404, "Nessun sito corrisponde", []string{"Borgo", "Marina"}},
		{"127.0.0.1:8080", 404, "Nessun sito corrisponde", []string{"Borgo", "Marina"}},
		{"bad_host", 400, "non è valido", []string{"Borgo", "Marina"}},
		{"a..b", 400, "non è valido", nil},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			r := h.client(tt.host).get("/")
			if r.StatusCode != tt.status || !strings.Contains(r.Body, tt.want) {
				t.Fatalf("status %d, want %d with %q\n%s", r.StatusCode, tt.status, tt.want, text(r.Body))
			}
			for _, nw := range tt.notWant {
				if strings.Contains(r.Body, nw) {
					t.Errorf("reveals %q", nw)
				}
			}
		})
	}
}

func TestSuspendedTenantAnswers503(t *testing.T) {
	h := newHarness(t)
	if err := h.tenants.SetStatus(context.Background(), h.borgo.ID, tenants.StatusSuspended, "manutenzione"); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/", "/servizi", "/backoffice", "/backoffice/accedi"} {
		r := h.client("borgo.example.it").get(p)
		if r.StatusCode != 503 || !strings.Contains(r.Body, "temporaneamente sospeso") || r.Header.Get("Retry-After") == "" {
			t.Fatalf("%s: status %d", p, r.StatusCode)
		}
		if strings.Contains(r.Body, "manutenzione") {
			t.Fatal("the static notice must not show internal notes")
		}
	}
	if r := h.client("marina.example.it").get("/"); r.StatusCode != 200 {
		t.Fatalf("other tenants keep working: %d", r.StatusCode)
	}
}

func TestSecurityHeaders(t *testing.T) {
	h := newHarness(t)
	r := h.client("borgo.example.it").get("/")
	csp := r.Header.Get("Content-Security-Policy")
	for _, want := range []string{"frame-ancestors 'none'", "default-src 'self'", "script-src 'self'", "object-src 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP lacks %q: %s", want, csp)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("CSP must not allow inline code: %s", csp)
	}
	for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "strict-origin-when-cross-origin", "X-Frame-Options": "DENY"} {
		if r.Header.Get(h) != want {
			t.Errorf("%s = %q", h, r.Header.Get(h))
		}
	}
	if r.Header.Get("Strict-Transport-Security") != "" {
		t.Error("no HSTS over plain HTTP")
	}
	// No inline script or style in the page (the CSP would block it).
	for _, bad := range []string{"<script>", "style=\"", "<style", " onclick="} {
		if strings.Contains(r.Body, bad) {
			t.Errorf("page contains inline %q", bad)
		}
	}
	if r.Header.Get("X-Request-Id") == "" {
		t.Error("no request id")
	}
}

func TestLanguage(t *testing.T) {
	h := newHarness(t)
	c := h.client("borgo.example.it")
	if r := c.do(reqLang("/", "en-GB,en;q=0.9")); !strings.Contains(r.Body, `lang="en"`) || !strings.Contains(r.Body, "Sign in to your personal area") {
		t.Fatal("Accept-Language en must give English")
	}
	if r := c.do(reqLang("/", "de-DE")); !strings.Contains(r.Body, `lang="it"`) {
		t.Fatal("unsupported languages fall back to Italian")
	}
	r := c.get("/servizi?lang=en&q=1")
	if r.StatusCode != 303 || r.Header.Get("Location") != "/servizi?q=1" {
		t.Fatalf("language switch: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
	if r := c.do(reqLang("/", "it")); !strings.Contains(r.Body, `lang="en"`) {
		t.Fatal("the chosen language (cookie) wins over Accept-Language")
	}
}

func TestStaticAssets(t *testing.T) {
	h := newHarness(t)
	c := h.client("borgo.example.it")
	url := h.srv.assets.URL("css/piazza.css")
	r := c.get(url)
	if r.StatusCode != 200 || !strings.Contains(r.Header.Get("Cache-Control"), "immutable") || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/css") {
		t.Fatalf("asset: %d %v", r.StatusCode, r.Header)
	}
	if r := c.get("/static/old/css/piazza.css"); r.StatusCode != 200 || r.Header.Get("Cache-Control") != "no-cache" {
		t.Fatalf("old version: %d %s", r.StatusCode, r.Header.Get("Cache-Control"))
	}
	if r := c.get("/static/x/../../go.mod"); r.StatusCode != 404 && r.StatusCode != 307 {
		t.Fatalf("traversal: %d", r.StatusCode)
	}
	// Assets are served on any host, even unknown ones.
	if r := h.client("sconosciuto.example").get(url); r.StatusCode != 200 {
		t.Fatalf("asset on unknown host: %d", r.StatusCode)
	}
}

func TestHealthAndReadiness(t *testing.T) {
	h := newHarness(t)
	for _, p := range []string{"/healthz", "/readyz"} {
		if r := h.client("any.example").get(p); r.StatusCode != 200 || r.Body != "ok\n" {
			t.Fatalf("%s: %d %q", p, r.StatusCode, r.Body)
		}
	}
	c := h.client("borgo.example.it")
	if r := c.get("/metrics"); r.StatusCode != 403 {
		t.Fatalf("metrics from a remote client: %d", r.StatusCode)
	}
	c.remote = "127.0.0.1:5555"
	c.get("/")
	r := c.get("/metrics")
	if r.StatusCode != 200 || !strings.Contains(r.Body, `piazza_http_requests_total{method="GET",route="GET /{$}",status="200"}`) || !strings.Contains(r.Body, "piazza_jobs{state=\"available\"}") {
		t.Fatalf("metrics: %d\n%s", r.StatusCode, r.Body[:min(len(r.Body), 2000)])
	}
}

func TestPagesAreCompressed(t *testing.T) {
	h := newHarness(t)
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("Accept-Encoding", "gzip, br")
	r := h.client("borgo.example.it").do(req)
	if r.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(r.Header.Values("Vary")[0]+strings.Join(r.Header.Values("Vary"), ","), "Accept-Encoding") {
		t.Fatalf("home page not gzipped: %v", r.Header)
	}
	zr, err := gzip.NewReader(strings.NewReader(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	if !strings.Contains(string(plain), "Comune di Borgo") || len(r.Body)*3 > len(plain) {
		t.Fatalf("compressed %d → %d bytes", len(plain), len(r.Body))
	}
	if r := h.client("borgo.example.it").get("/"); r.Header.Get("Content-Encoding") != "" {
		t.Fatal("no gzip without Accept-Encoding")
	}
}

// Plain visitors get no cookie at all; a page with a form gives the CSRF cookie.
func TestCookiesOnlyWhenNeeded(t *testing.T) {
	h := newHarness(t)
	for _, p := range []string{"/", "/servizi", "/amministrazione/uffici", "/note-legali", "/nessuna"} {
		r := h.client("borgo.example.it").get(p)
		if len(r.Cookies()) != 0 {
			t.Errorf("%s sets cookies %v", p, r.Cookies())
		}
		if r.StatusCode == 200 && r.Header.Get("Cache-Control") != "no-cache" {
			t.Errorf("%s: Cache-Control %q for an anonymous visitor", p, r.Header.Get("Cache-Control"))
		}
	}
	r := h.client("borgo.example.it").get("/backoffice/accedi")
	var csrf *http.Cookie
	for _, c := range r.Cookies() {
		if c.Name == "piazza_csrf" {
			csrf = c
		}
	}
	if csrf == nil || !csrf.HttpOnly || csrf.SameSite != http.SameSiteLaxMode || !strings.Contains(r.Body, `name="csrf" value="`+h.srv.csrfToken(csrf.Value)+`"`) {
		t.Fatalf("sign-in form without a matching CSRF cookie: %v", r.Cookies())
	}
	if r.Header.Get("Cache-Control") != "private, no-store" {
		t.Errorf("a page that sets a cookie must not be stored: %q", r.Header.Get("Cache-Control"))
	}
}

// A session of no one (started by anyone, e.g. a sign-in that is never finished)
// expires within the hour; a signed-in session lives PIAZZA_SESSION_MAX.
func TestAnonymousSessionsAreShortLived(t *testing.T) {
	h := newHarness(t)
	req := httptest.NewRequest(http.MethodGet, "http://borgo.example.it/", nil)
	req = req.WithContext(withInfo(req.Context(), &reqInfo{Tenant: &h.borgo, Lang: "it"}))
	rec := httptest.NewRecorder()
	anon, err := h.srv.anonymousSession(rec, req)
	if err != nil || anon.Kind != session.Anonymous || anon.ExpiresAt.Sub(anon.CreatedAt) != time.Hour {
		t.Fatalf("anonymous session %+v, %v", anon, err)
	}
	if err := h.srv.startSession(rec, req, session.Staff, h.acc["admin@borgo"].ID, 0, session.Data{}); err != nil {
		t.Fatal(err)
	}
	staff := info(req).Session
	if staff.ExpiresAt.Sub(staff.CreatedAt) != h.cfg.SessionMax || staff.TokenHash == anon.TokenHash {
		t.Fatalf("signed-in session %+v", staff)
	}
	if _, err := h.db.SessionByHash(context.Background(), anon.TokenHash, time.Now()); err == nil {
		t.Fatal("signing in must replace the anonymous session")
	}
}
