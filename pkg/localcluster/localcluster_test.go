package localcluster

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"
	"k8s.io/utils/ptr"
)

func TestStartWithoutBinaries(t *testing.T) {
	_, err := Start(context.Background(), Options{BinDir: t.TempDir()})
	if !errors.Is(err, ErrMissingBinaries) {
		t.Fatalf("Start with an empty BinDir: got %v, want ErrMissingBinaries", err)
	}
	if !strings.Contains(err.Error(), "make tools") {
		t.Errorf("error %q does not say how to build the binaries", err)
	}
}

func TestNodeSpecDefaults(t *testing.T) {
	n, err := NodeSpec{Name: "n", Extended: map[string]string{"nvidia.com/gpu": "8"}}.node()
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[corev1.ResourceName]string{"cpu": "32", "memory": "128Gi", "pods": "110", "nvidia.com/gpu": "8"} {
		if got := n.Status.Allocatable[name]; got.Cmp(resource.MustParse(want)) != 0 {
			t.Errorf("allocatable %s = %s, want %s", name, got.String(), want)
		}
	}
	if got := n.Annotations[resourceMetricsPathAnnotation]; got != "/metrics/nodes/n/metrics/resource" {
		t.Errorf("metrics path annotation = %q", got)
	}
	if _, err := (NodeSpec{Name: "n", CPU: "lots"}).node(); err == nil {
		t.Error("bad CPU quantity accepted")
	}
}

// TestStartFailureCleansUp makes the apiserver fail at once: Start must
// report its log and leave neither etcd nor the work dir behind.
func TestStartFailureCleansUp(t *testing.T) {
	realBins := requireBinaries(t)
	bin := t.TempDir()
	if err := os.Symlink(filepath.Join(realBins, compEtcd), filepath.Join(bin, compEtcd)); err != nil {
		t.Fatal(err)
	}
	script := "#!/bin/sh\necho 'refusing to start for the test'\nexit 3\n"
	if err := os.WriteFile(filepath.Join(bin, compAPIServer), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	work := filepath.Join(t.TempDir(), "work")
	_, err := Start(context.Background(), Options{
		BinDir: bin, WorkDir: work,
		WithoutMetricsServer: true, WithoutControllerManager: true, WithoutKwok: true,
	})
	if err == nil {
		t.Fatal("Start succeeded with a failing apiserver")
	}
	t.Logf("Start failed as expected: %v", err)
	if !strings.Contains(err.Error(), "refusing to start for the test") {
		t.Errorf("error does not show the apiserver's log: %v", err)
	}
	if children := childProcesses(t); children != "" {
		t.Errorf("child processes left after a failed Start:\n%s", children)
	}
}

// TestAPIServerOnly is the configuration of apiserver benchmarks: pods can
// be created although no controller-manager creates service accounts.
func TestAPIServerOnly(t *testing.T) {
	c := StartForTest(t, Options{WithoutMetricsServer: true, WithoutControllerManager: true, WithoutKwok: true})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := c.CreateNodes(ctx, NodeSpec{Name: "node-1"}); err != nil {
		t.Fatal(err)
	}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "p"},
		Spec:       corev1.PodSpec{NodeName: "node-1", Containers: []corev1.Container{{Name: "c", Image: "i"}}},
	}
	if _, err := c.Client().CoreV1().Pods(metav1.NamespaceDefault).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := c.StopMetricsServer(ctx); err == nil {
		t.Error("StopMetricsServer succeeded without metrics-server")
	}
}

// requireBinaries returns the bin dir, skipping under -short and failing
// when the binaries are not built.
func requireBinaries(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("needs the control-plane binaries")
	}
	dir, err := defaultBinDir()
	if err != nil {
		t.Fatal(err)
	}
	if err := checkBinaries(Options{BinDir: dir}); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestCluster starts the whole control plane and checks what tests built on
// it rely on: fake nodes, pods going Ready, controllers, pod and node
// metrics, a metrics-server outage, and a clean stop.
func TestCluster(t *testing.T) {
	began := time.Now()
	c := StartForTest(t, Options{})
	t.Logf("control plane ready after %.1fs", time.Since(began).Seconds())
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	client := c.Client()

	err := c.CreateNodes(ctx,
		NodeSpec{Name: "node-1", CPU: "8", Memory: "32Gi", Extended: map[string]string{"nvidia.com/gpu": "8"}},
		NodeSpec{Name: "node-2", CPU: "4", Memory: "16Gi", Pods: 20, Labels: map[string]string{"pool": "small"}},
	)
	if err != nil {
		t.Fatal(err)
	}
	node, err := client.CoreV1().Nodes().Get(ctx, "node-1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if gpu := node.Status.Allocatable["nvidia.com/gpu"]; gpu.Value() != 8 {
		t.Errorf("node-1 allocatable GPUs = %s, want 8", gpu.String())
	}

	const ns = "localcluster-test"
	if err := c.CreateNamespace(ctx, ns); err != nil {
		t.Fatal(err)
	}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name:        "usage",
			Labels:      map[string]string{"app": "usage"},
			Annotations: map[string]string{UsageCPUAnnotation: "250m", UsageMemoryAnnotation: "100Mi"},
		},
		Spec: corev1.PodSpec{
			NodeName:   "node-1",
			Containers: []corev1.Container{{Name: "main", Image: "registry.k8s.io/pause:3.10"}},
		},
	}
	if _, err := client.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(ctx, t, "pod usage Running and Ready", func() error {
		p, err := client.CoreV1().Pods(ns).Get(ctx, "usage", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if !podReady(p) {
			return fmt.Errorf("phase %s, not ready", p.Status.Phase)
		}
		return nil
	})
	t.Logf("pod Running and Ready %.1fs after start", time.Since(began).Seconds())

	// The controller-manager: a Deployment gets a ReplicaSet and its pods.
	// There is no scheduler, so the template names the node.
	labels := map[string]string{"app": "web"}
	deploy := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](2),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					NodeName:   "node-2",
					Containers: []corev1.Container{{Name: "web", Image: "registry.k8s.io/pause:3.10"}},
				},
			},
		},
	}
	if _, err := client.AppsV1().Deployments(ns).Create(ctx, deploy, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(ctx, t, "deployment web available", func() error {
		d, err := client.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if d.Status.AvailableReplicas != 2 {
			return fmt.Errorf("%d available replicas", d.Status.AvailableReplicas)
		}
		return nil
	})
	t.Logf("deployment available %.1fs after start", time.Since(began).Seconds())
	rs, err := client.AppsV1().ReplicaSets(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
	if err != nil || len(rs.Items) != 1 {
		t.Fatalf("replica sets of web: %d, %v", len(rs.Items), err)
	}

	// Metrics: ≈250m CPU and 100Mi from the annotations.
	list, err := c.WaitPodMetrics(ctx, ns, "app=usage", 1)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("pod metrics available %.1fs after start", time.Since(began).Seconds())
	checkUsage(t, list.Items[0].Containers, "250m", "100Mi")
	waitFor(ctx, t, "node metrics of both nodes", func() error {
		for _, name := range []string{"node-1", "node-2"} {
			m, err := c.MetricsClient().MetricsV1beta1().NodeMetricses().Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			if m.Usage.Memory().IsZero() {
				return fmt.Errorf("node %s reports no memory", name)
			}
		}
		return nil
	})

	// An outage: the metrics API goes unavailable, then comes back.
	outage := time.Now()
	if err := c.StopMetricsServer(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.MetricsClient().MetricsV1beta1().PodMetricses(ns).List(ctx, metav1.ListOptions{}); err == nil {
		t.Error("pod metrics listed while metrics-server is stopped")
	}
	t.Logf("metrics API unavailable %.1fs after stopping metrics-server", time.Since(outage).Seconds())
	restart := time.Now()
	if err := c.StartMetricsServer(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("metrics API available %.1fs after restarting metrics-server", time.Since(restart).Seconds())
	if list, err = c.WaitPodMetrics(ctx, ns, "app=usage", 1); err != nil {
		t.Fatal(err)
	}
	t.Logf("pod metrics back %.1fs after restarting metrics-server", time.Since(restart).Seconds())
	checkUsage(t, list.Items[0].Containers, "250m", "100Mi")

	// Changing the annotations changes the reported usage: how tests vary load.
	changed := time.Now()
	patch := fmt.Sprintf(`{"metadata":{"annotations":{%q:"500m",%q:"200Mi"}}}`, UsageCPUAnnotation, UsageMemoryAnnotation)
	if _, err := client.CoreV1().Pods(ns).Patch(ctx, "usage", types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(ctx, t, "pod metrics to follow the new annotations", func() error {
		m, err := c.MetricsClient().MetricsV1beta1().PodMetricses(ns).Get(ctx, "usage", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if cpu := m.Containers[0].Usage.Cpu().MilliValue(); cpu < 450 || m.Timestamp.Time.Before(changed) {
			return fmt.Errorf("cpu %dm at %v", cpu, m.Timestamp)
		}
		return nil
	})
	t.Logf("pod metrics followed new annotations after %.1fs", time.Since(changed).Seconds())
	list, err = c.WaitPodMetrics(ctx, ns, "app=usage", 1)
	if err != nil {
		t.Fatal(err)
	}
	checkUsage(t, list.Items[0].Containers, "500m", "200Mi")

	// Stop leaves nothing behind.
	workDir := c.WorkDir()
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if children := childProcesses(t); children != "" {
		t.Errorf("child processes left after Stop:\n%s", children)
	}
	if _, err := os.Stat(workDir); !os.IsNotExist(err) {
		t.Errorf("work dir %s not removed: %v", workDir, err)
	}
}

func podReady(p *corev1.Pod) bool {
	if p.Status.Phase != corev1.PodRunning {
		return false
	}
	for _, cond := range p.Status.Conditions {
		if cond.Type == corev1.PodReady {
			return cond.Status == corev1.ConditionTrue
		}
	}
	return false
}

// checkUsage wants CPU within 10% and memory within 1% of the annotations.
func checkUsage(t *testing.T, containers []metricsv1beta1.ContainerMetrics, cpu, memory string) {
	t.Helper()
	if len(containers) != 1 {
		t.Fatalf("got %d containers in pod metrics, want 1", len(containers))
	}
	usage := containers[0].Usage
	within := func(name string, got resource.Quantity, want string, tolerance float64) {
		w := resource.MustParse(want)
		if d := math.Abs(got.AsApproximateFloat64() - w.AsApproximateFloat64()); d > tolerance*w.AsApproximateFloat64() {
			t.Errorf("%s usage %s, want %s ± %.0f%%", name, got.String(), want, tolerance*100)
		} else {
			t.Logf("%s usage %s (annotated %s)", name, got.String(), want)
		}
	}
	within("cpu", usage[corev1.ResourceCPU], cpu, 0.10)
	within("memory", usage[corev1.ResourceMemory], memory, 0.01)
}

// childProcesses lists this test binary's remaining children.
func childProcesses(t *testing.T) string {
	pgrep, err := exec.LookPath("pgrep")
	if err != nil {
		t.Logf("pgrep not found, not checking for leftover processes")
		return ""
	}
	out, err := exec.Command(pgrep, "-a", "-P", fmt.Sprint(os.Getpid())).Output()
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == 1 { // nothing matched
		return ""
	}
	if err != nil {
		t.Fatalf("pgrep: %v", err)
	}
	return string(out)
}

// waitFor polls check every 100ms until it succeeds, failing the test when
// ctx ends.
func waitFor(ctx context.Context, t *testing.T, what string, check func() error) {
	t.Helper()
	for {
		err := check()
		if err == nil {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v", what, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
