package columns

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/duration"

	"github.com/etcdscope/etcdscope/decode"
)

// printer is a built-in kind's columns (between NAME and SIZE) and the
// function that fills them.
type printer struct {
	cols []Column
	row  rowFunc
}

// col is a column shown by default.
func col(name string, t Type, width, priority int) Column {
	return Column{Name: name, Type: t, Width: width, Priority: priority}
}

// wide is a column kubectl shows only with -o wide.
func wide(name string, t Type, width int) Column {
	return Column{Name: name, Type: t, Width: width, Priority: widePriority, Wide: true}
}

// The container columns of the workload kinds' -o wide.
var (
	containersCol = wide("CONTAINERS", Text, 24)
	imagesCol     = wide("IMAGES", Text, 40)
	selectorCol   = wide("SELECTOR", Text, 30)
)

// replicasOr1 reads a replicas field; the API server defaults an unset
// one to 1 before storing, so nil only comes from hand-written data.
func replicasOr1(r *int32) int32 {
	if r == nil {
		return 1
	}
	return *r
}

type podDoc struct {
	Metadata objMeta          `json:"metadata"`
	Spec     podSpec          `json:"spec"`
	Status   corev1.PodStatus `json:"status"`
}

// podPrinter is kubectl's pod table; NODE, which kubectl shows only with
// -o wide, is shown (as k9s does) but gives way early.
var podPrinter = printer{
	cols: []Column{
		col("READY", Ratio, 7, importantPriority),
		col("STATUS", Text, 20, keyPriority),
		col("RESTARTS", Integer, 14, importantPriority),
		col("NODE", Text, 24, extraPriority),
		wide("IP", Text, 15),
	},
	row: typed(func(d *podDoc, _ decode.Value, now time.Time, out []Cell) time.Time {
		s := summarizePod(d)
		out[0] = ratioCell(s.ready, s.total)
		out[1] = textCell(s.status)
		out[2] = restartsCell(s.restarts, s.lastRestart, now)
		out[3] = noneIfEmpty(d.Spec.NodeName)
		ip := ""
		if len(d.Status.PodIPs) > 0 {
			ip = d.Status.PodIPs[0].IP
		}
		out[4] = noneIfEmpty(ip)
		return d.Metadata.created()
	}),
}

// podSummary is what kubectl's pod row derives from a pod's status.
type podSummary struct {
	ready, total, restarts int
	lastRestart            time.Time
	status                 string
}

// nodeLostReason is the pod status reason the node lifecycle controller
// sets on pods of an unreachable node (k8s.io/kubernetes/pkg/util/node).
const nodeLostReason = "NodeLost"

// summarizePod derives READY, STATUS and RESTARTS as kubectl's pod
// printer does: STATUS starts as the phase (or status.reason, or
// SchedulingGated); an unfinished init container makes it Init:<reason>
// or Init:i/n; otherwise the last container with a waiting or terminated
// reason names it (ExitCode:n or Signal:n without one), a Completed pod
// with a container still running reads Running or NotReady; a pod being
// deleted reads Terminating, or Unknown when its node was lost.
// Restartable init containers (sidecars) count as containers.
func summarizePod(d *podDoc) podSummary {
	st := &d.Status
	s := podSummary{total: len(d.Spec.Containers), status: string(st.Phase)}
	if st.Reason != "" {
		s.status = st.Reason
	}
	for _, c := range st.Conditions {
		if c.Type == corev1.PodScheduled && c.Reason == corev1.PodReasonSchedulingGated {
			s.status = corev1.PodReasonSchedulingGated
		}
	}
	sidecars := map[string]bool{}
	for _, c := range d.Spec.InitContainers {
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			sidecars[c.Name] = true
			s.total++
		}
	}

	var sidecarRestarts int
	var sidecarLast time.Time
	initializing := false
	for i, c := range st.InitContainerStatuses {
		s.restarts += int(c.RestartCount)
		s.lastRestart = later(s.lastRestart, lastTermination(c))
		if sidecars[c.Name] {
			sidecarRestarts += int(c.RestartCount)
			sidecarLast = later(sidecarLast, lastTermination(c))
		}
		if t := c.State.Terminated; t != nil && t.ExitCode == 0 {
			continue // finished
		}
		if sidecars[c.Name] && c.Started != nil && *c.Started {
			if c.Ready {
				s.ready++
			}
			continue // a running sidecar does not hold up the others
		}
		switch t, w := c.State.Terminated, c.State.Waiting; {
		case t != nil && t.Reason != "":
			s.status = "Init:" + t.Reason
		case t != nil && t.Signal != 0:
			s.status = fmt.Sprintf("Init:Signal:%d", t.Signal)
		case t != nil:
			s.status = fmt.Sprintf("Init:ExitCode:%d", t.ExitCode)
		case w != nil && w.Reason != "" && w.Reason != "PodInitializing":
			s.status = "Init:" + w.Reason
		default:
			s.status = fmt.Sprintf("Init:%d/%d", i, len(d.Spec.InitContainers))
		}
		initializing = true
		break
	}

	if !initializing || conditionTrue(st.Conditions, corev1.PodInitialized) {
		// Past initialization only the sidecars' restarts still count.
		s.restarts, s.lastRestart = sidecarRestarts, sidecarLast
		running := false
		for i := len(st.ContainerStatuses) - 1; i >= 0; i-- {
			c := st.ContainerStatuses[i]
			s.restarts += int(c.RestartCount)
			s.lastRestart = later(s.lastRestart, lastTermination(c))
			switch t, w := c.State.Terminated, c.State.Waiting; {
			case w != nil && w.Reason != "":
				s.status = w.Reason
			case t != nil && t.Reason != "":
				s.status = t.Reason
			case t != nil && t.Signal != 0:
				s.status = fmt.Sprintf("Signal:%d", t.Signal)
			case t != nil:
				s.status = fmt.Sprintf("ExitCode:%d", t.ExitCode)
			case c.Ready && c.State.Running != nil:
				running = true
				s.ready++
			}
		}
		if s.status == "Completed" && running {
			s.status = "NotReady"
			if conditionTrue(st.Conditions, corev1.PodReady) {
				s.status = "Running"
			}
		}
	}

	if d.Metadata.DeletionTimestamp != nil {
		switch {
		case st.Reason == nodeLostReason:
			s.status = "Unknown"
		case st.Phase != corev1.PodSucceeded && st.Phase != corev1.PodFailed:
			s.status = "Terminating"
		}
	}
	return s
}

// lastTermination is when a container last terminated before its current
// run, zero when unknown.
func lastTermination(c corev1.ContainerStatus) time.Time {
	if t := c.LastTerminationState.Terminated; t != nil {
		return t.FinishedAt.Time
	}
	return time.Time{}
}

// later returns the later of two times.
func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// conditionTrue reports whether the first condition of type t is True.
func conditionTrue(cs []corev1.PodCondition, t corev1.PodConditionType) bool {
	for _, c := range cs {
		if c.Type == t {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// restartsCell is RESTARTS: the count, and how long ago the last restart
// was when known ("3 (5m ago)"); it sorts by the count.
func restartsCell(n int, last, now time.Time) Cell {
	c := intCell(n)
	if n != 0 && !last.IsZero() {
		c.Text += " (" + duration.HumanDuration(now.Sub(last)) + " ago)"
		c.key.derived = false // the text says more than the count
	}
	return c
}

type deploymentDoc struct {
	Metadata objMeta `json:"metadata"`
	Spec     struct {
		appsv1.DeploymentSpec
		Template podTemplate `json:"template"`
	} `json:"spec"`
	Status appsv1.DeploymentStatus `json:"status"`
}

var deploymentPrinter = printer{
	cols: []Column{
		col("READY", Ratio, 7, keyPriority),
		col("UP-TO-DATE", Integer, 10, importantPriority),
		col("AVAILABLE", Integer, 9, importantPriority),
		containersCol, imagesCol, selectorCol,
	},
	row: typed(func(d *deploymentDoc, _ decode.Value, _ time.Time, out []Cell) time.Time {
		out[0] = ratioCell(d.Status.ReadyReplicas, replicasOr1(d.Spec.Replicas))
		out[1] = intCell(d.Status.UpdatedReplicas)
		out[2] = intCell(d.Status.AvailableReplicas)
		out[3], out[4] = containerCells(d.Spec.Template.Spec.Containers)
		// kubectl prints a Deployment's selector parsed, not formatted.
		if sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector); err != nil {
			out[5] = missingCell("<invalid>")
		} else {
			out[5] = textCell(sel.String())
		}
		return d.Metadata.created()
	}),
}

type replicaSetDoc struct {
	Metadata objMeta `json:"metadata"`
	Spec     struct {
		appsv1.ReplicaSetSpec
		Template podTemplate `json:"template"`
	} `json:"spec"`
	Status appsv1.ReplicaSetStatus `json:"status"`
}

var replicaSetPrinter = printer{
	cols: []Column{
		col("DESIRED", Integer, 7, importantPriority),
		col("CURRENT", Integer, 7, importantPriority),
		col("READY", Integer, 5, keyPriority),
		containersCol, imagesCol, selectorCol,
	},
	row: typed(func(d *replicaSetDoc, _ decode.Value, _ time.Time, out []Cell) time.Time {
		out[0] = intCell(replicasOr1(d.Spec.Replicas))
		out[1] = intCell(d.Status.Replicas)
		out[2] = intCell(d.Status.ReadyReplicas)
		out[3], out[4] = containerCells(d.Spec.Template.Spec.Containers)
		out[5] = selectorCell(d.Spec.Selector)
		return d.Metadata.created()
	}),
}

type replicationControllerDoc struct {
	Metadata objMeta `json:"metadata"`
	Spec     struct {
		corev1.ReplicationControllerSpec
		Template *podTemplate `json:"template"`
	} `json:"spec"`
	Status corev1.ReplicationControllerStatus `json:"status"`
}

var replicationControllerPrinter = printer{
	cols: replicaSetPrinter.cols,
	row: typed(func(d *replicationControllerDoc, _ decode.Value, _ time.Time, out []Cell) time.Time {
		out[0] = intCell(replicasOr1(d.Spec.Replicas))
		out[1] = intCell(d.Status.Replicas)
		out[2] = intCell(d.Status.ReadyReplicas)
		if d.Spec.Template != nil {
			out[3], out[4] = containerCells(d.Spec.Template.Spec.Containers)
		} else {
			out[3], out[4] = containerCells(nil)
		}
		out[5] = textCell(labels.FormatLabels(d.Spec.Selector))
		return d.Metadata.created()
	}),
}

type statefulSetDoc struct {
	Metadata objMeta `json:"metadata"`
	Spec     struct {
		appsv1.StatefulSetSpec
		Template podTemplate `json:"template"`
		// VolumeClaimTemplates are whole PVCs the row does not read.
		VolumeClaimTemplates json.RawMessage `json:"volumeClaimTemplates"`
	} `json:"spec"`
	Status appsv1.StatefulSetStatus `json:"status"`
}

var statefulSetPrinter = printer{
	cols: []Column{col("READY", Ratio, 7, keyPriority), containersCol, imagesCol},
	row: typed(func(d *statefulSetDoc, _ decode.Value, _ time.Time, out []Cell) time.Time {
		out[0] = ratioCell(d.Status.ReadyReplicas, replicasOr1(d.Spec.Replicas))
		out[1], out[2] = containerCells(d.Spec.Template.Spec.Containers)
		return d.Metadata.created()
	}),
}

type daemonSetDoc struct {
	Metadata objMeta `json:"metadata"`
	Spec     struct {
		appsv1.DaemonSetSpec
		Template podTemplate `json:"template"`
	} `json:"spec"`
	Status appsv1.DaemonSetStatus `json:"status"`
}

var daemonSetPrinter = printer{
	cols: []Column{
		col("DESIRED", Integer, 7, importantPriority),
		col("CURRENT", Integer, 7, importantPriority),
		col("READY", Integer, 5, keyPriority),
		col("UP-TO-DATE", Integer, 10, importantPriority),
		col("AVAILABLE", Integer, 9, importantPriority),
		col("NODE SELECTOR", Text, 24, extraPriority),
		containersCol, imagesCol, selectorCol,
	},
	row: typed(func(d *daemonSetDoc, _ decode.Value, _ time.Time, out []Cell) time.Time {
		s := d.Status
		out[0] = intCell(s.DesiredNumberScheduled)
		out[1] = intCell(s.CurrentNumberScheduled)
		out[2] = intCell(s.NumberReady)
		out[3] = intCell(s.UpdatedNumberScheduled)
		out[4] = intCell(s.NumberAvailable)
		out[5] = textCell(labels.FormatLabels(d.Spec.Template.Spec.NodeSelector))
		out[6], out[7] = containerCells(d.Spec.Template.Spec.Containers)
		out[8] = selectorCell(d.Spec.Selector)
		return d.Metadata.created()
	}),
}

type jobDoc struct {
	Metadata objMeta `json:"metadata"`
	Spec     struct {
		batchv1.JobSpec
		Template podTemplate `json:"template"`
	} `json:"spec"`
	Status batchv1.JobStatus `json:"status"`
}

var jobPrinter = printer{
	cols: []Column{
		col("STATUS", Text, 13, keyPriority),
		col("COMPLETIONS", Ratio, 11, importantPriority),
		col("DURATION", Duration, 8, importantPriority),
		containersCol, imagesCol, selectorCol,
	},
	row: typed(func(d *jobDoc, _ decode.Value, now time.Time, out []Cell) time.Time {
		out[0] = textCell(jobStatus(d))
		out[1] = jobCompletions(d)
		switch start, end := d.Status.StartTime, d.Status.CompletionTime; {
		case start == nil:
			out[2] = Cell{}
		case end == nil:
			out[2] = durationCell(now.Sub(start.Time))
		default:
			out[2] = durationCell(end.Sub(start.Time))
		}
		out[3], out[4] = containerCells(d.Spec.Template.Spec.Containers)
		out[5] = selectorCell(d.Spec.Selector)
		return d.Metadata.created()
	}),
}

// jobStatus is kubectl's Job STATUS: Complete or Failed by their
// conditions, Terminating while deleted, Suspended, FailureTarget, else
// Running.
func jobStatus(d *jobDoc) string {
	has := func(t batchv1.JobConditionType) bool {
		for _, c := range d.Status.Conditions {
			if c.Type == t {
				return c.Status == corev1.ConditionTrue
			}
		}
		return false
	}
	switch {
	case has(batchv1.JobComplete):
		return "Complete"
	case has(batchv1.JobFailed):
		return "Failed"
	case d.Metadata.DeletionTimestamp != nil:
		return "Terminating"
	case has(batchv1.JobSuspended):
		return "Suspended"
	case has(batchv1.JobFailureTarget):
		return "FailureTarget"
	}
	return "Running"
}

// jobCompletions is COMPLETIONS: succeeded/completions, or for a job
// without a completion count succeeded/1 ("of N" with parallelism N > 1).
func jobCompletions(d *jobDoc) Cell {
	if d.Spec.Completions != nil {
		return ratioCell(d.Status.Succeeded, *d.Spec.Completions)
	}
	c := ratioCell(d.Status.Succeeded, 1)
	if p := d.Spec.Parallelism; p != nil && *p > 1 {
		c.Text += " of " + strconv.Itoa(int(*p))
	}
	return c
}

type cronJobDoc struct {
	Metadata objMeta `json:"metadata"`
	Spec     struct {
		batchv1.CronJobSpec
		JobTemplate struct {
			Spec struct {
				Selector *metav1.LabelSelector `json:"selector"`
				Template podTemplate           `json:"template"`
			} `json:"spec"`
		} `json:"jobTemplate"`
	} `json:"spec"`
	Status batchv1.CronJobStatus `json:"status"`
}

var cronJobPrinter = printer{
	cols: []Column{
		col("SCHEDULE", Text, 14, keyPriority),
		col("TIMEZONE", Text, 10, extraPriority),
		col("SUSPEND", Boolean, 7, importantPriority),
		col("ACTIVE", Integer, 6, importantPriority),
		col("LAST SCHEDULE", Age, 13, importantPriority),
		containersCol, imagesCol, selectorCol,
	},
	row: typed(func(d *cronJobDoc, _ decode.Value, now time.Time, out []Cell) time.Time {
		out[0] = textCell(d.Spec.Schedule)
		out[1] = missingCell("<none>")
		if d.Spec.TimeZone != nil {
			out[1] = textCell(*d.Spec.TimeZone)
		}
		out[2] = boolPtrCell(d.Spec.Suspend)
		out[3] = intCell(len(d.Status.Active))
		out[4] = missingCell("<none>")
		if t := d.Status.LastScheduleTime; t != nil {
			out[4] = ageCell(t.Time, now)
		}
		out[5], out[6] = containerCells(d.Spec.JobTemplate.Spec.Template.Spec.Containers)
		out[7] = selectorCell(d.Spec.JobTemplate.Spec.Selector)
		return d.Metadata.created()
	}),
}

// boolPtrCell prints an optional boolean as kubectl does: True, False or
// <unset>.
func boolPtrCell(b *bool) Cell {
	switch {
	case b == nil:
		return missingCell("<unset>")
	case *b:
		return boolCell(true, "True")
	}
	return boolCell(false, "False")
}

type podTemplateDoc struct {
	Metadata objMeta     `json:"metadata"`
	Template podTemplate `json:"template"`
}

var podTemplatePrinter = printer{
	cols: []Column{
		col("CONTAINERS", Text, 24, importantPriority),
		col("IMAGES", Text, 40, extraPriority),
		col("POD LABELS", Text, 30, extraPriority),
	},
	row: typed(func(d *podTemplateDoc, _ decode.Value, _ time.Time, out []Cell) time.Time {
		out[0], out[1] = containerCells(d.Template.Spec.Containers)
		out[2] = textCell(labels.FormatLabels(d.Template.Metadata.Labels))
		return d.Metadata.created()
	}),
}

type controllerRevisionDoc struct {
	Metadata struct {
		objMeta
		OwnerReferences []metav1.OwnerReference `json:"ownerReferences"`
	} `json:"metadata"`
	Revision int64 `json:"revision"`
}

var controllerRevisionPrinter = printer{
	cols: []Column{
		col("CONTROLLER", Text, 30, importantPriority),
		col("REVISION", Integer, 8, importantPriority),
	},
	row: typed(func(d *controllerRevisionDoc, _ decode.Value, _ time.Time, out []Cell) time.Time {
		out[0] = missingCell("<none>")
		for _, r := range d.Metadata.OwnerReferences {
			if r.Controller != nil && *r.Controller {
				// kubectl: the controller's kind.group, lower case, and name.
				out[0] = textCell(groupKindName(r.APIVersion, r.Kind, r.Name))
				break
			}
		}
		out[1] = intCell(d.Revision)
		return d.Metadata.created()
	}),
}

type pdbDoc struct {
	Metadata objMeta                            `json:"metadata"`
	Spec     policyv1.PodDisruptionBudgetSpec   `json:"spec"`
	Status   policyv1.PodDisruptionBudgetStatus `json:"status"`
}

var pdbPrinter = printer{
	cols: []Column{
		col("MIN AVAILABLE", Text, 13, importantPriority),
		col("MAX UNAVAILABLE", Text, 15, importantPriority),
		col("ALLOWED DISRUPTIONS", Integer, 19, keyPriority),
	},
	row: typed(func(d *pdbDoc, _ decode.Value, _ time.Time, out []Cell) time.Time {
		out[0], out[1] = missingCell("N/A"), missingCell("N/A")
		if v := d.Spec.MinAvailable; v != nil {
			out[0] = textCell(v.String())
		}
		if v := d.Spec.MaxUnavailable; v != nil {
			out[1] = textCell(v.String())
		}
		out[2] = intCell(d.Status.DisruptionsAllowed)
		return d.Metadata.created()
	}),
}

type hpaDoc struct {
	Metadata objMeta                                     `json:"metadata"`
	Spec     autoscalingv2.HorizontalPodAutoscalerSpec   `json:"spec"`
	Status   autoscalingv2.HorizontalPodAutoscalerStatus `json:"status"`
}

var hpaPrinter = printer{
	cols: []Column{
		col("REFERENCE", Text, 30, importantPriority),
		col("TARGETS", Text, 30, extraPriority),
		col("MINPODS", Integer, 7, importantPriority),
		col("MAXPODS", Integer, 7, importantPriority),
		col("REPLICAS", Integer, 8, keyPriority),
	},
	row: typed(func(d *hpaDoc, _ decode.Value, _ time.Time, out []Cell) time.Time {
		out[0] = textCell(d.Spec.ScaleTargetRef.Kind + "/" + d.Spec.ScaleTargetRef.Name)
		out[1] = hpaTargets(d.Spec.Metrics, d.Status.CurrentMetrics)
		out[2] = missingCell("<unset>")
		if m := d.Spec.MinReplicas; m != nil {
			out[2] = intCell(*m)
		}
		out[3] = intCell(d.Spec.MaxReplicas)
		out[4] = intCell(d.Status.CurrentReplicas)
		return d.Metadata.created()
	}),
}
