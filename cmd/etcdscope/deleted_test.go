package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/etcdscope/etcdscope/decode"
	"github.com/etcdscope/etcdscope/decode/fixture"
	"github.com/etcdscope/etcdscope/etcdsrc/snapshot"
)

// TestDeletedSnapshot: from a snapshot, deleted lists every key whose last
// revision is a deletion, newest first, with the last value as get --rev
// reads it, and a readable command that brings each back.
func TestDeletedSnapshot(t *testing.T) {
	ctx := context.Background()
	path := fixture.SnapshotPath()
	snap, err := snapshot.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	err = snap.KeyHistories(ctx, "/registry/", func(h snapshot.KeyHistory) error {
		if !h.Live {
			want = append(want, h.Key)
		}
		return nil
	})
	snap.Close()
	if err != nil || len(want) == 0 {
		t.Fatalf("the fixture's deleted keys: %v, %v", want, err)
	}

	r := etcdscope(t, "", "--snapshot", path, "deleted", "-o", "json").mustSucceed(t)
	list := jsonValue(t, r.stdout).(map[string]any)
	if list["complete"] != true || list["fromRevision"] != jsonNumber(1) || list["toRevision"] != jsonNumber(1031) {
		t.Fatalf("span: %v", list)
	}
	var got []string
	last := int64(1 << 62)
	writes := 0
	for _, it := range list["deleted"].([]any) {
		e := it.(map[string]any)
		key := e["key"].(string)
		got = append(got, key)
		rev := number(t, e["revision"])
		if rev > last || number(t, e["readRevision"]) != rev-1 {
			t.Fatalf("%s: revision %d after %d, read at %v", key, rev, last, e["readRevision"])
		}
		last = rev
		back := etcdscope(t, "", "--snapshot", path, "get", key, "--rev", fmt.Sprint(rev-1), "-o", "records").mustSucceed(t)
		rec := jsonValue(t, back.stdout)
		if fmt.Sprint(rec) != fmt.Sprint(e["record"]) {
			t.Fatalf("%s: the record differs from get --rev %d:\n%v\n%v", key, rev-1, e["record"], rec)
		}
		if e["timeSource"] == "lastWrite" {
			writes++
			meta := e["record"].(map[string]any)["object"].(map[string]any)["metadata"].(map[string]any)
			var latest string
			for _, m := range meta["managedFields"].([]any) {
				latest = max(latest, m.(map[string]any)["time"].(string))
			}
			if e["time"] != latest {
				t.Fatalf("%s: time %v, the last managedFields time is %s", key, e["time"], latest)
			}
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("deleted keys:\n%v\nwant:\n%v", got, want)
	}
	if writes == 0 {
		t.Fatal("no deletion was timed by its last write")
	}
	if !strings.Contains(r.stderr, "all the history (never compacted)") {
		t.Fatalf("stderr does not say how far back it looked: %q", r.stderr)
	}

	readable := etcdscope(t, "", "--snapshot", path, "deleted", "/registry/configmaps/shop").mustSucceed(t)
	var commands []string
	for _, l := range lines(readable.stdout) {
		if c := strings.TrimSpace(l); strings.HasPrefix(c, "etcdscope ") {
			commands = append(commands, c)
		}
	}
	if len(commands) != 3 {
		t.Fatalf("want a command for each of the 3 deleted configmaps:\n%s", readable.stdout)
	}
	for _, c := range commands {
		out := etcdscope(t, "", strings.Fields(c)[1:]...).mustSucceed(t)
		if !strings.Contains(out.stdout, "kind: ConfigMap\n") || strings.Contains(out.stdout, "resourceVersion") {
			t.Fatalf("%s did not give the ConfigMap back for kubectl create:\n%s", c, out.stdout)
		}
	}
}

// TestDeletedLive: from a live cluster, the deletions etcd still holds are
// replayed; a key written again since is not listed; --window bounds how
// far back it looks and says so.
func TestDeletedLive(t *testing.T) {
	ctx := context.Background()
	pod := string(fixtureKV(t, podKey).Value)
	if _, err := testClient.Delete(ctx, "/test/del/", clientv3.WithPrefix()); err != nil {
		t.Fatal(err)
	}
	for _, op := range []clientv3.Op{
		clientv3.OpPut("/test/del/a", pod), clientv3.OpPut("/test/del/b", "bee"), clientv3.OpPut("/test/del/c", "sea"),
		clientv3.OpDelete("/test/del/a"), clientv3.OpDelete("/test/del/b"), clientv3.OpPut("/test/del/b", "again"),
		clientv3.OpDelete("/test/del/c"),
	} {
		if _, err := testClient.Do(ctx, op); err != nil {
			t.Fatal(err)
		}
	}
	r := etcdscope(t, "", "deleted", "/test/del", "-o", "records").mustSucceed(t)
	var got []string
	for _, l := range lines(r.stdout) {
		e := jsonValue(t, l).(map[string]any)
		rec := e["record"].(map[string]any)
		got = append(got, fmt.Sprintf("%s %v%v", e["key"], rec["kind"], rec["value"]))
	}
	want := []string{"/test/del/c <nil>sea", "/test/del/a Pod<nil>"}
	if !slices.Equal(got, want) {
		t.Fatalf("deleted:\n%v\nwant:\n%v", got, want)
	}
	compacted := fmt.Sprintf("all the history held (compacted at %d", compactedKeyRev+1)
	if !strings.Contains(r.stderr, compacted) {
		t.Fatalf("stderr %q does not say %q", r.stderr, compacted)
	}

	recent := etcdscope(t, "", "deleted", "/test/del", "--window", "2").mustSucceed(t)
	if !strings.Contains(recent.stdout, "/test/del/c") || strings.Contains(recent.stdout, "/test/del/a") || !strings.Contains(recent.stderr, "the last 2; history goes back") {
		t.Fatalf("--window 2:\n%s\n%s", recent.stdout, recent.stderr)
	}
	var command string
	for _, l := range lines(recent.stdout) {
		if c := strings.TrimSpace(l); strings.HasPrefix(c, "etcdscope get") {
			command = c
		}
	}
	back := etcdscope(t, "", strings.Fields(command)[1:]...).mustSucceed(t)
	if back.stdout != "sea" {
		t.Fatalf("%s: %q", command, back.stdout)
	}
	etcdscope(t, "", "deleted", "--window", "-1").mustFail(t, "--window")
}

// number reads a JSON number as an int64.
func number(t *testing.T, v any) int64 {
	t.Helper()
	n, err := v.(interface{ Int64() (int64, error) }).Int64()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// jsonNumber is n as jsonValue reads it.
func jsonNumber(n int64) any { return json.Number(fmt.Sprint(n)) }

func TestDeletionTime(t *testing.T) {
	obj := func(meta string) decode.Value {
		return decode.Value{Object: json.RawMessage(`{"apiVersion":"v1","kind":"Pod","metadata":` + meta + `}`)}
	}
	cases := []struct {
		name, meta   string
		want, source string
	}{
		{"graceful deletion", `{"creationTimestamp":"2026-01-01T00:00:00Z","deletionTimestamp":"2026-01-02T00:00:30Z","deletionGracePeriodSeconds":30,
			"managedFields":[{"manager":"kubelet","time":"2026-01-01T12:00:00Z"}]}`, "2026-01-02T00:00:00Z", timeDeletionRequested},
		{"a write after the deletion was asked (a finalizer removed)", `{"deletionTimestamp":"2026-01-02T00:00:00Z","deletionGracePeriodSeconds":0,
			"managedFields":[{"manager":"a","time":"2026-01-01T00:00:00Z"},{"manager":"b","time":"2026-01-03T00:00:00Z"}]}`, "2026-01-03T00:00:00Z", timeLastWrite},
		{"only created", `{"creationTimestamp":"2026-01-01T00:00:00Z"}`, "2026-01-01T00:00:00Z", timeCreated},
		{"nothing tells", `{"name":"x"}`, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			at, source := deletionTime(obj(c.meta))
			got := ""
			if !at.IsZero() {
				got = at.UTC().Format(time.RFC3339)
			}
			if got != c.want || source != c.source {
				t.Fatalf("%s from %s, want %s from %s", got, source, c.want, c.source)
			}
		})
	}
	if at, _ := deletionTime(decode.Value{Text: "plain"}); !at.IsZero() {
		t.Fatal("a text value told a time")
	}
}
