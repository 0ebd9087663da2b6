// Package decision is the pure decision function of the autoscaler.
//
// Decide takes a PodAutoscaler (its spec, and its status with the persisted
// history and conditions), the target's scale (current replicas and
// selector), the pods, their metrics.k8s.io PodMetrics, the evaluation time
// and the controller Options, and returns the replica count to set, the new
// status and a structured Explanation. It performs no I/O and reads no clock.
//
// It reproduces the upstream Kubernetes v1.36 HorizontalPodAutoscaler
// controller (pkg/controller/podautoscaler) for Resource and
// ContainerResource metrics:
//
//   - pod grouping (groupPods): deleted and Failed pods are ignored, Pending
//     pods are unready, pods without a metric are missing; for cpu only, a pod
//     without Ready condition or start time, a pod within the cpu
//     initialization period that is not ready or whose sample was taken less
//     than a metric window after its last readiness transition, and a pod
//     that is not ready and has never been ready (its readiness changed
//     within the initial readiness delay after start) are unready;
//   - requests: the named container, else the pod-level request, else the sum
//     over the containers and restartable init containers; a selected pod
//     without a request fails the metric with a message naming it;
//   - utilization truncated to a whole percent, ceil(ratio x ready pods),
//     tolerances per direction (spec.behavior.scaleUp/scaleDown.tolerance
//     override the controller tolerance), the conservative recomputation with
//     missing pods (100% of request, or the target when higher, on a scale
//     down; 0 on a scale up) and unready pods (0 on a scale up) that never
//     reverses the scale direction; average value targets as upstream
//     GetRawResourceReplicas;
//   - the maximum over the metrics, with a refusal to scale down when some
//     metric is invalid (computeReplicasForMetrics);
//   - zero replicas disable scaling; replicas outside [min, max] are brought
//     back first; stabilization windows, Pods/Percent policies over their
//     periods with selectPolicy Max/Min/Disabled, and without behavior the
//     legacy rules (downscale window, scale up to at most max(2 x current, 4));
//   - conditions AbleToScale, ScalingActive and ScalingLimited, rescale
//     reasons and events with the upstream reasons and messages.
//
// Differences from upstream, all consequences of persisting the state:
//
//   - The recommendations and scale events live in status.history instead of
//     controller memory, so restarts and leader changes keep them. An
//     autoscaler with no recorded recommendation starts, like a new upstream
//     HPA, from the current replica count (Explanation.InitialRecommendation).
//   - History entries that can no longer be within any window are pruned,
//     recommendations with the same value are merged into the newest one (this
//     never changes a decision), and each list is capped at 256 entries.
//     Scale events are kept for the longest policy period of either direction
//     (upstream may recycle a scale-up event once it is older than the longest
//     scale-up period even if a longer scale-down period still needs it).
//   - History timestamps have one-second precision (metav1.Time), so windows
//     and periods are honored to within a second.
//   - A metric that fails keeps an entry in status.currentMetrics with its type
//     and resource name and an empty current value (upstream writes an empty
//     entry).
//   - AmbiguousSelector is reported when the caller passes the other
//     autoscalers selecting the same pods (Input.AmbiguousWith).
//   - Only Resource and ContainerResource metrics exist; scale to zero
//     (HPAScaleToZero, alpha) is not supported.
package decision
