package localcluster

import (
	"context"
	"fmt"
)

// startControllerManager runs kube-controller-manager without its HPA
// controller (the autoscaler under test replaces it) and waits for /healthz.
func (c *Cluster) startControllerManager(ctx context.Context) error {
	p := c.pki
	args := []string{
		"--kubeconfig=" + c.kubeconfigPath,
		"--authentication-kubeconfig=" + c.kubeconfigPath,
		"--authorization-kubeconfig=" + c.kubeconfigPath,
		"--bind-address=127.0.0.1",
		fmt.Sprintf("--secure-port=%d", c.ports.controllerManager),
		"--tls-cert-file=" + p.controllerManager.CertFile,
		"--tls-private-key-file=" + p.controllerManager.KeyFile,
		"--controllers=*,-horizontal-pod-autoscaler-controller",
		// A single instance; leader election would only delay the start.
		"--leader-elect=false",
		"--service-account-private-key-file=" + p.saPrivateKey,
		"--root-ca-file=" + p.caFiles.CertFile,
		"--cluster-signing-cert-file=" + p.caFiles.CertFile,
		"--cluster-signing-key-file=" + p.caFiles.KeyFile,
		// The default 20 QPS would make large benchmarks measure the
		// controller-manager's client throttling.
		"--kube-api-qps=200",
		"--kube-api-burst=400",
		"--profiling=false",
	}
	proc, err := c.start(compControllerManager, args, nil)
	if err != nil {
		return err
	}
	client, err := c.probeClient()
	if err != nil {
		return err
	}
	defer client.CloseIdleConnections()
	url := fmt.Sprintf("https://127.0.0.1:%d/healthz", c.ports.controllerManager)
	return proc.waitFor(ctx, "kube-controller-manager /healthz", func(ctx context.Context) error {
		return httpOK(ctx, client, url)
	})
}
