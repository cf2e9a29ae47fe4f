package decode

import (
	"errors"
	"fmt"
	"slices"

	"golang.org/x/crypto/cryptobyte"
	"google.golang.org/protobuf/proto"
	kmsv2types "k8s.io/apiserver/pkg/storage/value/encrypt/envelope/kmsv2/v2"
)

// kmsProvider is the provider name of values a KMS plugin encrypted.
const kmsProvider = "kms"

// The KMS format versions a value prefix names.
const (
	kmsV1 = "v1"
	kmsV2 = "v2"
)

// ReadKMS reads what a value a KMS plugin encrypted says of itself,
// without calling the plugin (which holds the key-encryption key, so the
// value stays encrypted): see ReadKMSEnvelope. It cuts the provider name
// at the first colon after "k8s:enc:kms:<version>:"; a KMS v1 name that
// holds a colon is told only by the config (decode/encryption).
func ReadKMS(value []byte) (*Encryption, error) {
	provider, name, ok := ParseEncryptedPrefix(value)
	if !ok || provider != kmsProvider {
		return nil, errors.New("not a KMS-encrypted value: want a k8s:enc:kms:v1: or k8s:enc:kms:v2: prefix")
	}
	// ParseEncryptedPrefix checked the shape: a two-byte version and the
	// name, each ending at a colon.
	rest := value[len(encryptedPrefix)+len(kmsProvider)+1:]
	return ReadKMSEnvelope(string(rest[:2]), name, rest[3+len(name)+1:])
}

// ReadKMSEnvelope reads what follows a "k8s:enc:kms:<version>:<name>:"
// prefix: for KMS v1 it checks the envelope's shape; for v2 it reads the
// EncryptedObject's key ID, DEK source type and the names of its
// annotations (never their values). An error says the payload is not
// what the API server writes: truncated, or no envelope at all. An
// unknown version is no error: the value is named and its Reason says so.
func ReadKMSEnvelope(version, name string, payload []byte) (*Encryption, error) {
	enc := &Encryption{Provider: kmsProvider, KMSVersion: version, KeyName: name}
	switch version {
	case kmsV1:
		// The v1 envelope: the DEK as the plugin encrypted it, with a
		// 16-bit length in front, then the data encrypted with the DEK.
		s := cryptobyte.String(payload)
		var dek cryptobyte.String
		if !s.ReadUint16LengthPrefixed(&dek) || len(dek) == 0 || len(s) == 0 {
			return enc, fmt.Errorf("kms v1 provider %q: not a KMS v1 envelope (want a 2-byte DEK length, the encrypted DEK and the data; %d bytes after the prefix)", name, len(payload))
		}
		enc.Reason = fmt.Sprintf("encrypted by KMS v1 provider %q; KMS plugins are not called, so it stays encrypted", name)
	case kmsV2:
		var obj kmsv2types.EncryptedObject
		if err := proto.Unmarshal(payload, &obj); err != nil {
			return enc, fmt.Errorf("kms v2 provider %q: read EncryptedObject: %w", name, err)
		}
		if obj.GetKeyID() == "" || len(obj.GetEncryptedData()) == 0 || len(obj.GetEncryptedDEKSource()) == 0 {
			return enc, fmt.Errorf("kms v2 provider %q: EncryptedObject lacks its key ID, DEK source or data", name)
		}
		enc.KeyID = obj.GetKeyID()
		enc.DEKSourceType = obj.GetEncryptedDEKSourceType().String()
		for k := range obj.GetAnnotations() {
			enc.Annotations = append(enc.Annotations, k)
		}
		slices.Sort(enc.Annotations)
		enc.Reason = fmt.Sprintf("encrypted by KMS v2 provider %q with key ID %q; KMS plugins are not called, so it stays encrypted", name, enc.KeyID)
	default:
		enc.Reason = fmt.Sprintf("unknown KMS version %q of provider %q", version, name)
	}
	return enc, nil
}
