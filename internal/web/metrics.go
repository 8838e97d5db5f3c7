package web

import (
	"context"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics(s *Server) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "piazza_http_requests_total", Help: "HTTP requests by route pattern, method and status.",
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "piazza_http_request_duration_seconds", Help: "HTTP request latency by route pattern.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route"}),
	}
	s.registry.MustRegister(m.requests, m.duration,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&poolCollector{s: s}, &jobsCollector{s: s})
	return m
}

func (m *metrics) observe(route, method string, status int, d time.Duration) {
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(route).Observe(d.Seconds())
}

var (
	poolOpen  = prometheus.NewDesc("piazza_db_connections_open", "Open database connections.", []string{"pool"}, nil)
	poolInUse = prometheus.NewDesc("piazza_db_connections_in_use", "Database connections in use.", []string{"pool"}, nil)
	poolIdle  = prometheus.NewDesc("piazza_db_connections_idle", "Idle database connections.", []string{"pool"}, nil)
	poolWaits = prometheus.NewDesc("piazza_db_wait_count_total", "Times a request waited for a database connection.", []string{"pool"}, nil)
	poolWait  = prometheus.NewDesc("piazza_db_wait_seconds_total", "Time spent waiting for database connections.", []string{"pool"}, nil)
	jobsDepth = prometheus.NewDesc("piazza_jobs", "Background jobs by state (available = queue depth).", []string{"state"}, nil)
)

type poolCollector struct{ s *Server }

func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- poolOpen
	ch <- poolInUse
	ch <- poolIdle
	ch <- poolWaits
	ch <- poolWait
}

func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	for name, f := range c.s.DBStats {
		st := f()
		ch <- prometheus.MustNewConstMetric(poolOpen, prometheus.GaugeValue, float64(st.Open), name)
		ch <- prometheus.MustNewConstMetric(poolInUse, prometheus.GaugeValue, float64(st.InUse), name)
		ch <- prometheus.MustNewConstMetric(poolIdle, prometheus.GaugeValue, float64(st.Idle), name)
		ch <- prometheus.MustNewConstMetric(poolWaits, prometheus.CounterValue, float64(st.WaitCount), name)
		ch <- prometheus.MustNewConstMetric(poolWait, prometheus.CounterValue, st.WaitDuration.Seconds(), name)
	}
}

type jobsCollector struct{ s *Server }

func (c *jobsCollector) Describe(ch chan<- *prometheus.Desc) { ch <- jobsDepth }

func (c *jobsCollector) Collect(ch chan<- prometheus.Metric) {
	if c.s.Jobs == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	counts, err := c.s.Jobs.Counts(ctx)
	if err != nil {
		c.s.log.Warn("metrics: job counts", "err", err)
		return
	}
	for state, n := range counts {
		ch <- prometheus.MustNewConstMetric(jobsDepth, prometheus.GaugeValue, float64(n), state)
	}
}
