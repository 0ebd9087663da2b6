package localcluster

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"
)

const (
	// UsageCPUAnnotation on a pod sets each of its containers' CPU usage as
	// reported by the fake kubelets, e.g. "250m". Default 1m.
	UsageCPUAnnotation = "kwok.x-k8s.io/usage-cpu"
	// UsageMemoryAnnotation sets each container's memory working set,
	// e.g. "100Mi". Default 1Mi.
	UsageMemoryAnnotation = "kwok.x-k8s.io/usage-memory"

	// resourceMetricsPathAnnotation tells metrics-server where a node's
	// kubelet resource metrics are; kwok serves all nodes on one port.
	resourceMetricsPathAnnotation = "metrics.k8s.io/resource-metrics-path"
	createWorkers                 = 8
)

// NodeSpec describes a fake node. Zero values get defaults: 32 CPUs,
// 128Gi of memory, 110 pods.
type NodeSpec struct {
	Name        string
	CPU, Memory string            // quantities, e.g. "8", "32Gi"
	Pods        int               // pod capacity
	Labels      map[string]string // added to the standard node labels
	Taints      []corev1.Taint
	Extended    map[string]string // extended resources, e.g. {"nvidia.com/gpu": "8"}
}

// node builds the Node object: capacity and allocatable are equal, and the
// annotations are those kwok and metrics-server look for.
func (s NodeSpec) node() (*corev1.Node, error) {
	if s.Name == "" {
		return nil, errors.New("node without a name")
	}
	quantities := map[corev1.ResourceName]string{
		corev1.ResourceCPU:    orDefault(s.CPU, "32"),
		corev1.ResourceMemory: orDefault(s.Memory, "128Gi"),
		corev1.ResourcePods:   "110",
	}
	if s.Pods > 0 {
		quantities[corev1.ResourcePods] = fmt.Sprint(s.Pods)
	}
	for name, q := range s.Extended {
		quantities[corev1.ResourceName(name)] = q
	}
	capacity := corev1.ResourceList{}
	for name, q := range quantities {
		v, err := resource.ParseQuantity(q)
		if err != nil {
			return nil, fmt.Errorf("node %s: %s %q: %w", s.Name, name, q, err)
		}
		capacity[name] = v
	}
	labels := map[string]string{
		corev1.LabelHostname:   s.Name,
		corev1.LabelOSStable:   "linux",
		corev1.LabelArchStable: "amd64",
		"type":                 "kwok",
	}
	maps.Copy(labels, s.Labels)
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name:   s.Name,
			Labels: labels,
			Annotations: map[string]string{
				"kwok.x-k8s.io/node":           "fake",
				"node.alpha.kubernetes.io/ttl": "0",
				resourceMetricsPathAnnotation:  "/metrics/nodes/" + s.Name + "/metrics/resource",
			},
		},
		Spec:   corev1.NodeSpec{Taints: s.Taints},
		Status: corev1.NodeStatus{Capacity: capacity, Allocatable: capacity.DeepCopy()},
	}, nil
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// CreateNodes creates fake nodes and, when kwok runs, waits until all are
// Ready.
func (c *Cluster) CreateNodes(ctx context.Context, specs ...NodeSpec) error {
	nodes := make([]*corev1.Node, 0, len(specs))
	for _, s := range specs {
		n, err := s.node()
		if err != nil {
			return fmt.Errorf("localcluster: %w", err)
		}
		nodes = append(nodes, n)
	}
	if err := c.createAll(ctx, nodes); err != nil {
		return err
	}
	if c.opts.WithoutKwok {
		return nil
	}
	return c.waitNodesReady(ctx, nodes)
}

// createAll creates nodes with a few concurrent requests, since benchmarks
// create thousands.
func (c *Cluster) createAll(ctx context.Context, nodes []*corev1.Node) error {
	work := make(chan *corev1.Node)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for range min(createWorkers, len(nodes)) {
		wg.Go(func() {
			for n := range work {
				if _, err := c.client.CoreV1().Nodes().Create(ctx, n, metav1.CreateOptions{}); err != nil {
					mu.Lock()
					errs = append(errs, fmt.Errorf("create node %s: %w", n.Name, err))
					mu.Unlock()
				}
			}
		})
	}
	for _, n := range nodes {
		work <- n
	}
	close(work)
	wg.Wait()
	return errors.Join(errs...)
}

func (c *Cluster) waitNodesReady(ctx context.Context, nodes []*corev1.Node) error {
	pending := map[string]bool{}
	for _, n := range nodes {
		pending[n.Name] = true
	}
	for {
		list, err := c.client.CoreV1().Nodes().List(ctx, metav1.ListOptions{ResourceVersion: "0"})
		if err == nil {
			for i := range list.Items {
				if nodeReady(&list.Items[i]) {
					delete(pending, list.Items[i].Name)
				}
			}
			if len(pending) == 0 {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("localcluster: waiting for %d nodes to become Ready: %w", len(pending), ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func nodeReady(n *corev1.Node) bool {
	for _, cond := range n.Status.Conditions {
		if cond.Type == corev1.NodeReady {
			return cond.Status == corev1.ConditionTrue
		}
	}
	return false
}

// CreateNamespace creates a namespace together with its default service
// account, so pods can be created in it at once rather than after the
// controller-manager gets to it.
func (c *Cluster) CreateNamespace(ctx context.Context, name string) error {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if _, err := c.client.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("localcluster: create namespace %s: %w", name, err)
	}
	return ensureServiceAccount(ctx, c.client, name)
}

// WaitPodMetrics waits until metrics.k8s.io reports usage for at least n
// pods matching the label selector in namespace, and returns them. A new
// pod's first metrics take one to two metric resolution periods.
func (c *Cluster) WaitPodMetrics(ctx context.Context, namespace, selector string, n int) (*metricsv1beta1.PodMetricsList, error) {
	var last error
	for {
		list, err := c.metrics.MetricsV1beta1().PodMetricses(namespace).List(ctx, metav1.ListOptions{LabelSelector: selector})
		if err == nil && len(list.Items) >= n {
			return list, nil
		}
		if err != nil {
			last = err
		} else {
			last = fmt.Errorf("%d of %d pods have metrics", len(list.Items), n)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("localcluster: waiting for pod metrics in %q (%s): %w (last: %v)", namespace, selector, ctx.Err(), last)
		case <-time.After(500 * time.Millisecond):
		}
	}
}
