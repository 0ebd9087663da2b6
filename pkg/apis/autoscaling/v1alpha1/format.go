package v1alpha1

import (
	"fmt"
	"strings"
)

// FormatTargets renders metrics and their current values like the TARGETS
// column of `kubectl get hpa` (e.g. "cpu: 45%/80%, memory: 100Mi/200Mi").
// An empty specs list is rendered as the default metric.
func FormatTargets(specs []MetricSpec, statuses []MetricStatus) string {
	if len(specs) == 0 {
		specs = DefaultMetrics()
	}
	const maxShown = 2
	list := make([]string, 0, len(specs))
	for i, spec := range specs {
		var st *MetricValueStatus
		if i < len(statuses) {
			switch {
			case spec.Type == ResourceMetricSourceType && statuses[i].Resource != nil:
				st = &statuses[i].Resource.Current
			case spec.Type == ContainerResourceMetricSourceType && statuses[i].ContainerResource != nil:
				st = &statuses[i].ContainerResource.Current
			}
		}
		var name string
		var target MetricTarget
		switch {
		case spec.Type == ResourceMetricSourceType && spec.Resource != nil:
			name, target = string(spec.Resource.Name), spec.Resource.Target
		case spec.Type == ContainerResourceMetricSourceType && spec.ContainerResource != nil:
			name, target = string(spec.ContainerResource.Name), spec.ContainerResource.Target
		default:
			list = append(list, "<unknown type>")
			continue
		}
		list = append(list, fmt.Sprintf("%s: %s", name, formatTarget(target, st)))
	}
	if len(list) > maxShown {
		return fmt.Sprintf("%s + %d more...", strings.Join(list[:maxShown], ", "), len(list)-maxShown)
	}
	return strings.Join(list, ", ")
}

func formatTarget(target MetricTarget, st *MetricValueStatus) string {
	current := "<unknown>"
	if target.AverageValue != nil {
		if st != nil && st.AverageValue != nil {
			current = st.AverageValue.String()
		}
		return fmt.Sprintf("%s/%s", current, target.AverageValue.String())
	}
	if st != nil && st.AverageUtilization != nil {
		current = fmt.Sprintf("%d%%", *st.AverageUtilization)
	}
	tgt := "<auto>"
	if target.AverageUtilization != nil {
		tgt = fmt.Sprintf("%d%%", *target.AverageUtilization)
	}
	return fmt.Sprintf("%s/%s", current, tgt)
}
