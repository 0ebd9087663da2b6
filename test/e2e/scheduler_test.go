package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/coxswain-io/coxswain/pkg/localcluster"
)

const schedulerName = "coxswain-scheduler"

// repoFile resolves a path relative to the repository root.
func repoFile(t *testing.T, rel string) string {
	t.Helper()
	dir, err := localcluster.DefaultBinDir()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(filepath.Dir(dir), rel)
}

// A bad configuration stops the binary at once with the field's name.
func TestSchedulerInvalidConfig(t *testing.T) {
	for _, tc := range []struct{ name, config, want string }{
		{"percentage out of range", "percentageOfNodesToScore: 300\n", "percentageOfNodesToScore"},
		{"unknown field", "profiles:\n  - schedulerName: coxswain-scheduler\n    plugins: {scoree: {}}\n", "profiles[0].plugins.scoree"},
		{"empty scheduler name", "profiles:\n  - schedulerName: \"\"\n", "profiles[0].schedulerName"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config.yaml")
			body := "apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nclientConnection: {kubeconfig: /nonexistent}\n" + tc.config
			if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
				t.Fatal(err)
			}
			p := start(t, binary(t, "scheduler-plugin"), "--config", path)
			select {
			case <-p.done:
			case <-time.After(30 * time.Second):
				t.Fatal("the scheduler did not exit on an invalid configuration")
			}
			if p.err == nil {
				t.Fatal("exit status 0 on an invalid configuration")
			}
			if out := p.out.String(); !strings.Contains(out, tc.want) {
				t.Errorf("the error does not name %q:\n%s", tc.want, out)
			}
		})
	}
}

// runScheduler starts bin/scheduler-plugin with the shipped configuration,
// as the ServiceAccount and with the RBAC the manifests ship.
func runScheduler(t *testing.T, c *localcluster.Cluster) *proc {
	t.Helper()
	kubeconfig := serviceAccountKubeconfig(t, c, "coxswain-scheduler")
	cfg := filepath.Join(t.TempDir(), "scheduler-config.yaml")
	if err := localcluster.WriteSchedulerConfig(repoFile(t, "manifests/scheduler/scheduler-config.yaml"), cfg, kubeconfig); err != nil {
		t.Fatal(err)
	}
	return start(t, binary(t, "scheduler-plugin"), "--config", cfg, "--secure-port", fmt.Sprint(freePort(t)), "--v=2")
}

func podSpec(scheduler string, cpu string) corev1.PodSpec {
	return corev1.PodSpec{
		SchedulerName: scheduler,
		Containers: []corev1.Container{{
			Name:  "c",
			Image: "registry.k8s.io/pause:3.10",
			Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
				corev1.ResourceCPU:    resource.MustParse(cpu),
				corev1.ResourceMemory: resource.MustParse("64Mi"),
			}},
		}},
	}
}

func podRunning(p *corev1.Pod) bool {
	if p.Spec.NodeName == "" || p.Status.Phase != corev1.PodRunning {
		return false
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func TestSchedulerSmoke(t *testing.T) {
	c := sharedCluster(t)
	ctx := context.Background()
	ns := "smoke"
	if err := c.CreateNamespace(ctx, ns); err != nil {
		t.Fatal(err)
	}
	if err := c.CreateNodes(ctx,
		localcluster.NodeSpec{Name: "smoke-a", CPU: "8", Memory: "32Gi"},
		localcluster.NodeSpec{Name: "smoke-b", CPU: "8", Memory: "32Gi"},
	); err != nil {
		t.Fatal(err)
	}
	runScheduler(t, c)
	pods := c.Client().CoreV1().Pods(ns)

	// Ours is bound by our binary and becomes Running on a kwok node.
	mine := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "mine"}, Spec: podSpec(schedulerName, "100m")}
	other := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "other"}, Spec: podSpec("someone-else", "100m")}
	began := time.Now()
	for _, p := range []*corev1.Pod{mine, other} {
		if _, err := pods.Create(ctx, p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, 90*time.Second, "pod mine Running", func() error {
		p, err := pods.Get(ctx, "mine", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if !podRunning(p) {
			return fmt.Errorf("node %q phase %s", p.Spec.NodeName, p.Status.Phase)
		}
		return nil
	})
	t.Logf("pod bound and Running %.1fs after creation", time.Since(began).Seconds())
	evs, err := c.Client().CoreV1().Events(ns).List(ctx, metav1.ListOptions{FieldSelector: "involvedObject.name=mine,reason=Scheduled"})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs.Items) == 0 || evs.Items[0].ReportingController != schedulerName && evs.Items[0].Source.Component != schedulerName {
		t.Errorf("no Scheduled event from %s: %+v", schedulerName, evs.Items)
	}

	// Another scheduler's pod is left alone.
	p, err := pods.Get(ctx, "other", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Spec.NodeName != "" {
		t.Errorf("pod for another scheduler was bound to %s", p.Spec.NodeName)
	}

	// A Deployment scaled through the scale subresource gets every pod bound,
	// and metrics-server reports the usage set in the pods' annotations.
	one := int32(1)
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: appsv1.DeploymentSpec{
			Replicas: &one,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{
					Labels:      map[string]string{"app": "web"},
					Annotations: map[string]string{"kwok.x-k8s.io/usage-cpu": "70m", "kwok.x-k8s.io/usage-memory": "40Mi"},
				},
				Spec: podSpec(schedulerName, "100m"),
			},
		},
	}
	if _, err := c.Client().AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	scale := &autoscalingv1.Scale{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: ns}, Spec: autoscalingv1.ScaleSpec{Replicas: 6}}
	if _, err := c.Client().AppsV1().Deployments(ns).UpdateScale(ctx, "web", scale, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	sel := labels.SelectorFromSet(labels.Set{"app": "web"}).String()
	eventually(t, 90*time.Second, "6 web pods Running", func() error {
		list, err := pods.List(ctx, metav1.ListOptions{LabelSelector: sel})
		if err != nil {
			return err
		}
		running := 0
		for i := range list.Items {
			if podRunning(&list.Items[i]) {
				running++
			}
		}
		if running != 6 {
			return fmt.Errorf("%d of %d Running", running, len(list.Items))
		}
		return nil
	})
	mctx, cancel := context.WithTimeout(ctx, 120*time.Second)
	defer cancel()
	pm, err := c.WaitPodMetrics(mctx, ns, sel, 6)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range pm.Items {
		for _, cm := range m.Containers {
			cpu, mem := cm.Usage.Cpu().MilliValue(), cm.Usage.Memory().Value()
			if cpu < 63 || cpu > 77 || mem != 40<<20 {
				t.Errorf("%s: usage cpu=%dm memory=%d, want ≈70m and 40Mi", m.Name, cpu, mem)
			}
		}
	}
}
