package decode

import (
	"encoding/json"
	"strconv"

	"google.golang.org/protobuf/encoding/protowire"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// partialObject builds Value.PartialObject for an object of a type this
// build does not know from its raw fields: nil when field 1 is not an
// ObjectMeta that encodes as JSON. The metadata goes through the same
// JSON encoder as a known type's, so it reads field for field as a known
// object's would. The error is the field dump's: raw is no message.
func partialObject(apiVersion, kind string, raw []byte, rev int64) (json.RawMessage, error) {
	om, err := unknownObjectMeta(raw)
	if err != nil || om == nil {
		return nil, err
	}
	if rev > 0 {
		om.ResourceVersion = strconv.FormatInt(rev, 10)
	}
	head := struct {
		Metadata *metav1.ObjectMeta `json:"metadata"`
	}{om}
	obj, err := withTypeMeta(apiVersion, kind, head, 256)
	if err != nil {
		return nil, nil // a managedFields entry that is not JSON, say
	}
	return obj, nil
}

// fieldLabel names a top-level field of an object of unknown type for
// people: Kubernetes types number metadata 1, spec 2 and status 3.
func fieldLabel(n int32) string {
	switch n {
	case 1:
		return "metadata (field 1)"
	case 2:
		return "spec (field 2)"
	case 3:
		return "status (field 3)"
	}
	return "field " + strconv.Itoa(int(n))
}

// UnknownTypeDocument is what a person reads of an object whose type this
// build does not know, as compact JSON to render as YAML or JSON: its
// apiVersion and kind, its decoded metadata when field 1 is an ObjectMeta,
// then its other top-level fields as the raw dump, each under the name the
// convention of Kubernetes types gives it ("spec (field 2)", "status
// (field 3)", "field 4"; "metadata (field 1)" when it did not decode). A
// field that repeats holds a list of its values. Records keep "fields"
// as dumped; this is for the screen. Nil for any other value.
func (v Value) UnknownTypeDocument() json.RawMessage {
	if v.Fields == nil {
		return nil
	}
	root := &jsonNode{kind: jsonObject}
	add := func(name string, n *jsonNode) { root.members = append(root.members, jsonMember{name: name, value: n}) }
	add("apiVersion", &jsonNode{kind: jsonString, text: v.APIVersion})
	add("kind", &jsonNode{kind: jsonString, text: v.Kind})
	if v.PartialObject != nil {
		if p, err := parseJSON(v.PartialObject); err == nil {
			if md := p.get("metadata"); md != nil {
				add("metadata", md)
			}
		}
	}
	at := map[int32]int{} // field number -> index of its member
	repeated := map[int32]bool{}
	for _, f := range v.Fields {
		if f.Number == 1 && v.PartialObject != nil {
			continue // shown decoded above
		}
		content := fieldContent(f)
		i, seen := at[f.Number]
		if !seen {
			at[f.Number] = len(root.members)
			add(fieldLabel(f.Number), content)
			continue
		}
		// A repeated field: its values become a list.
		m := &root.members[i]
		if !repeated[f.Number] {
			m.value = &jsonNode{kind: jsonArray, items: []*jsonNode{m.value}}
			repeated[f.Number] = true
		}
		m.value.items = append(m.value.items, content)
	}
	return root.marshal()
}

// fieldContent is a dumped field's value without its number and wire
// type: the nested dump of a message, the text, the number, or the bytes
// in base64 as JSON writes them.
func fieldContent(f Field) *jsonNode {
	var doc any
	switch {
	case f.Message != nil:
		doc = f.Message
	case f.String != nil:
		return &jsonNode{kind: jsonString, text: *f.String}
	case f.Varint != nil:
		return &jsonNode{kind: jsonNumber, text: strconv.FormatUint(*f.Varint, 10)}
	default:
		doc = f.Bytes
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return &jsonNode{kind: jsonNull}
	}
	n, err := parseJSON(b)
	if err != nil {
		return &jsonNode{kind: jsonNull}
	}
	return n
}

// unknownObjectMeta decodes field 1 of an object of a type this build
// does not know as an ObjectMeta, which it is in every Kubernetes type.
// It fails, as the field dump does, only on bytes that are not a
// message; a field 1 that is no ObjectMeta (not a message, or fields of
// the wrong wire type for ObjectMeta's) gives nil and no error. A name
// is not required: the API server stores some objects without one (the
// RangeAllocations).
func unknownObjectMeta(raw []byte) (*metav1.ObjectMeta, error) {
	var field1 [][]byte
	err := eachField(raw, func(num protowire.Number, typ protowire.Type, v []byte) {
		if num == 1 {
			if typ != protowire.BytesType {
				field1 = append(field1, nil) // not a message: not ObjectMeta
				return
			}
			field1 = append(field1, v)
		}
	})
	if err != nil {
		return nil, err
	}
	if len(field1) == 0 {
		return nil, nil
	}
	om := &metav1.ObjectMeta{}
	for _, v := range field1 {
		if v == nil || om.Unmarshal(v) != nil {
			return nil, nil
		}
	}
	return om, nil
}
