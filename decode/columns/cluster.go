package columns

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	apiserverinternalv1alpha1 "k8s.io/api/apiserverinternal/v1alpha1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	certificatesv1 "k8s.io/api/certificates/v1"
	certificatesv1beta1 "k8s.io/api/certificates/v1beta1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	flowcontrolv1 "k8s.io/api/flowcontrol/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	resourcev1 "k8s.io/api/resource/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/runtime/schema"
	apiregistrationv1 "k8s.io/kube-aggregator/pkg/apis/apiregistration/v1"

	"github.com/etcdscope/etcdscope/decode"
)

// builtins are the printers of the built-in kinds, by "group/Kind". Kinds
// kubectl prints with the API server's default table (NAME, CREATED AT:
// Roles, ClusterRoles, CRDs, LimitRanges...) are not here and show NAME,
// SIZE and AGE.
var builtins = map[string]printer{
	"/ConfigMap":             configMapPrinter,
	"/Endpoints":             endpointsPrinter,
	"/Event":                 eventPrinter,
	"events.k8s.io/Event":    eventPrinter,
	"/Namespace":             namespacePrinter,
	"/Node":                  nodePrinter,
	"/PersistentVolume":      pvPrinter,
	"/PersistentVolumeClaim": pvcPrinter,
	"/Pod":                   podPrinter,
	"/PodTemplate":           podTemplatePrinter,
	"/ReplicationController": replicationControllerPrinter,
	"/ResourceQuota":         resourceQuotaPrinter,
	"/Secret":                secretPrinter,
	"/Service":               servicePrinter,
	"/ServiceAccount":        serviceAccountPrinter,

	"admissionregistration.k8s.io/MutatingAdmissionPolicy":          mutatingPolicyPrinter,
	"admissionregistration.k8s.io/MutatingAdmissionPolicyBinding":   policyBindingPrinter,
	"admissionregistration.k8s.io/MutatingWebhookConfiguration":     webhooksPrinter,
	"admissionregistration.k8s.io/ValidatingAdmissionPolicy":        validatingPolicyPrinter,
	"admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding": policyBindingPrinter,
	"admissionregistration.k8s.io/ValidatingWebhookConfiguration":   webhooksPrinter,
	"apiregistration.k8s.io/APIService":                             apiServicePrinter,
	"apps/ControllerRevision":                                       controllerRevisionPrinter,
	"apps/DaemonSet":                                                daemonSetPrinter,
	"apps/Deployment":                                               deploymentPrinter,
	"apps/ReplicaSet":                                               replicaSetPrinter,
	"apps/StatefulSet":                                              statefulSetPrinter,
	"autoscaling/HorizontalPodAutoscaler":                           hpaPrinter,
	"batch/CronJob":                                                 cronJobPrinter,
	"batch/Job":                                                     jobPrinter,
	"certificates.k8s.io/CertificateSigningRequest":                 csrPrinter,
	"certificates.k8s.io/ClusterTrustBundle":                        clusterTrustBundlePrinter,
	"coordination.k8s.io/Lease":                                     leasePrinter,
	"discovery.k8s.io/EndpointSlice":                                endpointSlicePrinter,
	"flowcontrol.apiserver.k8s.io/FlowSchema":                       flowSchemaPrinter,
	"flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration":       priorityLevelPrinter,
	"internal.apiserver.k8s.io/StorageVersion":                      storageVersionPrinter,
	"networking.k8s.io/IPAddress":                                   ipAddressPrinter,
	"networking.k8s.io/Ingress":                                     ingressPrinter,
	"networking.k8s.io/IngressClass":                                ingressClassPrinter,
	"networking.k8s.io/NetworkPolicy":                               networkPolicyPrinter,
	"networking.k8s.io/ServiceCIDR":                                 serviceCIDRPrinter,
	"node.k8s.io/RuntimeClass":                                      runtimeClassPrinter,
	"policy/PodDisruptionBudget":                                    pdbPrinter,
	"rbac.authorization.k8s.io/ClusterRoleBinding":                  roleBindingPrinter,
	"rbac.authorization.k8s.io/RoleBinding":                         roleBindingPrinter,
	"resource.k8s.io/ResourceClaim":                                 resourceClaimPrinter,
	"resource.k8s.io/ResourceSlice":                                 resourceSlicePrinter,
	"scheduling.k8s.io/PriorityClass":                               priorityClassPrinter,
	"storage.k8s.io/CSIDriver":                                      csiDriverPrinter,
	"storage.k8s.io/CSINode":                                        csiNodePrinter,
	"storage.k8s.io/CSIStorageCapacity":                             csiStorageCapacityPrinter,
	"storage.k8s.io/StorageClass":                                   storageClassPrinter,
	"storage.k8s.io/VolumeAttachment":                               volumeAttachmentPrinter,
	"storage.k8s.io/VolumeAttributesClass":                          volumeAttributesClassPrinter,
}

type leaseDoc struct {
	Metadata objMeta                  `json:"metadata"`
	Spec     coordinationv1.LeaseSpec `json:"spec"`
}

var leasePrinter = printer{
	cols: []Column{col("HOLDER", Text, 40, importantPriority)},
	row: typed(func(d *leaseDoc, _ decode.Value, _ time.Time, out []Cell) time.Time {
		if h := d.Spec.HolderIdentity; h != nil {
			out[0] = textCell(*h)
		}
		return d.Metadata.created()
	}),
}

// roleBindingDoc reads RoleBindings and ClusterRoleBindings alike.
type roleBindingDoc struct {
	Metadata objMeta        `json:"metadata"`
	RoleRef  rbacv1.RoleRef `json:"roleRef"`
}

var roleBindingPrinter = printer{
	cols: []Column{col("ROLE", Text, 40, importantPriority)},
	row: typed(func(d *roleBindingDoc, _ decode.Value, _ time.Time, out []Cell) time.Time {
		out[0] = textCell(d.RoleRef.Kind + "/" + d.RoleRef.Name)
		return d.Metadata.created()
	}),
}

type priorityClassDoc struct {
	Metadata         objMeta `json:"metadata"`
	Value            int32   `json:"value"`
	GlobalDefault    bool    `json:"globalDefault"`
	PreemptionPolicy *string `json:"preemptionPolicy"`
}

var priorityClassPrinter = printer{
	cols: []Column{
		col("VALUE", Integer, 10, keyPriority),
		col("GLOBAL-DEFAULT", Boolean, 14, importantPriority),
		col("PREEMPTIONPOLICY", Text, 20, extraPriority),
	},
	row: typed(func(d *priorityClassDoc, _ decode.Value, _ time.Time, out []Cell) time.Time {
		out[0] = intCell(d.Value)
		out[1] = boolCell(d.GlobalDefault, strconv.FormatBool(d.GlobalDefault))
		if p := d.PreemptionPolicy; p != nil {
			out[2] = textCell(*p)
		}
		return d.Metadata.created()
	}),
}

type storageClassDoc struct {
	Metadata             objMeta `json:"metadata"`
	Provisioner          string  `json:"provisioner"`
	ReclaimPolicy        *string `json:"reclaimPolicy"`
	VolumeBindingMode    *string `json:"volumeBindingMode"`
	AllowVolumeExpansion *bool   `json:"allowVolumeExpansion"`
}

var storageClassPrinter = printer{
	cols: []Column{
		col("PROVISIONER", Text, 30, keyPriority),
		col("RECLAIMPOLICY", Text, 13, importantPriority),
		col("VOLUMEBINDINGMODE", Text, 20, importantPriority),
		col("ALLOWVOLUMEEXPANSION", Boolean, 20, extraPriority),
	},
	row: typed(func(d *storageClassDoc, _ decode.Value, _ time.Time, out []Cell) time.Time {
		// The API server's defaults when the fields are unset.
		out[0] = textCell(d.Provisioner)
		out[1] = textCell(stringOr(d.ReclaimPolicy, string(corev1.PersistentVolumeReclaimDelete)))
		out[2] = textCell(stringOr(d.VolumeBindingMode, string(storagev1.VolumeBindingImmediate)))
		expand := d.AllowVolumeExpansion != nil && *d.AllowVolumeExpansion
		out[3] = boolCell(expand, strconv.FormatBool(expand))
		return d.Metadata.created()
	}),
}

// stringOr is *s, or def when s is nil.
func stringOr(s *string, def string) string {
	if s == nil {
		return def
	}
	return *s
}

// webhooksDoc reads both kinds of webhook configuration, counting their
// webhooks.
type webhooksDoc struct {
	Metadata objMeta    `json:"metadata"`
	Webhooks []struct{} `json:"webhooks"`
}

var webhooksPrinter = printer{
	cols: []Column{col("WEBHOOKS", Integer, 8, importantPriority)},
	row: typed(func(d *webhooksDoc, _ decode.Value, _ time.Time, out []Cell) time.Time {
		out[0] = intCell(len(d.Webhooks))
		return d.Metadata.created()
	}),
}

// policyDoc reads Validating and Mutating admission policies.
type policyDoc struct {
	Metadata objMeta `json:"metadata"`
	Spec     struct {
		ParamKind   *admissionv1.ParamKind `json:"paramKind"`
		Validations []struct{}             `json:"validations"`
		Mutations   []struct{}             `json:"mutations"`
	} `json:"spec"`
}

// policyPrinter counts a policy's validations or mutations.
func policyPrinter(header string, count func(*policyDoc) int) printer {
	return printer{
		cols: []Column{
			col(header, Integer, 11, importantPriority),
			col("PARAMKIND", Text, 30, importantPriority),
		},
		row: typed(func(d *policyDoc, _ decode.Value, _ time.Time, out []Cell) time.Time {
			out[0] = intCell(count(d))
			out[1] = missingCell("<unset>")
			if p := d.Spec.ParamKind; p != nil {
				out[1] = textCell(p.APIVersion + "/" + p.Kind)
			}
			return d.Metadata.created()
		}),
	}
}

var (
	validatingPolicyPrinter = policyPrinter("VALIDATIONS", func(d *policyDoc) int { return len(d.Spec.Validations) })
	mutatingPolicyPrinter   = policyPrinter("MUTATIONS", func(d *policyDoc) int { return len(d.Spec.Mutations) })
)

type policyBindingDoc struct {
	Metadata objMeta `json:"metadata"`
	Spec     struct {
		PolicyName string                `json:"policyName"`
		ParamRef   *admissionv1.ParamRef `json:"paramRef"`
	} `json:"spec"`
}

var policyBindingPrinter = printer{
	cols: []Column{
		col("POLICYNAME", Text, 30, importantPriority),
		col("PARAMREF", Text, 30, importantPriority),
	},
	row: typed(func(d *policyBindingDoc, _ decode.Value, _ time.Time, out []Cell) time.Time {
		out[0] = textCell(d.Spec.PolicyName)
		out[1] = missingCell("<unset>")
		if p := d.Spec.ParamRef; p != nil {
			switch {
			case p.Name != "" && p.Namespace != "":
				out[1] = textCell(p.Namespace + "/" + p.Name)
			case p.Name != "":
				// The param's scope is unknown here: kubectl writes */name.
				out[1] = textCell("*/" + p.Name)
			case p.Selector != nil:
				out[1] = selectorCell(p.Selector)
			}
		}
		return d.Metadata.created()
	}),
}

type runtimeClassDoc struct {
	Metadata objMeta `json:"metadata"`
	Handler  string  `json:"handler"`
}

var runtimeClassPrinter = printer{
	cols: []Column{col("HANDLER", Text, 20, importantPriority)},
	row: typed(func(d *runtimeClassDoc, _ decode.Value, _ time.Time, out []Cell) time.Time {
		out[0] = textCell(d.Handler)
		return d.Metadata.created()
	}),
}

type csiNodeDoc struct {
	Metadata objMeta `json:"metadata"`
	Spec     struct {
		Drivers []struct{} `json:"drivers"`
	} `json:"spec"`
}

var csiNodePrinter = printer{
	cols: []Column{col("DRIVERS", Integer, 7, importantPriority)},
	row: typed(func(d *csiNodeDoc, _ decode.Value, _ time.Time, out []Cell) time.Time {
		out[0] = intCell(len(d.Spec.Drivers))
		return d.Metadata.created()
	}),
}

type csiDriverDoc struct {
	Metadata objMeta                 `json:"metadata"`
	Spec     storagev1.CSIDriverSpec `json:"spec"`
}

var csiDriverPrinter = printer{
	cols: []Column{
		col("ATTACHREQUIRED", Boolean, 14, importantPriority),
		col("PODINFOONMOUNT", Boolean, 14, importantPriority),
		col("STORAGECAPACITY", Boolean, 15, extraPriority),
		col("TOKENREQUESTS", Text, 20, extraPriority),
		col("REQUIRESREPUBLISH", Boolean, 17, extraPriority),
		col("MODES", Text, 20, importantPriority),
	},
	row: typed(func(d *csiDriverDoc, _ decode.Value, _ time.Time, out []Cell) time.Time {
		// Unset booleans read as the API's defaults: attachRequired
		// true, the others false.
		flag := func(b *bool, def bool) Cell {
			v := def
			if b != nil {
				v = *b
			}
			return boolCell(v, strconv.FormatBool(v))
		}
		s := d.Spec
		out[0] = flag(s.AttachRequired, true)
		out[1] = flag(s.PodInfoOnMount, false)
		out[2] = flag(s.StorageCapacity, false)
		out[3] = missingCell("<unset>")
		if s.TokenRequests != nil {
			aud := make([]string, len(s.TokenRequests))
			for i, t := range s.TokenRequests {
				aud[i] = t.Audience
			}
			out[3] = textCell(strings.Join(aud, ","))
		}
		out[4] = flag(s.RequiresRepublish, false)
		modes := make([]string, len(s.VolumeLifecycleModes))
		for i, m := range s.VolumeLifecycleModes {
			modes[i] = string(m)
		}
		out[5] = noneIfEmpty(strings.Join(modes, ","))
		return d.Metadata.created()
	}),
}

type volumeAttributesClassDoc struct {
	Metadata   objMeta `json:"metadata"`
	DriverName string  `json:"driverName"`
}

var volumeAttributesClassPrinter = printer{
	cols: []Column{col("DRIVERNAME", Text, 24, importantPriority)},
	row: typed(func(d *volumeAttributesClassDoc, _ decode.Value, _ time.Time, out []Cell) time.Time {
		out[0] = textCell(d.DriverName)
		return d.Metadata.created()
	}),
}

type csiStorageCapacityDoc struct {
	Metadata         objMeta            `json:"metadata"`
	StorageClassName string             `json:"storageClassName"`
	Capacity         *resource.Quantity `json:"capacity"`
}

var csiStorageCapacityPrinter = printer{
	cols: []Column{
		col("STORAGECLASSNAME", Text, 20, importantPriority),
		col("CAPACITY", Quantity, 8, importantPriority),
	},
	row: typed(func(d *csiStorageCapacityDoc, _ decode.Value, _ time.Time, out []Cell) time.Time {
		out[0] = textCell(d.StorageClassName)
		out[1] = missingCell("<unset>")
		if d.Capacity != nil {
			out[1] = quantityCell(*d.Capacity)
		}
		return d.Metadata.created()
	}),
}

type volumeAttachmentDoc struct {
	Metadata objMeta                          `json:"metadata"`
	Spec     storagev1.VolumeAttachmentSpec   `json:"spec"`
	Status   storagev1.VolumeAttachmentStatus `json:"status"`
}

var volumeAttachmentPrinter = printer{
	cols: []Column{
		col("ATTACHER", Text, 24, importantPriority),
		col("PV", Text, 30, importantPriority),
		col("NODE", Text, 20, importantPriority),
		col("ATTACHED", Boolean, 8, keyPriority),
	},
	row: typed(func(d *volumeAttachmentDoc, _ decode.Value, _ time.Time, out []Cell) time.Time {
		out[0] = textCell(d.Spec.Attacher)
		if pv := d.Spec.Source.PersistentVolumeName; pv != nil {
			out[1] = textCell(*pv)
		}
		out[2] = textCell(d.Spec.NodeName)
		out[3] = boolCell(d.Status.Attached, strconv.FormatBool(d.Status.Attached))
		return d.Metadata.created()
	}),
}

type csrDoc struct {
	Metadata objMeta                                        `json:"metadata"`
	Spec     certificatesv1.CertificateSigningRequestSpec   `json:"spec"`
	Status   certificatesv1.CertificateSigningRequestStatus `json:"status"`
}

var csrPrinter = printer{
	cols: []Column{
		col("SIGNERNAME", Text, 36, importantPriority),
		col("REQUESTOR", Text, 30, importantPriority),
		col("REQUESTEDDURATION", Duration, 17, extraPriority),
		col("CONDITION", Text, 16, keyPriority),
	},
	row: typed(func(d *csrDoc, _ decode.Value, _ time.Time, out []Cell) time.Time {
		out[0] = noneIfEmpty(d.Spec.SignerName)
		out[1] = textCell(d.Spec.Username)
		out[2] = missingCell("<none>")
		if s := d.Spec.ExpirationSeconds; s != nil {
			out[2] = durationCell(time.Duration(*s) * time.Second)
		}
		// Denied wins over Approved; Failed and Issued are added.
		var approved, denied, failed bool
		for _, c := range d.Status.Conditions {
			switch c.Type {
			case certificatesv1.CertificateApproved:
				approved = true
			case certificatesv1.CertificateDenied:
				denied = true
			case certificatesv1.CertificateFailed:
				failed = true
			}
		}
		status := "Pending"
		switch {
		case denied:
			status = "Denied"
		case approved:
			status = "Approved"
		}
		if failed {
			status += ",Failed"
		}
		if len(d.Status.Certificate) > 0 {
			status += ",Issued"
		}
		out[3] = textCell(status)
		return d.Metadata.created()
	}),
}

type clusterTrustBundleDoc struct {
	Metadata objMeta                                    `json:"metadata"`
	Spec     certificatesv1beta1.ClusterTrustBundleSpec `json:"spec"`
}

var clusterTrustBundlePrinter = printer{
	cols: []Column{col("SIGNERNAME", Text, 36, importantPriority)},
	row: typed(func(d *clusterTrustBundleDoc, _ decode.Value, _ time.Time, out []Cell) time.Time {
		out[0] = noneIfEmpty(d.Spec.SignerName)
		return d.Metadata.created()
	}),
}

type flowSchemaDoc struct {
	Metadata objMeta                        `json:"metadata"`
	Spec     flowcontrolv1.FlowSchemaSpec   `json:"spec"`
	Status   flowcontrolv1.FlowSchemaStatus `json:"status"`
}

var flowSchemaPrinter = printer{
	cols: []Column{
		col("PRIORITYLEVEL", Text, 24, importantPriority),
		col("MATCHINGPRECEDENCE", Integer, 18, importantPriority),
		col("DISTINGUISHERMETHOD", Text, 19, extraPriority),
		col("MISSINGPL", Text, 9, extraPriority),
	},
	row: typed(func(d *flowSchemaDoc, _ decode.Value, _ time.Time, out []Cell) time.Time {
		out[0] = textCell(d.Spec.PriorityLevelConfiguration.Name)
		out[1] = intCell(d.Spec.MatchingPrecedence)
		out[2] = missingCell("<none>")
		if m := d.Spec.DistinguisherMethod; m != nil {
			out[2] = textCell(string(m.Type))
		}
		// MISSINGPL: the Dangling condition's status, ? without one.
		out[3] = textCell("?")
		for _, c := range d.Status.Conditions {
			if c.Type == flowcontrolv1.FlowSchemaConditionDangling {
				out[3] = textCell(string(c.Status))
				break
			}
		}
		return d.Metadata.created()
	}),
}

type priorityLevelDoc struct {
	Metadata objMeta                                      `json:"metadata"`
	Spec     flowcontrolv1.PriorityLevelConfigurationSpec `json:"spec"`
}

var priorityLevelPrinter = printer{
	cols: []Column{
		col("TYPE", Text, 8, importantPriority),
		col("NOMINALCONCURRENCYSHARES", Integer, 24, importantPriority),
		col("QUEUES", Integer, 6, extraPriority),
		col("HANDSIZE", Integer, 8, extraPriority),
		col("QUEUELENGTHLIMIT", Integer, 16, extraPriority),
	},
	row: typed(func(d *priorityLevelDoc, _ decode.Value, _ time.Time, out []Cell) time.Time {
		out[0] = textCell(string(d.Spec.Type))
		for i := 1; i < 5; i++ {
			out[i] = missingCell("<none>")
		}
		if l := d.Spec.Limited; l != nil {
			if l.NominalConcurrencyShares != nil {
				out[1] = intCell(*l.NominalConcurrencyShares)
			}
			if q := l.LimitResponse.Queuing; q != nil {
				out[2], out[3], out[4] = intCell(q.Queues), intCell(q.HandSize), intCell(q.QueueLengthLimit)
			}
		}
		return d.Metadata.created()
	}),
}

type storageVersionDoc struct {
	Metadata objMeta                                        `json:"metadata"`
	Status   apiserverinternalv1alpha1.StorageVersionStatus `json:"status"`
}

var storageVersionPrinter = printer{
	cols: []Column{
		col("COMMONENCODINGVERSION", Text, 21, importantPriority),
		col("STORAGEVERSIONS", Text, 40, extraPriority),
	},
	row: typed(func(d *storageVersionDoc, _ decode.Value, _ time.Time, out []Cell) time.Time {
		out[0] = unsetIfNil(d.Status.CommonEncodingVersion)
		vs := make([]string, len(d.Status.StorageVersions))
		for i, sv := range d.Status.StorageVersions {
			vs[i] = sv.APIServerID + "=" + sv.EncodingVersion
		}
		out[1] = listWithMore(vs, 3, "<unset>")
		return d.Metadata.created()
	}),
}

type apiServiceDoc struct {
	Metadata objMeta                            `json:"metadata"`
	Spec     apiregistrationv1.APIServiceSpec   `json:"spec"`
	Status   apiregistrationv1.APIServiceStatus `json:"status"`
}

// apiServicePrinter is kube-aggregator's table: SERVICE (Local when served
// by kube-apiserver itself) and AVAILABLE (the Available condition, with
// its reason when not True).
var apiServicePrinter = printer{
	cols: []Column{
		col("SERVICE", Text, 30, importantPriority),
		col("AVAILABLE", Text, 24, keyPriority),
	},
	row: typed(func(d *apiServiceDoc, _ decode.Value, _ time.Time, out []Cell) time.Time {
		out[0] = textCell("Local")
		if s := d.Spec.Service; s != nil {
			out[0] = textCell(s.Namespace + "/" + s.Name)
		}
		out[1] = textCell("Unknown")
		for _, c := range d.Status.Conditions {
			if c.Type == apiregistrationv1.Available {
				s := string(c.Status)
				if c.Status != apiregistrationv1.ConditionTrue && c.Reason != "" {
					s += " (" + c.Reason + ")"
				}
				out[1] = textCell(s)
				break
			}
		}
		return d.Metadata.created()
	}),
}

type resourceClaimDoc struct {
	Metadata objMeta                        `json:"metadata"`
	Status   resourcev1.ResourceClaimStatus `json:"status"`
}

var resourceClaimPrinter = printer{
	cols: []Column{col("STATE", Text, 24, keyPriority)},
	row: typed(func(d *resourceClaimDoc, _ decode.Value, _ time.Time, out []Cell) time.Time {
		// deleted, then pending or allocated, then reserved.
		var states []string
		deleted := d.Metadata.DeletionTimestamp != nil
		if deleted {
			states = append(states, "deleted")
		}
		switch {
		case d.Status.Allocation != nil:
			states = append(states, "allocated")
			if len(d.Status.ReservedFor) > 0 {
				states = append(states, "reserved")
			}
		case !deleted:
			states = append(states, "pending")
		}
		out[0] = textCell(strings.Join(states, ","))
		return d.Metadata.created()
	}),
}

type resourceSliceDoc struct {
	Metadata objMeta                      `json:"metadata"`
	Spec     resourcev1.ResourceSliceSpec `json:"spec"`
}

var resourceSlicePrinter = printer{
	cols: []Column{
		col("NODE", Text, 20, importantPriority),
		col("DRIVER", Text, 24, importantPriority),
		col("POOL", Text, 20, importantPriority),
	},
	row: typed(func(d *resourceSliceDoc, _ decode.Value, _ time.Time, out []Cell) time.Time {
		if n := d.Spec.NodeName; n != nil {
			out[0] = textCell(*n)
		}
		out[1] = textCell(d.Spec.Driver)
		out[2] = textCell(d.Spec.Pool.Name)
		return d.Metadata.created()
	}),
}

// groupKindName is "kind.group/name" in lower case (kind/name for the core
// group), as kubectl names a controller.
func groupKindName(apiVersion, kind, name string) string {
	gv, err := schema.ParseGroupVersion(apiVersion)
	if err != nil {
		return name
	}
	return strings.ToLower(gv.WithKind(kind).GroupKind().String()) + "/" + name
}

// hpaTargets is the HPA's TARGETS: current/target per metric ("cpu:
// 40%/80%", "<unknown>" before it is measured), the first two and how
// many more.
func hpaTargets(specs []autoscalingv2.MetricSpec, statuses []autoscalingv2.MetricStatus) Cell {
	if len(specs) == 0 {
		return missingCell("<none>")
	}
	var list []string
	for i, spec := range specs {
		var st *autoscalingv2.MetricStatus
		if i < len(statuses) {
			st = &statuses[i]
		}
		list = append(list, hpaTarget(spec, st))
	}
	s := strings.Join(list[:min(2, len(list))], ", ")
	if len(list) > 2 {
		s += fmt.Sprintf(" + %d more...", len(list)-2)
	}
	return textCell(s)
}

// hpaTarget formats one metric against its status.
func hpaTarget(spec autoscalingv2.MetricSpec, st *autoscalingv2.MetricStatus) string {
	const unknown = "<unknown>"
	q := func(v *resource.Quantity) string {
		if v == nil {
			return unknown
		}
		return v.String()
	}
	pct := func(p *int32) string {
		if p == nil {
			return unknown
		}
		return fmt.Sprintf("%d%%", *p)
	}
	// value formats a target and its current value: an average value
	// (avg), a plain value, or a utilization.
	value := func(t autoscalingv2.MetricTarget, cur *autoscalingv2.MetricValueStatus, avgMark bool) string {
		switch {
		case t.AverageValue != nil:
			c := unknown
			if cur != nil {
				c = q(cur.AverageValue)
			}
			s := c + "/" + t.AverageValue.String()
			if avgMark {
				s += " (avg)"
			}
			return s
		case t.Value != nil:
			c := unknown
			if cur != nil {
				c = q(cur.Value)
			}
			return c + "/" + t.Value.String()
		}
		c := unknown
		if cur != nil {
			c = pct(cur.AverageUtilization)
		}
		target := "<auto>"
		if t.AverageUtilization != nil {
			target = pct(t.AverageUtilization)
		}
		return c + "/" + target
	}
	switch {
	case spec.Type == autoscalingv2.ExternalMetricSourceType && spec.External != nil:
		var cur *autoscalingv2.MetricValueStatus
		if st != nil && st.External != nil {
			cur = &st.External.Current
		}
		return value(spec.External.Target, cur, true)
	case spec.Type == autoscalingv2.PodsMetricSourceType && spec.Pods != nil:
		var cur *autoscalingv2.MetricValueStatus
		if st != nil && st.Pods != nil {
			cur = &st.Pods.Current
		}
		return value(spec.Pods.Target, cur, false)
	case spec.Type == autoscalingv2.ObjectMetricSourceType && spec.Object != nil:
		var cur *autoscalingv2.MetricValueStatus
		if st != nil && st.Object != nil {
			cur = &st.Object.Current
		}
		return value(spec.Object.Target, cur, true)
	case spec.Type == autoscalingv2.ResourceMetricSourceType && spec.Resource != nil:
		var cur *autoscalingv2.MetricValueStatus
		if st != nil && st.Resource != nil {
			cur = &st.Resource.Current
		}
		return spec.Resource.Name.String() + ": " + value(spec.Resource.Target, cur, false)
	case spec.Type == autoscalingv2.ContainerResourceMetricSourceType && spec.ContainerResource != nil:
		var cur *autoscalingv2.MetricValueStatus
		if st != nil && st.ContainerResource != nil {
			cur = &st.ContainerResource.Current
		}
		return spec.ContainerResource.Name.String() + ": " + value(spec.ContainerResource.Target, cur, false)
	}
	return "<unknown type>"
}
