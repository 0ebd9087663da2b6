package recommend

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"

	autoscalingv1alpha1 "github.com/coxswain-io/coxswain/pkg/apis/autoscaling/v1alpha1"
)

// MaxInputBytes bounds the size of an input stream.
const MaxInputBytes = 64 << 20

// maxListDepth bounds the nesting of List objects.
const maxListDepth = 4

var (
	podGVK        = corev1.SchemeGroupVersion.WithKind("Pod")
	podMetricsGVK = metricsv1beta1.SchemeGroupVersion.WithKind("PodMetrics")
	autoscalerGK  = schema.GroupKind{Group: autoscalingv1alpha1.GroupName, Kind: autoscalingv1alpha1.Kind}
)

// Object is an input object with its position in the stream.
type Object struct {
	// Position is a human readable position, e.g. "document 2" or
	// "document 1, item 3".
	Position string
	Object   *unstructured.Unstructured
}

// Describe returns "apiVersion Kind namespace/name (position)".
func (o Object) Describe() string {
	name := o.Object.GetName()
	if ns := o.Object.GetNamespace(); ns != "" {
		name = ns + "/" + name
	}
	return fmt.Sprintf("%s %s %s (%s)", o.Object.GetAPIVersion(), o.Object.GetKind(), name, o.Position)
}

// Bundle is the content of a recommend input stream.
type Bundle struct {
	// Autoscaler is the (only) PodAutoscaler of the input.
	Autoscaler *autoscalingv1alpha1.PodAutoscaler
	// AutoscalerPosition is where it was found.
	AutoscalerPosition string
	// Target is the object spec.scaleTargetRef refers to.
	Target Object
	// Pods and PodMetrics are all the pods and pod metrics of the input
	// (the decision keeps those its selector matches).
	Pods       []corev1.Pod
	PodMetrics []metricsv1beta1.PodMetrics
}

// Parse reads a YAML (documents separated by ---) or JSON (one or more
// objects) stream holding one PodAutoscaler, its scale target, Pods and
// PodMetrics. Lists (v1 List, PodList, PodMetricsList, ...) are flattened.
// Errors name the problem and the offending document; Parse does not panic.
func Parse(r io.Reader) (b *Bundle, err error) {
	defer func() {
		if p := recover(); p != nil {
			b, err = nil, fmt.Errorf("malformed input: %v", p)
		}
	}()
	data, err := io.ReadAll(io.LimitReader(r, MaxInputBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading input: %w", err)
	}
	if len(data) > MaxInputBytes {
		return nil, fmt.Errorf("input is larger than %d bytes", MaxInputBytes)
	}
	objects, err := decodeStream(data)
	if err != nil {
		return nil, err
	}
	return classify(objects)
}

// decodeStream splits the stream into objects, flattening lists.
func decodeStream(data []byte) ([]Object, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, errors.New("the input is empty")
	}
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var out []Object
	for doc := 1; ; doc++ {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return nil, fmt.Errorf("document %d: cannot parse YAML or JSON: %v", doc, err)
		}
		trimmed := bytes.TrimSpace(raw)
		if len(trimmed) == 0 || bytes.Equal(trimmed, []byte("null")) {
			continue // empty document
		}
		var obj map[string]interface{}
		if err := utiljson.Unmarshal(trimmed, &obj); err != nil {
			return nil, fmt.Errorf("document %d: not an object: %v", doc, err)
		}
		objs, err := flatten(obj, fmt.Sprintf("document %d", doc), 0)
		if err != nil {
			return nil, err
		}
		out = append(out, objs...)
	}
	if len(out) == 0 {
		return nil, errors.New("the input holds no object")
	}
	return out, nil
}

// flatten returns obj, or the items of obj when it is a list.
func flatten(obj map[string]interface{}, pos string, depth int) ([]Object, error) {
	u := &unstructured.Unstructured{Object: obj}
	apiVersion, _ := obj["apiVersion"].(string)
	kind, _ := obj["kind"].(string)
	if kind == "" || apiVersion == "" {
		return nil, fmt.Errorf("%s: missing apiVersion or kind (every object needs both)", pos)
	}
	if _, err := schema.ParseGroupVersion(apiVersion); err != nil {
		return nil, fmt.Errorf("%s: invalid apiVersion %q: %v", pos, apiVersion, err)
	}
	rawItems, isList := obj["items"]
	if !isList && !strings.HasSuffix(kind, "List") {
		return []Object{{Position: pos, Object: u}}, nil
	}
	if depth >= maxListDepth {
		return nil, fmt.Errorf("%s: lists nested too deeply", pos)
	}
	items, ok := rawItems.([]interface{})
	if !ok && rawItems != nil {
		return nil, fmt.Errorf("%s: %s %s has items that are not a list", pos, apiVersion, kind)
	}
	itemKind := strings.TrimSuffix(kind, "List")
	var out []Object
	for i, it := range items {
		m, ok := it.(map[string]interface{})
		if !ok {
			return nil, fmt.Errorf("%s, item %d: not an object", pos, i+1)
		}
		// Items of typed lists (PodList, PodMetricsList) may omit their
		// apiVersion and kind: they are those of the list.
		if _, has := m["kind"]; !has && kind != "List" {
			m["kind"] = itemKind
			if _, has := m["apiVersion"]; !has {
				m["apiVersion"] = apiVersion
			}
		}
		objs, err := flatten(m, fmt.Sprintf("%s, item %d", pos, i+1), depth+1)
		if err != nil {
			return nil, err
		}
		out = append(out, objs...)
	}
	return out, nil
}

func gvkOf(u *unstructured.Unstructured) schema.GroupVersionKind {
	return u.GroupVersionKind()
}

// classify sorts the objects into the bundle.
func classify(objects []Object) (*Bundle, error) {
	b := &Bundle{}
	var others []Object
	var autoscalers []Object
	for _, o := range objects {
		gvk := gvkOf(o.Object)
		switch {
		case gvk.GroupKind() == autoscalerGK:
			if gvk.Version != autoscalingv1alpha1.Version {
				return nil, fmt.Errorf("%s: unsupported version %q of PodAutoscaler (want %s)", o.Position, gvk.Version, autoscalingv1alpha1.SchemeGroupVersion)
			}
			autoscalers = append(autoscalers, o)
		case gvk.Group == "autoscaling" && gvk.Kind == "HorizontalPodAutoscaler":
			return nil, fmt.Errorf("%s: %s is a HorizontalPodAutoscaler; write it as a %s PodAutoscaler (the spec fields are the same)",
				o.Position, o.Describe(), autoscalingv1alpha1.SchemeGroupVersion)
		case gvk == podGVK:
			var pod corev1.Pod
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object.Object, &pod); err != nil {
				return nil, fmt.Errorf("%s: invalid Pod %q: %v", o.Position, o.Object.GetName(), err)
			}
			b.Pods = append(b.Pods, pod)
		case gvk == podMetricsGVK:
			var m metricsv1beta1.PodMetrics
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object.Object, &m); err != nil {
				return nil, fmt.Errorf("%s: invalid PodMetrics %q: %v", o.Position, o.Object.GetName(), err)
			}
			b.PodMetrics = append(b.PodMetrics, m)
		case gvk.Group == metricsv1beta1.GroupName && gvk.Kind == "NodeMetrics":
			// harmless in a `kubectl get --raw` dump, but useless
			return nil, fmt.Errorf("%s: unexpected %s: only PodMetrics are used", o.Position, o.Describe())
		default:
			others = append(others, o)
		}
	}
	switch len(autoscalers) {
	case 0:
		return nil, fmt.Errorf("no PodAutoscaler (%s) found in the input", autoscalingv1alpha1.SchemeGroupVersion)
	case 1:
	default:
		var names []string
		for _, a := range autoscalers {
			names = append(names, a.Describe())
		}
		return nil, fmt.Errorf("the input holds %d PodAutoscalers, expected exactly one: %s", len(autoscalers), strings.Join(names, ", "))
	}
	pa := &autoscalingv1alpha1.PodAutoscaler{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(autoscalers[0].Object.Object, pa, true); err != nil {
		return nil, fmt.Errorf("%s: invalid PodAutoscaler %q: %v", autoscalers[0].Position, autoscalers[0].Object.GetName(), err)
	}
	b.Autoscaler = pa
	b.AutoscalerPosition = autoscalers[0].Position

	target, err := findTarget(pa, others)
	if err != nil {
		return nil, err
	}
	b.Target = target
	return b, nil
}

// findTarget returns the object of others that pa's scaleTargetRef refers to;
// any other object is an error (unknown kind, or not the target).
func findTarget(pa *autoscalingv1alpha1.PodAutoscaler, others []Object) (Object, error) {
	ref := pa.Spec.ScaleTargetRef
	if ref.Kind == "" || ref.Name == "" {
		return Object{}, fmt.Errorf("PodAutoscaler %s: spec.scaleTargetRef needs a kind and a name", pa.Name)
	}
	refGV, err := schema.ParseGroupVersion(ref.APIVersion)
	if err != nil {
		return Object{}, fmt.Errorf("PodAutoscaler %s: invalid spec.scaleTargetRef.apiVersion %q: %v", pa.Name, ref.APIVersion, err)
	}
	refDesc := fmt.Sprintf("%s %s", ref.Kind, ref.Name)
	if ref.APIVersion != "" {
		refDesc = fmt.Sprintf("%s %s %s", ref.APIVersion, ref.Kind, ref.Name)
	}

	var matches, unrelated []Object
	for _, o := range others {
		gvk := gvkOf(o.Object)
		nameMatches := o.Object.GetName() == ref.Name
		isScale := gvk.Group == "autoscaling" && gvk.Kind == "Scale"
		kindMatches := gvk.Kind == ref.Kind && (ref.APIVersion == "" || gvk.Group == refGV.Group)
		if nameMatches && (kindMatches || isScale) {
			if ns := o.Object.GetNamespace(); ns != "" && pa.Namespace != "" && ns != pa.Namespace {
				return Object{}, fmt.Errorf("target mismatch: %s is in namespace %q but the PodAutoscaler %s is in namespace %q", o.Describe(), ns, pa.Name, pa.Namespace)
			}
			matches = append(matches, o)
			continue
		}
		unrelated = append(unrelated, o)
	}
	if len(matches) > 1 {
		var names []string
		for _, m := range matches {
			names = append(names, m.Describe())
		}
		return Object{}, fmt.Errorf("the scale target %s appears %d times: %s", refDesc, len(matches), strings.Join(names, ", "))
	}
	if len(unrelated) > 0 {
		var names []string
		for _, u := range unrelated {
			names = append(names, u.Describe())
		}
		sort.Strings(names)
		msg := fmt.Sprintf("unexpected object(s): %s; the input may only hold the PodAutoscaler, its scale target (%s), Pods and metrics.k8s.io/v1beta1 PodMetrics", strings.Join(names, ", "), refDesc)
		if len(matches) == 0 {
			msg = fmt.Sprintf("target mismatch: spec.scaleTargetRef is %s, which is not in the input; %s", refDesc, msg)
		}
		return Object{}, errors.New(msg)
	}
	if len(matches) == 0 {
		return Object{}, fmt.Errorf("scale target %s (spec.scaleTargetRef of PodAutoscaler %s) not found in the input", refDesc, pa.Name)
	}
	return matches[0], nil
}
