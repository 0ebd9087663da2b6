package decision

import (
	"testing"
	"time"

	"k8s.io/utils/ptr"

	autoscalingv1alpha1 "github.com/coxswain-io/coxswain/pkg/apis/autoscaling/v1alpha1"
)

// scalingRules mirrors upstream generateScalingRules.
func scalingRules(pods, podsPeriod, percent, percentPeriod, stabilizationWindow int32) *autoscalingv1alpha1.HPAScalingRules {
	policy := autoscalingv1alpha1.MaxChangePolicySelect
	r := &autoscalingv1alpha1.HPAScalingRules{StabilizationWindowSeconds: ptr.To(stabilizationWindow), SelectPolicy: &policy}
	if pods != 0 {
		r.Policies = append(r.Policies, autoscalingv1alpha1.HPAScalingPolicy{Type: autoscalingv1alpha1.PodsScalingPolicy, Value: pods, PeriodSeconds: podsPeriod})
	}
	if percent != 0 {
		r.Policies = append(r.Policies, autoscalingv1alpha1.HPAScalingPolicy{Type: autoscalingv1alpha1.PercentScalingPolicy, Value: percent, PeriodSeconds: percentPeriod})
	}
	return r
}

// TestScalingWithRules reuses the scenarios of the upstream test of the same
// name (convertDesiredReplicasWithBehaviorRate), with the scale events taken
// from the persisted history.
func TestScalingWithRules(t *testing.T) {
	type testCase struct {
		name                         string
		scaleUpEvents                []int32
		scaleDownEvents              []int32
		eventsPeriod                 int
		specMinReplicas              int32
		specMaxReplicas              int32
		scaleUpRules                 *autoscalingv1alpha1.HPAScalingRules
		scaleDownRules               *autoscalingv1alpha1.HPAScalingRules
		currentReplicas              int32
		prenormalizedDesiredReplicas int32
		expectedReplicas             int32
		expectedCondition            string
	}
	tests := []testCase{
		{name: "prenormalized desired replicas within range", currentReplicas: 5, prenormalizedDesiredReplicas: 7, specMinReplicas: 3, specMaxReplicas: 8, expectedReplicas: 7, expectedCondition: "DesiredWithinRange"},
		{name: "prenormalized desired replicas < minReplicas", currentReplicas: 3, prenormalizedDesiredReplicas: 1, specMinReplicas: 2, specMaxReplicas: 8, expectedReplicas: 2, expectedCondition: "TooFewReplicas"},
		{name: "maxReplicas is the limit because maxReplicas < scaleUpLimit", currentReplicas: 20, prenormalizedDesiredReplicas: 1000, specMinReplicas: 1, specMaxReplicas: 10, expectedReplicas: 10, expectedCondition: "TooManyReplicas"},
		{name: "desired replica count is more than the maximum replica count", currentReplicas: 100, prenormalizedDesiredReplicas: 1000, specMinReplicas: 100, specMaxReplicas: 150, expectedReplicas: 150, expectedCondition: "TooManyReplicas"},
		{name: "scaleUpLimit is the limit because scaleUpLimit < maxReplicas with user policies", currentReplicas: 3, prenormalizedDesiredReplicas: 1000, specMinReplicas: 1, specMaxReplicas: 2000, scaleUpRules: scalingRules(0, 0, 1, 60, 0), expectedReplicas: 4, expectedCondition: "ScaleUpLimit"},
		{name: "scaleDownLimit is the limit because scaleDownLimit > minReplicas with user defined policies", currentReplicas: 1000, prenormalizedDesiredReplicas: 3, specMinReplicas: 3, specMaxReplicas: 2000, scaleDownRules: scalingRules(20, 60, 0, 0, 0), expectedReplicas: 980, expectedCondition: "ScaleDownLimit"},
		{name: "scaleUp with default behavior", specMinReplicas: 1, specMaxReplicas: 1000, currentReplicas: 10, prenormalizedDesiredReplicas: 50, expectedReplicas: 20, expectedCondition: "ScaleUpLimit"},
		{name: "scaleUp with pods policy larger than percent policy", specMinReplicas: 1, specMaxReplicas: 1000, scaleUpRules: scalingRules(100, 60, 100, 60, 0), currentReplicas: 10, prenormalizedDesiredReplicas: 500, expectedReplicas: 110, expectedCondition: "ScaleUpLimit"},
		{name: "scaleUp with percent policy larger than pods policy", specMinReplicas: 1, specMaxReplicas: 1000, scaleUpRules: scalingRules(2, 60, 100, 60, 0), currentReplicas: 10, prenormalizedDesiredReplicas: 500, expectedReplicas: 20, expectedCondition: "ScaleUpLimit"},
		{name: "scaleUp with spec MaxReplicas limitation with large pod policy", specMinReplicas: 1, specMaxReplicas: 1000, scaleUpRules: scalingRules(100, 60, 0, 0, 0), currentReplicas: 10, prenormalizedDesiredReplicas: 50, expectedReplicas: 50, expectedCondition: "DesiredWithinRange"},
		{name: "scaleUp with spec MaxReplicas limitation with large percent policy", specMinReplicas: 1, specMaxReplicas: 1000, scaleUpRules: scalingRules(10000, 60, 0, 0, 0), currentReplicas: 10, prenormalizedDesiredReplicas: 50, expectedReplicas: 50, expectedCondition: "DesiredWithinRange"},
		{name: "scaleUp with pod policy limitation", specMinReplicas: 1, specMaxReplicas: 1000, scaleUpRules: scalingRules(30, 60, 0, 0, 0), currentReplicas: 10, prenormalizedDesiredReplicas: 50, expectedReplicas: 40, expectedCondition: "ScaleUpLimit"},
		{name: "scaleUp with percent policy limitation", specMinReplicas: 1, specMaxReplicas: 1000, scaleUpRules: scalingRules(0, 0, 200, 60, 0), currentReplicas: 10, prenormalizedDesiredReplicas: 50, expectedReplicas: 30, expectedCondition: "ScaleUpLimit"},
		{name: "scaleDown with percent policy larger than pod policy", specMinReplicas: 1, specMaxReplicas: 1000, scaleDownRules: scalingRules(20, 60, 1, 60, 300), currentReplicas: 100, prenormalizedDesiredReplicas: 2, expectedReplicas: 80, expectedCondition: "ScaleDownLimit"},
		{name: "scaleDown with pod policy larger than percent policy", specMinReplicas: 1, specMaxReplicas: 1000, scaleDownRules: scalingRules(2, 60, 1, 60, 300), currentReplicas: 100, prenormalizedDesiredReplicas: 2, expectedReplicas: 98, expectedCondition: "ScaleDownLimit"},
		{name: "scaleDown with spec MinReplicas limitation with large pod policy", specMinReplicas: 1, specMaxReplicas: 1000, scaleDownRules: scalingRules(100, 60, 0, 0, 300), currentReplicas: 10, prenormalizedDesiredReplicas: 0, expectedReplicas: 1, expectedCondition: "TooFewReplicas"},
		{name: "scaleDown with spec MinReplicas limitation with large percent policy", specMinReplicas: 5, specMaxReplicas: 1000, scaleDownRules: scalingRules(0, 0, 100, 60, 300), currentReplicas: 10, prenormalizedDesiredReplicas: 2, expectedReplicas: 5, expectedCondition: "TooFewReplicas"},
		{name: "scaleDown with pod policy limitation", specMinReplicas: 1, specMaxReplicas: 1000, scaleDownRules: scalingRules(5, 60, 0, 0, 300), currentReplicas: 10, prenormalizedDesiredReplicas: 2, expectedReplicas: 5, expectedCondition: "ScaleDownLimit"},
		{name: "scaleDown with percent policy limitation", specMinReplicas: 1, specMaxReplicas: 1000, scaleDownRules: scalingRules(0, 0, 50, 60, 300), currentReplicas: 10, prenormalizedDesiredReplicas: 5, expectedReplicas: 5, expectedCondition: "DesiredWithinRange"},
		{name: "scaleUp with spec MaxReplicas limitation with large pod policy and events", scaleUpEvents: []int32{1, 5, 9}, eventsPeriod: 120, specMinReplicas: 1, specMaxReplicas: 200, scaleUpRules: scalingRules(300, 60, 0, 0, 0), currentReplicas: 100, prenormalizedDesiredReplicas: 500, expectedReplicas: 200, expectedCondition: "TooManyReplicas"},
		{name: "scaleUp with spec MaxReplicas limitation with large percent policy and events", scaleUpEvents: []int32{1, 5, 9}, eventsPeriod: 120, specMinReplicas: 1, specMaxReplicas: 200, scaleUpRules: scalingRules(0, 0, 10000, 60, 0), currentReplicas: 100, prenormalizedDesiredReplicas: 500, expectedReplicas: 200, expectedCondition: "TooManyReplicas"},
		{name: "scaleUp with currentReplicas limitation with rate.PeriodSeconds with a lot of recent scale up events", scaleUpEvents: []int32{1, 5, 9}, eventsPeriod: 120, specMinReplicas: 1, specMaxReplicas: 1000, scaleUpRules: scalingRules(5, 120, 0, 0, 0), currentReplicas: 100, prenormalizedDesiredReplicas: 500, expectedReplicas: 100, expectedCondition: "ScaleUpLimit"},
		{name: "scaleUp with pod policy and previous scale up events", scaleUpEvents: []int32{1, 5, 9}, eventsPeriod: 120, specMinReplicas: 1, specMaxReplicas: 1000, scaleUpRules: scalingRules(150, 120, 0, 0, 0), currentReplicas: 100, prenormalizedDesiredReplicas: 500, expectedReplicas: 235, expectedCondition: "ScaleUpLimit"},
		{name: "scaleUp with percent policy and previous scale up events", scaleUpEvents: []int32{1, 5, 9}, eventsPeriod: 120, specMinReplicas: 1, specMaxReplicas: 1000, scaleUpRules: scalingRules(0, 0, 200, 120, 0), currentReplicas: 100, prenormalizedDesiredReplicas: 500, expectedReplicas: 255, expectedCondition: "ScaleUpLimit"},
		{name: "scaleUp with percent policy and previous scale up and down events", scaleUpEvents: []int32{4}, scaleDownEvents: []int32{2}, eventsPeriod: 120, specMinReplicas: 1, specMaxReplicas: 1000, scaleUpRules: scalingRules(0, 0, 300, 300, 0), currentReplicas: 6, prenormalizedDesiredReplicas: 24, expectedReplicas: 16, expectedCondition: "ScaleUpLimit"},
		{name: "scaleDown with default policy and previous events", scaleDownEvents: []int32{1, 5, 9}, eventsPeriod: 120, specMinReplicas: 1, specMaxReplicas: 1000, currentReplicas: 10, prenormalizedDesiredReplicas: 5, expectedReplicas: 5, expectedCondition: "DesiredWithinRange"},
		{name: "scaleDown with spec MinReplicas=nil limitation with large pod policy and previous events", scaleDownEvents: []int32{1, 5, 9}, eventsPeriod: 120, specMinReplicas: 1, specMaxReplicas: 1000, scaleDownRules: scalingRules(115, 120, 0, 0, 300), currentReplicas: 100, prenormalizedDesiredReplicas: 0, expectedReplicas: 1, expectedCondition: "TooFewReplicas"},
		{name: "scaleDown with spec MinReplicas limitation with large pod policy and previous events", scaleDownEvents: []int32{1, 5, 9}, eventsPeriod: 120, specMinReplicas: 5, specMaxReplicas: 1000, scaleDownRules: scalingRules(130, 120, 0, 0, 300), currentReplicas: 100, prenormalizedDesiredReplicas: 0, expectedReplicas: 5, expectedCondition: "TooFewReplicas"},
		{name: "scaleDown with spec MinReplicas limitation with large percent policy and previous events", scaleDownEvents: []int32{1, 5, 9}, eventsPeriod: 120, specMinReplicas: 5, specMaxReplicas: 1000, scaleDownRules: scalingRules(0, 0, 100, 120, 300), currentReplicas: 100, prenormalizedDesiredReplicas: 2, expectedReplicas: 5, expectedCondition: "TooFewReplicas"},
		{name: "scaleDown with pod policy limitation and previous events", scaleDownEvents: []int32{1, 5, 9}, eventsPeriod: 120, specMinReplicas: 1, specMaxReplicas: 1000, scaleDownRules: scalingRules(5, 120, 0, 0, 300), currentReplicas: 100, prenormalizedDesiredReplicas: 2, expectedReplicas: 100, expectedCondition: "ScaleDownLimit"},
		{name: "scaleDown with percent policy limitation and previous events", scaleDownEvents: []int32{2, 4, 6}, eventsPeriod: 120, specMinReplicas: 1, specMaxReplicas: 1000, scaleDownRules: scalingRules(0, 0, 50, 120, 300), currentReplicas: 100, prenormalizedDesiredReplicas: 0, expectedReplicas: 56, expectedCondition: "ScaleDownLimit"},
		{name: "scaleDown with percent policy and previous scale up and down events", scaleUpEvents: []int32{2}, scaleDownEvents: []int32{4}, eventsPeriod: 120, specMinReplicas: 1, specMaxReplicas: 1000, scaleDownRules: scalingRules(0, 0, 50, 180, 0), currentReplicas: 10, prenormalizedDesiredReplicas: 1, expectedReplicas: 6, expectedCondition: "ScaleDownLimit"},
		{name: "scaleDown with previous events preventing further scale down", scaleDownEvents: []int32{10, 10, 10}, eventsPeriod: 120, specMinReplicas: 1, specMaxReplicas: 1000, scaleDownRules: scalingRules(0, 0, 10, 120, 300), currentReplicas: 100, prenormalizedDesiredReplicas: 0, expectedReplicas: 100, expectedCondition: "ScaleDownLimit"},
		{name: "scaleDown with with previous events still allowing more scale down", scaleDownEvents: []int32{10, 10, 10}, eventsPeriod: 120, specMinReplicas: 1, specMaxReplicas: 1000, scaleDownRules: scalingRules(0, 0, 1000, 120, 300), currentReplicas: 10, prenormalizedDesiredReplicas: 5, expectedReplicas: 5, expectedCondition: "DesiredWithinRange"},
		{name: "check 'outdated' flag for events for one behavior for up", scaleUpEvents: []int32{8, 12, 9, 11}, eventsPeriod: 120, specMinReplicas: 1, specMaxReplicas: 1000, scaleUpRules: scalingRules(1000, 60, 0, 0, 0), currentReplicas: 100, prenormalizedDesiredReplicas: 200, expectedReplicas: 200, expectedCondition: "DesiredWithinRange"},
		{name: "check that events were not marked 'outdated' for two different policies in the behavior for up", scaleUpEvents: []int32{8, 12, 9, 11}, eventsPeriod: 120, specMinReplicas: 1, specMaxReplicas: 1000, scaleUpRules: scalingRules(1000, 120, 100, 60, 0), currentReplicas: 100, prenormalizedDesiredReplicas: 200, expectedReplicas: 200, expectedCondition: "DesiredWithinRange"},
		{name: "check that events were marked 'outdated' for two different policies in the behavior for up", scaleUpEvents: []int32{8, 12, 9, 11}, eventsPeriod: 120, specMinReplicas: 1, specMaxReplicas: 1000, scaleUpRules: scalingRules(1000, 30, 100, 60, 0), currentReplicas: 100, prenormalizedDesiredReplicas: 200, expectedReplicas: 200, expectedCondition: "DesiredWithinRange"},
		{name: "check 'outdated' flag for events for one behavior for down", scaleDownEvents: []int32{8, 12, 9, 11}, eventsPeriod: 120, specMinReplicas: 1, specMaxReplicas: 1000, scaleDownRules: scalingRules(1000, 60, 0, 0, 300), currentReplicas: 100, prenormalizedDesiredReplicas: 5, expectedReplicas: 5, expectedCondition: "DesiredWithinRange"},
		{name: "check that events were not marked 'outdated' for two different policies in the behavior for down", scaleDownEvents: []int32{8, 12, 9, 11}, eventsPeriod: 120, specMinReplicas: 1, specMaxReplicas: 1000, scaleDownRules: scalingRules(1000, 120, 100, 60, 300), currentReplicas: 100, prenormalizedDesiredReplicas: 5, expectedReplicas: 5, expectedCondition: "DesiredWithinRange"},
		{name: "check that events were marked 'outdated' for two different policies in the behavior for down", scaleDownEvents: []int32{8, 12, 9, 11}, eventsPeriod: 120, specMinReplicas: 1, specMaxReplicas: 1000, scaleDownRules: scalingRules(1000, 30, 100, 60, 300), currentReplicas: 100, prenormalizedDesiredReplicas: 5, expectedReplicas: 5, expectedCondition: "DesiredWithinRange"},
		{name: "scaleUp disabled", specMinReplicas: 1, specMaxReplicas: 1000, scaleUpRules: &autoscalingv1alpha1.HPAScalingRules{SelectPolicy: ptr.To(autoscalingv1alpha1.DisabledPolicySelect)}, currentReplicas: 10, prenormalizedDesiredReplicas: 50, expectedReplicas: 10, expectedCondition: "ScaleUpLimit"},
		{name: "scaleDown disabled", specMinReplicas: 1, specMaxReplicas: 1000, scaleDownRules: &autoscalingv1alpha1.HPAScalingRules{SelectPolicy: ptr.To(autoscalingv1alpha1.DisabledPolicySelect)}, currentReplicas: 10, prenormalizedDesiredReplicas: 2, expectedReplicas: 10, expectedCondition: "ScaleDownLimit"},
		{name: "scaleUp Min policy selects the smallest change", specMinReplicas: 1, specMaxReplicas: 1000,
			scaleUpRules:    &autoscalingv1alpha1.HPAScalingRules{SelectPolicy: ptr.To(autoscalingv1alpha1.MinChangePolicySelect), Policies: scalingRules(4, 15, 100, 15, 0).Policies},
			currentReplicas: 10, prenormalizedDesiredReplicas: 50, expectedReplicas: 14, expectedCondition: "ScaleUpLimit"},
		{name: "scaleDown Min policy selects the smallest change", specMinReplicas: 1, specMaxReplicas: 1000,
			scaleDownRules:  &autoscalingv1alpha1.HPAScalingRules{SelectPolicy: ptr.To(autoscalingv1alpha1.MinChangePolicySelect), Policies: scalingRules(4, 15, 50, 15, 0).Policies},
			currentReplicas: 10, prenormalizedDesiredReplicas: 1, expectedReplicas: 6, expectedCondition: "ScaleDownLimit"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := &history{}
			if len(tc.scaleUpEvents) > 0 {
				h.scaleEvents = append(h.scaleEvents, eventsUniform(tc.scaleUpEvents, tc.eventsPeriod, 1)...)
			}
			if len(tc.scaleDownEvents) > 0 {
				h.scaleEvents = append(h.scaleEvents, eventsUniform(tc.scaleDownEvents, tc.eventsPeriod, -1)...)
			}
			args := normalizationArg{
				ScaleUpBehavior:   autoscalingv1alpha1.GenerateScaleUpRules(tc.scaleUpRules),
				ScaleDownBehavior: autoscalingv1alpha1.GenerateScaleDownRules(tc.scaleDownRules),
				MinReplicas:       tc.specMinReplicas,
				MaxReplicas:       tc.specMaxReplicas,
				DesiredReplicas:   tc.prenormalizedDesiredReplicas,
				CurrentReplicas:   tc.currentReplicas,
			}
			replicas, reason, _, ex := h.convertDesiredReplicasWithBehaviorRate(args, t0)
			if replicas != tc.expectedReplicas || reason != tc.expectedCondition {
				t.Errorf("got %d (%s), want %d (%s); policies %+v", replicas, reason, tc.expectedReplicas, tc.expectedCondition, ex.Policies)
			}
		})
	}
}

func TestConvertDesiredReplicasWithRules(t *testing.T) {
	cases := []struct {
		name                         string
		current, desired, minR, maxR int32
		expected                     int32
		reason                       string
		expectedRateLimit            int32
	}{
		{"within range", 5, 7, 1, 10, 7, "DesiredWithinRange", 10},
		{"too few", 5, 1, 2, 10, 2, "TooFewReplicas", 10},
		{"too many (max below scale-up limit)", 5, 20, 1, 8, 8, "TooManyReplicas", 10},
		{"scale-up limit 2x current", 5, 20, 1, 100, 10, "ScaleUpLimit", 10},
		{"scale-up limit minimum 4", 1, 20, 1, 100, 4, "ScaleUpLimit", 4},
		{"upstream TestUpscaleCap: 3 -> 6", 3, 24, 1, 100, 6, "ScaleUpLimit", 6},
		{"upstream TestUpscaleCapGreaterThanMaxReplicas: max 5", 3, 24, 1, 5, 5, "TooManyReplicas", 6},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, reason, msg, ex := convertDesiredReplicasWithRules(tc.current, tc.desired, tc.minR, tc.maxR)
			if got != tc.expected || reason != tc.reason || msg == "" || *ex.RateLimit != tc.expectedRateLimit {
				t.Errorf("got %d %s (rate limit %d), want %d %s (%d)", got, reason, *ex.RateLimit, tc.expected, tc.reason, tc.expectedRateLimit)
			}
		})
	}
}

// TestStabilizeRecommendationLegacy reuses upstream TestNormalizeDesiredReplicas.
func TestStabilizeRecommendationLegacy(t *testing.T) {
	cases := []struct {
		name     string
		recs     []autoscalingv1alpha1.TimestampedRecommendation
		desired  int32
		expected int32
		stored   int
	}{
		{"empty log", nil, 5, 5, 1},
		{"stabilize", []autoscalingv1alpha1.TimestampedRecommendation{rec(4, t0.Add(-2*time.Minute)), rec(5, t0.Add(-time.Minute))}, 3, 5, 3},
		{"no stabilize", []autoscalingv1alpha1.TimestampedRecommendation{rec(1, t0.Add(-2*time.Minute)), rec(2, t0.Add(-time.Minute))}, 3, 3, 3},
		{"no stabilize - old recommendations", []autoscalingv1alpha1.TimestampedRecommendation{rec(10, t0.Add(-10*time.Minute)), rec(9, t0.Add(-9*time.Minute))}, 3, 3, 1},
		{"stabilize - old recommendations", []autoscalingv1alpha1.TimestampedRecommendation{rec(10, t0.Add(-10*time.Minute)), rec(4, t0.Add(-time.Minute)), rec(5, t0.Add(-2*time.Minute)), rec(9, t0.Add(-9*time.Minute))}, 3, 5, 3},
		{"exactly at the cutoff counts", []autoscalingv1alpha1.TimestampedRecommendation{rec(7, t0.Add(-5*time.Minute))}, 3, 7, 2},
		{"duplicate values keep the newest", []autoscalingv1alpha1.TimestampedRecommendation{rec(3, t0.Add(-4*time.Minute)), rec(3, t0.Add(-time.Minute))}, 3, 3, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := &history{recommendations: tc.recs}
			got, ex := h.stabilizeRecommendation(tc.desired, 5*time.Minute, t0)
			if got != tc.expected {
				t.Errorf("got %d want %d", got, tc.expected)
			}
			// upstream keeps obsolete samples around for reuse; the persisted
			// history drops them, and merges equal values.
			if len(h.recommendations) != tc.stored {
				t.Errorf("stored %d recommendations, want %d: %+v", len(h.recommendations), tc.stored, h.recommendations)
			}
			last := h.recommendations[len(h.recommendations)-1]
			if last.Replicas != tc.desired || !last.Timestamp.Time.Equal(t0) {
				t.Errorf("newest recommendation is %+v", last)
			}
			if ex.Result != got || ex.Mode != "legacy" {
				t.Errorf("bad explanation %+v", ex)
			}
		})
	}
}

// TestStabilizeRecommendationWithBehaviors reuses upstream
// TestNormalizeDesiredReplicasWithBehavior.
func TestStabilizeRecommendationWithBehaviors(t *testing.T) {
	now := t0
	type tc struct {
		name                           string
		recs                           []autoscalingv1alpha1.TimestampedRecommendation
		current, desired, expected     int32
		scaleUpWindow, scaleDownWindow int32
		expectedStored                 []int32
	}
	cases := []tc{
		{name: "empty recommendations for scaling down", current: 100, desired: 5, expected: 5, expectedStored: []int32{5}},
		{name: "simple scale down stabilization", recs: []autoscalingv1alpha1.TimestampedRecommendation{rec(4, now.Add(-2*time.Minute)), rec(5, now.Add(-time.Minute))},
			current: 100, desired: 3, expected: 5, scaleDownWindow: 180, expectedStored: []int32{4, 5, 3}},
		{name: "simple scale up stabilization", recs: []autoscalingv1alpha1.TimestampedRecommendation{rec(4, now.Add(-2*time.Minute)), rec(5, now.Add(-time.Minute))},
			current: 1, desired: 7, expected: 4, scaleUpWindow: 300, expectedStored: []int32{4, 5, 7}},
		{name: "no scale down stabilization", recs: []autoscalingv1alpha1.TimestampedRecommendation{rec(1, now.Add(-2*time.Minute)), rec(2, now.Add(-time.Minute))},
			current: 100, desired: 3, expected: 3, scaleUpWindow: 300, expectedStored: []int32{1, 2, 3}},
		{name: "no scale up stabilization", recs: []autoscalingv1alpha1.TimestampedRecommendation{rec(4, now.Add(-2*time.Minute)), rec(5, now.Add(-time.Minute))},
			current: 1, desired: 3, expected: 3, scaleDownWindow: 300, expectedStored: []int32{4, 5, 3}},
		{name: "no scale down stabilization, obsolete recommendations dropped", recs: []autoscalingv1alpha1.TimestampedRecommendation{rec(10, now.Add(-10*time.Minute)), rec(9, now.Add(-9*time.Minute))},
			current: 100, desired: 3, expected: 3, expectedStored: []int32{3}},
		{name: "no scale up stabilization, obsolete recommendations dropped", recs: []autoscalingv1alpha1.TimestampedRecommendation{rec(10, now.Add(-10*time.Minute)), rec(9, now.Add(-9*time.Minute))},
			current: 1, desired: 100, expected: 100, expectedStored: []int32{100}},
		{name: "scale down stabilization, obsolete recommendation dropped", recs: []autoscalingv1alpha1.TimestampedRecommendation{rec(10, now.Add(-10*time.Minute)), rec(4, now.Add(-time.Minute)), rec(5, now.Add(-2*time.Minute)), rec(9, now.Add(-9*time.Minute))},
			current: 100, desired: 3, expected: 5, scaleDownWindow: 180, expectedStored: []int32{5, 4, 3}},
		{name: "scale up stabilization, obsolete recommendation dropped", recs: []autoscalingv1alpha1.TimestampedRecommendation{rec(10, now.Add(-100*time.Minute)), rec(6, now.Add(-time.Minute)), rec(5, now.Add(-2*time.Minute)), rec(9, now.Add(-3*time.Minute))},
			current: 1, desired: 100, expected: 5, scaleUpWindow: 300, scaleDownWindow: 300, expectedStored: []int32{9, 5, 6, 100}},
		{name: "scale up and down stabilization, do not scale up when prenormalized rec goes down", recs: []autoscalingv1alpha1.TimestampedRecommendation{rec(2, now.Add(-100*time.Minute)), rec(3, now.Add(-3*time.Minute))},
			current: 2, desired: 1, expected: 2, scaleUpWindow: 300, scaleDownWindow: 300},
		{name: "scale up and down stabilization, do not scale down when prenormalized rec goes up", recs: []autoscalingv1alpha1.TimestampedRecommendation{rec(2, now.Add(-100*time.Minute)), rec(1, now.Add(-3*time.Minute))},
			current: 2, desired: 3, expected: 2, scaleUpWindow: 300, scaleDownWindow: 300},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := &history{recommendations: c.recs}
			args := normalizationArg{
				DesiredReplicas:   c.desired,
				CurrentReplicas:   c.current,
				ScaleUpBehavior:   &autoscalingv1alpha1.HPAScalingRules{StabilizationWindowSeconds: ptr.To(c.scaleUpWindow)},
				ScaleDownBehavior: &autoscalingv1alpha1.HPAScalingRules{StabilizationWindowSeconds: ptr.To(c.scaleDownWindow)},
			}
			got, _, _, _ := h.stabilizeRecommendationWithBehaviors(args, now)
			if got != c.expected {
				t.Errorf("got %d want %d", got, c.expected)
			}
			if c.expectedStored != nil {
				var stored []int32
				for _, r := range h.recommendations {
					stored = append(stored, r.Replicas)
				}
				if len(stored) != len(c.expectedStored) {
					t.Fatalf("stored %v, want %v", stored, c.expectedStored)
				}
				for i := range stored {
					if stored[i] != c.expectedStored[i] {
						t.Fatalf("stored %v, want %v", stored, c.expectedStored)
					}
				}
			}
		})
	}
}

func TestHistoryBounds(t *testing.T) {
	h := &history{}
	// distinct values every second for longer than the cap
	for i := 0; i < autoscalingv1alpha1.MaxHistoryRecommendations+50; i++ {
		h.recordRecommendation(int32(i), t0.Add(time.Duration(i)*time.Second), func(time.Time) bool { return false })
	}
	if len(h.recommendations) != autoscalingv1alpha1.MaxHistoryRecommendations {
		t.Fatalf("got %d recommendations", len(h.recommendations))
	}
	if h.recommendations[0].Replicas != 50 {
		t.Errorf("oldest kept is %d, want 50", h.recommendations[0].Replicas)
	}

	// scale events: pruned past the longest policy period, capped
	b := &autoscalingv1alpha1.PodAutoscalerBehavior{ScaleUp: scalingRules(4, 60, 0, 0, 0), ScaleDown: scalingRules(1, 120, 0, 0, 0)}
	h = &history{scaleEvents: []autoscalingv1alpha1.ScaleEvent{
		scaleEvent(2, t0.Add(-121*time.Second)), // older than both periods: dropped
		scaleEvent(3, t0.Add(-90*time.Second)),  // older than scale-up's 60s but still counts for scale-down's 120s
		scaleEvent(0, t0.Add(-10*time.Second)),  // no change: dropped
		scaleEvent(-1, t0.Add(-5*time.Second)),
	}}
	h.pruneScaleEvents(b, t0)
	if len(h.scaleEvents) != 2 || h.scaleEvents[0].ReplicaChange != 3 || h.scaleEvents[1].ReplicaChange != -1 {
		t.Errorf("pruned events: %+v", h.scaleEvents)
	}
	for i := 0; i < autoscalingv1alpha1.MaxHistoryScaleEvents+10; i++ {
		h.storeScaleEvent(b, 1, 2, t0)
	}
	h.pruneScaleEvents(b, t0)
	if len(h.scaleEvents) != autoscalingv1alpha1.MaxHistoryScaleEvents {
		t.Errorf("got %d events", len(h.scaleEvents))
	}
	// no event without a behavior
	h = &history{}
	h.storeScaleEvent(nil, 1, 2, t0)
	if len(h.scaleEvents) != 0 {
		t.Errorf("stored an event without behavior")
	}
}
