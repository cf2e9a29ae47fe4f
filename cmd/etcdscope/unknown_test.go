package main

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// madeUnknown returns a value of a type this build does not know from
// decode's testdata (made there from a fixture object; see
// decode/unknown_test.go).
func madeUnknown(t *testing.T, name string) []byte {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "decode", "testdata", "unknown-types.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m struct {
			Name  string `json:"name"`
			Value []byte `json:"value"`
		}
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		if m.Name == name {
			return m.Value
		}
	}
	t.Fatalf("no made value %s", name)
	return nil
}

// TestUnknownTypeIsPrintedAsItsRecord: a type this build does not know
// has only its metadata decoded, so -o json and -o yaml print the record
// (with that metadata as "object" and the raw fields), never the partial
// object alone.
func TestUnknownTypeIsPrintedAsItsRecord(t *testing.T) {
	route := madeUnknown(t, "openshift-route")
	checkRecord := func(t *testing.T, rec map[string]any) {
		t.Helper()
		obj, _ := rec["object"].(map[string]any)
		md, _ := obj["metadata"].(map[string]any)
		if rec["encoding"] != "protobuf" || rec["kind"] != "Route" || md["name"] != "web" || md["namespace"] != "shop" {
			t.Fatalf("record: %v", rec)
		}
		if fields, _ := rec["fields"].([]any); len(fields) < 3 {
			t.Fatalf("record fields: %v", rec["fields"])
		}
	}
	t.Run("decode -o json", func(t *testing.T) {
		r := etcdscope(t, string(route), "decode", "-o", "json").mustSucceed(t)
		checkRecord(t, jsonValue(t, r.stdout).(map[string]any))
	})
	t.Run("decode -o yaml", func(t *testing.T) {
		r := etcdscope(t, string(route), "decode", "-o", "yaml").mustSucceed(t)
		if !strings.HasPrefix(r.stdout, "encoding: protobuf\napiVersion: route.openshift.io/v1\nkind: Route\nobject:\n") || !strings.Contains(r.stdout, "\nfields:\n") {
			t.Fatalf("decode -o yaml:\n%.400s", r.stdout)
		}
	})
	t.Run("get -o json", func(t *testing.T) {
		const key = "/test/unknown/routes/shop/web"
		if _, err := testClient.Put(context.Background(), key, string(route)); err != nil {
			t.Fatal(err)
		}
		r := etcdscope(t, "", "get", key, "-o", "json").mustSucceed(t)
		rec := jsonValue(t, r.stdout).(map[string]any)
		checkRecord(t, rec)
		if rec["key"] != key || rec["modRevision"] == nil {
			t.Fatalf("record of get: %v", rec)
		}
	})
	t.Run("field 1 not metadata", func(t *testing.T) {
		r := etcdscope(t, string(madeUnknown(t, "garbage-field1")), "decode", "-o", "json").mustSucceed(t)
		rec := jsonValue(t, r.stdout).(map[string]any)
		if _, ok := rec["object"]; ok || rec["kind"] != "Route" || rec["fields"] == nil {
			t.Fatalf("record: %v", rec)
		}
	})
}
