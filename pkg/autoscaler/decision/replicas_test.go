package decision

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"
)

// replicaCalcCase mirrors the upstream replicaCalcTestCase for resource
// metrics; the numbers below are those of the upstream
// replica_calculator_test.go scenarios (Kubernetes v1.36).
type replicaCalcCase struct {
	name            string
	currentReplicas int32
	pods            podsCase
	container       string
	tolerances      *Tolerances
	// utilization target; nil means an average value target of targetUsage
	targetUtilization *int32
	targetUsage       int64

	expectedReplicas    int32
	expectedUtilization int32
	expectedValue       int64
	expectedError       string
}

func (tc replicaCalcCase) run(t *testing.T) {
	t.Helper()
	pods, metrics := tc.pods.build()
	var ptrs []*corev1.Pod
	for i := range pods {
		ptrs = append(ptrs, &pods[i])
	}
	calc := &metricCalc{
		pods:                    ptrs,
		podMetrics:              metrics,
		cpuInitializationPeriod: testingCPUInitializationPeriod,
		initialReadinessDelay:   testingDelayOfInitialReadinessStatus,
		now:                     t0,
	}
	tol := Tolerances{ScaleUp: testingTolerance, ScaleDown: testingTolerance}
	if tc.tolerances != nil {
		tol = *tc.tolerances
	}
	res := tc.pods.res
	if res == "" {
		res = corev1.ResourceCPU
	}
	var ex MetricExplanation
	out, err := calc.getResourceReplicas(tc.currentReplicas, tc.targetUtilization, tc.targetUsage, res, tol, tc.container, &ex)
	if tc.expectedError != "" {
		if err == nil || !strings.Contains(err.Error(), tc.expectedError) {
			t.Fatalf("expected error containing %q, got %v", tc.expectedError, err)
		}
		return
	}
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
	if out.replicas != tc.expectedReplicas {
		t.Errorf("replicas: got %d, want %d (%s)", out.replicas, tc.expectedReplicas, ex.Computation)
	}
	if tc.targetUtilization != nil && out.utilization != tc.expectedUtilization {
		t.Errorf("utilization: got %d, want %d", out.utilization, tc.expectedUtilization)
	}
	if out.rawValue != tc.expectedValue {
		t.Errorf("raw value: got %d, want %d", out.rawValue, tc.expectedValue)
	}
	if ex.Computation == "" {
		t.Errorf("no computation explained")
	}
}

func TestReplicaCalcUpstreamScenarios(t *testing.T) {
	one := repeat("1.0", 1)
	three := repeat("1.0", 3)
	five := repeat("1.0", 5)
	seven := repeat("1.0", 7)
	u := func(v int32) *int32 { return &v }
	const c = 2 // containers per pod

	cases := []replicaCalcCase{
		{name: "DisjointResourcesMetrics", currentReplicas: 1, targetUtilization: u(100),
			pods:          podsCase{requests: one, levels: levels(100), metricNames: []string{"an-older-pod-name"}},
			expectedError: "no metrics returned matched known pods"},
		{name: "ScaleUp", currentReplicas: 3, targetUtilization: u(30),
			pods:             podsCase{requests: three, levels: levels(300, 500, 700)},
			expectedReplicas: 5, expectedUtilization: 50, expectedValue: c * 500},
		{name: "ContainerScaleUp", currentReplicas: 3, targetUtilization: u(30), container: "container2",
			pods:             podsCase{requests: three, levels: [][]int64{{1000, 300}, {1000, 500}, {1000, 700}}},
			expectedReplicas: 5, expectedUtilization: 50, expectedValue: 500},
		{name: "ScaleUpUnreadyLessScale", currentReplicas: 3, targetUtilization: u(30),
			pods:             podsCase{requests: three, readiness: conds(F, T, T), levels: levels(300, 500, 700)},
			expectedReplicas: 4, expectedUtilization: 60, expectedValue: c * 600},
		{name: "ScaleUpContainerHotCpuLessScale", currentReplicas: 3, targetUtilization: u(30), container: "container2",
			pods:             podsCase{requests: three, startTime: []time.Time{hot, cool, cool}, levels: [][]int64{{0, 300}, {0, 500}, {0, 700}}},
			expectedReplicas: 4, expectedUtilization: 60, expectedValue: 600},
		{name: "ScaleUpHotCpuLessScale", currentReplicas: 3, targetUtilization: u(30),
			pods:             podsCase{requests: three, startTime: []time.Time{hot, cool, cool}, levels: levels(300, 500, 700)},
			expectedReplicas: 4, expectedUtilization: 60, expectedValue: c * 600},
		{name: "ScaleUpUnreadyNoScale", currentReplicas: 3, targetUtilization: u(30),
			pods:             podsCase{requests: three, readiness: conds(T, F, F), levels: levels(400, 500, 700)},
			expectedReplicas: 3, expectedUtilization: 40, expectedValue: c * 400},
		{name: "ScaleHotCpuNoScale", currentReplicas: 3, targetUtilization: u(30),
			pods:             podsCase{requests: three, readiness: conds(T, F, F), startTime: []time.Time{cool, hot, hot}, levels: levels(400, 500, 700)},
			expectedReplicas: 3, expectedUtilization: 40, expectedValue: c * 400},
		{name: "ScaleUpIgnoresFailedPods", currentReplicas: 2, targetUtilization: u(30),
			pods: podsCase{requests: repeat("1.0", 4), readiness: conds(T, T, F, F),
				phase: []corev1.PodPhase{corev1.PodRunning, corev1.PodRunning, corev1.PodFailed, corev1.PodFailed}, levels: levels(500, 700)},
			expectedReplicas: 4, expectedUtilization: 60, expectedValue: c * 600},
		{name: "MissingContainerMetricScaleUpIgnoresFailedPods", currentReplicas: 2, targetUtilization: u(30), container: "container2",
			pods: podsCase{requests: repeat("1.0", 4), readiness: conds(T, T, F, F),
				phase:  []corev1.PodPhase{corev1.PodRunning, corev1.PodRunning, corev1.PodFailed, corev1.PodFailed},
				levels: [][]int64{{1000, 500}, {9000, 700}, {1000}, {9000}}},
			expectedReplicas: 4, expectedUtilization: 60, expectedValue: 600},
		{name: "ScaleUpContainerIgnoresFailedPods", currentReplicas: 2, targetUtilization: u(30), container: "container2",
			pods: podsCase{requests: repeat("1.0", 4), readiness: conds(T, T, F, F),
				phase:  []corev1.PodPhase{corev1.PodRunning, corev1.PodRunning, corev1.PodFailed, corev1.PodFailed},
				levels: [][]int64{{1000, 500}, {9000, 700}}},
			expectedReplicas: 4, expectedUtilization: 60, expectedValue: 600},
		{name: "ScaleUpIgnoresDeletionPods", currentReplicas: 2, targetUtilization: u(30),
			pods: podsCase{requests: repeat("1.0", 4), readiness: conds(T, T, F, F), deleted: []bool{false, false, true, true},
				levels: levels(500, 700)},
			expectedReplicas: 4, expectedUtilization: 60, expectedValue: c * 600},
		{name: "ScaleUpContainerIgnoresDeletionPods", currentReplicas: 2, targetUtilization: u(30), container: "container1",
			pods: podsCase{requests: repeat("1.0", 4), readiness: conds(T, T, F, F), deleted: []bool{false, false, true, true},
				levels: levels(500, 700)},
			expectedReplicas: 4, expectedUtilization: 60, expectedValue: 600},
		{name: "ScaleDown", currentReplicas: 5, targetUtilization: u(50),
			pods:             podsCase{requests: five, levels: levels(100, 300, 500, 250, 250)},
			expectedReplicas: 3, expectedUtilization: 28, expectedValue: c * 280},
		{name: "ContainerScaleDown", currentReplicas: 5, targetUtilization: u(50), container: "container2",
			pods:             podsCase{requests: five, levels: [][]int64{{1000, 100}, {1000, 300}, {1000, 500}, {1000, 250}, {1000, 250}}},
			expectedReplicas: 3, expectedUtilization: 28, expectedValue: 280},
		{name: "ScaleDownExcludeUnreadyPods", currentReplicas: 5, targetUtilization: u(50),
			pods:             podsCase{requests: five, readiness: conds(T, T, T, F, F), levels: levels(100, 300, 500, 250, 250)},
			expectedReplicas: 2, expectedUtilization: 30, expectedValue: c * 300},
		{name: "ScaleDownContainerExcludeUnreadyPods", currentReplicas: 5, targetUtilization: u(50), container: "container2",
			pods: podsCase{requests: five, readiness: conds(T, T, T, F, F),
				levels: [][]int64{{1000, 100}, {1000, 300}, {1000, 500}, {1000, 250}, {1000, 250}}},
			expectedReplicas: 2, expectedUtilization: 30, expectedValue: 300},
		{name: "ScaleDownExcludeUnscheduledPods", currentReplicas: 5, targetUtilization: u(50),
			pods: podsCase{requests: five, readiness: conds(T, F, F, F, F),
				phase:  []corev1.PodPhase{corev1.PodRunning, corev1.PodPending, corev1.PodPending, corev1.PodPending, corev1.PodPending},
				levels: levels(100)},
			expectedReplicas: 1, expectedUtilization: 10, expectedValue: c * 100},
		{name: "ScaleDownContainerExcludeUnscheduledPods", currentReplicas: 5, targetUtilization: u(50), container: "container2",
			pods: podsCase{requests: five, readiness: conds(T, F, F, F, F),
				phase:  []corev1.PodPhase{corev1.PodRunning, corev1.PodPending, corev1.PodPending, corev1.PodPending, corev1.PodPending},
				levels: [][]int64{{1000, 100}, {1000, 300}, {1000, 500}, {1000, 250}, {1000, 250}}},
			expectedReplicas: 1, expectedUtilization: 10, expectedValue: 100},
		{name: "ScaleDownIgnoreHotCpuPods", currentReplicas: 5, targetUtilization: u(50),
			pods:             podsCase{requests: five, startTime: []time.Time{cool, cool, cool, hot, hot}, levels: levels(100, 300, 500, 250, 250)},
			expectedReplicas: 2, expectedUtilization: 30, expectedValue: c * 300},
		{name: "ScaleDownContainerIgnoreHotCpuPods", currentReplicas: 5, targetUtilization: u(50), container: "container2",
			pods: podsCase{requests: five, startTime: []time.Time{cool, cool, cool, hot, hot},
				levels: [][]int64{{1000, 100}, {1000, 300}, {1000, 500}, {1000, 1000}, {1000, 1000}}},
			expectedReplicas: 2, expectedUtilization: 30, expectedValue: 300},
		{name: "ScaleDownIgnoresFailedPods", currentReplicas: 5, targetUtilization: u(50),
			pods: podsCase{requests: seven, readiness: conds(T, T, T, T, T, F, F),
				phase:  []corev1.PodPhase{corev1.PodRunning, corev1.PodRunning, corev1.PodRunning, corev1.PodRunning, corev1.PodRunning, corev1.PodFailed, corev1.PodFailed},
				levels: levels(100, 300, 500, 250, 250)},
			expectedReplicas: 3, expectedUtilization: 28, expectedValue: c * 280},
		{name: "ScaleDownIgnoresDeletionPods", currentReplicas: 5, targetUtilization: u(50),
			pods: podsCase{requests: seven, readiness: conds(T, T, T, T, T, F, F), deleted: []bool{false, false, false, false, false, true, true},
				levels: levels(100, 300, 500, 250, 250)},
			expectedReplicas: 3, expectedUtilization: 28, expectedValue: c * 280},
		{name: "ScaleDownIgnoresDeletionPods_StillRunning", currentReplicas: 5, targetUtilization: u(50), container: "container2",
			pods: podsCase{requests: seven, readiness: conds(T, T, T, T, T, F, F), deleted: []bool{false, false, false, false, false, true, true},
				levels: [][]int64{{1000, 100}, {1000, 300}, {1000, 500}, {1000, 250}, {1000, 250}}},
			expectedReplicas: 3, expectedUtilization: 28, expectedValue: 280},
		{name: "Tolerance", currentReplicas: 3, targetUtilization: u(100),
			pods:             podsCase{requests: []string{"0.9", "1.0", "1.1"}, levels: levels(1010, 1030, 1020)},
			expectedReplicas: 3, expectedUtilization: 102, expectedValue: c * 1020},
		{name: "ConfigurableTolerance/outside a 0% tolerance", currentReplicas: 3, targetUtilization: u(100), tolerances: &Tolerances{0, 0},
			pods:             podsCase{requests: []string{"0.9", "1.0", "1.1"}, levels: levels(909, 1010, 1111)},
			expectedReplicas: 4, expectedUtilization: 101, expectedValue: c * 1010},
		{name: "ConfigurableTolerance/within a 200% scale-up tolerance", currentReplicas: 3, targetUtilization: u(100), tolerances: &Tolerances{ScaleUp: 2, ScaleDown: testingTolerance},
			pods:             podsCase{requests: []string{"0.9", "1.0", "1.1"}, levels: levels(1890, 1910, 1900)},
			expectedReplicas: 3, expectedUtilization: 190, expectedValue: c * 1900},
		{name: "ConfigurableTolerance/outside 8% scale-up tolerance", currentReplicas: 3, targetUtilization: u(100), tolerances: &Tolerances{ScaleUp: .08, ScaleDown: 2},
			pods:             podsCase{requests: []string{"0.9", "1.0", "1.1"}, levels: levels(1100, 1080, 1090)},
			expectedReplicas: 4, expectedUtilization: 109, expectedValue: c * 1090},
		{name: "ConfigurableTolerance/within a 36% scale-down tolerance", currentReplicas: 3, targetUtilization: u(100), tolerances: &Tolerances{ScaleUp: testingTolerance, ScaleDown: .36},
			pods:             podsCase{requests: []string{"0.9", "1.0", "1.1"}, levels: levels(660, 640, 650)},
			expectedReplicas: 3, expectedUtilization: 65, expectedValue: c * 650},
		{name: "ConfigurableTolerance/outside a 34% scale-down tolerance", currentReplicas: 3, targetUtilization: u(100), tolerances: &Tolerances{ScaleUp: testingTolerance, ScaleDown: .34},
			pods:             podsCase{requests: []string{"0.9", "1.0", "1.1"}, levels: levels(660, 640, 650)},
			expectedReplicas: 2, expectedUtilization: 65, expectedValue: c * 650},
		{name: "SuperfluousMetrics", currentReplicas: 4, targetUtilization: u(100),
			pods:             podsCase{requests: repeat("1.0", 4), levels: levels(4000, 9500, 3000, 7000, 3200, 2000)},
			expectedReplicas: 24, expectedUtilization: 587, expectedValue: c * 5875},
		{name: "MissingMetrics", currentReplicas: 4, targetUtilization: u(100),
			pods:             podsCase{requests: repeat("1.0", 4), levels: levels(400, 95)},
			expectedReplicas: 3, expectedUtilization: 24, expectedValue: 495},
		{name: "EmptyMetrics", currentReplicas: 4, targetUtilization: u(100),
			pods:          podsCase{requests: three, levels: levels()},
			expectedError: "unable to get metrics for resource cpu: no metrics returned from resource metrics API"},
		{name: "EmptyCPURequest", currentReplicas: 1, targetUtilization: u(100),
			pods:          podsCase{count: 1, levels: levels(200)},
			expectedError: "missing request for cpu in container container1 of Pod test-pod-0"},
		{name: "MissingMetricsNoChangeEq", currentReplicas: 2, targetUtilization: u(100),
			pods:             podsCase{requests: repeat("1.0", 2), levels: levels(1000)},
			expectedReplicas: 2, expectedUtilization: 100, expectedValue: c * 1000},
		{name: "MissingMetricsNoChangeGt", currentReplicas: 2, targetUtilization: u(100),
			pods:             podsCase{requests: repeat("1.0", 2), levels: levels(1900)},
			expectedReplicas: 2, expectedUtilization: 190, expectedValue: c * 1900},
		{name: "MissingMetricsNoChangeLt", currentReplicas: 2, targetUtilization: u(100),
			pods:             podsCase{requests: repeat("1.0", 2), levels: levels(600)},
			expectedReplicas: 2, expectedUtilization: 60, expectedValue: c * 600},
		{name: "MissingMetricsUnreadyChange", currentReplicas: 3, targetUtilization: u(50),
			pods:             podsCase{requests: three, readiness: conds(F, T, T), levels: levels(100, 450)},
			expectedReplicas: 3, expectedUtilization: 45, expectedValue: c * 450},
		{name: "MissingMetricsHotCpuNoChange", currentReplicas: 3, targetUtilization: u(50),
			pods:             podsCase{requests: three, startTime: []time.Time{hot, cool, cool}, levels: levels(100, 450)},
			expectedReplicas: 3, expectedUtilization: 45, expectedValue: c * 450},
		{name: "MissingMetricsUnreadyScaleUp", currentReplicas: 3, targetUtilization: u(50),
			pods:             podsCase{requests: three, readiness: conds(F, T, T), levels: levels(100, 2000)},
			expectedReplicas: 4, expectedUtilization: 200, expectedValue: c * 2000},
		{name: "MissingMetricsHotCpuScaleUp", currentReplicas: 3, targetUtilization: u(50),
			pods:             podsCase{requests: three, readiness: conds(F, T, T), startTime: []time.Time{hot, cool, cool}, levels: levels(100, 2000)},
			expectedReplicas: 4, expectedUtilization: 200, expectedValue: c * 2000},
		{name: "MissingMetricsUnreadyScaleDown", currentReplicas: 4, targetUtilization: u(50),
			pods:             podsCase{requests: repeat("1.0", 4), readiness: conds(F, T, T, T), levels: levels(100, 100, 100)},
			expectedReplicas: 3, expectedUtilization: 10, expectedValue: c * 100},
		{name: "MissingMetricsScaleDownTargetOver100", currentReplicas: 4, targetUtilization: u(300),
			pods:             podsCase{requests: []string{"1.0", "1.0", "2.0", "2.0"}, readiness: conds(F, T, T, T), levels: levels(200, 100, 100)},
			expectedReplicas: 2, expectedUtilization: 6, expectedValue: c * 100},
		{name: "DuringRollingUpdateWithMaxSurge", currentReplicas: 2, targetUtilization: u(50),
			pods:             podsCase{requests: three, levels: levels(100, 100)},
			expectedReplicas: 2, expectedUtilization: 10, expectedValue: c * 100},
	}
	for _, tc := range cases {
		t.Run(tc.name, tc.run)
	}
}

// TestReplicaCalcComputedToleranceAlgImplementation mirrors the upstream test
// of the same name.
func TestReplicaCalcComputedToleranceAlgImplementation(t *testing.T) {
	startPods := int32(10)
	totalUsedCPUOfAllPods := int64(startPods * 150)
	totalRequestedCPUOfAllPods := int32(2 * totalUsedCPUOfAllPods)
	requestedToUsed := float64(totalRequestedCPUOfAllPods / int32(totalUsedCPUOfAllPods))
	perPodRequested := totalRequestedCPUOfAllPods / startPods
	target := math.Abs(1/(requestedToUsed*(1-testingTolerance))) + .01
	finalCPUPercentTarget := int32(target * 100)
	resourcesUsedRatio := float64(totalUsedCPUOfAllPods) / float64(float64(totalRequestedCPUOfAllPods)*target)
	finalPods := int32(math.Ceil(resourcesUsedRatio * float64(startPods)))

	var lv []int64
	for i := 0; i < 10; i++ {
		lv = append(lv, totalUsedCPUOfAllPods/10)
	}
	reqs := []string{}
	for _, d := range []int32{100, -100, 10, -10, 2, -2, 1, -1, 0, 0} {
		reqs = append(reqs, fmt.Sprintf("%dm", perPodRequested+d))
	}
	tc := replicaCalcCase{
		currentReplicas:     startPods,
		expectedReplicas:    finalPods,
		targetUtilization:   &finalCPUPercentTarget,
		pods:                podsCase{requests: reqs, levels: levels(lv...)},
		expectedUtilization: int32(totalUsedCPUOfAllPods*100) / totalRequestedCPUOfAllPods,
		expectedValue:       2 * totalUsedCPUOfAllPods / 10,
	}
	tc.run(t)

	// no scaling very close to the tolerance margin
	target = math.Abs(1/(requestedToUsed*(1-testingTolerance))) + .004
	finalCPUPercentTarget = int32(target * 100)
	tc.targetUtilization = &finalCPUPercentTarget
	tc.expectedReplicas = startPods
	tc.run(t)
}

// Average value targets use the plain metric path (GetRawResourceReplicas):
// the numbers are those of the upstream custom metric scenarios.
func TestReplicaCalcAverageValue(t *testing.T) {
	cases := []replicaCalcCase{
		{name: "ScaleUpCM (memory)", currentReplicas: 3, targetUsage: 15000,
			pods:             podsCase{res: corev1.ResourceMemory, count: 3, levels: [][]int64{{20000}, {10000}, {30000}}},
			expectedReplicas: 4, expectedValue: 20000},
		{name: "ScaleUpCMUnreadyHotCpuNoLessScale (memory ignores readiness)", currentReplicas: 3, targetUsage: 15000,
			pods:             podsCase{res: corev1.ResourceMemory, count: 3, readiness: conds(F, T, F), levels: [][]int64{{50000}, {10000}, {30000}}},
			expectedReplicas: 6, expectedValue: 30000},
		{name: "cpu average value uses cpu readiness", currentReplicas: 3, targetUsage: 15000,
			pods:             podsCase{count: 3, readiness: conds(F, T, F), levels: [][]int64{{50000}, {10000}, {30000}}},
			expectedReplicas: 1, expectedValue: 10000}, // the never-ready pods are dropped: ceil(10000/15000 x 1)
		{name: "ScaleDownCM (memory)", currentReplicas: 5, targetUsage: 20000,
			pods:             podsCase{res: corev1.ResourceMemory, count: 5, levels: [][]int64{{12000}, {12000}, {12000}}},
			expectedReplicas: 4, expectedValue: 12000}, // missing pods count at the target: (3x12000+2x20000)/5 = 15200 -> ceil(0.76 x 5) = 4
		{name: "PlainMetricMissingMetricsNoChangeEq", currentReplicas: 5, targetUsage: 20000,
			pods:             podsCase{res: corev1.ResourceMemory, count: 5, levels: [][]int64{{20000}, {19000}, {21000}}},
			expectedReplicas: 5, expectedValue: 20000},
		{name: "no request needed for average value", currentReplicas: 2, targetUsage: 100_000,
			pods:             podsCase{count: 2, levels: [][]int64{{150_000}, {250_000}}},
			expectedReplicas: 4, expectedValue: 200_000},
	}
	for _, tc := range cases {
		t.Run(tc.name, tc.run)
	}
}

func TestGroupPods(t *testing.T) {
	now := t0
	mk := func(name string, phase corev1.PodPhase, start *time.Time, ready *corev1.ConditionStatus, transition time.Time) *corev1.Pod {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name}, Status: corev1.PodStatus{Phase: phase}}
		if start != nil {
			p.Status.StartTime = &metav1.Time{Time: *start}
		}
		if ready != nil {
			p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: *ready, LastTransitionTime: metav1.Time{Time: transition}}}
		}
		return p
	}
	at := func(d time.Duration) *time.Time { t := now.Add(d); return &t }
	st := func(s corev1.ConditionStatus) *corev1.ConditionStatus { return &s }
	deleted := mk("deleted", corev1.PodPending, nil, nil, time.Time{})
	deleted.DeletionTimestamp = &metav1.Time{Time: time.Unix(1, 0)}

	cases := []struct {
		name    string
		pods    []*corev1.Pod
		metrics podMetricsInfo
		res     corev1.ResourceName
		ready   int
		unready []string
		missing []string
		ignored []string
	}{
		{name: "void", res: corev1.ResourceCPU},
		{name: "count in a ready pod - memory", res: corev1.ResourceMemory,
			pods:    []*corev1.Pod{mk("bentham", corev1.PodSucceeded, nil, nil, time.Time{})},
			metrics: podMetricsInfo{"bentham": {Value: 1, Timestamp: now, Window: time.Minute}}, ready: 1},
		{name: "unready a pod without ready condition - CPU", res: corev1.ResourceCPU,
			pods:    []*corev1.Pod{mk("lucretius", corev1.PodSucceeded, at(-time.Minute), nil, time.Time{})},
			metrics: podMetricsInfo{"lucretius": {Value: 1}}, unready: []string{"lucretius"}},
		{name: "count in a ready pod with fresh metrics during initialization period - CPU", res: corev1.ResourceCPU,
			pods:    []*corev1.Pod{mk("bentham", corev1.PodSucceeded, at(-time.Minute), st(T), now.Add(-30*time.Second))},
			metrics: podMetricsInfo{"bentham": {Value: 1, Timestamp: now, Window: 30 * time.Second}}, ready: 1},
		{name: "unready a ready pod without fresh metrics during initialization period - CPU", res: corev1.ResourceCPU,
			pods:    []*corev1.Pod{mk("bentham", corev1.PodSucceeded, at(-time.Minute), st(T), now.Add(-30*time.Second))},
			metrics: podMetricsInfo{"bentham": {Value: 1, Timestamp: now, Window: 60 * time.Second}}, unready: []string{"bentham"}},
		{name: "unready an unready pod during initialization period - CPU", res: corev1.ResourceCPU,
			pods:    []*corev1.Pod{mk("lucretius", corev1.PodSucceeded, at(-10*time.Minute), st(F), now.Add(-9*time.Minute-54*time.Second))},
			metrics: podMetricsInfo{"lucretius": {Value: 1}}, unready: []string{"lucretius"}},
		{name: "count in a ready pod without fresh metrics after initialization period - CPU", res: corev1.ResourceCPU,
			pods:    []*corev1.Pod{mk("bentham", corev1.PodSucceeded, at(-3*time.Minute), st(T), now.Add(-3*time.Minute))},
			metrics: podMetricsInfo{"bentham": {Value: 1, Timestamp: now.Add(-2 * time.Minute), Window: time.Minute}}, ready: 1},
		{name: "count in an unready pod that was ready after initialization period - CPU", res: corev1.ResourceCPU,
			pods:    []*corev1.Pod{mk("lucretius", corev1.PodSucceeded, at(-10*time.Minute), st(F), now.Add(-9*time.Minute))},
			metrics: podMetricsInfo{"lucretius": {Value: 1}}, ready: 1},
		{name: "unready pod that has never been ready after initialization period - CPU", res: corev1.ResourceCPU,
			pods:    []*corev1.Pod{mk("lucretius", corev1.PodSucceeded, at(-10*time.Minute), st(F), now.Add(-9*time.Minute-50*time.Second))},
			metrics: podMetricsInfo{"lucretius": {Value: 1}}, ready: 1},
		{name: "a missing pod", res: corev1.ResourceCPU,
			pods: []*corev1.Pod{mk("epicurus", corev1.PodSucceeded, at(-3*time.Minute), nil, time.Time{})}, missing: []string{"epicurus"}},
		{name: "several pods", res: corev1.ResourceCPU,
			pods: []*corev1.Pod{
				mk("lucretius", corev1.PodSucceeded, &now, nil, time.Time{}),
				mk("niccolo", corev1.PodSucceeded, at(-3*time.Minute), st(T), now.Add(-3*time.Minute)),
				mk("epicurus", corev1.PodSucceeded, at(-3*time.Minute), nil, time.Time{}),
			},
			metrics: podMetricsInfo{"lucretius": {Value: 1}, "niccolo": {Value: 1}},
			ready:   1, unready: []string{"lucretius"}, missing: []string{"epicurus"}},
		{name: "pending pods are unreadied", res: corev1.ResourceCPU,
			pods: []*corev1.Pod{mk("unscheduled", corev1.PodPending, nil, nil, time.Time{})}, unready: []string{"unscheduled"}},
		{name: "pending pods are unready for memory too", res: corev1.ResourceMemory,
			pods:    []*corev1.Pod{mk("unscheduled", corev1.PodPending, nil, nil, time.Time{})},
			metrics: podMetricsInfo{"unscheduled": {Value: 1}}, unready: []string{"unscheduled"}},
		{name: "memory counts an unready pod with a metric", res: corev1.ResourceMemory,
			pods:    []*corev1.Pod{mk("starting", corev1.PodRunning, &now, st(F), now)},
			metrics: podMetricsInfo{"starting": {Value: 1}}, ready: 1},
		{name: "ignore pods with deletion timestamps", res: corev1.ResourceCPU,
			pods: []*corev1.Pod{deleted}, metrics: podMetricsInfo{"deleted": {Value: 10}}, ignored: []string{"deleted"}},
		{name: "ignore pods in a failed state", res: corev1.ResourceCPU,
			pods: []*corev1.Pod{mk("failed", corev1.PodFailed, nil, nil, time.Time{})}, metrics: podMetricsInfo{"failed": {Value: 10}}, ignored: []string{"failed"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := groupPods(tc.pods, tc.metrics, tc.res, testingCPUInitializationPeriod, testingDelayOfInitialReadinessStatus, now)
			if g.readyPodCount != tc.ready {
				t.Errorf("ready: got %d want %d", g.readyPodCount, tc.ready)
			}
			check := func(what string, got sets.Set[string], want []string) {
				if !got.Equal(sets.New(want...)) {
					t.Errorf("%s: got %v want %v", what, sets.List(got), want)
				}
			}
			check("unready", g.unready, tc.unready)
			check("missing", g.missing, tc.missing)
			check("ignored", g.ignored, tc.ignored)
			for _, p := range tc.pods {
				if g.reason[p.Name] == "" || g.group[p.Name] == "" {
					t.Errorf("pod %s has no group/reason", p.Name)
				}
			}
		})
	}
}

func TestCalculateRequests(t *testing.T) {
	always := corev1.ContainerRestartPolicyAlways
	cpu := func(s string) corev1.ResourceRequirements {
		return corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(s)}}
	}
	pod := func(name string, spec corev1.PodSpec) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: spec}
	}
	cases := []struct {
		name      string
		pods      []*corev1.Pod
		container string
		want      map[string]int64
		wantErr   string
	}{
		{name: "sum of containers", pods: []*corev1.Pod{pod("p", corev1.PodSpec{Containers: []corev1.Container{{Name: "a", Resources: cpu("100m")}, {Name: "b", Resources: cpu("50m")}}})},
			want: map[string]int64{"p": 150}},
		{name: "named container only", container: "b", pods: []*corev1.Pod{pod("p", corev1.PodSpec{Containers: []corev1.Container{{Name: "a"}, {Name: "b", Resources: cpu("50m")}}})},
			want: map[string]int64{"p": 50}},
		{name: "restartable init containers count", pods: []*corev1.Pod{pod("p", corev1.PodSpec{
			InitContainers: []corev1.Container{{Name: "sidecar", RestartPolicy: &always, Resources: cpu("20m")}, {Name: "init", Resources: cpu("1")}},
			Containers:     []corev1.Container{{Name: "a", Resources: cpu("100m")}}})},
			want: map[string]int64{"p": 120}},
		{name: "pod-level requests win without container", pods: []*corev1.Pod{pod("p", corev1.PodSpec{
			Resources:  &corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2")}},
			Containers: []corev1.Container{{Name: "a", Resources: cpu("100m")}}})},
			want: map[string]int64{"p": 2000}},
		{name: "container wins over pod-level requests", container: "a", pods: []*corev1.Pod{pod("p", corev1.PodSpec{
			Resources:  &corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2")}},
			Containers: []corev1.Container{{Name: "a", Resources: cpu("100m")}}})},
			want: map[string]int64{"p": 100}},
		{name: "missing pod-level request", pods: []*corev1.Pod{pod("p", corev1.PodSpec{
			Resources:  &corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("1Gi")}},
			Containers: []corev1.Container{{Name: "a"}}})},
			wantErr: "missing pod-level request for cpu in Pod p"},
		{name: "missing request names the pod", pods: []*corev1.Pod{pod("web-1", corev1.PodSpec{Containers: []corev1.Container{{Name: "a", Resources: cpu("100m")}, {Name: "b"}}})},
			wantErr: "missing request for cpu in container b of Pod web-1"},
		{name: "container not found", container: "nope", pods: []*corev1.Pod{pod("p", corev1.PodSpec{Containers: []corev1.Container{{Name: "a", Resources: cpu("100m")}}})},
			wantErr: "container nope not found in Pod p"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := calculateRequests(tc.pods, tc.container, corev1.ResourceCPU)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("got error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("%s: got %d want %d", k, got[k], v)
				}
			}
		})
	}
}

func TestGetResourceMetric(t *testing.T) {
	usage := func(cpu string) corev1.ResourceList {
		return corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu)}
	}
	items := []metricsv1beta1.PodMetrics{
		{ObjectMeta: metav1.ObjectMeta{Name: "a"}, Containers: []metricsv1beta1.ContainerMetrics{{Name: "app", Usage: usage("100m")}, {Name: "side", Usage: usage("50m")}}},
		{ObjectMeta: metav1.ObjectMeta{Name: "b"}, Containers: []metricsv1beta1.ContainerMetrics{{Name: "app", Usage: usage("200m")}, {Name: "side", Usage: corev1.ResourceList{}}}},
		{ObjectMeta: metav1.ObjectMeta{Name: "c"}},
	}
	pod, _, err := getResourceMetric(items, nil, corev1.ResourceCPU, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(pod) != 1 || pod["a"].Value != 150 {
		t.Errorf("pod sums: got %+v", pod)
	}
	ctr, _, _ := getResourceMetric(items, nil, corev1.ResourceCPU, "app")
	if len(ctr) != 2 || ctr["a"].Value != 100 || ctr["b"].Value != 200 {
		t.Errorf("container values: got %+v", ctr)
	}
	if _, _, err := getResourceMetric(nil, nil, corev1.ResourceCPU, ""); err == nil || err.Error() != "no metrics returned from resource metrics API" {
		t.Errorf("empty list: got %v", err)
	}
	if _, _, err := getResourceMetric(items, fmt.Errorf("boom"), corev1.ResourceCPU, ""); err == nil || !strings.Contains(err.Error(), "unable to fetch metrics from resource metrics API: boom") {
		t.Errorf("fetch error: got %v", err)
	}
}
