package decision

// This file reimplements, without I/O, the resource metric part of the
// upstream HPA replica calculator (pkg/controller/podautoscaler:
// replica_calculator.go and metrics/{client,utilization}.go, Kubernetes
// v1.36): pod grouping, request lookup, utilization ratio, tolerance and the
// conservative recomputation with missing and unready pods.

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/sets"
	resourcehelpers "k8s.io/component-helpers/resource"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"
)

// podMetric is the metric of one pod (milli-units).
type podMetric struct {
	Timestamp time.Time
	Window    time.Duration
	Value     int64
}

// podMetricsInfo maps pod names to their metric.
type podMetricsInfo map[string]podMetric

// errNoMetricsFromAPI mirrors upstream's message for an empty PodMetrics list.
var errNoMetricsFromAPI = errors.New("no metrics returned from resource metrics API")

// getResourceMetric mirrors the upstream resource metrics client: the metric
// of each pod is the sum over its containers (a pod with a container lacking
// the resource has no metric), or the named container's value.
func getResourceMetric(items []metricsv1beta1.PodMetrics, fetchErr error, res corev1.ResourceName, container string) (podMetricsInfo, time.Time, error) {
	if fetchErr != nil {
		return nil, time.Time{}, fmt.Errorf("unable to fetch metrics from resource metrics API: %v", fetchErr)
	}
	if len(items) == 0 {
		return nil, time.Time{}, errNoMetricsFromAPI
	}
	out := make(podMetricsInfo, len(items))
	for _, m := range items {
		if container != "" {
			for _, c := range m.Containers {
				if c.Name != container {
					continue
				}
				if v, ok := c.Usage[res]; ok {
					out[m.Name] = podMetric{Timestamp: m.Timestamp.Time, Window: m.Window.Duration, Value: v.MilliValue()}
				}
				break
			}
			continue
		}
		sum := int64(0)
		missing := len(m.Containers) == 0
		for _, c := range m.Containers {
			v, ok := c.Usage[res]
			if !ok {
				missing = true
				break
			}
			sum += v.MilliValue()
		}
		if !missing {
			out[m.Name] = podMetric{Timestamp: m.Timestamp.Time, Window: m.Window.Duration, Value: sum}
		}
	}
	return out, items[0].Timestamp.Time, nil
}

// podGroups is the result of groupPods.
type podGroups struct {
	readyPodCount int
	unready       sets.Set[string]
	missing       sets.Set[string]
	ignored       sets.Set[string]
	// group and reason of each pod, for the explanation.
	group  map[string]string
	reason map[string]string
}

func podReadyCondition(pod *corev1.Pod) *corev1.PodCondition {
	for i := range pod.Status.Conditions {
		if pod.Status.Conditions[i].Type == corev1.PodReady {
			return &pod.Status.Conditions[i]
		}
	}
	return nil
}

// groupPods mirrors upstream groupPods: deleted and failed pods are ignored,
// pending pods are unready, pods without a metric are missing and, for cpu
// only, pods still initializing or never ready yet are unready.
func groupPods(pods []*corev1.Pod, metrics podMetricsInfo, res corev1.ResourceName, cpuInitializationPeriod, delayOfInitialReadinessStatus time.Duration, now time.Time) podGroups {
	g := podGroups{
		unready: sets.New[string](),
		missing: sets.New[string](),
		ignored: sets.New[string](),
		group:   map[string]string{},
		reason:  map[string]string{},
	}
	set := func(name, group, reason string) {
		g.group[name] = group
		g.reason[name] = reason
	}
	for _, pod := range pods {
		if pod.DeletionTimestamp != nil {
			g.ignored.Insert(pod.Name)
			set(pod.Name, PodIgnored, "pod is being deleted")
			continue
		}
		if pod.Status.Phase == corev1.PodFailed {
			g.ignored.Insert(pod.Name)
			set(pod.Name, PodIgnored, "pod has failed")
			continue
		}
		if pod.Status.Phase == corev1.PodPending {
			g.unready.Insert(pod.Name)
			set(pod.Name, PodUnready, "pod is Pending")
			continue
		}
		metric, found := metrics[pod.Name]
		if !found {
			g.missing.Insert(pod.Name)
			set(pod.Name, PodMissing, "no metric for this pod")
			continue
		}
		if res == corev1.ResourceCPU {
			unready, reason := cpuReadiness(pod, metric, cpuInitializationPeriod, delayOfInitialReadinessStatus, now)
			if unready {
				g.unready.Insert(pod.Name)
				set(pod.Name, PodUnready, reason)
				continue
			}
			set(pod.Name, PodReady, reason)
		} else {
			set(pod.Name, PodReady, fmt.Sprintf("has a metric (readiness is only considered for cpu), phase %s", phaseString(pod)))
		}
		g.readyPodCount++
	}
	return g
}

func phaseString(pod *corev1.Pod) string {
	if pod.Status.Phase == "" {
		return "unknown"
	}
	return string(pod.Status.Phase)
}

// cpuReadiness is the cpu-specific part of groupPods.
func cpuReadiness(pod *corev1.Pod, metric podMetric, cpuInitializationPeriod, delayOfInitialReadinessStatus time.Duration, now time.Time) (bool, string) {
	condition := podReadyCondition(pod)
	if condition == nil {
		return true, "pod has no Ready condition"
	}
	if pod.Status.StartTime == nil {
		return true, "pod has no start time"
	}
	start := pod.Status.StartTime.Time
	if start.Add(cpuInitializationPeriod).After(now) {
		// Pod still within possible initialisation period.
		if condition.Status == corev1.ConditionFalse {
			return true, fmt.Sprintf("pod is not Ready and within the cpu initialization period (%s since start, period %s)", now.Sub(start).Round(time.Second), cpuInitializationPeriod)
		}
		if metric.Timestamp.Before(condition.LastTransitionTime.Time.Add(metric.Window)) {
			return true, fmt.Sprintf("within the cpu initialization period (%s since start, period %s), the metric sample (%s) is less than one metric window (%s) after the last readiness transition (%s)",
				now.Sub(start).Round(time.Second), cpuInitializationPeriod, fmtTime(metric.Timestamp), metric.Window, fmtTime(condition.LastTransitionTime.Time))
		}
		return false, fmt.Sprintf("Ready, within the cpu initialization period but the metric sample covers a full window after becoming ready (condition %s)", condition.Status)
	}
	// Ignore metric if pod is unready and it has never been ready.
	if condition.Status == corev1.ConditionFalse && start.Add(delayOfInitialReadinessStatus).After(condition.LastTransitionTime.Time) {
		return true, fmt.Sprintf("pod is not Ready and has never been ready: its last readiness transition (%s) is within the initial readiness delay (%s) after start (%s)",
			fmtTime(condition.LastTransitionTime.Time), delayOfInitialReadinessStatus, fmtTime(start))
	}
	if condition.Status == corev1.ConditionFalse {
		return false, "pod is not Ready but has been ready since start (readiness changed after the initial readiness delay): its metric is used"
	}
	return false, fmt.Sprintf("Ready condition %s, past the cpu initialization period", condition.Status)
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format(time.RFC3339)
}

// calculateRequests mirrors upstream calculateRequests (PodLevelResources
// enabled, as by default in v1.36): the named container's request, else the
// pod-level request when set, else the sum over the containers (restartable
// init containers included). A pod lacking a request is an error naming it.
func calculateRequests(pods []*corev1.Pod, container string, res corev1.ResourceName) (map[string]int64, error) {
	requests := make(map[string]int64, len(pods))
	for _, pod := range pods {
		var request int64
		var err error
		if container == "" && resourcehelpers.IsPodLevelRequestsSet(pod) {
			request, err = podLevelRequest(pod, res)
		} else {
			request, err = containerRequests(pod, container, res)
		}
		if err != nil {
			return nil, err
		}
		requests[pod.Name] = request
	}
	return requests, nil
}

func podLevelRequest(pod *corev1.Pod, res corev1.ResourceName) (int64, error) {
	reqs := resourcehelpers.PodRequests(pod, resourcehelpers.PodResourcesOptions{})
	q, ok := reqs[res]
	if !ok {
		return 0, fmt.Errorf("missing pod-level request for %s in Pod %s", res, pod.Name)
	}
	return q.MilliValue(), nil
}

func containerRequests(pod *corev1.Pod, container string, res corev1.ResourceName) (int64, error) {
	containers := append([]corev1.Container{}, pod.Spec.Containers...)
	for _, c := range pod.Spec.InitContainers {
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			containers = append(containers, c)
		}
	}
	request := int64(0)
	for _, c := range containers {
		if container == "" || container == c.Name {
			q, ok := c.Resources.Requests[res]
			if !ok {
				return 0, fmt.Errorf("missing request for %s in container %s of Pod %s", res, c.Name, pod.Name)
			}
			request += q.MilliValue()
		}
		if container == c.Name {
			return request, nil
		}
	}
	if container != "" {
		return 0, fmt.Errorf("container %s not found in Pod %s", container, pod.Name)
	}
	return request, nil
}

// getResourceUtilizationRatio mirrors upstream GetResourceUtilizationRatio:
// the utilization is truncated to a whole percent before the ratio.
func getResourceUtilizationRatio(metrics podMetricsInfo, requests map[string]int64, targetUtilization int32) (float64, int32, int64, error) {
	metricsTotal := int64(0)
	requestsTotal := int64(0)
	numEntries := 0
	for podName, metric := range metrics {
		request, ok := requests[podName]
		if !ok {
			// missing requests are checked elsewhere: these are extraneous metrics
			continue
		}
		metricsTotal += metric.Value
		requestsTotal += request
		numEntries++
	}
	if requestsTotal == 0 {
		return 0, 0, 0, fmt.Errorf("no metrics returned matched known pods")
	}
	currentUtilization := int32((metricsTotal * 100) / requestsTotal)
	return float64(currentUtilization) / float64(targetUtilization), currentUtilization, metricsTotal / int64(numEntries), nil
}

// getMetricUsageRatio mirrors upstream GetMetricUsageRatio.
func getMetricUsageRatio(metrics podMetricsInfo, targetUsage int64) (float64, int64) {
	metricsTotal := int64(0)
	for _, metric := range metrics {
		metricsTotal += metric.Value
	}
	currentUsage := metricsTotal / int64(len(metrics))
	return float64(currentUsage) / float64(targetUsage), currentUsage
}

// metricCalc holds the inputs shared by the metric computations.
type metricCalc struct {
	pods                    []*corev1.Pod
	podMetrics              []metricsv1beta1.PodMetrics
	metricsErr              error
	cpuInitializationPeriod time.Duration
	initialReadinessDelay   time.Duration
	now                     time.Time
}

// resourceReplicas is the outcome of one resource metric computation.
type resourceReplicas struct {
	replicas    int32
	utilization int32 // utilization targets only
	rawValue    int64 // average usage (milli)
}

// getResourceReplicas mirrors upstream GetResourceReplicas (utilization
// target) and, when targetUtilization is nil, GetRawResourceReplicas
// (average value target, targetUsage in milli-units). It fills ex.
func (c *metricCalc) getResourceReplicas(currentReplicas int32, targetUtilization *int32, targetUsage int64, res corev1.ResourceName, tolerances Tolerances, container string, ex *MetricExplanation) (resourceReplicas, error) {
	metrics, _, err := getResourceMetric(c.podMetrics, c.metricsErr, res, container)
	if err != nil {
		return resourceReplicas{}, fmt.Errorf("unable to get metrics for resource %s: %v", res, err)
	}
	if len(c.pods) == 0 {
		return resourceReplicas{}, fmt.Errorf("no pods returned by selector while calculating replica count")
	}

	groups := groupPods(c.pods, metrics, res, c.cpuInitializationPeriod, c.initialReadinessDelay, c.now)
	c.explainPods(ex, groups, metrics, res, container)
	for name := range groups.ignored {
		delete(metrics, name)
	}
	for name := range groups.unready {
		delete(metrics, name)
	}
	if len(metrics) == 0 {
		return resourceReplicas{}, fmt.Errorf("did not receive metrics for targeted pods (pods might be unready)")
	}

	var (
		usageRatio float64
		out        resourceReplicas
		requests   map[string]int64
	)
	if targetUtilization != nil {
		requests, err = calculateRequests(c.pods, container, res)
		if err != nil {
			return resourceReplicas{}, err
		}
		usageRatio, out.utilization, out.rawValue, err = getResourceUtilizationRatio(metrics, requests, *targetUtilization)
		if err != nil {
			return resourceReplicas{}, err
		}
		u := out.utilization
		ex.CurrentUtilization = &u
	} else {
		usageRatio, out.rawValue = getMetricUsageRatio(metrics, targetUsage)
	}
	ex.CurrentAverageValue = quantityPtr(res, out.rawValue)
	ex.UsageRatio = usageRatio

	scaleUpWithUnready := groups.unready.Len() > 0 && usageRatio > 1.0
	if !scaleUpWithUnready && groups.missing.Len() == 0 {
		if tolerances.isWithin(usageRatio) {
			ex.Computation = fmt.Sprintf("usage ratio %.3f is within the tolerance [%.3f, %.3f]: keep the current %d replicas",
				usageRatio, 1-tolerances.ScaleDown, 1+tolerances.ScaleUp, currentReplicas)
			out.replicas = currentReplicas
			return out, nil
		}
		out.replicas = ceilInt32(usageRatio * float64(groups.readyPodCount))
		ex.Computation = fmt.Sprintf("ceil(usage ratio %.3f x %d ready pods) = %d", usageRatio, groups.readyPodCount, out.replicas)
		return out, nil
	}

	// Conservative recomputation.
	var notes []string
	if groups.missing.Len() > 0 {
		if usageRatio < 1.0 {
			if targetUtilization != nil {
				// on a scale-down, treat missing pods as using 100% (all) of
				// the resource request, or the utilization target for
				// targets higher than 100%
				fallback := int64(max(100, *targetUtilization))
				for name := range groups.missing {
					metrics[name] = podMetric{Value: requests[name] * fallback / 100}
				}
				notes = append(notes, fmt.Sprintf("%d missing pod(s) counted at %d%% of request (scale down)", groups.missing.Len(), fallback))
			} else {
				for name := range groups.missing {
					metrics[name] = podMetric{Value: targetUsage}
				}
				notes = append(notes, fmt.Sprintf("%d missing pod(s) counted at the target value (scale down)", groups.missing.Len()))
			}
		} else if usageRatio > 1.0 {
			for name := range groups.missing {
				metrics[name] = podMetric{Value: 0}
			}
			notes = append(notes, fmt.Sprintf("%d missing pod(s) counted at 0 (scale up)", groups.missing.Len()))
		} else {
			notes = append(notes, fmt.Sprintf("%d missing pod(s) left out (ratio is exactly 1)", groups.missing.Len()))
		}
	}
	if scaleUpWithUnready {
		for name := range groups.unready {
			metrics[name] = podMetric{Value: 0}
		}
		notes = append(notes, fmt.Sprintf("%d unready pod(s) counted at 0 (scale up)", groups.unready.Len()))
	}

	var newUsageRatio float64
	if targetUtilization != nil {
		newUsageRatio, _, _, err = getResourceUtilizationRatio(metrics, requests, *targetUtilization)
		if err != nil {
			return resourceReplicas{utilization: out.utilization, rawValue: out.rawValue}, err
		}
	} else {
		newUsageRatio, _ = getMetricUsageRatio(metrics, targetUsage)
	}
	ex.Recomputed = true
	ex.RecomputedUsageRatio = newUsageRatio
	prefix := fmt.Sprintf("%s: recomputed usage ratio %.3f", joinNotes(notes), newUsageRatio)

	if tolerances.isWithin(newUsageRatio) {
		ex.Computation = fmt.Sprintf("%s is within the tolerance [%.3f, %.3f]: keep the current %d replicas", prefix, 1-tolerances.ScaleDown, 1+tolerances.ScaleUp, currentReplicas)
		out.replicas = currentReplicas
		return out, nil
	}
	if (usageRatio < 1.0 && newUsageRatio > 1.0) || (usageRatio > 1.0 && newUsageRatio < 1.0) {
		ex.Computation = fmt.Sprintf("%s would reverse the scale direction (ratio before %.3f): keep the current %d replicas", prefix, usageRatio, currentReplicas)
		out.replicas = currentReplicas
		return out, nil
	}
	newReplicas := ceilInt32(newUsageRatio * float64(len(metrics)))
	if (newUsageRatio < 1.0 && newReplicas > currentReplicas) || (newUsageRatio > 1.0 && newReplicas < currentReplicas) {
		ex.Computation = fmt.Sprintf("%s; ceil(%.3f x %d pods) = %d would reverse the scale direction: keep the current %d replicas", prefix, newUsageRatio, len(metrics), newReplicas, currentReplicas)
		out.replicas = currentReplicas
		return out, nil
	}
	ex.Computation = fmt.Sprintf("%s; ceil(%.3f x %d pods) = %d", prefix, newUsageRatio, len(metrics), newReplicas)
	out.replicas = newReplicas
	return out, nil
}

// ceilInt32 is int32(math.Ceil(x)), saturated to the int32 range (upstream
// does not guard resource metrics against overflow; only absurd inputs differ).
func ceilInt32(x float64) int32 {
	c := math.Ceil(x)
	switch {
	case math.IsNaN(c):
		return 0
	case c >= math.MaxInt32:
		return math.MaxInt32
	case c <= math.MinInt32:
		return math.MinInt32
	}
	return int32(c)
}

func joinNotes(notes []string) string {
	if len(notes) == 0 {
		return "recomputation"
	}
	s := notes[0]
	for _, n := range notes[1:] {
		s += "; " + n
	}
	return s
}

// explainPods fills the per-pod part of ex.
func (c *metricCalc) explainPods(ex *MetricExplanation, g podGroups, metrics podMetricsInfo, res corev1.ResourceName, container string) {
	selected := sets.New[string]()
	for _, pod := range c.pods {
		selected.Insert(pod.Name)
		pe := PodExplanation{Name: pod.Name, Group: g.group[pod.Name], Reason: g.reason[pod.Name]}
		if m, ok := metrics[pod.Name]; ok {
			pe.Usage = quantityPtr(res, m.Value)
		}
		var req int64
		var err error
		if container == "" && resourcehelpers.IsPodLevelRequestsSet(pod) {
			req, err = podLevelRequest(pod, res)
		} else {
			req, err = containerRequests(pod, container, res)
		}
		if err == nil {
			pe.Request = quantityPtr(res, req)
		}
		ex.Pods = append(ex.Pods, pe)
	}
	sort.Slice(ex.Pods, func(i, j int) bool { return ex.Pods[i].Name < ex.Pods[j].Name })
	for name := range metrics {
		if !selected.Has(name) {
			ex.ExtraMetrics = append(ex.ExtraMetrics, name)
		}
	}
	sort.Strings(ex.ExtraMetrics)
	ex.ReadyPods = g.readyPodCount
	ex.UnreadyPods = sets.List(g.unready)
	ex.MissingPods = sets.List(g.missing)
	ex.IgnoredPods = sets.List(g.ignored)
}

// buildQuantity mirrors upstream buildQuantity: memory is rendered in binary
// SI units, everything else in decimal SI.
func buildQuantity(res corev1.ResourceName, milli int64) resource.Quantity {
	format := resource.DecimalSI
	if res == corev1.ResourceMemory {
		format = resource.BinarySI
	}
	return *resource.NewMilliQuantity(milli, format)
}

func quantityPtr(res corev1.ResourceName, milli int64) *resource.Quantity {
	q := buildQuantity(res, milli)
	return &q
}
