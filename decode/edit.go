package decode

import (
	"encoding/json"
	"fmt"
	"time"
)

// SecretMask is what MaskSecrets puts in place of a secret value.
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
	root.remove("status")
	if md := root.get("metadata"); md != nil {
		for _, f := range []string{"resourceVersion", "uid", "creationTimestamp", "managedFields", "generation", "selfLink"} {
			md.remove(f)
		}
	}
	return root.marshal(), nil
}

// MaskSecrets replaces, in a v1 Secret, every value of data and stringData
// and the last-applied-configuration annotation with SecretMask, so secret
// material stays off the screen until revealed. It reports whether
// anything was masked; other documents come back unchanged.
func MaskSecrets(doc json.RawMessage) (json.RawMessage, bool) {
	root, err := parseJSON(doc)
	if err != nil || root.getString("apiVersion") != "v1" || root.getString("kind") != "Secret" {
		return doc, false
	}
	masked := false
	for _, field := range []string{"data", "stringData"} {
		m := root.get(field)
		if m == nil || m.kind != jsonObject {
			continue
		}
		for i := range m.members {
			m.members[i].value = &jsonNode{kind: jsonString, text: SecretMask}
			masked = true
		}
	}
	if ann := root.get("metadata").get("annotations"); ann != nil && ann.kind == jsonObject {
		for i := range ann.members {
			if ann.members[i].name == lastAppliedAnnotation {
				ann.members[i].value = &jsonNode{kind: jsonString, text: SecretMask}
				masked = true
			}
		}
	}
	if !masked {
		return doc, false
	}
	return root.marshal(), true
}

// FoldManagedFields removes metadata.managedFields, which dwarfs most
// objects and rarely matters when reading one, and returns how many
// entries it had.
func FoldManagedFields(doc json.RawMessage) (json.RawMessage, int) {
	root, err := parseJSON(doc)
	if err != nil {
		return doc, 0
	}
	mf := root.get("metadata").remove("managedFields")
	if mf == nil {
		return doc, 0
	}
	return root.marshal(), len(mf.items)
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
