// Package app wires the autoscaler's flags, manager, probes and subcommands.
package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/discovery"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	cliflag "k8s.io/component-base/cli/flag"
	"k8s.io/klog/v2"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
)

// Setup lets later packages (the PodAutoscaler controller) add themselves to
// the manager without this file knowing them.
type Setup func(ctx context.Context, mgr manager.Manager, o *Options) error

var setups []Setup

// Register adds a controller to every manager NewCommand builds.
func Register(s Setup) { setups = append(setups, s) }

// Subcommands are added next to the controller command (e.g. recommend).
var subcommands []func() *cobra.Command

// RegisterSubcommand adds a subcommand to the autoscaler binary.
func RegisterSubcommand(f func() *cobra.Command) { subcommands = append(subcommands, f) }

// NewCommand returns the root command: it runs the controller.
func NewCommand() *cobra.Command {
	o := NewOptions()
	fss := o.Flags()
	cmd := &cobra.Command{
		Use:           "autoscaler",
		Short:         "coxswain's PodAutoscaler controller",
		SilenceUsage:  true,
		SilenceErrors: false,
		Args:          cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.Validate(); err != nil {
				return err
			}
			// SetupSignalHandler turns the first SIGTERM/SIGINT into a graceful
			// stop and a second one into an immediate exit.
			return Run(ctrl.SetupSignalHandler(), o)
		},
	}
	addAll(cmd.Flags(), fss)
	cols := 80
	cliflag.SetUsageAndHelpFunc(cmd, fss, cols)
	for _, f := range subcommands {
		cmd.AddCommand(f())
	}
	return cmd
}

// Run starts the manager and blocks until ctx ends or leadership is lost.
func Run(ctx context.Context, o *Options) error {
	logger := klog.FromContext(ctx)
	ctrl.SetLogger(klog.NewKlogr())

	cfg, err := restConfig(o.Kubeconfig)
	if err != nil {
		return err
	}
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return err
	}
	for _, add := range schemeAdders {
		if err := add(scheme); err != nil {
			return err
		}
	}

	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                        scheme,
		Metrics:                       metricsserver.Options{BindAddress: o.MetricsBindAddress},
		HealthProbeBindAddress:        o.HealthBindAddress,
		LeaderElection:                o.LeaderElect,
		LeaderElectionID:              o.LeaderElectName,
		LeaderElectionNamespace:       leaseNamespace(o.LeaderElectNamespace),
		LeaderElectionReleaseOnCancel: true,
		LeaseDuration:                 &o.LeaderElectLeaseDuration,
		RenewDeadline:                 &o.LeaderElectRenewDeadline,
		RetryPeriod:                   &o.LeaderElectRetryPeriod,
		GracefulShutdownTimeout:       &o.ShutdownTimeout,
	})
	if err != nil {
		return fmt.Errorf("creating manager: %w", err)
	}
	if err := mgr.AddHealthzCheck("ping", healthz.Ping); err != nil {
		return err
	}
	// Ready means the apiserver answers: a replica that cannot reach it must
	// drop out of Service endpoints rather than claim to be working.
	if err := mgr.AddReadyzCheck("apiserver", apiserverCheck(cfg)); err != nil {
		return err
	}
	for _, s := range setups {
		if err := s(ctx, mgr, o); err != nil {
			return err
		}
	}
	logger.Info("Starting autoscaler", "leaderElection", o.LeaderElect, "lease", o.LeaderElectName)
	if err := mgr.Start(ctx); err != nil {
		return fmt.Errorf("manager stopped: %w", err)
	}
	logger.Info("Autoscaler stopped")
	return nil
}

// schemeAdders are filled by API packages the binary links in.
var schemeAdders []func(*runtime.Scheme) error

// RegisterScheme adds types (e.g. PodAutoscaler) to the manager's scheme.
func RegisterScheme(add func(*runtime.Scheme) error) { schemeAdders = append(schemeAdders, add) }

func restConfig(kubeconfig string) (*rest.Config, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		if kubeconfig == "" {
			return nil, fmt.Errorf("--kubeconfig is empty and no in-cluster configuration was found: %w", err)
		}
		return nil, fmt.Errorf("--kubeconfig %q: %w", kubeconfig, err)
	}
	cfg.UserAgent = "coxswain-autoscaler"
	if cfg.QPS == 0 {
		cfg.QPS, cfg.Burst = 50, 100
	}
	return cfg, nil
}

func leaseNamespace(flag string) string {
	if flag != "" {
		return flag
	}
	if b, err := os.ReadFile("/var/run/secrets/kubernetes.io/serviceaccount/namespace"); err == nil {
		if ns := strings.TrimSpace(string(b)); ns != "" {
			return ns
		}
	}
	return "coxswain-system"
}

func apiserverCheck(cfg *rest.Config) healthz.Checker {
	c := rest.CopyConfig(cfg)
	c.Timeout = 2 * time.Second
	dc, err := discovery.NewDiscoveryClientForConfig(c)
	return func(req *http.Request) error {
		if err != nil {
			return err
		}
		client := dc.RESTClient()
		ctx, cancel := context.WithTimeout(req.Context(), 2*time.Second)
		defer cancel()
		body, err := client.Get().AbsPath("/readyz").DoRaw(ctx)
		if err != nil {
			return fmt.Errorf("apiserver not reachable: %w", err)
		}
		if string(body) != "ok" {
			return errors.New("apiserver not ready")
		}
		return nil
	}
}
