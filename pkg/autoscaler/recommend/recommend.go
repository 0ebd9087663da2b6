// Package recommend is the what-if library behind `autoscaler recommend`: it
// reads a PodAutoscaler, its scale target, the target's Pods and their
// PodMetrics from a YAML or JSON stream, runs the autoscaler's decision
// function on them, and explains the result.
package recommend

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	autoscalingv1alpha1 "github.com/coxswain-io/coxswain/pkg/apis/autoscaling/v1alpha1"
	"github.com/coxswain-io/coxswain/pkg/autoscaler/decision"
)

// Options configure a recommendation.
type Options struct {
	// Now is the evaluation time (the zero value means time.Now()).
	Now time.Time
	// Decision are the controller timing and tolerance options.
	Decision decision.Options
}

// DefaultOptions returns the upstream controller defaults, evaluated now.
func DefaultOptions() Options {
	return Options{Decision: decision.DefaultOptions()}
}

// Report is a recommendation: the decision and what it was computed from.
type Report struct {
	// Autoscaler is the input PodAutoscaler.
	Autoscaler *autoscalingv1alpha1.PodAutoscaler
	// Target describes the scale target object.
	Target string
	// Scale is what was read from the target.
	Scale decision.Scale
	// Pods and PodMetrics count the input objects of these kinds.
	Pods, PodMetrics int
	// Options are the options used (Now resolved).
	Options Options
	// Result is the decision.
	Result decision.Result
}

// Run parses the stream r and computes the recommendation.
func Run(r io.Reader, opts Options) (*Report, error) {
	b, err := Parse(r)
	if err != nil {
		return nil, err
	}
	return Recommend(b, opts)
}

// Recommend computes the recommendation for a parsed bundle.
func Recommend(b *Bundle, opts Options) (*Report, error) {
	if b == nil || b.Autoscaler == nil {
		return nil, fmt.Errorf("no PodAutoscaler to evaluate")
	}
	if err := opts.Decision.Validate(); err != nil {
		return nil, err
	}
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	scale, err := scaleOf(b.Target)
	if err != nil {
		return nil, err
	}
	res := decision.Decide(decision.Input{
		Autoscaler: b.Autoscaler,
		Scale:      scale,
		Pods:       b.Pods,
		PodMetrics: b.PodMetrics,
		Now:        opts.Now,
	}, opts.Decision)
	return &Report{
		Autoscaler: b.Autoscaler,
		Target:     b.Target.Describe(),
		Scale:      scale,
		Pods:       len(b.Pods),
		PodMetrics: len(b.PodMetrics),
		Options:    opts,
		Result:     res,
	}, nil
}

// JSONCondition is a condition in the JSON output.
type JSONCondition struct {
	Type    string                 `json:"type"`
	Status  metav1.ConditionStatus `json:"status"`
	Reason  string                 `json:"reason"`
	Message string                 `json:"message,omitempty"`
}

// JSONReport is the document WriteJSON prints.
type JSONReport struct {
	Autoscaler      string                                  `json:"autoscaler"`
	Target          string                                  `json:"target"`
	Now             time.Time                               `json:"now"`
	CurrentReplicas int32                                   `json:"currentReplicas"`
	DesiredReplicas int32                                   `json:"desiredReplicas"`
	Rescale         bool                                    `json:"rescale"`
	Reason          string                                  `json:"reason,omitempty"`
	Error           string                                  `json:"error,omitempty"`
	Conditions      []JSONCondition                         `json:"conditions"`
	Events          []decision.Event                        `json:"events,omitempty"`
	Status          autoscalingv1alpha1.PodAutoscalerStatus `json:"status"`
	Explanation     decision.Explanation                    `json:"explanation"`
}

// JSON returns the JSON document of the report.
func (r *Report) JSON() JSONReport {
	res := r.Result
	out := JSONReport{
		Autoscaler:      res.Explanation.Autoscaler,
		Target:          r.Target,
		Now:             r.Options.Now.UTC(),
		CurrentReplicas: res.CurrentReplicas,
		DesiredReplicas: res.DesiredReplicas,
		Rescale:         res.Rescale,
		Reason:          res.Reason,
		Conditions:      []JSONCondition{},
		Events:          res.Events,
		Status:          res.Status,
		Explanation:     res.Explanation,
	}
	if res.Err != nil {
		out.Error = res.Err.Error()
	}
	for _, c := range res.Status.Conditions {
		out.Conditions = append(out.Conditions, JSONCondition{Type: c.Type, Status: c.Status, Reason: c.Reason, Message: c.Message})
	}
	return out
}

// WriteJSON prints the report as an indented JSON object.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r.JSON())
}

// WriteText prints a human readable explanation of the report.
func (r *Report) WriteText(w io.Writer) error {
	tw := &errWriter{w: w}
	res := r.Result
	ex := res.Explanation
	o := r.Options.Decision

	tw.printf("PodAutoscaler %s -> %s\n", ex.Autoscaler, r.Target)
	tw.printf("Evaluated at %s (cpu initialization period %s, initial readiness delay %s, downscale stabilization %s)\n",
		r.Options.Now.UTC().Format(time.RFC3339), o.CPUInitializationPeriod, o.InitialReadinessDelay, o.DownscaleStabilization)
	tw.printf("Replicas: current %d (status %d), min %d, max %d\n", ex.CurrentReplicas, ex.StatusReplicas, ex.MinReplicas, ex.MaxReplicas)
	sel := ex.Selector
	if sel == "" {
		sel = "<none>"
	}
	tw.printf("Selector: %s (%d of %d input pods selected, %d PodMetrics in input)\n", sel, ex.SelectedPods, r.Pods, r.PodMetrics)
	tw.printf("Tolerance: scale up %s, scale down %s\n", pct(ex.Tolerances.ScaleUp), pct(ex.Tolerances.ScaleDown))
	if ex.InitialRecommendation {
		tw.printf("History: none; the current size (%d) is recorded as the first recommendation, as for a new autoscaler\n", ex.CurrentReplicas)
	}

	switch ex.Path {
	case decision.PathScalingDisabled:
		tw.printf("\nThe target has 0 replicas: scaling is disabled.\n")
	case decision.PathAboveMaxReplicas:
		tw.printf("\nThe current replica count is above maxReplicas: the metrics are not evaluated.\n")
	case decision.PathBelowMinReplicas:
		tw.printf("\nThe current replica count is below minReplicas: the metrics are not evaluated.\n")
	}

	for i, m := range ex.Metrics {
		name := m.Name
		if name == "" {
			name = fmt.Sprintf("%s %s", m.Type, m.Resource)
			if m.Container != "" {
				name += " (container " + m.Container + ")"
			}
		}
		tw.printf("\nMetric %d/%d: %s, target %s\n", i+1, len(ex.Metrics), name, m.Target)
		if len(m.Pods) > 0 {
			t := tabwriter.NewWriter(tw, 2, 4, 2, ' ', 0)
			fmt.Fprintf(t, "  POD\tGROUP\tUSAGE\tREQUEST\tWHY\n")
			for _, p := range m.Pods {
				fmt.Fprintf(t, "  %s\t%s\t%s\t%s\t%s\n", p.Name, p.Group, qty(p.Usage), qty(p.Request), p.Reason)
			}
			_ = t.Flush()
			tw.printf("  ready %d, unready %d, missing %d, ignored %d\n", m.ReadyPods, len(m.UnreadyPods), len(m.MissingPods), len(m.IgnoredPods))
		}
		if len(m.ExtraMetrics) > 0 {
			tw.printf("  metrics of pods that are not selected: %s\n", strings.Join(m.ExtraMetrics, ", "))
		}
		if m.Error != "" {
			tw.printf("  ERROR (%s): %s\n", m.ConditionReason, m.Error)
			continue
		}
		switch {
		case m.CurrentUtilization != nil:
			tw.printf("  current: %d%% of request (average %s), usage ratio %.3f\n", *m.CurrentUtilization, qty(m.CurrentAverageValue), m.UsageRatio)
		case m.CurrentAverageValue != nil:
			tw.printf("  current: average %s, usage ratio %.3f\n", qty(m.CurrentAverageValue), m.UsageRatio)
		}
		tw.printf("  computation: %s\n", m.Computation)
		tw.printf("  proposed replicas: %d\n", m.ProposedReplicas)
	}

	if ex.RawRecommendation != nil {
		tw.printf("\nRecommendation\n")
		tw.printf("  raw:        %d (highest proposal: %s)\n", *ex.RawRecommendation, orNone(ex.RawMetric))
		if s := ex.Stabilization; s != nil && ex.StabilizedRecommendation != nil {
			tw.printf("  stabilized: %d (%s)\n", *ex.StabilizedRecommendation, describeStabilization(s))
			for _, rs := range s.Recommendations {
				tw.printf("              past recommendation %d at %s%s\n", rs.Replicas, rs.Timestamp.UTC().Format(time.RFC3339), windows(s, rs))
			}
		}
		if l := ex.Limits; l != nil && ex.LimitedRecommendation != nil {
			tw.printf("  limited:    %d (%s: %s)\n", *ex.LimitedRecommendation, l.Reason, l.Message)
			if l.RateLimit != nil && l.Direction != "none" {
				tw.printf("              rate limit: %s\n", describeRateLimit(l))
			}
			for _, p := range l.Policies {
				tw.printf("              policy %s %d per %ds: period started at %d replicas (+%d -%d since), allows %d\n",
					p.Type, p.Value, p.PeriodSeconds, p.PeriodStartReplicas, p.ReplicasAdded, p.ReplicasRemoved, p.Proposed)
			}
		}
	}

	tw.printf("\n")
	if res.Rescale {
		tw.printf("Decision: scale %s from %d to %d replicas (reason: %s)\n", r.Autoscaler.Spec.ScaleTargetRef.Kind+"/"+r.Autoscaler.Spec.ScaleTargetRef.Name, res.CurrentReplicas, res.DesiredReplicas, res.Reason)
	} else {
		tw.printf("Decision: keep %d replicas\n", res.CurrentReplicas)
	}
	if res.Err != nil {
		tw.printf("Error: %v\n", res.Err)
	}

	tw.printf("\nConditions\n")
	t := tabwriter.NewWriter(tw, 2, 4, 2, ' ', 0)
	for _, c := range res.Status.Conditions {
		fmt.Fprintf(t, "  %s\t%s\t%s\t%s\n", c.Type, c.Status, c.Reason, c.Message)
	}
	_ = t.Flush()
	if len(res.Events) > 0 {
		tw.printf("\nEvents\n")
		t := tabwriter.NewWriter(tw, 2, 4, 2, ' ', 0)
		for _, e := range res.Events {
			fmt.Fprintf(t, "  %s\t%s\t%s\n", e.Type, e.Reason, e.Message)
		}
		_ = t.Flush()
	}
	return tw.err
}

func describeStabilization(s *decision.StabilizationExplanation) string {
	if s.Mode == "legacy" {
		return fmt.Sprintf("%s; highest recommendation within the %ds scale-down window", s.Reason, s.ScaleDownWindowSeconds)
	}
	up := "none"
	if s.ScaleUpBound != nil {
		up = fmt.Sprint(*s.ScaleUpBound)
	}
	return fmt.Sprintf("%s; within [lowest over the %ds scale-up window = %s, highest over the %ds scale-down window = %d], starting from the current replicas",
		s.Reason, s.ScaleUpWindowSeconds, up, s.ScaleDownWindowSeconds, s.ScaleDownBound)
}

func windows(s *decision.StabilizationExplanation, rs decision.RecommendationSample) string {
	var in []string
	if rs.InScaleUpWindow {
		in = append(in, "scale-up")
	}
	if rs.InScaleDownWindow {
		in = append(in, "scale-down")
	}
	if len(in) == 0 {
		return " (outside the windows)"
	}
	sort.Strings(in)
	return " (in the " + strings.Join(in, " and ") + " window)"
}

func describeRateLimit(l *decision.LimitExplanation) string {
	if l.Mode == "legacy" {
		return fmt.Sprintf("at most %d replicas (max(2 x current, 4))", *l.RateLimit)
	}
	if l.Direction == "up" {
		return fmt.Sprintf("at most %d replicas (selectPolicy %s)", *l.RateLimit, l.SelectPolicy)
	}
	return fmt.Sprintf("at least %d replicas (selectPolicy %s)", *l.RateLimit, l.SelectPolicy)
}

func orNone(s string) string {
	if s == "" {
		return "<none>"
	}
	return s
}

func pct(f float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.4f", f*100), "0"), ".") + "%"
}

// qty renders a quantity; a binary (memory) quantity with a fractional
// byte count, as upstream averages produce, also gets a rounded rendering.
func qty(q *resource.Quantity) string {
	if q == nil {
		return "-"
	}
	s := q.String()
	if q.Format == resource.BinarySI && q.MilliValue()%1000 != 0 {
		s += fmt.Sprintf(" (~%s)", humanBytes(float64(q.MilliValue())/1000))
	}
	return s
}

func humanBytes(b float64) string {
	units := []string{"", "Ki", "Mi", "Gi", "Ti", "Pi"}
	i := 0
	for b >= 1024 && i < len(units)-1 {
		b /= 1024
		i++
	}
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.1f", b), "0"), ".") + units[i]
}

// errWriter remembers the first write error.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

func (e *errWriter) printf(format string, args ...interface{}) {
	fmt.Fprintf(e, format, args...)
}
