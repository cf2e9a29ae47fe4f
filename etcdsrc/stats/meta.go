package stats

import (
	"encoding/json"

	"github.com/etcdscope/etcdscope/decode"
	"github.com/etcdscope/etcdscope/etcdsrc"
)

// objectMeta is what the figures need of one value: how it is stored,
// its type and the few metadata fields orphans and stuck objects are
// found by. Nothing else of the object is kept.
type objectMeta struct {
	// encoding is the value's stored encoding: "encrypted" for a value
	// encrypted at rest, whatever its plaintext.
	encoding   decode.Encoding
	encryption *decode.Encryption
	kind       string
	isObject   bool
	uid        string
	// deletionTimestamp and finalizers tell an object stuck terminating.
	deletionTimestamp string
	finalizers        []string
	owners            []ownerRef
	err               error
}

// ownerRef is one metadata.ownerReferences entry.
type ownerRef struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Name       string `json:"name"`
	UID        string `json:"uid"`
}

// metadataOnly is the part of a decoded object readMeta parses; the JSON
// decoder skips every other field without building it.
type metadataOnly struct {
	Metadata struct {
		UID               string     `json:"uid"`
		DeletionTimestamp string     `json:"deletionTimestamp"`
		Finalizers        []string   `json:"finalizers"`
		OwnerReferences   []ownerRef `json:"ownerReferences"`
	} `json:"metadata"`
}

// readMeta decodes what the figures need of kv. It is the one place the
// scan decodes values: it decodes the whole object and reads its
// metadata back from the JSON, until decode offers a metadata-only decode
// (decode.Decoder.DecodeMeta), which is to replace the body of this
// function.
func readMeta(dec *decode.Decoder, kv etcdsrc.KeyValue) objectMeta {
	v := dec.Decode(kv.Key, kv.Value, nil)
	m := objectMeta{encoding: v.Encoding, encryption: v.Encryption, kind: v.Kind, isObject: v.IsObject(), err: v.Err}
	if v.Encryption != nil {
		m.encoding = decode.EncodingEncrypted
	}
	if !v.IsObject() {
		return m
	}
	var md metadataOnly
	if err := json.Unmarshal(v.Object, &md); err != nil {
		// The decoder's own output always parses; a failure here is a
		// value whose metadata is not what Kubernetes writes.
		m.err = err
		return m
	}
	m.uid = md.Metadata.UID
	m.deletionTimestamp = md.Metadata.DeletionTimestamp
	m.finalizers = md.Metadata.Finalizers
	m.owners = md.Metadata.OwnerReferences
	return m
}
