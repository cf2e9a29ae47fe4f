package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/etcdscope/etcdscope/decode/fixture"
)

const (
	podKey       = "/registry/pods/coverage/pod1"
	configMapKey = "/registry/configmaps/shop/app-config"
)

func TestDecodeForms(t *testing.T) {
	kv := fixtureKV(t, podKey)
	want := expectedObject(t, podKey)
	delete(want["metadata"].(map[string]any), "resourceVersion") // a bare value has no revision

	t.Run("json is the object alone", func(t *testing.T) {
		r := etcdscope(t, string(kv.Value), "decode", "-o", "json").mustSucceed(t)
		if got := jsonValue(t, r.stdout); !reflect.DeepEqual(got, any(want)) {
			t.Fatalf("decode -o json differs from the served object:\n%s", r.stdout)
		}
	})
	t.Run("trailing newline from etcdctl is tolerated", func(t *testing.T) {
		r := etcdscope(t, string(kv.Value)+"\n", "decode", "-o", "json").mustSucceed(t)
		if got := jsonValue(t, r.stdout); !reflect.DeepEqual(got, any(want)) {
			t.Fatalf("decode of value+newline differs:\n%s", r.stdout)
		}
	})
	t.Run("records carry the key and no revisions", func(t *testing.T) {
		r := etcdscope(t, string(kv.Value), "decode", "-o", "records", "--etcd-key", podKey).mustSucceed(t)
		rec := jsonValue(t, r.stdout).(map[string]any)
		if rec["key"] != podKey || rec["encoding"] != "protobuf" || rec["kind"] != "Pod" || rec["apiVersion"] != "v1" {
			t.Fatalf("record: %s", r.stdout)
		}
		if _, ok := rec["modRevision"]; ok {
			t.Fatalf("a decoded file has no revisions: %s", r.stdout)
		}
		if strings.Count(r.stdout, "\n") != 1 {
			t.Fatalf("records are one line each: %q", r.stdout)
		}
	})
	t.Run("raw is the stored bytes", func(t *testing.T) {
		r := etcdscope(t, string(kv.Value), "decode", "-o", "raw").mustSucceed(t)
		if r.stdout != string(kv.Value) {
			t.Fatal("decode -o raw changed the bytes")
		}
	})
	t.Run("yaml from a file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "value.bin")
		if err := os.WriteFile(path, kv.Value, 0o600); err != nil {
			t.Fatal(err)
		}
		r := etcdscope(t, "", "decode", "-o", "yaml", path).mustSucceed(t)
		if !strings.Contains(r.stdout, "kind: Pod\n") || !strings.Contains(r.stdout, "name: pod1\n") {
			t.Fatalf("yaml:\n%s", r.stdout)
		}
	})
	t.Run("truncated protobuf is an error", func(t *testing.T) {
		etcdscope(t, string(kv.Value[:len(kv.Value)/2]), "decode").mustFail(t, "decode")
	})
	t.Run("text and binary are valid reads", func(t *testing.T) {
		r := etcdscope(t, "hello etcd", "decode", "-o", "records").mustSucceed(t)
		if rec := jsonValue(t, r.stdout).(map[string]any); rec["encoding"] != "text" || rec["value"] != "hello etcd" {
			t.Fatalf("text record: %s", r.stdout)
		}
		r = etcdscope(t, "\x00\x01\xff", "decode", "-o", "records").mustSucceed(t)
		if rec := jsonValue(t, r.stdout).(map[string]any); rec["encoding"] != "binary" || rec["valueBase64"] != "AAH/" {
			t.Fatalf("binary record: %s", r.stdout)
		}
	})
	t.Run("unknown output format", func(t *testing.T) {
		etcdscope(t, "x", "decode", "-o", "xml").mustFail(t, "unknown output format")
	})
}

func TestLs(t *testing.T) {
	kvs, err := fixture.KVs()
	if err != nil {
		t.Fatal(err)
	}
	wantCount := map[string]int64{}
	for _, kv := range kvs {
		wantCount[strings.Split(kv.Key, "/")[2]]++
	}
	r := etcdscope(t, "", "ls", "/registry", "-o", "json").mustSucceed(t)
	var entries []lsEntry
	if err := json.Unmarshal([]byte(r.stdout), &entries); err != nil {
		t.Fatalf("ls -o json: %v\n%s", err, r.stdout)
	}
	if len(entries) != len(wantCount) {
		t.Fatalf("ls /registry: %d children, want %d", len(entries), len(wantCount))
	}
	for _, e := range entries {
		if e.Leaf || e.Key != "/registry/"+e.Name+"/" || e.Count != wantCount[e.Name] {
			t.Errorf("entry %+v: want a directory with %d keys", e, wantCount[e.Name])
		}
	}
	again := etcdscope(t, "", "ls", "/registry/", "-o", "json").mustSucceed(t)
	if again.stdout != r.stdout {
		t.Fatal("ls /registry and ls /registry/ differ")
	}
	leaves := etcdscope(t, "", "ls", "/registry/namespaces", "-o", "json").mustSucceed(t)
	if !strings.Contains(leaves.stdout, `"key": "/registry/namespaces/shop"`) || !strings.Contains(leaves.stdout, `"leaf": true`) {
		t.Fatalf("ls of leaves:\n%s", leaves.stdout)
	}
	leaf := etcdscope(t, "", "ls", podKey).mustSucceed(t)
	if !strings.Contains(leaf.stderr, "etcdscope get "+podKey) {
		t.Fatalf("ls of a key gives no hint to get it: %q", leaf.stderr)
	}
	table := etcdscope(t, "", "ls", "/registry").mustSucceed(t)
	if !strings.Contains(table.stdout, "deployments/") || !strings.Contains(table.stdout, "apps/v1 Deployment") {
		t.Fatalf("readable ls:\n%s", table.stdout)
	}
}

func TestGet(t *testing.T) {
	resp, err := testClient.Get(context.Background(), podKey)
	if err != nil || len(resp.Kvs) != 1 {
		t.Fatalf("get %s: %v", podKey, err)
	}
	modRev := resp.Kvs[0].ModRevision
	want := expectedObject(t, podKey)
	want["metadata"].(map[string]any)["resourceVersion"] = strconv.FormatInt(modRev, 10)

	t.Run("json is the served object with the live resourceVersion", func(t *testing.T) {
		r := etcdscope(t, "", "get", podKey, "-o", "json").mustSucceed(t)
		if got := jsonValue(t, r.stdout); !reflect.DeepEqual(got, any(want)) {
			t.Fatalf("get -o json:\n%s", r.stdout)
		}
	})
	t.Run("records carry revisions", func(t *testing.T) {
		r := etcdscope(t, "", "get", podKey, "-o", "records").mustSucceed(t)
		rec := jsonValue(t, r.stdout).(map[string]any)
		if rec["modRevision"] != json.Number(strconv.FormatInt(modRev, 10)) || rec["version"] != json.Number("1") {
			t.Fatalf("record: %s", r.stdout)
		}
	})
	t.Run("export strips server fields", func(t *testing.T) {
		r := etcdscope(t, "", "get", podKey, "--export", "-o", "json").mustSucceed(t)
		obj := jsonValue(t, r.stdout).(map[string]any)
		meta := obj["metadata"].(map[string]any)
		for _, f := range []string{"resourceVersion", "uid", "creationTimestamp", "managedFields", "generation"} {
			if _, ok := meta[f]; ok {
				t.Errorf("--export kept metadata.%s", f)
			}
		}
		if _, ok := obj["status"]; ok {
			t.Error("--export kept status")
		}
		if meta["name"] != "pod1" || obj["spec"] == nil {
			t.Errorf("--export lost what a re-create needs: %s", r.stdout)
		}
	})
	t.Run("missing key names the key", func(t *testing.T) {
		etcdscope(t, "", "get", "/registry/pods/nowhere/nothing").mustFail(t, "/registry/pods/nowhere/nothing")
	})
	t.Run("compacted revision", func(t *testing.T) {
		etcdscope(t, "", "get", "/test/compacted/a", "--rev", strconv.FormatInt(compactedKeyRev, 10)).mustFail(t, "compacted")
	})
	t.Run("older revision", func(t *testing.T) {
		h := etcdscope(t, "", "history", "/test/history/k", "-o", "json").mustSucceed(t)
		revs := jsonValue(t, h.stdout).([]any)
		oldest := revs[len(revs)-1].(map[string]any)
		r := etcdscope(t, "", "get", "/test/history/k", "--rev", string(oldest["modRevision"].(json.Number)), "-o", "raw").mustSucceed(t)
		if r.stdout != "first" {
			t.Fatalf("get --rev: %q, want first", r.stdout)
		}
	})
}

func TestGetPrefix(t *testing.T) {
	kvs, err := fixture.KVs()
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, kv := range kvs {
		if strings.HasPrefix(kv.Key, "/registry/configmaps/") {
			want = append(want, kv.Key)
		}
	}
	r := etcdscope(t, "", "get", "--prefix", "/registry/configmaps", "-o", "json").mustSucceed(t)
	list := jsonValue(t, r.stdout).(map[string]any)
	items := list["items"].([]any)
	if list["kind"] != "List" || list["apiVersion"] != "v1" || len(items) != len(want) {
		t.Fatalf("List of %d items, want %d", len(items), len(want))
	}
	for i, it := range items {
		meta := it.(map[string]any)["metadata"].(map[string]any)
		if key := "/registry/configmaps/" + meta["namespace"].(string) + "/" + meta["name"].(string); key != want[i] {
			t.Fatalf("item %d is %s, want %s (key order)", i, key, want[i])
		}
	}
	rec := etcdscope(t, "", "get", "--prefix", "/registry/configmaps/", "-o", "records").mustSucceed(t)
	if n := strings.Count(rec.stdout, "\n"); n != len(want) {
		t.Fatalf("%d records, want %d", n, len(want))
	}
	y := etcdscope(t, "", "get", "--prefix", "/registry/configmaps/", "-o", "yaml").mustSucceed(t)
	if !strings.HasPrefix(y.stdout, "apiVersion: v1\nkind: List\nitems:\n- ") {
		t.Fatalf("yaml List:\n%.300s", y.stdout)
	}
	mixed := etcdscope(t, "", "get", "--prefix", "/test/", "-o", "json").mustSucceed(t)
	if !strings.Contains(mixed.stderr, "not Kubernetes objects") {
		t.Fatalf("non-objects left out without a word: %q", mixed.stderr)
	}
}

func TestHistory(t *testing.T) {
	r := etcdscope(t, "", "history", "/test/history/k", "-o", "json").mustSucceed(t)
	revs := jsonValue(t, r.stdout).([]any)
	var got []string
	for _, rv := range revs {
		m := rv.(map[string]any)
		if m["deleted"] == true {
			got = append(got, "<deleted>")
		} else {
			got = append(got, m["value"].(string))
		}
	}
	want := []string{"again", "<deleted>", "third", "second", "first"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("history newest first: %v, want %v", got, want)
	}
	readable := etcdscope(t, "", "history", "/test/history/k").mustSucceed(t)
	if !strings.Contains(readable.stdout, "-second") || !strings.Contains(readable.stdout, "+third") || !strings.Contains(readable.stdout, "deleted") {
		t.Fatalf("readable history lacks diffs:\n%s", readable.stdout)
	}
}

func TestWatch(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &syncBuffer{}
	done := make(chan result, 1)
	go func() { done <- etcdscopeCtx(t, ctx, "", out, "watch", "/test/watch", "-o", "records") }()

	// The watch may not be registered yet: write again until a PUT shows.
	sawPut := func() bool { return strings.Contains(out.String(), `"type":"PUT"`) }
	for i := 0; !sawPut(); i++ {
		if i == 50 {
			t.Fatal("watch printed no PUT")
		}
		if _, err := testClient.Put(ctx, "/test/watch/a", fmt.Sprint(i)); err != nil {
			t.Fatal(err)
		}
		eventually(200*time.Millisecond, sawPut)
	}
	if _, err := testClient.Delete(ctx, "/test/watch/a"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the DELETE event", func() bool { return strings.Contains(out.String(), `"type":"DELETE"`) })
	cancel()
	r := <-done
	if r.code != 0 {
		t.Fatalf("watch ended with %d on interrupt: %s", r.code, r.stderr)
	}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		ev := jsonValue(t, line).(map[string]any)
		if ev["type"] == "DELETE" && ev["prevRecord"] == nil {
			t.Errorf("DELETE without prevRecord: %s", line)
		}
		if ev["revision"] == nil || ev["record"] == nil {
			t.Errorf("event lacks revision or record: %s", line)
		}
	}
}

func TestFind(t *testing.T) {
	t.Run("short name across namespaces", func(t *testing.T) {
		r := etcdscope(t, "", "find", "deploy", "-o", "json").mustSucceed(t)
		items := jsonValue(t, r.stdout).(map[string]any)["items"].([]any)
		if len(items) != 4 {
			t.Fatalf("find deploy: %d items, want 4", len(items))
		}
		for _, it := range items {
			if it.(map[string]any)["kind"] != "Deployment" {
				t.Fatalf("find deploy returned %v", it.(map[string]any)["kind"])
			}
		}
	})
	t.Run("one namespace", func(t *testing.T) {
		r := etcdscope(t, "", "find", "cm", "-n", "shop", "-o", "records").mustSucceed(t)
		for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
			if !strings.Contains(line, `"key":"/registry/configmaps/shop/`) {
				t.Fatalf("find cm -n shop: %s", line)
			}
		}
	})
	t.Run("custom resources by CRD name", func(t *testing.T) {
		r := etcdscope(t, "", "find", "foos.cr.bar.com", "-o", "records").mustSucceed(t)
		if n := strings.Count(r.stdout, "\n"); n != 6 {
			t.Fatalf("find foos.cr.bar.com: %d records, want 6", n)
		}
	})
	t.Run("table", func(t *testing.T) {
		r := etcdscope(t, "", "find", "Secret").mustSucceed(t)
		if !strings.HasPrefix(r.stdout, "NAMESPACE") || !strings.Contains(r.stdout, "shop") {
			t.Fatalf("find table:\n%s", r.stdout)
		}
	})
	t.Run("unknown kind", func(t *testing.T) {
		etcdscope(t, "", "find", "nosuchthing").mustFail(t, "nosuchthing")
	})
}

func TestSnapshotFlag(t *testing.T) {
	live := etcdscope(t, "", "ls", "/registry/pods", "-o", "json").mustSucceed(t)
	snap := etcdscope(t, "", "--snapshot", fixture.SnapshotPath(), "ls", "/registry/pods", "-o", "json").mustSucceed(t)
	if live.stdout != snap.stdout {
		t.Fatalf("snapshot and live listings of the same data differ:\n%s\n%s", live.stdout, snap.stdout)
	}
	etcdscope(t, "", "--snapshot", fixture.SnapshotPath(), "watch", "/registry/").mustFail(t, "snapshot")
}

func TestConnectionErrors(t *testing.T) {
	etcdscope(t, "", "--endpoints", "127.0.0.1:1", "--dial-timeout", "300ms", "ls").mustFail(t, "127.0.0.1:1")
	etcdscope(t, "", "--consistency", "x", "ls").mustFail(t, "--consistency")
	serial := etcdscope(t, "", "--consistency", "s", "get", podKey, "-o", "records").mustSucceed(t)
	if !strings.Contains(serial.stdout, `"kind":"Pod"`) {
		t.Fatalf("serializable get: %s", serial.stdout)
	}
}
