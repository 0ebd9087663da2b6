// Package e2e runs coxswain's real binaries against the real local control
// plane (pkg/localcluster). `make test` builds both first; under -short the
// package skips everything that needs the cluster.
package e2e

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coxswain-io/coxswain/pkg/localcluster"
)

var (
	clusterOnce sync.Once
	cluster     *localcluster.Cluster
	clusterErr  error
)

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if cluster != nil {
		if code != 0 {
			fmt.Fprintln(os.Stderr, "=== component logs of the local control plane")
			cluster.WriteLogs(os.Stderr)
		}
		if err := cluster.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "stopping the local control plane:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// sharedCluster starts one control plane for the whole package: each start
// costs tens of seconds, and the tests use disjoint namespaces and nodes.
func sharedCluster(t *testing.T) *localcluster.Cluster {
	t.Helper()
	if testing.Short() {
		t.Skip("needs the local control plane; skipped under -short")
	}
	clusterOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		cluster, clusterErr = localcluster.Start(ctx, localcluster.Options{Log: os.Stderr})
	})
	if clusterErr != nil {
		t.Fatalf("starting the local control plane: %v", clusterErr)
	}
	return cluster
}

var manifestsOnce sync.Once

// installManifests applies manifests/default once, as a user would: the
// namespace, CRDs and RBAC the binaries run with.
func installManifests(t *testing.T, c *localcluster.Cluster) {
	t.Helper()
	var out string
	var err error
	manifestsOnce.Do(func() {
		out, err = kubectl(t, c, "apply", "--server-side", "-k", repoFile(t, "manifests/default"))
	})
	if err != nil {
		t.Fatalf("kubectl apply -k manifests/default: %v\n%s", err, out)
	}
}

// serviceAccountKubeconfig is a kubeconfig of one of the shipped
// ServiceAccounts in coxswain-system.
func serviceAccountKubeconfig(t *testing.T, c *localcluster.Cluster, sa string) string {
	t.Helper()
	installManifests(t, c)
	path := filepath.Join(t.TempDir(), sa+".kubeconfig")
	if err := c.WriteServiceAccountKubeconfig(context.Background(), "coxswain-system", sa, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// binary returns the path of one of our binaries built by `make build`.
func binary(t *testing.T, name string) string {
	t.Helper()
	dir, err := localcluster.DefaultBinDir()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("%s is not built (run `make build`): %v", path, err)
	}
	return path
}

// proc is one of our binaries running for a test, its output kept so a
// failing test can show it.
type proc struct {
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan struct{}
	err  error
}

func start(t *testing.T, bin string, args ...string) *proc {
	t.Helper()
	p := &proc{out: &syncBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.stop(t)
		if t.Failed() {
			t.Logf("--- output of %s\n%s", filepath.Base(bin), p.out.String())
		}
	})
	return p
}

func (p *proc) running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// stop sends SIGTERM and returns how long the process took to exit.
func (p *proc) stop(t *testing.T) time.Duration {
	if !p.running() {
		return 0
	}
	began := time.Now()
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
		t.Errorf("%s ignored SIGTERM for 30s", p.cmd.Path)
	}
	return time.Since(began)
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// httpGet returns the status code and body, or -1 when nothing answers.
func httpGet(url string) (int, string) {
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return -1, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// eventually polls check until it returns nil or the timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, check func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s: %v", what, timeout, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// kubectl runs the real kubectl against the shared cluster.
func kubectl(t *testing.T, c *localcluster.Cluster, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("kubectl", append([]string{"--kubeconfig", c.KubeconfigPath()}, args...)...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}
