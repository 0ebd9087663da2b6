// Command scheduler-plugin is kube-scheduler with coxswain's plugins compiled
// in. Run it with a KubeSchedulerConfiguration whose profile is named
// coxswain-scheduler so it schedules only pods that ask for it.
package main

import (
	"os"

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"
	_ "k8s.io/component-base/metrics/prometheus/clientgo"
	_ "k8s.io/component-base/metrics/prometheus/version"
	"k8s.io/kubernetes/cmd/kube-scheduler/app"

	"github.com/coxswain-io/coxswain/pkg/framework/registry"
)

func main() {
	command := app.NewSchedulerCommand(registry.Options()...)
	os.Exit(cli.Run(command))
}
