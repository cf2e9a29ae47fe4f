package decode

import "encoding/json"

// Encoding is how a stored value is written.
type Encoding string

// The encodings a value can have. A value that was encrypted at rest and
// decrypted carries the encoding of its plaintext and a non-nil Encryption.
const (
	EncodingProtobuf  Encoding = "protobuf"
	EncodingJSON      Encoding = "json"
	EncodingCBOR      Encoding = "cbor"
	EncodingYAML      Encoding = "yaml"
	EncodingText      Encoding = "text"
	EncodingBinary    Encoding = "binary"
	EncodingEmpty     Encoding = "empty"
	EncodingEncrypted Encoding = "encrypted"
)

// String returns the encoding's name as records spell it.
func (e Encoding) String() string { return string(e) }

// Encryption says how a value was encrypted at rest and whether it could be
// decrypted.
type Encryption struct {
	// Provider is the transformer named in the value's prefix: aescbc,
	// aesgcm, secretbox, kms.
	Provider string `json:"provider"`
	// KMSVersion is v1 or v2 for a value a KMS plugin encrypted.
	KMSVersion string `json:"kmsVersion,omitempty"`
	// KeyName is the key name from the value's prefix; for KMS, the
	// plugin's provider name.
	KeyName string `json:"keyName"`
	// KeyID is the key ID a KMS v2 plugin encrypted the value's DEK with.
	KeyID string `json:"keyID,omitempty"`
	// DEKSourceType is how a KMS v2 value's DEK comes from its encrypted
	// DEK source: AES_GCM_KEY or HKDF_SHA256_XNONCE_AES_GCM_SEED.
	DEKSourceType string `json:"dekSourceType,omitempty"`
	// Annotations are the names of the annotations a KMS v2 plugin
	// stored with the value, sorted; their values are never kept.
	Annotations []string `json:"annotations,omitempty"`
	// Decrypted is true when the plaintext was recovered.
	Decrypted bool `json:"decrypted"`
	// Reason says why the value stayed encrypted.
	Reason string `json:"reason,omitempty"`
}

// KeyMeta is what etcd keeps about a key beside its value.
type KeyMeta struct {
	CreateRevision int64
	ModRevision    int64
	Version        int64
	Lease          int64
}

// Value is one decoded etcd value.
type Value struct {
	// Key is the etcd key the value was stored under (may be empty when
	// decoding a bare value).
	Key string
	// Meta holds the key's revisions; nil when unknown (decode of a file).
	Meta *KeyMeta
	// Encoding is how the value (or, once decrypted, its plaintext) is written.
	Encoding Encoding
	// Encryption is set for values encrypted at rest.
	Encryption *Encryption
	// APIVersion and Kind name the object's type whenever they are known,
	// also for types this build does not know.
	APIVersion string
	Kind       string
	// Object is the decoded Kubernetes object as compact JSON whose key
	// order and number literals are those of the stored data. Nil when the
	// value is not a decodable object.
	Object json.RawMessage
	// Fields is the raw protobuf field dump of an object whose type this
	// build does not know, every top-level field included.
	Fields []Field
	// PartialObject is what is known of an object whose type this build
	// does not know, as compact JSON: {"apiVersion", "kind", "metadata"},
	// the metadata decoded from its field 1, which is an ObjectMeta in
	// every Kubernetes type. Nil when field 1 is not an ObjectMeta, and
	// for every other value. Object stays nil beside it: this is not the
	// object, only its head, so what prints objects prints the record.
	PartialObject json.RawMessage
	// Text is the value itself when it is printable text (also YAML).
	Text string
	// Raw is the stored bytes, untouched.
	Raw []byte
	// Err is set when the value claims a Kubernetes encoding and cannot be
	// decoded (or decrypted with a key the config holds).
	Err error
}

// Field is one field of a protobuf message decoded without a schema.
type Field struct {
	// Number is the field number.
	Number int32 `json:"number"`
	// Wire is the wire type: varint, fixed32, fixed64, bytes, group.
	Wire string `json:"wire"`
	// Varint holds varint values (and fixed32/fixed64 as unsigned integers).
	Varint *uint64 `json:"varint,omitempty"`
	// String holds a bytes field that is valid printable UTF-8.
	String *string `json:"string,omitempty"`
	// Bytes holds a bytes field that is neither text nor a message.
	Bytes []byte `json:"bytes,omitempty"`
	// Message holds a bytes field that parses as a nested message.
	Message []Field `json:"message,omitempty"`
}
