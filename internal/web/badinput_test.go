package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"piazza/internal/audit"
)

// TestBadInput sends malformed requests and checks each gets a clear 4xx page,
// never a 500, a stack trace or SQL, and changes nothing.
func TestBadInput(t *testing.T) {
	h := newHarness(t)
	admin := h.staff("borgo.example.it", "admin@borgo")
	before, _ := h.db.AuditEntries(context.Background(), h.borgo.ID, audit.Filter{})
	long := strings.Repeat("a", int(h.cfg.MaxBodyBytes)+10)
	tests := []struct {
		name   string
		c      *client
		method string
		path   string
		ctype  string
		body   string
		status int
		want   string
	}{
		{"oversized form", h.client("borgo.example.it"), "POST", "/backoffice/accedi", "application/x-www-form-urlencoded", "email=" + long, 413, "superano la dimensione"},
		{"invalid UTF-8 in a field", admin, "POST", "/backoffice/uffici/nuovo", "application/x-www-form-urlencoded", "name=Ufficio%FF%FE", 422, "caratteri non validi"},
		{"control character in a field", admin, "POST", "/backoffice/uffici/nuovo", "application/x-www-form-urlencoded", "name=Uff%00icio", 422, "caratteri non validi"},
		{"malformed percent-encoding", admin, "POST", "/backoffice/uffici/nuovo", "application/x-www-form-urlencoded", "name=%zz", 422, "non è valida"},
		{"multipart without boundary", admin, "POST", "/backoffice/uffici/nuovo", "multipart/form-data", "--x\r\n", 422, "non è valida"},
		{"truncated multipart", admin, "POST", "/backoffice/uffici/nuovo", "multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nUff", 422, "non è valida"},
		{"invalid UTF-8 in the path", h.client("borgo.example.it"), "GET", "/servizi/%FF", "", "", 400, "non è valida"},
		{"unknown method on a page", h.client("borgo.example.it"), "DELETE", "/servizi", "", "", 404, "non esiste"},
		{"non-numeric id", admin, "GET", "/backoffice/uffici/abc", "", "", 404, "non esiste"},
		{"huge id", admin, "GET", "/backoffice/uffici/99999999999999999999999", "", "", 404, "non esiste"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, "http://"+tt.c.host+tt.path, strings.NewReader(tt.body))
			if tt.ctype != "" {
				req.Header.Set("Content-Type", tt.ctype)
			}
			// A valid CSRF token in the header, so only the malformation is under test.
			req.Header.Set("X-CSRF-Token", tt.c.csrf())
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			r := tt.c.do(req)
			if r.StatusCode != tt.status {
				t.Fatalf("status %d, want %d\n%s", r.StatusCode, tt.status, text(r.Body))
			}
			if tt.want != "" && !strings.Contains(r.Body, tt.want) {
				t.Errorf("page lacks %q:\n%s", tt.want, text(r.Body))
			}
			for _, leak := range []string{"goroutine", "panic", "SELECT", "INSERT", "sql:", ".go:", "runtime error"} {
				if strings.Contains(r.Body, leak) {
					t.Errorf("response leaks %q", leak)
				}
			}
		})
	}
	after, _ := h.db.AuditEntries(context.Background(), h.borgo.ID, audit.Filter{})
	offices, _ := h.accounts.Offices(context.Background(), h.borgo.ID)
	if len(offices) != 0 || len(after) != len(before) {
		t.Fatalf("bad input changed something: %d offices, audit %d → %d", len(offices), len(before), len(after))
	}
}

// FuzzFormPost posts arbitrary bodies to a sign-in form and an admin form: whatever
// arrives, the answer is a 4xx or a redirect, never a 5xx or an internal detail.
func FuzzFormPost(f *testing.F) {
	for _, s := range []string{"email=a%40b.it&password=x", "name=%FF", "%zz", "a=1&a=2&csrf=", strings.Repeat("x=", 100), "name=Ufficio+Anagrafe&slug=../../etc"} {
		f.Add(s, "application/x-www-form-urlencoded")
	}
	f.Add("--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nb\r\n--x--\r\n", "multipart/form-data; boundary=x")
	h := newHarness(f)
	type who struct {
		cookies []*http.Cookie
		token   string
	}
	var people []who
	for _, c := range []*client{h.client("borgo.example.it"), h.staff("borgo.example.it", "admin@borgo")} {
		token := c.csrf() // (outside the fuzz target: the client's helpers report to f)
		people = append(people, who{c.jar.Cookies(&url.URL{Scheme: "http", Host: c.host, Path: "/"}), token})
	}
	f.Fuzz(func(t *testing.T, body, ctype string) {
		for _, p := range people {
			for _, path := range []string{"/backoffice/accedi", "/backoffice/uffici/nuovo"} {
				req := httptest.NewRequest(http.MethodPost, "http://borgo.example.it"+path, strings.NewReader(body))
				req.Header.Set("Content-Type", ctype)
				req.Header.Set("X-CSRF-Token", p.token)
				for _, ck := range p.cookies {
					req.AddCookie(ck)
				}
				rec := httptest.NewRecorder()
				h.handler.ServeHTTP(rec, req)
				out := rec.Body.String()
				if rec.Code >= 500 || strings.Contains(out, "goroutine") || strings.Contains(out, "sql:") {
					t.Fatalf("%s %q (%s): status %d", path, body, ctype, rec.Code)
				}
			}
		}
	})
}
