package decode

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/etcdscope/etcdscope/decode/fixture"
)

// FuzzDecode feeds the decoder every real stored value and mutations of
// them: it must never panic, always say what the value is, and always
// produce a record and renderings that work.
func FuzzDecode(f *testing.F) {
	kvs, err := fixture.KVs()
	if err != nil {
		f.Fatal(err)
	}
	for _, kv := range kvs {
		f.Add(kv.Key, kv.Value)
	}
	f.Add("", []byte("apiVersion: v1\nkind: X\na: &a [*a]\n"))
	f.Add("/k", []byte("k8s:enc:kms:v2:name:\x00"))
	dec := NewDecoder()
	f.Fuzz(func(t *testing.T, key string, value []byte) {
		v := dec.Decode(key, value, &KeyMeta{ModRevision: 7})
		if v.Encoding == "" {
			t.Fatal("no encoding")
		}
		if _, err := json.Marshal(v.Record()); err != nil {
			t.Fatalf("record does not marshal: %v", err)
		}
		if v.Err != nil && v.Object != nil {
			t.Fatal("both an error and an object")
		}
		if v.Object == nil {
			return
		}
		if !json.Valid(v.Object) {
			t.Fatalf("object is not valid json: %q", v.Object)
		}
		y, err := YAML(v.Object)
		if err != nil {
			t.Fatalf("object does not render as yaml: %v", err)
		}
		back, err := readBack(t, y)
		if err != nil {
			t.Fatalf("yaml does not read back: %v\n%s", err, y)
		}
		if want := string(mustParse(t, string(v.Object)).marshal()); back != want {
			t.Fatalf("yaml reads back as\n%s\nwant\n%s", back, want)
		}
		if _, err := IndentJSON(v.Object); err != nil {
			t.Fatalf("object does not render as json: %v", err)
		}
		if _, err := Export(v.Object); err != nil {
			t.Fatalf("object does not export: %v", err)
		}
		maskSecrets(v.Object)
		foldManagedFields(v.Object)
	})
}

// FuzzDecodeMetadata holds DecodeMetadata to Decode on every real stored
// value, values retyped to kinds this build does not know, and mutations
// of them: the same encoding, type and metadata whenever Decode reads the
// value, the same error whenever DecodeMetadata finds one, and an error
// Decode finds that DecodeMetadata does not only inside a protobuf
// object (whose spec and status it never reads).
func FuzzDecodeMetadata(f *testing.F) {
	kvs, err := fixture.KVs()
	if err != nil {
		f.Fatal(err)
	}
	for i, kv := range kvs {
		f.Add(kv.Key, kv.Value)
		if i%16 == 0 && bytes.HasPrefix(kv.Value, protobufPrefix) {
			f.Add(kv.Key, envelope(f, kv.Value, "route.openshift.io/v1", "Route"))
		}
	}
	f.Add("/k", []byte(`{"apiVersion":"v1","kind":"X","metadata":{"name":"a","name":"b","labels":{"x":"1","x":2}},"metadata":7}`))
	f.Add("/k", []byte("k8s:enc:kms:v1:vault:\x00\x03dekdata"))
	dec := NewDecoder()
	f.Fuzz(func(t *testing.T, key string, value []byte) {
		m := dec.DecodeMetadata(key, value)
		v := dec.Decode(key, value, nil)
		if m.Encoding != v.Encoding {
			t.Fatalf("encoding %s, Decode says %s", m.Encoding, v.Encoding)
		}
		if m.Err != nil {
			if v.Err == nil || v.Err.Error() != m.Err.Error() {
				t.Fatalf("error %q, Decode's %v", m.Err, v.Err)
			}
			return
		}
		if v.Err != nil {
			if v.Encoding != EncodingProtobuf {
				t.Fatalf("no error, Decode's %v", v.Err)
			}
			return
		}
		want := Metadata{Encoding: v.Encoding, Encryption: v.Encryption, APIVersion: v.APIVersion, Kind: v.Kind}
		switch {
		case v.Object != nil:
			want.fromObject(v.APIVersion, v.Kind, v.Object)
		case v.PartialObject != nil:
			want.fromObject(v.APIVersion, v.Kind, v.PartialObject)
		}
		if d := metadataDiff(m, want); d != "" {
			t.Fatal(d)
		}
	})
}
