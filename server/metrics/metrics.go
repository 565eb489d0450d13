package metrics

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the server's metrics.
type Metrics struct {
	reg           *prometheus.Registry
	verifications *prometheus.CounterVec
	verifyLatency *prometheus.HistogramVec
	dbErrors      prometheus.Counter
	dbReruns      prometheus.Counter
	requests      *prometheus.CounterVec
	reqLatency    *prometheus.HistogramVec
	push          pushMetrics // push.go
}

// New registers the metrics in a fresh registry.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		verifications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "twofold_verifications_total",
			Help: "Second-factor verifications by purpose and outcome (success, wrong, replay, locked, malformed, error).",
		}, []string{"purpose", "outcome"}),
		verifyLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "twofold_verification_duration_seconds",
			Help:    "Time to verify a second factor, store transaction included.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1},
		}, []string{"purpose"}),
		dbErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "twofold_db_errors_total",
			Help: "Unexpected database errors.",
		}),
		dbReruns: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "twofold_db_reruns_total",
			Help: "PostgreSQL transactions run again after losing a serialization conflict or a deadlock.",
		}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "twofold_http_requests_total",
			Help: "HTTP requests by method, route pattern and status code.",
		}, []string{"method", "route", "code"}),
		reqLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "twofold_http_request_duration_seconds",
			Help:    "HTTP request latency by route pattern.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route"}),
	}
	m.reg.MustRegister(m.verifications, m.verifyLatency, m.dbErrors, m.dbReruns, m.requests, m.reqLatency,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.registerPush()
	return m
}

// Verification counts one second-factor check (server/service's Observer:
// it observes through that interface, so this package imports no service).
func (m *Metrics) Verification(purpose, outcome string, took time.Duration) {
	m.verifications.WithLabelValues(purpose, outcome).Inc()
	m.verifyLatency.WithLabelValues(purpose).Observe(took.Seconds())
}

// DBError counts an unexpected database error.
func (m *Metrics) DBError(error) { m.dbErrors.Inc() }

// DBRerun counts a transaction run again (PostgreSQL).
func (m *Metrics) DBRerun(error) { m.dbReruns.Inc() }

// Request counts one HTTP request.
func (m *Metrics) Request(method, route string, code int, took time.Duration) {
	m.requests.WithLabelValues(method, route, statusCode(code)).Inc()
	m.reqLatency.WithLabelValues(route).Observe(took.Seconds())
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Registry is for tests.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

func statusCode(code int) string {
	const digits = "0123456789"
	if code < 100 || code > 999 {
		return "000"
	}
	return string([]byte{digits[code/100], digits[code/10%10], digits[code%10]})
}
