package localcluster

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

const (
	// serviceCIDR only configures the apiserver; no traffic ever goes there.
	serviceCIDR      = "10.96.0.0/16"
	serviceClusterIP = "10.96.0.1"
	// adminUser is the static-token user in system:masters.
	adminUser = "localcluster-admin"
)

// startAPIServer runs kube-apiserver on loopback with RBAC and Node
// authorization, a static admin token, the aggregation layer and
// service-account signing keys, then waits for /readyz.
func (c *Cluster) startAPIServer(ctx context.Context) error {
	dir := filepath.Join(c.workDir, compAPIServer)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tokenFile := filepath.Join(dir, "tokens.csv")
	line := fmt.Sprintf("%s,%s,%s,system:masters\n", c.token, adminUser, adminUser)
	if err := os.WriteFile(tokenFile, []byte(line), 0o600); err != nil {
		return err
	}
	p := c.pki
	args := []string{
		"--etcd-servers=" + fmt.Sprintf("http://127.0.0.1:%d", c.ports.etcd),
		"--bind-address=127.0.0.1",
		fmt.Sprintf("--secure-port=%d", c.ports.apiserver),
		// Advertising loopback without an endpoint reconciler keeps the
		// apiserver from publishing or probing an address off this machine.
		"--advertise-address=127.0.0.1",
		"--endpoint-reconciler-type=none",
		"--service-cluster-ip-range=" + serviceCIDR,
		"--cert-dir=" + dir,
		"--tls-cert-file=" + p.apiserver.CertFile,
		"--tls-private-key-file=" + p.apiserver.KeyFile,
		"--client-ca-file=" + p.caFiles.CertFile,
		"--token-auth-file=" + tokenFile,
		"--authorization-mode=Node,RBAC",
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + p.saPublicKey,
		"--service-account-signing-key-file=" + p.saPrivateKey,
		// The aggregation layer: metrics-server trusts the front-proxy CA
		// and these headers, published in extension-apiserver-authentication.
		"--requestheader-client-ca-file=" + p.frontProxyCA.CertFile,
		"--requestheader-allowed-names=" + frontProxyClientName,
		"--requestheader-extra-headers-prefix=X-Remote-Extra-",
		"--requestheader-group-headers=X-Remote-Group",
		"--requestheader-username-headers=X-Remote-User",
		"--proxy-client-cert-file=" + p.frontProxyClient.CertFile,
		"--proxy-client-key-file=" + p.frontProxyClient.KeyFile,
		// Routing to endpoints instead of the service never becomes
		// Available on loopback; the service is an ExternalName to 127.0.0.1.
		"--enable-aggregator-routing=false",
		// Without it every new node starts tainted not-ready, and without a
		// controller-manager the taint would stay; kwok makes nodes Ready
		// at once, so the taint would only be noise for schedulers under test.
		"--disable-admission-plugins=TaintNodesByCondition",
		"--allow-privileged=true",
		"--profiling=false",
	}
	proc, err := c.start(compAPIServer, args, nil)
	if err != nil {
		return err
	}
	client, err := httpClientFor(c.restConfig)
	if err != nil {
		return err
	}
	defer client.CloseIdleConnections()
	return proc.waitFor(ctx, "apiserver /readyz", func(ctx context.Context) error {
		return httpOK(ctx, client, c.restConfig.Host+"/readyz")
	})
}
