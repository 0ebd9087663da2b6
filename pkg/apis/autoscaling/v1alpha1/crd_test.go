package v1alpha1_test

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiextensions "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsvalidation "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/validation"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	structuraldefaulting "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/defaulting"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	apiservervalidation "k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"k8s.io/apimachinery/pkg/util/validation/field"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"
	"sigs.k8s.io/yaml"

	autoscalingv1alpha1 "github.com/coxswain-io/coxswain/pkg/apis/autoscaling/v1alpha1"
	"github.com/coxswain-io/coxswain/pkg/autoscaler/decision"
)

const crdPath = "../../../../manifests/crd/autoscaling.coxswain.io_podautoscalers.yaml"

type crdValidator struct {
	structural *structuralschema.Structural
	schema     apiservervalidation.SchemaValidator
	cel        *cel.Validator
}

func loadCRD(t *testing.T) (*apiextensions.CustomResourceDefinition, *apiextensionsv1.CustomResourceDefinition, *crdValidator) {
	t.Helper()
	data, err := os.ReadFile(crdPath)
	if err != nil {
		t.Fatal(err)
	}
	var v1 apiextensionsv1.CustomResourceDefinition
	if err := yaml.UnmarshalStrict(data, &v1); err != nil {
		t.Fatal(err)
	}
	scheme := runtime.NewScheme()
	if err := apiextensionsv1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	if err := apiextensions.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	scheme.Default(&v1)
	var crd apiextensions.CustomResourceDefinition
	if err := scheme.Convert(&v1, &crd, nil); err != nil {
		t.Fatal(err)
	}
	if len(v1.Spec.Versions) != 1 || v1.Spec.Versions[0].Schema == nil {
		t.Fatalf("expected one version with a schema")
	}
	// the internal version hoists a schema shared by all versions
	var props *apiextensions.JSONSchemaProps
	switch {
	case crd.Spec.Versions[0].Schema != nil:
		props = crd.Spec.Versions[0].Schema.OpenAPIV3Schema
	case crd.Spec.Validation != nil:
		props = crd.Spec.Validation.OpenAPIV3Schema
	default:
		t.Fatal("no schema in the converted CRD")
	}
	s, err := structuralschema.NewStructural(props)
	if err != nil {
		t.Fatal(err)
	}
	sv, _, err := apiservervalidation.NewSchemaValidator(props)
	if err != nil {
		t.Fatal(err)
	}
	return &crd, &v1, &crdValidator{structural: s, schema: sv, cel: cel.NewValidator(s, true, celconfig.PerCallLimit)}
}

// validate applies what the API server does on create: pruning, defaulting,
// OpenAPI schema validation and CEL rules.
func (v *crdValidator) validate(obj map[string]interface{}) field.ErrorList {
	pruning.Prune(obj, v.structural, true)
	structuraldefaulting.Default(obj, v.structural)
	errs := apiservervalidation.ValidateCustomResource(nil, obj, v.schema)
	celErrs, _ := v.cel.Validate(context.Background(), nil, v.structural, obj, nil, celconfig.RuntimeCELCostBudget)
	return append(errs, celErrs...)
}

func TestCRDIsAcceptedByTheAPIServer(t *testing.T) {
	crd, v1, _ := loadCRD(t)
	if errs := apiextensionsvalidation.ValidateCustomResourceDefinition(context.Background(), crd); len(errs) > 0 {
		t.Fatalf("the CRD is invalid: %v", errs.ToAggregate())
	}
	if crd.Spec.Names.ShortNames[0] != "pa" || crd.Spec.Group != autoscalingv1alpha1.GroupName || crd.Spec.Names.Kind != autoscalingv1alpha1.Kind {
		t.Errorf("names: %+v", crd.Spec.Names)
	}
	var cols []string
	for _, c := range v1.Spec.Versions[0].AdditionalPrinterColumns {
		cols = append(cols, strings.ToUpper(c.Name))
	}
	if got := strings.Join(cols, ","); got != "REFERENCE,TARGETS,MINPODS,MAXPODS,REPLICAS,KIND,DESIRED,AGE" {
		t.Errorf("printer columns: %s", got)
	}
	if v1.Spec.Versions[0].Subresources == nil || v1.Spec.Versions[0].Subresources.Status == nil {
		t.Errorf("no status subresource")
	}
}

const basePA = `
apiVersion: autoscaling.coxswain.io/v1alpha1
kind: PodAutoscaler
metadata: {name: web, namespace: default}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  maxReplicas: 10
`

func object(t *testing.T, doc string, specPatch string) map[string]interface{} {
	t.Helper()
	obj := fromYAML(t, doc)
	if specPatch != "" {
		patch := fromYAML(t, specPatch)
		spec := obj["spec"].(map[string]interface{})
		for k, v := range patch {
			spec[k] = v
		}
	}
	return obj
}

// fromYAML decodes like the API server: integers are int64.
func fromYAML(t *testing.T, doc string) map[string]interface{} {
	t.Helper()
	js, err := yaml.YAMLToJSON([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	var obj map[string]interface{}
	if err := utiljson.Unmarshal(js, &obj); err != nil {
		t.Fatal(err)
	}
	return obj
}

func TestCRDValidation(t *testing.T) {
	_, _, v := loadCRD(t)
	cases := []struct {
		name    string
		patch   string
		wantErr string // substring of the error; "" means valid
	}{
		{name: "minimal"},
		{name: "full", patch: `
minReplicas: 2
metrics:
- {type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 60}}}
- {type: Resource, resource: {name: memory, target: {type: AverageValue, averageValue: 300Mi}}}
- {type: ContainerResource, containerResource: {name: cpu, container: app, target: {type: AverageValue, averageValue: 250}}}
behavior:
  scaleUp: {stabilizationWindowSeconds: 0, selectPolicy: Max, tolerance: "0.05", policies: [{type: Pods, value: 4, periodSeconds: 15}, {type: Percent, value: 100, periodSeconds: 15}]}
  scaleDown: {stabilizationWindowSeconds: 3600, selectPolicy: Disabled, tolerance: 0, policies: [{type: Percent, value: 10, periodSeconds: 1800}]}
`},
		{name: "maxReplicas below minReplicas", patch: "minReplicas: 5\nmaxReplicas: 3", wantErr: "spec.maxReplicas: Invalid value: maxReplicas must be greater than or equal to minReplicas"},
		{name: "minReplicas 0", patch: "minReplicas: 0", wantErr: "spec.minReplicas: Invalid value: 0: spec.minReplicas in body should be greater than or equal to 1"},
		{name: "maxReplicas 0", patch: "maxReplicas: 0", wantErr: "spec.maxReplicas: Invalid value: 0: spec.maxReplicas in body should be greater than or equal to 1"},
		{name: "no scaleTargetRef name", patch: "scaleTargetRef: {kind: Deployment}", wantErr: "spec.scaleTargetRef.name: Required value"},
		{name: "unsupported metric type", patch: "metrics: [{type: Pods}]", wantErr: "spec.metrics[0].type: Unsupported value: \"Pods\""},
		{name: "resource missing", patch: "metrics: [{type: Resource}]", wantErr: "spec.metrics[0].resource: Required value: resource must be set when type is Resource"},
		{name: "containerResource missing", patch: "metrics: [{type: ContainerResource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}}]", wantErr: "spec.metrics[0].containerResource: Required value: containerResource must be set when type is ContainerResource"},
		{name: "two sources", patch: "metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}, containerResource: {name: cpu, container: app, target: {type: Utilization, averageUtilization: 50}}}]", wantErr: "spec.metrics[0]: Forbidden: must populate the given metric source only"},
		{name: "unsupported resource", patch: "metrics: [{type: Resource, resource: {name: ephemeral-storage, target: {type: Utilization, averageUtilization: 50}}}]", wantErr: "spec.metrics[0].resource.name: Unsupported value: \"ephemeral-storage\""},
		{name: "utilization without value", patch: "metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization}}}]", wantErr: "spec.metrics[0].resource.target.averageUtilization: Required value"},
		{name: "both targets", patch: "metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 50, averageValue: 100m}}}]", wantErr: "spec.metrics[0].resource.target.averageValue: Forbidden: may not set both"},
		{name: "type mismatch", patch: "metrics: [{type: Resource, resource: {name: cpu, target: {type: AverageValue, averageUtilization: 50}}}]", wantErr: "averageValue must be set when type is AverageValue"},
		{name: "utilization 0", patch: "metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 0}}}]", wantErr: "spec.metrics[0].resource.target.averageUtilization in body should be greater than or equal to 1"},
		{name: "average value 0", patch: "metrics: [{type: Resource, resource: {name: memory, target: {type: AverageValue, averageValue: \"0\"}}}]", wantErr: "spec.metrics[0].resource.target.averageValue: Invalid value: averageValue must be positive"},
		{name: "average value negative", patch: "metrics: [{type: Resource, resource: {name: memory, target: {type: AverageValue, averageValue: -1Mi}}}]", wantErr: "averageValue must be positive"},
		{name: "average value not a quantity", patch: "metrics: [{type: Resource, resource: {name: memory, target: {type: AverageValue, averageValue: lots}}}]", wantErr: "spec.metrics[0].resource.target.averageValue"},
		{name: "container name", patch: "metrics: [{type: ContainerResource, containerResource: {name: cpu, container: Bad_Name, target: {type: Utilization, averageUtilization: 50}}}]", wantErr: "spec.metrics[0].containerResource.container in body should match"},
		{name: "window too long", patch: "behavior: {scaleDown: {stabilizationWindowSeconds: 3601}}", wantErr: "spec.behavior.scaleDown.stabilizationWindowSeconds in body should be less than or equal to 3600"},
		{name: "window negative", patch: "behavior: {scaleUp: {stabilizationWindowSeconds: -1}}", wantErr: "spec.behavior.scaleUp.stabilizationWindowSeconds in body should be greater than or equal to 0"},
		{name: "select policy", patch: "behavior: {scaleUp: {selectPolicy: Sometimes}}", wantErr: "spec.behavior.scaleUp.selectPolicy: Unsupported value: \"Sometimes\""},
		{name: "empty policies", patch: "behavior: {scaleUp: {policies: []}}", wantErr: "spec.behavior.scaleUp.policies: Invalid value: 0: spec.behavior.scaleUp.policies in body should have at least 1 items"},
		{name: "policy type", patch: "behavior: {scaleUp: {policies: [{type: Nodes, value: 1, periodSeconds: 15}]}}", wantErr: "spec.behavior.scaleUp.policies[0].type: Unsupported value: \"Nodes\""},
		{name: "policy value 0", patch: "behavior: {scaleUp: {policies: [{type: Pods, value: 0, periodSeconds: 15}]}}", wantErr: "spec.behavior.scaleUp.policies[0].value in body should be greater than or equal to 1"},
		{name: "policy period 0", patch: "behavior: {scaleDown: {policies: [{type: Pods, value: 1, periodSeconds: 0}]}}", wantErr: "spec.behavior.scaleDown.policies[0].periodSeconds in body should be greater than or equal to 1"},
		{name: "policy period too long", patch: "behavior: {scaleDown: {policies: [{type: Pods, value: 1, periodSeconds: 1801}]}}", wantErr: "spec.behavior.scaleDown.policies[0].periodSeconds in body should be less than or equal to 1800"},
		{name: "negative tolerance", patch: "behavior: {scaleDown: {tolerance: \"-0.1\"}}", wantErr: "spec.behavior.scaleDown.tolerance: Invalid value: tolerance must be greater than or equal to 0"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			obj := object(t, basePA, tc.patch)
			errs := v.validate(obj)
			if tc.wantErr == "" {
				if len(errs) > 0 {
					t.Fatalf("unexpected errors: %v", errs.ToAggregate())
				}
				return
			}
			if len(errs) == 0 {
				t.Fatalf("no error, want %q", tc.wantErr)
			}
			if agg := errs.ToAggregate().Error(); !strings.Contains(agg, tc.wantErr) {
				t.Errorf("errors %q do not contain %q", agg, tc.wantErr)
			}
		})
	}
}

func TestCRDDefaultsAndPruning(t *testing.T) {
	_, _, v := loadCRD(t)
	obj := object(t, basePA, "prediction: {horizon: 5m}")
	if errs := v.validate(obj); len(errs) > 0 {
		t.Fatal(errs.ToAggregate())
	}
	spec := obj["spec"].(map[string]interface{})
	if spec["minReplicas"] != int64(1) {
		t.Errorf("minReplicas defaulted to %#v", spec["minReplicas"])
	}
	if _, ok := spec["prediction"]; ok {
		t.Errorf("spec.prediction is reserved and should be pruned")
	}
}

// The status the decision function writes is valid for the CRD schema.
func TestCRDAcceptsDecidedStatus(t *testing.T) {
	_, _, v := loadCRD(t)
	pa := &autoscalingv1alpha1.PodAutoscaler{}
	obj := object(t, basePA, `
behavior: {scaleUp: {tolerance: "0.05"}}
metrics:
- {type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}}
- {type: ContainerResource, containerResource: {name: memory, container: app, target: {type: AverageValue, averageValue: 100Mi}}}
`)
	if err := runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(obj, pa, true); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	pod := corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web-0", Namespace: "default", Labels: map[string]string{"app": "web"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
			corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("100Mi")}}}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, StartTime: &metav1.Time{Time: now.Add(-time.Hour)},
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}},
	}
	pm := metricsv1beta1.PodMetrics{
		ObjectMeta: metav1.ObjectMeta{Name: "web-0", Namespace: "default", Labels: map[string]string{"app": "web"}},
		Timestamp:  metav1.Time{Time: now}, Window: metav1.Duration{Duration: time.Minute},
		Containers: []metricsv1beta1.ContainerMetrics{{Name: "app", Usage: corev1.ResourceList{
			corev1.ResourceCPU: resource.MustParse("300m"), corev1.ResourceMemory: resource.MustParse("150Mi")}}},
	}
	for _, in := range []decision.Input{
		{Autoscaler: pa, Scale: decision.Scale{Replicas: 1, Selector: "app=web"}, Pods: []corev1.Pod{pod}, PodMetrics: []metricsv1beta1.PodMetrics{pm}, Now: now},
		{Autoscaler: pa, Scale: decision.Scale{Replicas: 1, Selector: "app=web"}, Pods: []corev1.Pod{pod}, Now: now}, // metrics fail
	} {
		res := decision.Decide(in, decision.DefaultOptions())
		withStatus := pa.DeepCopy()
		withStatus.Status = res.Status
		u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(withStatus)
		if err != nil {
			t.Fatal(err)
		}
		// round trip through JSON like the API server
		js, err := json.Marshal(u)
		if err != nil {
			t.Fatal(err)
		}
		var back map[string]interface{}
		if err := utiljson.Unmarshal(js, &back); err != nil {
			t.Fatal(err)
		}
		if errs := v.validate(back); len(errs) > 0 {
			t.Errorf("status rejected: %v\n%s", errs.ToAggregate(), js)
		}
		if res.Status.History == nil || len(res.Status.Conditions) == 0 {
			t.Errorf("unexpected status %+v", res.Status)
		}
	}
}
