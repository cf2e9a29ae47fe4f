package decode

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"
	"unicode"
	"unicode/utf8"
)

// SecretMask is what Present shows in place of a masked secret value.
const SecretMask = "••••••••"

// lastAppliedAnnotation is where kubectl apply keeps a full copy of the
// object, Secret data included.
const lastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration"

// Export strips from an object what a re-create must not carry:
// metadata.resourceVersion, uid, creationTimestamp, managedFields,
// generation, selfLink and the top-level status (get --export).
func Export(doc json.RawMessage) (json.RawMessage, error) {
	root, err := parseJSON(doc)
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	if root.kind != jsonObject {
		return nil, fmt.Errorf("export: document is not an object")
	}
	exportTree(root)
	return root.marshal(), nil
}

// CreationTime reads an object's metadata.creationTimestamp; zero when the
// object has none or is not an object.
func CreationTime(doc json.RawMessage) time.Time {
	var o struct {
		Metadata struct {
			CreationTimestamp time.Time `json:"creationTimestamp"`
		} `json:"metadata"`
	}
	if len(doc) == 0 || json.Unmarshal(doc, &o) != nil {
		return time.Time{}
	}
	return o.Metadata.CreationTimestamp
}

// exportTree strips what a re-create must not carry (see Export).
func exportTree(root *jsonNode) {
	root.remove("status")
	if md := root.get("metadata"); md != nil {
		for _, f := range []string{"resourceVersion", "uid", "creationTimestamp", "managedFields", "generation", "selfLink"} {
			md.remove(f)
		}
	}
}

// isV1Secret reports whether the object is a core v1 Secret.
func isV1Secret(root *jsonNode) bool {
	return root.getString("apiVersion") == "v1" && root.getString("kind") == "Secret"
}

// secretValues reports whether a Secret holds secret values: those of
// data and stringData and the last-applied-configuration annotation. With
// mask set it replaces each of them with SecretMask.
func secretValues(root *jsonNode, mask bool) bool {
	found := false
	hide := func(m *jsonMember) {
		found = true
		if mask {
			m.value = &jsonNode{kind: jsonString, text: SecretMask}
		}
	}
	for _, field := range []string{"data", "stringData"} {
		if m := root.get(field); m != nil && m.kind == jsonObject {
			for i := range m.members {
				hide(&m.members[i])
			}
		}
	}
	if ann := root.get("metadata").get("annotations"); ann != nil && ann.kind == jsonObject {
		for i := range ann.members {
			if ann.members[i].name == lastAppliedAnnotation {
				hide(&ann.members[i])
			}
		}
	}
	return found
}

// revealSecret moves every data value that decodes from base64 to text
// into stringData, as text, and drops data when nothing is left in it;
// binary values, and keys stringData already holds, stay in data. The
// API server merges stringData into data on write, so the document still
// describes the same Secret. It reports whether it changed anything.
func revealSecret(root *jsonNode) bool {
	data := root.get("data")
	if data == nil || data.kind != jsonObject {
		return false
	}
	sd := root.get("stringData")
	if sd != nil && sd.kind != jsonObject {
		return false
	}
	var moved []jsonMember
	kept := make([]jsonMember, 0, len(data.members))
	for _, m := range data.members {
		if m.value.kind == jsonString && sd.get(m.name) == nil {
			if b, err := base64.StdEncoding.DecodeString(m.value.text); err == nil && isText(b) {
				moved = append(moved, jsonMember{name: m.name, value: &jsonNode{kind: jsonString, text: string(b)}})
				continue
			}
		}
		kept = append(kept, m)
	}
	if len(moved) == 0 {
		return false
	}
	if sd == nil {
		sd = &jsonNode{kind: jsonObject}
		root.set("stringData", sd, "apiVersion", "kind", "metadata", "immutable", "data")
	}
	sd.members = append(sd.members, moved...)
	data.members = kept
	if len(kept) == 0 {
		root.remove("data")
	}
	return true
}

// isText reports whether b is UTF-8 text: printable, with tabs and line
// breaks.
func isText(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	for _, r := range string(b) {
		if !unicode.IsPrint(r) && r != '\n' && r != '\r' && r != '\t' {
			return false
		}
	}
	return true
}
