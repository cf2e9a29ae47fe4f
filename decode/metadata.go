package decode

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Metadata is what DecodeMetadata reads of a stored value: how it is
// stored, its type, and the fields of its ObjectMeta that summaries of
// many objects need (stats, kind lists), without the rest of the object.
type Metadata struct {
	// Encoding, Encryption, APIVersion and Kind are those Decode gives.
	Encoding   Encoding
	Encryption *Encryption
	APIVersion string
	Kind       string
	// IsObject is true when the value is a Kubernetes object: one Decode
	// gives an Object, or a PartialObject for a type this build does not
	// know. The fields below are read from its metadata.
	IsObject          bool
	Name              string
	Namespace         string
	UID               string
	CreationTimestamp time.Time  // zero when absent; UTC
	DeletionTimestamp *time.Time // nil unless the object is being deleted; UTC
	Finalizers        []string
	OwnerReferences   []OwnerReference
	Labels            map[string]string
	// Err is set when the value claims a Kubernetes encoding and does not
	// decode, as with Decode.
	Err error
}

// OwnerReference names an object's owner.
type OwnerReference struct {
	APIVersion string
	Kind       string
	Name       string
	UID        string
}

// DecodeMetadata reads value, stored under key, as far as Metadata needs
// and no further: for protobuf the envelope, the framing of the object's
// top-level fields and its field 1 (the ObjectMeta of every Kubernetes
// type), never spec or status; for JSON a check of the whole text and a
// tree of the metadata member alone; CBOR and YAML, rare in etcd, are
// decoded whole. Encrypted values are decrypted first when the Decoder
// can. Whatever Decode reads without error, DecodeMetadata reads the
// same; an error Decode would find inside spec or status of a protobuf
// object goes unseen here.
func (d *Decoder) DecodeMetadata(key string, value []byte) Metadata {
	var m Metadata
	if bytes.HasPrefix(value, encryptedPrefix) {
		m.Encoding = EncodingEncrypted
		if plain, ok := d.unseal(key, value, &m.Encryption, &m.Err); ok {
			d.metaPlain(&m, plain)
		}
	} else {
		d.metaPlain(&m, value)
	}
	if m.Kind == "" && (m.Encoding == EncodingEncrypted || m.Err != nil) {
		m.APIVersion, m.Kind = d.kindOfKey(key)
	}
	return m
}

// metaPlain is decodePlain for DecodeMetadata.
func (d *Decoder) metaPlain(m *Metadata, b []byte) {
	switch {
	case bytes.HasPrefix(b, protobufPrefix):
		m.Encoding = EncodingProtobuf
		d.metaProtobuf(m, b)
	case bytes.HasPrefix(b, cborPrefix):
		m.Encoding = EncodingCBOR
		if err := d.metaCBOR(m, b); err != nil {
			m.Err = fmt.Errorf("decode cbor: %w", err)
		}
	case len(b) == 0:
		m.Encoding = EncodingEmpty
	case looksLikeJSONObject(b):
		if apiVersion, kind, md, ok := readJSONMeta(b); ok {
			m.Encoding, m.APIVersion, m.Kind, m.IsObject = EncodingJSON, apiVersion, kind, true
			m.setFromJSON(md)
			return
		}
		d.metaText(m, b)
	default:
		d.metaText(m, b)
	}
}

// metaText tells text from YAML objects and binary, as decodePlain does.
func (d *Decoder) metaText(m *Metadata, b []byte) {
	if !printable(b) {
		m.Encoding = EncodingBinary
		return
	}
	m.Encoding = EncodingText
	var v Value
	if decodeYAML(&v, b, 0) {
		m.Encoding = EncodingYAML
		m.fromObject(v.APIVersion, v.Kind, v.Object)
	}
}

// fromObject fills m from a whole decoded object.
func (m *Metadata) fromObject(apiVersion, kind string, obj json.RawMessage) {
	m.APIVersion, m.Kind, m.IsObject = apiVersion, kind, true
	if root, err := parseJSON(obj); err == nil {
		m.setFromJSON(root.get("metadata"))
	}
}

func (d *Decoder) metaCBOR(m *Metadata, b []byte) error {
	// The library offers no partial decode that checks the value as the
	// serializer does; only the JSON encoding of the whole is saved.
	u := &unstructured.Unstructured{}
	if _, _, err := d.cbor.Decode(b, nil, u); err != nil {
		return err
	}
	m.APIVersion, m.Kind, m.IsObject = u.GetAPIVersion(), u.GetKind(), true
	m.setFromJSON(nodeOf(u.Object["metadata"], 0))
	return nil
}

// nodeOf turns what Unstructured holds into the tree setFromJSON reads:
// strings, objects and arrays; anything else is null to it, as it is to
// setFromJSON. Text is as encoding/json writes it (CBOR byte strings
// need not be UTF-8), and members are in its order, so the tree reads as
// Decode's JSON of the same object.
func nodeOf(v any, depth int) *jsonNode {
	if depth > maxJSONDepth {
		return &jsonNode{kind: jsonNull}
	}
	switch v := v.(type) {
	case string:
		return &jsonNode{kind: jsonString, text: jsonText(v)}
	case map[string]any:
		n := &jsonNode{kind: jsonObject, members: make([]jsonMember, 0, len(v))}
		for _, k := range slices.Sorted(maps.Keys(v)) {
			n.members = append(n.members, jsonMember{name: jsonText(k), value: nodeOf(v[k], depth+1)})
		}
		return n
	case []any:
		n := &jsonNode{kind: jsonArray, items: make([]*jsonNode, len(v))}
		for i, it := range v {
			n.items[i] = nodeOf(it, depth+1)
		}
		return n
	}
	return &jsonNode{kind: jsonNull}
}

// metaProtobuf reads a protobuf value's envelope and its object's field
// 1. Only a value that reads cleanly takes this way: anything else (a
// broken value) is decoded whole, so its error is the one Decode gives.
func (d *Decoder) metaProtobuf(m *Metadata, b []byte) {
	if d.metaProtobufFast(m, b) {
		return
	}
	var v Value
	d.decodePlain(&v, b, 0)
	m.APIVersion, m.Kind, m.Err = v.APIVersion, v.Kind, v.Err
	switch {
	case v.Object != nil:
		m.fromObject(v.APIVersion, v.Kind, v.Object)
	case v.PartialObject != nil:
		m.fromObject(v.APIVersion, v.Kind, v.PartialObject)
	}
}

// metaProtobufFast reads the envelope as the protobuf serializer does
// (runtime.Unknown: its type meta and raw object), then only field 1 of
// the object. It reports false, having set nothing, for whatever it does
// not read cleanly.
func (d *Decoder) metaProtobufFast(m *Metadata, b []byte) bool {
	tm, raw, ok := readEnvelope(b[len(protobufPrefix):])
	if !ok {
		return false
	}
	gvk := tm.GroupVersionKind()
	if gvk.Kind == "" || gvk.Version == "" {
		return false
	}
	known, err := d.known(gvk)
	if err != nil {
		return false
	}
	if !known {
		// Rare: read as Decode reads it, so both say the same.
		partial, err := partialObject(tm.APIVersion, tm.Kind, raw, 0)
		if err != nil {
			return false
		}
		m.APIVersion, m.Kind = tm.APIVersion, tm.Kind
		if partial != nil {
			m.fromObject(tm.APIVersion, tm.Kind, partial)
		}
		return true
	}
	om, ok := objectMetaFields(raw)
	if !ok {
		return false
	}
	m.APIVersion, m.Kind, m.IsObject = gvk.GroupVersion().String(), gvk.Kind, true
	m.setFromObjectMeta(om)
	return true
}

// readEnvelope reads a runtime.Unknown (the value after "k8s\x00")
// without copying its raw object, as its generated Unmarshal does: type
// meta merged over repeats, the last raw wins, other fields skipped.
// ok is false on anything unusual; the caller then leaves the value to
// the serializer.
func readEnvelope(b []byte) (tm runtime.TypeMeta, raw []byte, ok bool) {
	if len(b) == 0 {
		return tm, nil, false
	}
	bad := false
	err := eachField(b, func(num protowire.Number, typ protowire.Type, v []byte) {
		if num >= 1 && num <= 4 && typ != protowire.BytesType {
			bad = true
			return
		}
		switch num {
		case 1:
			if tm.Unmarshal(v) != nil {
				bad = true
			}
		case 2:
			raw = v
		}
	})
	if err != nil || bad {
		return tm, nil, false
	}
	return tm, raw, true
}

// known reports whether the scheme decodes gvk, as the serializer's
// object creation decides it. The error is a failure to build the types,
// which Decode reports as the value's error.
func (d *Decoder) known(gvk schema.GroupVersionKind) (bool, error) {
	if d.types.Recognizes(gvk) {
		return true, nil
	}
	// Unversioned kinds are known under any version; New is the only
	// way to ask, and only types this build does not know get here.
	_, err := d.types.New(gvk)
	if runtime.IsNotRegisteredError(err) {
		return false, nil
	}
	return err == nil, err
}

// metaFieldNumbers are the ObjectMeta fields Metadata keeps: name 1,
// namespace 3, uid 5, creationTimestamp 8, deletionTimestamp 9, labels
// 11, ownerReferences 13, finalizers 14.
const metaFieldNumbers = 1<<1 | 1<<3 | 1<<5 | 1<<8 | 1<<9 | 1<<11 | 1<<13 | 1<<14

// objectMetaFields decodes the fields Metadata keeps of a known type's
// ObjectMeta (field 1 of the object, every occurrence merged, as the
// generated code does), each with the generated code, and skips the
// others, annotations and managedFields above all. ok is false on
// anything unusual.
func objectMetaFields(raw []byte) (*metav1.ObjectMeta, bool) {
	om := &metav1.ObjectMeta{}
	bad := false
	err := eachField(raw, func(num protowire.Number, typ protowire.Type, v []byte) {
		if num != 1 || bad {
			return
		}
		if typ != protowire.BytesType {
			bad = true
			return
		}
		err := eachFieldRaw(v, func(num protowire.Number, field []byte) {
			if !bad && num < 16 && metaFieldNumbers&(1<<num) != 0 && om.Unmarshal(field) != nil {
				bad = true
			}
		})
		if err != nil {
			bad = true
		}
	})
	if err != nil || bad {
		return nil, false
	}
	return om, true
}

// eachFieldRaw walks the top-level fields of a message as eachField does,
// calling fn with each field's number and its whole encoding, tag
// included.
func eachFieldRaw(b []byte, fn func(num protowire.Number, field []byte)) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		m := protowire.ConsumeFieldValue(num, typ, b[n:])
		if m < 0 {
			return protowire.ParseError(m)
		}
		fn(num, b[:n+m])
		b = b[n+m:]
	}
	return nil
}

// setFromObjectMeta copies what Metadata keeps of an ObjectMeta. Strings
// that are not valid UTF-8 read as Decode shows them (see jsonText).
func (m *Metadata) setFromObjectMeta(om *metav1.ObjectMeta) {
	m.Name, m.Namespace, m.UID = jsonText(om.Name), jsonText(om.Namespace), jsonText(string(om.UID))
	if t, ok := shownTime(om.CreationTimestamp.Time); ok {
		m.CreationTimestamp = t
	}
	if om.DeletionTimestamp != nil {
		if t, ok := shownTime(om.DeletionTimestamp.Time); ok {
			m.DeletionTimestamp = &t
		}
	}
	for _, f := range om.Finalizers {
		m.Finalizers = append(m.Finalizers, jsonText(f))
	}
	for _, o := range om.OwnerReferences {
		m.OwnerReferences = append(m.OwnerReferences, OwnerReference{
			APIVersion: jsonText(o.APIVersion), Kind: jsonText(o.Kind), Name: jsonText(o.Name), UID: jsonText(string(o.UID)),
		})
	}
	m.Labels = om.Labels
	for k, v := range om.Labels {
		if jsonText(k) != k || jsonText(v) != v {
			m.Labels = jsonTextMap(om.Labels)
			break
		}
	}
}

// shownTime is a timestamp as Decode shows it: metav1.Time writes RFC
// 3339 in whole seconds, which reads back only for the years 0 to 9999.
func shownTime(t time.Time) (time.Time, bool) {
	if t.IsZero() {
		return time.Time{}, false
	}
	t = t.UTC()
	if t.Year() < 0 || t.Year() > 9999 {
		return time.Time{}, false
	}
	return t.Truncate(time.Second), true
}

// jsonText is s as encoding/json writes it, which is what Decode shows:
// each byte that is not valid UTF-8 becomes U+FFFD.
func jsonText(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteString("\uFFFD")
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// jsonTextMap is a map as Decode shows it: keys and values through
// jsonText, and of keys that then collide the first in encoding/json's
// order (sorted by their bytes) wins, as the first member does when read.
func jsonTextMap(in map[string]string) map[string]string {
	out := make(map[string]string, len(in))
	for _, k := range slices.Sorted(maps.Keys(in)) {
		if _, dup := out[jsonText(k)]; !dup {
			out[jsonText(k)] = jsonText(in[k])
		}
	}
	return out
}

// setFromJSON copies what Metadata keeps of a metadata member, reading
// it as ObjectMeta's JSON form: members of another type are left out.
func (m *Metadata) setFromJSON(md *jsonNode) {
	if md == nil || md.kind != jsonObject {
		return
	}
	m.Name = strings.Clone(md.getString("name"))
	m.Namespace = strings.Clone(md.getString("namespace"))
	m.UID = strings.Clone(md.getString("uid"))
	if t, ok := jsonTime(md.get("creationTimestamp")); ok {
		m.CreationTimestamp = t
	}
	if t, ok := jsonTime(md.get("deletionTimestamp")); ok {
		m.DeletionTimestamp = &t
	}
	if f := md.get("finalizers"); f != nil && f.kind == jsonArray {
		for _, it := range f.items {
			if it.kind == jsonString {
				m.Finalizers = append(m.Finalizers, strings.Clone(it.text))
			}
		}
	}
	if refs := md.get("ownerReferences"); refs != nil && refs.kind == jsonArray {
		for _, r := range refs.items {
			if r.kind != jsonObject {
				continue
			}
			m.OwnerReferences = append(m.OwnerReferences, OwnerReference{
				APIVersion: strings.Clone(r.getString("apiVersion")),
				Kind:       strings.Clone(r.getString("kind")),
				Name:       strings.Clone(r.getString("name")),
				UID:        strings.Clone(r.getString("uid")),
			})
		}
	}
	if l := md.get("labels"); l != nil && l.kind == jsonObject && len(l.members) > 0 {
		m.Labels = make(map[string]string, len(l.members))
		for _, mem := range l.members {
			if mem.value.kind == jsonString {
				if _, dup := m.Labels[mem.name]; !dup {
					m.Labels[strings.Clone(mem.name)] = strings.Clone(mem.value.text)
				}
			}
		}
	}
}

// jsonTime reads a timestamp as metav1.Time's JSON form does (RFC 3339).
func jsonTime(n *jsonNode) (time.Time, bool) {
	if n == nil || n.kind != jsonString {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339, n.text)
	if err != nil {
		return time.Time{}, false
	}
	return t.UTC(), true
}
