package etcdsrc

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	clientv3 "go.etcd.io/etcd/client/v3"
)

func asCompacted(err error, ce **CompactedError) bool {
	return errors.Is(err, ErrCompacted) && errors.As(err, ce)
}

func TestGet(t *testing.T) {
	l := dial(t, srv)
	ctx := testCtx(t)
	clearPrefix(t, srvCli, "/get/")
	lease, err := srvCli.Grant(ctx, 300)
	if err != nil {
		t.Fatal(err)
	}
	create := mustPut(t, srvCli, "/get/leased", "one", clientv3.WithLease(lease.ID))
	mod := mustPut(t, srvCli, "/get/leased", "two", clientv3.WithLease(lease.ID))
	bin := "\x00\xff\x10k8s"
	mustPut(t, srvCli, "/get/\xffbin", bin)

	kv, err := l.Get(ctx, "/get/leased", 0)
	if err != nil {
		t.Fatal(err)
	}
	if kv.Key != "/get/leased" || string(kv.Value) != "two" || kv.CreateRevision != create ||
		kv.ModRevision != mod || kv.Version != 2 || kv.Lease != int64(lease.ID) {
		t.Errorf("Get = %+v", kv)
	}
	if kv.LeaseTTL <= 0 || kv.LeaseTTL > 300 {
		t.Errorf("LeaseTTL = %d, want 1..300", kv.LeaseTTL)
	}

	old, err := l.Get(ctx, "/get/leased", create)
	if err != nil || string(old.Value) != "one" || old.Version != 1 {
		t.Errorf("Get at rev %d = %+v, %v", create, old, err)
	}
	b, err := l.Get(ctx, "/get/\xffbin", 0)
	if err != nil || !bytes.Equal(b.Value, []byte(bin)) || b.Lease != 0 || b.LeaseTTL != 0 {
		t.Errorf("Get of a binary key = %+v, %v", b, err)
	}

	_, err = l.Get(ctx, "/get/missing", 0)
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), `"/get/missing"`) {
		t.Errorf("Get of a missing key: %v, want ErrNotFound naming the key", err)
	}
}

func TestGetCompacted(t *testing.T) {
	l := dial(t, srv)
	ctx := testCtx(t)
	old := mustPut(t, srvCli, "/compact-get/k", "1")
	now := mustPut(t, srvCli, "/compact-get/k", "2")
	if _, err := srvCli.Compact(ctx, now); err != nil {
		t.Fatal(err)
	}
	_, err := l.Get(ctx, "/compact-get/k", old)
	var ce *CompactedError
	if !asCompacted(err, &ce) {
		t.Fatalf("Get at a compacted revision: %v", err)
	}
	if ce.Requested != old || ce.Compacted != now {
		t.Errorf("CompactedError = %+v, want requested %d, compacted %d", ce, old, now)
	}
	if kv, err := l.Get(ctx, "/compact-get/k", now); err != nil || string(kv.Value) != "2" {
		t.Errorf("Get at the compaction revision itself = %+v, %v", kv, err)
	}
}

func TestRange(t *testing.T) {
	onBothServers(t, func(t *testing.T, l *Live, cli *clientv3.Client) {
		clearPrefix(t, cli, "/range")
		kvs := map[string]string{}
		for i := range 1234 {
			kvs[fmt.Sprintf("/range/k%05d", i)] = fmt.Sprint("v", i)
		}
		kvs["/range/\xff"] = "last"
		kvs["/rangex"] = "outside"
		rev := putAll(t, cli, kvs)

		var got []string
		first := true
		gotRev, err := l.Range(testCtx(t), "/range/", 0, func(kv KeyValue) error {
			if first {
				// Writes during the scan must not show: it is pinned.
				mustPut(t, cli, "/range/k00000", "changed")
				mustPut(t, cli, "/range/k99999", "new")
				first = false
			}
			if kv.Value == nil || string(kv.Value) != kvs[kv.Key] {
				t.Errorf("%q = %q, want %q", kv.Key, kv.Value, kvs[kv.Key])
			}
			got = append(got, kv.Key)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if gotRev != rev {
			t.Errorf("Range read at %d, want %d", gotRev, rev)
		}
		if len(got) != 1235 || got[0] != "/range/k00000" || got[1234] != "/range/\xff" {
			t.Fatalf("Range gave %d keys (%q … )", len(got), got[:3])
		}
		for i := 1; i < len(got); i++ {
			if got[i] <= got[i-1] {
				t.Fatalf("out of order: %q after %q", got[i], got[i-1])
			}
		}

		stop := errors.New("enough")
		n := 0
		if _, err := l.Range(testCtx(t), "/range/", 0, func(KeyValue) error { n++; return stop }); !errors.Is(err, stop) || n != 1 {
			t.Errorf("fn's error: %v after %d keys", err, n)
		}
	})
}

func TestRangeCompactedMidScan(t *testing.T) {
	l := NewLiveFromClient(srvCli, DefaultConfig())
	defer l.Close()
	kvs := map[string]string{}
	for i := range 1200 {
		kvs[fmt.Sprintf("/range-moved/k%05d", i)] = "v"
	}
	start := putAll(t, srvCli, kvs)
	var got []string
	var compactedAt int64
	rev, err := l.Range(testCtx(t), "/range-moved/", 0, func(kv KeyValue) error {
		if len(got) == 10 {
			compactedAt = mustPut(t, srvCli, "/range-moved-other", "x")
			if _, err := srvCli.Compact(testCtx(t), compactedAt); err != nil {
				t.Fatal(err)
			}
		}
		got = append(got, kv.Key)
		return nil
	})
	var moved *RevisionMovedError
	if !errors.Is(err, ErrRevisionMoved) || !errors.As(err, &moved) {
		t.Fatalf("Range across a compaction: %v, want a RevisionMovedError", err)
	}
	if moved.From != start || moved.To != rev || rev < compactedAt || moved.After != "/range-moved/k00499" {
		t.Errorf("RevisionMovedError = %+v (rev %d, compacted at %d)", moved, rev, compactedAt)
	}
	if len(got) != 1200 {
		t.Errorf("%d keys delivered, want each of 1200 once", len(got))
	}
	// A scan pinned by the caller cannot move: compaction is an error.
	_, err = l.Range(testCtx(t), "/range-moved/", start, func(KeyValue) error { return nil })
	var ce *CompactedError
	if !asCompacted(err, &ce) {
		t.Errorf("pinned Range at a compacted revision: %v", err)
	}
}

func TestHistory(t *testing.T) {
	l := dial(t, srv)
	key := "/history/cm"
	// Another key's writes interleave; they must not show.
	r1 := mustPut(t, srvCli, key, "v1")
	mustPut(t, srvCli, key+"-other", "x")
	r2 := mustPut(t, srvCli, key, "v2")
	r3 := mustPut(t, srvCli, key, "v3")
	d1 := mustDelete(t, srvCli, key)
	mustPut(t, srvCli, key+"-other", "y")
	r4 := mustPut(t, srvCli, key, "again")

	got, err := l.History(testCtx(t), key)
	if err != nil {
		t.Fatal(err)
	}
	want := []Revision{
		{KeyValue: KeyValue{Key: key, Value: []byte("again"), CreateRevision: r4, ModRevision: r4, Version: 1}},
		{KeyValue: KeyValue{Key: key, ModRevision: d1}, Deleted: true},
		{KeyValue: KeyValue{Key: key, Value: []byte("v3"), CreateRevision: r1, ModRevision: r3, Version: 3}},
		{KeyValue: KeyValue{Key: key, Value: []byte("v2"), CreateRevision: r1, ModRevision: r2, Version: 2}},
		{KeyValue: KeyValue{Key: key, Value: []byte("v1"), CreateRevision: r1, ModRevision: r1, Version: 1}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("History:\n got %+v\nwant %+v", got, want)
	}

	// A deleted key keeps its history.
	d2 := mustDelete(t, srvCli, key)
	got, err = l.History(testCtx(t), key)
	if err != nil || len(got) != 6 || !got[0].Deleted || got[0].ModRevision != d2 {
		t.Errorf("History of a deleted key = %+v, %v", got, err)
	}

	if _, err := l.History(testCtx(t), "/history/never"); !errors.Is(err, ErrNotFound) {
		t.Errorf("History of a key that never was: %v", err)
	}
}

func TestHistoryAfterCompaction(t *testing.T) {
	l := dial(t, srv)
	key := "/history-compacted/k"
	clearPrefix(t, srvCli, "/history-compacted/")
	r1 := mustPut(t, srvCli, key, "v1")
	mustPut(t, srvCli, key, "v2")
	r3 := mustPut(t, srvCli, key, "v3")
	c := mustPut(t, srvCli, "/history-compacted/other", "x")
	if _, err := srvCli.Compact(testCtx(t), c); err != nil {
		t.Fatal(err)
	}
	r4 := mustPut(t, srvCli, key, "v4")
	got, err := l.History(testCtx(t), key)
	if err != nil {
		t.Fatal(err)
	}
	// v1 and v2 are gone; v3 was current at the compaction revision.
	want := []Revision{
		{KeyValue: KeyValue{Key: key, Value: []byte("v4"), CreateRevision: r1, ModRevision: r4, Version: 4}},
		{KeyValue: KeyValue{Key: key, Value: []byte("v3"), CreateRevision: r1, ModRevision: r3, Version: 3}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("History after compaction:\n got %+v\nwant %+v", got, want)
	}
}
