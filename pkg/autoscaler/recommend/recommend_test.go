package recommend

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coxswain-io/coxswain/pkg/autoscaler/decision"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var testNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func testOptions() Options {
	o := DefaultOptions()
	o.Now = testNow
	return o
}

func runFile(t *testing.T, name string, opts Options) *Report {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := Run(f, opts)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return r
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the output (run go test -update to accept):\n%s", name, got)
	}
}

func TestRunDeploymentYAML(t *testing.T) {
	r := runFile(t, "deployment.yaml", testOptions())
	res := r.Result
	if !res.Rescale || res.CurrentReplicas != 4 || res.DesiredReplicas != 6 {
		t.Fatalf("got rescale=%v %d -> %d", res.Rescale, res.CurrentReplicas, res.DesiredReplicas)
	}
	if res.Reason != "cpu resource utilization (percentage of request) above target" {
		t.Errorf("reason %q", res.Reason)
	}
	if r.Scale.Selector != "app=web" || r.Scale.Replicas != 4 || r.Pods != 8 || r.PodMetrics != 6 {
		t.Errorf("scale %+v pods %d metrics %d", r.Scale, r.Pods, r.PodMetrics)
	}
	groups := map[string]string{}
	for _, p := range res.Explanation.Metrics[0].Pods {
		groups[p.Name] = p.Group
	}
	want := map[string]string{"web-a": "ready", "web-b": "ready", "web-c": "unready", "web-d": "unready", "web-e": "ignored", "web-f": "ignored", "web-g": "missing"}
	for n, g := range want {
		if groups[n] != g {
			t.Errorf("pod %s: group %q, want %q", n, groups[n], g)
		}
	}
	if _, ok := groups["api-0"]; ok {
		t.Errorf("api-0 should not be selected")
	}
	if m := res.Explanation.Metrics[1]; m.ProposedReplicas != 3 || m.Name != "memory resource" {
		t.Errorf("memory metric: %+v", m)
	}

	var text, js bytes.Buffer
	if err := r.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"web-c  unready", "cpu initialization period", "raw:        6", "stabilized: 6", "limited:    6", "Decision: scale Deployment/web from 4 to 6 replicas"} {
		if !strings.Contains(text.String(), s) {
			t.Errorf("text output lacks %q", s)
		}
	}
	golden(t, "deployment.txt", text.Bytes())
	if err := r.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	golden(t, "deployment.json.golden", js.Bytes())
}

func TestRunJSONList(t *testing.T) {
	r := runFile(t, "list.json", testOptions())
	var text bytes.Buffer
	if err := r.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	golden(t, "list.txt", text.Bytes())

	var out bytes.Buffer
	if err := r.WriteJSON(&out); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		CurrentReplicas int32 `json:"currentReplicas"`
		DesiredReplicas int32 `json:"desiredReplicas"`
		Rescale         bool  `json:"rescale"`
		Conditions      []struct {
			Type, Status, Reason string
		} `json:"conditions"`
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	// a new autoscaler (no history) keeps its size for the downscale window
	if doc.CurrentReplicas != 3 || doc.DesiredReplicas != 3 || doc.Rescale {
		t.Errorf("got %+v", doc)
	}
	found := false
	for _, c := range doc.Conditions {
		if c.Type == "AbleToScale" && c.Status == "True" && c.Reason == "ScaleDownStabilized" {
			found = true
		}
	}
	if !found {
		t.Errorf("conditions: %+v", doc.Conditions)
	}
	if !strings.Contains(text.String(), "History: none") || !strings.Contains(text.String(), "worker-0  ready  100m   250m") {
		t.Errorf("text:\n%s", text.String())
	}

	// without a downscale stabilization window it scales down at once
	opts := testOptions()
	opts.Decision.DownscaleStabilization = 0
	r = runFile(t, "list.json", opts)
	if !r.Result.Rescale || r.Result.DesiredReplicas != 2 || r.Result.Reason != "All metrics below target" {
		t.Errorf("no window: rescale=%v desired=%d reason=%q", r.Result.Rescale, r.Result.DesiredReplicas, r.Result.Reason)
	}
}

const paDoc = `apiVersion: autoscaling.coxswain.io/v1alpha1
kind: PodAutoscaler
metadata: {name: web, namespace: shop}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  maxReplicas: 5
`

const deployDoc = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
`

const podDoc = `apiVersion: v1
kind: Pod
metadata: {name: web-0, namespace: shop, labels: {app: web}}
spec:
  containers: [{name: app, resources: {requests: {cpu: 100m}}}]
status:
  phase: Running
  startTime: "2025-06-01T10:00:00Z"
  conditions: [{type: Ready, status: "True"}]
`

const metricsDoc = `apiVersion: metrics.k8s.io/v1beta1
kind: PodMetrics
metadata: {name: web-0, namespace: shop, labels: {app: web}}
timestamp: "2025-06-01T11:59:50Z"
window: 15s
containers: [{name: app, usage: {cpu: 200m}}]
`

func stream(docs ...string) string { return strings.Join(docs, "---\n") }

func TestBadInput(t *testing.T) {
	cases := []struct {
		name, input, wantErr string
	}{
		{"empty", "", "the input is empty"},
		{"only comments", "# nothing\n---\n", "the input holds no object"},
		{"malformed yaml", "apiVersion: v1\nkind: [Pod\n", "document 1: cannot parse YAML or JSON"},
		{"malformed json", `{"apiVersion": "v1", "kind": `, "cannot parse YAML or JSON"},
		{"scalar document", "hello\n", "document 1: not an object"},
		{"missing kind", stream(paDoc, "apiVersion: v1\nmetadata: {name: x}\n"), "document 2: missing apiVersion or kind"},
		{"no autoscaler", stream(deployDoc, podDoc), "no PodAutoscaler (autoscaling.coxswain.io/v1alpha1) found in the input"},
		{"two autoscalers", stream(paDoc, strings.Replace(paDoc, "name: web,", "name: web2,", 1), deployDoc), "the input holds 2 PodAutoscalers, expected exactly one"},
		{"unknown kind", stream(paDoc, deployDoc, "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\n"), "unexpected object(s): v1 Service shop/web (document 3)"},
		{"target mismatch", stream(paDoc, strings.Replace(deployDoc, "name: web,", "name: api,", 1)), "target mismatch: spec.scaleTargetRef is apps/v1 Deployment web, which is not in the input"},
		{"target of another kind", stream(paDoc, strings.Replace(deployDoc, "kind: Deployment", "kind: StatefulSet", 1)), "target mismatch"},
		{"target missing", stream(paDoc, podDoc), "scale target apps/v1 Deployment web (spec.scaleTargetRef of PodAutoscaler web) not found in the input"},
		{"target in another namespace", stream(paDoc, strings.Replace(deployDoc, "namespace: shop", "namespace: other", 1)), "target mismatch: apps/v1 Deployment other/web (document 2) is in namespace \"other\""},
		{"target twice", stream(paDoc, deployDoc, deployDoc), "the scale target apps/v1 Deployment web appears 2 times"},
		{"unknown field in autoscaler", stream(strings.Replace(paDoc, "maxReplicas: 5", "maxReplicas: 5\n  prediction: {}", 1), deployDoc), "unknown field \"spec.prediction\""},
		{"wrong autoscaler version", stream(strings.Replace(paDoc, "v1alpha1", "v9", 1), deployDoc), "unsupported version \"v9\" of PodAutoscaler"},
		{"hpa", stream("apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: web}\n"), "is a HorizontalPodAutoscaler; write it as a autoscaling.coxswain.io/v1alpha1 PodAutoscaler"},
		{"bad replicas", stream(paDoc, strings.Replace(deployDoc, "replicas: 2", "replicas: -3", 1)), "spec.replicas must be a non-negative integer"},
		{"string replicas", stream(paDoc, strings.Replace(deployDoc, "replicas: 2", "replicas: two", 1)), "spec.replicas must be a non-negative integer"},
		{"bad selector", stream(paDoc, strings.Replace(deployDoc, "{matchLabels: {app: web}}", "{matchExpressions: [{key: app, operator: Bogus}]}", 1)), "spec.selector"},
		{"bad pod", stream(paDoc, deployDoc, "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: 3}\n"), "document 3: invalid Pod \"p\""},
		{"bad items", stream(paDoc, deployDoc, "apiVersion: v1\nkind: List\nitems: 3\n"), "has items that are not a list"},
		{"list item without kind", stream(paDoc, deployDoc, "apiVersion: v1\nkind: List\nitems: [{metadata: {name: x}}]\n"), "document 3, item 1: missing apiVersion or kind"},
		{"node metrics", stream(paDoc, deployDoc, "apiVersion: metrics.k8s.io/v1beta1\nkind: NodeMetrics\nmetadata: {name: n}\n"), "only PodMetrics are used"},
		{"generic target without replicas", stream(strings.Replace(paDoc, "{apiVersion: apps/v1, kind: Deployment, name: web}", "{apiVersion: example.com/v1, kind: Thing, name: web}", 1),
			"apiVersion: example.com/v1\nkind: Thing\nmetadata: {name: web}\nspec: {}\n"), "spec.replicas not found"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Run(strings.NewReader(tc.input), testOptions())
			if err == nil {
				t.Fatalf("no error; decision %+v", r.Result)
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error %q does not contain %q", err, tc.wantErr)
			}
		})
	}
}

func TestTargets(t *testing.T) {
	pa := strings.Replace(paDoc, "{apiVersion: apps/v1, kind: Deployment, name: web}", "%s", 1)
	cases := []struct {
		name, ref, target string
		want              decision.Scale
	}{
		{"statefulset without replicas defaults to 1", "{apiVersion: apps/v1, kind: StatefulSet, name: web}",
			"apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: web}\nspec: {selector: {matchLabels: {app: web}}}\nstatus: {replicas: 1}\n",
			decision.Scale{Replicas: 1, StatusReplicas: 1, Selector: "app=web"}},
		{"replicaset", "{apiVersion: apps/v1, kind: ReplicaSet, name: web}",
			"apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: web}\nspec: {replicas: 3, selector: {matchLabels: {app: web, tier: fe}}}\n",
			decision.Scale{Replicas: 3, Selector: "app=web,tier=fe"}},
		{"replication controller", "{apiVersion: v1, kind: ReplicationController, name: web}",
			"apiVersion: v1\nkind: ReplicationController\nmetadata: {name: web}\nspec: {replicas: 2, selector: {app: web}}\n",
			decision.Scale{Replicas: 2, Selector: "app=web"}},
		{"custom resource with status.selector", "{apiVersion: example.com/v1, kind: Thing, name: web}",
			"apiVersion: example.com/v1\nkind: Thing\nmetadata: {name: web}\nspec: {replicas: 4}\nstatus: {replicas: 4, selector: \"app=web\"}\n",
			decision.Scale{Replicas: 4, StatusReplicas: 4, Selector: "app=web"}},
		{"custom resource with spec.selector", "{apiVersion: example.com/v1, kind: Thing, name: web}",
			"apiVersion: example.com/v1\nkind: Thing\nmetadata: {name: web}\nspec: {replicas: 4, selector: {matchLabels: {app: web}}}\n",
			decision.Scale{Replicas: 4, Selector: "app=web"}},
		{"scale subresource", "{apiVersion: apps/v1, kind: Deployment, name: web}",
			"apiVersion: autoscaling/v1\nkind: Scale\nmetadata: {name: web, namespace: shop}\nspec: {replicas: 2}\nstatus: {replicas: 2, selector: \"app=web\"}\n",
			decision.Scale{Replicas: 2, StatusReplicas: 2, Selector: "app=web"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := stream(strings.Replace(pa, "%s", tc.ref, 1), tc.target, podDoc, metricsDoc)
			r, err := Run(strings.NewReader(in), testOptions())
			if err != nil {
				t.Fatal(err)
			}
			if r.Scale != tc.want {
				t.Errorf("scale %+v, want %+v", r.Scale, tc.want)
			}
		})
	}
}

// A Deployment without a selector yields the upstream InvalidSelector
// condition, not an input error.
func TestMissingSelector(t *testing.T) {
	in := stream(paDoc, "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec: {replicas: 2}\n", podDoc, metricsDoc)
	r, err := Run(strings.NewReader(in), testOptions())
	if err != nil {
		t.Fatal(err)
	}
	c := decision.FindCondition(&r.Result.Status, "ScalingActive")
	if r.Result.Rescale || c == nil || c.Reason != "InvalidSelector" {
		t.Errorf("rescale=%v condition=%+v", r.Result.Rescale, c)
	}
	var buf bytes.Buffer
	if err := r.WriteText(&buf); err != nil || !strings.Contains(buf.String(), "Selector: <none>") {
		t.Errorf("text (%v):\n%s", err, buf.String())
	}
}

func TestCommand(t *testing.T) {
	run := func(stdin string, args ...string) (string, error) {
		cmd := NewCommand()
		var out, errOut bytes.Buffer
		cmd.SetOut(&out)
		cmd.SetErr(&errOut)
		cmd.SetIn(strings.NewReader(stdin))
		cmd.SetArgs(args)
		err := cmd.Execute()
		return out.String(), err
	}
	out, err := run("", "-f", "testdata/deployment.yaml", "--now", "2025-06-01T12:00:00Z")
	if err != nil || !strings.Contains(out, "Decision: scale Deployment/web from 4 to 6 replicas") {
		t.Errorf("text: %v\n%s", err, out)
	}
	data, _ := os.ReadFile("testdata/list.json")
	out, err = run(string(data), "-f", "-", "--now", "2025-06-01T12:00:00Z", "-o", "json")
	if err != nil || !strings.Contains(out, `"desiredReplicas": 3`) {
		t.Errorf("json from stdin: %v\n%s", err, out)
	}
	out, err = run("", "--filename", "testdata/list.json", "--now", "2025-06-01T12:00:00Z", "--output", "json",
		"--horizontal-pod-autoscaler-downscale-stabilization", "0s",
		"--horizontal-pod-autoscaler-tolerance", "0.05",
		"--horizontal-pod-autoscaler-cpu-initialization-period", "1m",
		"--horizontal-pod-autoscaler-initial-readiness-delay", "10s",
		"--horizontal-pod-autoscaler-sync-period", "30s")
	if err != nil || !strings.Contains(out, `"desiredReplicas": 2`) || !strings.Contains(out, `"scaleUp": 0.05`) {
		t.Errorf("timing flags: %v\n%s", err, out)
	}
	for _, tc := range []struct {
		args    []string
		wantErr string
	}{
		{[]string{"-f", "testdata/list.json", "--now", "yesterday"}, "--now must be an RFC3339 time"},
		{[]string{"-f", "testdata/list.json", "-o", "yaml"}, "--output must be text or json"},
		{[]string{"-f", "testdata/nope.yaml"}, "no such file"},
		{[]string{}, `required flag(s) "filename" not set`},
		{[]string{"-f", "testdata/list.json", "--horizontal-pod-autoscaler-tolerance", "-1"}, "must not be negative"},
		{[]string{"-f", "testdata/list.json", "extra"}, "unknown command"},
	} {
		if _, err := run("", tc.args...); err == nil || !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("%v: error %v, want %q", tc.args, err, tc.wantErr)
		}
	}
	if _, err := run("garbage: [", "-f", "-"); err == nil || !strings.Contains(err.Error(), "cannot parse") {
		t.Errorf("stdin garbage: %v", err)
	}
}

// FuzzParse checks that no input makes the parser (and the decision on what
// it accepts) panic. The seed corpus runs as a normal test.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"deployment.yaml", "list.json"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		"", "---", "null", "[]", "{}", "3", `"x"`, "{\"apiVersion\":\"v1\"}",
		stream(paDoc, deployDoc, podDoc, metricsDoc),
		stream(paDoc, deployDoc, "apiVersion: v1\nkind: List\nitems: [{apiVersion: v1, kind: List, items: []}]\n"),
		"apiVersion: v1\nkind: PodList\nitems: [{metadata: {name: a}}, 7]\n",
		"{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[{\"apiVersion\":\"v1\",\"kind\":\"Pod\"}]}{\"a\":1}",
		"\xff\xfe\x00",
		"a: &a [*a]\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := Parse(bytes.NewReader(data))
		if err != nil {
			return
		}
		r, err := Recommend(b, testOptions())
		if err != nil {
			return
		}
		var buf bytes.Buffer
		_ = r.WriteText(&buf)
		_ = r.WriteJSON(&buf)
	})
}
