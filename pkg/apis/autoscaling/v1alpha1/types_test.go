package v1alpha1

import (
	"testing"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
)

func TestRegister(t *testing.T) {
	scheme := runtime.NewScheme()
	if err := Register(scheme); err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{Kind, ListKind} {
		obj, err := scheme.New(SchemeGroupVersion.WithKind(kind))
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		if _, ok := obj.(runtime.Object); !ok {
			t.Fatalf("%s is not an object", kind)
		}
	}
	if gr := GroupResource(Resource); gr.String() != "podautoscalers.autoscaling.coxswain.io" {
		t.Errorf("group resource %s", gr)
	}
}

func TestDefaults(t *testing.T) {
	pa := &PodAutoscaler{Spec: PodAutoscalerSpec{MaxReplicas: 3, Behavior: &PodAutoscalerBehavior{
		ScaleDown: &HPAScalingRules{SelectPolicy: ptr.To(MinChangePolicySelect)},
	}}}
	if got := pa.Spec.EffectiveMinReplicas(); got != 1 {
		t.Errorf("effective min %d", got)
	}
	if m := pa.Spec.EffectiveMetrics(); len(m) != 1 || *m[0].Resource.Target.AverageUtilization != DefaultCPUUtilization {
		t.Errorf("effective metrics %+v", m)
	}
	SetDefaults(pa)
	s := pa.Spec
	if *s.MinReplicas != 1 || len(s.Metrics) != 1 || s.Metrics[0].Resource.Name != "cpu" {
		t.Errorf("spec %+v", s)
	}
	up, down := s.Behavior.ScaleUp, s.Behavior.ScaleDown
	if *up.StabilizationWindowSeconds != 0 || *up.SelectPolicy != MaxChangePolicySelect || len(up.Policies) != 2 ||
		up.Policies[0] != (HPAScalingPolicy{Type: PodsScalingPolicy, Value: 4, PeriodSeconds: 15}) ||
		up.Policies[1] != (HPAScalingPolicy{Type: PercentScalingPolicy, Value: 100, PeriodSeconds: 15}) {
		t.Errorf("scale up %+v", up)
	}
	if down.StabilizationWindowSeconds != nil || *down.SelectPolicy != MinChangePolicySelect ||
		len(down.Policies) != 1 || down.Policies[0] != (HPAScalingPolicy{Type: PercentScalingPolicy, Value: 100, PeriodSeconds: 15}) {
		t.Errorf("scale down %+v", down)
	}
	// no behavior stays no behavior (legacy path)
	pa = &PodAutoscaler{}
	SetDefaults(pa)
	if pa.Spec.Behavior != nil {
		t.Error("behavior defaulted")
	}
}

func TestFormatTargets(t *testing.T) {
	q := resource.MustParse("100Mi")
	cur := resource.MustParse("50Mi")
	specs := []MetricSpec{
		{Type: ResourceMetricSourceType, Resource: &ResourceMetricSource{Name: "cpu", Target: MetricTarget{Type: UtilizationMetricType, AverageUtilization: ptr.To[int32](80)}}},
		{Type: ContainerResourceMetricSourceType, ContainerResource: &ContainerResourceMetricSource{Name: "memory", Container: "app", Target: MetricTarget{Type: AverageValueMetricType, AverageValue: &q}}},
		{Type: ResourceMetricSourceType, Resource: &ResourceMetricSource{Name: "memory", Target: MetricTarget{Type: UtilizationMetricType, AverageUtilization: ptr.To[int32](70)}}},
	}
	statuses := []MetricStatus{
		{Type: ResourceMetricSourceType, Resource: &ResourceMetricStatus{Name: "cpu", Current: MetricValueStatus{AverageUtilization: ptr.To[int32](45)}}},
		{Type: ContainerResourceMetricSourceType, ContainerResource: &ContainerResourceMetricStatus{Name: "memory", Container: "app", Current: MetricValueStatus{AverageValue: &cur}}},
	}
	if got := FormatTargets(specs[:2], statuses); got != "cpu: 45%/80%, memory: 50Mi/100Mi" {
		t.Errorf("got %q", got)
	}
	if got := FormatTargets(specs, nil); got != "cpu: <unknown>/80%, memory: <unknown>/100Mi + 1 more..." {
		t.Errorf("got %q", got)
	}
	if got := FormatTargets(nil, nil); got != "cpu: <unknown>/80%" {
		t.Errorf("got %q", got)
	}
}
