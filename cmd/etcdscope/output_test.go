package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/etcdscope/etcdscope/decode"
	"github.com/etcdscope/etcdscope/decode/fixture"
)

// historySections splits readable history into its sections, keyed by
// their "=== revision" heading, each with the lines that follow it.
func historySections(t *testing.T, out string) ([]string, map[string][]string) {
	t.Helper()
	var heads []string
	body := map[string][]string{}
	for l := range strings.Lines(out) {
		l = strings.TrimSuffix(l, "\n")
		if strings.HasPrefix(l, "=== ") {
			heads = append(heads, l)
			continue
		}
		if len(heads) == 0 {
			t.Fatalf("history starts with %q, not a revision heading", l)
		}
		body[heads[len(heads)-1]] = append(body[heads[len(heads)-1]], l)
	}
	return heads, body
}

// changes keeps the added and removed lines of a diff.
func changes(lines []string) []string {
	var out []string
	for _, l := range lines {
		if (strings.HasPrefix(l, "-") || strings.HasPrefix(l, "+")) && !strings.HasPrefix(l, "--- ") && !strings.HasPrefix(l, "+++ ") {
			out = append(out, l)
		}
	}
	return out
}

// TestHistoryDiffLines reads the fixture ConfigMap's six revisions from
// the snapshot, as the API server wrote them, and checks the lines of
// each diff, not only that there is one.
func TestHistoryDiffLines(t *testing.T) {
	key := "/registry/configmaps/shop/app-config"
	r := etcdscope(t, "", "--snapshot", fixture.SnapshotPath(), "history", key).mustSucceed(t)
	heads, body := historySections(t, r.stdout)
	want := []string{
		"=== revision 883: version 6 (created at 614)", "=== revision 874: version 5 (created at 614)",
		"=== revision 865: version 4 (created at 614)", "=== revision 856: version 3 (created at 614)",
		"=== revision 847: version 2 (created at 614)", "=== revision 614: version 1 (created at 614)",
	}
	if !reflect.DeepEqual(heads, want) {
		t.Fatalf("headings\n%q\nwant\n%q", heads, want)
	}
	revs := []int{883, 874, 865, 856, 847}
	for i, h := range heads[:4] {
		n := 5 - i // the data's own revision counter
		wantDiff := []string{
			fmt.Sprintf("--- revision %d", revs[i+1]), fmt.Sprintf("+++ revision %d", revs[i]),
			"@@ -36,8 +36,8 @@", " data:", "   app.properties: |", "     log.level=debug",
			fmt.Sprintf("-    rev=%d", n-1), fmt.Sprintf("+    rev=%d", n),
			fmt.Sprintf("-  revision: \"%d\"", n-1), fmt.Sprintf("+  revision: \"%d\"", n),
			"   unicode: héllo wörld ✓ 日本語", " binaryData:", "   blob.bin: AAECAwQFBgcICQ==",
		}
		if !reflect.DeepEqual(body[h], wantDiff) {
			t.Errorf("%s:\n%s\nwant\n%s", h, strings.Join(body[h], "\n"), strings.Join(wantDiff, "\n"))
		}
	}
	// Version 2 added a managedFields entry for the new writer and the data.
	second := changes(body[heads[4]])
	for _, l := range []string{"+  - manager: lab-history", "+        f:revision: {}", "+  revision: \"1\""} {
		if !contains(second, l) {
			t.Errorf("%s lacks %q among its changes %q", heads[4], l, second)
		}
	}
	// The oldest in full, and no revision's resourceVersion anywhere: it
	// changes every time and would fill every diff.
	oldest := strings.Join(body[heads[5]], "\n")
	if !strings.HasPrefix(oldest, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-config\n") {
		t.Errorf("oldest revision is not the object:\n%s", oldest)
	}
	if strings.Contains(r.stdout, "resourceVersion") {
		t.Errorf("history shows resourceVersion:\n%s", r.stdout)
	}

	text := etcdscope(t, "", "history", "/test/history/k").mustSucceed(t)
	heads, body = historySections(t, text.stdout)
	var got []string
	for _, h := range heads {
		got = append(got, changes(body[h])...)
	}
	if wantText := []string{"+again", "-third", "-second", "+third", "-first", "+second"}; !reflect.DeepEqual(got, wantText) {
		t.Errorf("text history changes %q, want %q:\n%s", got, wantText, text.stdout)
	}
	if last := body[heads[len(heads)-1]]; !reflect.DeepEqual(last, []string{"first"}) {
		t.Errorf("oldest text revision %q, want first in full", last)
	}
}

func contains(lines []string, s string) bool {
	for _, l := range lines {
		if l == s {
			return true
		}
	}
	return false
}

// liveValues decodes what the test etcd holds under prefix, as a
// reference the CLI's bytes are held to.
func liveValues(t *testing.T, prefix string) []decode.Value {
	t.Helper()
	resp, err := testClient.Get(context.Background(), prefix, clientv3.WithPrefix())
	if err != nil {
		t.Fatal(err)
	}
	dec := decode.NewDecoder()
	var out []decode.Value
	for _, kv := range resp.Kvs {
		meta := &decode.KeyMeta{CreateRevision: kv.CreateRevision, ModRevision: kv.ModRevision, Version: kv.Version, Lease: kv.Lease}
		out = append(out, dec.Decode(string(kv.Key), kv.Value, meta))
	}
	return out
}

// indented is json.Indent with kubectl's four spaces and a final newline.
func indented(t *testing.T, compact []byte) string {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Indent(&buf, compact, "", "    "); err != nil {
		t.Fatal(err)
	}
	return buf.String() + "\n"
}

// TestMachineOutputBytes holds -o json and -o yaml of get and get
// --prefix to their definitions, byte for byte: a single object as
// encoding/json writes it indented (kubectl's -o json, which escapes <, >
// and &), a List with the objects as stored, and YAML as decode.YAML
// writes it.
func TestMachineOutputBytes(t *testing.T) {
	// vap1 holds a "<=", which kubectl's encoder writes as \u003c=.
	for _, key := range []string{podKey, "/registry/configmaps/shop/app-config", "/registry/validatingadmissionpolicies/vap1"} {
		v := liveValues(t, key)[0]
		raw, err := json.Marshal(v.Object)
		if err != nil {
			t.Fatal(err)
		}
		if got := etcdscope(t, "", "get", key, "-o", "json").mustSucceed(t).stdout; got != indented(t, raw) {
			t.Errorf("get %s -o json:\n%s\nwant\n%s", key, got, indented(t, raw))
		}
		want, err := decode.YAML(v.Object)
		if err != nil {
			t.Fatal(err)
		}
		if got := etcdscope(t, "", "get", key, "-o", "yaml").mustSucceed(t).stdout; got != string(want) {
			t.Errorf("get %s -o yaml:\n%s\nwant\n%s", key, got, want)
		}
	}
	for _, prefix := range []string{"/registry/configmaps/", "/registry/pods/shop/"} {
		for _, export := range []bool{false, true} {
			var items [][]byte
			for _, v := range liveValues(t, prefix) {
				obj := v.Object
				if export {
					var err error
					if obj, err = decode.Export(obj); err != nil {
						t.Fatal(err)
					}
				}
				items = append(items, obj)
			}
			list := []byte(`{"apiVersion":"v1","kind":"List","items":[` + string(bytes.Join(items, []byte(","))) + `]}`)
			args := []string{"get", "--prefix", prefix}
			if export {
				args = append(args, "--export")
			}
			if got := etcdscope(t, "", append(args, "-o", "json")...).mustSucceed(t).stdout; got != indented(t, list) {
				t.Errorf("%v -o json differs from the List indented:\n%.2000s", args, got)
			}
			want, err := decode.YAML(list)
			if err != nil {
				t.Fatal(err)
			}
			if got := etcdscope(t, "", append(args, "-o", "yaml")...).mustSucceed(t).stdout; got != string(want) {
				t.Errorf("%v -o yaml differs from the List as YAML:\n%.2000s", args, got)
			}
		}
	}
}
