package decision

// This file reimplements the normalization of the desired replicas of the
// upstream HPA controller (horizontal.go, Kubernetes v1.36): stabilization
// windows, scaling policies (behavior) and the legacy rules, with the
// recommendations and scale events read from and written to the persisted
// status.history instead of controller memory.

import (
	"math"
	"sort"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	autoscalingv1alpha1 "github.com/coxswain-io/coxswain/pkg/apis/autoscaling/v1alpha1"
)

// Legacy (no behavior) scale-up limit: max(2 x current, 4).
const (
	scaleUpLimitFactor  = 2.0
	scaleUpLimitMinimum = 4.0
)

// Condition reasons and messages used by normalization (upstream strings).
const (
	reasonScaleUpStabilized   = "ScaleUpStabilized"
	reasonScaleDownStabilized = "ScaleDownStabilized"
	reasonReadyForNewScale    = "ReadyForNewScale"
	reasonDesiredWithinRange  = "DesiredWithinRange"
	reasonTooFewReplicas      = "TooFewReplicas"
	reasonTooManyReplicas     = "TooManyReplicas"
	reasonScaleUpLimit        = "ScaleUpLimit"
	reasonScaleDownLimit      = "ScaleDownLimit"

	messageScaleUpStabilized   = "recent recommendations were lower than current one, applying the lowest recent recommendation"
	messageScaleDownStabilized = "recent recommendations were higher than current one, applying the highest recent recommendation"
	messageReadyForNewScale    = "recommended size matches current size"
	messageDesiredWithinRange  = "the desired count is within the acceptable range"
	messageTooFewReplicas      = "the desired replica count is less than the minimum replica count"
	messageTooManyReplicas     = "the desired replica count is more than the maximum replica count"
	messageScaleUpLimit        = "the desired replica count is increasing faster than the maximum scale rate"
	messageScaleDownLimit      = "the desired replica count is decreasing faster than the maximum scale rate"
)

// historyTime is the timestamp stored for an event at now: status.history is
// persisted as metav1.Time, with one-second precision, so the decision
// records exactly what a later decision will read back.
func historyTime(now time.Time) metav1.Time {
	return metav1.NewTime(now.Truncate(time.Second))
}

// history is the working copy of status.history.
type history struct {
	recommendations []autoscalingv1alpha1.TimestampedRecommendation
	scaleEvents     []autoscalingv1alpha1.ScaleEvent
}

func newHistory(h *autoscalingv1alpha1.ScalingHistory) *history {
	out := &history{}
	if h != nil {
		out.recommendations = append(out.recommendations, h.Recommendations...)
		out.scaleEvents = append(out.scaleEvents, h.ScaleEvents...)
	}
	return out
}

func (h *history) toAPI() *autoscalingv1alpha1.ScalingHistory {
	if len(h.recommendations) == 0 && len(h.scaleEvents) == 0 {
		return nil
	}
	return &autoscalingv1alpha1.ScalingHistory{
		Recommendations: h.recommendations,
		ScaleEvents:     h.scaleEvents,
	}
}

// recordInitialRecommendation mirrors upstream recordInitialRecommendation:
// an autoscaler without any recommendation starts with the current replica
// count (so a new autoscaler does not scale down within the window).
func (h *history) recordInitialRecommendation(current int32, now time.Time) bool {
	if len(h.recommendations) == 0 {
		h.recommendations = []autoscalingv1alpha1.TimestampedRecommendation{{Timestamp: historyTime(now), Replicas: current}}
		return true
	}
	return false
}

// recordRecommendation drops the recommendations for which obsolete is true
// (those that can no longer be within any window), appends the new one and
// drops older duplicates of a value: a recommendation is dominated by a newer
// one with the same value (whenever the older is within a window, so is the
// newer), so this never changes a decision. The list is sorted by time and
// capped at MaxHistoryRecommendations (oldest dropped first).
func (h *history) recordRecommendation(replicas int32, now time.Time, obsolete func(time.Time) bool) {
	kept := h.recommendations[:0:0]
	for _, r := range h.recommendations {
		if !obsolete(r.Timestamp.Time) {
			kept = append(kept, r)
		}
	}
	kept = append(kept, autoscalingv1alpha1.TimestampedRecommendation{Timestamp: historyTime(now), Replicas: replicas})
	sort.SliceStable(kept, func(i, j int) bool { return kept[i].Timestamp.Before(&kept[j].Timestamp) })
	newest := map[int32]int{}
	for i, r := range kept {
		newest[r.Replicas] = i
	}
	dedup := kept[:0:0]
	for i, r := range kept {
		if newest[r.Replicas] == i {
			dedup = append(dedup, r)
		}
	}
	if n := len(dedup) - autoscalingv1alpha1.MaxHistoryRecommendations; n > 0 {
		dedup = dedup[n:]
	}
	h.recommendations = dedup
}

// scaleEventsIn splits the scale events into scale-up and scale-down changes
// (absolute values) made after the cutoff, as upstream
// getReplicasChangePerPeriod.
func (h *history) replicasChangePerPeriod(periodSeconds int32, now time.Time) (added, removed int32) {
	cutoff := now.Add(-time.Second * time.Duration(periodSeconds))
	for _, e := range h.scaleEvents {
		if !e.Timestamp.Time.After(cutoff) {
			continue
		}
		if e.ReplicaChange > 0 {
			added += e.ReplicaChange
		} else {
			removed += -e.ReplicaChange
		}
	}
	return added, removed
}

// storeScaleEvent mirrors upstream storeScaleEvent: events are only stored
// when a behavior is set.
func (h *history) storeScaleEvent(behavior *autoscalingv1alpha1.PodAutoscalerBehavior, prev, next int32, now time.Time) {
	if behavior == nil || prev == next {
		return
	}
	h.scaleEvents = append(h.scaleEvents, autoscalingv1alpha1.ScaleEvent{Timestamp: historyTime(now), ReplicaChange: next - prev})
}

// pruneScaleEvents drops the events older than the longest policy period of
// either direction (they cannot influence any rate limit), and caps the list.
func (h *history) pruneScaleEvents(behavior *autoscalingv1alpha1.PodAutoscalerBehavior, now time.Time) {
	up := autoscalingv1alpha1.GenerateScaleUpRules(nil)
	down := autoscalingv1alpha1.GenerateScaleDownRules(nil)
	if behavior != nil {
		up = autoscalingv1alpha1.GenerateScaleUpRules(behavior.ScaleUp)
		down = autoscalingv1alpha1.GenerateScaleDownRules(behavior.ScaleDown)
	}
	longest := max(longestPolicyPeriod(up), longestPolicyPeriod(down))
	cutoff := now.Add(-time.Second * time.Duration(longest))
	kept := h.scaleEvents[:0:0]
	for _, e := range h.scaleEvents {
		if e.ReplicaChange != 0 && !e.Timestamp.Time.Before(cutoff) {
			kept = append(kept, e)
		}
	}
	sort.SliceStable(kept, func(i, j int) bool { return kept[i].Timestamp.Before(&kept[j].Timestamp) })
	if n := len(kept) - autoscalingv1alpha1.MaxHistoryScaleEvents; n > 0 {
		kept = kept[n:]
	}
	h.scaleEvents = kept
}

func longestPolicyPeriod(rules *autoscalingv1alpha1.HPAScalingRules) int32 {
	var longest int32
	for _, p := range rules.Policies {
		longest = max(longest, p.PeriodSeconds)
	}
	return longest
}

// stabilizeRecommendation mirrors upstream stabilizeRecommendation (legacy
// path): the maximum of the recommendations within the downscale window.
func (h *history) stabilizeRecommendation(prenormalized int32, window time.Duration, now time.Time) (int32, *StabilizationExplanation) {
	cutoff := now.Add(-window)
	ex := &StabilizationExplanation{Mode: "legacy", ScaleDownWindowSeconds: int32(window / time.Second)}
	maxRecommendation := prenormalized
	for _, rec := range h.recommendations {
		// Upstream records with time.Now() and compares with a later
		// time.Now(): every recommendation, including the initial one of this
		// evaluation, is older than the cutoff of an empty window.
		in := !rec.Timestamp.Time.Before(cutoff) && window > 0
		ex.Recommendations = append(ex.Recommendations, RecommendationSample{Timestamp: rec.Timestamp.Time.UTC(), Replicas: rec.Replicas, InScaleDownWindow: in})
		if in && rec.Replicas > maxRecommendation {
			maxRecommendation = rec.Replicas
		}
	}
	h.recordRecommendation(prenormalized, now, func(t time.Time) bool { return t.Before(cutoff) })
	ex.ScaleDownBound = maxRecommendation
	ex.Result = maxRecommendation
	return maxRecommendation, ex
}

// normalizationArg mirrors upstream NormalizationArg.
type normalizationArg struct {
	ScaleUpBehavior   *autoscalingv1alpha1.HPAScalingRules
	ScaleDownBehavior *autoscalingv1alpha1.HPAScalingRules
	MinReplicas       int32
	MaxReplicas       int32
	CurrentReplicas   int32
	DesiredReplicas   int32
}

// stabilizeRecommendationWithBehaviors mirrors the upstream function: the
// recommendation is brought within [min over the scale-up window, max over
// the scale-down window], starting from the current replicas.
func (h *history) stabilizeRecommendationWithBehaviors(args normalizationArg, now time.Time) (int32, string, string, *StabilizationExplanation) {
	upRecommendation := args.DesiredReplicas
	upDelaySeconds := *args.ScaleUpBehavior.StabilizationWindowSeconds
	upCutoff := now.Add(-time.Second * time.Duration(upDelaySeconds))

	downRecommendation := args.DesiredReplicas
	downDelaySeconds := *args.ScaleDownBehavior.StabilizationWindowSeconds
	downCutoff := now.Add(-time.Second * time.Duration(downDelaySeconds))

	ex := &StabilizationExplanation{Mode: "behavior", ScaleUpWindowSeconds: upDelaySeconds, ScaleDownWindowSeconds: downDelaySeconds}
	for _, rec := range h.recommendations {
		inUp := rec.Timestamp.Time.After(upCutoff)
		inDown := rec.Timestamp.Time.After(downCutoff)
		if inUp {
			upRecommendation = min(rec.Replicas, upRecommendation)
		}
		if inDown {
			downRecommendation = max(rec.Replicas, downRecommendation)
		}
		ex.Recommendations = append(ex.Recommendations, RecommendationSample{Timestamp: rec.Timestamp.Time.UTC(), Replicas: rec.Replicas, InScaleUpWindow: inUp, InScaleDownWindow: inDown})
	}

	recommendation := args.CurrentReplicas
	if recommendation < upRecommendation {
		recommendation = upRecommendation
	}
	if recommendation > downRecommendation {
		recommendation = downRecommendation
	}

	h.recordRecommendation(args.DesiredReplicas, now, func(t time.Time) bool {
		return t.Before(upCutoff) && t.Before(downCutoff)
	})

	var reason, message string
	if args.DesiredReplicas >= args.CurrentReplicas {
		reason, message = reasonScaleUpStabilized, messageScaleUpStabilized
	} else {
		reason, message = reasonScaleDownStabilized, messageScaleDownStabilized
	}
	up := upRecommendation
	ex.ScaleUpBound = &up
	ex.ScaleDownBound = downRecommendation
	ex.Result = recommendation
	return recommendation, reason, message, ex
}

// convertDesiredReplicasWithBehaviorRate mirrors the upstream function.
func (h *history) convertDesiredReplicasWithBehaviorRate(args normalizationArg, now time.Time) (int32, string, string, *LimitExplanation) {
	ex := &LimitExplanation{Mode: "behavior", Direction: "none"}
	var possibleLimitingReason, possibleLimitingMessage string
	if args.DesiredReplicas > args.CurrentReplicas {
		ex.Direction = "up"
		ex.SelectPolicy = string(*args.ScaleUpBehavior.SelectPolicy)
		scaleUpLimit, policies := h.calculateScaleUpLimitWithScalingRules(args.CurrentReplicas, args.ScaleUpBehavior, now)
		ex.Policies = policies
		if scaleUpLimit < args.CurrentReplicas {
			// We shouldn't scale up further until the scaleUpEvents will be cleaned up
			scaleUpLimit = args.CurrentReplicas
		}
		limit := scaleUpLimit
		ex.RateLimit = &limit
		maximumAllowedReplicas := args.MaxReplicas
		if maximumAllowedReplicas > scaleUpLimit {
			maximumAllowedReplicas = scaleUpLimit
			possibleLimitingReason, possibleLimitingMessage = reasonScaleUpLimit, messageScaleUpLimit
		} else {
			possibleLimitingReason, possibleLimitingMessage = reasonTooManyReplicas, messageTooManyReplicas
		}
		if args.DesiredReplicas > maximumAllowedReplicas {
			return maximumAllowedReplicas, possibleLimitingReason, possibleLimitingMessage, ex
		}
	} else if args.DesiredReplicas < args.CurrentReplicas {
		ex.Direction = "down"
		ex.SelectPolicy = string(*args.ScaleDownBehavior.SelectPolicy)
		scaleDownLimit, policies := h.calculateScaleDownLimitWithBehaviors(args.CurrentReplicas, args.ScaleDownBehavior, now)
		ex.Policies = policies
		if scaleDownLimit > args.CurrentReplicas {
			// We shouldn't scale down further until the scaleDownEvents will be cleaned up
			scaleDownLimit = args.CurrentReplicas
		}
		limit := scaleDownLimit
		ex.RateLimit = &limit
		minimumAllowedReplicas := args.MinReplicas
		if minimumAllowedReplicas < scaleDownLimit {
			minimumAllowedReplicas = scaleDownLimit
			possibleLimitingReason, possibleLimitingMessage = reasonScaleDownLimit, messageScaleDownLimit
		} else {
			possibleLimitingReason, possibleLimitingMessage = reasonTooFewReplicas, messageTooFewReplicas
		}
		if args.DesiredReplicas < minimumAllowedReplicas {
			return minimumAllowedReplicas, possibleLimitingReason, possibleLimitingMessage, ex
		}
	}
	return args.DesiredReplicas, reasonDesiredWithinRange, messageDesiredWithinRange, ex
}

// calculateScaleUpLimitWithScalingRules mirrors the upstream function.
func (h *history) calculateScaleUpLimitWithScalingRules(currentReplicas int32, rules *autoscalingv1alpha1.HPAScalingRules, now time.Time) (int32, []PolicyExplanation) {
	var result int32
	var selectPolicyFn func(int32, int32) int32
	switch *rules.SelectPolicy {
	case autoscalingv1alpha1.DisabledPolicySelect:
		return currentReplicas, nil // Scaling is disabled
	case autoscalingv1alpha1.MinChangePolicySelect:
		result = math.MaxInt32
		selectPolicyFn = minInt32 // For scaling up, the lowest change ('min' policy) produces a minimum value
	default:
		result = math.MinInt32
		selectPolicyFn = maxInt32 // Use the default policy otherwise to produce a highest possible change
	}
	var policies []PolicyExplanation
	for _, policy := range rules.Policies {
		added, removed := h.replicasChangePerPeriod(policy.PeriodSeconds, now)
		periodStartReplicas := currentReplicas - added + removed
		var proposed int32
		switch policy.Type {
		case autoscalingv1alpha1.PodsScalingPolicy:
			proposed = periodStartReplicas + policy.Value
		case autoscalingv1alpha1.PercentScalingPolicy:
			// the proposal has to be rounded up because the proposed change
			// might not increase the replica count causing the target to
			// never scale up
			proposed = int32(math.Ceil(float64(periodStartReplicas) * (1 + float64(policy.Value)/100)))
		}
		result = selectPolicyFn(result, proposed)
		policies = append(policies, PolicyExplanation{Type: policy.Type, Value: policy.Value, PeriodSeconds: policy.PeriodSeconds,
			ReplicasAdded: added, ReplicasRemoved: removed, PeriodStartReplicas: periodStartReplicas, Proposed: proposed})
	}
	return result, policies
}

// calculateScaleDownLimitWithBehaviors mirrors the upstream function.
func (h *history) calculateScaleDownLimitWithBehaviors(currentReplicas int32, rules *autoscalingv1alpha1.HPAScalingRules, now time.Time) (int32, []PolicyExplanation) {
	var result int32
	var selectPolicyFn func(int32, int32) int32
	switch *rules.SelectPolicy {
	case autoscalingv1alpha1.DisabledPolicySelect:
		return currentReplicas, nil // Scaling is disabled
	case autoscalingv1alpha1.MinChangePolicySelect:
		result = math.MinInt32
		selectPolicyFn = maxInt32 // For scaling down, the lowest change ('min' policy) produces a maximum value
	default:
		result = math.MaxInt32
		selectPolicyFn = minInt32 // Use the default policy otherwise to produce a highest possible change
	}
	var policies []PolicyExplanation
	for _, policy := range rules.Policies {
		added, removed := h.replicasChangePerPeriod(policy.PeriodSeconds, now)
		periodStartReplicas := currentReplicas - added + removed
		var proposed int32
		switch policy.Type {
		case autoscalingv1alpha1.PodsScalingPolicy:
			proposed = periodStartReplicas - policy.Value
		case autoscalingv1alpha1.PercentScalingPolicy:
			proposed = int32(float64(periodStartReplicas) * (1 - float64(policy.Value)/100))
		}
		result = selectPolicyFn(result, proposed)
		policies = append(policies, PolicyExplanation{Type: policy.Type, Value: policy.Value, PeriodSeconds: policy.PeriodSeconds,
			ReplicasAdded: added, ReplicasRemoved: removed, PeriodStartReplicas: periodStartReplicas, Proposed: proposed})
	}
	return result, policies
}

// convertDesiredReplicasWithRules mirrors the upstream legacy normalization:
// minReplicas, then min(maxReplicas, max(2 x current, 4)).
func convertDesiredReplicasWithRules(currentReplicas, desiredReplicas, hpaMinReplicas, hpaMaxReplicas int32) (int32, string, string, *LimitExplanation) {
	var maximumAllowedReplicas int32
	var possibleLimitingReason, possibleLimitingMessage string

	minimumAllowedReplicas := hpaMinReplicas
	scaleUpLimit := calculateScaleUpLimit(currentReplicas)
	ex := &LimitExplanation{Mode: "legacy", Direction: direction(currentReplicas, desiredReplicas), RateLimit: &scaleUpLimit}

	if hpaMaxReplicas > scaleUpLimit {
		maximumAllowedReplicas = scaleUpLimit
		possibleLimitingReason, possibleLimitingMessage = reasonScaleUpLimit, messageScaleUpLimit
	} else {
		maximumAllowedReplicas = hpaMaxReplicas
		possibleLimitingReason, possibleLimitingMessage = reasonTooManyReplicas, messageTooManyReplicas
	}

	if desiredReplicas < minimumAllowedReplicas {
		return minimumAllowedReplicas, reasonTooFewReplicas, messageTooFewReplicas, ex
	} else if desiredReplicas > maximumAllowedReplicas {
		return maximumAllowedReplicas, possibleLimitingReason, possibleLimitingMessage, ex
	}
	return desiredReplicas, reasonDesiredWithinRange, messageDesiredWithinRange, ex
}

func direction(current, desired int32) string {
	switch {
	case desired > current:
		return "up"
	case desired < current:
		return "down"
	}
	return "none"
}

func calculateScaleUpLimit(currentReplicas int32) int32 {
	return int32(math.Max(scaleUpLimitFactor*float64(currentReplicas), scaleUpLimitMinimum))
}

func minInt32(a, b int32) int32 { return min(a, b) }

func maxInt32(a, b int32) int32 { return max(a, b) }
