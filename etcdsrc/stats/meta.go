package stats

import (
	"time"

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
type ownerRef = decode.OwnerReference

// readMeta decodes what the figures need of kv, and no more: the
// decoder's metadata-only read never decodes spec or status. It is the
// one place the scan decodes values.
func readMeta(dec *decode.Decoder, kv etcdsrc.KeyValue) objectMeta {
	md := dec.DecodeMetadata(kv.Key, kv.Value)
	m := objectMeta{encoding: md.Encoding, encryption: md.Encryption, kind: md.Kind, isObject: md.IsObject,
		uid: md.UID, finalizers: md.Finalizers, owners: md.OwnerReferences, err: md.Err}
	if md.Encryption != nil {
		m.encoding = decode.EncodingEncrypted
	}
	if md.DeletionTimestamp != nil {
		m.deletionTimestamp = md.DeletionTimestamp.Format(time.RFC3339)
	}
	return m
}
