package decode_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/etcdscope/etcdscope/decode"
	"github.com/etcdscope/etcdscope/decode/fixture"
)

var makeUnknown = flag.Bool("make-unknown", false, "rewrite testdata/unknown-types.jsonl from the fixture")

// unknownTypesPath holds values of types this build does not know, made
// by TestMakeUnknownTypes from real stored objects (see its cases).
var unknownTypesPath = filepath.Join("testdata", "unknown-types.jsonl")

// madeValue is one line of unknownTypesPath.
type madeValue struct {
	Name string `json:"name"`
	// Key is where such a value would be stored.
	Key string `json:"key"`
	// From is the fixture key whose stored object was retyped.
	From       string `json:"from"`
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	// Field1 says what field 1 of the object holds: "metadata" (the
	// object's own), or what replaced it.
	Field1 string `json:"field1"`
	Value  []byte `json:"value"`
}

// field1Cases replace the object's field 1 (a bytes field) to test the
// fallback to the plain dump: none of them is an ObjectMeta.
var field1Cases = map[string][]byte{
	// Bytes that are not a message.
	"garbage": {0xff, 0xff, 0xff, 0x01},
	// A message, but not ObjectMeta's: its field 13 (ownerReferences)
	// is a varint ('h' is field 13, wire type 0).
	"text": []byte("hello world"),
}

// TestMakeUnknownTypes writes unknownTypesPath when run with
// -make-unknown; otherwise it checks the file still says what the
// fixture and these cases make. Each value is a real stored object whose
// runtime.Unknown envelope names another apiVersion and kind, written
// with apimachinery's own Marshal.
func TestMakeUnknownTypes(t *testing.T) {
	kvs, err := fixture.KVs()
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[string][]byte{}
	for _, kv := range kvs {
		byKey[kv.Key] = kv.Value
	}
	cases := []madeValue{
		// OpenShift's Route, auger's most common complaint.
		{Name: "openshift-route", Key: "/registry/routes/shop/web", From: "/registry/services/specs/shop/web", APIVersion: "route.openshift.io/v1", Kind: "Route", Field1: "metadata"},
		// OpenShift's DeploymentConfig.
		{Name: "openshift-deploymentconfig", Key: "/registry/deploymentconfigs/shop/web", From: "/registry/deployments/shop/web", APIVersion: "apps.openshift.io/v1", Kind: "DeploymentConfig", Field1: "metadata"},
		// A version Kubernetes removed: data written by an old API server.
		{Name: "removed-version", Key: "/registry/cronjobs/shop/backup", From: "/registry/cronjobs/shop/backup", APIVersion: "batch/v2alpha1", Kind: "CronJob", Field1: "metadata"},
		{Name: "garbage-field1", Key: "/registry/routes/shop/broken", From: "/registry/configmaps/shop/app-config", APIVersion: "route.openshift.io/v1", Kind: "Route", Field1: "garbage"},
		{Name: "text-field1", Key: "/registry/routes/shop/text", From: "/registry/configmaps/shop/app-config", APIVersion: "route.openshift.io/v1", Kind: "Route", Field1: "text"},
	}
	var out bytes.Buffer
	for _, c := range cases {
		from, ok := byKey[c.From]
		if !ok {
			t.Fatalf("fixture has no %s", c.From)
		}
		c.Value = retype(t, from, c.APIVersion, c.Kind)
		if field1, ok := field1Cases[c.Field1]; ok {
			c.Value = withField1(t, c.Value, field1)
		}
		line, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		out.Write(append(line, '\n'))
	}
	if *makeUnknown {
		if err := os.WriteFile(unknownTypesPath, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	have, err := os.ReadFile(unknownTypesPath)
	if err != nil {
		t.Fatalf("%v (go test ./decode -run TestMakeUnknownTypes -make-unknown makes it)", err)
	}
	if !bytes.Equal(have, out.Bytes()) {
		t.Errorf("%s is not what the fixture makes now; rerun with -make-unknown", unknownTypesPath)
	}
}

// madeValues reads unknownTypesPath.
func madeValues(t *testing.T) []madeValue {
	t.Helper()
	f, err := os.Open(unknownTypesPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []madeValue
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m madeValue
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatal("no made values")
	}
	return out
}

// member returns a top-level member of a JSON object, in its bytes.
func member(t *testing.T, doc []byte, name string) json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(doc, &m); err != nil {
		t.Fatalf("not a JSON object: %v: %s", err, doc)
	}
	return m[name]
}

func TestDecodeUnknownTypes(t *testing.T) {
	kvs, err := fixture.KVs()
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[string]fixture.KV{}
	for _, kv := range kvs {
		byKey[kv.Key] = kv
	}
	dec := decode.NewDecoder()
	for _, mv := range madeValues(t) {
		t.Run(mv.Name, func(t *testing.T) {
			from := byKey[mv.From]
			meta := &decode.KeyMeta{CreateRevision: from.CreateRevision, ModRevision: from.ModRevision, Version: from.Version}
			v := dec.Decode(mv.Key, mv.Value, meta)
			if v.Err != nil || v.Encoding != decode.EncodingProtobuf || v.APIVersion != mv.APIVersion || v.Kind != mv.Kind {
				t.Fatalf("got %s %s %s %v", v.Encoding, v.APIVersion, v.Kind, v.Err)
			}
			if v.IsObject() || v.Object != nil {
				t.Fatal("a type this build does not know decoded as a whole object")
			}
			// The dump is today's: every top-level field, field 1 first.
			if len(v.Fields) < 2 || v.Fields[0].Number != 1 {
				t.Fatalf("fields: %+v", v.Fields)
			}
			rec, err := json.Marshal(v.Record())
			if err != nil {
				t.Fatal(err)
			}
			doc := v.UnknownTypeDocument()
			if !json.Valid(doc) {
				t.Fatalf("document is not JSON: %s", doc)
			}
			if mv.Field1 != "metadata" {
				// Not an ObjectMeta: today's dump, no object, no error.
				if v.IsPartial() || bytes.Contains(rec, []byte(`"object"`)) {
					t.Fatalf("field 1 %s read as metadata: %s", mv.Field1, rec)
				}
				if member(t, doc, "metadata (field 1)") == nil || member(t, doc, "metadata") != nil {
					t.Errorf("document of a field 1 that is not metadata: %s", doc)
				}
				return
			}
			if !v.IsPartial() {
				t.Fatal("no PartialObject")
			}
			// The metadata is the original object's, byte for byte.
			orig := dec.Decode(from.Key, from.Value, meta)
			if got, want := member(t, v.PartialObject, "metadata"), member(t, orig.Object, "metadata"); !bytes.Equal(got, want) || len(got) < 50 {
				t.Errorf("metadata\n got %s\nwant %s", got, want)
			}
			var partial map[string]json.RawMessage
			if err := json.Unmarshal(v.PartialObject, &partial); err != nil || len(partial) != 3 {
				t.Errorf("PartialObject has %d members (%v), want apiVersion, kind, metadata", len(partial), err)
			}
			if !strings.HasPrefix(string(v.PartialObject), `{"apiVersion":"`+mv.APIVersion+`","kind":"`+mv.Kind+`","metadata":{`) {
				t.Errorf("PartialObject starts %.80s", v.PartialObject)
			}
			// The record carries it as "object", beside today's fields.
			if !bytes.Contains(rec, []byte(`"kind":"`+mv.Kind+`","object":{"apiVersion":`)) || !bytes.Contains(rec, []byte(`},"fields":[{"number":1,"wire":"bytes","message":[`)) {
				t.Errorf("record: %.300s", rec)
			}
			// The document: decoded metadata, then the other fields
			// under their conventional names, field 1 not repeated.
			if !bytes.Equal(member(t, doc, "metadata"), member(t, v.PartialObject, "metadata")) ||
				member(t, doc, "spec (field 2)") == nil || member(t, doc, "metadata (field 1)") != nil {
				t.Errorf("document: %.400s", doc)
			}
			if _, err := decode.YAML(doc); err != nil {
				t.Errorf("document does not render as YAML: %v", err)
			}
			// DecodeMetadata reads the same.
			m := dec.DecodeMetadata(mv.Key, mv.Value)
			if !m.IsObject || m.Name == "" || m.Name != dec.DecodeMetadata(from.Key, from.Value).Name {
				t.Errorf("DecodeMetadata: %+v", m)
			}
		})
	}
}

// TestRetypedFixturesKeepTheirMetadata gives every protobuf object of the
// fixture a type this build does not know: each must keep its metadata,
// byte for byte, and DecodeMetadata must agree.
func TestRetypedFixturesKeepTheirMetadata(t *testing.T) {
	kvs, err := fixture.KVs()
	if err != nil {
		t.Fatal(err)
	}
	dec := decode.NewDecoder()
	n := 0
	for _, kv := range kvs {
		if !bytes.HasPrefix(kv.Value, protobufPrefix) {
			continue
		}
		n++
		meta := &decode.KeyMeta{ModRevision: kv.ModRevision}
		orig := dec.Decode(kv.Key, kv.Value, meta)
		value := retype(t, kv.Value, "example.com/v1", "Unknown"+orig.Kind)
		v := dec.Decode(kv.Key, value, meta)
		if v.Err != nil || !v.IsPartial() {
			t.Errorf("%s: %v, partial %v", kv.Key, v.Err, v.IsPartial())
			continue
		}
		if got, want := member(t, v.PartialObject, "metadata"), member(t, orig.Object, "metadata"); !bytes.Equal(got, want) {
			t.Errorf("%s: metadata\n got %s\nwant %s", kv.Key, got, want)
		}
		if d := decode.MetadataDiff(dec.DecodeMetadata(kv.Key, value), metadataOf(t, dec.Decode(kv.Key, value, nil))); d != "" {
			t.Errorf("%s: DecodeMetadata: %s", kv.Key, d)
		}
	}
	if n < 500 {
		t.Errorf("retyped %d protobuf values, want the fixture's 600 or so", n)
	}
}
