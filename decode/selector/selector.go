// Package selector matches stored Kubernetes objects against kubectl's
// label selectors (-l) and the field selectors etcdscope knows
// (metadata.name, metadata.namespace, and status.phase for the kinds that
// have one), parsed with apimachinery's own parsers. Labels, names and
// namespaces are read from an object's metadata alone; only an object
// that passes them is decoded whole to read its phase.
package selector

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/selection"

	"github.com/etcdscope/etcdscope/decode"
	"github.com/etcdscope/etcdscope/decode/kubescheme"
)

// The fields a field selector may name.
const (
	FieldName      = "metadata.name"
	FieldNamespace = "metadata.namespace"
	FieldPhase     = "status.phase"
)

// Selector is a parsed label and field selector. The zero value and nil
// select everything.
type Selector struct {
	labels labels.Selector
	// meta holds the field requirements on metadata, phase those on
	// status.phase; nil when there are none.
	meta, phase fields.Selector
}

// Parse builds a Selector from kubectl's -l and --field-selector text
// ("" for either means none). kind is the one kind the objects are of, or
// nil when they may be of several: status.phase is accepted only for a
// kind whose type has it, as the API server accepts it only there.
func Parse(labelText, fieldText string, kind *decode.Kind) (*Selector, error) {
	s := &Selector{}
	if strings.TrimSpace(labelText) != "" {
		l, err := labels.Parse(labelText)
		if err != nil {
			return nil, fmt.Errorf("-l %q: %w", labelText, err)
		}
		s.labels = l
	}
	if strings.TrimSpace(fieldText) == "" {
		return s, nil
	}
	f, err := fields.ParseSelector(fieldText)
	if err != nil {
		return nil, fmt.Errorf("--field-selector %q: %w", fieldText, err)
	}
	var meta, phase []fields.Selector
	for _, r := range f.Requirements() {
		term := fields.OneTermEqualSelector(r.Field, r.Value)
		if r.Operator == selection.NotEquals {
			term = fields.OneTermNotEqualSelector(r.Field, r.Value)
		}
		switch r.Field {
		case FieldName, FieldNamespace:
			meta = append(meta, term)
		case FieldPhase:
			if err := phaseAllowed(kind); err != nil {
				return nil, fmt.Errorf("--field-selector %q: %w", fieldText, err)
			}
			phase = append(phase, term)
		default:
			return nil, fmt.Errorf("--field-selector %q: %q is not a field etcdscope selects on: use %s, %s or %s", fieldText, r.Field, FieldName, FieldNamespace, FieldPhase)
		}
	}
	if len(meta) > 0 {
		s.meta = fields.AndSelectors(meta...)
	}
	if len(phase) > 0 {
		s.phase = fields.AndSelectors(phase...)
	}
	return s, nil
}

// phaseAllowed says why status.phase cannot select objects of kind.
func phaseAllowed(kind *decode.Kind) error {
	if kind == nil {
		return fmt.Errorf("%s selects objects of one kind that has it (%s): give a prefix of one such kind", FieldPhase, strings.Join(PhaseResources(), ", "))
	}
	if !HasPhase(*kind) {
		return fmt.Errorf("%s have no %s (%s do)", kind.GroupResource(), FieldPhase, strings.Join(PhaseResources(), ", "))
	}
	return nil
}

// Empty reports whether s selects everything.
func (s *Selector) Empty() bool {
	return s == nil || (s.labels == nil && s.meta == nil && s.phase == nil)
}

// String is the selector as kubectl's syntax writes it.
func (s *Selector) String() string {
	if s.Empty() {
		return ""
	}
	var parts []string
	if s.labels != nil {
		parts = append(parts, "-l "+s.labels.String())
	}
	var fs []string
	for _, f := range []fields.Selector{s.meta, s.phase} {
		if f != nil {
			fs = append(fs, f.String())
		}
	}
	if len(fs) > 0 {
		parts = append(parts, "--field-selector "+strings.Join(fs, ","))
	}
	return strings.Join(parts, " ")
}

// Match reports whether the value stored under key is an object that s
// selects; isObject is false for values that are not objects that can be
// read (text, binary, still encrypted, undecodable), which no selector but
// the empty one selects. The metadata is read first, without the rest of
// the object; the object is decoded whole only when s names status.phase
// and the metadata matched.
func (s *Selector) Match(dec *decode.Decoder, key string, value []byte) (matched, isObject bool) {
	if s.Empty() {
		return true, true
	}
	m := dec.DecodeMetadata(key, value)
	if !m.IsObject || m.Err != nil {
		return false, false
	}
	if s.labels != nil && !s.labels.Matches(labels.Set(m.Labels)) {
		return false, true
	}
	if s.meta != nil && !s.meta.Matches(fields.Set{FieldName: m.Name, FieldNamespace: m.Namespace}) {
		return false, true
	}
	if s.phase != nil {
		v := dec.Decode(key, value, nil)
		if !s.phase.Matches(fields.Set{FieldPhase: phaseOf(v.Object)}) {
			return false, true
		}
	}
	return true, true
}

// phaseOf reads status.phase from an object's JSON ("" when it has none).
func phaseOf(obj json.RawMessage) string {
	var o struct {
		Status struct {
			Phase string `json:"phase"`
		} `json:"status"`
	}
	if json.Unmarshal(obj, &o) != nil {
		return ""
	}
	return o.Status.Phase
}

// HasPhase reports whether objects of kind have a status.phase: a
// built-in type whose Status struct holds a Phase field (Pods, Namespaces,
// Nodes, PersistentVolumes, PersistentVolumeClaims). A custom resource's
// schema is not known here, so it has none.
func HasPhase(kind decode.Kind) bool {
	if kind.CRD {
		return false
	}
	obj, err := kubescheme.Types{}.New(schema.GroupVersionKind{Group: kind.Group, Version: kind.Version, Kind: kind.Kind})
	if err != nil {
		return false
	}
	t := reflect.TypeOf(obj)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return false
	}
	status, ok := t.FieldByName("Status")
	if !ok || status.Type.Kind() != reflect.Struct {
		return false
	}
	phase, ok := status.Type.FieldByName("Phase")
	return ok && phase.Type.Kind() == reflect.String
}

// PhaseResources lists the built-in resources that have a status.phase,
// sorted.
var PhaseResources = sync.OnceValue(func() []string {
	var out []string
	for _, k := range decode.NewCatalog().Kinds() {
		if HasPhase(k) && !slices.Contains(out, k.GroupResource()) {
			out = append(out, k.GroupResource())
		}
	}
	slices.Sort(out)
	return out
})
