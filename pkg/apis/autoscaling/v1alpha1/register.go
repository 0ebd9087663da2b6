package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// GroupName is the API group of the PodAutoscaler resource.
const GroupName = "autoscaling.coxswain.io"

// Version is the API version of this package.
const Version = "v1alpha1"

var (
	// SchemeGroupVersion is the group version used to register these objects.
	SchemeGroupVersion = schema.GroupVersion{Group: GroupName, Version: Version}
	// GroupVersion is an alias of SchemeGroupVersion (kubebuilder spelling).
	GroupVersion = SchemeGroupVersion

	// SchemeBuilder registers the types of this package into a scheme.
	SchemeBuilder = runtime.NewSchemeBuilder(addKnownTypes)
	// AddToScheme adds the types of this package to a scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)

// Kind and resource names.
const (
	Kind      = "PodAutoscaler"
	ListKind  = "PodAutoscalerList"
	Resource  = "podautoscalers"
	ShortName = "pa"
)

// GroupResource takes an unqualified resource and returns a group-qualified GroupResource.
func GroupResource(resource string) schema.GroupResource {
	return SchemeGroupVersion.WithResource(resource).GroupResource()
}

// Register adds the types of this package to the given scheme. It is
// equivalent to AddToScheme.
func Register(scheme *runtime.Scheme) error {
	return AddToScheme(scheme)
}

func addKnownTypes(scheme *runtime.Scheme) error {
	scheme.AddKnownTypes(SchemeGroupVersion,
		&PodAutoscaler{},
		&PodAutoscalerList{},
	)
	metav1.AddToGroupVersion(scheme, SchemeGroupVersion)
	return nil
}
