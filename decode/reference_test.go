package decode

import (
	"encoding/hex"
	"encoding/json"
)

// Reference edits the tests hold Present against, written the plain way.

// maskSecrets replaces, in a v1 Secret, every value of data and stringData
// and the last-applied-configuration annotation with SecretMask, so secret
// material stays off the screen until revealed. It reports whether
// anything was masked; other documents come back unchanged.
func maskSecrets(doc json.RawMessage) (json.RawMessage, bool) {
	root, err := parseJSON(doc)
	if err != nil || !isV1Secret(root) {
		return doc, false
	}
	if !secretValues(root, true) {
		return doc, false
	}
	return root.marshal(), true
}

// foldManagedFields removes metadata.managedFields, which dwarfs most
// objects and rarely matters when reading one, and returns how many
// entries it had.
func foldManagedFields(doc json.RawMessage) (json.RawMessage, int) {
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

// hexDump is the classic 16-byte hex dump.
func hexDump(b []byte) string { return hex.Dump(b) }
