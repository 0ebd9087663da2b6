package decision

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"

	autoscalingv1alpha1 "github.com/coxswain-io/coxswain/pkg/apis/autoscaling/v1alpha1"
)

// Decision paths (Explanation.Path).
const (
	PathScalingDisabled  = "ScalingDisabled"
	PathAboveMaxReplicas = "AboveMaxReplicas"
	PathBelowMinReplicas = "BelowMinReplicas"
	PathMetricsFailed    = "MetricsFailed"
	PathMetrics          = "Metrics"
)

// Event types.
const (
	EventTypeNormal  = "Normal"
	EventTypeWarning = "Warning"
)

func metaTime(t time.Time) metav1.Time { return metav1.NewTime(t) }

// Decide computes the decision for in with opts. It never panics on
// malformed input: problems are reported like upstream, as conditions,
// events and Result.Err.
func Decide(in Input, opts Options) Result {
	d := newDecider(in, opts)
	return d.run()
}

type decider struct {
	in         Input
	opts       Options
	pa         *autoscalingv1alpha1.PodAutoscaler
	spec       autoscalingv1alpha1.PodAutoscalerSpec // defaulted copy
	status     autoscalingv1alpha1.PodAutoscalerStatus
	hist       *history
	now        time.Time
	generation int64
	reference  string
	events     []Event
	ex         Explanation
}

func newDecider(in Input, opts Options) *decider {
	pa := in.Autoscaler
	if pa == nil {
		pa = &autoscalingv1alpha1.PodAutoscaler{}
	}
	pa = pa.DeepCopy()
	spec := *pa.Spec.DeepCopy()
	autoscalingv1alpha1.SetSpecDefaults(&spec)
	d := &decider{
		in:         in,
		opts:       opts,
		pa:         pa,
		spec:       spec,
		status:     *pa.Status.DeepCopy(),
		hist:       newHistory(pa.Status.History),
		now:        in.Now,
		generation: pa.Generation,
		reference:  fmt.Sprintf("%s/%s/%s", spec.ScaleTargetRef.Kind, pa.Namespace, spec.ScaleTargetRef.Name),
	}
	d.ex = Explanation{
		Autoscaler:      pa.Namespace + "/" + pa.Name,
		Target:          d.reference,
		Now:             in.Now.UTC(),
		CurrentReplicas: in.Scale.Replicas,
		StatusReplicas:  in.Scale.StatusReplicas,
		MinReplicas:     spec.EffectiveMinReplicas(),
		MaxReplicas:     spec.MaxReplicas,
		Selector:        in.Scale.Selector,
		Tolerances:      d.tolerances(),
	}
	return d
}

func (d *decider) setCondition(condType string, status metav1.ConditionStatus, reason, message string) {
	setCondition(&d.status.Conditions, condType, status, reason, message, d.generation, d.now)
}

// setCondition mirrors upstream setConditionInList with metav1.Condition: the
// transition time changes only when the status does; conditions keep their
// order.
func setCondition(conds *[]metav1.Condition, condType string, status metav1.ConditionStatus, reason, message string, generation int64, now time.Time) {
	for i := range *conds {
		c := &(*conds)[i]
		if c.Type != condType {
			continue
		}
		if c.Status != status {
			c.LastTransitionTime = metaTime(now)
		}
		c.Status, c.Reason, c.Message, c.ObservedGeneration = status, reason, message, generation
		return
	}
	*conds = append(*conds, metav1.Condition{
		Type: condType, Status: status, Reason: reason, Message: message,
		ObservedGeneration: generation, LastTransitionTime: metaTime(now),
	})
}

func (d *decider) event(typ, reason, message string) {
	d.events = append(d.events, Event{Type: typ, Reason: reason, Message: message})
}

// tolerances mirrors upstream tolerancesForHpa (HPAConfigurableTolerance is
// enabled by default in v1.36).
func (d *decider) tolerances() Tolerances {
	t := Tolerances{ScaleUp: d.opts.Tolerance, ScaleDown: d.opts.Tolerance}
	b := d.pa.Spec.Behavior
	if b == nil {
		return t
	}
	if b.ScaleDown != nil && b.ScaleDown.Tolerance != nil {
		t.ScaleDown = b.ScaleDown.Tolerance.AsApproximateFloat64()
	}
	if b.ScaleUp != nil && b.ScaleUp.Tolerance != nil {
		t.ScaleUp = b.ScaleUp.Tolerance.AsApproximateFloat64()
	}
	return t
}

func (d *decider) run() Result {
	d.setCondition(autoscalingv1alpha1.AbleToScale, metav1.ConditionTrue, "SucceededGetScale", "the HPA controller was able to get the target's current scale")
	currentReplicas := d.in.Scale.Replicas
	d.ex.InitialRecommendation = d.hist.recordInitialRecommendation(currentReplicas, d.now)

	var (
		metricStatuses  []autoscalingv1alpha1.MetricStatus
		desiredReplicas int32
		rescaleReason   string
		retErr          error
	)
	minReplicas := d.spec.EffectiveMinReplicas()
	rescale := true
	needsMetricComputation := true

	switch {
	case currentReplicas == 0:
		desiredReplicas = 0
		rescale = false
		needsMetricComputation = false
		d.ex.Path = PathScalingDisabled
		d.setCondition(autoscalingv1alpha1.ScalingActive, metav1.ConditionFalse, "ScalingDisabled", "scaling is disabled since the replica count of the target is zero")
	case currentReplicas > d.spec.MaxReplicas:
		rescaleReason = "Current number of replicas above Spec.MaxReplicas"
		desiredReplicas = d.spec.MaxReplicas
		needsMetricComputation = false
		d.ex.Path = PathAboveMaxReplicas
	case currentReplicas < minReplicas:
		rescaleReason = "Current number of replicas below Spec.MinReplicas"
		desiredReplicas = minReplicas
		needsMetricComputation = false
		d.ex.Path = PathBelowMinReplicas
	}

	if needsMetricComputation {
		d.ex.Path = PathMetrics
		metricDesiredReplicas, chosenMetric, statuses, err := d.computeReplicasForMetrics(d.spec.Metrics)
		metricStatuses = statuses
		if err != nil && metricDesiredReplicas == -1 {
			d.ex.Path = PathMetricsFailed
			retErr = fmt.Errorf("failed to compute desired number of replicas based on listed metrics for %s: %v", d.reference, err)
			d.event(EventTypeWarning, "FailedComputeMetricsReplicas", err.Error())
			// upstream setCurrentReplicasAndMetricsInStatus: desired replicas
			// and last scale time unchanged.
			d.status.CurrentReplicas = currentReplicas
			d.status.CurrentMetrics = metricStatuses
			return d.finish(currentReplicas, currentReplicas, false, "", retErr)
		}
		if err != nil {
			// Scaling proceeds on the valid metrics, but the error is reported.
			retErr = err
		}
		raw := metricDesiredReplicas
		d.ex.RawRecommendation = &raw
		d.ex.RawMetric = chosenMetric

		rescaleMetric := ""
		if metricDesiredReplicas > desiredReplicas {
			desiredReplicas = metricDesiredReplicas
			rescaleMetric = chosenMetric
		}
		if desiredReplicas > currentReplicas {
			rescaleReason = fmt.Sprintf("%s above target", rescaleMetric)
		}
		if desiredReplicas < currentReplicas {
			rescaleReason = "All metrics below target"
		}
		if d.spec.Behavior == nil {
			desiredReplicas = d.normalizeDesiredReplicas(currentReplicas, desiredReplicas, minReplicas)
		} else {
			desiredReplicas = d.normalizeDesiredReplicasWithBehaviors(currentReplicas, desiredReplicas, minReplicas)
		}
		limited := desiredReplicas
		d.ex.LimitedRecommendation = &limited
		rescale = desiredReplicas != currentReplicas
	}

	// What the status looks like if the rescale fails (StatusOnRescaleFailure).
	d.status.CurrentReplicas = currentReplicas
	d.status.CurrentMetrics = metricStatuses
	failure := d.snapshot()

	if rescale {
		d.setCondition(autoscalingv1alpha1.AbleToScale, metav1.ConditionTrue, "SucceededRescale", fmt.Sprintf("the HPA controller was able to update the target scale to %d", desiredReplicas))
		d.event(EventTypeNormal, "SuccessfulRescale", fmt.Sprintf("New size: %d; reason: %s", desiredReplicas, rescaleReason))
		d.hist.storeScaleEvent(d.spec.Behavior, currentReplicas, desiredReplicas, d.now)
		t := metaTime(d.now)
		d.status.LastScaleTime = &t
	} else {
		desiredReplicas = currentReplicas
		rescaleReason = "" // upstream only uses it for a rescale
	}
	d.status.DesiredReplicas = desiredReplicas
	r := d.finish(currentReplicas, desiredReplicas, rescale, rescaleReason, retErr)
	r.failure = failure
	return r
}

// snapshot captures the state StatusOnRescaleFailure starts from.
func (d *decider) snapshot() failureState {
	st := *d.status.DeepCopy()
	st.History = d.hist.toAPI().DeepCopy()
	if st.History != nil {
		// prune like finish does, without the (not stored) scale event
		h := newHistory(st.History)
		h.pruneScaleEvents(d.spec.Behavior, d.now)
		st.History = h.toAPI()
	}
	gen := d.generation
	st.ObservedGeneration = &gen
	st.Targets = autoscalingv1alpha1.FormatTargets(d.spec.Metrics, st.CurrentMetrics)
	return failureState{status: st, now: d.now, generation: d.generation}
}

func (d *decider) finish(current, desired int32, rescale bool, reason string, err error) Result {
	d.hist.pruneScaleEvents(d.spec.Behavior, d.now)
	d.status.History = d.hist.toAPI()
	gen := d.generation
	d.status.ObservedGeneration = &gen
	d.status.Targets = autoscalingv1alpha1.FormatTargets(d.spec.Metrics, d.status.CurrentMetrics)

	d.ex.DesiredReplicas = desired
	d.ex.Rescale = rescale
	d.ex.Reason = reason
	if err != nil {
		d.ex.Error = err.Error()
	}
	return Result{
		CurrentReplicas: current,
		DesiredReplicas: desired,
		Rescale:         rescale,
		Reason:          reason,
		Status:          d.status,
		Err:             err,
		Events:          d.events,
		Explanation:     d.ex,
	}
}

// StatusOnRescaleFailure returns the status to write when updating the
// target's scale failed with err, and the event to record (upstream:
// AbleToScale False FailedUpdateScale, desired replicas and last scale time
// unchanged, no scale event stored; the recommendation is kept).
func (r *Result) StatusOnRescaleFailure(err error) (autoscalingv1alpha1.PodAutoscalerStatus, Event) {
	st := *r.failure.status.DeepCopy()
	if r.failure.now.IsZero() {
		// The decision did not rescale; nothing to undo.
		st = *r.Status.DeepCopy()
	}
	setCondition(&st.Conditions, autoscalingv1alpha1.AbleToScale, metav1.ConditionFalse, "FailedUpdateScale",
		fmt.Sprintf("the HPA controller was unable to update the target scale: %v", err), r.failure.generation, r.failure.now)
	ev := Event{Type: EventTypeWarning, Reason: "FailedRescale",
		Message: fmt.Sprintf("New size: %d; reason: %s; error: %v", r.DesiredReplicas, r.Reason, err)}
	return st, ev
}

// FailedGetScaleStatus returns the status to write when the target's scale
// cannot be read (upstream: AbleToScale False FailedGetScale, the rest of the
// status unchanged), and the event to record.
func FailedGetScaleStatus(pa *autoscalingv1alpha1.PodAutoscaler, err error, now time.Time) (autoscalingv1alpha1.PodAutoscalerStatus, Event) {
	st := *pa.Status.DeepCopy()
	setCondition(&st.Conditions, autoscalingv1alpha1.AbleToScale, metav1.ConditionFalse, "FailedGetScale",
		fmt.Sprintf("the HPA controller was unable to get the target's current scale: %v", err), pa.Generation, now)
	return st, Event{Type: EventTypeWarning, Reason: "FailedGetScale", Message: err.Error()}
}

// normalizeDesiredReplicas mirrors the upstream legacy normalization.
func (d *decider) normalizeDesiredReplicas(currentReplicas, prenormalizedDesiredReplicas, minReplicas int32) int32 {
	stabilized, sx := d.hist.stabilizeRecommendation(prenormalizedDesiredReplicas, d.opts.DownscaleStabilization, d.now)
	if stabilized != prenormalizedDesiredReplicas {
		sx.Reason, sx.Message = reasonScaleDownStabilized, messageScaleDownStabilized
	} else {
		sx.Reason, sx.Message = reasonReadyForNewScale, messageReadyForNewScale
	}
	d.setCondition(autoscalingv1alpha1.AbleToScale, metav1.ConditionTrue, sx.Reason, sx.Message)
	d.ex.Stabilization = sx
	s := stabilized
	d.ex.StabilizedRecommendation = &s

	desired, reason, message, lx := convertDesiredReplicasWithRules(currentReplicas, stabilized, minReplicas, d.spec.MaxReplicas)
	d.setLimited(desired, stabilized, reason, message, lx)
	return desired
}

// normalizeDesiredReplicasWithBehaviors mirrors the upstream function.
func (d *decider) normalizeDesiredReplicasWithBehaviors(currentReplicas, prenormalizedDesiredReplicas, minReplicas int32) int32 {
	scaleDown := d.spec.Behavior.ScaleDown
	if scaleDown.StabilizationWindowSeconds == nil {
		// maybeInitScaleDownStabilizationWindow
		w := int32(d.opts.DownscaleStabilization.Seconds())
		scaleDown.StabilizationWindowSeconds = &w
	}
	args := normalizationArg{
		ScaleUpBehavior:   d.spec.Behavior.ScaleUp,
		ScaleDownBehavior: scaleDown,
		MinReplicas:       minReplicas,
		MaxReplicas:       d.spec.MaxReplicas,
		CurrentReplicas:   currentReplicas,
		DesiredReplicas:   prenormalizedDesiredReplicas,
	}
	stabilized, reason, message, sx := d.hist.stabilizeRecommendationWithBehaviors(args, d.now)
	args.DesiredReplicas = stabilized
	if stabilized != prenormalizedDesiredReplicas {
		sx.Reason, sx.Message = reason, message
	} else {
		sx.Reason, sx.Message = reasonReadyForNewScale, messageReadyForNewScale
	}
	d.setCondition(autoscalingv1alpha1.AbleToScale, metav1.ConditionTrue, sx.Reason, sx.Message)
	d.ex.Stabilization = sx
	s := stabilized
	d.ex.StabilizedRecommendation = &s

	desired, reason, message, lx := d.hist.convertDesiredReplicasWithBehaviorRate(args, d.now)
	d.setLimited(desired, stabilized, reason, message, lx)
	return desired
}

func (d *decider) setLimited(desired, stabilized int32, reason, message string, lx *LimitExplanation) {
	status := metav1.ConditionFalse
	if desired != stabilized {
		status = metav1.ConditionTrue
	}
	d.setCondition(autoscalingv1alpha1.ScalingLimited, status, reason, message)
	lx.Limited = desired != stabilized
	lx.Reason, lx.Message, lx.Result = reason, message, desired
	d.ex.Limits = lx
}

// selectedPods returns the pods of the autoscaler's namespace matched by the
// selector, sorted by name.
func (d *decider) selectedPods(selector labels.Selector) []*corev1.Pod {
	var pods []*corev1.Pod
	for i := range d.in.Pods {
		p := &d.in.Pods[i]
		if p.Namespace != "" && d.pa.Namespace != "" && p.Namespace != d.pa.Namespace {
			continue
		}
		if !selector.Matches(labels.Set(p.Labels)) {
			continue
		}
		pods = append(pods, p)
	}
	sort.SliceStable(pods, func(i, j int) bool { return pods[i].Name < pods[j].Name })
	return pods
}

// selectedPodMetrics returns the PodMetrics a list with the selector returns:
// those whose labels match; a PodMetrics without labels is kept when it names
// a selected pod.
func (d *decider) selectedPodMetrics(selector labels.Selector, pods []*corev1.Pod) []metricsv1beta1.PodMetrics {
	names := map[string]bool{}
	for _, p := range pods {
		names[p.Name] = true
	}
	var out []metricsv1beta1.PodMetrics
	for _, m := range d.in.PodMetrics {
		if m.Namespace != "" && d.pa.Namespace != "" && m.Namespace != d.pa.Namespace {
			continue
		}
		if len(m.Labels) == 0 {
			if names[m.Name] {
				out = append(out, m)
			}
			continue
		}
		if selector.Matches(labels.Set(m.Labels)) {
			out = append(out, m)
		}
	}
	return out
}

// validateAndParseSelector mirrors the upstream function.
func (d *decider) validateAndParseSelector(selector string) (labels.Selector, error) {
	if selector == "" {
		d.event(EventTypeWarning, "SelectorRequired", "selector is required")
		d.setCondition(autoscalingv1alpha1.ScalingActive, metav1.ConditionFalse, "InvalidSelector", "the HPA target's scale is missing a selector")
		return nil, errors.New("selector is required")
	}
	parsed, err := labels.Parse(selector)
	if err != nil {
		msg := fmt.Sprintf("couldn't convert selector into a corresponding internal selector object: %v", err)
		d.event(EventTypeWarning, "InvalidSelector", msg)
		d.setCondition(autoscalingv1alpha1.ScalingActive, metav1.ConditionFalse, "InvalidSelector", msg)
		return nil, errors.New(msg)
	}
	if len(d.in.AmbiguousWith) > 0 {
		all := append([]string{d.pa.Namespace + "/" + d.pa.Name}, d.in.AmbiguousWith...)
		sort.Strings(all)
		msg := fmt.Sprintf("pods by selector %v are controlled by multiple HPAs: [%s]", selector, strings.Join(all, " "))
		d.event(EventTypeWarning, "AmbiguousSelector", msg)
		d.setCondition(autoscalingv1alpha1.ScalingActive, metav1.ConditionFalse, "AmbiguousSelector", msg)
		return nil, errors.New(msg)
	}
	return parsed, nil
}

// computeReplicasForMetrics mirrors the upstream function: the maximum over
// the metrics; if all metrics are invalid, or some are and the result would
// scale down, it fails (-1) with the condition of the first invalid metric.
func (d *decider) computeReplicasForMetrics(metricSpecs []autoscalingv1alpha1.MetricSpec) (int32, string, []autoscalingv1alpha1.MetricStatus, error) {
	selector, err := d.validateAndParseSelector(d.in.Scale.Selector)
	if err != nil {
		return -1, "", nil, err
	}
	pods := d.selectedPods(selector)
	d.ex.SelectedPods = len(pods)
	calc := &metricCalc{
		pods:                    pods,
		podMetrics:              d.selectedPodMetrics(selector, pods),
		metricsErr:              d.in.MetricsError,
		cpuInitializationPeriod: d.opts.CPUInitializationPeriod,
		initialReadinessDelay:   d.opts.InitialReadinessDelay,
		now:                     d.now,
	}

	specReplicas := d.in.Scale.Replicas
	statuses := make([]autoscalingv1alpha1.MetricStatus, len(metricSpecs))
	var (
		replicas               int32
		metric                 string
		invalidMetricsCount    int
		invalidMetricError     error
		invalidMetricCondition *metav1.Condition
	)
	for i, metricSpec := range metricSpecs {
		ex := MetricExplanation{Index: i, Type: metricSpec.Type}
		proposal, name, cond, err := d.computeReplicasForMetric(calc, metricSpec, specReplicas, &statuses[i], &ex)
		if err != nil {
			ex.Error = err.Error()
			ex.ConditionReason = cond.Reason
			d.ex.Metrics = append(d.ex.Metrics, ex)
			if invalidMetricsCount <= 0 {
				invalidMetricCondition = &cond
				invalidMetricError = err
			}
			invalidMetricsCount++
			continue
		}
		ex.ProposedReplicas = proposal
		d.ex.Metrics = append(d.ex.Metrics, ex)
		if replicas == 0 || proposal > replicas {
			replicas = proposal
			metric = name
		}
	}
	d.ex.InvalidMetrics = invalidMetricsCount

	if invalidMetricError != nil {
		invalidMetricError = fmt.Errorf("invalid metrics (%v invalid out of %v), first error is: %v", invalidMetricsCount, len(metricSpecs), invalidMetricError)
	}
	if invalidMetricsCount >= len(metricSpecs) || (invalidMetricsCount > 0 && replicas < specReplicas) {
		d.setCondition(invalidMetricCondition.Type, invalidMetricCondition.Status, invalidMetricCondition.Reason, invalidMetricCondition.Message)
		return -1, "", statuses, invalidMetricError
	}
	d.setCondition(autoscalingv1alpha1.ScalingActive, metav1.ConditionTrue, "ValidMetricFound", fmt.Sprintf("the HPA was able to successfully calculate a replica count from %s", metric))
	return replicas, metric, statuses, invalidMetricError
}

// unableToComputeCondition mirrors getUnableComputeReplicaCountCondition (it
// also records the warning event).
func (d *decider) unableToComputeCondition(reason string, err error) metav1.Condition {
	d.event(EventTypeWarning, reason, err.Error())
	return metav1.Condition{
		Type:    autoscalingv1alpha1.ScalingActive,
		Status:  metav1.ConditionFalse,
		Reason:  reason,
		Message: fmt.Sprintf("the HPA was unable to compute the replica count: %v", err),
	}
}

// computeReplicasForMetric mirrors the upstream function for the Resource and
// ContainerResource metric source types. The status of a failed metric keeps
// its type and resource name, with an empty current value.
func (d *decider) computeReplicasForMetric(calc *metricCalc, spec autoscalingv1alpha1.MetricSpec, specReplicas int32, status *autoscalingv1alpha1.MetricStatus, ex *MetricExplanation) (int32, string, metav1.Condition, error) {
	switch {
	case spec.Type == autoscalingv1alpha1.ResourceMetricSourceType && spec.Resource != nil:
		src := spec.Resource
		ex.Resource = src.Name
		ex.Target = formatMetricTarget(src.Target)
		ex.Name = metricName(src.Target, src.Name, spec.Type)
		*status = autoscalingv1alpha1.MetricStatus{Type: spec.Type, Resource: &autoscalingv1alpha1.ResourceMetricStatus{Name: src.Name}}
		replicas, current, name, err := d.computeStatusForResourceMetricGeneric(calc, specReplicas, src.Target, src.Name, "", spec.Type, ex)
		if err != nil {
			cond := d.unableToComputeCondition("FailedGetResourceMetric", err)
			return 0, "", cond, fmt.Errorf("failed to get %s resource metric value: %v", src.Name, err)
		}
		status.Resource.Current = current
		ex.Name = name
		return replicas, name, metav1.Condition{}, nil
	case spec.Type == autoscalingv1alpha1.ContainerResourceMetricSourceType && spec.ContainerResource != nil:
		src := spec.ContainerResource
		ex.Resource = src.Name
		ex.Container = src.Container
		ex.Target = formatMetricTarget(src.Target)
		ex.Name = metricName(src.Target, src.Name, spec.Type)
		*status = autoscalingv1alpha1.MetricStatus{Type: spec.Type, ContainerResource: &autoscalingv1alpha1.ContainerResourceMetricStatus{Name: src.Name, Container: src.Container}}
		if src.Container == "" {
			err := errors.New("invalid container resource metric source: the container name is empty")
			cond := d.unableToComputeCondition("FailedGetContainerResourceMetric", err)
			return 0, "", cond, fmt.Errorf("failed to get %s container metric value: %v", src.Container, err)
		}
		replicas, current, name, err := d.computeStatusForResourceMetricGeneric(calc, specReplicas, src.Target, src.Name, src.Container, spec.Type, ex)
		if err != nil {
			cond := d.unableToComputeCondition("FailedGetContainerResourceMetric", err)
			return 0, "", cond, fmt.Errorf("failed to get %s container metric value: %v", src.Container, err)
		}
		status.ContainerResource.Current = current
		ex.Name = name
		return replicas, name, metav1.Condition{}, nil
	default:
		*status = autoscalingv1alpha1.MetricStatus{Type: spec.Type}
		err := fmt.Errorf("unknown metric source type %q (or its %s field is not set)", string(spec.Type), lowerFirst(string(spec.Type)))
		cond := d.unableToComputeCondition("InvalidMetricSourceType", err)
		return 0, "", cond, err
	}
}

func lowerFirst(s string) string {
	if s == "" {
		return "source"
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// computeStatusForResourceMetricGeneric mirrors the upstream function.
func (d *decider) computeStatusForResourceMetricGeneric(calc *metricCalc, currentReplicas int32, target autoscalingv1alpha1.MetricTarget, res corev1.ResourceName, container string, sourceType autoscalingv1alpha1.MetricSourceType, ex *MetricExplanation) (int32, autoscalingv1alpha1.MetricValueStatus, string, error) {
	tolerances := d.tolerances()
	if target.AverageValue != nil {
		targetUsage := target.AverageValue.MilliValue()
		if targetUsage <= 0 {
			return 0, autoscalingv1alpha1.MetricValueStatus{}, "", fmt.Errorf("invalid resource metric source: the average value target must be positive, got %s", target.AverageValue.String())
		}
		out, err := calc.getResourceReplicas(currentReplicas, nil, targetUsage, res, tolerances, container, ex)
		if err != nil {
			return 0, autoscalingv1alpha1.MetricValueStatus{}, "", fmt.Errorf("failed to get %s usage: %v", res, err)
		}
		q := buildQuantity(res, out.rawValue)
		return out.replicas, autoscalingv1alpha1.MetricValueStatus{AverageValue: &q}, metricName(target, res, sourceType), nil
	}
	if target.AverageUtilization == nil {
		return 0, autoscalingv1alpha1.MetricValueStatus{}, "", errors.New("invalid resource metric source: neither an average utilization target nor an average value (usage) target was set")
	}
	if *target.AverageUtilization <= 0 {
		return 0, autoscalingv1alpha1.MetricValueStatus{}, "", fmt.Errorf("invalid resource metric source: the average utilization target must be greater than 0, got %d", *target.AverageUtilization)
	}
	out, err := calc.getResourceReplicas(currentReplicas, target.AverageUtilization, 0, res, tolerances, container, ex)
	if err != nil {
		return 0, autoscalingv1alpha1.MetricValueStatus{}, "", fmt.Errorf("failed to get %s utilization: %v", res, err)
	}
	name := metricName(target, res, sourceType)
	q := buildQuantity(res, out.rawValue)
	u := out.utilization
	return out.replicas, autoscalingv1alpha1.MetricValueStatus{AverageUtilization: &u, AverageValue: &q}, name, nil
}

// metricName is the upstream description of a resource metric, used in the
// ScalingActive condition and the rescale reason.
func metricName(target autoscalingv1alpha1.MetricTarget, res corev1.ResourceName, sourceType autoscalingv1alpha1.MetricSourceType) string {
	if target.AverageValue != nil {
		return fmt.Sprintf("%s resource", res)
	}
	if sourceType == autoscalingv1alpha1.ContainerResourceMetricSourceType {
		return fmt.Sprintf("%s container resource utilization (percentage of request)", res)
	}
	return fmt.Sprintf("%s resource utilization (percentage of request)", res)
}

func formatMetricTarget(t autoscalingv1alpha1.MetricTarget) string {
	switch {
	case t.AverageValue != nil:
		return t.AverageValue.String() + " (average value)"
	case t.AverageUtilization != nil:
		return fmt.Sprintf("%d%% (of request)", *t.AverageUtilization)
	}
	return "<unset>"
}

// FindCondition returns the condition of the given type in st, or nil.
func FindCondition(st *autoscalingv1alpha1.PodAutoscalerStatus, condType string) *metav1.Condition {
	return meta.FindStatusCondition(st.Conditions, condType)
}
