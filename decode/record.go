package decode

import (
	"encoding/json"
	"unicode/utf8"
)

// Record is the machine form of one key and its value (PRODUCT.md,
// "Machine output"). Its JSON field order is the documented one.
type Record struct {
	// Key is the etcd key when it is valid UTF-8.
	Key string `json:"key,omitempty"`
	// KeyBase64 replaces Key when the key is not valid UTF-8.
	KeyBase64 []byte `json:"keyBase64,omitempty"`
	// CreateRevision, ModRevision, Version and Lease are present whenever
	// the key's metadata is known (not for a decoded file).
	CreateRevision *int64 `json:"createRevision,omitempty"`
	ModRevision    *int64 `json:"modRevision,omitempty"`
	Version        *int64 `json:"version,omitempty"`
	Lease          *int64 `json:"lease,omitempty"`
	// Encoding is how the value (or its decrypted plaintext) is written.
	Encoding Encoding `json:"encoding"`
	// Encryption is set only for values encrypted at rest.
	Encryption *Encryption `json:"encryption,omitempty"`
	// APIVersion and Kind are set whenever the type is known.
	APIVersion string `json:"apiVersion,omitempty"`
	Kind       string `json:"kind,omitempty"`
	// Object is the decoded Kubernetes object; for a type this build does
	// not know, its apiVersion, kind and metadata (Value.PartialObject).
	Object json.RawMessage `json:"object,omitempty"`
	// Fields is the raw protobuf field dump of an object of unknown type,
	// field 1 (the metadata) included.
	Fields []Field `json:"fields,omitempty"`
	// Value is a text value.
	Value string `json:"value,omitempty"`
	// ValueBase64 holds binary and still-encrypted values, and the stored
	// bytes of a value that failed to decode, so nothing is lost.
	ValueBase64 []byte `json:"valueBase64,omitempty"`
	// Error says why a value that claims a Kubernetes encoding could not be
	// decoded.
	Error string `json:"error,omitempty"`
}

// Record returns the value's machine record.
func (v Value) Record() Record {
	r := Record{
		Encoding:   v.Encoding,
		Encryption: v.Encryption,
		APIVersion: v.APIVersion,
		Kind:       v.Kind,
		Object:     v.Object,
		Fields:     v.Fields,
	}
	if r.Object == nil {
		r.Object = v.PartialObject
	}
	if utf8.ValidString(v.Key) {
		r.Key = v.Key
	} else {
		r.KeyBase64 = []byte(v.Key)
	}
	if m := v.Meta; m != nil {
		r.CreateRevision, r.ModRevision = ptr(m.CreateRevision), ptr(m.ModRevision)
		r.Version, r.Lease = ptr(m.Version), ptr(m.Lease)
	}
	switch {
	case v.Err != nil:
		r.Error = v.Err.Error()
		r.ValueBase64 = v.Raw
	case v.Object != nil || v.Fields != nil:
	case v.Encoding == EncodingText || v.Encoding == EncodingYAML:
		r.Value = v.Text
	case v.Encoding == EncodingEncrypted:
		r.ValueBase64 = v.Raw
	case v.Encoding == EncodingBinary && v.Encryption == nil:
		// A decrypted binary plaintext is not kept in Value; its stored
		// bytes are ciphertext and would mislead under "binary".
		r.ValueBase64 = v.Raw
	}
	return r
}

func ptr(i int64) *int64 { return &i }
