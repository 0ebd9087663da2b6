package localcluster

import (
	"context"
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// kwokConfig holds kwok's node and pod stages, the emulated kubelet metrics
// endpoint and the annotation-driven resource usage.
//
//go:embed kwok.yaml
var kwokConfig []byte

const (
	// podCIDR is where kwok allocates pod IPs; it must not overlap serviceCIDR.
	podCIDR = "10.244.0.0/16"
	// nodeLeaseSeconds matches the kubelet's default; kwok renews each
	// node's lease every quarter of it, which is what keeps nodes Ready in
	// the eyes of the controller-manager.
	nodeLeaseSeconds = 40
)

// startKwok runs kwok managing every node: it makes nodes and bound pods
// Ready and serves each node's kubelet endpoints, including
// /metrics/nodes/<node>/metrics/resource for metrics-server, on one port.
// It does not wait; see waitKwok.
func (c *Cluster) startKwok() error {
	dir := filepath.Join(c.workDir, compKwok)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	configFile := filepath.Join(dir, "kwok.yaml")
	if err := os.WriteFile(configFile, kwokConfig, 0o644); err != nil {
		return err
	}
	args := []string{
		"--config=" + configFile,
		"--kubeconfig=" + c.kubeconfigPath,
		"--manage-all-nodes=true",
		"--node-ip=127.0.0.1",
		fmt.Sprintf("--node-port=%d", c.ports.kwok),
		fmt.Sprintf("--server-address=127.0.0.1:%d", c.ports.kwok),
		"--tls-cert-file=" + c.pki.kwok.CertFile,
		"--tls-private-key-file=" + c.pki.kwok.KeyFile,
		"--cidr=" + podCIDR,
		fmt.Sprintf("--node-lease-duration-seconds=%d", nodeLeaseSeconds),
	}
	// kwok also loads ~/.kwok/kwok.yaml when present; point its work dir
	// here so a developer's own kwok setup cannot leak in.
	_, err := c.start(compKwok, args, []string{"KWOK_WORKDIR=" + dir})
	return err
}

// waitKwok waits until kwok's server answers.
func (c *Cluster) waitKwok(ctx context.Context) error {
	proc := c.proc(compKwok)
	if proc == nil {
		return fmt.Errorf("kwok is not running")
	}
	client, err := c.probeClient()
	if err != nil {
		return err
	}
	defer client.CloseIdleConnections()
	url := fmt.Sprintf("https://127.0.0.1:%d/healthz", c.ports.kwok)
	return proc.waitFor(ctx, "kwok /healthz", func(ctx context.Context) error {
		return httpOK(ctx, client, url)
	})
}

// warmKwokPodCache works around kwok building its pod cache lazily, on the
// first metrics request for a node that has pods: that request, which is
// metrics-server's first scrape of a pod, finds no pods and loses a whole
// resolution period. Until then this asks kwok for the metrics of a node
// with a running pod, then stops.
func (c *Cluster) warmKwokPodCache(ctx context.Context) {
	client, err := c.probeClient()
	if err != nil {
		return
	}
	defer client.CloseIdleConnections()
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		pods, err := c.client.CoreV1().Pods("").List(ctx, metav1.ListOptions{FieldSelector: "status.phase=Running", Limit: 1})
		if err != nil || len(pods.Items) == 0 || pods.Items[0].Spec.NodeName == "" {
			continue
		}
		url := fmt.Sprintf("https://127.0.0.1:%d/metrics/nodes/%s/metrics/resource", c.ports.kwok, pods.Items[0].Spec.NodeName)
		if body, err := httpGet(ctx, client, url); err == nil && strings.Contains(body, `pod="`) {
			return
		}
	}
}
