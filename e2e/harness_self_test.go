//go:build e2e

package e2e

import (
	"html/template"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// formPage is a minimal accessible page with a form, for testing the helpers that
// the sign-in flows use (fill, submit, followText) before those pages exist.
var formPage = template.Must(template.New("").Parse(`<!DOCTYPE html>
<html lang="it"><head><meta charset="utf-8"><title>Modulo di prova</title></head>
<body><main>
<h1>Modulo di prova</h1>
{{if .}}<p id="echo">Ricevuto: {{.}}</p>{{end}}
<form method="post" action="/">
  <label for="email">Email</label> <input type="email" id="email" name="email">
  <label for="password">Password</label> <input type="password" id="password" name="password">
  <button type="submit">Accedi</button>
</form>
<p><a href="/altra">Vai all'altra pagina</a></p>
</main></body></html>`))

// TestHarnessHelpers checks fill, submit and followText against a small form page,
// so the flows that use them fail only for the pages' own reasons.
func TestHarnessHelpers(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'")
		switch {
		case r.URL.Path == "/altra":
			w.Write([]byte(`<!DOCTYPE html><html lang="it"><head><title>Altra</title></head><body><main><h1>Altra pagina</h1></main></body></html>`))
		case r.Method == http.MethodPost:
			formPage.Execute(w, r.PostFormValue("email")+" "+r.PostFormValue("password"))
		default:
			formPage.Execute(w, "")
		}
	}))
	defer srv.Close()

	tb := newTab(t)
	tb.visit(srv.URL + "/")
	tb.fill(`#email`, "mario.rossi@example.it")
	tb.fill(`#password`, "segreta")
	if got := tb.submit(`main form [type="submit"]`); got != 200 {
		t.Fatalf("submit: status %d", got)
	}
	if got := tb.text(); !strings.Contains(got, "Ricevuto: mario.rossi@example.it segreta") {
		t.Errorf("after submit the page says %q, want the submitted values", got)
	}
	// fill replaces what the field holds.
	tb.fill(`#email`, "a@example.it")
	tb.fill(`#email`, "b@example.it")
	tb.submit(`main form [type="submit"]`)
	if got := tb.text(); !strings.Contains(got, "Ricevuto: b@example.it") {
		t.Errorf("fill twice: the page says %q, want only the second value", got)
	}
	tb.followText("altra pagina")
	if tb.path() != "/altra" {
		t.Errorf("followText: at %s, want /altra", tb.url)
	}
}
