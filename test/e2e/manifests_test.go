package e2e

import (
	"context"
	"testing"

	authorizationv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// The kustomize base applies to a real apiserver, and each ServiceAccount can
// do what its binary needs and nothing near Secrets.
func TestManifestsRBAC(t *testing.T) {
	c := sharedCluster(t)
	installManifests(t, c)
	type check struct {
		verb, group, resource, sub, ns, name string
	}
	for _, tc := range []struct {
		sa      string
		allowed []check
	}{
		{"coxswain-scheduler", []check{
			{"list", "", "nodes", "", "", ""},
			{"watch", "", "pods", "", "", ""},
			{"create", "", "pods", "binding", "default", ""},
			{"patch", "", "pods", "", "default", ""},
			{"patch", "", "pods", "status", "default", ""},
			{"create", "events.k8s.io", "events", "", "default", ""},
			{"get", "coordination.k8s.io", "leases", "", "coxswain-system", "coxswain-scheduler"},
			{"update", "coordination.k8s.io", "leases", "", "coxswain-system", "coxswain-scheduler"},
			{"list", "metrics.k8s.io", "nodes", "", "", ""},
			{"list", "resource.k8s.io", "resourceslices", "", "", ""},
		}},
		{"coxswain-autoscaler", []check{
			{"watch", "autoscaling.coxswain.io", "podautoscalers", "", "", ""},
			{"update", "autoscaling.coxswain.io", "podautoscalers", "status", "default", ""},
			{"get", "apps", "deployments", "scale", "default", ""},
			{"update", "apps", "statefulsets", "scale", "default", ""},
			{"patch", "example.com", "widgets", "scale", "default", ""},
			{"list", "", "pods", "", "", ""},
			{"list", "metrics.k8s.io", "pods", "", "default", ""},
			{"create", "", "events", "", "default", ""},
			{"update", "coordination.k8s.io", "leases", "", "coxswain-system", "coxswain-autoscaler"},
		}},
	} {
		user := "system:serviceaccount:coxswain-system:" + tc.sa
		for _, ch := range tc.allowed {
			if !allowed(t, c.Client(), user, ch.verb, ch.group, ch.resource, ch.sub, ch.ns, ch.name) {
				t.Errorf("%s cannot %s %s/%s/%s in %q", tc.sa, ch.verb, ch.group, ch.resource, ch.sub, ch.ns)
			}
		}
		denied := []check{
			{"get", "", "secrets", "", "coxswain-system", ""},
			{"list", "", "secrets", "", "", ""},
			{"watch", "", "secrets", "", "kube-system", ""},
			{"update", "coordination.k8s.io", "leases", "", "kube-system", "kube-scheduler"},
			{"delete", "apps", "deployments", "", "default", ""},
			{"update", "apps", "deployments", "", "default", ""},
		}
		for _, ch := range denied {
			if allowed(t, c.Client(), user, ch.verb, ch.group, ch.resource, ch.sub, ch.ns, ch.name) {
				t.Errorf("%s may %s %s/%s in %q; it must not", tc.sa, ch.verb, ch.group, ch.resource, ch.ns)
			}
		}
	}
}

func allowed(t *testing.T, client kubernetes.Interface, user, verb, group, resource, sub, ns, name string) bool {
	t.Helper()
	sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
		User:   user,
		Groups: []string{"system:serviceaccounts", "system:serviceaccounts:coxswain-system", "system:authenticated"},
		ResourceAttributes: &authorizationv1.ResourceAttributes{
			Verb: verb, Group: group, Resource: resource, Subresource: sub, Namespace: ns, Name: name,
		},
	}}
	res, err := client.AuthorizationV1().SubjectAccessReviews().Create(context.Background(), sar, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("SubjectAccessReview: %v", err)
	}
	return res.Status.Allowed
}
