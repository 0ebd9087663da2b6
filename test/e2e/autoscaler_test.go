package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// An apiserver that never answers must not crash the autoscaler: it stays
// alive, keeps retrying, is healthy but not ready, and stops on SIGTERM.
func TestAutoscalerUnreachableAPIServer(t *testing.T) {
	dead := freePort(t) // nothing listens here
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(kubeconfig, []byte(fmt.Sprintf(`apiVersion: v1
kind: Config
clusters: [{name: dead, cluster: {server: "https://127.0.0.1:%d", insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: x}}]
contexts: [{name: c, context: {cluster: dead, user: u}}]
current-context: c
`, dead)), 0o600); err != nil {
		t.Fatal(err)
	}
	probes, metrics := freePort(t), freePort(t)
	p := start(t, binary(t, "autoscaler"),
		"--kubeconfig", kubeconfig,
		"--leader-elect-resource-namespace", "coxswain-system",
		"--leader-elect-retry-period", "500ms",
		fmt.Sprintf("--health-probe-bind-address=127.0.0.1:%d", probes),
		fmt.Sprintf("--metrics-bind-address=127.0.0.1:%d", metrics))

	eventually(t, 30*time.Second, "/healthz answers", func() error {
		if code, body := httpGet(fmt.Sprintf("http://127.0.0.1:%d/healthz", probes)); code != 200 {
			return fmt.Errorf("healthz %d: %s", code, body)
		}
		return nil
	})
	// Watch it for several retry periods: always not ready, never exiting.
	for i := 0; i < 10; i++ {
		if !p.running() {
			t.Fatalf("autoscaler exited with an unreachable apiserver: %v", p.err)
		}
		if code, _ := httpGet(fmt.Sprintf("http://127.0.0.1:%d/readyz", probes)); code == 200 {
			t.Fatal("/readyz is 200 although the apiserver is unreachable")
		}
		time.Sleep(500 * time.Millisecond)
	}
	if out := p.out.String(); !strings.Contains(out, fmt.Sprintf("127.0.0.1:%d", dead)) {
		t.Errorf("the log does not say which apiserver it cannot reach:\n%s", out)
	}
	if d := p.stop(t); d > 15*time.Second {
		t.Errorf("graceful stop took %s", d)
	}
}

// The autoscaler takes its Lease and serves Prometheus metrics.
func TestAutoscalerLeaseAndMetrics(t *testing.T) {
	c := sharedCluster(t)
	ctx := context.Background()
	probes, metrics := freePort(t), freePort(t)
	p := start(t, binary(t, "autoscaler"),
		"--kubeconfig", serviceAccountKubeconfig(t, c, "coxswain-autoscaler"),
		"--leader-elect-resource-namespace", "coxswain-system",
		fmt.Sprintf("--health-probe-bind-address=127.0.0.1:%d", probes),
		fmt.Sprintf("--metrics-bind-address=127.0.0.1:%d", metrics))

	eventually(t, 60*time.Second, "Lease coxswain-autoscaler held", func() error {
		l, err := c.Client().CoordinationV1().Leases("coxswain-system").Get(ctx, "coxswain-autoscaler", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if l.Spec.HolderIdentity == nil || *l.Spec.HolderIdentity == "" {
			return fmt.Errorf("no holder")
		}
		return nil
	})
	eventually(t, 30*time.Second, "/readyz is 200", func() error {
		if code, body := httpGet(fmt.Sprintf("http://127.0.0.1:%d/readyz", probes)); code != 200 {
			return fmt.Errorf("readyz %d: %s", code, body)
		}
		return nil
	})
	eventually(t, 30*time.Second, "/metrics reports leadership", func() error {
		code, body := httpGet(fmt.Sprintf("http://127.0.0.1:%d/metrics", metrics))
		if code != 200 {
			return fmt.Errorf("metrics %d", code)
		}
		if !strings.Contains(body, `leader_election_master_status{name="coxswain-autoscaler"} 1`) {
			return fmt.Errorf("no leader_election_master_status=1 in /metrics")
		}
		return nil
	})
	if d := p.stop(t); d > 15*time.Second {
		t.Errorf("graceful stop took %s", d)
	}
	// ReleaseOnCancel: a clean stop hands the Lease back at once.
	l, err := c.Client().CoordinationV1().Leases("coxswain-system").Get(ctx, "coxswain-autoscaler", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if l.Spec.HolderIdentity != nil && *l.Spec.HolderIdentity != "" {
		t.Errorf("Lease still held by %q after a graceful stop", *l.Spec.HolderIdentity)
	}
}
