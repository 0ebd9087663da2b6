// Command autoscaler runs coxswain's PodAutoscaler controller.
package main

import (
	"os"

	"k8s.io/component-base/cli"

	"github.com/coxswain-io/coxswain/cmd/autoscaler/app"
)

func main() {
	os.Exit(cli.Run(app.NewCommand()))
}
