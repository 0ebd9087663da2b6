package localcluster

import (
	"context"
	"encoding/base64"
	"fmt"
	"path/filepath"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

const (
	metricsServerNamespace = "kube-system"
	metricsServerService   = "metrics-server"
	// MetricsAPIServiceName is the APIService that routes metrics.k8s.io to metrics-server.
	MetricsAPIServiceName = "v1beta1.metrics.k8s.io"
	// pokeInterval paces the nudges that make the aggregator re-check the
	// APIService now rather than on its 30 s resync.
	pokeInterval = 2 * time.Second
)

var apiServiceGVR = schema.GroupVersionResource{Group: "apiregistration.k8s.io", Version: "v1", Resource: "apiservices"}

// registerMetricsAPI creates the ExternalName service and the APIService
// that route metrics.k8s.io to metrics-server on 127.0.0.1. They are created
// once and outlive metrics-server restarts.
func (c *Cluster) registerMetricsAPI(ctx context.Context) error {
	port := int32(c.ports.metricsServer)
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: metricsServerService, Namespace: metricsServerNamespace},
		Spec: corev1.ServiceSpec{
			Type:         corev1.ServiceTypeExternalName,
			ExternalName: "127.0.0.1",
			Ports:        []corev1.ServicePort{{Name: "https", Port: port, Protocol: corev1.ProtocolTCP}},
		},
	}
	if _, err := c.client.CoreV1().Services(metricsServerNamespace).Create(ctx, svc, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create metrics-server service: %w", err)
	}
	apiService := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apiregistration.k8s.io/v1",
		"kind":       "APIService",
		"metadata":   map[string]any{"name": MetricsAPIServiceName},
		"spec": map[string]any{
			"group":                "metrics.k8s.io",
			"version":              "v1beta1",
			"groupPriorityMinimum": int64(100),
			"versionPriority":      int64(100),
			"caBundle":             base64.StdEncoding.EncodeToString(c.pki.ca.certPEM),
			"service": map[string]any{
				"namespace": metricsServerNamespace,
				"name":      metricsServerService,
				"port":      int64(port),
			},
		},
	}}
	_, err := c.dynamic.Resource(apiServiceGVR).Create(ctx, apiService, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create APIService %s: %w", MetricsAPIServiceName, err)
	}
	return nil
}

// startMetricsServer runs metrics-server and waits until it serves and the
// metrics APIService is Available.
func (c *Cluster) startMetricsServer(ctx context.Context) error {
	p := c.pki
	args := []string{
		"--kubeconfig=" + c.kubeconfigPath,
		"--authentication-kubeconfig=" + c.kubeconfigPath,
		"--authorization-kubeconfig=" + c.kubeconfigPath,
		"--bind-address=127.0.0.1",
		fmt.Sprintf("--secure-port=%d", c.ports.metricsServer),
		"--cert-dir=" + filepath.Join(c.workDir, compMetricsServer),
		"--tls-cert-file=" + p.metricsServer.CertFile,
		"--tls-private-key-file=" + p.metricsServer.KeyFile,
		"--authorization-always-allow-paths=/healthz,/readyz,/livez,/metrics",
		// kwok serves every node's kubelet endpoints on one loopback port,
		// published in the node status, with its own certificate.
		"--kubelet-use-node-status-port",
		"--kubelet-preferred-address-types=InternalIP",
		"--kubelet-insecure-tls",
		"--metric-resolution=" + c.opts.MetricResolution.String(),
		// metrics-server refuses a timeout above 90% of the resolution.
		"--kubelet-request-timeout=" + (c.opts.MetricResolution / 2).String(),
	}
	proc, err := c.start(compMetricsServer, args, nil)
	if err != nil {
		return err
	}
	client, err := c.probeClient()
	if err != nil {
		return err
	}
	defer client.CloseIdleConnections()
	url := fmt.Sprintf("https://127.0.0.1:%d/healthz", c.ports.metricsServer)
	if err := proc.waitFor(ctx, "metrics-server /healthz", func(ctx context.Context) error {
		return httpOK(ctx, client, url)
	}); err != nil {
		return err
	}
	if err := c.waitMetricsAPI(ctx, true); err != nil {
		return proc.failure(err)
	}
	return nil
}

// waitMetricsAPI waits until the metrics APIService's Available condition is
// (or is no longer) True. The aggregator re-checks an APIService only when it
// or its service changes, or every 30 s; touching an annotation gets the
// check done now.
func (c *Cluster) waitMetricsAPI(ctx context.Context, available bool) error {
	var lastPoke time.Time
	var last string
	for {
		ok, msg, err := c.metricsAPIAvailable(ctx)
		if err == nil && ok == available {
			return nil
		}
		if err != nil {
			last = err.Error()
		} else {
			last = msg
		}
		if time.Since(lastPoke) >= pokeInterval {
			lastPoke = time.Now()
			if err := c.pokeMetricsAPI(ctx); err != nil {
				last = err.Error()
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for APIService %s Available=%t: %w (last: %s)", MetricsAPIServiceName, available, ctx.Err(), last)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// metricsAPIAvailable reports the APIService's Available condition.
func (c *Cluster) metricsAPIAvailable(ctx context.Context) (bool, string, error) {
	obj, err := c.dynamic.Resource(apiServiceGVR).Get(ctx, MetricsAPIServiceName, metav1.GetOptions{})
	if err != nil {
		return false, "", err
	}
	conds, _, _ := unstructured.NestedSlice(obj.Object, "status", "conditions")
	for _, cond := range conds {
		m, ok := cond.(map[string]any)
		if !ok || m["type"] != "Available" {
			continue
		}
		return m["status"] == "True", fmt.Sprintf("Available=%v: %v", m["status"], m["message"]), nil
	}
	return false, "no Available condition yet", nil
}

func (c *Cluster) pokeMetricsAPI(ctx context.Context) error {
	patch := fmt.Sprintf(`{"metadata":{"annotations":{"localcluster.coxswain.io/recheck":%q}}}`, time.Now().Format(time.RFC3339Nano))
	_, err := c.dynamic.Resource(apiServiceGVR).Patch(ctx, MetricsAPIServiceName, types.MergePatchType, []byte(patch), metav1.PatchOptions{})
	return err
}
