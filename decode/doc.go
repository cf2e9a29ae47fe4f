// Package decode turns what kube-apiserver stores in etcd into something a
// person or a script can read: it detects a value's encoding (protobuf
// envelope, JSON, CBOR, encrypted, text, binary, empty), decodes Kubernetes
// objects into their storage version without losing fields or number
// precision, parses key paths, and knows the kinds of resources.
//
// It is pure: bytes in, values out. It imports neither etcd nor the UI.
package decode
