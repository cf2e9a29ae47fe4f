package snapshot

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/etcdscope/etcdscope/decode/fixture"
	"github.com/etcdscope/etcdscope/etcdsrc"
)

// walk collects every leaf under prefix by walking Children down.
func walk(t *testing.T, s etcdsrc.Source, prefix string, limit int) []string {
	t.Helper()
	var keys []string
	for _, c := range listAll(t, s, prefix, 0, limit) {
		if c.Leaf {
			keys = append(keys, c.Key)
			continue
		}
		keys = append(keys, walk(t, s, c.Key, limit)...)
	}
	return keys
}

func TestFixtureListsEveryLiveKey(t *testing.T) {
	kvs, err := fixture.KVs()
	if err != nil {
		t.Fatal(err)
	}
	s := openT(t, fixture.SnapshotPath())
	var want []string
	for _, kv := range kvs {
		want = append(want, kv.Key)
	}
	if len(want) != 683 {
		t.Fatalf("fixture has %d live keys, the README says 683", len(want))
	}
	for _, limit := range []int{0, 3} {
		got := walk(t, s, "/registry/", limit)
		if !slices.Equal(got, want) {
			t.Errorf("walk limit %d: %d keys, want %d; first difference: %s", limit, len(got), len(want), firstDiff(got, want))
		}
	}
	n, err := s.Count(context.Background(), "/registry/", 0)
	if err != nil || n != int64(len(want)) {
		t.Errorf("Count(/registry/) = %d, %v; want %d", n, err, len(want))
	}
	checkListing(t, s, want, dirsOf(want), 0)
}

func firstDiff(a, b []string) string {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return a[i] + " vs " + b[i]
		}
	}
	return "one list is a prefix of the other"
}

func TestFixtureGetIsByteIdentical(t *testing.T) {
	kvs, err := fixture.KVs()
	if err != nil {
		t.Fatal(err)
	}
	s := openT(t, fixture.SnapshotPath())
	ctx := context.Background()
	for _, want := range kvs {
		for _, rev := range []int64{0, want.ModRevision, 1031} {
			got, err := s.Get(ctx, want.Key, rev)
			if err != nil {
				t.Fatalf("Get(%q, %d): %v", want.Key, rev, err)
			}
			if !bytes.Equal(got.Value, want.Value) || got.Key != want.Key ||
				got.CreateRevision != want.CreateRevision || got.ModRevision != want.ModRevision ||
				got.Version != want.Version || got.Lease != want.Lease {
				t.Errorf("Get(%q, %d) = create %d mod %d version %d lease %d (%d bytes); want %d %d %d %d (%d bytes)",
					want.Key, rev, got.CreateRevision, got.ModRevision, got.Version, got.Lease, len(got.Value),
					want.CreateRevision, want.ModRevision, want.Version, want.Lease, len(want.Value))
			}
		}
		// Before it was created the key does not exist.
		if want.CreateRevision > 1 {
			if _, err := s.Get(ctx, want.Key, want.CreateRevision-1); !errors.Is(err, etcdsrc.ErrNotFound) {
				t.Errorf("Get(%q) before its creation: %v, want ErrNotFound", want.Key, err)
			}
		}
	}
	var seen int
	last, err := s.Range(ctx, "/registry/", 0, func(kv etcdsrc.KeyValue) error {
		if kv.Key != kvs[seen].Key || !bytes.Equal(kv.Value, kvs[seen].Value) || kv.ModRevision != kvs[seen].ModRevision {
			t.Errorf("Range item %d = %q mod %d, want %q mod %d", seen, kv.Key, kv.ModRevision, kvs[seen].Key, kvs[seen].ModRevision)
		}
		seen++
		return nil
	})
	if err != nil || last != 1031 || seen != len(kvs) {
		t.Errorf("Range = rev %d, %v after %d keys; want rev 1031 and %d keys", last, err, seen, len(kvs))
	}
	stop := errors.New("stop")
	if _, err := s.Range(ctx, "", 0, func(etcdsrc.KeyValue) error { return stop }); err != stop {
		t.Errorf("Range whose callback fails returned %v, want the callback's error", err)
	}
}

func TestFixtureRevisionsAndHistory(t *testing.T) {
	s := openT(t, fixture.SnapshotPath())
	ctx := context.Background()
	st, err := s.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Revision != 1031 || st.CompactRevision != 0 || st.Snapshot != fixture.SnapshotPath() || st.DBSize <= 0 {
		t.Errorf("Status = %+v; want revision 1031, no compaction, the path and a size", st)
	}
	if !slices.ContainsFunc(st.Notes, func(n string) bool { return strings.Contains(n, "sha256") && strings.HasSuffix(n, "matches") }) {
		t.Errorf("Status notes %q do not say the sha256 matches", st.Notes)
	}
	if st.Checksum != etcdsrc.ChecksumOK || st.MayLagWAL {
		t.Errorf("Status checksum %v, may lag WAL %v; want checksum ok of a saved snapshot", st.Checksum, st.MayLagWAL)
	}
	if _, err := s.Get(ctx, "/registry/namespaces/shop", 1032); !errors.Is(err, ErrFutureRevision) {
		t.Errorf("Get at revision 1032: %v, want ErrFutureRevision", err)
	}

	const app = "/registry/configmaps/shop/app-config"
	h, err := s.History(ctx, app)
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 6 {
		t.Fatalf("History(%s) has %d entries, want 6", app, len(h))
	}
	for i, r := range h {
		if r.Deleted || r.Version != int64(6-i) || (i > 0 && r.ModRevision >= h[i-1].ModRevision) {
			t.Errorf("History(%s)[%d] = version %d mod %d deleted %v; want version %d, newest first", app, i, r.Version, r.ModRevision, r.Deleted, 6-i)
		}
		got, err := s.Get(ctx, app, r.ModRevision)
		if err != nil || !bytes.Equal(got.Value, r.Value) || got.Version != r.Version {
			t.Errorf("Get(%s, %d) = version %d, %v; want history's version %d", app, r.ModRevision, got.Version, err, r.Version)
		}
	}

	var doomed []string
	for i := range s.idx.len() {
		if k := s.idx.keyString(i); strings.Contains(k, "/doomed-") {
			doomed = append(doomed, k)
		}
	}
	if len(doomed) != 6 {
		t.Fatalf("found %d doomed keys in the index (%q), want 3 configmaps and 3 secrets", len(doomed), doomed)
	}
	listed := walk(t, s, "/registry/", 0)
	for _, k := range doomed {
		if slices.Contains(listed, k) {
			t.Errorf("deleted key %s is listed", k)
		}
		if _, err := s.Get(ctx, k, 0); !errors.Is(err, etcdsrc.ErrNotFound) {
			t.Errorf("Get(%s) = %v, want ErrNotFound", k, err)
		}
		h, err := s.History(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		if len(h) < 2 || !h[0].Deleted || h[len(h)-1].Deleted || h[len(h)-1].Version != 1 {
			t.Errorf("History(%s) = %d entries, want a deletion first and the creation last", k, len(h))
			continue
		}
		// Just before the deletion the key was there, with its last value.
		before, err := s.Get(ctx, k, h[0].ModRevision-1)
		if err != nil || !bytes.Equal(before.Value, h[1].Value) {
			t.Errorf("Get(%s) just before its deletion: %v", k, err)
		}
	}
	if _, err := s.History(ctx, "/registry/configmaps/shop/never-was"); !errors.Is(err, etcdsrc.ErrNotFound) {
		t.Errorf("History of a key never written: %v, want ErrNotFound", err)
	}
	if _, err := s.Watch(ctx, "/registry/", 0); !errors.Is(err, etcdsrc.ErrNoWatch) || !strings.Contains(err.Error(), "snapshot") {
		t.Errorf("Watch = %v, want ErrNoWatch saying a snapshot has no watch", err)
	}
}

func TestFixtureProgress(t *testing.T) {
	var calls, last, total int64
	s, err := OpenWithOptions(context.Background(), fixture.SnapshotPath(), Options{Progress: func(d, tot int64) {
		if d < last || d > tot {
			t.Errorf("progress went from %d to %d of %d", last, d, tot)
		}
		calls, last, total = calls+1, d, tot
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if calls == 0 || last != total || total < 1000 || total > 1031 {
		t.Errorf("progress: %d calls, last %d of %d; want the end reported, of about 1031 revisions", calls, last, total)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if s, err := OpenWithOptions(ctx, fixture.SnapshotPath(), Options{}); !errors.Is(err, context.Canceled) {
		if s != nil {
			s.Close()
		}
		t.Errorf("open with a cancelled context: %v, want context.Canceled", err)
	}
}
