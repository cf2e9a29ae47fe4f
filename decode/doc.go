// Package decode turns what kube-apiserver stores in etcd into something a
// person or a script can read: it detects a value's encoding (protobuf
// envelope, JSON, CBOR, encrypted, text, binary, empty), decodes Kubernetes
// objects into their storage version without losing fields or number
// precision, parses key paths, and knows the kinds of resources.
//
// Present is the one way from a decoded value to what a person sees: the
// document (YAML, JSON, a hex dump) that every view and verb shows,
// copies, saves and prints, with its tokens for colouring; DiffLines is
// the one line diff of two such documents.
//
// It is pure: bytes in, values out. It imports neither etcd nor the UI.
package decode
