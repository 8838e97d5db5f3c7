package web

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"piazza/internal/content"
	"piazza/internal/session"
	"piazza/internal/store/storetest"
)

// cachedHarness is a harness whose server keeps public pages for ttl, on a clock
// the test moves.
func cachedHarness(t *testing.T, ttl time.Duration) (*harness, *time.Time) {
	now := time.Now()
	h := newHarness(t, func(d *Deps) {
		d.Config.PageCacheTTL = ttl
		d.Now = func() time.Time { return now }
	})
	return h, &now
}

// TestPageCache: visitors who are not signed in get the stored page until the TTL
// or a change made through the server; signed-in users, other hosts and other
// languages never get someone else's copy; private pages are never stored.
func TestPageCache(t *testing.T) {
	h, now := cachedHarness(t, 10*time.Second)
	visitor := h.client(borgo)
	first := visitor.get("/novita/notizie")
	if first.StatusCode != 200 || first.Header.Get("ETag") != "" {
		t.Fatalf("first visit: %d, etag %q", first.StatusCode, first.Header.Get("ETag"))
	}
	second := visitor.get("/novita/notizie")
	if second.Header.Get("ETag") == "" || second.Body != first.Body {
		t.Fatal("second visit not served from the cache")
	}
	for _, hd := range []string{"Content-Type", "Content-Security-Policy", "X-Content-Type-Options", "Cache-Control"} {
		if second.Header.Get(hd) != first.Header.Get(hd) {
			t.Errorf("%s: cached %q, rendered %q", hd, second.Header.Get(hd), first.Header.Get(hd))
		}
	}
	if second.Header.Get("X-Request-Id") == first.Header.Get("X-Request-Id") {
		t.Error("a cached page repeats another request's id")
	}

	// A change behind the server's back (another node, a job) shows after the TTL.
	h.mustItem(newsItem(h.borgo.ID, content.NewsStory, "nuova-piazza"), true)
	if strings.Contains(visitor.get("/novita/notizie").Body, "nuova-piazza") {
		t.Fatal("the cache did not hold the page (the test proves nothing)")
	}
	editor := h.staff(borgo, "editor@borgo")
	if !strings.Contains(editor.get("/novita/notizie").Body, "nuova-piazza") {
		t.Error("a signed-in user got the stored page")
	}
	*now = now.Add(11 * time.Second)
	if !strings.Contains(visitor.get("/novita/notizie").Body, "nuova-piazza") {
		t.Error("the stored page outlived its TTL")
	}

	// A change through the server shows at once.
	visitor.get("/novita/notizie")
	it := h.mustItem(newsItem(h.borgo.ID, content.NewsStory, "mercato-coperto"), false)
	if r := editor.post("/backoffice/contenuti/"+strconv.FormatInt(it.ID, 10)+"/pubblica", nil); r.StatusCode >= 400 {
		t.Fatalf("publish: %d", r.StatusCode)
	}
	if !strings.Contains(visitor.get("/novita/notizie").Body, "mercato-coperto") {
		t.Error("a change made through the server did not empty the tenant's pages")
	}

	// Other hosts and languages have their own copies.
	if strings.Contains(h.client(marina).get("/novita/notizie").Body, "mercato-coperto") {
		t.Error("another comune got Borgo's page")
	}
	for _, lang := range []string{"it", "en", "it"} {
		req := httptest.NewRequest(http.MethodGet, "http://"+borgo+"/novita/notizie", nil)
		req.Header.Set("Accept-Language", lang)
		if r := h.client(borgo).do(req); !strings.Contains(r.Body, `<html lang="`+lang+`"`) {
			t.Errorf("a visitor asking for %s got another language", lang)
		}
	}

	// Compressed copies decode to the same page; a revalidation gets 304.
	req := httptest.NewRequest(http.MethodGet, "http://"+borgo+"/novita/notizie", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	rec := httptest.NewRecorder()
	h.handler.ServeHTTP(rec, req)
	if rec.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("cached page not gzipped: %v", rec.Header())
	}
	zr, err := gzip.NewReader(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	unzipped, _ := io.ReadAll(zr)
	plain := visitor.get("/novita/notizie")
	if string(unzipped) != plain.Body {
		t.Error("the gzipped copy differs from the page")
	}
	req = httptest.NewRequest(http.MethodGet, "http://"+borgo+"/novita/notizie", nil)
	req.Header.Set("If-None-Match", plain.Header.Get("ETag"))
	if r := visitor.do(req); r.StatusCode != http.StatusNotModified || r.Body != "" {
		t.Errorf("revalidation: %d with %d bytes", r.StatusCode, len(r.Body))
	}

	// Pages of signed-in users and personal routes are never stored or served.
	citizen := h.client(borgo)
	citizen.signIn(session.Citizen, 0, storetest.MustCreateCitizen(t, h.db, h.borgo.ID, "RSSMRA80A01H501U", "Mario", "Rossi").ID)
	citizen.get("/area-personale")
	if r := h.client(borgo).get("/area-personale"); r.Header.Get("ETag") != "" || r.StatusCode == 200 {
		t.Errorf("a visitor got a stored personal page: %d", r.StatusCode)
	}
	for _, p := range []string{"/accedi", "/area-personale"} {
		c := h.client(borgo)
		c.get(p)
		if r := c.get(p); r.Header.Get("ETag") != "" {
			t.Errorf("%s was stored", p)
		}
	}
}

// TestPageCacheOff: a TTL of 0 stores nothing.
func TestPageCacheOff(t *testing.T) {
	h, _ := cachedHarness(t, 0)
	c := h.client(borgo)
	c.get("/")
	if r := c.get("/"); r.Header.Get("ETag") != "" {
		t.Error("page stored with the cache off")
	}
	h.mustItem(newsItem(h.borgo.ID, content.NewsStory, "subito"), true)
	if !strings.Contains(c.get("/novita/notizie").Body, "subito") {
		t.Error("stale page with the cache off")
	}
}
