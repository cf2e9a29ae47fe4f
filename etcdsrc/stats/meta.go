package stats

import (
	"fmt"
	"io"

	jsoniter "github.com/json-iterator/go"

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

// metadataOnly is the part of an object's metadata readMeta parses.
type metadataOnly struct {
	UID               string     `json:"uid"`
	DeletionTimestamp string     `json:"deletionTimestamp"`
	Finalizers        []string   `json:"finalizers"`
	OwnerReferences   []ownerRef `json:"ownerReferences"`
}

// metaJSON reads metadata with json-iterator, whose iterator skips the
// values it is not asked for without building them.
var metaJSON = jsoniter.ConfigCompatibleWithStandardLibrary

// parseMetadata reads the metadata of a JSON object and nothing after
// it: metadata comes right after apiVersion and kind, so the rest of the
// object (spec, data, status), most of its bytes, is never parsed.
func parseMetadata(obj []byte) (metadataOnly, error) {
	var md metadataOnly
	it := metaJSON.BorrowIterator(obj)
	defer metaJSON.ReturnIterator(it)
	for field := it.ReadObject(); field != "" && it.Error == nil; field = it.ReadObject() {
		if field == "metadata" {
			it.ReadVal(&md)
			break
		}
		it.Skip()
	}
	if it.Error != nil && it.Error != io.EOF {
		return metadataOnly{}, it.Error
	}
	return md, nil
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
	md, err := parseMetadata(v.Object)
	if err != nil {
		// The decoder's own output always parses; a failure here is
		// metadata of another shape than Kubernetes writes.
		m.err = fmt.Errorf("metadata: %w", err)
		return m
	}
	m.uid = md.UID
	m.deletionTimestamp = md.DeletionTimestamp
	m.finalizers = md.Finalizers
	m.owners = md.OwnerReferences
	return m
}
