package recommend

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/coxswain-io/coxswain/pkg/autoscaler/decision"
)

// scaleOf reads what the scale subresource of the target would return:
// spec.replicas, status.replicas and the label selector.
//
//   - apps/v1 Deployment, ReplicaSet, StatefulSet and v1 ReplicationController:
//     spec.replicas (defaulting to 1 as the API server does), spec.selector.
//   - autoscaling/v1 Scale: spec.replicas, status.replicas, status.selector.
//   - anything else: spec.replicas (required), and status.selector (a string,
//     as custom resources with a scale subresource publish it) or
//     spec.selector (a label selector, a string or a map of labels).
func scaleOf(o Object) (decision.Scale, error) {
	u := o.Object
	gvk := u.GroupVersionKind()
	var s decision.Scale
	known := (gvk.Group == "apps" && (gvk.Kind == "Deployment" || gvk.Kind == "ReplicaSet" || gvk.Kind == "StatefulSet")) ||
		(gvk.Group == "" && gvk.Kind == "ReplicationController")
	isScale := gvk.Group == "autoscaling" && gvk.Kind == "Scale"

	replicas, found, err := unstructured.NestedFieldNoCopy(u.Object, "spec", "replicas")
	if err != nil {
		return s, fmt.Errorf("%s: spec.replicas: %v", o.Describe(), err)
	}
	switch {
	case found && replicas != nil:
		n, ok := toInt32(replicas)
		if !ok {
			return s, fmt.Errorf("%s: spec.replicas must be a non-negative integer, got %v", o.Describe(), replicas)
		}
		s.Replicas = n
	case known:
		s.Replicas = 1 // API default
	case isScale:
		s.Replicas = 0
	default:
		return s, fmt.Errorf("%s: spec.replicas not found: cannot tell the current replica count of this kind", o.Describe())
	}

	if st, found, _ := unstructured.NestedFieldNoCopy(u.Object, "status", "replicas"); found && st != nil {
		n, ok := toInt32(st)
		if !ok {
			return s, fmt.Errorf("%s: status.replicas must be a non-negative integer, got %v", o.Describe(), st)
		}
		s.StatusReplicas = n
	}

	if sel, found, _ := unstructured.NestedFieldNoCopy(u.Object, "status", "selector"); found {
		if str, ok := sel.(string); ok && str != "" && (isScale || !known) {
			s.Selector = str
			return s, nil
		}
	}
	if isScale {
		return s, nil // no selector: the decision reports InvalidSelector
	}
	sel, found, _ := unstructured.NestedFieldNoCopy(u.Object, "spec", "selector")
	if !found || sel == nil {
		if known {
			// a ReplicationController defaults its selector to the template labels
			if tl, ok, _ := unstructured.NestedStringMap(u.Object, "spec", "template", "metadata", "labels"); ok && gvk.Kind == "ReplicationController" {
				s.Selector = labels.SelectorFromSet(tl).String()
			}
		}
		return s, nil
	}
	str, err := selectorString(sel)
	if err != nil {
		return s, fmt.Errorf("%s: spec.selector: %v", o.Describe(), err)
	}
	s.Selector = str
	return s, nil
}

func toInt32(v interface{}) (int32, bool) {
	switch n := v.(type) {
	case int64:
		if n < 0 || n > 1<<31-1 {
			return 0, false
		}
		return int32(n), true
	case float64:
		if n < 0 || n > 1<<31-1 || n != float64(int64(n)) {
			return 0, false
		}
		return int32(n), true
	}
	return 0, false
}

// selectorString renders a selector given as a string, a LabelSelector
// (matchLabels/matchExpressions) or a plain map of labels.
func selectorString(sel interface{}) (string, error) {
	switch v := sel.(type) {
	case string:
		if _, err := labels.Parse(v); err != nil {
			return "", err
		}
		return v, nil
	case map[string]interface{}:
		_, hasML := v["matchLabels"]
		_, hasME := v["matchExpressions"]
		if hasML || hasME {
			var ls metav1.LabelSelector
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(v, &ls); err != nil {
				return "", err
			}
			parsed, err := metav1.LabelSelectorAsSelector(&ls)
			if err != nil {
				return "", err
			}
			return parsed.String(), nil
		}
		set := labels.Set{}
		for k, val := range v {
			s, ok := val.(string)
			if !ok {
				return "", fmt.Errorf("label %q has a non-string value %v", k, val)
			}
			set[k] = s
		}
		parsed, err := labels.ValidatedSelectorFromSet(set)
		if err != nil {
			return "", err
		}
		return parsed.String(), nil
	}
	return "", fmt.Errorf("unsupported selector %v", sel)
}
