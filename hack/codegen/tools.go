//go:build tools

// Package codegen pins controller-gen, which writes the PodAutoscaler CRD and
// deepcopy code. It has its own module so it can move independently of the
// control-plane components in hack/tools.
package codegen

import _ "sigs.k8s.io/controller-tools/cmd/controller-gen"
