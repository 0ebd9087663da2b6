package decision

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"

	autoscalingv1alpha1 "github.com/coxswain-io/coxswain/pkg/apis/autoscaling/v1alpha1"
)

// Scale is what the decision needs from the scale subresource of the target.
type Scale struct {
	// Replicas is the scale's spec.replicas: the current replica count the
	// decision starts from.
	Replicas int32 `json:"replicas"`
	// StatusReplicas is the scale's status.replicas (informational).
	StatusReplicas int32 `json:"statusReplicas"`
	// Selector is the scale's status.selector: a label selector in string
	// form (e.g. "app=web,tier in (a,b)").
	Selector string `json:"selector"`
}

// Input is everything a decision depends on. Decide performs no I/O and
// reads no clock: the same Input gives the same Result.
type Input struct {
	// Autoscaler is the PodAutoscaler (spec, and status with its history
	// and conditions). It is not modified.
	Autoscaler *autoscalingv1alpha1.PodAutoscaler
	// Scale is the target's scale subresource.
	Scale Scale
	// Pods are the pods in the autoscaler's namespace; those not matching
	// Scale.Selector (or in another namespace) are ignored, so passing the
	// already selected pods is fine.
	Pods []corev1.Pod
	// PodMetrics are the metrics.k8s.io PodMetrics of the pods, as listed
	// with the selector. A PodMetrics whose labels do not match the
	// selector is ignored; one without any labels is kept when a selected
	// pod has its name.
	PodMetrics []metricsv1beta1.PodMetrics
	// MetricsError is the error listing PodMetrics failed with, if any;
	// every metric then fails like upstream's "unable to fetch metrics from
	// resource metrics API".
	MetricsError error
	// AmbiguousWith lists the other autoscalers (namespace/name) whose
	// selectors select the same pods; when non-empty, scaling is refused
	// with reason AmbiguousSelector, as upstream.
	AmbiguousWith []string
	// Now is the evaluation time.
	Now time.Time
}

// Event is a Kubernetes event the controller should record for the decision
// (upstream HPA event reasons and messages).
type Event struct {
	// Type is "Normal" or "Warning".
	Type    string `json:"type"`
	Reason  string `json:"reason"`
	Message string `json:"message"`
}

// Result is the outcome of Decide.
type Result struct {
	// CurrentReplicas is the replica count the decision started from.
	CurrentReplicas int32 `json:"currentReplicas"`
	// DesiredReplicas is the replica count the target should be scaled to;
	// it equals CurrentReplicas when Rescale is false.
	DesiredReplicas int32 `json:"desiredReplicas"`
	// Rescale tells whether the target's scale must be updated.
	Rescale bool `json:"rescale"`
	// Reason is the reason of the rescale as upstream puts it in the
	// SuccessfulRescale event (e.g. "cpu resource utilization (percentage of
	// request) above target", "All metrics below target").
	Reason string `json:"reason,omitempty"`
	// Status is the new status of the autoscaler, assuming the rescale (if
	// any) succeeds. Use StatusOnRescaleFailure when it fails.
	Status autoscalingv1alpha1.PodAutoscalerStatus `json:"status"`
	// Err is the error the upstream reconcile would return: the metrics
	// could not be computed (Rescale is then false), or some metrics are
	// invalid but scaling up from the others proceeds (Rescale may be true).
	Err error `json:"-"`
	// Events are the events to record.
	Events []Event `json:"events,omitempty"`
	// Explanation details how the decision was reached.
	Explanation Explanation `json:"explanation"`

	failure failureState
}

// failureState is what StatusOnRescaleFailure needs.
type failureState struct {
	status     autoscalingv1alpha1.PodAutoscalerStatus // status before setting AbleToScale/rescale
	now        time.Time
	generation int64
}

// Pod groups, as in upstream groupPods.
const (
	// PodReady: the pod's metric is used as is.
	PodReady = "ready"
	// PodUnready: the pod is pending, or (for cpu) not yet ready/initialized;
	// its metric is dropped, and it counts as 0% when scaling up.
	PodUnready = "unready"
	// PodMissing: no metric for the pod; it counts as 100% of request (or
	// the target) when scaling down and 0% when scaling up.
	PodMissing = "missing"
	// PodIgnored: the pod is being deleted or has failed.
	PodIgnored = "ignored"
)

// Explanation is a structured account of a decision.
type Explanation struct {
	// Autoscaler is namespace/name of the autoscaler.
	Autoscaler string `json:"autoscaler"`
	// Target is Kind/namespace/name of the scale target.
	Target string `json:"target"`
	// Now is the evaluation time.
	Now time.Time `json:"now"`
	// CurrentReplicas is the scale's spec.replicas.
	CurrentReplicas int32 `json:"currentReplicas"`
	// StatusReplicas is the scale's status.replicas.
	StatusReplicas int32 `json:"statusReplicas"`
	MinReplicas    int32 `json:"minReplicas"`
	MaxReplicas    int32 `json:"maxReplicas"`
	// Selector is the scale's selector.
	Selector string `json:"selector"`
	// SelectedPods is the number of pods the selector matched.
	SelectedPods int `json:"selectedPods"`
	// Tolerances are the effective tolerances.
	Tolerances Tolerances `json:"tolerances"`
	// InitialRecommendation is set when the history held no recommendation:
	// the current replica count was recorded as the first one (as upstream
	// does for a new autoscaler, which delays a scale down by the window).
	InitialRecommendation bool `json:"initialRecommendation,omitempty"`
	// Path is the branch taken: ScalingDisabled, AboveMaxReplicas,
	// BelowMinReplicas, MetricsFailed or Metrics.
	Path string `json:"path"`
	// Metrics explains each metric (in spec order, default metric included).
	Metrics []MetricExplanation `json:"metrics,omitempty"`
	// InvalidMetrics is the number of metrics that could not be computed.
	InvalidMetrics int `json:"invalidMetrics,omitempty"`
	// RawRecommendation is the maximum over the metrics' proposals (the
	// "prenormalized" desired replicas), when metrics were computed.
	RawRecommendation *int32 `json:"rawRecommendation,omitempty"`
	// RawMetric describes the metric giving RawRecommendation.
	RawMetric string `json:"rawMetric,omitempty"`
	// Stabilization explains the stabilization window step.
	Stabilization *StabilizationExplanation `json:"stabilization,omitempty"`
	// StabilizedRecommendation is the recommendation after stabilization.
	StabilizedRecommendation *int32 `json:"stabilizedRecommendation,omitempty"`
	// Limits explains the min/max and rate limiting step.
	Limits *LimitExplanation `json:"limits,omitempty"`
	// LimitedRecommendation is the recommendation after min/max and rate
	// limits: the desired replicas.
	LimitedRecommendation *int32 `json:"limitedRecommendation,omitempty"`
	// DesiredReplicas is the final decision.
	DesiredReplicas int32 `json:"desiredReplicas"`
	// Rescale tells whether the target is rescaled.
	Rescale bool `json:"rescale"`
	// Reason is the rescale reason (SuccessfulRescale event).
	Reason string `json:"reason,omitempty"`
	// Error is Result.Err as a string.
	Error string `json:"error,omitempty"`
}

// Tolerances are the metric usage ratio tolerances per direction.
type Tolerances struct {
	ScaleUp   float64 `json:"scaleUp"`
	ScaleDown float64 `json:"scaleDown"`
}

func (t Tolerances) isWithin(ratio float64) bool {
	return (1.0-t.ScaleDown) <= ratio && ratio <= (1.0+t.ScaleUp)
}

// MetricExplanation explains the computation for one metric.
type MetricExplanation struct {
	// Index is the position in the effective spec.metrics.
	Index int `json:"index"`
	// Type is Resource or ContainerResource.
	Type autoscalingv1alpha1.MetricSourceType `json:"type"`
	// Resource is the resource name (cpu, memory).
	Resource corev1.ResourceName `json:"resource"`
	// Container is the container of a ContainerResource metric.
	Container string `json:"container,omitempty"`
	// Name is the upstream description of the metric, as used in events
	// and conditions (e.g. "cpu resource utilization (percentage of
	// request)").
	Name string `json:"name,omitempty"`
	// Target is the target, human readable ("80%", "500m").
	Target string `json:"target"`
	// Pods is the grouping of each selected pod, sorted by name.
	Pods []PodExplanation `json:"pods,omitempty"`
	// ExtraMetrics are pods with metrics that are not among the selected
	// pods (they are not matched to a request).
	ExtraMetrics []string `json:"extraMetrics,omitempty"`
	// ReadyPods is the number of ready pods with metrics.
	ReadyPods int `json:"readyPods"`
	// UnreadyPods, MissingPods and IgnoredPods name the pods in each group.
	UnreadyPods []string `json:"unreadyPods,omitempty"`
	MissingPods []string `json:"missingPods,omitempty"`
	IgnoredPods []string `json:"ignoredPods,omitempty"`
	// CurrentUtilization is the average utilization (percentage of request,
	// truncated) of the ready pods, for Utilization targets.
	CurrentUtilization *int32 `json:"currentUtilization,omitempty"`
	// CurrentAverageValue is the average usage of the ready pods.
	CurrentAverageValue *resource.Quantity `json:"currentAverageValue,omitempty"`
	// UsageRatio is current / target.
	UsageRatio float64 `json:"usageRatio"`
	// Recomputed tells whether the ratio was recomputed with missing and
	// unready pods filled in (conservatively).
	Recomputed bool `json:"recomputed,omitempty"`
	// RecomputedUsageRatio is the ratio after filling in.
	RecomputedUsageRatio float64 `json:"recomputedUsageRatio,omitempty"`
	// Computation explains how ProposedReplicas was obtained.
	Computation string `json:"computation,omitempty"`
	// ProposedReplicas is the replica count this metric proposes.
	ProposedReplicas int32 `json:"proposedReplicas"`
	// Error is set when the metric could not be computed.
	Error string `json:"error,omitempty"`
	// ConditionReason is the ScalingActive reason for an error
	// (FailedGetResourceMetric, FailedGetContainerResourceMetric, ...).
	ConditionReason string `json:"conditionReason,omitempty"`
}

// PodExplanation is the group of one pod for one metric.
type PodExplanation struct {
	Name string `json:"name"`
	// Group is ready, unready, missing or ignored.
	Group string `json:"group"`
	// Reason explains the group.
	Reason string `json:"reason"`
	// Usage is the pod's (or container's) metric, when present.
	Usage *resource.Quantity `json:"usage,omitempty"`
	// Request is the pod's (or container's) request, when known.
	Request *resource.Quantity `json:"request,omitempty"`
}

// StabilizationExplanation explains the stabilization step.
type StabilizationExplanation struct {
	// Mode is "behavior" (spec.behavior set) or "legacy".
	Mode string `json:"mode"`
	// ScaleUpWindowSeconds is the scale-up window (behavior mode).
	ScaleUpWindowSeconds int32 `json:"scaleUpWindowSeconds"`
	// ScaleDownWindowSeconds is the scale-down window.
	ScaleDownWindowSeconds int32 `json:"scaleDownWindowSeconds"`
	// ScaleUpBound is the lowest recommendation within the scale-up window
	// (the current raw one included): the highest the target may go.
	ScaleUpBound *int32 `json:"scaleUpBound,omitempty"`
	// ScaleDownBound is the highest recommendation within the scale-down
	// window (the current raw one included): the lowest the target may go.
	ScaleDownBound int32 `json:"scaleDownBound"`
	// Recommendations are the past recommendations that were considered.
	Recommendations []RecommendationSample `json:"recommendations,omitempty"`
	// Result is the stabilized recommendation.
	Result int32 `json:"result"`
	// Reason and Message are the AbleToScale condition reason and message.
	Reason  string `json:"reason"`
	Message string `json:"message"`
}

// RecommendationSample is a past recommendation and the windows it was in.
type RecommendationSample struct {
	Timestamp         time.Time `json:"timestamp"`
	Replicas          int32     `json:"replicas"`
	InScaleUpWindow   bool      `json:"inScaleUpWindow,omitempty"`
	InScaleDownWindow bool      `json:"inScaleDownWindow"`
}

// LimitExplanation explains the min/max and rate limiting step.
type LimitExplanation struct {
	// Mode is "behavior" or "legacy".
	Mode string `json:"mode"`
	// Direction is "up", "down" or "none".
	Direction string `json:"direction"`
	// SelectPolicy is the selectPolicy of the direction (behavior mode).
	SelectPolicy string `json:"selectPolicy,omitempty"`
	// Policies are the evaluated policies of the direction (behavior mode).
	Policies []PolicyExplanation `json:"policies,omitempty"`
	// RateLimit is the replica count the scaling policies (or, in legacy
	// mode, max(2 x current, 4)) allow at most (up) or at least (down).
	RateLimit *int32 `json:"rateLimit,omitempty"`
	// Limited tells whether the recommendation was changed by this step.
	Limited bool `json:"limited"`
	// Reason and Message are the ScalingLimited condition reason and message.
	Reason  string `json:"reason"`
	Message string `json:"message"`
	// Result is the limited recommendation.
	Result int32 `json:"result"`
}

// PolicyExplanation is the evaluation of one scaling policy.
type PolicyExplanation struct {
	Type          autoscalingv1alpha1.HPAScalingPolicyType `json:"type"`
	Value         int32                                    `json:"value"`
	PeriodSeconds int32                                    `json:"periodSeconds"`
	// ReplicasAdded and ReplicasRemoved are the scale events within the period.
	ReplicasAdded   int32 `json:"replicasAdded"`
	ReplicasRemoved int32 `json:"replicasRemoved"`
	// PeriodStartReplicas = current - added + removed.
	PeriodStartReplicas int32 `json:"periodStartReplicas"`
	// Proposed is the limit this policy alone proposes.
	Proposed int32 `json:"proposed"`
}
