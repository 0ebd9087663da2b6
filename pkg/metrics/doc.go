// Package metrics holds coxswain's clients of the resource metrics API
// (metrics.k8s.io, served by metrics-server) and its own Prometheus
// instrumentation.
package metrics
