package localcluster

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
)

// startEtcd runs a single-member etcd on loopback. It skips fsync: the data
// lives only as long as the cluster, and fsync dominates apiserver latency
// on slow disks.
func (c *Cluster) startEtcd(ctx context.Context) error {
	dataDir := filepath.Join(c.workDir, "etcd")
	// A reused work dir must not resurrect a previous cluster's objects,
	// which were signed by other keys.
	if err := os.RemoveAll(dataDir); err != nil {
		return err
	}
	clientURL := fmt.Sprintf("http://127.0.0.1:%d", c.ports.etcd)
	peerURL := fmt.Sprintf("http://127.0.0.1:%d", c.ports.etcdPeer)
	args := []string{
		"--name=localcluster",
		"--data-dir=" + dataDir,
		"--listen-client-urls=" + clientURL,
		"--advertise-client-urls=" + clientURL,
		"--listen-peer-urls=" + peerURL,
		"--initial-advertise-peer-urls=" + peerURL,
		"--initial-cluster=localcluster=" + peerURL,
		"--unsafe-no-fsync",
		"--log-level=warn",
	}
	p, err := c.start(compEtcd, args, nil)
	if err != nil {
		return err
	}
	return p.waitFor(ctx, "etcd health", func(ctx context.Context) error {
		return httpOK(ctx, http.DefaultClient, clientURL+"/health")
	})
}
