package etcdsrc

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// TestDeletedLive replays a live cluster's deletions: keys still gone,
// newest first (one revision's in key order), each with its last value
// and its latest deletion; keys written again and deletions at or below
// the compaction point are left out; Window bounds the replay.
func TestDeletedLive(t *testing.T) {
	l := dial(t, srv)
	ctx := testCtx(t)
	clearPrefix(t, srvCli, "/deleted-test/")
	mustPut(t, srvCli, "/deleted-test/old", "gone before the compaction")
	compact := mustDelete(t, srvCli, "/deleted-test/old")
	if _, err := srvCli.Compact(ctx, compact); err != nil {
		t.Fatal(err)
	}
	mustPut(t, srvCli, "/deleted-test/a", "a1")
	mustPut(t, srvCli, "/deleted-test/b", "b1")
	mustPut(t, srvCli, "/deleted-test/c", "c1")
	mustPut(t, srvCli, "/deleted-test/d1", "d1")
	mustPut(t, srvCli, "/deleted-test/d2", "d2")
	mustPut(t, srvCli, "/outside/a", "x")
	aDel := mustDelete(t, srvCli, "/deleted-test/a")
	mustDelete(t, srvCli, "/deleted-test/b")
	mustPut(t, srvCli, "/deleted-test/b", "b2") // back again
	mustDelete(t, srvCli, "/deleted-test/c")
	mustPut(t, srvCli, "/deleted-test/c", "c2")
	cDel := mustDelete(t, srvCli, "/deleted-test/c")
	mustDelete(t, srvCli, "/outside/a")
	resp, err := srvCli.Delete(ctx, "/deleted-test/d", clientv3.WithPrefix())
	if err != nil {
		t.Fatal(err)
	}
	dDel := resp.Header.Revision

	var got []string
	var calls, lastDone, lastTotal int64
	span, err := Deleted(ctx, l, "/deleted-test/", DeletedOptions{
		Window:   -1,
		Progress: func(done, total int64) { calls++; lastDone, lastTotal = done, total },
	}, func(d Deletion) error {
		if d.Err != nil {
			return d.Err
		}
		got = append(got, fmt.Sprintf("%s@%d=%s", d.Key, d.Revision, d.Last.Value))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		fmt.Sprintf("/deleted-test/d1@%d=d1", dDel),
		fmt.Sprintf("/deleted-test/d2@%d=d2", dDel),
		fmt.Sprintf("/deleted-test/c@%d=c2", cDel),
		fmt.Sprintf("/deleted-test/a@%d=a1", aDel),
	}
	if !slices.Equal(got, want) {
		t.Fatalf("deleted:\n%v\nwant:\n%v", got, want)
	}
	if span.CompactRevision != compact || span.From != compact+1 || span.To < dDel || !span.Complete || span.Found != 4 {
		t.Errorf("span %+v: want from %d (compacted at %d), complete, 4 found", span, compact+1, compact)
	}
	if calls == 0 || lastDone != lastTotal {
		t.Errorf("progress: %d calls, last %d of %d", calls, lastDone, lastTotal)
	}

	got = nil
	span, err = Deleted(ctx, l, "/deleted-test/", DeletedOptions{Window: 1}, func(d Deletion) error {
		got = append(got, d.Key)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []string{"/deleted-test/d1", "/deleted-test/d2"}) || span.Complete || span.From != span.To {
		t.Errorf("Window 1: %v, span %+v", got, span)
	}

	stop := errors.New("enough")
	if _, err := Deleted(ctx, l, "/deleted-test/", DeletedOptions{}, func(Deletion) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("the callback's error did not stop it: %v", err)
	}
}

func TestCheckRevision(t *testing.T) {
	l := dial(t, srv)
	ctx := testCtx(t)
	old := mustPut(t, srvCli, "/check-rev/k", "1")
	now := mustPut(t, srvCli, "/check-rev/k", "2")
	if err := CheckRevision(ctx, l, now); err != nil {
		t.Errorf("the current revision: %v", err)
	}
	if err := CheckRevision(ctx, l, 0); err != nil {
		t.Errorf("revision 0: %v", err)
	}
	if _, err := srvCli.Compact(ctx, now); err != nil {
		t.Fatal(err)
	}
	var ce *CompactedError
	if err := CheckRevision(ctx, l, old); !errors.As(err, &ce) || ce.Compacted != now {
		t.Errorf("a compacted revision: %v", err)
	}
	var fe *FutureRevisionError
	if err := CheckRevision(ctx, l, now+1000); !errors.As(err, &fe) || fe.Newest < now {
		t.Errorf("a future revision: %v", err)
	}
}

// TestSelection follows what the consumer of a selected watch is told.
func TestSelection(t *testing.T) {
	match := func(kv KeyValue) bool { return string(kv.Value) == "yes" }
	kv := func(key, v string) KeyValue { return KeyValue{Key: key, Value: []byte(v), CreateRevision: 1} }
	prev := func(key, v string) *KeyValue { p := kv(key, v); return &p }
	put := func(key, v string, p *KeyValue) Event { return Event{Type: EventPut, KV: kv(key, v), PrevKV: p} }
	del := func(key string, p *KeyValue) Event {
		return Event{Type: EventDelete, KV: KeyValue{Key: key}, PrevKV: p}
	}
	s := NewSelection(match)
	steps := []struct {
		name string
		in   Event
		want string // "" when dropped
	}{
		{"a put that matches", put("/a", "yes", nil), "PUT /a"},
		{"a put that does not", put("/b", "no", nil), ""},
		{"it stops matching", put("/a", "no", prev("/a", "yes")), "DELETE /a unmatched"},
		{"told gone: a delete is not heard", del("/a", prev("/a", "no")), ""},
		{"it matched before the watch", put("/c", "no", prev("/c", "yes")), "DELETE /c unmatched"},
		{"it starts matching", put("/b", "yes", prev("/b", "no")), "PUT /b"},
		{"a relisted key, no longer matching", put("/b", "no", nil), "DELETE /b unmatched"},
		{"a relisted key that matches", put("/d", "yes", nil), "PUT /d"},
		{"a deletion of a key told of, without its value", del("/d", nil), "DELETE /d"},
		{"a deletion of a key that matched before the watch", del("/e", prev("/e", "yes")), "DELETE /e"},
		{"a deletion of a key that never matched", del("/f", prev("/f", "no")), ""},
		{"compaction passes", Event{Type: EventCompacted, Revision: 9}, "COMPACTED "},
	}
	for _, st := range steps {
		ev, ok := s.Filter(st.in)
		got := ""
		if ok {
			got = ev.Type.String() + " " + ev.KV.Key
			if ev.Unmatched {
				got += " unmatched"
				if string(ev.KV.Value) != "no" {
					t.Errorf("%s: an unmatched DELETE carries %q, not the value now", st.name, ev.KV.Value)
				}
			}
		}
		if got != st.want {
			t.Errorf("%s: %q, want %q", st.name, got, st.want)
		}
	}
}
