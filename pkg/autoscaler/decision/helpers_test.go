package decision

import (
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"
	"k8s.io/utils/ptr"

	autoscalingv1alpha1 "github.com/coxswain-io/coxswain/pkg/apis/autoscaling/v1alpha1"
)

// t0 is the evaluation time of the tests.
var t0 = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

const (
	testNamespace = "test-namespace"
	testSelector  = "name=test-pod"
	// upstream replica_calculator_test.go constants
	testingTolerance                     = 0.1
	testingCPUInitializationPeriod       = 2 * time.Minute
	testingDelayOfInitialReadinessStatus = 10 * time.Second
)

func testOptions() Options {
	o := DefaultOptions()
	o.Tolerance = testingTolerance
	o.CPUInitializationPeriod = testingCPUInitializationPeriod
	o.InitialReadinessDelay = testingDelayOfInitialReadinessStatus
	return o
}

// hot and cool start times, as upstream hotCPUCreationTime/coolCPUCreationTime.
var (
	hot  = t0
	cool = t0.Add(-3 * time.Minute)
)

// podsCase builds pods and metrics the way the upstream replica calculator
// tests do: pods test-pod-<i> with two containers (container1, container2)
// each requesting requests[i], and metrics with levels[i][j] for container j.
type podsCase struct {
	count       int // number of pods (default: len(requests))
	readiness   []corev1.ConditionStatus
	startTime   []time.Time // default: zero time (long ago)
	phase       []corev1.PodPhase
	deleted     []bool
	requests    []string // per container request of pod i
	levels      [][]int64
	metricNames []string // names of the metric objects (default test-pod-<i>)
	metricTime  time.Time
	res         corev1.ResourceName
}

func podName(i int) string { return fmt.Sprintf("test-pod-%d", i) }

func (pc podsCase) build() ([]corev1.Pod, []metricsv1beta1.PodMetrics) {
	res := pc.res
	if res == "" {
		res = corev1.ResourceCPU
	}
	n := pc.count
	if n == 0 {
		n = max(len(pc.requests), len(pc.phase))
	}
	var pods []corev1.Pod
	for i := 0; i < n; i++ {
		ready := corev1.ConditionTrue
		if i < len(pc.readiness) {
			ready = pc.readiness[i]
		}
		phase := corev1.PodRunning
		if i < len(pc.phase) {
			phase = pc.phase[i]
		}
		var start metav1.Time
		if i < len(pc.startTime) {
			start = metav1.NewTime(pc.startTime[i])
		}
		pod := corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: podName(i), Namespace: testNamespace, Labels: map[string]string{"name": "test-pod"}},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "container1"}, {Name: "container2"}}},
			Status: corev1.PodStatus{
				Phase:      phase,
				StartTime:  &start,
				Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: ready}},
			},
		}
		if i < len(pc.deleted) && pc.deleted[i] {
			pod.DeletionTimestamp = &metav1.Time{Time: t0}
		}
		if i < len(pc.requests) {
			for c := range pod.Spec.Containers {
				pod.Spec.Containers[c].Resources.Requests = corev1.ResourceList{res: resource.MustParse(pc.requests[i])}
			}
		}
		pods = append(pods, pod)
	}
	var metrics []metricsv1beta1.PodMetrics
	for i, lv := range pc.levels {
		name := podName(i)
		if i < len(pc.metricNames) {
			name = pc.metricNames[i]
		}
		m := metricsv1beta1.PodMetrics{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: testNamespace, Labels: map[string]string{"name": "test-pod"}},
			Timestamp:  metav1.NewTime(pc.metricTime),
			Window:     metav1.Duration{Duration: time.Minute},
		}
		for j, v := range lv {
			m.Containers = append(m.Containers, metricsv1beta1.ContainerMetrics{
				Name:  fmt.Sprintf("container%d", j+1),
				Usage: corev1.ResourceList{res: *resource.NewMilliQuantity(v, resource.DecimalSI)},
			})
		}
		metrics = append(metrics, m)
	}
	return pods, metrics
}

// levels repeats each value for the two containers (upstream makePodMetricLevels).
func levels(values ...int64) [][]int64 {
	out := make([][]int64, len(values))
	for i, v := range values {
		out[i] = []int64{v, v}
	}
	return out
}

func repeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

func conds(s ...corev1.ConditionStatus) []corev1.ConditionStatus { return s }

const (
	T = corev1.ConditionTrue
	F = corev1.ConditionFalse
)

// newPA returns a PodAutoscaler targeting Deployment test-deployment.
func newPA(minReplicas *int32, maxReplicas int32, metrics ...autoscalingv1alpha1.MetricSpec) *autoscalingv1alpha1.PodAutoscaler {
	return &autoscalingv1alpha1.PodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: "test-pa", Namespace: testNamespace, Generation: 3},
		Spec: autoscalingv1alpha1.PodAutoscalerSpec{
			ScaleTargetRef: autoscalingv1alpha1.CrossVersionObjectReference{Kind: "Deployment", Name: "test-deployment", APIVersion: "apps/v1"},
			MinReplicas:    minReplicas,
			MaxReplicas:    maxReplicas,
			Metrics:        metrics,
		},
	}
}

func cpuUtilization(target int32) autoscalingv1alpha1.MetricSpec {
	return resourceUtilization(corev1.ResourceCPU, target)
}

func resourceUtilization(res corev1.ResourceName, target int32) autoscalingv1alpha1.MetricSpec {
	return autoscalingv1alpha1.MetricSpec{
		Type: autoscalingv1alpha1.ResourceMetricSourceType,
		Resource: &autoscalingv1alpha1.ResourceMetricSource{
			Name:   res,
			Target: autoscalingv1alpha1.MetricTarget{Type: autoscalingv1alpha1.UtilizationMetricType, AverageUtilization: ptr.To(target)},
		},
	}
}

func resourceAverageValue(res corev1.ResourceName, target string) autoscalingv1alpha1.MetricSpec {
	q := resource.MustParse(target)
	return autoscalingv1alpha1.MetricSpec{
		Type: autoscalingv1alpha1.ResourceMetricSourceType,
		Resource: &autoscalingv1alpha1.ResourceMetricSource{
			Name:   res,
			Target: autoscalingv1alpha1.MetricTarget{Type: autoscalingv1alpha1.AverageValueMetricType, AverageValue: &q},
		},
	}
}

func containerUtilization(res corev1.ResourceName, container string, target int32) autoscalingv1alpha1.MetricSpec {
	return autoscalingv1alpha1.MetricSpec{
		Type: autoscalingv1alpha1.ContainerResourceMetricSourceType,
		ContainerResource: &autoscalingv1alpha1.ContainerResourceMetricSource{
			Name:      res,
			Container: container,
			Target:    autoscalingv1alpha1.MetricTarget{Type: autoscalingv1alpha1.UtilizationMetricType, AverageUtilization: ptr.To(target)},
		},
	}
}

func rec(replicas int32, at time.Time) autoscalingv1alpha1.TimestampedRecommendation {
	return autoscalingv1alpha1.TimestampedRecommendation{Timestamp: metav1.NewTime(at), Replicas: replicas}
}

func scaleEvent(change int32, at time.Time) autoscalingv1alpha1.ScaleEvent {
	return autoscalingv1alpha1.ScaleEvent{Timestamp: metav1.NewTime(at), ReplicaChange: change}
}

// eventsUniform mirrors upstream generateEventsUniformDistribution: the events
// are spread over the last periodSeconds, each in the middle of its segment;
// sign is +1 for scale-up events and -1 for scale-down events.
func eventsUniform(raw []int32, periodSeconds int, sign int32) []autoscalingv1alpha1.ScaleEvent {
	out := make([]autoscalingv1alpha1.ScaleEvent, len(raw))
	seg := float64(periodSeconds) / float64(len(raw))
	for i, e := range raw {
		back := float64(periodSeconds) - seg*float64(i+1) + seg/2
		out[i] = scaleEvent(sign*e, t0.Add(-time.Duration(back*float64(time.Second))))
	}
	return out
}

func condition(st *autoscalingv1alpha1.PodAutoscalerStatus, typ string) metav1.Condition {
	c := FindCondition(st, typ)
	if c == nil {
		return metav1.Condition{}
	}
	return *c
}
