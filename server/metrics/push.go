package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// pushMetrics are the push router's figures.
type pushMetrics struct {
	connected prometheus.Gauge
	prompts   *prometheus.CounterVec
	delivery  prometheus.Histogram
}

func (m *Metrics) registerPush() {
	m.push = pushMetrics{
		connected: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "twofold_push_connected_devices",
			Help: "Authenticated device websockets connected to this instance.",
		}),
		prompts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "twofold_push_prompts_total",
			Help: "Push prompts by event: sent, then approved, denied, reported, failed, expired or cancelled.",
		}, []string{"event"}),
		delivery: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "twofold_push_delivery_seconds",
			Help:    "From a prompt's commit to its frame written to a device's socket.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1},
		}),
	}
	m.reg.MustRegister(m.push.connected, m.push.prompts, m.push.delivery)
}

// DeviceConnected moves the connected-devices gauge.
func (m *Metrics) DeviceConnected(delta int) { m.push.connected.Add(float64(delta)) }

// PromptSent counts a prompt sent.
func (m *Metrics) PromptSent() { m.push.prompts.WithLabelValues("sent").Inc() }

// PromptDelivered observes one prompt's delivery latency.
func (m *Metrics) PromptDelivered(took time.Duration) { m.push.delivery.Observe(took.Seconds()) }

// PromptSettled counts how a prompt ended.
func (m *Metrics) PromptSettled(state string) { m.push.prompts.WithLabelValues(state).Inc() }
