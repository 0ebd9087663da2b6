// Command demo is `make demo`: a local control plane, a small heterogeneous
// cluster of fake nodes, both coxswain binaries running against it, and the
// examples in manifests/examples applied. It runs until Ctrl-C or SIGTERM and
// then stops everything it started.
package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"syscall"
	"text/tabwriter"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/coxswain-io/coxswain/pkg/localcluster"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()

	bin, err := localcluster.DefaultBinDir()
	if err != nil {
		return err
	}
	repo := filepath.Dir(bin)
	work := filepath.Join(repo, ".coxswain", "demo")
	// A previous run's etcd data and certificates belong to a dead cluster.
	if err := os.RemoveAll(work); err != nil {
		return err
	}
	if err := os.MkdirAll(work, 0o755); err != nil {
		return err
	}

	began := time.Now()
	startCtx, startCancel := context.WithTimeout(ctx, 3*time.Minute)
	defer startCancel()
	c, err := localcluster.Start(startCtx, localcluster.Options{WorkDir: work, Log: os.Stdout})
	if err != nil {
		return err
	}
	defer func() {
		fmt.Println("stopping the local cluster")
		if err := c.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "demo: stop:", err)
		}
	}()

	if err := c.CreateNodes(startCtx, demoNodes()...); err != nil {
		return err
	}
	if err := c.CreateNamespace(startCtx, "coxswain-system"); err != nil {
		return err
	}
	// The CRDs and the RBAC the binaries run with, exactly as shipped.
	apply := func(dir, namespace string) error {
		out, err := exec.CommandContext(ctx, "kubectl", "--kubeconfig", c.KubeconfigPath(), "-n", namespace,
			"apply", "--server-side", "-k", filepath.Join(repo, dir)).CombinedOutput()
		if err != nil {
			return fmt.Errorf("kubectl apply -k %s: %v\n%s", dir, err, out)
		}
		fmt.Print(string(out))
		return nil
	}
	for _, dir := range []string{"manifests/crd", "manifests/rbac"} {
		if err := apply(dir, "coxswain-system"); err != nil {
			return err
		}
	}
	procs, err := startBinaries(startCtx, c, bin, repo, work)
	defer func() {
		for _, p := range procs {
			p.stop()
		}
	}()
	if err != nil {
		return err
	}
	if err := apply("manifests/examples", "default"); err != nil {
		return err
	}
	if err := printPlacement(startCtx, c); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
	}

	fmt.Printf("\nThe demo cluster is up (%.0fs). In another shell:\n\n  export KUBECONFIG=%s\n  kubectl get nodes,pods -o wide\n\n", time.Since(began).Seconds(), c.KubeconfigPath())
	fmt.Printf("Logs: %s\nPress Ctrl-C to stop.\n", filepath.Join(work, "logs"))
	select {
	case <-ctx.Done():
	case err := <-firstExit(procs):
		return err
	}
	return nil
}

// demoNodes is a small heterogeneous cluster: CPU-only nodes and GPU nodes
// labelled as NVIDIA GPU Feature Discovery labels them.
func demoNodes() []localcluster.NodeSpec {
	var nodes []localcluster.NodeSpec
	for i, zone := range []string{"zone-a", "zone-b", "zone-c"} {
		nodes = append(nodes, localcluster.NodeSpec{
			Name: fmt.Sprintf("cpu-%d", i+1), CPU: "16", Memory: "64Gi",
			Labels: map[string]string{"topology.kubernetes.io/zone": zone},
		})
	}
	gpu := func(name, zone, product, memMiB, count string) localcluster.NodeSpec {
		return localcluster.NodeSpec{
			Name: name, CPU: "64", Memory: "512Gi",
			Extended: map[string]string{"nvidia.com/gpu": count},
			Labels: map[string]string{
				"topology.kubernetes.io/zone": zone,
				"nvidia.com/gpu.product":      product,
				"nvidia.com/gpu.memory":       memMiB,
				"nvidia.com/gpu.count":        count,
			},
		}
	}
	return append(nodes,
		gpu("gpu-a100-1", "zone-a", "NVIDIA-A100-SXM4-80GB", "81920", "8"),
		gpu("gpu-a100-2", "zone-b", "NVIDIA-A100-SXM4-80GB", "81920", "8"),
		gpu("gpu-t4-1", "zone-c", "Tesla-T4", "15360", "4"),
	)
}

type proc struct {
	name string
	cmd  *exec.Cmd
	done chan error
}

func (p *proc) stop() {
	if p.cmd.ProcessState != nil {
		return
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	}
}

// startBinaries runs both binaries as their ServiceAccounts, so the demo
// exercises the shipped RBAC too.
func startBinaries(ctx context.Context, c *localcluster.Cluster, bin, repo, work string) ([]*proc, error) {
	kubeconfig := map[string]string{}
	for _, sa := range []string{"coxswain-scheduler", "coxswain-autoscaler"} {
		kubeconfig[sa] = filepath.Join(work, sa+".kubeconfig")
		if err := c.WriteServiceAccountKubeconfig(ctx, "coxswain-system", sa, kubeconfig[sa]); err != nil {
			return nil, err
		}
	}
	schedConfig := filepath.Join(work, "scheduler-config.yaml")
	if err := localcluster.WriteSchedulerConfig(filepath.Join(repo, "manifests/scheduler/scheduler-config.yaml"), schedConfig, kubeconfig["coxswain-scheduler"]); err != nil {
		return nil, err
	}
	ports, err := freePorts(3)
	if err != nil {
		return nil, err
	}
	specs := []struct {
		name string
		args []string
	}{
		{"scheduler-plugin", []string{"--config", schedConfig, "--secure-port", fmt.Sprint(ports[0])}},
		{"autoscaler", []string{"--kubeconfig", kubeconfig["coxswain-autoscaler"], "--leader-elect-resource-namespace", "coxswain-system",
			fmt.Sprintf("--metrics-bind-address=127.0.0.1:%d", ports[1]), fmt.Sprintf("--health-probe-bind-address=127.0.0.1:%d", ports[2])}},
	}
	var procs []*proc
	for _, s := range specs {
		logPath := filepath.Join(work, "logs", s.name+".log")
		logFile, err := os.Create(logPath)
		if err != nil {
			return procs, err
		}
		cmd := exec.Command(filepath.Join(bin, s.name), s.args...)
		cmd.Stdout, cmd.Stderr = logFile, logFile
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := cmd.Start(); err != nil {
			logFile.Close()
			return procs, fmt.Errorf("start %s (run `make build`): %w", s.name, err)
		}
		p := &proc{name: s.name, cmd: cmd, done: make(chan error, 1)}
		go func() { p.done <- cmd.Wait(); logFile.Close() }()
		procs = append(procs, p)
		fmt.Printf("started %s (pid %d), log %s\n", s.name, cmd.Process.Pid, logPath)
	}
	fmt.Printf("autoscaler metrics: http://127.0.0.1:%d/metrics\n", ports[1])
	return procs, nil
}

// firstExit reports the first of our binaries to exit: the demo is broken
// without either.
func firstExit(procs []*proc) <-chan error {
	ch := make(chan error, len(procs))
	for _, p := range procs {
		go func() {
			err := <-p.done
			p.done <- err
			ch <- fmt.Errorf("%s exited: %v", p.name, err)
		}()
	}
	return ch
}

func printPlacement(ctx context.Context, c *localcluster.Cluster) error {
	var pods []corev1.Pod
	deadline := time.Now().Add(60 * time.Second)
	for {
		list, err := c.Client().CoreV1().Pods(metav1.NamespaceAll).List(ctx, metav1.ListOptions{})
		if err != nil {
			return err
		}
		pods = pods[:0]
		pending := 0
		for _, p := range list.Items {
			if p.Spec.SchedulerName != "coxswain-scheduler" {
				continue
			}
			pods = append(pods, p)
			if p.Status.Phase != corev1.PodRunning {
				pending++
			}
		}
		if (len(pods) > 0 && pending == 0) || time.Now().After(deadline) {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
	if len(pods) == 0 {
		return errors.New("no pod of coxswain-scheduler appeared")
	}
	nodes, err := c.Client().CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	kind := map[string]string{}
	for _, n := range nodes.Items {
		kind[n.Name] = "cpu"
		if p := n.Labels["nvidia.com/gpu.product"]; p != "" {
			kind[n.Name] = "gpu " + p
		}
	}
	sort.Slice(pods, func(i, j int) bool { return pods[i].Namespace+pods[i].Name < pods[j].Namespace+pods[j].Name })
	fmt.Println("\nWhere coxswain placed each pod:")
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NAMESPACE\tPOD\tNODE\tNODE KIND\tPHASE")
	for _, p := range pods {
		node := p.Spec.NodeName
		if node == "" {
			node = "<pending>"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", p.Namespace, p.Name, node, kind[p.Spec.NodeName], p.Status.Phase)
	}
	return w.Flush()
}

func freePorts(n int) ([]int, error) {
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
