package recommend

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"
)

// commandOptions are the flags of the recommend command.
type commandOptions struct {
	Options
	filename string
	now      string
	output   string
}

// NewCommand returns the `recommend` command: it reads a PodAutoscaler, its
// scale target, Pods and PodMetrics from a file (or stdin) and prints what the
// autoscaler would decide, and why.
func NewCommand() *cobra.Command {
	o := &commandOptions{Options: DefaultOptions(), output: "text"}
	cmd := &cobra.Command{
		Use:   "recommend -f FILE",
		Short: "Explain what the autoscaler would decide for a PodAutoscaler, its target, pods and metrics",
		Long: `Reads a YAML stream (documents separated by ---) or JSON (objects or a v1 List)
holding exactly one autoscaling.coxswain.io/v1alpha1 PodAutoscaler (its status may
carry the recommendation and scale event history), its scale target (e.g. an apps/v1
Deployment), the target's Pods and their metrics.k8s.io/v1beta1 PodMetrics, then
prints the replica count the autoscaler would set and how it got there: each pod's
group (ready, unready, missing, ignored) and why, the utilization of each metric,
and the raw, stabilized and rate-limited recommendations.

Capture the input of a live workload with, for example:
  kubectl get pa/web deploy/web -o yaml > in.yaml
  echo --- >> in.yaml; kubectl get pods -l app=web -o yaml >> in.yaml
  echo --- >> in.yaml; kubectl get podmetrics -l app=web -o yaml >> in.yaml
and evaluate it at the capture time with --now.`,
		Example: `  autoscaler recommend -f in.yaml --now 2025-06-01T12:00:00Z
  kubectl get pa,deploy,pods,podmetrics -o json | autoscaler recommend -f - -o json`,
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: false,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return o.run(cmd.InOrStdin(), cmd.OutOrStdout())
		},
	}
	fs := cmd.Flags()
	fs.StringVarP(&o.filename, "filename", "f", "", "File holding the input stream (YAML or JSON); - reads standard input.")
	fs.StringVar(&o.now, "now", "", "Evaluation time, RFC3339 (default: the current time).")
	fs.StringVarP(&o.output, "output", "o", o.output, "Output format: text or json.")
	o.Decision.AddFlags(fs)
	_ = cmd.MarkFlagRequired("filename")
	return cmd
}

func (o *commandOptions) run(stdin io.Reader, stdout io.Writer) error {
	if o.output != "text" && o.output != "json" {
		return fmt.Errorf("--output must be text or json, got %q", o.output)
	}
	if o.now != "" {
		t, err := time.Parse(time.RFC3339, o.now)
		if err != nil {
			return fmt.Errorf("--now must be an RFC3339 time (e.g. 2025-06-01T12:00:00Z): %v", err)
		}
		o.Now = t
	}
	var in io.Reader
	switch o.filename {
	case "":
		return fmt.Errorf("--filename (-f) is required; use - for standard input")
	case "-":
		in = stdin
	default:
		f, err := os.Open(o.filename)
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	report, err := Run(in, o.Options)
	if err != nil {
		if o.filename != "-" {
			return fmt.Errorf("%s: %w", o.filename, err)
		}
		return err
	}
	if o.output == "json" {
		return report.WriteJSON(stdout)
	}
	return report.WriteText(stdout)
}
