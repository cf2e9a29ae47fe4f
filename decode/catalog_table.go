package decode

import (
	"strings"
	"sync"
)

// The storage prefixes that hold something other than a resource's own
// objects, or that the kind table alone does not tell.
const (
	// catPrefixMasterLeases holds v1 Endpoints, one per API server IP, for
	// the "lease" endpoint reconciler.
	catPrefixMasterLeases = "masterleases"
	// catPrefixPeerLeases holds v1 Endpoints the API servers use to find
	// their peers (mixed-version proxy).
	catPrefixPeerLeases = "peerserverleases"
	// catPrefixRanges holds the RangeAllocation bitmaps of the service IP
	// and node port allocators ("ranges/serviceips",
	// "ranges/servicenodeports").
	catPrefixRanges = "ranges"
)

// catBuiltins is every resource kube-apiserver 1.37 persists, at the
// version it stores by default. Plurals, short names (kubectl's, from the
// registry's ShortNames) and storage prefixes are nowhere in k8s.io/api,
// hence this table. The storage versions and prefixes are those the
// fixture data (written by a real kube-apiserver 1.37.2) shows; the tests
// hold every row against it and against the client-go scheme.
var catBuiltins = []Kind{
	// core
	catKind("", "v1", "ConfigMap", "configmaps", "", true, "cm"),
	catKind("", "v1", "Endpoints", "endpoints", "services/endpoints", true, "ep"),
	// events.k8s.io/v1 Event is stored as core v1 Event under the same
	// prefix: one resource (see catAltGroups).
	catKind("", "v1", "Event", "events", "", true, "ev"),
	catKind("", "v1", "LimitRange", "limitranges", "", true, "limits"),
	catKind("", "v1", "Namespace", "namespaces", "", false, "ns"),
	catKind("", "v1", "Node", "nodes", "minions", false, "no"),
	catKind("", "v1", "PersistentVolume", "persistentvolumes", "", false, "pv"),
	catKind("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", "", true, "pvc"),
	catKind("", "v1", "Pod", "pods", "", true, "po"),
	catKind("", "v1", "PodTemplate", "podtemplates", "", true),
	// Not served through the API; the allocators' bitmaps.
	catKind("", "v1", "RangeAllocation", "rangeallocations", catPrefixRanges, false),
	catKind("", "v1", "ReplicationController", "replicationcontrollers", "controllers", true, "rc"),
	catKind("", "v1", "ResourceQuota", "resourcequotas", "", true, "quota"),
	catKind("", "v1", "Secret", "secrets", "", true),
	catKind("", "v1", "Service", "services", "services/specs", true, "svc"),
	catKind("", "v1", "ServiceAccount", "serviceaccounts", "", true, "sa"),

	catKind("admissionregistration.k8s.io", "v1", "MutatingAdmissionPolicy", "mutatingadmissionpolicies", "", false),
	catKind("admissionregistration.k8s.io", "v1", "MutatingAdmissionPolicyBinding", "mutatingadmissionpolicybindings", "", false),
	catKind("admissionregistration.k8s.io", "v1", "MutatingWebhookConfiguration", "mutatingwebhookconfigurations", "", false),
	catKind("admissionregistration.k8s.io", "v1", "ValidatingAdmissionPolicy", "validatingadmissionpolicies", "", false),
	catKind("admissionregistration.k8s.io", "v1", "ValidatingAdmissionPolicyBinding", "validatingadmissionpolicybindings", "", false),
	catKind("admissionregistration.k8s.io", "v1", "ValidatingWebhookConfiguration", "validatingwebhookconfigurations", "", false),

	// CRDs are still stored as v1beta1 JSON.
	catKind("apiextensions.k8s.io", "v1beta1", "CustomResourceDefinition", "customresourcedefinitions",
		"apiextensions.k8s.io/customresourcedefinitions", false, "crd", "crds"),
	catKind("apiregistration.k8s.io", "v1", "APIService", "apiservices",
		"apiregistration.k8s.io/apiservices", false),

	catKind("apps", "v1", "ControllerRevision", "controllerrevisions", "", true),
	catKind("apps", "v1", "DaemonSet", "daemonsets", "", true, "ds"),
	catKind("apps", "v1", "Deployment", "deployments", "", true, "deploy"),
	catKind("apps", "v1", "ReplicaSet", "replicasets", "", true, "rs"),
	catKind("apps", "v1", "StatefulSet", "statefulsets", "", true, "sts"),

	catKind("autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", "", true, "hpa"),

	catKind("batch", "v1", "CronJob", "cronjobs", "", true, "cj"),
	catKind("batch", "v1", "Job", "jobs", "", true),

	catKind("certificates.k8s.io", "v1", "CertificateSigningRequest", "certificatesigningrequests", "", false, "csr"),
	catKind("certificates.k8s.io", "v1beta1", "ClusterTrustBundle", "clustertrustbundles", "", false),
	catKind("certificates.k8s.io", "v1beta1", "PodCertificateRequest", "podcertificaterequests", "", true),

	catKind("coordination.k8s.io", "v1", "Lease", "leases", "", true),
	// Not in the fixtures: the API server's own GC removes stale
	// candidates. v1alpha2 objects are stored as v1beta1.
	catKind("coordination.k8s.io", "v1beta1", "LeaseCandidate", "leasecandidates", "", true),

	catKind("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", "", true),

	catKind("flowcontrol.apiserver.k8s.io", "v1", "FlowSchema", "flowschemas", "", false),
	catKind("flowcontrol.apiserver.k8s.io", "v1", "PriorityLevelConfiguration", "prioritylevelconfigurations", "", false),

	catKind("internal.apiserver.k8s.io", "v1alpha1", "StorageVersion", "storageversions", "", false),

	catKind("lifecycle.k8s.io", "v1alpha1", "Eviction", "evictions", "", true),
	catKind("lifecycle.k8s.io", "v1alpha1", "EvictionRequest", "evictionrequests", "", true),

	catKind("networking.k8s.io", "v1", "IPAddress", "ipaddresses", "", false, "ip"),
	catKind("networking.k8s.io", "v1", "Ingress", "ingresses", "ingress", true, "ing"),
	catKind("networking.k8s.io", "v1", "IngressClass", "ingressclasses", "", false),
	catKind("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", "", true, "netpol"),
	catKind("networking.k8s.io", "v1", "ServiceCIDR", "servicecidrs", "", false),

	catKind("node.k8s.io", "v1", "RuntimeClass", "runtimeclasses", "", false),

	catKind("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", "", true, "pdb"),

	catKind("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", "", false),
	catKind("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", "", false),
	catKind("rbac.authorization.k8s.io", "v1", "Role", "roles", "", true),
	catKind("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", "", true),

	catKind("resource.k8s.io", "v1", "DeviceClass", "deviceclasses", "", false),
	// v1beta2 is stored although v1 exists, so a downgrade can read it.
	catKind("resource.k8s.io", "v1beta2", "DeviceTaintRule", "devicetaintrules", "", false),
	catKind("resource.k8s.io", "v1", "ResourceClaim", "resourceclaims", "", true),
	catKind("resource.k8s.io", "v1", "ResourceClaimTemplate", "resourceclaimtemplates", "", true),
	catKind("resource.k8s.io", "v1alpha3", "ResourcePoolStatusRequest", "resourcepoolstatusrequests", "", false),
	catKind("resource.k8s.io", "v1", "ResourceSlice", "resourceslices", "", false),

	catKind("scheduling.k8s.io", "v1alpha3", "CompositePodGroup", "compositepodgroups", "", true),
	catKind("scheduling.k8s.io", "v1beta1", "PodGroup", "podgroups", "", true),
	catKind("scheduling.k8s.io", "v1", "PriorityClass", "priorityclasses", "", false, "pc"),
	catKind("scheduling.k8s.io", "v1beta1", "Workload", "workloads", "", true),

	catKind("storage.k8s.io", "v1", "CSIDriver", "csidrivers", "", false),
	catKind("storage.k8s.io", "v1", "CSINode", "csinodes", "", false),
	catKind("storage.k8s.io", "v1", "CSIStorageCapacity", "csistoragecapacities", "", true),
	catKind("storage.k8s.io", "v1", "StorageClass", "storageclasses", "", false, "sc"),
	catKind("storage.k8s.io", "v1", "VolumeAttachment", "volumeattachments", "", false),
	catKind("storage.k8s.io", "v1", "VolumeAttributesClass", "volumeattributesclasses", "", false, "vac"),

	catKind("storagemigration.k8s.io", "v1beta1", "StorageVersionMigration", "storageversionmigrations", "", false),
}

// catLeaseKinds are prefixes that hold v1 Endpoints written by the API
// server itself, one per server, outside services/endpoints. They parse
// and resolve by prefix but are not looked up by name: "endpoints" means
// the resource.
var catLeaseKinds = []Kind{
	catKind("", "v1", "Endpoints", "endpoints", catPrefixMasterLeases, false),
	catKind("", "v1", "Endpoints", "endpoints", catPrefixPeerLeases, false),
}

// catAltGroup is one more API group a built-in resource is served under
// with the same storage.
type catAltGroup struct {
	prefix, group, version, kind, resource string
}

// catAltGroups: events.k8s.io/v1 Event is the core Event under another
// group; both names reach the one stored resource.
var catAltGroups = []catAltGroup{
	{prefix: "events", group: "events.k8s.io", version: "v1", kind: "Event", resource: "events"},
}

// catKind builds one table row; prefix "" means the plural, and the
// singular of every built-in is its lower-case kind.
func catKind(group, version, kind, resource, prefix string, namespaced bool, short ...string) Kind {
	if prefix == "" {
		prefix = resource
	}
	return Kind{
		Group:      group,
		Version:    version,
		Kind:       kind,
		Resource:   resource,
		Singular:   strings.ToLower(kind),
		ShortNames: short,
		Namespaced: namespaced,
		Prefix:     prefix,
	}
}

// catBuiltinIndex maps every built-in storage prefix, the lease prefixes
// included, to its kind; built once, read-only after.
var catBuiltinIndex = sync.OnceValue(func() map[string]Kind {
	m := make(map[string]Kind, len(catBuiltins)+len(catLeaseKinds))
	for _, k := range catBuiltins {
		m[k.Prefix] = k
	}
	for _, k := range catLeaseKinds {
		m[k.Prefix] = k
	}
	return m
})
