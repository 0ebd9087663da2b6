package v1alpha1

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// PodAutoscaler automatically scales the number of pods of a workload that
// implements the scale subresource, based on the cpu and memory usage of its
// pods. It is a drop-in equivalent of an autoscaling/v2
// HorizontalPodAutoscaler restricted to Resource and ContainerResource metrics:
// the spec fields have the same names and meaning, and the controller
// reproduces the upstream algorithm. Unlike the upstream controller, the
// recent recommendations and scale events are kept in status.history, so a
// restart or leader change does not alter scaling decisions.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:path=podautoscalers,singular=podautoscaler,shortName=pa,categories=coxswain
// +kubebuilder:printcolumn:name="Reference",type=string,JSONPath=`.spec.scaleTargetRef.name`,description="Name of the scaled workload"
// +kubebuilder:printcolumn:name="Targets",type=string,JSONPath=`.status.targets`,description="Current and target metric values"
// +kubebuilder:printcolumn:name="MinPods",type=integer,JSONPath=`.spec.minReplicas`
// +kubebuilder:printcolumn:name="MaxPods",type=integer,JSONPath=`.spec.maxReplicas`
// +kubebuilder:printcolumn:name="Replicas",type=integer,JSONPath=`.status.currentReplicas`
// +kubebuilder:printcolumn:name="Kind",type=string,JSONPath=`.spec.scaleTargetRef.kind`,priority=1
// +kubebuilder:printcolumn:name="Desired",type=integer,JSONPath=`.status.desiredReplicas`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type PodAutoscaler struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the specification for the behaviour of the autoscaler.
	// +required
	Spec PodAutoscalerSpec `json:"spec"`

	// status is the current information about the autoscaler.
	// +optional
	Status PodAutoscalerStatus `json:"status,omitempty"`
}

// PodAutoscalerList is a list of PodAutoscaler objects.
//
// +kubebuilder:object:root=true
type PodAutoscalerList struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []PodAutoscaler `json:"items"`
}

// DefaultCPUUtilization is the target average cpu utilization (percentage of
// request) used when spec.metrics is empty, as upstream.
const DefaultCPUUtilization int32 = 80

// Bounds enforced by validation, identical to the upstream HPA validation.
const (
	// MaxStabilizationWindowSeconds is the largest allowed stabilization window (one hour).
	MaxStabilizationWindowSeconds int32 = 3600
	// MaxPeriodSeconds is the largest allowed scaling policy period (30 minutes).
	MaxPeriodSeconds int32 = 1800
)

// Bounds of the persisted history (not upstream: the upstream controller keeps
// these lists in memory, unbounded).
const (
	// MaxHistoryRecommendations bounds status.history.recommendations.
	MaxHistoryRecommendations = 256
	// MaxHistoryScaleEvents bounds status.history.scaleEvents.
	MaxHistoryScaleEvents = 256
)

// PodAutoscalerSpec describes the desired functionality of a PodAutoscaler.
//
// The field spec.prediction is reserved for a future optional predictive
// scaling configuration; it is intentionally not defined yet (so it is
// rejected by strict field validation instead of being silently ignored).
//
// +kubebuilder:validation:XValidation:rule="!has(self.minReplicas) || self.maxReplicas >= self.minReplicas",message="maxReplicas must be greater than or equal to minReplicas",fieldPath=".maxReplicas",reason=FieldValueInvalid
type PodAutoscalerSpec struct {
	// scaleTargetRef points to the target resource to scale, and is used to
	// select the pods for which metrics should be collected, as well as to actually
	// change the replica count. The target must implement the scale
	// subresource.
	// +required
	ScaleTargetRef CrossVersionObjectReference `json:"scaleTargetRef"`

	// minReplicas is the lower limit for the number of replicas to which the
	// autoscaler can scale down. It defaults to 1 pod and must be at least 1
	// (scaling to zero is not supported).
	// +optional
	// +kubebuilder:default=1
	// +kubebuilder:validation:Minimum=1
	MinReplicas *int32 `json:"minReplicas,omitempty"`

	// maxReplicas is the upper limit for the number of replicas to which the
	// autoscaler can scale up. It cannot be less that minReplicas.
	// +required
	// +kubebuilder:validation:Minimum=1
	MaxReplicas int32 `json:"maxReplicas"`

	// metrics contains the specifications for which to use to calculate the
	// desired replica count (the maximum replica count across all metrics will
	// be used). The desired replica count is calculated multiplying the
	// ratio between the target value and the current value by the current
	// number of pods. Only Resource and ContainerResource metrics for cpu and
	// memory are supported, at most 10 (a bound that keeps the cost of the
	// validation rules within the API server budget). If not set (or empty),
	// the default metric is an average cpu utilization of 80% of the
	// requests; this default is applied by the controller, not stored in the
	// object.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=10
	Metrics []MetricSpec `json:"metrics,omitempty"`

	// behavior configures the scaling behavior of the target in both Up and
	// Down directions (scaleUp and scaleDown fields respectively). If not
	// set, the legacy behavior is used: scale up at most to max(2 x current,
	// 4) replicas per evaluation, and scale down after the controller-wide
	// downscale stabilization window (5 minutes by default).
	// +optional
	Behavior *PodAutoscalerBehavior `json:"behavior,omitempty"`
}

// CrossVersionObjectReference contains enough information to let you identify
// the referred resource.
type CrossVersionObjectReference struct {
	// kind is the kind of the referent; More info:
	// https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds
	// +required
	// +kubebuilder:validation:MinLength=1
	Kind string `json:"kind"`

	// name is the name of the referent; More info:
	// https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#names
	// +required
	// +kubebuilder:validation:MinLength=1
	Name string `json:"name"`

	// apiVersion is the API version of the referent
	// +optional
	APIVersion string `json:"apiVersion,omitempty"`
}

// MetricSourceType indicates the type of metric.
// +kubebuilder:validation:Enum=Resource;ContainerResource
type MetricSourceType string

const (
	// ResourceMetricSourceType is a resource metric known to Kubernetes, as
	// specified in requests and limits, describing each pod in the current
	// scale target (e.g. CPU or memory). Such metrics are built in to
	// Kubernetes, and have special scaling options on top of those available
	// to normal per-pod metrics (the "pods" source).
	ResourceMetricSourceType MetricSourceType = "Resource"
	// ContainerResourceMetricSourceType is a resource metric known to
	// Kubernetes, as specified in requests and limits, describing a single
	// container in each pod in the current scale target (e.g. CPU or memory).
	ContainerResourceMetricSourceType MetricSourceType = "ContainerResource"
)

// MetricSpec specifies how to scale based on a single metric (only `type` and
// one other matching field should be set at once).
//
// +kubebuilder:validation:XValidation:rule="self.type != 'Resource' || has(self.resource)",message="resource must be set when type is Resource",fieldPath=".resource",reason=FieldValueRequired
// +kubebuilder:validation:XValidation:rule="self.type != 'ContainerResource' || has(self.containerResource)",message="containerResource must be set when type is ContainerResource",fieldPath=".containerResource",reason=FieldValueRequired
// +kubebuilder:validation:XValidation:rule="!(has(self.resource) && has(self.containerResource))",message="must populate the given metric source only: resource and containerResource are mutually exclusive",reason=FieldValueForbidden
type MetricSpec struct {
	// type is the type of metric source. It should be one of
	// "ContainerResource" or "Resource", each mapping to a matching field in
	// the object.
	// +required
	Type MetricSourceType `json:"type"`

	// resource refers to a resource metric (such as those specified in
	// requests and limits) known to Kubernetes describing each pod in the
	// current scale target (e.g. CPU or memory).
	// +optional
	Resource *ResourceMetricSource `json:"resource,omitempty"`

	// containerResource refers to a resource metric (such as those specified
	// in requests and limits) known to Kubernetes describing a single
	// container in each pod of the current scale target (e.g. CPU or memory).
	// +optional
	ContainerResource *ContainerResourceMetricSource `json:"containerResource,omitempty"`
}

// ResourceMetricSource indicates how to scale on a resource metric known to
// Kubernetes, as specified in requests and limits, describing each pod in the
// current scale target (e.g. CPU or memory). The values will be averaged
// together before being compared to the target. Only one "target" type should
// be set.
type ResourceMetricSource struct {
	// name is the name of the resource in question: cpu or memory.
	// +required
	// +kubebuilder:validation:Enum=cpu;memory
	Name corev1.ResourceName `json:"name"`

	// target specifies the target value for the given metric
	// +required
	Target MetricTarget `json:"target"`
}

// ContainerResourceMetricSource indicates how to scale on a resource metric
// known to Kubernetes, as specified in requests and limits, describing a
// single container in each pod in the current scale target (e.g. CPU or
// memory). The values will be averaged together before being compared to the
// target. Only one "target" type should be set.
type ContainerResourceMetricSource struct {
	// name is the name of the resource in question: cpu or memory.
	// +required
	// +kubebuilder:validation:Enum=cpu;memory
	Name corev1.ResourceName `json:"name"`

	// target specifies the target value for the given metric
	// +required
	Target MetricTarget `json:"target"`

	// container is the name of the container in the pods of the scaling target
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Container string `json:"container"`
}

// MetricTargetType specifies the type of metric being targeted: Utilization
// or AverageValue (the upstream Value type is not meaningful for resource
// metrics).
// +kubebuilder:validation:Enum=Utilization;AverageValue
type MetricTargetType string

const (
	// UtilizationMetricType declares a MetricTarget is an AverageUtilization value
	UtilizationMetricType MetricTargetType = "Utilization"
	// AverageValueMetricType declares a MetricTarget is an AverageValue
	AverageValueMetricType MetricTargetType = "AverageValue"
)

// MetricTarget defines the target value, average value, or average
// utilization of a specific metric.
//
// +kubebuilder:validation:XValidation:rule="has(self.averageUtilization) || has(self.averageValue)",message="must set either a target raw value (averageValue) or a target utilization (averageUtilization)",fieldPath=".averageUtilization",reason=FieldValueRequired
// +kubebuilder:validation:XValidation:rule="!(has(self.averageUtilization) && has(self.averageValue))",message="may not set both a target raw value (averageValue) and a target utilization (averageUtilization)",fieldPath=".averageValue",reason=FieldValueForbidden
// +kubebuilder:validation:XValidation:rule="self.type != 'Utilization' || has(self.averageUtilization)",message="averageUtilization must be set when type is Utilization",fieldPath=".averageUtilization",reason=FieldValueRequired
// +kubebuilder:validation:XValidation:rule="self.type != 'AverageValue' || has(self.averageValue)",message="averageValue must be set when type is AverageValue",fieldPath=".averageValue",reason=FieldValueRequired
// +kubebuilder:validation:XValidation:rule="!has(self.averageValue) || quantity(string(self.averageValue)).isGreaterThan(quantity('0'))",message="averageValue must be positive",fieldPath=".averageValue",reason=FieldValueInvalid
type MetricTarget struct {
	// type represents whether the metric type is Utilization or AverageValue
	// +required
	Type MetricTargetType `json:"type"`

	// averageValue is the target value of the average of the metric across
	// all relevant pods (as a quantity). Must be positive.
	// +optional
	AverageValue *resource.Quantity `json:"averageValue,omitempty"`

	// averageUtilization is the target value of the average of the resource
	// metric across all relevant pods, represented as a percentage of the
	// requested value of the resource for the pods. Must be greater than 0.
	// +optional
	// +kubebuilder:validation:Minimum=1
	AverageUtilization *int32 `json:"averageUtilization,omitempty"`
}

// PodAutoscalerBehavior configures the scaling behavior of the target in both
// Up and Down directions (scaleUp and scaleDown fields respectively).
type PodAutoscalerBehavior struct {
	// scaleUp is scaling policy for scaling Up.
	// If not set, the default value is the higher of:
	//   * increase no more than 4 pods per 15 seconds
	//   * double the number of pods per 15 seconds
	// No stabilization is used.
	// +optional
	ScaleUp *HPAScalingRules `json:"scaleUp,omitempty"`

	// scaleDown is scaling policy for scaling Down.
	// If not set, the default value is to allow to scale down to minReplicas
	// pods, with a 300 second stabilization window (i.e., the highest
	// recommendation for the last 300sec is used; the window is the
	// controller's --horizontal-pod-autoscaler-downscale-stabilization).
	// +optional
	ScaleDown *HPAScalingRules `json:"scaleDown,omitempty"`
}

// ScalingPolicySelect is used to specify which policy should be used while
// scaling in a certain direction.
// +kubebuilder:validation:Enum=Max;Min;Disabled
type ScalingPolicySelect string

const (
	// MaxChangePolicySelect selects the policy with the highest possible change.
	MaxChangePolicySelect ScalingPolicySelect = "Max"
	// MinChangePolicySelect selects the policy with the lowest possible change.
	MinChangePolicySelect ScalingPolicySelect = "Min"
	// DisabledPolicySelect disables the scaling in this direction.
	DisabledPolicySelect ScalingPolicySelect = "Disabled"
)

// HPAScalingRules configures the scaling behavior for one direction via
// scaling Policy Rules and a configurable metric tolerance.
//
// Scaling Policy Rules are applied after calculating DesiredReplicas from
// metrics. They can limit the scaling velocity by specifying scaling
// policies. They can prevent flapping by specifying the stabilization window,
// so that the number of replicas is not set instantly, instead, the safest
// value from the stabilization window is chosen.
//
// The tolerance is applied to the metric values and prevents scaling too
// eagerly for small metric variations.
//
// +kubebuilder:validation:XValidation:rule="!has(self.tolerance) || (isQuantity(string(self.tolerance)) && !quantity(string(self.tolerance)).isLessThan(quantity('0')))",message="tolerance must be greater than or equal to 0",fieldPath=".tolerance",reason=FieldValueInvalid
type HPAScalingRules struct {
	// stabilizationWindowSeconds is the number of seconds for which past
	// recommendations should be considered while scaling up or scaling down.
	// StabilizationWindowSeconds must be greater than or equal to zero and
	// less than or equal to 3600 (one hour). If not set, use the default
	// values:
	// - For scale up: 0 (i.e. no stabilization is done).
	// - For scale down: 300 (i.e. the stabilization window is 300 seconds long).
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=3600
	StabilizationWindowSeconds *int32 `json:"stabilizationWindowSeconds,omitempty"`

	// selectPolicy is used to specify which policy should be used.
	// If not set, the default value Max is used.
	// +optional
	SelectPolicy *ScalingPolicySelect `json:"selectPolicy,omitempty"`

	// policies is a list of potential scaling polices which can be used
	// during scaling. If not set, use the default values:
	// - For scale up: allow doubling the number of pods, or an absolute change of 4 pods in a 15s window.
	// - For scale down: allow all pods to be removed in a 15s window.
	// If set, at least one policy must be specified.
	// +listType=atomic
	// +optional
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=16
	Policies []HPAScalingPolicy `json:"policies,omitempty"`

	// tolerance is the tolerance on the ratio between the current and desired
	// metric value under which no updates are made to the desired number of
	// replicas (e.g. 0.01 for 1%). Must be greater than or equal to zero. If
	// not set, the controller-wide tolerance is applied (by default 10%).
	//
	// For example, if autoscaling is configured with a memory consumption
	// target of 100Mi, and scale-down and scale-up tolerances of 5% and 1%
	// respectively, scaling will be triggered when the actual consumption
	// falls below 95Mi or exceeds 101Mi.
	// +optional
	Tolerance *resource.Quantity `json:"tolerance,omitempty"`
}

// HPAScalingPolicyType is the type of the policy which could be used while
// making scaling decisions.
// +kubebuilder:validation:Enum=Pods;Percent
type HPAScalingPolicyType string

const (
	// PodsScalingPolicy is a policy used to specify a change in absolute number of pods.
	PodsScalingPolicy HPAScalingPolicyType = "Pods"
	// PercentScalingPolicy is a policy used to specify a relative amount of
	// change with respect to the current number of pods.
	PercentScalingPolicy HPAScalingPolicyType = "Percent"
)

// HPAScalingPolicy is a single policy which must hold true for a specified
// past interval.
type HPAScalingPolicy struct {
	// type is used to specify the scaling policy: Pods or Percent.
	// +required
	Type HPAScalingPolicyType `json:"type"`

	// value contains the amount of change which is permitted by the policy.
	// It must be greater than zero.
	// +required
	// +kubebuilder:validation:Minimum=1
	Value int32 `json:"value"`

	// periodSeconds specifies the window of time for which the policy should
	// hold true. PeriodSeconds must be greater than zero and less than or
	// equal to 1800 (30 min).
	// +required
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1800
	PeriodSeconds int32 `json:"periodSeconds"`
}

// PodAutoscalerStatus describes the current status of a PodAutoscaler.
type PodAutoscalerStatus struct {
	// observedGeneration is the most recent generation observed by this autoscaler.
	// +optional
	ObservedGeneration *int64 `json:"observedGeneration,omitempty"`

	// lastScaleTime is the last time the autoscaler scaled the number of
	// pods, used by the autoscaler to control how often the number of pods is
	// changed.
	// +optional
	LastScaleTime *metav1.Time `json:"lastScaleTime,omitempty"`

	// currentReplicas is current number of replicas of pods managed by this
	// autoscaler, as last seen by the autoscaler.
	// +optional
	CurrentReplicas int32 `json:"currentReplicas,omitempty"`

	// desiredReplicas is the desired number of replicas of pods managed by
	// this autoscaler, as last calculated by the autoscaler.
	// +optional
	DesiredReplicas int32 `json:"desiredReplicas"`

	// currentMetrics is the last read state of the metrics used by this
	// autoscaler, in the order of spec.metrics (or of the default metric).
	// An entry whose "current" is empty could not be computed.
	// +listType=atomic
	// +optional
	CurrentMetrics []MetricStatus `json:"currentMetrics,omitempty"`

	// targets is a human readable summary of the current and target metric
	// values, formatted like the TARGETS column of `kubectl get hpa`.
	// +optional
	Targets string `json:"targets,omitempty"`

	// conditions is the set of conditions required for this autoscaler to
	// scale its target, and indicates whether or not those conditions are
	// met: AbleToScale, ScalingActive and ScalingLimited, with the same
	// reasons as an autoscaling/v2 HorizontalPodAutoscaler.
	// +listType=map
	// +listMapKey=type
	// +patchMergeKey=type
	// +patchStrategy=merge
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty" patchStrategy:"merge" patchMergeKey:"type"`

	// history holds the recent (unstabilized) recommendations and the recent
	// scale events that the stabilization windows and the scaling policies
	// need. Persisting them makes decisions independent of controller
	// restarts and leader changes.
	// +optional
	History *ScalingHistory `json:"history,omitempty"`
}

// ScalingHistory holds the bounded history used by stabilization and rate
// limiting. Entries that can no longer influence a decision are pruned.
type ScalingHistory struct {
	// recommendations are the recent raw (pre-stabilization) replica
	// recommendations, oldest first.
	// +listType=atomic
	// +optional
	// +kubebuilder:validation:MaxItems=256
	Recommendations []TimestampedRecommendation `json:"recommendations,omitempty"`

	// scaleEvents are the recent changes of the target's replica count made
	// by this autoscaler, oldest first. They are only recorded when
	// spec.behavior is set (as upstream).
	// +listType=atomic
	// +optional
	// +kubebuilder:validation:MaxItems=256
	ScaleEvents []ScaleEvent `json:"scaleEvents,omitempty"`
}

// TimestampedRecommendation is a replica count recommended at some time.
type TimestampedRecommendation struct {
	// timestamp is when the recommendation was made.
	// +required
	Timestamp metav1.Time `json:"timestamp"`
	// replicas is the recommended replica count.
	// +required
	Replicas int32 `json:"replicas"`
}

// ScaleEvent is a change of the replica count made by the autoscaler.
type ScaleEvent struct {
	// timestamp is when the target was rescaled.
	// +required
	Timestamp metav1.Time `json:"timestamp"`
	// replicaChange is the change in replicas: positive for a scale up,
	// negative for a scale down.
	// +required
	ReplicaChange int32 `json:"replicaChange"`
}

// MetricStatus describes the last-read state of a single metric.
type MetricStatus struct {
	// type is the type of metric source: "Resource" or "ContainerResource".
	// +required
	Type MetricSourceType `json:"type"`

	// resource refers to a resource metric (such as those specified in
	// requests and limits) known to Kubernetes describing each pod in the
	// current scale target (e.g. CPU or memory).
	// +optional
	Resource *ResourceMetricStatus `json:"resource,omitempty"`

	// containerResource refers to a resource metric (such as those specified
	// in requests and limits) known to Kubernetes describing a single
	// container in each pod in the current scale target (e.g. CPU or memory).
	// +optional
	ContainerResource *ContainerResourceMetricStatus `json:"containerResource,omitempty"`
}

// ResourceMetricStatus indicates the current value of a resource metric known
// to Kubernetes, as specified in requests and limits, describing each pod in
// the current scale target (e.g. CPU or memory).
type ResourceMetricStatus struct {
	// name is the name of the resource in question.
	// +required
	Name corev1.ResourceName `json:"name"`
	// current contains the current value for the given metric
	// +required
	Current MetricValueStatus `json:"current"`
}

// ContainerResourceMetricStatus indicates the current value of a resource
// metric known to Kubernetes, as specified in requests and limits, describing
// a single container in each pod in the current scale target (e.g. CPU or
// memory).
type ContainerResourceMetricStatus struct {
	// name is the name of the resource in question.
	// +required
	Name corev1.ResourceName `json:"name"`
	// current contains the current value for the given metric
	// +required
	Current MetricValueStatus `json:"current"`
	// container is the name of the container in the pods of the scaling target
	// +required
	Container string `json:"container"`
}

// MetricValueStatus holds the current value for a metric.
type MetricValueStatus struct {
	// averageValue is the current value of the average of the metric across
	// all relevant pods (as a quantity)
	// +optional
	AverageValue *resource.Quantity `json:"averageValue,omitempty"`

	// averageUtilization is the current value of the average of the resource
	// metric across all relevant pods, represented as a percentage of the
	// requested value of the resource for the pods.
	// +optional
	AverageUtilization *int32 `json:"averageUtilization,omitempty"`
}

// Condition types of a PodAutoscaler (the autoscaling/v2 HPA condition types).
const (
	// ScalingActive indicates that the autoscaler is able to compute a
	// replica count from its metrics (False: it cannot, or scaling is
	// disabled because the target has zero replicas).
	ScalingActive = "ScalingActive"
	// AbleToScale indicates a lack of transient issues which prevent
	// scaling from occurring, such as being in a stabilization window or
	// being unable to read or update the target's scale.
	AbleToScale = "AbleToScale"
	// ScalingLimited indicates that the calculated scale based on metrics
	// would be above or below the range for the autoscaler, or the scaling
	// rate limits, and has thus been capped.
	ScalingLimited = "ScalingLimited"
)
