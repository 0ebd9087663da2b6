package decision

import (
	"fmt"
	"time"

	"github.com/spf13/pflag"
)

// Options are the controller-wide timing and tolerance settings of the
// autoscaler. They have the same meaning and defaults as the
// kube-controller-manager --horizontal-pod-autoscaler-* flags.
type Options struct {
	// SyncPeriod is the period between two evaluations of an autoscaler.
	// It is used by the controller loop only; Decide does not depend on it.
	SyncPeriod time.Duration
	// CPUInitializationPeriod is the period after pod start when CPU
	// samples might be skipped.
	CPUInitializationPeriod time.Duration
	// InitialReadinessDelay is the period after pod start during which
	// readiness changes are treated as initial readiness.
	InitialReadinessDelay time.Duration
	// Tolerance is the minimum change (from 1.0) in the desired-to-actual
	// metrics ratio to consider scaling, in both directions, unless
	// spec.behavior.scaleUp/scaleDown.tolerance overrides it.
	Tolerance float64
	// DownscaleStabilization is the scale-down stabilization window used
	// without spec.behavior, or when
	// spec.behavior.scaleDown.stabilizationWindowSeconds is unset.
	DownscaleStabilization time.Duration
}

// Upstream defaults (kube-controller-manager).
const (
	DefaultSyncPeriod              = 15 * time.Second
	DefaultCPUInitializationPeriod = 5 * time.Minute
	DefaultInitialReadinessDelay   = 30 * time.Second
	DefaultTolerance               = 0.1
	DefaultDownscaleStabilization  = 5 * time.Minute
)

// DefaultOptions returns the upstream defaults.
func DefaultOptions() Options {
	return Options{
		SyncPeriod:              DefaultSyncPeriod,
		CPUInitializationPeriod: DefaultCPUInitializationPeriod,
		InitialReadinessDelay:   DefaultInitialReadinessDelay,
		Tolerance:               DefaultTolerance,
		DownscaleStabilization:  DefaultDownscaleStabilization,
	}
}

// AddFlags registers the --horizontal-pod-autoscaler-* flags, bound to o,
// with o's current values as defaults. Call it on DefaultOptions() to get
// the upstream defaults.
func (o *Options) AddFlags(fs *pflag.FlagSet) {
	fs.DurationVar(&o.SyncPeriod, "horizontal-pod-autoscaler-sync-period", o.SyncPeriod,
		"The period for syncing the number of pods in the pod autoscaler.")
	fs.DurationVar(&o.DownscaleStabilization, "horizontal-pod-autoscaler-downscale-stabilization", o.DownscaleStabilization,
		"The period for which autoscaler will look backwards and not scale down below any recommendation it made during that period.")
	fs.Float64Var(&o.Tolerance, "horizontal-pod-autoscaler-tolerance", o.Tolerance,
		"The minimum change (from 1.0) in the desired-to-actual metrics ratio for the pod autoscaler to consider scaling.")
	fs.DurationVar(&o.CPUInitializationPeriod, "horizontal-pod-autoscaler-cpu-initialization-period", o.CPUInitializationPeriod,
		"The period after pod start when CPU samples might be skipped.")
	fs.DurationVar(&o.InitialReadinessDelay, "horizontal-pod-autoscaler-initial-readiness-delay", o.InitialReadinessDelay,
		"The period after pod start during which readiness changes will be treated as initial readiness.")
}

// Validate reports options that make no sense.
func (o Options) Validate() error {
	switch {
	case o.SyncPeriod < 0:
		return fmt.Errorf("--horizontal-pod-autoscaler-sync-period must not be negative, got %v", o.SyncPeriod)
	case o.DownscaleStabilization < 0:
		return fmt.Errorf("--horizontal-pod-autoscaler-downscale-stabilization must not be negative, got %v", o.DownscaleStabilization)
	case o.Tolerance < 0:
		return fmt.Errorf("--horizontal-pod-autoscaler-tolerance must not be negative, got %v", o.Tolerance)
	case o.CPUInitializationPeriod < 0:
		return fmt.Errorf("--horizontal-pod-autoscaler-cpu-initialization-period must not be negative, got %v", o.CPUInitializationPeriod)
	case o.InitialReadinessDelay < 0:
		return fmt.Errorf("--horizontal-pod-autoscaler-initial-readiness-delay must not be negative, got %v", o.InitialReadinessDelay)
	}
	return nil
}
