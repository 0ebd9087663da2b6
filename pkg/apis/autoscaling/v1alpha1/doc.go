// Package v1alpha1 contains the autoscaling.coxswain.io/v1alpha1 API: the
// PodAutoscaler custom resource.
//
// A PodAutoscaler has the same spec fields, with the same names and meaning, as
// an autoscaling/v2 HorizontalPodAutoscaler, restricted to the Resource and
// ContainerResource metric sources for cpu and memory. Its status additionally
// persists the recent recommendations and scale events the stabilization
// windows and scaling policies depend on, so that a controller restart or a
// leader change does not change any scaling decision.
//
// Regenerate the deepcopy functions and the CRD manifest with:
//
//	GOBIN=$PWD/bin go install sigs.k8s.io/controller-tools/cmd/controller-gen@v0.21.0
//	bin/controller-gen object paths=./pkg/apis/autoscaling/... \
//	    crd:crdVersions=v1 output:crd:artifacts:config=manifests/crd
//
// +kubebuilder:object:generate=true
// +groupName=autoscaling.coxswain.io
package v1alpha1
