package web

import (
	"bytes"
	"compress/gzip"
	"hash/fnv"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// pageCache keeps rendered public pages in memory for visitors who are not signed
// in: most of a comune's traffic is people reading the same few pages (the home
// page, the news of the day, a service card on a deadline), and rendering them
// again for each visitor costs database queries and templates.
//
// What is stored: the 200 answers to GET requests of public routes (no personal
// route, no session, no cookie set, nothing marked private), per host, language
// and address (path and query), with their body compressed once. An entry lives
// for the configured TTL and not past the tenant's generation: every change made
// through this node (any form a signed-in user sends to the tenant, or any change
// in the platform console) starts a new generation, so an editor who publishes sees
// the page change at once. Other nodes, scheduled publications and command-line
// changes show within the TTL.
type pageCache struct {
	ttl      time.Duration
	maxBytes int

	mu      sync.RWMutex
	entries map[string]*cachedPage
	size    int

	platformGen atomic.Uint64 // bumped by changes in the platform console
	genMu       sync.Mutex
	gens        map[int64]*atomic.Uint64
}

// cachedPage is one stored answer.
type cachedPage struct {
	at     time.Time
	gen    uint64
	header http.Header // the handler's own headers (not the per-request ones)
	body   []byte
	gz     []byte // body gzipped, or nil when not compressible
	etag   string
}

func (p *cachedPage) bytes() int { return len(p.body) + len(p.gz) + 512 }

// Limits of the cache: the most it holds in all, and the largest page it stores.
const (
	pageCacheBytes   = 64 << 20
	pageCacheMaxPage = 1 << 20
)

func newPageCache(ttl time.Duration) *pageCache {
	if ttl <= 0 {
		return nil
	}
	return &pageCache{ttl: ttl, maxBytes: pageCacheBytes, entries: map[string]*cachedPage{}, gens: map[int64]*atomic.Uint64{}}
}

// generation is the tenant's generation combined with the platform's.
func (c *pageCache) generation(tenantID int64) uint64 {
	c.genMu.Lock()
	g := c.gens[tenantID]
	if g == nil {
		g = new(atomic.Uint64)
		c.gens[tenantID] = g
	}
	c.genMu.Unlock()
	return g.Load()<<20 + c.platformGen.Load()
}

// changed starts a new generation for a tenant (0: every tenant).
func (c *pageCache) changed(tenantID int64) {
	if c == nil {
		return
	}
	if tenantID == 0 {
		c.platformGen.Add(1)
		return
	}
	c.generation(tenantID) // make sure the counter exists
	c.genMu.Lock()
	c.gens[tenantID].Add(1)
	c.genMu.Unlock()
}

// cacheable reports whether the request may be answered from, or stored in, the
// cache: a GET or HEAD of a public route by a visitor without a session.
func (s *Server) cacheable(rt route, r *http.Request, ri *reqInfo) bool {
	return s.pages != nil && (r.Method == http.MethodGet || r.Method == http.MethodHead) && rt.access == public &&
		!rt.personal && ri.Tenant != nil && ri.Session == nil && !ri.signedIn() && !ri.foreignSession
}

func pageKey(r *http.Request, ri *reqInfo) string {
	return ri.Host + "\x00" + ri.Lang + "\x00" + ri.Consent + "\x00" + r.URL.RequestURI()
}

// serveCached answers from the cache when it holds a fresh copy.
func (s *Server) serveCached(w http.ResponseWriter, r *http.Request, ri *reqInfo) bool {
	c := s.pages
	c.mu.RLock()
	p := c.entries[pageKey(r, ri)]
	c.mu.RUnlock()
	if p == nil || s.now().Sub(p.at) >= c.ttl || p.gen != c.generation(ri.Tenant.ID) {
		return false
	}
	h := w.Header()
	for k, v := range p.header {
		h[k] = v
	}
	h.Set("ETag", p.etag)
	if inm := r.Header.Get("If-None-Match"); inm != "" && strings.Contains(inm, p.etag) {
		w.WriteHeader(http.StatusNotModified)
		return true
	}
	body := p.body
	if p.gz != nil && r.Method == http.MethodGet && strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		h.Set("Content-Encoding", "gzip")
		h.Add("Vary", "Accept-Encoding")
		body = p.gz
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		w.Write(body)
	}
	return true
}

// pageRecorder passes a response through while keeping a copy of it.
type pageRecorder struct {
	http.ResponseWriter
	status  int
	header  http.Header // the headers as the handler set them
	buf     bytes.Buffer
	tooBig  bool
	skipped bool
}

func (p *pageRecorder) WriteHeader(code int) {
	if p.status != 0 {
		return
	}
	p.status = code
	p.header = p.ResponseWriter.Header().Clone()
	p.ResponseWriter.WriteHeader(code)
}

func (p *pageRecorder) Write(b []byte) (int, error) {
	if p.status == 0 {
		if p.Header().Get("Content-Type") == "" {
			p.Header().Set("Content-Type", http.DetectContentType(b))
		}
		p.WriteHeader(http.StatusOK)
	}
	if !p.tooBig {
		if p.buf.Len()+len(b) > pageCacheMaxPage {
			p.tooBig = true
			p.buf = bytes.Buffer{}
		} else {
			p.buf.Write(b)
		}
	}
	return p.ResponseWriter.Write(b)
}

func (p *pageRecorder) Unwrap() http.ResponseWriter { return p.ResponseWriter }

// perRequest are the headers that belong to one response, never to a stored page.
var perRequest = []string{"X-Request-Id", "Content-Length", "Content-Encoding", "Date", "Etag"}

// store keeps a recorded answer if it may be shared.
func (s *Server) storePage(r *http.Request, ri *reqInfo, rec *pageRecorder, gen uint64) {
	if rec.status != http.StatusOK || rec.tooBig || r.Method != http.MethodGet || rec.header == nil {
		return
	}
	h := rec.header
	cc := h.Get("Cache-Control")
	if len(h.Values("Set-Cookie")) > 0 || strings.Contains(cc, "private") || strings.Contains(cc, "no-store") || ri.personal ||
		h.Get("Content-Encoding") != "" {
		return
	}
	for _, k := range perRequest {
		h.Del(k)
	}
	body := bytes.Clone(rec.buf.Bytes())
	sum := fnv.New64a()
	sum.Write(body)
	p := &cachedPage{at: s.now(), gen: gen, header: h, body: body, etag: `"p` + strconv.FormatUint(sum.Sum64(), 36) + `"`}
	if compressible(h.Get("Content-Type")) {
		var gz bytes.Buffer
		zw := gzipPool.Get().(*gzip.Writer)
		zw.Reset(&gz)
		zw.Write(body)
		zw.Close()
		gzipPool.Put(zw)
		p.gz = gz.Bytes()
	}
	c := s.pages
	key := pageKey(r, ri)
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.entries[key]; old != nil {
		c.size -= old.bytes()
	}
	// Over the limit: drop stale pages first, then any, until the new one fits.
	if c.size+p.bytes() > c.maxBytes {
		now := s.now()
		for k, e := range c.entries {
			if now.Sub(e.at) >= c.ttl {
				c.size -= e.bytes()
				delete(c.entries, k)
			}
		}
		for k, e := range c.entries {
			if c.size+p.bytes() <= c.maxBytes {
				break
			}
			c.size -= e.bytes()
			delete(c.entries, k)
		}
	}
	c.entries[key] = p
	c.size += p.bytes()
}
