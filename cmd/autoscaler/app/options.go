package app

import (
	"fmt"
	"time"

	"github.com/spf13/pflag"
	cliflag "k8s.io/component-base/cli/flag"
	logsapi "k8s.io/component-base/logs/api/v1"
)

// Options holds every flag of the controller, grouped like the upstream
// components so `--help` reads the same way.
type Options struct {
	Kubeconfig string

	LeaderElect              bool
	LeaderElectNamespace     string
	LeaderElectName          string
	LeaderElectLeaseDuration time.Duration
	LeaderElectRenewDeadline time.Duration
	LeaderElectRetryPeriod   time.Duration

	MetricsBindAddress string
	HealthBindAddress  string
	ShutdownTimeout    time.Duration

	Logs *logsapi.LoggingConfiguration
}

// NewOptions returns the defaults documented in the README.
func NewOptions() *Options {
	return &Options{
		LeaderElect:              true,
		LeaderElectNamespace:     "",
		LeaderElectName:          "coxswain-autoscaler",
		LeaderElectLeaseDuration: 15 * time.Second,
		LeaderElectRenewDeadline: 10 * time.Second,
		LeaderElectRetryPeriod:   2 * time.Second,
		MetricsBindAddress:       ":8080",
		HealthBindAddress:        ":8081",
		ShutdownTimeout:          30 * time.Second,
		Logs:                     logsapi.NewLoggingConfiguration(),
	}
}

// Flags returns the flags in named sets, as component-base commands do.
func (o *Options) Flags() cliflag.NamedFlagSets {
	var fss cliflag.NamedFlagSets

	fs := fss.FlagSet("generic")
	fs.StringVar(&o.Kubeconfig, "kubeconfig", o.Kubeconfig, "Path to a kubeconfig. Empty means the in-cluster configuration.")
	fs.StringVar(&o.MetricsBindAddress, "metrics-bind-address", o.MetricsBindAddress, "Address that serves Prometheus /metrics; \"0\" disables it.")
	fs.StringVar(&o.HealthBindAddress, "health-probe-bind-address", o.HealthBindAddress, "Address that serves /healthz and /readyz.")
	fs.DurationVar(&o.ShutdownTimeout, "graceful-shutdown-timeout", o.ShutdownTimeout, "How long to wait for work in flight on SIGTERM.")

	le := fss.FlagSet("leader election")
	le.BoolVar(&o.LeaderElect, "leader-elect", o.LeaderElect, "Take a Lease before acting, so only one replica scales at a time.")
	le.StringVar(&o.LeaderElectNamespace, "leader-elect-resource-namespace", o.LeaderElectNamespace, "Namespace of the Lease; empty means the pod's own namespace, or coxswain-system outside a cluster.")
	le.StringVar(&o.LeaderElectName, "leader-elect-resource-name", o.LeaderElectName, "Name of the Lease.")
	le.DurationVar(&o.LeaderElectLeaseDuration, "leader-elect-lease-duration", o.LeaderElectLeaseDuration, "How long followers wait before taking over an unrenewed Lease.")
	le.DurationVar(&o.LeaderElectRenewDeadline, "leader-elect-renew-deadline", o.LeaderElectRenewDeadline, "How long the leader retries renewing before it gives up.")
	le.DurationVar(&o.LeaderElectRetryPeriod, "leader-elect-retry-period", o.LeaderElectRetryPeriod, "How often to try to acquire or renew the Lease.")

	logsapi.AddFlags(o.Logs, fss.FlagSet("logging"))
	return fss
}

// Validate names the offending flag for every bad value.
func (o *Options) Validate() error {
	if o.LeaderElect {
		if o.LeaderElectName == "" {
			return fmt.Errorf("--leader-elect-resource-name: must not be empty")
		}
		if !(o.LeaderElectLeaseDuration > o.LeaderElectRenewDeadline && o.LeaderElectRenewDeadline > o.LeaderElectRetryPeriod && o.LeaderElectRetryPeriod > 0) {
			return fmt.Errorf("--leader-elect-lease-duration (%s) must exceed --leader-elect-renew-deadline (%s), which must exceed --leader-elect-retry-period (%s) > 0",
				o.LeaderElectLeaseDuration, o.LeaderElectRenewDeadline, o.LeaderElectRetryPeriod)
		}
	}
	if o.ShutdownTimeout < 0 {
		return fmt.Errorf("--graceful-shutdown-timeout: must not be negative")
	}
	return logsapi.ValidateAndApply(o.Logs, nil)
}

func addAll(fs *pflag.FlagSet, fss cliflag.NamedFlagSets) {
	for _, f := range fss.Order {
		fs.AddFlagSet(fss.FlagSets[f])
	}
}
