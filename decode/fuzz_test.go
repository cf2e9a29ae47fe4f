package decode

import (
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
