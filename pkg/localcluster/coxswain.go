package localcluster

import (
	"context"
	"fmt"
	"os"

	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// DefaultBinDir is where `make build` and `make tools` put binaries:
// $COXSWAIN_BIN_DIR, else <repo>/bin.
func DefaultBinDir() (string, error) { return defaultBinDir() }

// WriteServiceAccountKubeconfig writes a kubeconfig that acts as the
// ServiceAccount namespace/name, with a token valid for a day. Running our
// binaries with it, rather than as admin, proves that the RBAC we ship is
// enough for them.
func (c *Cluster) WriteServiceAccountKubeconfig(ctx context.Context, namespace, name, path string) error {
	expiry := int64(24 * 60 * 60)
	tr, err := c.client.CoreV1().ServiceAccounts(namespace).CreateToken(ctx, name,
		&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: &expiry}}, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("token for ServiceAccount %s/%s: %w", namespace, name, err)
	}
	return writeKubeconfig(path, c.restConfig.Host, c.restConfig.CAData, tr.Status.Token)
}

// WriteSchedulerConfig copies the KubeSchedulerConfiguration at src to dst,
// pointed at kubeconfig. Everything else — leader election, profiles, plugin
// args — is the file as shipped, which is the point: tests and the demo run
// the configuration users deploy.
func WriteSchedulerConfig(src, dst, kubeconfig string) error {
	raw, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	var cfg map[string]any
	if err := yaml.Unmarshal(raw, &cfg); err != nil {
		return fmt.Errorf("%s: %w", src, err)
	}
	conn, _ := cfg["clientConnection"].(map[string]any)
	if conn == nil {
		conn = map[string]any{}
	}
	conn["kubeconfig"] = kubeconfig
	cfg["clientConnection"] = conn
	out, err := yaml.Marshal(cfg)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, out, 0o600)
}
