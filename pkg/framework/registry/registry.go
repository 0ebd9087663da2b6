// Package registry lists coxswain's scheduler plugins in one place so the
// binary, the benchmarks and the tests build the same profile.
package registry

import (
	"k8s.io/kubernetes/cmd/kube-scheduler/app"
	frameworkruntime "k8s.io/kubernetes/pkg/scheduler/framework/runtime"
)

// Plugins maps each coxswain plugin name to its factory.
func Plugins() frameworkruntime.Registry {
	return frameworkruntime.Registry{}
}

// Options turns Plugins into kube-scheduler command options.
func Options() []app.Option {
	var opts []app.Option
	for name, factory := range Plugins() {
		opts = append(opts, app.WithPlugin(name, factory))
	}
	return opts
}
