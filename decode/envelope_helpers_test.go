package decode_test

import (
	"bytes"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
	"k8s.io/apimachinery/pkg/runtime"
)

// protobufPrefix starts every protobuf value kube-apiserver writes.
var protobufPrefix = []byte("k8s\x00")

// unwrap reads a stored protobuf value's runtime.Unknown envelope.
func unwrap(t testing.TB, value []byte) runtime.Unknown {
	t.Helper()
	if !bytes.HasPrefix(value, protobufPrefix) {
		t.Fatalf("not a protobuf value: %q", value[:min(len(value), 8)])
	}
	var unk runtime.Unknown
	if err := unk.Unmarshal(value[len(protobufPrefix):]); err != nil {
		t.Fatal(err)
	}
	return unk
}

// wrap writes an envelope as kube-apiserver stores it.
func wrap(t testing.TB, unk runtime.Unknown) []byte {
	t.Helper()
	b, err := unk.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return append(bytes.Clone(protobufPrefix), b...)
}

// retype gives a stored protobuf value another apiVersion and kind in its
// envelope, keeping the object's bytes.
func retype(t testing.TB, value []byte, apiVersion, kind string) []byte {
	t.Helper()
	unk := unwrap(t, value)
	unk.APIVersion, unk.Kind = apiVersion, kind
	return wrap(t, unk)
}

// withField1 replaces every field 1 of the object in a stored protobuf
// value with one field 1 holding field1 (wire type bytes).
func withField1(t testing.TB, value, field1 []byte) []byte {
	t.Helper()
	unk := unwrap(t, value)
	var raw []byte
	raw = protowire.AppendTag(raw, 1, protowire.BytesType)
	raw = protowire.AppendBytes(raw, field1)
	b := unk.Raw
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			t.Fatal(protowire.ParseError(n))
		}
		m := protowire.ConsumeFieldValue(num, typ, b[n:])
		if m < 0 {
			t.Fatal(protowire.ParseError(m))
		}
		if num != 1 {
			raw = append(raw, b[:n+m]...)
		}
		b = b[n+m:]
	}
	unk.Raw = raw
	return wrap(t, unk)
}
