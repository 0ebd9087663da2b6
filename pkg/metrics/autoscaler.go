package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
)

// AutoscalerMetrics is the autoscaler's Prometheus instrumentation. Every
// series is labelled with the PodAutoscaler's namespace and name so a
// dashboard can follow one workload.
type AutoscalerMetrics struct {
	DesiredReplicas *prometheus.GaugeVec
	CurrentReplicas *prometheus.GaugeVec
	MetricValue     *prometheus.GaugeVec
	MetricTarget    *prometheus.GaugeVec
	SyncDuration    *prometheus.HistogramVec
	Errors          *prometheus.CounterVec
	Rescales        *prometheus.CounterVec
}

// NewAutoscalerMetrics creates the collectors and registers them with reg
// (controller-runtime's registry in the binary, a fresh one in tests).
func NewAutoscalerMetrics(reg prometheus.Registerer) (*AutoscalerMetrics, error) {
	pa := []string{"namespace", "name"}
	metric := []string{"namespace", "name", "metric"}
	m := &AutoscalerMetrics{
		DesiredReplicas: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "coxswain", Subsystem: "autoscaler", Name: "desired_replicas",
			Help: "Replicas the last decision asked for.",
		}, pa),
		CurrentReplicas: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "coxswain", Subsystem: "autoscaler", Name: "current_replicas",
			Help: "Replicas of the scale target when it was last read.",
		}, pa),
		MetricValue: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "coxswain", Subsystem: "autoscaler", Name: "metric_value",
			Help: "Current value of each metric: utilization in percent, or the average value in the metric's unit.",
		}, metric),
		MetricTarget: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "coxswain", Subsystem: "autoscaler", Name: "metric_target",
			Help: "Target of each metric, in the same unit as metric_value.",
		}, metric),
		SyncDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "coxswain", Subsystem: "autoscaler", Name: "sync_duration_seconds",
			Help:    "Time to reconcile one PodAutoscaler, by outcome.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 14),
		}, []string{"outcome"}),
		Errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "coxswain", Subsystem: "autoscaler", Name: "errors_total",
			Help: "Failed reconciles by reason (the event reason, e.g. FailedGetResourceMetric).",
		}, []string{"reason"}),
		Rescales: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "coxswain", Subsystem: "autoscaler", Name: "rescales_total",
			Help: "Scale subresource writes, by direction (up or down).",
		}, []string{"namespace", "name", "direction"}),
	}
	for _, c := range []prometheus.Collector{m.DesiredReplicas, m.CurrentReplicas, m.MetricValue, m.MetricTarget, m.SyncDuration, m.Errors, m.Rescales} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Forget drops a deleted PodAutoscaler's series so they don't linger.
func (m *AutoscalerMetrics) Forget(namespace, name string) {
	l := prometheus.Labels{"namespace": namespace, "name": name}
	m.DesiredReplicas.DeletePartialMatch(l)
	m.CurrentReplicas.DeletePartialMatch(l)
	m.MetricValue.DeletePartialMatch(l)
	m.MetricTarget.DeletePartialMatch(l)
	m.Rescales.DeletePartialMatch(l)
}
