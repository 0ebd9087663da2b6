// Package localcluster runs a real Kubernetes control plane on 127.0.0.1 for
// integration tests, benchmarks and demos: etcd, kube-apiserver,
// metrics-server (behind the aggregation layer), kube-controller-manager
// without its HPA controller, and kwok emulating nodes and their kubelets.
//
// The components are the binaries `make tools` builds into <repo>/bin. Every
// port is chosen at start, certificates are generated per cluster, and every
// component logs to a file in the work dir (see Cluster.WriteLogs).
//
// No kube-scheduler runs: pods must name their node, or be bound by the
// scheduler under test. kwok makes bound pods Running and Ready at once.
// The usage the fake kubelets report, and so metrics.k8s.io, comes from the
// pod annotations UsageCPUAnnotation and UsageMemoryAnnotation; changing
// them changes the metrics within one or two metric resolution periods.
package localcluster

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	metricsclient "k8s.io/metrics/pkg/client/clientset/versioned"
)

// Component names; each is also its binary's name and its log file's.
const (
	compEtcd              = "etcd"
	compAPIServer         = "kube-apiserver"
	compMetricsServer     = "metrics-server"
	compControllerManager = "kube-controller-manager"
	compKwok              = "kwok"
)

// startOrder is the order components start in, and the reverse of the order
// they stop in.
var startOrder = []string{compEtcd, compAPIServer, compKwok, compMetricsServer, compControllerManager}

// Options configures a cluster. The zero value runs every component.
type Options struct {
	// BinDir holds the component binaries. Default: $COXSWAIN_BIN_DIR, else
	// <repo>/bin, the repository found by walking up from the working
	// directory to coxswain's go.mod.
	BinDir string
	// WorkDir holds certificates, kubeconfig, etcd data and logs. Default: a
	// new temporary directory, removed by Stop unless KeepWorkDir is set.
	// A given WorkDir is never removed.
	WorkDir     string
	KeepWorkDir bool
	// MetricResolution is metrics-server's scrape period (at least 10s).
	// Default 10s.
	MetricResolution time.Duration
	// The Without options leave a component out, e.g. for benchmarks of the
	// apiserver alone. Without kwok no node ever becomes Ready.
	WithoutMetricsServer     bool
	WithoutControllerManager bool
	WithoutKwok              bool
	// Log receives one line per startup step. Default: discarded.
	Log io.Writer
}

// Cluster is a running local control plane. Its methods are safe for
// concurrent use.
type Cluster struct {
	opts          Options
	workDir       string
	removeWorkDir bool
	pki           *pki
	token         string
	ports         struct{ etcd, etcdPeer, apiserver, metricsServer, controllerManager, kwok int }

	kubeconfigPath string
	restConfig     *rest.Config
	client         kubernetes.Interface
	dynamic        dynamic.Interface
	metrics        metricsclient.Interface

	mu      sync.Mutex
	procs   map[string]*process
	stopped bool

	// background holds helper goroutines, cancelled and awaited by Stop.
	background       sync.WaitGroup
	backgroundCtx    context.Context
	cancelBackground context.CancelFunc
}

// Start brings up the control plane and returns once every component is
// ready: the apiserver serves, the metrics APIService is Available and the
// controller-manager and kwok answer their health checks. ctx bounds the
// startup only; the cluster runs until Stop. On error, whatever was started
// has been stopped again.
func Start(ctx context.Context, o Options) (_ *Cluster, err error) {
	c, err := newCluster(o)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			if stopErr := c.Stop(); stopErr != nil {
				err = errors.Join(err, stopErr)
			}
		}
	}()

	began := time.Now()
	step := func(what string, fn func() error) error {
		t := time.Now()
		if err := fn(); err != nil {
			return err
		}
		c.logf("%s (%.1fs)", what, time.Since(t).Seconds())
		return nil
	}
	if err := step("etcd ready", func() error { return c.startEtcd(ctx) }); err != nil {
		return nil, err
	}
	if err := step("kube-apiserver ready", func() error { return c.startAPIServer(ctx) }); err != nil {
		return nil, err
	}
	if err := c.bootstrap(ctx); err != nil {
		return nil, err
	}
	// kwok needs nothing but the apiserver, so it comes up in the shadow of
	// metrics-server.
	if !o.WithoutKwok {
		if err := c.startKwok(); err != nil {
			return nil, err
		}
	}
	if !o.WithoutMetricsServer {
		// The controller-manager's discovery-driven controllers (garbage
		// collector, quota) stall on an unavailable group, so metrics comes first.
		if err := step("metrics-server ready, APIService Available", func() error {
			if err := c.registerMetricsAPI(ctx); err != nil {
				return err
			}
			return c.startMetricsServer(ctx)
		}); err != nil {
			return nil, err
		}
	}
	if !o.WithoutControllerManager {
		if err := step("kube-controller-manager ready", func() error { return c.startControllerManager(ctx) }); err != nil {
			return nil, err
		}
	}
	if !o.WithoutKwok {
		if err := step("kwok ready", func() error { return c.waitKwok(ctx) }); err != nil {
			return nil, err
		}
		if !o.WithoutMetricsServer {
			c.background.Go(func() { c.warmKwokPodCache(c.backgroundCtx) })
		}
	}
	c.logf("cluster ready in %.1fs, kubeconfig %s", time.Since(began).Seconds(), c.kubeconfigPath)
	return c, nil
}

// newCluster prepares everything that precedes the first process: options,
// binaries, work dir, certificates, ports and clients.
func newCluster(o Options) (*Cluster, error) {
	if o.MetricResolution == 0 {
		o.MetricResolution = 10 * time.Second
	}
	if o.MetricResolution < 10*time.Second {
		return nil, fmt.Errorf("localcluster: MetricResolution %v is below metrics-server's minimum of 10s", o.MetricResolution)
	}
	if o.BinDir == "" {
		dir, err := defaultBinDir()
		if err != nil {
			return nil, err
		}
		o.BinDir = dir
	}
	if err := checkBinaries(o); err != nil {
		return nil, err
	}

	c := &Cluster{opts: o, procs: map[string]*process{}}
	c.backgroundCtx, c.cancelBackground = context.WithCancel(context.Background())
	if o.WorkDir == "" {
		dir, err := os.MkdirTemp("", "localcluster-")
		if err != nil {
			return nil, err
		}
		c.workDir, c.removeWorkDir = dir, !o.KeepWorkDir
	} else {
		c.workDir = o.WorkDir
	}
	fail := func(err error) (*Cluster, error) {
		c.cancelBackground()
		if c.removeWorkDir {
			os.RemoveAll(c.workDir)
		}
		return nil, fmt.Errorf("localcluster: %w", err)
	}
	if err := os.MkdirAll(filepath.Join(c.workDir, "logs"), 0o755); err != nil {
		return fail(err)
	}

	var err error
	if c.pki, err = newPKI(filepath.Join(c.workDir, "pki")); err != nil {
		return fail(err)
	}
	if c.token, err = randomToken(); err != nil {
		return fail(err)
	}
	ports, err := freePorts(6)
	if err != nil {
		return fail(err)
	}
	c.ports.etcd, c.ports.etcdPeer, c.ports.apiserver = ports[0], ports[1], ports[2]
	c.ports.metricsServer, c.ports.controllerManager, c.ports.kwok = ports[3], ports[4], ports[5]

	server := fmt.Sprintf("https://127.0.0.1:%d", c.ports.apiserver)
	c.kubeconfigPath = filepath.Join(c.workDir, "kubeconfig")
	if err := writeKubeconfig(c.kubeconfigPath, server, c.pki.ca.certPEM, c.token); err != nil {
		return fail(err)
	}
	c.restConfig = adminRESTConfig(server, c.pki.ca.certPEM, c.token)
	if c.client, err = kubernetes.NewForConfig(c.restConfig); err != nil {
		return fail(err)
	}
	if c.dynamic, err = dynamic.NewForConfig(c.restConfig); err != nil {
		return fail(err)
	}
	if c.metrics, err = metricsclient.NewForConfig(c.restConfig); err != nil {
		return fail(err)
	}
	return c, nil
}

// bootstrap creates what the controller-manager would otherwise create a
// little later, so pods can be created as soon as Start returns, and at all
// when it does not run.
func (c *Cluster) bootstrap(ctx context.Context) error {
	return ensureServiceAccount(ctx, c.client, metav1.NamespaceDefault)
}

// ensureServiceAccount creates the namespace's default service account,
// which the ServiceAccount admission plugin requires of every pod.
func ensureServiceAccount(ctx context.Context, client kubernetes.Interface, namespace string) error {
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: namespace}}
	_, err := client.CoreV1().ServiceAccounts(namespace).Create(ctx, sa, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create service account %s/default: %w", namespace, err)
	}
	return nil
}

// KubeconfigPath is the admin kubeconfig, e.g. for kubectl or for a
// component under test.
func (c *Cluster) KubeconfigPath() string { return c.kubeconfigPath }

// RESTConfig returns a copy of the admin client configuration.
func (c *Cluster) RESTConfig() *rest.Config { return rest.CopyConfig(c.restConfig) }

// Client is an admin clientset.
func (c *Cluster) Client() kubernetes.Interface { return c.client }

// MetricsClient is an admin clientset for metrics.k8s.io.
func (c *Cluster) MetricsClient() metricsclient.Interface { return c.metrics }

// WorkDir is the directory holding the cluster's files.
func (c *Cluster) WorkDir() string { return c.workDir }

// Stop stops every component, newest first, and removes the work dir if
// Start created it. It is safe to call more than once.
func (c *Cluster) Stop() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return nil
	}
	c.stopped = true
	c.cancelBackground()
	c.background.Wait()
	var errs []error
	for i := len(startOrder) - 1; i >= 0; i-- {
		if err := c.procs[startOrder[i]].stop(); err != nil {
			errs = append(errs, err)
		}
	}
	if c.removeWorkDir && len(errs) == 0 {
		if err := os.RemoveAll(c.workDir); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// StopMetricsServer stops metrics-server and waits until the aggregator
// reports the metrics APIService unavailable, as in an outage.
func (c *Cluster) StopMetricsServer(ctx context.Context) error {
	if c.opts.WithoutMetricsServer {
		return errors.New("localcluster: started WithoutMetricsServer")
	}
	if err := c.proc(compMetricsServer).stop(); err != nil {
		return err
	}
	return c.waitMetricsAPI(ctx, false)
}

// StartMetricsServer starts metrics-server again after StopMetricsServer and
// waits until the metrics APIService is Available. Metrics of pods reappear
// one to two resolution periods later.
func (c *Cluster) StartMetricsServer(ctx context.Context) error {
	if c.opts.WithoutMetricsServer {
		return errors.New("localcluster: started WithoutMetricsServer")
	}
	if p := c.proc(compMetricsServer); p != nil {
		if done, _ := p.exited(); !done {
			return errors.New("localcluster: metrics-server is running")
		}
	}
	return c.startMetricsServer(ctx)
}

// logTailBytes caps each component's share of WriteLogs; the full logs stay
// in the work dir.
const logTailBytes = 256 << 10

// WriteLogs writes every component's log (the last 256 KiB of each) to w,
// for a failing test to show. The logs must still exist: call it before Stop
// removes the work dir.
func (c *Cluster) WriteLogs(w io.Writer) {
	for _, name := range startOrder {
		path := c.logPath(name)
		data, err := readTail(path, logTailBytes)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		fmt.Fprintf(w, "===== %s (%s) =====\n", name, path)
		if err != nil {
			fmt.Fprintf(w, "(cannot read: %v)\n", err)
			continue
		}
		if len(data) == logTailBytes {
			fmt.Fprintf(w, "(earlier lines omitted)\n")
		}
		w.Write(data)
		if len(data) > 0 && data[len(data)-1] != '\n' {
			fmt.Fprintln(w)
		}
	}
}

// start launches a component's binary and registers its process.
func (c *Cluster) start(name string, args, env []string) (*process, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return nil, errors.New("localcluster: cluster stopped")
	}
	p, err := startProcess(name, filepath.Join(c.opts.BinDir, name), args, env, c.logPath(name))
	if err != nil {
		return nil, err
	}
	c.procs[name] = p
	return p, nil
}

func (c *Cluster) proc(name string) *process {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.procs[name]
}

func (c *Cluster) logPath(name string) string {
	return filepath.Join(c.workDir, "logs", name+".log")
}

func (c *Cluster) logf(format string, args ...any) {
	if c.opts.Log != nil {
		fmt.Fprintf(c.opts.Log, "localcluster: "+format+"\n", args...)
	}
}

// probeClient is an anonymous HTTPS client trusting the cluster CA, for the
// health endpoints of loopback components.
func (c *Cluster) probeClient() (*http.Client, error) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(c.pki.ca.certPEM) {
		return nil, errors.New("localcluster: bad CA certificate")
	}
	return &http.Client{
		Timeout:   5 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}},
	}, nil
}

// httpClientFor is an authenticated client for the apiserver.
func httpClientFor(cfg *rest.Config) (*http.Client, error) {
	cfg = rest.CopyConfig(cfg)
	cfg.Timeout = 5 * time.Second
	return rest.HTTPClientFor(cfg)
}

// httpOK GETs url and succeeds on a 200.
func httpOK(ctx context.Context, client *http.Client, url string) error {
	_, err := httpGet(ctx, client, url)
	return err
}

// httpGet GETs url and returns the body of a 200 response.
func httpGet(ctx context.Context, client *http.Client, url string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%s: %s: %s", url, resp.Status, strings.TrimSpace(string(body)))
	}
	return string(body), err
}
