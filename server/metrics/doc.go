// Package metrics holds the server's Prometheus metrics in a registry of its
// own (so several servers can live in one test process): verification
// outcomes by purpose, verification latency, database errors, and HTTP
// requests by route and status class, plus the Go runtime and process
// collectors. It implements auth.Observer.
package metrics
