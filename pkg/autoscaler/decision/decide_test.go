package decision

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	autoscalingv1alpha1 "github.com/coxswain-io/coxswain/pkg/apis/autoscaling/v1alpha1"
)

func input(pa *autoscalingv1alpha1.PodAutoscaler, current int32, pc podsCase) Input {
	pods, metrics := pc.build()
	return Input{
		Autoscaler: pa,
		Scale:      Scale{Replicas: current, StatusReplicas: current, Selector: testSelector},
		Pods:       pods,
		PodMetrics: metrics,
		Now:        t0,
	}
}

type wantCond struct {
	status metav1.ConditionStatus
	reason string
}

func checkConditions(t *testing.T, st *autoscalingv1alpha1.PodAutoscalerStatus, want map[string]wantCond) {
	t.Helper()
	for typ, w := range want {
		c := condition(st, typ)
		if c.Status != w.status || c.Reason != w.reason {
			t.Errorf("condition %s: got %s/%s (%s), want %s/%s", typ, c.Status, c.Reason, c.Message, w.status, w.reason)
		}
	}
}

func hasEvent(r Result, typ, reason, msgPart string) bool {
	for _, e := range r.Events {
		if e.Type == typ && e.Reason == reason && strings.Contains(e.Message, msgPart) {
			return true
		}
	}
	return false
}

// upstream TestScaleUp
func TestDecideScaleUp(t *testing.T) {
	pa := newPA(ptr.To[int32](2), 6, cpuUtilization(30))
	in := input(pa, 3, podsCase{requests: repeat("1.0", 3), levels: levels(300, 500, 700)})
	r := Decide(in, testOptions())
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	if !r.Rescale || r.DesiredReplicas != 5 || r.CurrentReplicas != 3 {
		t.Fatalf("got rescale=%v desired=%d", r.Rescale, r.DesiredReplicas)
	}
	if r.Reason != "cpu resource utilization (percentage of request) above target" {
		t.Errorf("reason: %q", r.Reason)
	}
	checkConditions(t, &r.Status, map[string]wantCond{
		autoscalingv1alpha1.AbleToScale:    {metav1.ConditionTrue, "SucceededRescale"},
		autoscalingv1alpha1.ScalingActive:  {metav1.ConditionTrue, "ValidMetricFound"},
		autoscalingv1alpha1.ScalingLimited: {metav1.ConditionFalse, "DesiredWithinRange"},
	})
	if !hasEvent(r, EventTypeNormal, "SuccessfulRescale", "New size: 5; reason: cpu resource utilization (percentage of request) above target") {
		t.Errorf("events: %+v", r.Events)
	}
	st := r.Status
	if st.CurrentReplicas != 3 || st.DesiredReplicas != 5 || st.LastScaleTime == nil || !st.LastScaleTime.Time.Equal(t0) {
		t.Errorf("status: %+v", st)
	}
	if st.ObservedGeneration == nil || *st.ObservedGeneration != 3 {
		t.Errorf("observedGeneration: %v", st.ObservedGeneration)
	}
	if len(st.CurrentMetrics) != 1 || *st.CurrentMetrics[0].Resource.Current.AverageUtilization != 50 || st.CurrentMetrics[0].Resource.Current.AverageValue.String() != "1" {
		t.Errorf("current metrics: %+v", st.CurrentMetrics)
	}
	if st.Targets != "cpu: 50%/30%" {
		t.Errorf("targets: %q", st.Targets)
	}
	// initial recommendation (3) and the new one (5); no scale events without behavior
	if st.History == nil || len(st.History.Recommendations) != 2 || len(st.History.ScaleEvents) != 0 {
		t.Errorf("history: %+v", st.History)
	}
	ex := r.Explanation
	if *ex.RawRecommendation != 5 || *ex.StabilizedRecommendation != 5 || *ex.LimitedRecommendation != 5 || ex.Path != PathMetrics || len(ex.Metrics[0].Pods) != 3 {
		t.Errorf("explanation: %+v", ex)
	}
	for _, p := range ex.Metrics[0].Pods {
		if p.Group != PodReady || p.Reason == "" || p.Usage == nil || p.Request == nil {
			t.Errorf("pod explanation: %+v", p)
		}
	}
}

// upstream TestScaleDownStabilizeInitialSize: a new autoscaler records the
// current size, which the downscale window then keeps.
func TestDecideScaleDownStabilizeInitialSize(t *testing.T) {
	pa := newPA(nil, 6, cpuUtilization(50))
	in := input(pa, 5, podsCase{requests: repeat("1.0", 5), levels: levels(100, 300, 500, 250, 250)})
	r := Decide(in, testOptions())
	if r.Rescale || r.DesiredReplicas != 5 || r.Status.DesiredReplicas != 5 {
		t.Fatalf("got rescale=%v desired=%d", r.Rescale, r.DesiredReplicas)
	}
	checkConditions(t, &r.Status, map[string]wantCond{
		autoscalingv1alpha1.AbleToScale:    {metav1.ConditionTrue, "ScaleDownStabilized"},
		autoscalingv1alpha1.ScalingLimited: {metav1.ConditionFalse, "DesiredWithinRange"},
	})
	if *r.Explanation.RawRecommendation != 3 || *r.Explanation.StabilizedRecommendation != 5 {
		t.Errorf("explanation: raw %d stabilized %d", *r.Explanation.RawRecommendation, *r.Explanation.StabilizedRecommendation)
	}
	if r.Status.LastScaleTime != nil {
		t.Errorf("lastScaleTime set without rescale")
	}
}

func TestDecideScaleDownAfterWindow(t *testing.T) {
	pa := newPA(nil, 6, cpuUtilization(50))
	pa.Status.History = &autoscalingv1alpha1.ScalingHistory{Recommendations: []autoscalingv1alpha1.TimestampedRecommendation{rec(5, t0.Add(-6*time.Minute))}}
	in := input(pa, 5, podsCase{requests: repeat("1.0", 5), levels: levels(100, 300, 500, 250, 250)})
	r := Decide(in, testOptions())
	if !r.Rescale || r.DesiredReplicas != 3 || r.Reason != "All metrics below target" {
		t.Fatalf("got rescale=%v desired=%d reason=%q", r.Rescale, r.DesiredReplicas, r.Reason)
	}
	if h := r.Status.History; h == nil || len(h.Recommendations) != 1 || h.Recommendations[0].Replicas != 3 {
		t.Errorf("history: %+v", r.Status.History)
	}
	checkConditions(t, &r.Status, map[string]wantCond{autoscalingv1alpha1.AbleToScale: {metav1.ConditionTrue, "SucceededRescale"}})
}

// The persisted history makes consecutive decisions (possibly by another
// controller instance) continue where the previous one stopped.
func TestDecideHistoryCarriesOver(t *testing.T) {
	pa := newPA(nil, 10, cpuUtilization(50))
	pa.Spec.Behavior = &autoscalingv1alpha1.PodAutoscalerBehavior{ScaleDown: &autoscalingv1alpha1.HPAScalingRules{StabilizationWindowSeconds: ptr.To[int32](60)}}
	pc := podsCase{requests: repeat("1.0", 5), levels: levels(100, 300, 500, 250, 250)}

	r1 := Decide(input(pa, 5, pc), testOptions())
	if r1.Rescale {
		t.Fatalf("first decision rescaled to %d", r1.DesiredReplicas)
	}
	checkConditions(t, &r1.Status, map[string]wantCond{autoscalingv1alpha1.AbleToScale: {metav1.ConditionTrue, "ScaleDownStabilized"}})

	// 30s later, still within the 60s window of the initial recommendation
	pa.Status = r1.Status
	in := input(pa, 5, pc)
	in.Now = t0.Add(30 * time.Second)
	r2 := Decide(in, testOptions())
	if r2.Rescale {
		t.Fatalf("second decision rescaled to %d", r2.DesiredReplicas)
	}

	// 61s after the start, the window has passed
	pa.Status = r2.Status
	in.Now = t0.Add(61 * time.Second)
	r3 := Decide(in, testOptions())
	if !r3.Rescale || r3.DesiredReplicas != 3 {
		t.Fatalf("third decision: rescale=%v desired=%d (%+v)", r3.Rescale, r3.DesiredReplicas, r3.Explanation.Stabilization)
	}
	if h := r3.Status.History; h == nil || len(h.ScaleEvents) != 1 || h.ScaleEvents[0].ReplicaChange != -2 {
		t.Errorf("scale events: %+v", r3.Status.History)
	}
}

// Scale-up events are remembered across decisions for the policies.
func TestDecideScaleUpRateLimitAcrossDecisions(t *testing.T) {
	pa := newPA(nil, 100, cpuUtilization(10))
	pa.Spec.Behavior = &autoscalingv1alpha1.PodAutoscalerBehavior{} // all defaults: +4 pods or +100% per 15s
	pc := podsCase{requests: repeat("1.0", 10), levels: levels(500, 500, 500, 500, 500, 500, 500, 500, 500, 500)}

	r1 := Decide(input(pa, 10, pc), testOptions())
	if !r1.Rescale || r1.DesiredReplicas != 20 {
		t.Fatalf("first: %d", r1.DesiredReplicas)
	}
	checkConditions(t, &r1.Status, map[string]wantCond{autoscalingv1alpha1.ScalingLimited: {metav1.ConditionTrue, "ScaleUpLimit"}})
	if h := r1.Status.History; h == nil || len(h.ScaleEvents) != 1 || h.ScaleEvents[0].ReplicaChange != 10 {
		t.Fatalf("scale events: %+v", r1.Status.History)
	}

	// 5s later, the target has 20 replicas (10 of them new), the period
	// started at 10 replicas: the limit is still 20.
	pa.Status = r1.Status
	pc20 := podsCase{requests: repeat("1.0", 20), levels: levels(500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500)}
	in := input(pa, 20, pc20)
	in.Now = t0.Add(5 * time.Second)
	r2 := Decide(in, testOptions())
	if r2.Rescale {
		t.Fatalf("second decision rescaled to %d", r2.DesiredReplicas)
	}
	checkConditions(t, &r2.Status, map[string]wantCond{autoscalingv1alpha1.ScalingLimited: {metav1.ConditionTrue, "ScaleUpLimit"}})
	if p := r2.Explanation.Limits.Policies; len(p) != 2 || p[0].PeriodStartReplicas != 10 || p[0].ReplicasAdded != 10 {
		t.Errorf("policies: %+v", p)
	}

	// 16s after the first scale up, the event is out of the 15s period.
	pa.Status = r2.Status
	in.Now = t0.Add(16 * time.Second)
	r3 := Decide(in, testOptions())
	if !r3.Rescale || r3.DesiredReplicas != 40 {
		t.Fatalf("third: %d", r3.DesiredReplicas)
	}
	if h := r3.Status.History; len(h.ScaleEvents) != 1 || h.ScaleEvents[0].ReplicaChange != 20 {
		t.Errorf("scale events: %+v", h.ScaleEvents)
	}
}

func TestDecideReplicaBounds(t *testing.T) {
	pc := podsCase{requests: repeat("1.0", 3), levels: levels(300, 500, 700)}
	cases := []struct {
		name     string
		min      *int32
		max      int32
		current  int32
		rescale  bool
		desired  int32
		reason   string
		path     string
		expected map[string]wantCond
	}{
		{name: "zero replicas disables scaling", min: nil, max: 6, current: 0, rescale: false, desired: 0, path: PathScalingDisabled,
			expected: map[string]wantCond{autoscalingv1alpha1.ScalingActive: {metav1.ConditionFalse, "ScalingDisabled"}, autoscalingv1alpha1.AbleToScale: {metav1.ConditionTrue, "SucceededGetScale"}}},
		{name: "above max", min: ptr.To[int32](1), max: 2, current: 3, rescale: true, desired: 2, reason: "Current number of replicas above Spec.MaxReplicas", path: PathAboveMaxReplicas,
			expected: map[string]wantCond{autoscalingv1alpha1.AbleToScale: {metav1.ConditionTrue, "SucceededRescale"}}},
		{name: "below min", min: ptr.To[int32](5), max: 10, current: 3, rescale: true, desired: 5, reason: "Current number of replicas below Spec.MinReplicas", path: PathBelowMinReplicas},
		{name: "metrics above max: TooManyReplicas", min: ptr.To[int32](1), max: 4, current: 3, rescale: true, desired: 4, reason: "cpu resource utilization (percentage of request) above target", path: PathMetrics,
			expected: map[string]wantCond{autoscalingv1alpha1.ScalingLimited: {metav1.ConditionTrue, "TooManyReplicas"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pa := newPA(tc.min, tc.max, cpuUtilization(30))
			r := Decide(input(pa, tc.current, pc), testOptions())
			if r.Rescale != tc.rescale || r.DesiredReplicas != tc.desired || r.Reason != tc.reason || r.Explanation.Path != tc.path {
				t.Errorf("got rescale=%v desired=%d reason=%q path=%s", r.Rescale, r.DesiredReplicas, r.Reason, r.Explanation.Path)
			}
			checkConditions(t, &r.Status, tc.expected)
		})
	}
}

// upstream TestUpscaleCap / TestMinReplicas in the legacy path
func TestDecideLegacyLimits(t *testing.T) {
	t.Run("scale-up limit", func(t *testing.T) {
		pa := newPA(ptr.To[int32](1), 100, cpuUtilization(10))
		r := Decide(input(pa, 3, podsCase{requests: repeat("1.0", 3), levels: levels(1000, 1000, 1000)}), testOptions())
		if r.DesiredReplicas != 6 {
			t.Errorf("desired %d", r.DesiredReplicas)
		}
		checkConditions(t, &r.Status, map[string]wantCond{autoscalingv1alpha1.ScalingLimited: {metav1.ConditionTrue, "ScaleUpLimit"}})
	})
	t.Run("too few replicas", func(t *testing.T) {
		pa := newPA(ptr.To[int32](2), 5, cpuUtilization(90))
		pa.Status.History = &autoscalingv1alpha1.ScalingHistory{Recommendations: []autoscalingv1alpha1.TimestampedRecommendation{rec(3, t0.Add(-time.Hour))}}
		r := Decide(input(pa, 3, podsCase{requests: repeat("1.0", 3), levels: levels(10, 95, 10)}), testOptions())
		if r.DesiredReplicas != 2 {
			t.Errorf("desired %d", r.DesiredReplicas)
		}
		checkConditions(t, &r.Status, map[string]wantCond{autoscalingv1alpha1.ScalingLimited: {metav1.ConditionTrue, "TooFewReplicas"}})
	})
}

func TestDecideMetricFailures(t *testing.T) {
	t.Run("pod without request fails the metric and names the pod", func(t *testing.T) {
		pa := newPA(nil, 6, cpuUtilization(30))
		pa.Status.DesiredReplicas = 7
		in := input(pa, 3, podsCase{requests: repeat("1.0", 3), levels: levels(300, 500, 700)})
		in.Pods[1].Spec.Containers[0].Resources = corev1.ResourceRequirements{}
		r := Decide(in, testOptions())
		if r.Rescale || r.DesiredReplicas != 3 || r.Err == nil || !strings.Contains(r.Err.Error(), "invalid metrics (1 invalid out of 1)") {
			t.Fatalf("got rescale=%v desired=%d err=%v", r.Rescale, r.DesiredReplicas, r.Err)
		}
		c := condition(&r.Status, autoscalingv1alpha1.ScalingActive)
		if c.Status != metav1.ConditionFalse || c.Reason != "FailedGetResourceMetric" ||
			c.Message != "the HPA was unable to compute the replica count: failed to get cpu utilization: missing request for cpu in container container1 of Pod test-pod-1" {
			t.Errorf("condition: %+v", c)
		}
		if !hasEvent(r, EventTypeWarning, "FailedGetResourceMetric", "test-pod-1") || !hasEvent(r, EventTypeWarning, "FailedComputeMetricsReplicas", "invalid metrics") {
			t.Errorf("events: %+v", r.Events)
		}
		if r.Status.DesiredReplicas != 7 || r.Status.CurrentReplicas != 3 {
			t.Errorf("status replicas: %+v", r.Status)
		}
		if len(r.Status.CurrentMetrics) != 1 || r.Status.CurrentMetrics[0].Type != autoscalingv1alpha1.ResourceMetricSourceType || r.Status.CurrentMetrics[0].Resource.Current.AverageUtilization != nil {
			t.Errorf("current metrics: %+v", r.Status.CurrentMetrics)
		}
		if r.Status.Targets != "cpu: <unknown>/30%" || r.Explanation.Path != PathMetricsFailed {
			t.Errorf("targets %q path %s", r.Status.Targets, r.Explanation.Path)
		}
	})
	t.Run("metrics API error", func(t *testing.T) {
		pa := newPA(nil, 6, cpuUtilization(30))
		in := input(pa, 3, podsCase{requests: repeat("1.0", 3), levels: levels(300, 500, 700)})
		in.MetricsError = errors.New("boom")
		r := Decide(in, testOptions())
		c := condition(&r.Status, autoscalingv1alpha1.ScalingActive)
		if r.Rescale || !strings.Contains(c.Message, "unable to get metrics for resource cpu: unable to fetch metrics from resource metrics API: boom") {
			t.Errorf("condition: %+v", c)
		}
	})
	t.Run("one invalid metric does not block scaling up", func(t *testing.T) {
		pa := newPA(nil, 6, cpuUtilization(30), resourceUtilization(corev1.ResourceMemory, 50))
		r := Decide(input(pa, 3, podsCase{requests: repeat("1.0", 3), levels: levels(300, 500, 700)}), testOptions())
		if !r.Rescale || r.DesiredReplicas != 5 || r.Err == nil || !strings.Contains(r.Err.Error(), "invalid metrics (1 invalid out of 2), first error is: failed to get memory resource metric value") {
			t.Fatalf("got rescale=%v desired=%d err=%v", r.Rescale, r.DesiredReplicas, r.Err)
		}
		checkConditions(t, &r.Status, map[string]wantCond{autoscalingv1alpha1.ScalingActive: {metav1.ConditionTrue, "ValidMetricFound"}})
		if len(r.Status.CurrentMetrics) != 2 || r.Status.CurrentMetrics[1].Resource.Name != corev1.ResourceMemory {
			t.Errorf("current metrics: %+v", r.Status.CurrentMetrics)
		}
	})
	t.Run("one invalid metric blocks scaling down", func(t *testing.T) {
		pa := newPA(nil, 6, cpuUtilization(50), resourceUtilization(corev1.ResourceMemory, 50))
		r := Decide(input(pa, 5, podsCase{requests: repeat("1.0", 5), levels: levels(100, 300, 500, 250, 250)}), testOptions())
		if r.Rescale || r.Err == nil {
			t.Fatalf("got rescale=%v err=%v", r.Rescale, r.Err)
		}
		checkConditions(t, &r.Status, map[string]wantCond{autoscalingv1alpha1.ScalingActive: {metav1.ConditionFalse, "FailedGetResourceMetric"}})
	})
	t.Run("container not found", func(t *testing.T) {
		pa := newPA(nil, 6, containerUtilization(corev1.ResourceCPU, "nope", 30))
		r := Decide(input(pa, 3, podsCase{requests: repeat("1.0", 3), levels: levels(300, 500, 700)}), testOptions())
		c := condition(&r.Status, autoscalingv1alpha1.ScalingActive)
		if r.Rescale || c.Reason != "FailedGetContainerResourceMetric" || !strings.Contains(r.Err.Error(), "failed to get nope container metric value") {
			t.Errorf("condition %+v err %v", c, r.Err)
		}
	})
	t.Run("invalid targets do not panic", func(t *testing.T) {
		bad := []autoscalingv1alpha1.MetricSpec{
			{Type: autoscalingv1alpha1.ResourceMetricSourceType},
			{Type: "Pods"},
			{Type: autoscalingv1alpha1.ResourceMetricSourceType, Resource: &autoscalingv1alpha1.ResourceMetricSource{Name: corev1.ResourceCPU}},
			cpuUtilization(0),
			resourceAverageValue(corev1.ResourceCPU, "0"),
		}
		for _, m := range bad {
			r := Decide(input(newPA(nil, 6, m), 3, podsCase{requests: repeat("1.0", 3), levels: levels(300, 500, 700)}), testOptions())
			if r.Rescale || r.Err == nil {
				t.Errorf("%+v: rescale=%v err=%v", m, r.Rescale, r.Err)
			}
		}
	})
}

func TestDecideSelector(t *testing.T) {
	pa := newPA(nil, 6, cpuUtilization(30))
	pc := podsCase{requests: repeat("1.0", 3), levels: levels(300, 500, 700)}
	for _, tc := range []struct {
		selector, reason, event string
		ambiguous               []string
	}{
		{selector: "", reason: "InvalidSelector", event: "SelectorRequired"},
		{selector: "a in (", reason: "InvalidSelector", event: "InvalidSelector"},
		{selector: testSelector, reason: "AmbiguousSelector", event: "AmbiguousSelector", ambiguous: []string{"test-namespace/other"}},
	} {
		in := input(pa, 3, pc)
		in.Scale.Selector = tc.selector
		in.AmbiguousWith = tc.ambiguous
		r := Decide(in, testOptions())
		checkConditions(t, &r.Status, map[string]wantCond{autoscalingv1alpha1.ScalingActive: {metav1.ConditionFalse, tc.reason}})
		if r.Rescale || r.Err == nil || !hasEvent(r, EventTypeWarning, tc.event, "") {
			t.Errorf("selector %q: rescale=%v err=%v events=%+v", tc.selector, r.Rescale, r.Err, r.Events)
		}
	}
}

func TestDecideMaxOverMetricsAndReasons(t *testing.T) {
	memUsage := func(mi int64) []int64 { return []int64{mi * 1024 * 1024 * 1000} } // milli-bytes
	t.Run("memory utilization wins", func(t *testing.T) {
		pa := newPA(nil, 10, cpuUtilization(30), resourceUtilization(corev1.ResourceMemory, 50))
		in := input(pa, 3, podsCase{requests: repeat("1.0", 3), levels: levels(300, 500, 700)})
		for i := range in.Pods {
			in.Pods[i].Spec.Containers[0].Resources.Requests[corev1.ResourceMemory] = resource.MustParse("100Mi")
			in.Pods[i].Spec.Containers[1].Resources.Requests[corev1.ResourceMemory] = resource.MustParse("100Mi")
			in.PodMetrics[i].Containers[0].Usage[corev1.ResourceMemory] = resource.MustParse("100Mi")
			in.PodMetrics[i].Containers[1].Usage[corev1.ResourceMemory] = resource.MustParse("100Mi")
		}
		r := Decide(in, testOptions())
		// cpu proposes 5, memory (100%/50%) proposes 6
		if r.DesiredReplicas != 6 || r.Reason != "memory resource utilization (percentage of request) above target" {
			t.Errorf("desired %d reason %q", r.DesiredReplicas, r.Reason)
		}
		if r.Status.Targets != "cpu: 50%/30%, memory: 100%/50%" {
			t.Errorf("targets %q", r.Status.Targets)
		}
	})
	t.Run("memory average value", func(t *testing.T) {
		pa := newPA(nil, 10, resourceAverageValue(corev1.ResourceMemory, "100Mi"))
		in := input(pa, 2, podsCase{res: corev1.ResourceMemory, count: 2, levels: [][]int64{memUsage(150), memUsage(250)}})
		r := Decide(in, testOptions())
		if r.DesiredReplicas != 4 || r.Reason != "memory resource above target" {
			t.Errorf("desired %d reason %q", r.DesiredReplicas, r.Reason)
		}
		if got := r.Status.CurrentMetrics[0].Resource.Current.AverageValue.String(); got != "200Mi" {
			t.Errorf("average value %s", got)
		}
		if r.Status.Targets != "memory: 200Mi/100Mi" {
			t.Errorf("targets %q", r.Status.Targets)
		}
	})
	t.Run("container resource", func(t *testing.T) {
		pa := newPA(nil, 10, containerUtilization(corev1.ResourceCPU, "container2", 30))
		in := input(pa, 3, podsCase{requests: repeat("1.0", 3), levels: [][]int64{{1000, 300}, {1000, 500}, {1000, 700}}})
		r := Decide(in, testOptions())
		if r.DesiredReplicas != 5 || r.Reason != "cpu container resource utilization (percentage of request) above target" {
			t.Errorf("desired %d reason %q", r.DesiredReplicas, r.Reason)
		}
		cr := r.Status.CurrentMetrics[0].ContainerResource
		if cr == nil || cr.Container != "container2" || *cr.Current.AverageUtilization != 50 || cr.Current.AverageValue.String() != "500m" {
			t.Errorf("container metric status %+v", r.Status.CurrentMetrics)
		}
	})
	t.Run("default metric is cpu 80%", func(t *testing.T) {
		pa := newPA(nil, 10)
		r := Decide(input(pa, 3, podsCase{requests: repeat("1.0", 3), levels: levels(1000, 1000, 1000)}), testOptions())
		if r.DesiredReplicas != 4 || r.Status.Targets != "cpu: 100%/80%" || len(r.Status.CurrentMetrics) != 1 {
			t.Errorf("desired %d targets %q", r.DesiredReplicas, r.Status.Targets)
		}
	})
}

func TestDecideBehaviorTolerance(t *testing.T) {
	pc := podsCase{requests: []string{"0.9", "1.0", "1.1"}, levels: levels(1100, 1080, 1090)} // 109%
	pa := newPA(nil, 10, cpuUtilization(100))
	if r := Decide(input(pa, 3, pc), testOptions()); r.Rescale {
		t.Errorf("rescaled within the default 10%% tolerance to %d", r.DesiredReplicas)
	}
	q := resource.MustParse("0.05")
	pa.Spec.Behavior = &autoscalingv1alpha1.PodAutoscalerBehavior{ScaleUp: &autoscalingv1alpha1.HPAScalingRules{Tolerance: &q}}
	r := Decide(input(pa, 3, pc), testOptions())
	if !r.Rescale || r.DesiredReplicas != 4 || r.Explanation.Tolerances.ScaleUp != 0.05 || r.Explanation.Tolerances.ScaleDown != 0.1 {
		t.Errorf("rescale=%v desired=%d tolerances=%+v", r.Rescale, r.DesiredReplicas, r.Explanation.Tolerances)
	}
}

func TestDecideSelection(t *testing.T) {
	pa := newPA(nil, 10, cpuUtilization(30))
	in := input(pa, 3, podsCase{requests: repeat("1.0", 3), levels: levels(300, 500, 700)})
	// a hot pod of another workload, and one in another namespace
	other := *in.Pods[0].DeepCopy()
	other.Name, other.Labels = "other", map[string]string{"name": "other"}
	elsewhere := *in.Pods[0].DeepCopy()
	elsewhere.Name, elsewhere.Namespace = "elsewhere", "other-namespace"
	in.Pods = append(in.Pods, other, elsewhere)
	m := *in.PodMetrics[0].DeepCopy()
	m.Name, m.Labels = "other", map[string]string{"name": "other"}
	m.Containers[0].Usage[corev1.ResourceCPU] = resource.MustParse("50")
	in.PodMetrics = append(in.PodMetrics, m)
	// metrics without labels are matched by pod name
	for i := 0; i < 3; i++ {
		in.PodMetrics[i].Labels = nil
	}
	r := Decide(in, testOptions())
	if r.DesiredReplicas != 5 || r.Explanation.SelectedPods != 3 || len(r.Explanation.Metrics[0].ExtraMetrics) != 0 {
		t.Errorf("desired %d, selected %d, extra %v", r.DesiredReplicas, r.Explanation.SelectedPods, r.Explanation.Metrics[0].ExtraMetrics)
	}
}

func TestDecideRescaleFailure(t *testing.T) {
	pa := newPA(nil, 10, cpuUtilization(30))
	pa.Spec.Behavior = &autoscalingv1alpha1.PodAutoscalerBehavior{}
	pa.Status.DesiredReplicas = 3
	last := metav1.NewTime(t0.Add(-time.Hour))
	pa.Status.LastScaleTime = &last
	r := Decide(input(pa, 3, podsCase{requests: repeat("1.0", 3), levels: levels(300, 500, 700)}), testOptions())
	if !r.Rescale || len(r.Status.History.ScaleEvents) != 1 {
		t.Fatalf("rescale=%v history=%+v", r.Rescale, r.Status.History)
	}
	st, ev := r.StatusOnRescaleFailure(errors.New("conflict"))
	c := condition(&st, autoscalingv1alpha1.AbleToScale)
	if c.Status != metav1.ConditionFalse || c.Reason != "FailedUpdateScale" || c.Message != "the HPA controller was unable to update the target scale: conflict" {
		t.Errorf("condition %+v", c)
	}
	if st.DesiredReplicas != 3 || !st.LastScaleTime.Equal(&last) || st.History == nil || len(st.History.ScaleEvents) != 0 || len(st.History.Recommendations) == 0 {
		t.Errorf("status %+v", st)
	}
	if ev.Reason != "FailedRescale" || ev.Message != "New size: 5; reason: cpu resource utilization (percentage of request) above target; error: conflict" {
		t.Errorf("event %+v", ev)
	}
	checkConditions(t, &st, map[string]wantCond{autoscalingv1alpha1.ScalingActive: {metav1.ConditionTrue, "ValidMetricFound"}})

	fst, fev := FailedGetScaleStatus(pa, errors.New("not found"), t0)
	if c := condition(&fst, autoscalingv1alpha1.AbleToScale); c.Reason != "FailedGetScale" || c.Status != metav1.ConditionFalse || fev.Reason != "FailedGetScale" {
		t.Errorf("failed get scale: %+v %+v", c, fev)
	}
}

func TestDecideIsPure(t *testing.T) {
	pa := newPA(ptr.To[int32](2), 6, cpuUtilization(30), resourceUtilization(corev1.ResourceMemory, 50))
	pa.Spec.Behavior = &autoscalingv1alpha1.PodAutoscalerBehavior{ScaleDown: &autoscalingv1alpha1.HPAScalingRules{SelectPolicy: ptr.To(autoscalingv1alpha1.MinChangePolicySelect)}}
	pa.Status.History = &autoscalingv1alpha1.ScalingHistory{
		Recommendations: []autoscalingv1alpha1.TimestampedRecommendation{rec(4, t0.Add(-time.Minute))},
		ScaleEvents:     []autoscalingv1alpha1.ScaleEvent{scaleEvent(1, t0.Add(-10*time.Second))},
	}
	in := input(pa, 3, podsCase{requests: repeat("1.0", 3), levels: levels(300, 500, 700)})
	before := in.Autoscaler.DeepCopy()
	podsBefore := append([]corev1.Pod{}, in.Pods...)
	r1 := Decide(in, testOptions())
	r2 := Decide(in, testOptions())
	if !reflect.DeepEqual(r1.Status, r2.Status) || !reflect.DeepEqual(r1.Explanation, r2.Explanation) || r1.DesiredReplicas != r2.DesiredReplicas {
		t.Errorf("decisions differ")
	}
	if !reflect.DeepEqual(before, in.Autoscaler) || !reflect.DeepEqual(podsBefore, in.Pods) {
		t.Errorf("input mutated")
	}
	if in.Autoscaler.Spec.Behavior.ScaleDown.StabilizationWindowSeconds != nil || len(in.Autoscaler.Spec.Metrics) != 2 {
		t.Errorf("spec defaulted in place")
	}
}

func TestDecideConditionTransitions(t *testing.T) {
	pa := newPA(nil, 6, cpuUtilization(30))
	old := metav1.NewTime(t0.Add(-time.Hour))
	pa.Status.Conditions = []metav1.Condition{
		{Type: autoscalingv1alpha1.ScalingActive, Status: metav1.ConditionTrue, Reason: "ValidMetricFound", LastTransitionTime: old},
		{Type: autoscalingv1alpha1.AbleToScale, Status: metav1.ConditionFalse, Reason: "FailedGetScale", LastTransitionTime: old},
	}
	r := Decide(input(pa, 3, podsCase{requests: repeat("1.0", 3), levels: levels(300, 500, 700)}), testOptions())
	sa := condition(&r.Status, autoscalingv1alpha1.ScalingActive)
	ab := condition(&r.Status, autoscalingv1alpha1.AbleToScale)
	sl := condition(&r.Status, autoscalingv1alpha1.ScalingLimited)
	if !sa.LastTransitionTime.Equal(&old) || !ab.LastTransitionTime.Time.Equal(t0) || !sl.LastTransitionTime.Time.Equal(t0) {
		t.Errorf("transition times: %v %v %v", sa.LastTransitionTime, ab.LastTransitionTime, sl.LastTransitionTime)
	}
	if r.Status.Conditions[0].Type != autoscalingv1alpha1.ScalingActive || sa.ObservedGeneration != 3 {
		t.Errorf("conditions reordered or generation missing: %+v", r.Status.Conditions)
	}
}

func TestOptions(t *testing.T) {
	o := DefaultOptions()
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	o.Tolerance = -1
	if err := o.Validate(); err == nil {
		t.Error("negative tolerance accepted")
	}
}

func TestDecideHistoryPrecisionAndNoWindow(t *testing.T) {
	pa := newPA(nil, 6, cpuUtilization(50))
	in := input(pa, 5, podsCase{requests: repeat("1.0", 5), levels: levels(100, 300, 500, 250, 250)})
	in.Now = t0.Add(700 * time.Millisecond)
	opts := testOptions()
	opts.DownscaleStabilization = 0
	r := Decide(in, opts)
	// without a window, a new autoscaler scales down at once (upstream: its
	// initial recommendation is already older than the cutoff)
	if !r.Rescale || r.DesiredReplicas != 3 {
		t.Fatalf("rescale=%v desired=%d", r.Rescale, r.DesiredReplicas)
	}
	for _, rc := range r.Status.History.Recommendations {
		if !rc.Timestamp.Time.Equal(t0) {
			t.Errorf("history timestamp %v not truncated to the second", rc.Timestamp)
		}
	}
}
