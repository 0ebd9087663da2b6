package v1alpha1

import (
	corev1 "k8s.io/api/core/v1"
)

// Defaulting is done in code (by the controller and the recommend tool, via
// SetDefaults or the Effective* helpers) rather than by the API server, except
// for spec.minReplicas which the CRD schema defaults to 1. This mirrors
// upstream SetDefaults_HorizontalPodAutoscaler:
//
//   - minReplicas: 1
//   - metrics: when empty, one Resource metric: cpu at 80% average utilization
//   - behavior (only when set): each direction that is nil, and each nil field
//     of a direction, takes the upstream default (see DefaultScaleUpRules and
//     DefaultScaleDownRules). scaleDown.stabilizationWindowSeconds stays nil:
//     it means "the controller-wide downscale stabilization window".

const (
	defaultScaleUpLimitPercent     int32 = 100
	defaultScaleUpLimitMinimumPods int32 = 4
	defaultScaleUpPeriodSeconds    int32 = 15
	defaultScaleDownLimitPercent   int32 = 100
	defaultScaleDownPeriodSeconds  int32 = 15
)

// DefaultMetrics returns the metrics used when spec.metrics is empty: cpu at
// DefaultCPUUtilization percent of the requests.
func DefaultMetrics() []MetricSpec {
	utilization := DefaultCPUUtilization
	return []MetricSpec{{
		Type: ResourceMetricSourceType,
		Resource: &ResourceMetricSource{
			Name: corev1.ResourceCPU,
			Target: MetricTarget{
				Type:               UtilizationMetricType,
				AverageUtilization: &utilization,
			},
		},
	}}
}

// DefaultScaleUpRules returns the upstream default scale-up rules: no
// stabilization, the larger (Max) of +4 pods or +100% per 15 seconds.
func DefaultScaleUpRules() *HPAScalingRules {
	window := int32(0)
	policy := MaxChangePolicySelect
	return &HPAScalingRules{
		StabilizationWindowSeconds: &window,
		SelectPolicy:               &policy,
		Policies: []HPAScalingPolicy{
			{Type: PodsScalingPolicy, Value: defaultScaleUpLimitMinimumPods, PeriodSeconds: defaultScaleUpPeriodSeconds},
			{Type: PercentScalingPolicy, Value: defaultScaleUpLimitPercent, PeriodSeconds: defaultScaleUpPeriodSeconds},
		},
	}
}

// DefaultScaleDownRules returns the upstream default scale-down rules: remove
// up to 100% of the pods per 15 seconds; the stabilization window is left nil
// (it is the controller-wide downscale stabilization window).
func DefaultScaleDownRules() *HPAScalingRules {
	policy := MaxChangePolicySelect
	return &HPAScalingRules{
		StabilizationWindowSeconds: nil,
		SelectPolicy:               &policy,
		Policies: []HPAScalingPolicy{
			{Type: PercentScalingPolicy, Value: defaultScaleDownLimitPercent, PeriodSeconds: defaultScaleDownPeriodSeconds},
		},
	}
}

// GenerateScaleUpRules returns a copy of rules with every nil field set to its
// scale-up default (rules may be nil).
func GenerateScaleUpRules(rules *HPAScalingRules) *HPAScalingRules {
	return mergeScalingRules(rules, DefaultScaleUpRules())
}

// GenerateScaleDownRules returns a copy of rules with every nil field set to
// its scale-down default (rules may be nil). StabilizationWindowSeconds stays
// nil when unset.
func GenerateScaleDownRules(rules *HPAScalingRules) *HPAScalingRules {
	return mergeScalingRules(rules, DefaultScaleDownRules())
}

func mergeScalingRules(from, to *HPAScalingRules) *HPAScalingRules {
	if from == nil {
		return to
	}
	from = from.DeepCopy()
	if from.SelectPolicy != nil {
		to.SelectPolicy = from.SelectPolicy
	}
	if from.StabilizationWindowSeconds != nil {
		to.StabilizationWindowSeconds = from.StabilizationWindowSeconds
	}
	if from.Policies != nil {
		to.Policies = from.Policies
	}
	if from.Tolerance != nil {
		to.Tolerance = from.Tolerance
	}
	return to
}

// SetDefaults applies the defaults described above to pa in place.
func SetDefaults(pa *PodAutoscaler) {
	SetSpecDefaults(&pa.Spec)
}

// SetSpecDefaults applies the defaults described above to spec in place.
func SetSpecDefaults(spec *PodAutoscalerSpec) {
	if spec.MinReplicas == nil {
		one := int32(1)
		spec.MinReplicas = &one
	}
	if len(spec.Metrics) == 0 {
		spec.Metrics = DefaultMetrics()
	}
	if spec.Behavior != nil {
		spec.Behavior.ScaleUp = GenerateScaleUpRules(spec.Behavior.ScaleUp)
		spec.Behavior.ScaleDown = GenerateScaleDownRules(spec.Behavior.ScaleDown)
	}
}

// EffectiveMinReplicas returns spec.minReplicas, or its default 1.
func (s *PodAutoscalerSpec) EffectiveMinReplicas() int32 {
	if s.MinReplicas == nil {
		return 1
	}
	return *s.MinReplicas
}

// EffectiveMetrics returns spec.metrics, or DefaultMetrics when it is empty.
func (s *PodAutoscalerSpec) EffectiveMetrics() []MetricSpec {
	if len(s.Metrics) == 0 {
		return DefaultMetrics()
	}
	return s.Metrics
}
