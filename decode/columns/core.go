package columns

import (
	"encoding/json"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"

	"github.com/etcdscope/etcdscope/decode"
)

type nodeDoc struct {
	Metadata struct {
		objMeta
		Labels map[string]string `json:"labels"`
	} `json:"metadata"`
	Spec   corev1.NodeSpec   `json:"spec"`
	Status corev1.NodeStatus `json:"status"`
}

var nodePrinter = printer{
	cols: []Column{
		col("STATUS", Text, 26, keyPriority),
		col("ROLES", Text, 16, importantPriority),
		col("VERSION", Text, 10, importantPriority),
		wide("INTERNAL-IP", Text, 15),
		wide("EXTERNAL-IP", Text, 15),
		wide("OS-IMAGE", Text, 24),
		wide("KERNEL-VERSION", Text, 20),
		wide("CONTAINER-RUNTIME", Text, 20),
	},
	row: typed(func(d *nodeDoc, _ decode.Value, _ time.Time, out []Cell) time.Time {
		// STATUS: Ready or NotReady from the Ready condition (Unknown
		// without one), SchedulingDisabled when cordoned.
		status := "Unknown"
		for _, c := range d.Status.Conditions {
			if c.Type == corev1.NodeReady {
				status = "NotReady"
				if c.Status == corev1.ConditionTrue {
					status = "Ready"
				}
			}
		}
		if d.Spec.Unschedulable {
			status += ",SchedulingDisabled"
		}
		out[0] = textCell(status)
		out[1] = noneIfEmpty(strings.Join(nodeRoles(d.Metadata.Labels), ","))
		info := d.Status.NodeInfo
		out[2] = textCell(info.KubeletVersion)
		out[3] = nodeAddress(d.Status.Addresses, corev1.NodeInternalIP)
		out[4] = nodeAddress(d.Status.Addresses, corev1.NodeExternalIP)
		out[5] = unknownIfEmpty(info.OSImage)
		out[6] = unknownIfEmpty(info.KernelVersion)
		out[7] = unknownIfEmpty(info.ContainerRuntimeVersion)
		return d.Metadata.created()
	}),
}

// nodeRoles are a node's roles, sorted: the <role> of each
// node-role.kubernetes.io/<role> label and the value of kubernetes.io/role.
func nodeRoles(labels map[string]string) []string {
	seen := map[string]bool{}
	var roles []string
	for k, v := range labels {
		role := ""
		switch {
		case strings.HasPrefix(k, "node-role.kubernetes.io/"):
			role = strings.TrimPrefix(k, "node-role.kubernetes.io/")
		case k == "kubernetes.io/role":
			role = v
		}
		if role != "" && !seen[role] {
			seen[role] = true
			roles = append(roles, role)
		}
	}
	sort.Strings(roles)
	return roles
}

// nodeAddress is a node's first address of type t, or <none>.
func nodeAddress(as []corev1.NodeAddress, t corev1.NodeAddressType) Cell {
	for _, a := range as {
		if a.Type == t {
			return textCell(a.Address)
		}
	}
	return missingCell("<none>")
}

// unknownIfEmpty is s, or <unknown>.
func unknownIfEmpty(s string) Cell {
	if s == "" {
		return missingCell("<unknown>")
	}
	return textCell(s)
}

// eventFields is what the event row shows, read from either event API.
type eventFields struct {
	first, last, eventTime                 time.Time
	count                                  int32
	series                                 bool
	seriesCount                            int32
	seriesLast                             time.Time
	typ, reason, message                   string
	kind, name, fieldPath                  string
	component, host                        string
	reportingController, reportingInstance string
}

var eventPrinter = printer{
	cols: []Column{
		col("LAST SEEN", Age, 9, importantPriority),
		col("TYPE", Text, 7, importantPriority),
		col("REASON", Text, 20, keyPriority),
		col("OBJECT", Text, 36, importantPriority),
		col("MESSAGE", Text, 60, importantPriority),
		wide("SUBOBJECT", Text, 24),
		wide("SOURCE", Text, 24),
		wide("FIRST SEEN", Age, 10),
		wide("COUNT", Integer, 5),
	},
	row: eventRow,
}

// readEvent reads an event's fields. Events are stored as core v1 Events
// whichever API wrote them, but an events.k8s.io/v1 object is read too.
func readEvent(v decode.Value) (eventFields, time.Time, error) {
	var f eventFields
	if strings.HasPrefix(v.APIVersion, "events.k8s.io/") {
		var e struct {
			Metadata objMeta `json:"metadata"`
			eventsv1.Event
		}
		if err := json.Unmarshal(v.Object, &e); err != nil {
			return f, time.Time{}, err
		}
		f = eventFields{
			first: e.DeprecatedFirstTimestamp.Time, last: e.DeprecatedLastTimestamp.Time, eventTime: e.EventTime.Time,
			count: e.DeprecatedCount, typ: e.Type, reason: e.Reason, message: e.Note,
			kind: e.Regarding.Kind, name: e.Regarding.Name, fieldPath: e.Regarding.FieldPath,
			component: e.DeprecatedSource.Component, host: e.DeprecatedSource.Host,
			reportingController: e.ReportingController, reportingInstance: e.ReportingInstance,
		}
		if s := e.Series; s != nil {
			f.series, f.seriesCount, f.seriesLast = true, s.Count, s.LastObservedTime.Time
		}
		return f, e.Metadata.created(), nil
	}
	var e struct {
		Metadata objMeta `json:"metadata"`
		corev1.Event
	}
	if err := json.Unmarshal(v.Object, &e); err != nil {
		return f, time.Time{}, err
	}
	f = eventFields{
		first: e.FirstTimestamp.Time, last: e.LastTimestamp.Time, eventTime: e.EventTime.Time,
		count: e.Count, typ: e.Type, reason: e.Reason, message: e.Message,
		kind: e.InvolvedObject.Kind, name: e.InvolvedObject.Name, fieldPath: e.InvolvedObject.FieldPath,
		component: e.Source.Component, host: e.Source.Host,
		reportingController: e.ReportingController, reportingInstance: e.ReportingInstance,
	}
	if s := e.Series; s != nil {
		f.series, f.seriesCount, f.seriesLast = true, s.Count, s.LastObservedTime.Time
	}
	return f, e.Metadata.created(), nil
}

// eventRow fills an event's cells as kubectl's event printer does.
func eventRow(v decode.Value, now time.Time, out []Cell) (time.Time, error) {
	f, created, err := readEvent(v)
	if err != nil {
		return time.Time{}, err
	}
	// FIRST SEEN falls back to the event time, LAST SEEN to the first;
	// a series has its own last time and count, and a singleton event
	// of the new API no count (1).
	if f.first.IsZero() {
		f.first = f.eventTime
	}
	if f.last.IsZero() {
		f.last = f.first
	}
	switch {
	case f.series:
		f.last, f.count = f.seriesLast, f.seriesCount
	case f.count == 0:
		f.count = 1
	}
	out[0] = ageCell(f.last, now)
	out[1] = textCell(f.typ)
	out[2] = textCell(f.reason)
	target := strings.ToLower(f.kind)
	if f.name != "" {
		target += "/" + f.name
	}
	out[3] = textCell(target)
	// kubectl prints the message's first line only; the rest would
	// break a table row.
	msg := strings.TrimSpace(f.message)
	if i := strings.IndexAny(msg, "\n\r\f"); i >= 0 {
		msg = msg[:i] + "..."
	}
	out[4] = textCell(msg)
	out[5] = textCell(f.fieldPath)
	source := firstNonEmpty(f.component, f.reportingController)
	if host := firstNonEmpty(f.host, f.reportingInstance); host != "" {
		source += ", " + host
	}
	out[6] = textCell(source)
	out[7] = ageCell(f.first, now)
	out[8] = intCell(f.count)
	return created, nil
}

// firstNonEmpty returns the first of ss that is not empty.
func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

type namespaceDoc struct {
	Metadata objMeta                `json:"metadata"`
	Status   corev1.NamespaceStatus `json:"status"`
}

var namespacePrinter = printer{
	cols: []Column{col("STATUS", Text, 11, keyPriority)},
	row: typed(func(d *namespaceDoc, _ decode.Value, _ time.Time, out []Cell) time.Time {
		out[0] = textCell(string(d.Status.Phase))
		return d.Metadata.created()
	}),
}

// secretDoc leaves a Secret's data undecoded: the row only counts it.
type secretDoc struct {
	Metadata objMeta                    `json:"metadata"`
	Type     string                     `json:"type"`
	Data     map[string]json.RawMessage `json:"data"`
}

// secretPrinter is kubectl's TYPE and DATA plus ENCRYPTION, how the value
// is encrypted at rest (Table.Row fills it from the Value, also when the
// data could not be decrypted).
var secretPrinter = printer{
	cols: []Column{
		col("TYPE", Text, 36, keyPriority),
		col("DATA", Integer, 4, importantPriority),
		col("ENCRYPTION", Text, 16, importantPriority),
	},
	row: typed(func(d *secretDoc, _ decode.Value, _ time.Time, out []Cell) time.Time {
		out[0] = textCell(d.Type)
		out[1] = intCell(len(d.Data))
		return d.Metadata.created()
	}),
}

type configMapDoc struct {
	Metadata   objMeta                    `json:"metadata"`
	Data       map[string]json.RawMessage `json:"data"`
	BinaryData map[string]json.RawMessage `json:"binaryData"`
}

var configMapPrinter = printer{
	cols: []Column{col("DATA", Integer, 4, importantPriority)},
	row: typed(func(d *configMapDoc, _ decode.Value, _ time.Time, out []Cell) time.Time {
		out[0] = intCell(len(d.Data) + len(d.BinaryData))
		return d.Metadata.created()
	}),
}

type serviceAccountDoc struct {
	Metadata objMeta           `json:"metadata"`
	Secrets  []json.RawMessage `json:"secrets"`
}

// serviceAccountPrinter keeps kubectl's SECRETS: since 1.24 token Secrets
// are no longer made for service accounts, so it is mostly 0, and it
// gives way early.
var serviceAccountPrinter = printer{
	cols: []Column{col("SECRETS", Integer, 7, extraPriority)},
	row: typed(func(d *serviceAccountDoc, _ decode.Value, _ time.Time, out []Cell) time.Time {
		out[0] = intCell(len(d.Secrets))
		return d.Metadata.created()
	}),
}

// classMeta is metadata with the annotations that name a volume's class.
type classMeta struct {
	objMeta
	Annotations map[string]string `json:"annotations"`
}

// betaStorageClassAnnotation named a volume's class before
// spec.storageClassName; kubectl still prefers it.
const betaStorageClassAnnotation = "volume.beta.kubernetes.io/storage-class"

type pvDoc struct {
	Metadata classMeta                     `json:"metadata"`
	Spec     corev1.PersistentVolumeSpec   `json:"spec"`
	Status   corev1.PersistentVolumeStatus `json:"status"`
}

var pvPrinter = printer{
	cols: []Column{
		col("CAPACITY", Quantity, 8, keyPriority),
		col("ACCESS MODES", Text, 12, importantPriority),
		col("RECLAIM POLICY", Text, 14, importantPriority),
		col("STATUS", Text, 11, keyPriority),
		col("CLAIM", Text, 30, importantPriority),
		col("STORAGECLASS", Text, 16, importantPriority),
		col("VOLUMEATTRIBUTESCLASS", Text, 21, extraPriority),
		col("REASON", Text, 16, extraPriority),
		wide("VOLUMEMODE", Text, 10),
	},
	row: typed(func(d *pvDoc, _ decode.Value, _ time.Time, out []Cell) time.Time {
		out[0] = quantityCell(d.Spec.Capacity[corev1.ResourceStorage])
		out[1] = textCell(accessModes(d.Spec.AccessModes))
		out[2] = textCell(string(d.Spec.PersistentVolumeReclaimPolicy))
		out[3] = textCell(terminatingOr(d.Metadata.objMeta, string(d.Status.Phase)))
		if r := d.Spec.ClaimRef; r != nil {
			out[4] = textCell(r.Namespace + "/" + r.Name)
		}
		class := d.Spec.StorageClassName
		if a, ok := d.Metadata.Annotations[betaStorageClassAnnotation]; ok {
			class = a
		}
		out[5] = textCell(class)
		out[6] = unsetIfNil(d.Spec.VolumeAttributesClassName)
		out[7] = textCell(d.Status.Reason)
		out[8] = volumeModeCell(d.Spec.VolumeMode)
		return d.Metadata.created()
	}),
}

type pvcDoc struct {
	Metadata classMeta                          `json:"metadata"`
	Spec     corev1.PersistentVolumeClaimSpec   `json:"spec"`
	Status   corev1.PersistentVolumeClaimStatus `json:"status"`
}

var pvcPrinter = printer{
	cols: []Column{
		col("STATUS", Text, 11, keyPriority),
		col("VOLUME", Text, 40, importantPriority),
		col("CAPACITY", Quantity, 8, importantPriority),
		col("ACCESS MODES", Text, 12, importantPriority),
		col("STORAGECLASS", Text, 16, importantPriority),
		col("VOLUMEATTRIBUTESCLASS", Text, 21, extraPriority),
		wide("VOLUMEMODE", Text, 10),
	},
	row: typed(func(d *pvcDoc, _ decode.Value, _ time.Time, out []Cell) time.Time {
		out[0] = textCell(terminatingOr(d.Metadata.objMeta, string(d.Status.Phase)))
		out[1] = textCell(d.Spec.VolumeName)
		// Capacity and access modes are the bound volume's: none before
		// binding.
		if d.Spec.VolumeName != "" {
			out[2] = quantityCell(d.Status.Capacity[corev1.ResourceStorage])
			out[3] = textCell(accessModes(d.Status.AccessModes))
		}
		class := ""
		if c := d.Spec.StorageClassName; c != nil {
			class = *c
		}
		if a, ok := d.Metadata.Annotations[betaStorageClassAnnotation]; ok {
			class = a
		}
		out[4] = textCell(class)
		out[5] = unsetIfNil(d.Spec.VolumeAttributesClassName)
		out[6] = volumeModeCell(d.Spec.VolumeMode)
		return d.Metadata.created()
	}),
}

// terminatingOr is phase, or Terminating while the object is deleted.
func terminatingOr(m objMeta, phase string) string {
	if m.DeletionTimestamp != nil {
		return "Terminating"
	}
	return phase
}

// accessModes abbreviates access modes as kubectl does, in its fixed
// order: RWO, ROX, RWX, RWOP.
func accessModes(modes []corev1.PersistentVolumeAccessMode) string {
	var out []string
	for _, m := range []struct {
		mode  corev1.PersistentVolumeAccessMode
		short string
	}{
		{corev1.ReadWriteOnce, "RWO"},
		{corev1.ReadOnlyMany, "ROX"},
		{corev1.ReadWriteMany, "RWX"},
		{corev1.ReadWriteOncePod, "RWOP"},
	} {
		for _, have := range modes {
			if have == m.mode {
				out = append(out, m.short)
				break
			}
		}
	}
	return strings.Join(out, ",")
}

// unsetIfNil is *s, or <unset>.
func unsetIfNil(s *string) Cell {
	if s == nil {
		return missingCell("<unset>")
	}
	return textCell(*s)
}

// volumeModeCell is a volume mode, or <unset>.
func volumeModeCell(m *corev1.PersistentVolumeMode) Cell {
	if m == nil {
		return missingCell("<unset>")
	}
	return textCell(string(*m))
}

type resourceQuotaDoc struct {
	Metadata objMeta                    `json:"metadata"`
	Status   corev1.ResourceQuotaStatus `json:"status"`
}

var resourceQuotaPrinter = printer{
	cols: []Column{
		col("REQUEST", Text, 40, importantPriority),
		col("LIMIT", Text, 40, importantPriority),
	},
	row: typed(func(d *resourceQuotaDoc, _ decode.Value, _ time.Time, out []Cell) time.Time {
		// "resource: used/hard" for each hard limit, sorted by resource;
		// limits.* under LIMIT, the rest under REQUEST.
		names := make([]string, 0, len(d.Status.Hard))
		for n := range d.Status.Hard {
			names = append(names, string(n))
		}
		sort.Strings(names)
		var req, lim []string
		for _, n := range names {
			used := d.Status.Used[corev1.ResourceName(n)]
			hard := d.Status.Hard[corev1.ResourceName(n)]
			s := n + ": " + used.String() + "/" + hard.String()
			if strings.HasPrefix(n, "limits.") {
				lim = append(lim, s)
			} else {
				req = append(req, s)
			}
		}
		out[0] = textCell(strings.Join(req, ", "))
		out[1] = textCell(strings.Join(lim, ", "))
		return d.Metadata.created()
	}),
}
