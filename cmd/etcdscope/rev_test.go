package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/etcdscope/etcdscope/decode/fixture"
)

// TestReadAsOfRevision: every read verb reads as of --rev: ls, get,
// get --prefix, find (its table too) and stats see what was there then.
func TestReadAsOfRevision(t *testing.T) {
	ctx := context.Background()
	cmKey := "/registry/configmaps/revtest/settings"
	cm := fixtureKV(t, configMapKey).Value
	if _, err := testClient.Delete(ctx, "/test/rev/", clientv3.WithPrefix()); err != nil {
		t.Fatal(err)
	}
	txn := func(ops ...clientv3.Op) int64 {
		t.Helper()
		resp, err := testClient.Txn(ctx).Then(ops...).Commit()
		if err != nil {
			t.Fatal(err)
		}
		return resp.Header.Revision
	}
	r1 := txn(clientv3.OpPut("/test/rev/a", "one"), clientv3.OpPut(cmKey, string(cm)))
	r2 := txn(clientv3.OpPut("/test/rev/b", "two"))
	txn(clientv3.OpDelete("/test/rev/a"), clientv3.OpDelete(cmKey))
	at := func(rev int64) string { return fmt.Sprint(rev) }

	lsKeys := func(args ...string) []string {
		t.Helper()
		var entries []lsEntry
		r := etcdscope(t, "", append([]string{"ls", "/test/rev", "-o", "json"}, args...)...).mustSucceed(t)
		if err := json.Unmarshal([]byte(r.stdout), &entries); err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, e := range entries {
			keys = append(keys, e.Key)
		}
		return keys
	}
	if got := lsKeys("--rev", at(r1)); !slices.Equal(got, []string{"/test/rev/a"}) {
		t.Errorf("ls --rev %d: %v", r1, got)
	}
	if got := lsKeys(); !slices.Equal(got, []string{"/test/rev/b"}) {
		t.Errorf("ls now: %v", got)
	}
	keys := etcdscope(t, "", "get", "--prefix", "/test/rev", "--rev", at(r2), "--keys-only").mustSucceed(t)
	if keys.stdout != "/test/rev/a\n/test/rev/b\n" {
		t.Errorf("get --prefix --rev %d --keys-only: %q", r2, keys.stdout)
	}
	vals := etcdscope(t, "", "get", "--prefix", "/test/rev", "--rev", at(r2), "-o", "records").mustSucceed(t)
	if !strings.Contains(vals.stdout, `"value":"one"`) {
		t.Errorf("get --prefix --rev %d: %s", r2, vals.stdout)
	}
	name := etcdscope(t, "", "find", "cm", "-n", "revtest", "--rev", at(r1), "-o", "name").mustSucceed(t)
	if name.stdout != "configmap/app-config\n" { // the name the object holds
		t.Errorf("find --rev %d -o name: %q", r1, name.stdout)
	}
	if now := etcdscope(t, "", "find", "cm", "-n", "revtest", "-o", "name").mustSucceed(t); now.stdout != "" {
		t.Errorf("find now: %q", now.stdout)
	}
	table := etcdscope(t, "", "find", "cm", "-n", "revtest", "--rev", at(r1)).mustSucceed(t)
	if !strings.Contains(table.stdout, "settings") {
		t.Errorf("find table --rev %d:\n%s", r1, table.stdout)
	}
	st := etcdscope(t, "", "stats", "/test/rev/", "--rev", at(r2), "-o", "json").mustSucceed(t)
	res := jsonValue(t, st.stdout).(map[string]any)
	if k := res["totals"].(map[string]any)["keys"]; k != json.Number("2") || res["source"].(map[string]any)["revision"] != json.Number(at(r2)) {
		t.Errorf("stats --rev %d: keys %v, source %v", r2, k, res["source"])
	}

	t.Run("compacted", func(t *testing.T) {
		want := fmt.Sprintf("revision %d has been compacted; the oldest revision still held is %d", compactedKeyRev, compactedKeyRev+1)
		for _, verb := range [][]string{{"ls"}, {"find", "cm"}, {"get", "--prefix", "/test/"}, {"stats"}} {
			etcdscope(t, "", append(verb, "--rev", at(compactedKeyRev))...).mustFail(t, want)
		}
	})
	t.Run("in the future", func(t *testing.T) {
		etcdscope(t, "", "ls", "--rev", "9000000000").mustFail(t, "revision 9000000000 is after the newest revision")
	})
	t.Run("a snapshot", func(t *testing.T) {
		snap := fixture.SnapshotPath()
		then := etcdscope(t, "", "--snapshot", snap, "find", "cm", "-n", "monitoring", "--rev", "906", "-o", "name").mustSucceed(t)
		now := etcdscope(t, "", "--snapshot", snap, "find", "cm", "-n", "monitoring", "-o", "name").mustSucceed(t)
		if !strings.Contains(then.stdout, "configmap/app-config\n") || strings.Contains(now.stdout, "configmap/app-config\n") {
			t.Fatalf("--rev 906:\n%s\nnow:\n%s", then.stdout, now.stdout)
		}
		etcdscope(t, "", "--snapshot", snap, "ls", "--rev", "5000").mustFail(t, "after the newest revision, 1031")
	})
	t.Run("the explorer has it", func(t *testing.T) {
		root := newRootCmd(&app{})
		if f := root.Flags().Lookup("rev"); f == nil || f.Value.Type() != "int64" {
			t.Fatal("the root command has no --rev for the explorer")
		}
	})
}
