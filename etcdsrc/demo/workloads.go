package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

// app is one workload the builder deploys.
type app struct {
	ns, name string
	image    string
	port     int32
	portName string
	replicas int32
	revision int64 // the deployment's rollout revision: older ones leave a scaled-down replicaset
	sa       string
	sidecar  bool
	service  string // the Service in front of it; "" for none
	svcPort  int32
	priority string // priorityClassName
	labels   map[string]string
}

// owner is an object pods and slices point their ownerReferences at.
type owner struct {
	apiVersion, kind, name string
	uid                    types.UID
}

func (o owner) ref() metav1.OwnerReference {
	return metav1.OwnerReference{APIVersion: o.apiVersion, Kind: o.kind, Name: o.name, UID: o.uid,
		Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true)}
}

func (o owner) objectRef(ns string) corev1.ObjectReference {
	return corev1.ObjectReference{APIVersion: o.apiVersion, Kind: o.kind, Namespace: ns, Name: o.name, UID: o.uid}
}

// containers builds an app's containers as the API server stores them,
// defaults filled in.
func (a *app) containers() []corev1.Container {
	probe := func(path string, delay int32) *corev1.Probe {
		return &corev1.Probe{
			ProbeHandler:        corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: path, Port: intstr.FromString(a.portName), Scheme: corev1.URISchemeHTTP}},
			InitialDelaySeconds: delay, TimeoutSeconds: 1, PeriodSeconds: 10, SuccessThreshold: 1, FailureThreshold: 3,
		}
	}
	main := corev1.Container{
		Name:  a.name,
		Image: a.image,
		Ports: []corev1.ContainerPort{{Name: a.portName, ContainerPort: a.port, Protocol: corev1.ProtocolTCP}},
		Env: []corev1.EnvVar{
			{Name: "POD_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.name"}}},
			{Name: "LOG_LEVEL", ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: a.name + "-config"}, Key: "LOG_LEVEL"}}},
			{Name: "API_TOKEN", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: a.name + "-credentials"}, Key: "api-token"}}},
		},
		Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi")},
			Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("512Mi")},
		},
		ReadinessProbe:           probe("/readyz", 5),
		LivenessProbe:            probe("/healthz", 15),
		TerminationMessagePath:   corev1.TerminationMessagePathDefault,
		TerminationMessagePolicy: corev1.TerminationMessageReadFile,
		ImagePullPolicy:          corev1.PullIfNotPresent,
	}
	if a.ns == "kube-system" {
		main.Env = nil
		main.Args = []string{"-conf", "/etc/coredns/Corefile"}
	}
	cs := []corev1.Container{main}
	if a.sidecar {
		cs = append(cs, corev1.Container{
			Name:                     "log-shipper",
			Image:                    "cr.fluentbit.io/fluent/fluent-bit:4.0.3",
			Resources:                corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("10m"), corev1.ResourceMemory: resource.MustParse("32Mi")}},
			TerminationMessagePath:   corev1.TerminationMessagePathDefault,
			TerminationMessagePolicy: corev1.TerminationMessageReadFile,
			ImagePullPolicy:          corev1.PullIfNotPresent,
		})
	}
	return cs
}

// template is the pod template of an app's deployment.
func (a *app) template(hash string) corev1.PodTemplateSpec {
	labels := map[string]string{"app": a.name, "app.kubernetes.io/part-of": a.ns}
	if hash != "" {
		labels[appsv1.DefaultDeploymentUniqueLabelKey] = hash
	}
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: labels, Annotations: map[string]string{"kubectl.kubernetes.io/default-container": a.name}},
		Spec: corev1.PodSpec{
			Containers:                    a.containers(),
			RestartPolicy:                 corev1.RestartPolicyAlways,
			TerminationGracePeriodSeconds: ptr.To[int64](30),
			DNSPolicy:                     corev1.DNSClusterFirst,
			ServiceAccountName:            a.sa,
			DeprecatedServiceAccount:      a.sa,
			SecurityContext:               &corev1.PodSecurityContext{},
			SchedulerName:                 corev1.DefaultSchedulerName,
			PriorityClassName:             a.priority,
		},
	}
}

// deploy writes an app: its Deployment, the ReplicaSets of its current and
// previous rollouts, its pods, its Service with Endpoints and an
// EndpointSlice, and the events the controllers and kubelets record.
func (b *builder) deploy(ctx context.Context, a *app) error {
	created := b.tick(60e9)
	d := &appsv1.Deployment{ObjectMeta: b.meta(a.ns, a.name, created)}
	d.Generation = a.revision
	d.Labels = map[string]string{"app": a.name, "app.kubernetes.io/part-of": a.ns}
	for k, v := range a.labels {
		d.Labels[k] = v
	}
	d.Annotations = map[string]string{"deployment.kubernetes.io/revision": strconv.FormatInt(a.revision, 10)}
	d.Spec = appsv1.DeploymentSpec{
		Replicas: ptr.To(a.replicas),
		Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": a.name}},
		Template: a.template(""),
		Strategy: appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType, RollingUpdate: &appsv1.RollingUpdateDeployment{
			MaxUnavailable: ptr.To(intstr.FromString("25%")), MaxSurge: ptr.To(intstr.FromString("25%"))}},
		RevisionHistoryLimit:    ptr.To[int32](10),
		ProgressDeadlineSeconds: ptr.To[int32](600),
	}
	dOwner := owner{"apps/v1", "Deployment", a.name, d.UID}

	// Older rollouts leave a ReplicaSet scaled to zero.
	var current *appsv1.ReplicaSet
	var rsCreated metav1.Time
	for rev := int64(1); rev <= a.revision; rev++ {
		rsCreated = b.tick(3600e9)
		hash := b.suffix(10)
		replicas := int32(0)
		if rev == a.revision {
			replicas = a.replicas
		}
		rs := &appsv1.ReplicaSet{ObjectMeta: b.meta(a.ns, a.name+"-"+hash, rsCreated)}
		rs.Generation = 1 + (a.revision - rev)
		rs.Labels = a.template(hash).Labels
		rs.Annotations = map[string]string{
			"deployment.kubernetes.io/desired-replicas": strconv.Itoa(int(a.replicas)),
			"deployment.kubernetes.io/max-replicas":     strconv.Itoa(int(a.replicas) + 1),
			"deployment.kubernetes.io/revision":         strconv.FormatInt(rev, 10),
		}
		rs.OwnerReferences = []metav1.OwnerReference{dOwner.ref()}
		rs.Spec = appsv1.ReplicaSetSpec{
			Replicas: ptr.To(replicas),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": a.name, appsv1.DefaultDeploymentUniqueLabelKey: hash}},
			Template: a.template(hash),
		}
		rs.Status = appsv1.ReplicaSetStatus{Replicas: replicas, FullyLabeledReplicas: replicas, ReadyReplicas: replicas, AvailableReplicas: replicas, ObservedGeneration: rs.Generation}
		rs.ManagedFields = []metav1.ManagedFieldsEntry{
			managed("kube-controller-manager", metav1.ManagedFieldsOperationUpdate, "apps/v1", rsCreated,
				`{"f:metadata":{"f:annotations":{".":{},"f:deployment.kubernetes.io/desired-replicas":{},"f:deployment.kubernetes.io/max-replicas":{},"f:deployment.kubernetes.io/revision":{}},"f:labels":{".":{},"f:app":{},"f:pod-template-hash":{}},"f:ownerReferences":{".":{},"k:{\"uid\":\"`+string(d.UID)+`\"}":{}}},"f:spec":{"f:replicas":{},"f:selector":{},"f:template":{"f:metadata":{"f:labels":{".":{},"f:app":{},"f:pod-template-hash":{}}},"f:spec":{"f:containers":{}}}}}`, ""),
			managed("kube-controller-manager", metav1.ManagedFieldsOperationUpdate, "apps/v1", rsCreated,
				`{"f:status":{"f:availableReplicas":{},"f:fullyLabeledReplicas":{},"f:observedGeneration":{},"f:readyReplicas":{},"f:replicas":{}}}`, "status"),
		}
		if err := b.putProto(ctx, grReplicaSets, b.key("replicasets", a.ns, rs.Name), rs); err != nil {
			return err
		}
		msg := fmt.Sprintf("Scaled up replica set %s from 0 to %d", rs.Name, a.replicas)
		if rev < a.revision {
			msg = fmt.Sprintf("Scaled down replica set %s from %d to 0", rs.Name, a.replicas)
		}
		if err := b.event(ctx, dOwner.objectRef(a.ns), "ScalingReplicaSet", msg, "deployment-controller", "", corev1.EventTypeNormal); err != nil {
			return err
		}
		current = rs
	}

	available := metav1.NewTime(rsCreated.Add(40e9))
	d.Status = appsv1.DeploymentStatus{
		ObservedGeneration: a.revision, Replicas: a.replicas, UpdatedReplicas: a.replicas, ReadyReplicas: a.replicas, AvailableReplicas: a.replicas,
		Conditions: []appsv1.DeploymentCondition{
			{Type: appsv1.DeploymentAvailable, Status: corev1.ConditionTrue, LastUpdateTime: available, LastTransitionTime: available, Reason: "MinimumReplicasAvailable", Message: "Deployment has minimum availability."},
			{Type: appsv1.DeploymentProgressing, Status: corev1.ConditionTrue, LastUpdateTime: available, LastTransitionTime: created, Reason: "NewReplicaSetAvailable", Message: fmt.Sprintf("ReplicaSet %q has successfully progressed.", current.Name)},
		},
	}
	d.ManagedFields = []metav1.ManagedFieldsEntry{
		managed("kubectl-client-side-apply", metav1.ManagedFieldsOperationUpdate, "apps/v1", created,
			`{"f:metadata":{"f:annotations":{".":{},"f:kubectl.kubernetes.io/last-applied-configuration":{}},"f:labels":{".":{},"f:app":{},"f:app.kubernetes.io/part-of":{}}},"f:spec":{"f:progressDeadlineSeconds":{},"f:replicas":{},"f:revisionHistoryLimit":{},"f:selector":{},"f:strategy":{"f:rollingUpdate":{".":{},"f:maxSurge":{},"f:maxUnavailable":{}},"f:type":{}},"f:template":{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"`+a.name+`\"}":{".":{},"f:image":{},"f:name":{},"f:ports":{}}},"f:dnsPolicy":{},"f:restartPolicy":{},"f:serviceAccountName":{}}}}}`, ""),
		managed("kube-controller-manager", metav1.ManagedFieldsOperationUpdate, "apps/v1", available,
			`{"f:metadata":{"f:annotations":{"f:deployment.kubernetes.io/revision":{}}},"f:status":{"f:availableReplicas":{},"f:conditions":{".":{},"k:{\"type\":\"Available\"}":{".":{},"f:lastTransitionTime":{},"f:lastUpdateTime":{},"f:message":{},"f:reason":{},"f:status":{},"f:type":{}},"k:{\"type\":\"Progressing\"}":{".":{},"f:lastTransitionTime":{},"f:lastUpdateTime":{},"f:message":{},"f:reason":{},"f:status":{},"f:type":{}}},"f:observedGeneration":{},"f:readyReplicas":{},"f:replicas":{},"f:updatedReplicas":{}}}`, "status"),
	}
	if err := b.putProto(ctx, grDeployments, b.key("deployments", a.ns, a.name), d); err != nil {
		return err
	}

	rsOwner := owner{"apps/v1", "ReplicaSet", current.Name, current.UID}
	var pods []*corev1.Pod
	for range a.replicas {
		p, err := b.pod(ctx, a.ns, current.Name+"-"+b.suffix(5), current.Spec.Template, rsOwner, b.worker(), false)
		if err != nil {
			return err
		}
		pods = append(pods, p)
	}
	if a.service != "" {
		return b.service(ctx, a.ns, a.service, map[string]string{"app": a.name}, a.portName, a.svcPort, a.port, pods)
	}
	return nil
}

// worker picks a node that takes workloads.
func (b *builder) worker() *node {
	if len(b.nodes) == 1 {
		return b.nodes[0]
	}
	return b.nodes[1+b.rng.IntN(len(b.nodes)-1)]
}

// pod writes one running pod created from tmpl by its controller, and the
// events of its creation, scheduling and start.
func (b *builder) pod(ctx context.Context, ns, name string, tmpl corev1.PodTemplateSpec, o owner, n *node, hostNetwork bool) (*corev1.Pod, error) {
	// Static pods have a mirror pod the kubelet writes, owned by its Node;
	// the others are created by a controller, which records it.
	mirror := o.kind == "Node"
	if !mirror {
		if err := b.event(ctx, o.objectRef(ns), "SuccessfulCreate", "Created pod: "+name, controllerOf(o.kind), "", corev1.EventTypeNormal); err != nil {
			return nil, err
		}
	}
	created := b.tick(2e9)
	p := &corev1.Pod{ObjectMeta: b.meta(ns, name, created), Spec: *tmpl.Spec.DeepCopy()}
	p.Labels = tmpl.Labels
	p.Annotations = tmpl.Annotations
	p.OwnerReferences = []metav1.OwnerReference{o.ref()}
	if mirror {
		p.OwnerReferences[0].BlockOwnerDeletion = nil
	} else {
		p.GenerateName = name[:len(name)-5]
	}
	p.Spec.NodeName = n.name
	p.Spec.HostNetwork = hostNetwork
	p.Spec.EnableServiceLinks = ptr.To(true)
	p.Spec.PreemptionPolicy = ptr.To(corev1.PreemptLowerPriority)
	p.Spec.Priority = ptr.To[int32](0)
	switch p.Spec.PriorityClassName {
	case "system-cluster-critical":
		p.Spec.Priority = ptr.To[int32](2000000000)
	case "system-node-critical":
		p.Spec.Priority = ptr.To[int32](2000001000)
	}
	p.Spec.Tolerations = append(p.Spec.Tolerations,
		corev1.Toleration{Key: corev1.TaintNodeNotReady, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr.To[int64](300)},
		corev1.Toleration{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr.To[int64](300)},
	)
	if p.Spec.ServiceAccountName != "" {
		addAPIAccess(p, "kube-api-access-"+b.suffix(5))
	}
	ip := n.ip
	if !hostNetwork {
		ip = n.podIP()
	}

	scheduled := b.tick(1e9)
	if err := b.schedulerEvent(ctx, p, n.name); err != nil {
		return nil, err
	}
	started := b.tick(3e9)
	podRunning(b.rng, p, n.ip, ip, scheduled, started)
	// A few pods crash-loop, as some always do.
	crashing := !hostNetwork && b.rng.IntN(40) == 0
	if crashing {
		crashLoop(p, started)
	}
	p.ManagedFields = []metav1.ManagedFieldsEntry{
		managed("kube-controller-manager", metav1.ManagedFieldsOperationUpdate, "v1", created,
			`{"f:metadata":{"f:generateName":{},"f:labels":{".":{},"f:app":{}},"f:ownerReferences":{".":{},"k:{\"uid\":\"`+string(o.uid)+`\"}":{}}},"f:spec":{"f:containers":{},"f:dnsPolicy":{},"f:enableServiceLinks":{},"f:restartPolicy":{},"f:schedulerName":{},"f:securityContext":{},"f:serviceAccount":{},"f:serviceAccountName":{},"f:terminationGracePeriodSeconds":{}}}`, ""),
		managed("kubelet", metav1.ManagedFieldsOperationUpdate, "v1", started,
			`{"f:status":{"f:conditions":{"k:{\"type\":\"ContainersReady\"}":{".":{},"f:lastProbeTime":{},"f:lastTransitionTime":{},"f:status":{},"f:type":{}},"k:{\"type\":\"Initialized\"}":{".":{},"f:lastProbeTime":{},"f:lastTransitionTime":{},"f:status":{},"f:type":{}},"k:{\"type\":\"Ready\"}":{".":{},"f:lastProbeTime":{},"f:lastTransitionTime":{},"f:status":{},"f:type":{}}},"f:containerStatuses":{},"f:hostIP":{},"f:hostIPs":{},"f:phase":{},"f:podIP":{},"f:podIPs":{".":{},"k:{\"ip\":\"`+ip+`\"}":{".":{},"f:ip":{}}},"f:startTime":{}}}`, "status"),
	}
	if err := b.putProto(ctx, grPods, b.key("pods", ns, name), p); err != nil {
		return nil, err
	}
	for _, c := range p.Spec.Containers {
		ref := podRef(p, c.Name)
		for _, ev := range [][2]string{
			{"Pulled", fmt.Sprintf("Container image %q already present on machine", c.Image)},
			{"Created", "Created container: " + c.Name},
			{"Started", "Started container " + c.Name},
		} {
			if err := b.event(ctx, ref, ev[0], ev[1], "kubelet", n.name, corev1.EventTypeNormal); err != nil {
				return nil, err
			}
		}
	}
	if crashing {
		ref := podRef(p, p.Spec.Containers[0].Name)
		if err := b.event(ctx, ref, "BackOff", "Back-off restarting failed container "+p.Spec.Containers[0].Name+" in pod "+name+"_"+ns+"("+string(p.UID)+")", "kubelet", n.name, corev1.EventTypeWarning); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// controllerOf names the controller that records events for an owner.
func controllerOf(kind string) string {
	switch kind {
	case "ReplicaSet":
		return "replicaset-controller"
	case "DaemonSet":
		return "daemonset-controller"
	case "ReplicationController":
		return "replication-controller"
	case "Node":
		return "kubelet"
	}
	return "kube-controller-manager"
}

// podRef is a pod (or one of its containers) as events name it.
func podRef(p *corev1.Pod, container string) corev1.ObjectReference {
	r := corev1.ObjectReference{APIVersion: "v1", Kind: "Pod", Namespace: p.Namespace, Name: p.Name, UID: p.UID}
	if container != "" {
		r.FieldPath = "spec.containers{" + container + "}"
	}
	return r
}

// addAPIAccess mounts the projected service account token volume the
// ServiceAccount admission plugin adds to every pod.
func addAPIAccess(p *corev1.Pod, volume string) {
	p.Spec.Volumes = append(p.Spec.Volumes, corev1.Volume{Name: volume, VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{
		Sources: []corev1.VolumeProjection{
			{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{ExpirationSeconds: ptr.To[int64](3607), Path: "token"}},
			{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "kube-root-ca.crt"}, Items: []corev1.KeyToPath{{Key: "ca.crt", Path: "ca.crt"}}}},
			{DownwardAPI: &corev1.DownwardAPIProjection{Items: []corev1.DownwardAPIVolumeFile{{Path: "namespace", FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.namespace"}}}}},
		},
		DefaultMode: ptr.To[int32](420),
	}}})
	for i := range p.Spec.Containers {
		p.Spec.Containers[i].VolumeMounts = append(p.Spec.Containers[i].VolumeMounts,
			corev1.VolumeMount{Name: volume, ReadOnly: true, MountPath: "/var/run/secrets/kubernetes.io/serviceaccount"})
	}
}

func podCondition(t corev1.PodConditionType, s corev1.ConditionStatus, at metav1.Time, reason string) corev1.PodCondition {
	return corev1.PodCondition{Type: t, Status: s, LastTransitionTime: at, Reason: reason}
}

// podPending sets the status of a pod just bound to a node whose
// containers are being created.
func podPending(p *corev1.Pod, hostIP string, scheduled metav1.Time) {
	p.Status = corev1.PodStatus{
		Phase: corev1.PodPending,
		Conditions: []corev1.PodCondition{
			podCondition(corev1.PodReadyToStartContainers, corev1.ConditionFalse, scheduled, ""),
			podCondition(corev1.PodInitialized, corev1.ConditionTrue, scheduled, ""),
			podCondition(corev1.PodReady, corev1.ConditionFalse, scheduled, "ContainersNotReady"),
			podCondition(corev1.ContainersReady, corev1.ConditionFalse, scheduled, "ContainersNotReady"),
			podCondition(corev1.PodScheduled, corev1.ConditionTrue, scheduled, ""),
		},
		HostIP:    hostIP,
		HostIPs:   []corev1.HostIP{{IP: hostIP}},
		StartTime: &scheduled,
		QOSClass:  corev1.PodQOSBurstable,
	}
	for _, c := range p.Spec.Containers {
		p.Status.ContainerStatuses = append(p.Status.ContainerStatuses, corev1.ContainerStatus{
			Name: c.Name, Image: c.Image, Started: ptr.To(false),
			State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}},
		})
	}
	p.Status.Conditions[2].Message = "containers with unready status: [" + p.Spec.Containers[0].Name + "]"
	p.Status.Conditions[3].Message = p.Status.Conditions[2].Message
}

// podRunning sets the status of a pod whose containers all run and are
// ready.
func podRunning(rng *rand.Rand, p *corev1.Pod, hostIP, podIP string, scheduled, started metav1.Time) {
	podPending(p, hostIP, scheduled)
	p.Status.Phase = corev1.PodRunning
	for i := range 4 {
		p.Status.Conditions[i] = podCondition(p.Status.Conditions[i].Type, corev1.ConditionTrue, started, "")
	}
	p.Status.Conditions[1].LastTransitionTime = scheduled
	p.Status.PodIP = podIP
	p.Status.PodIPs = []corev1.PodIP{{IP: podIP}}
	for i := range p.Status.ContainerStatuses {
		cs := &p.Status.ContainerStatuses[i]
		cs.Ready = true
		cs.Started = ptr.To(true)
		cs.ImageID = imageRepo(cs.Image) + "@sha256:" + hex64(rng)
		cs.ContainerID = "containerd://" + hex64(rng)
		cs.State = corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: started}}
	}
}

// crashLoop turns a running pod's first container into one that keeps
// failing.
func crashLoop(p *corev1.Pod, started metav1.Time) {
	cs := &p.Status.ContainerStatuses[0]
	cs.Ready = false
	cs.Started = ptr.To(false)
	cs.RestartCount = 14
	cs.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff",
		Message: "back-off 5m0s restarting failed container=" + cs.Name + " pod=" + p.Name + "_" + p.Namespace + "(" + string(p.UID) + ")"}}
	finished := metav1.NewTime(started.Add(47 * time.Minute))
	cs.LastTerminationState = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
		ExitCode: 1, Reason: "Error", StartedAt: metav1.NewTime(finished.Add(-3e9)), FinishedAt: finished, ContainerID: cs.ContainerID}}
	msg := "containers with unready status: [" + cs.Name + "]"
	p.Status.Conditions[2] = corev1.PodCondition{Type: corev1.PodReady, Status: corev1.ConditionFalse, LastTransitionTime: finished, Reason: "ContainersNotReady", Message: msg}
	p.Status.Conditions[3] = corev1.PodCondition{Type: corev1.ContainersReady, Status: corev1.ConditionFalse, LastTransitionTime: finished, Reason: "ContainersNotReady", Message: msg}
}

// imageRepo strips the tag from an image reference.
func imageRepo(image string) string {
	for i := len(image) - 1; i >= 0 && image[i] != '/'; i-- {
		if image[i] == ':' {
			return image[:i]
		}
	}
	return image
}

// service writes a ClusterIP Service (under services/specs), the Endpoints
// the endpoints controller mirrors (under services/endpoints) and the
// EndpointSlice kube-proxy reads.
func (b *builder) service(ctx context.Context, ns, name string, selector map[string]string, portName string, port, targetPort int32, pods []*corev1.Pod) error {
	created := b.tick(5e9)
	ip := b.serviceIP()
	svc := &corev1.Service{ObjectMeta: b.meta(ns, name, created)}
	svc.Labels = map[string]string{"app": name}
	svc.Spec = corev1.ServiceSpec{
		Ports:                 []corev1.ServicePort{{Name: portName, Protocol: corev1.ProtocolTCP, Port: port, TargetPort: intstr.FromString(portName)}},
		Selector:              selector,
		ClusterIP:             ip,
		ClusterIPs:            []string{ip},
		Type:                  corev1.ServiceTypeClusterIP,
		SessionAffinity:       corev1.ServiceAffinityNone,
		IPFamilies:            []corev1.IPFamily{corev1.IPv4Protocol},
		IPFamilyPolicy:        ptr.To(corev1.IPFamilyPolicySingleStack),
		InternalTrafficPolicy: ptr.To(corev1.ServiceInternalTrafficPolicyCluster),
	}
	if selector == nil {
		svc.Labels = map[string]string{"component": "apiserver", "provider": "kubernetes"}
	}
	svcManager := "kubectl-client-side-apply"
	if selector == nil {
		svcManager = "kube-apiserver"
	}
	svc.ManagedFields = []metav1.ManagedFieldsEntry{managed(svcManager, metav1.ManagedFieldsOperationUpdate, "v1", created,
		`{"f:metadata":{"f:annotations":{".":{},"f:kubectl.kubernetes.io/last-applied-configuration":{}},"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:internalTrafficPolicy":{},"f:ports":{".":{},"k:{\"port\":`+strconv.Itoa(int(port))+`,\"protocol\":\"TCP\"}":{".":{},"f:name":{},"f:port":{},"f:protocol":{},"f:targetPort":{}}},"f:selector":{},"f:sessionAffinity":{},"f:type":{}}}`, "")}
	if err := b.putProto(ctx, grServices, b.key("services", "specs", ns, name), svc); err != nil {
		return err
	}

	changed := b.tick(5e9)
	epMeta := b.meta(ns, name, changed)
	epMeta.Labels = svc.Labels
	epMeta.Annotations = map[string]string{"endpoints.kubernetes.io/last-change-trigger-time": changed.UTC().Format(time.RFC3339)}
	slice := &discoveryv1.EndpointSlice{ObjectMeta: b.meta(ns, name+"-"+b.suffix(5), changed), AddressType: discoveryv1.AddressTypeIPv4}
	slice.GenerateName = name + "-"
	slice.Labels = map[string]string{discoveryv1.LabelServiceName: name, discoveryv1.LabelManagedBy: "endpointslice-controller.k8s.io", "app": name}
	slice.Annotations = epMeta.Annotations
	slice.OwnerReferences = []metav1.OwnerReference{owner{"v1", "Service", name, svc.UID}.ref()}
	slice.Ports = []discoveryv1.EndpointPort{{Name: ptr.To(portName), Port: ptr.To(targetPort), Protocol: ptr.To(corev1.ProtocolTCP)}}
	for _, p := range pods {
		ready := p.Status.ContainerStatuses[0].Ready
		slice.Endpoints = append(slice.Endpoints, discoveryv1.Endpoint{
			Addresses:  []string{p.Status.PodIP},
			Conditions: discoveryv1.EndpointConditions{Ready: ptr.To(ready), Serving: ptr.To(ready), Terminating: ptr.To(false)},
			TargetRef:  ptr.To(podRef(p, "")),
			NodeName:   ptr.To(p.Spec.NodeName),
		})
	}
	apiserverIP := ""
	if selector == nil {
		// The kubernetes Service has no selector: the API server itself
		// keeps its endpoints, pointing at the control plane.
		apiserverIP = b.nodes[0].ip
		slice.Endpoints = []discoveryv1.Endpoint{{Addresses: []string{apiserverIP}, Conditions: discoveryv1.EndpointConditions{Ready: ptr.To(true)}}}
		slice.Name, slice.GenerateName, slice.OwnerReferences = name, "", nil
		slice.Labels = map[string]string{discoveryv1.LabelServiceName: name}
		epMeta.Annotations, slice.Annotations = nil, nil
		epMeta.Labels = map[string]string{"endpointslice.kubernetes.io/skip-mirror": "true"}
	}
	ep := endpoints(epMeta, portName, targetPort, pods, apiserverIP)
	manager := "kube-controller-manager"
	if selector == nil {
		manager = "kube-apiserver"
	}
	slice.ManagedFields = []metav1.ManagedFieldsEntry{managed(manager, metav1.ManagedFieldsOperationUpdate, "discovery.k8s.io/v1", changed,
		`{"f:addressType":{},"f:endpoints":{},"f:metadata":{"f:labels":{".":{},"f:endpointslice.kubernetes.io/managed-by":{},"f:kubernetes.io/service-name":{}}},"f:ports":{}}`, "")}
	if err := b.putProto(ctx, grEndpoints, b.key("services", "endpoints", ns, name), ep); err != nil {
		return err
	}
	return b.putProto(ctx, grEndpointSlices, b.key("endpointslices", ns, slice.Name), slice)
}

// serviceIP hands out the next ClusterIP from 10.96.0.0/12, after the
// kubernetes Service's 10.96.0.1 and kube-dns's 10.96.0.10.
func (b *builder) serviceIP() string {
	n := 2 + b.rng.IntN(60000)
	if n == 10 {
		n = 11
	}
	return fmt.Sprintf("10.96.%d.%d", n/250, 1+n%250)
}

// event writes a core/v1 Event as a controller's or kubelet's event
// recorder does: named after the object and the time in nanoseconds.
func (b *builder) event(ctx context.Context, ref corev1.ObjectReference, reason, msg, component, host, typ string) error {
	b.now = b.now.Add(time.Duration(b.rng.Int64N(5e8)))
	ev := newEvent(b.uid(), ref, reason, msg, component, host, typ, b.now)
	return b.putEvent(ctx, b.key("events", ref.Namespace, ev.Name), ev)
}

// newEvent builds a core/v1 Event the way client-go's event recorder
// does.
func newEvent(uid types.UID, ref corev1.ObjectReference, reason, msg, component, host, typ string, at time.Time) *corev1.Event {
	t := metav1.NewTime(at.Truncate(time.Second))
	ev := &corev1.Event{
		ObjectMeta:          metav1.ObjectMeta{Name: fmt.Sprintf("%s.%x", ref.Name, at.UnixNano()), Namespace: ref.Namespace, UID: uid, CreationTimestamp: t},
		InvolvedObject:      ref,
		Reason:              reason,
		Message:             msg,
		Source:              corev1.EventSource{Component: component, Host: host},
		FirstTimestamp:      t,
		LastTimestamp:       t,
		Count:               1,
		Type:                typ,
		ReportingController: component,
		ReportingInstance:   host,
	}
	ev.ManagedFields = []metav1.ManagedFieldsEntry{managed(managerOf(component), metav1.ManagedFieldsOperationUpdate, "v1", t,
		`{"f:count":{},"f:firstTimestamp":{},"f:involvedObject":{},"f:lastTimestamp":{},"f:message":{},"f:reason":{},"f:reportingComponent":{},"f:reportingInstance":{},"f:source":{"f:component":{},"f:host":{}},"f:type":{}}`, "")}
	return ev
}

// managerOf is the field manager of the binary a component runs in.
func managerOf(component string) string {
	switch component {
	case "kubelet", "default-scheduler":
		return component
	}
	return "kube-controller-manager"
}

// schedulerEvent writes the Scheduled event as kube-scheduler records it:
// through the events.k8s.io API, so with eventTime, action and reporting
// fields and no source or timestamps.
func (b *builder) schedulerEvent(ctx context.Context, p *corev1.Pod, nodeName string) error {
	b.now = b.now.Add(time.Duration(b.rng.Int64N(5e8)))
	ev := schedulerEvent(b.uid(), p, nodeName, b.nodes[0].name, b.now)
	return b.putEvent(ctx, b.key("events", p.Namespace, ev.Name), ev)
}

func schedulerEvent(uid types.UID, p *corev1.Pod, nodeName, cp string, at time.Time) *corev1.Event {
	t := metav1.NewTime(at.Truncate(time.Second))
	ev := &corev1.Event{
		ObjectMeta:          metav1.ObjectMeta{Name: fmt.Sprintf("%s.%x", p.Name, at.UnixNano()), Namespace: p.Namespace, UID: uid, CreationTimestamp: t},
		InvolvedObject:      podRef(p, ""),
		Reason:              "Scheduled",
		Message:             fmt.Sprintf("Successfully assigned %s/%s to %s", p.Namespace, p.Name, nodeName),
		Type:                corev1.EventTypeNormal,
		EventTime:           metav1.NewMicroTime(at.Truncate(time.Microsecond)),
		Action:              "Binding",
		ReportingController: "default-scheduler",
		ReportingInstance:   "default-scheduler-" + cp,
	}
	ev.ManagedFields = []metav1.ManagedFieldsEntry{managed("kube-scheduler", metav1.ManagedFieldsOperationUpdate, "events.k8s.io/v1", t,
		`{"f:action":{},"f:eventTime":{},"f:note":{},"f:reason":{},"f:regarding":{},"f:reportingController":{},"f:reportingInstance":{},"f:type":{}}`, "")}
	return ev
}
