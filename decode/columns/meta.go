package columns

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/etcdscope/etcdscope/decode"
)

// objMeta is the part of metadata the rows read. Objects are decoded into
// small documents of their own (metadata, spec, status with k8s.io/api's
// types) rather than the whole k8s.io/api type, so managedFields and
// annotations are skipped, not built.
type objMeta struct {
	Name              string       `json:"name"`
	Namespace         string       `json:"namespace"`
	CreationTimestamp metav1.Time  `json:"creationTimestamp"`
	DeletionTimestamp *metav1.Time `json:"deletionTimestamp"`
}

// created is the object's creation time.
func (m objMeta) created() time.Time { return m.CreationTimestamp.Time }

// metaDoc is an object read for its metadata alone.
type metaDoc struct {
	Metadata objMeta `json:"metadata"`
}

// metaRow is the row function of kinds with no columns of their own: it
// reads the creation time.
func metaRow(v decode.Value, _ time.Time, _ []Cell) (time.Time, error) {
	var d metaDoc
	if err := json.Unmarshal(v.Object, &d); err != nil {
		return time.Time{}, err
	}
	return d.Metadata.created(), nil
}

// metaKey is "namespace/name" (or "name") from an object's metadata, for
// values decoded without their key.
func metaKey(obj json.RawMessage) string {
	var d metaDoc
	if len(obj) == 0 || json.Unmarshal(obj, &d) != nil {
		return ""
	}
	if d.Metadata.Namespace != "" {
		return d.Metadata.Namespace + "/" + d.Metadata.Name
	}
	return d.Metadata.Name
}

// typed builds a row function that decodes the object into a D and lets
// fill set the kind's cells and return the creation time.
func typed[D any](fill func(d *D, v decode.Value, now time.Time, out []Cell) time.Time) rowFunc {
	return func(v decode.Value, now time.Time, out []Cell) (time.Time, error) {
		var d D
		if err := json.Unmarshal(v.Object, &d); err != nil {
			return time.Time{}, err
		}
		return fill(&d, v, now, out), nil
	}
}

// container is the part of a container the rows read.
type container struct {
	Name          string                         `json:"name"`
	Image         string                         `json:"image"`
	RestartPolicy *corev1.ContainerRestartPolicy `json:"restartPolicy"`
}

// podSpec is the part of a pod spec the rows read: decoding only it skips
// volumes, probes, env and resources, most of a pod's bytes.
type podSpec struct {
	NodeName       string            `json:"nodeName"`
	NodeSelector   map[string]string `json:"nodeSelector"`
	Containers     []container       `json:"containers"`
	InitContainers []container       `json:"initContainers"`
}

// podTemplate is a workload's pod template, read as a podSpec. Workload
// documents embed k8s.io/api's spec types and shadow their template with
// it: encoding/json decodes the shallower field of a name.
type podTemplate struct {
	Metadata struct {
		Labels map[string]string `json:"labels"`
	} `json:"metadata"`
	Spec podSpec `json:"spec"`
}

// containerCells are the wide CONTAINERS and IMAGES: every container's
// name and image, comma separated.
func containerCells(cs []container) (names, images Cell) {
	n := make([]string, len(cs))
	im := make([]string, len(cs))
	for i, c := range cs {
		n[i], im[i] = c.Name, c.Image
	}
	return textCell(strings.Join(n, ",")), textCell(strings.Join(im, ","))
}

// selectorCell is a label selector as kubectl prints it ("app=web",
// "<none>").
func selectorCell(s *metav1.LabelSelector) Cell {
	return textCell(metav1.FormatLabelSelector(s))
}

// listWithMore joins the first max items and says how many were left
// out, as kubectl's lists of endpoints and hosts do.
func listWithMore(items []string, max int, empty string) Cell {
	if len(items) == 0 {
		return missingCell(empty)
	}
	if len(items) <= max {
		return textCell(strings.Join(items, ","))
	}
	return textCell(strings.Join(items[:max], ",") + " + " + strconv.Itoa(len(items)-max) + " more...")
}
