package metrics

import (
	"context"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"
	metricsclient "k8s.io/metrics/pkg/client/clientset/versioned"
)

// PodMetricsSource lists the resource usage of the pods a selector matches.
// The autoscaler depends on this interface so its tests can feed samples
// without a metrics-server.
type PodMetricsSource interface {
	PodMetrics(ctx context.Context, namespace string, selector labels.Selector) ([]metricsv1beta1.PodMetrics, error)
}

// ResourceMetricsClient reads PodMetrics from metrics.k8s.io.
type ResourceMetricsClient struct {
	Client metricsclient.Interface
}

var _ PodMetricsSource = ResourceMetricsClient{}

// PodMetrics lists pod usage; an error says that metrics.k8s.io failed,
// which callers report as FailedGetResourceMetric.
func (c ResourceMetricsClient) PodMetrics(ctx context.Context, namespace string, selector labels.Selector) ([]metricsv1beta1.PodMetrics, error) {
	list, err := c.Client.MetricsV1beta1().PodMetricses(namespace).List(ctx, metav1.ListOptions{LabelSelector: selector.String()})
	if err != nil {
		return nil, fmt.Errorf("unable to fetch metrics from resource metrics API: %w", err)
	}
	if len(list.Items) == 0 {
		return nil, fmt.Errorf("no metrics returned from resource metrics API")
	}
	return list.Items, nil
}
