package demo

import (
	"context"
	"fmt"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
)

// systemNamespaces are the namespaces kube-apiserver creates itself.
var systemNamespaces = []string{"default", "kube-system", "kube-public", "kube-node-lease"}

// appNamespaces name the application namespaces, in order; more than
// these are numbered.
var appNamespaces = []string{"shop", "payments", "monitoring", "logging", "auth", "search", "checkout", "inventory", "analytics", "notifications"}

// kubeletVersion is the version the nodes report.
const kubeletVersion = "v1.37.2"

// node is what the builder remembers of a node to place pods on it.
type node struct {
	name    string
	uid     types.UID
	ip      string
	podNet  int // the third octet of its pod CIDR 10.244.<podNet>.0/24
	nextPod int
	control bool
}

// podIP hands out the node's next pod address.
func (n *node) podIP() string {
	n.nextPod++
	return fmt.Sprintf("10.244.%d.%d", n.podNet, 1+n.nextPod%250)
}

// cluster writes the whole cluster, cluster-scoped objects first, then
// each namespace.
func (b *builder) cluster(ctx context.Context) error {
	nss := append([]string(nil), systemNamespaces...)
	for i := range b.opts.Namespaces - len(systemNamespaces) {
		if i < len(appNamespaces) {
			nss = append(nss, appNamespaces[i])
		} else {
			nss = append(nss, fmt.Sprintf("team-%02d", i-len(appNamespaces)+1))
		}
	}
	steps := []func(context.Context) error{
		func(ctx context.Context) error { return b.namespaces(ctx, nss) },
		b.priorityClasses,
		b.clusterRBAC,
		b.nodeObjects,
		b.customResourceDefinitions,
		b.apiServices,
		b.controlPlane,
		b.defaultNamespace,
		b.kubePublic,
	}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return err
		}
	}
	for _, ns := range nss {
		// Every namespace gets its default ServiceAccount and CA bundle from
		// the controller manager.
		if err := b.namespaceBasics(ctx, ns); err != nil {
			return err
		}
	}
	for i, ns := range nss[len(systemNamespaces):] {
		if err := b.appNamespace(ctx, ns, i); err != nil {
			return err
		}
	}
	if err := b.clusterPolicies(ctx); err != nil {
		return err
	}
	if err := b.leaderLeases(ctx); err != nil {
		return err
	}
	if b.opts.Leftovers {
		// Last, so that the rest is written the same with or without.
		return b.leftovers(ctx, nss[len(systemNamespaces)])
	}
	return nil
}

func (b *builder) namespaces(ctx context.Context, nss []string) error {
	for _, ns := range nss {
		created := b.tick(2e9)
		manager, op := "kubectl-create", metav1.ManagedFieldsOperationUpdate
		system := ns == "default" || ns == "kube-system" || ns == "kube-public" || ns == "kube-node-lease"
		if system {
			manager = "kube-apiserver"
		}
		obj := &corev1.Namespace{
			ObjectMeta: b.meta("", ns, created),
			Spec:       corev1.NamespaceSpec{Finalizers: []corev1.FinalizerName{corev1.FinalizerKubernetes}},
			Status:     corev1.NamespaceStatus{Phase: corev1.NamespaceActive},
		}
		obj.Labels = map[string]string{"kubernetes.io/metadata.name": ns}
		if !system {
			obj.Labels["team"] = ns
			obj.Labels["pod-security.kubernetes.io/enforce"] = "baseline"
		}
		obj.ManagedFields = []metav1.ManagedFieldsEntry{managed(manager, op, "v1", created,
			`{"f:metadata":{"f:labels":{".":{},"f:kubernetes.io/metadata.name":{}}}}`, "")}
		if err := b.putProto(ctx, grNamespaces, b.key("namespaces", ns), obj); err != nil {
			return err
		}
	}
	return nil
}

func (b *builder) priorityClasses(ctx context.Context) error {
	for _, pc := range []struct {
		name  string
		value int32
		desc  string
	}{
		{"system-cluster-critical", 2000000000, "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary."},
		{"system-node-critical", 2000001000, "Used for system critical pods that must not be moved from their current node."},
	} {
		created := b.at()
		obj := &schedulingv1.PriorityClass{
			ObjectMeta:       b.meta("", pc.name, created),
			Value:            pc.value,
			Description:      pc.desc,
			PreemptionPolicy: ptr.To(corev1.PreemptLowerPriority),
		}
		obj.ManagedFields = []metav1.ManagedFieldsEntry{managed("kube-apiserver", metav1.ManagedFieldsOperationUpdate, "scheduling.k8s.io/v1", created,
			`{"f:description":{},"f:preemptionPolicy":{},"f:value":{}}`, "")}
		if err := b.putProto(ctx, grPriorityClasses, b.key("priorityclasses", pc.name), obj); err != nil {
			return err
		}
	}
	return nil
}

// bootstrapMeta marks RBAC objects the API server creates at start.
func (b *builder) bootstrapMeta(name string) metav1.ObjectMeta {
	created := b.at()
	m := b.meta("", name, created)
	m.Labels = map[string]string{"kubernetes.io/bootstrapping": "rbac-defaults"}
	m.Annotations = map[string]string{"rbac.authorization.kubernetes.io/autoupdate": "true"}
	m.ManagedFields = []metav1.ManagedFieldsEntry{managed("kube-apiserver", metav1.ManagedFieldsOperationUpdate, "rbac.authorization.k8s.io/v1", created,
		`{"f:metadata":{"f:annotations":{".":{},"f:rbac.authorization.kubernetes.io/autoupdate":{}},"f:labels":{".":{},"f:kubernetes.io/bootstrapping":{}}},"f:rules":{}}`, "")}
	return m
}

func (b *builder) clusterRBAC(ctx context.Context) error {
	all := []string{"*"}
	read := []string{"get", "list", "watch"}
	roles := []struct {
		name  string
		rules []rbacv1.PolicyRule
	}{
		{"cluster-admin", []rbacv1.PolicyRule{{APIGroups: all, Resources: all, Verbs: all}, {NonResourceURLs: all, Verbs: all}}},
		{"admin", []rbacv1.PolicyRule{{APIGroups: []string{"", "apps", "batch"}, Resources: []string{"pods", "services", "deployments", "replicasets", "jobs", "configmaps", "secrets"}, Verbs: []string{"create", "delete", "get", "list", "patch", "update", "watch"}}}},
		{"edit", []rbacv1.PolicyRule{{APIGroups: []string{"", "apps"}, Resources: []string{"pods", "services", "deployments", "configmaps"}, Verbs: []string{"create", "delete", "patch", "update"}}}},
		{"view", []rbacv1.PolicyRule{{APIGroups: []string{"", "apps"}, Resources: []string{"pods", "services", "deployments", "replicasets", "configmaps", "endpoints"}, Verbs: read}}},
		{"system:kube-scheduler", []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"pods", "nodes"}, Verbs: read}, {APIGroups: []string{""}, Resources: []string{"pods/binding"}, Verbs: []string{"create"}}, {APIGroups: []string{"coordination.k8s.io"}, Resources: []string{"leases"}, ResourceNames: []string{"kube-scheduler"}, Verbs: []string{"get", "update"}}}},
		{"system:kube-controller-manager", []rbacv1.PolicyRule{{APIGroups: all, Resources: all, Verbs: read}, {APIGroups: []string{"coordination.k8s.io"}, Resources: []string{"leases"}, ResourceNames: []string{"kube-controller-manager"}, Verbs: []string{"get", "update"}}}},
		{"system:node", []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"nodes", "nodes/status", "pods/status"}, Verbs: []string{"get", "patch", "update"}}, {APIGroups: []string{"coordination.k8s.io"}, Resources: []string{"leases"}, Verbs: []string{"create", "get", "update"}}}},
		{"system:node-proxier", []rbacv1.PolicyRule{{APIGroups: []string{"", "discovery.k8s.io"}, Resources: []string{"services", "endpointslices", "nodes"}, Verbs: read}}},
		{"system:coredns", []rbacv1.PolicyRule{{APIGroups: []string{"", "discovery.k8s.io"}, Resources: []string{"services", "endpointslices", "namespaces"}, Verbs: []string{"list", "watch"}}}},
	}
	for _, r := range roles {
		obj := &rbacv1.ClusterRole{ObjectMeta: b.bootstrapMeta(r.name), Rules: r.rules}
		if err := b.putProto(ctx, grClusterRoles, b.key("clusterroles", r.name), obj); err != nil {
			return err
		}
	}
	bindings := []struct {
		name, role string
		subject    rbacv1.Subject
	}{
		{"cluster-admin", "cluster-admin", rbacv1.Subject{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: "system:masters"}},
		{"system:kube-scheduler", "system:kube-scheduler", rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "system:kube-scheduler"}},
		{"system:kube-controller-manager", "system:kube-controller-manager", rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "system:kube-controller-manager"}},
		{"system:node-proxier", "system:node-proxier", rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Name: "kube-proxy", Namespace: "kube-system"}},
		{"system:coredns", "system:coredns", rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Name: "coredns", Namespace: "kube-system"}},
	}
	for _, rb := range bindings {
		obj := &rbacv1.ClusterRoleBinding{
			ObjectMeta: b.bootstrapMeta(rb.name),
			Subjects:   []rbacv1.Subject{rb.subject},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: rb.role},
		}
		if err := b.putProto(ctx, grClusterRoleBindings, b.key("clusterrolebindings", rb.name), obj); err != nil {
			return err
		}
	}
	return nil
}

// nodeObjects writes the nodes (under "minions", the name the API server
// kept from its first days) and the lease each kubelet renews.
func (b *builder) nodeObjects(ctx context.Context) error {
	names := []string{"cp-1"}
	for i := range 5 * b.opts.Scale {
		names = append(names, fmt.Sprintf("worker-%d", i+1))
	}
	images := []corev1.ContainerImage{
		{Names: []string{"registry.k8s.io/kube-proxy@sha256:" + hex64(b.rng), "registry.k8s.io/kube-proxy:" + kubeletVersion}, SizeBytes: 31_240_113},
		{Names: []string{"registry.k8s.io/coredns/coredns@sha256:" + hex64(b.rng), "registry.k8s.io/coredns/coredns:v1.12.1"}, SizeBytes: 22_384_805},
		{Names: []string{"registry.k8s.io/pause@sha256:" + hex64(b.rng), "registry.k8s.io/pause:3.10.1"}, SizeBytes: 320_448},
	}
	for i, name := range names {
		created := b.tick(20e9)
		n := &node{name: name, uid: b.uid(), ip: fmt.Sprintf("10.0.0.%d", 10+i), podNet: i, control: i == 0}
		b.nodes = append(b.nodes, n)
		obj := &corev1.Node{
			ObjectMeta: metav1.ObjectMeta{Name: name, UID: n.uid, CreationTimestamp: created},
			Spec: corev1.NodeSpec{
				PodCIDR:  fmt.Sprintf("10.244.%d.0/24", n.podNet),
				PodCIDRs: []string{fmt.Sprintf("10.244.%d.0/24", n.podNet)},
			},
		}
		obj.Labels = map[string]string{
			"beta.kubernetes.io/arch": "amd64", "beta.kubernetes.io/os": "linux",
			"kubernetes.io/arch": "amd64", "kubernetes.io/hostname": name, "kubernetes.io/os": "linux",
			"topology.kubernetes.io/zone": fmt.Sprintf("zone-%c", 'a'+rune(i%3)),
		}
		obj.Annotations = map[string]string{
			"node.alpha.kubernetes.io/ttl":                           "0",
			"volumes.kubernetes.io/controller-managed-attach-detach": "true",
		}
		if n.control {
			obj.Labels["node-role.kubernetes.io/control-plane"] = ""
			obj.Spec.Taints = []corev1.Taint{{Key: "node-role.kubernetes.io/control-plane", Effect: corev1.TaintEffectNoSchedule}}
		} else {
			obj.Labels["node-role.kubernetes.io/worker"] = ""
		}
		heartbeat := metav1.NewTime(b.seedNow)
		cond := func(t corev1.NodeConditionType, s corev1.ConditionStatus, reason, msg string) corev1.NodeCondition {
			return corev1.NodeCondition{Type: t, Status: s, LastHeartbeatTime: heartbeat, LastTransitionTime: created, Reason: reason, Message: msg}
		}
		capacity := corev1.ResourceList{
			corev1.ResourceCPU:              resource.MustParse("8"),
			corev1.ResourceMemory:           resource.MustParse("32858432Ki"),
			corev1.ResourcePods:             resource.MustParse("110"),
			corev1.ResourceEphemeralStorage: resource.MustParse("102626232Ki"),
		}
		obj.Status = corev1.NodeStatus{
			Capacity: capacity,
			Allocatable: corev1.ResourceList{
				corev1.ResourceCPU:              resource.MustParse("7800m"),
				corev1.ResourceMemory:           resource.MustParse("32241984Ki"),
				corev1.ResourcePods:             resource.MustParse("110"),
				corev1.ResourceEphemeralStorage: resource.MustParse("94580335255"),
			},
			Conditions: []corev1.NodeCondition{
				cond(corev1.NodeMemoryPressure, corev1.ConditionFalse, "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
				cond(corev1.NodeDiskPressure, corev1.ConditionFalse, "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
				cond(corev1.NodePIDPressure, corev1.ConditionFalse, "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
				cond(corev1.NodeReady, corev1.ConditionTrue, "KubeletReady", "kubelet is posting ready status"),
			},
			Addresses: []corev1.NodeAddress{
				{Type: corev1.NodeInternalIP, Address: n.ip},
				{Type: corev1.NodeHostName, Address: name},
			},
			DaemonEndpoints: corev1.NodeDaemonEndpoints{KubeletEndpoint: corev1.DaemonEndpoint{Port: 10250}},
			NodeInfo: corev1.NodeSystemInfo{
				MachineID: hex64(b.rng)[:32], SystemUUID: string(b.uid()), BootID: string(b.uid()),
				KernelVersion: "6.12.48-1-lts", OSImage: "Debian GNU/Linux 13 (trixie)",
				ContainerRuntimeVersion: "containerd://2.1.4", KubeletVersion: kubeletVersion,
				OperatingSystem: "linux", Architecture: "amd64",
			},
			Images: images,
		}
		role := "worker"
		if n.control {
			role = "control-plane"
		}
		obj.ManagedFields = []metav1.ManagedFieldsEntry{
			managed("kubeadm", metav1.ManagedFieldsOperationUpdate, "v1", created, `{"f:metadata":{"f:labels":{"f:node-role.kubernetes.io/`+role+`":{}}}}`, ""),
			managed("kube-controller-manager", metav1.ManagedFieldsOperationUpdate, "v1", created, `{"f:metadata":{"f:annotations":{"f:node.alpha.kubernetes.io/ttl":{}}},"f:spec":{"f:podCIDR":{},"f:podCIDRs":{".":{},"v:\"`+obj.Spec.PodCIDR+`\"":{}}}}`, ""),
			managed("kubelet", metav1.ManagedFieldsOperationUpdate, "v1", heartbeat, `{"f:status":{"f:conditions":{"k:{\"type\":\"Ready\"}":{"f:lastHeartbeatTime":{},"f:status":{}}},"f:images":{},"f:nodeInfo":{"f:bootID":{}}}}`, "status"),
		}
		if err := b.putProto(ctx, grNodes, b.key("minions", name), obj); err != nil {
			return err
		}
		lease := &coordinationv1.Lease{
			ObjectMeta: b.meta("kube-node-lease", name, created),
			Spec: coordinationv1.LeaseSpec{
				HolderIdentity:       ptr.To(name),
				LeaseDurationSeconds: ptr.To[int32](40),
				RenewTime:            ptr.To(metav1.NewMicroTime(heartbeat.Add(-b.rngDuration(10e9)))),
			},
		}
		lease.OwnerReferences = []metav1.OwnerReference{{APIVersion: "v1", Kind: "Node", Name: name, UID: n.uid}}
		lease.ManagedFields = []metav1.ManagedFieldsEntry{managed("kubelet", metav1.ManagedFieldsOperationUpdate, "coordination.k8s.io/v1", heartbeat,
			`{"f:metadata":{"f:ownerReferences":{".":{},"k:{\"uid\":\"`+string(n.uid)+`\"}":{}}},"f:spec":{"f:holderIdentity":{},"f:leaseDurationSeconds":{},"f:renewTime":{}}}`, "")}
		if err := b.putProto(ctx, grLeases, b.key("leases", "kube-node-lease", name), lease); err != nil {
			return err
		}
	}
	return nil
}

func (b *builder) rngDuration(max int64) time.Duration { return time.Duration(b.rng.Int64N(max)) }

// leaderLeases writes the leases the control plane's leader elections
// hold, and the API server's identity lease.
func (b *builder) leaderLeases(ctx context.Context) error {
	cp := b.nodes[0].name
	renew := metav1.NewMicroTime(b.seedNow.Add(-b.rngDuration(2e9)))
	for _, l := range []struct {
		name     string
		duration int32
		labels   map[string]string
	}{
		{"kube-controller-manager", 15, nil},
		{"kube-scheduler", 15, nil},
		{"apiserver-" + b.suffix(26), 3600, map[string]string{"apiserver.kubernetes.io/identity": "kube-apiserver", "kubernetes.io/hostname": cp}},
	} {
		created := metav1.NewTime(b.base.Add(90e9))
		holder := cp + "_" + string(b.uid())
		if l.labels != nil {
			holder = l.name + "_" + string(b.uid())
		}
		obj := &coordinationv1.Lease{
			ObjectMeta: b.meta("kube-system", l.name, created),
			Spec: coordinationv1.LeaseSpec{
				HolderIdentity:       ptr.To(holder),
				LeaseDurationSeconds: ptr.To(l.duration),
				AcquireTime:          ptr.To(metav1.NewMicroTime(created.Time)),
				RenewTime:            ptr.To(renew),
				LeaseTransitions:     ptr.To[int32](0),
			},
		}
		obj.Labels = l.labels
		manager := l.name
		if l.labels != nil {
			manager = "kube-apiserver"
		}
		obj.ManagedFields = []metav1.ManagedFieldsEntry{managed(manager, metav1.ManagedFieldsOperationUpdate, "coordination.k8s.io/v1", metav1.NewTime(renew.Time.Truncate(1e9)),
			`{"f:spec":{"f:acquireTime":{},"f:holderIdentity":{},"f:leaseDurationSeconds":{},"f:leaseTransitions":{},"f:renewTime":{}}}`, "")}
		if err := b.putProto(ctx, grLeases, b.key("leases", "kube-system", l.name), obj); err != nil {
			return err
		}
	}
	return nil
}
