package web

import (
	"context"
	"crypto/subtle"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// opsRoutes are answered on every host, before tenant resolution: probes for load
// balancers and orchestrators, metrics, and the static assets.
func (s *Server) opsRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := s.DB.Ping(ctx); err != nil {
			s.log.Error("readyz: database unreachable", "err", err, "request_id", info(r).ID)
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte("database unreachable\n"))
			return
		}
		w.Write([]byte("ok\n"))
	})
	prom := promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{})
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		if !s.metricsAllowed(r) {
			w.Header().Set("Cache-Control", "no-store")
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		prom.ServeHTTP(w, r)
	})
	mux.HandleFunc("GET /static/{version}/{path...}", s.assets.serve)
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, s.assets.URL("img/favicon.svg"), http.StatusMovedPermanently)
	})
	mux.HandleFunc("GET /robots.txt", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("User-agent: *\nDisallow: /backoffice/\nDisallow: /area-personale\nDisallow: /accedi\n"))
	})
}

// metricsAllowed: with PIAZZA_METRICS_TOKEN, a matching bearer token; without it,
// only clients connecting from loopback (a scraper on the same machine).
func (s *Server) metricsAllowed(r *http.Request) bool {
	if s.cfg.MetricsToken != "" {
		got := r.Header.Get("Authorization")
		want := "Bearer " + s.cfg.MetricsToken
		return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
	}
	return peerAddr(r).IsLoopback() && r.Header.Get("X-Forwarded-For") == ""
}
