package snapshot

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/etcdscope/etcdscope/etcdsrc"
	"github.com/etcdscope/etcdscope/etcdsrc/embedded"
)

// change is one write the test made, as the history should show it.
type change struct {
	rev     int64
	value   string
	deleted bool
}

// writer applies writes to the test etcd and remembers them.
type writer struct {
	t     *testing.T
	ctx   context.Context
	cli   *clientv3.Client
	model map[string][]change
	rev   int64
}

func (w *writer) put(key, value string, opts ...clientv3.OpOption) {
	w.t.Helper()
	resp, err := w.cli.Put(w.ctx, key, value, opts...)
	if err != nil {
		w.t.Fatalf("put %q: %v", key, err)
	}
	w.rev = resp.Header.Revision
	w.model[key] = append(w.model[key], change{rev: w.rev, value: value})
}

func (w *writer) del(key string) {
	w.t.Helper()
	resp, err := w.cli.Delete(w.ctx, key)
	if err != nil || resp.Deleted != 1 {
		w.t.Fatalf("delete %q: %v (%d deleted)", key, err, resp.Deleted)
	}
	w.rev = resp.Header.Revision
	w.model[key] = append(w.model[key], change{rev: w.rev, deleted: true})
}

// txn puts several keys in one revision (sub revisions 0, 1, ...).
func (w *writer) txn(kvs ...string) {
	w.t.Helper()
	var ops []clientv3.Op
	for i := 0; i < len(kvs); i += 2 {
		ops = append(ops, clientv3.OpPut(kvs[i], kvs[i+1]))
	}
	resp, err := w.cli.Txn(w.ctx).Then(ops...).Commit()
	if err != nil {
		w.t.Fatalf("txn: %v", err)
	}
	w.rev = resp.Header.Revision
	for i := 0; i < len(kvs); i += 2 {
		w.model[kvs[i]] = append(w.model[kvs[i]], change{rev: w.rev, value: kvs[i+1]})
	}
}

// expectedHistory is what the file keeps of a key after a compaction at
// compact (etcd's keyIndex.compact): every change after it, plus the
// last one at or before it unless that is a deletion older than it.
// Newest first.
func expectedHistory(changes []change, compact int64) []change {
	var keep []change
	for i, c := range changes {
		last := i == len(changes)-1 || changes[i+1].rev > compact
		switch {
		case c.rev > compact:
			keep = append(keep, c)
		case last && !(c.deleted && c.rev < compact):
			keep = append(keep, c)
		}
	}
	slices.Reverse(keep)
	return keep
}

// saveSnapshot writes what etcdctl snapshot save writes: the db stream
// of Maintenance.Snapshot, to a file.
func saveSnapshot(t *testing.T, ctx context.Context, cli *clientv3.Client, path string) {
	t.Helper()
	rc, err := cli.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(f, rc); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestSnapshotsOfEmbeddedEtcd(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := t.TempDir()
	c, err := embedded.Start(ctx, embedded.Options{Dir: filepath.Join(dir, "etcd")})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	cli, err := c.Client()
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	w := &writer{t: t, ctx: ctx, cli: cli, model: map[string][]change{}}

	lease, err := cli.Grant(ctx, 3600)
	if err != nil {
		t.Fatal(err)
	}
	w.put("/registry/pods/shop/web", "v1")
	w.put("/registry/pods/shop/db", "v1")
	w.put("/registry/pods", "a leaf that is also a directory")
	w.put("/registry/pods-x", "sorts between the leaf and the directory")
	w.put("/registry/pods/shop/web", "v2")
	w.del("/registry/pods/shop/db")
	w.put("/registry/doomed/only", "v1")
	w.del("/registry/doomed/only")
	w.put("/registry/pods/shop/db", "re-created")
	w.txn("/registry/t/1", "one", "/registry/t/2", "two")
	w.put("/registry/leases/node-1", "leased", clientv3.WithLease(lease.ID))
	w.put("/registry/\xff\xfe/bin", "non-UTF-8 directory")
	w.put("/registry/", "the key equal to the prefix")
	w.put("compact_rev_key", "outside /registry")
	w.put("/registry/empty", "")
	w.put("/registry/pods/shop/web", "v3")
	w.put("/registry/gone-before-compaction", "v1")
	w.del("/registry/gone-before-compaction")
	w.put("/registry/deleted-at-compaction", "v1")
	w.del("/registry/deleted-at-compaction")
	compactAt := w.rev
	w.put("/registry/pods/shop/db", "re-created v2")

	snapA := filepath.Join(dir, "a.db")
	saveSnapshot(t, ctx, cli, snapA)
	t.Run("before compaction", func(t *testing.T) {
		checkAgainstEtcd(t, ctx, cli, snapA, w, 0)
	})
	t.Run("before compaction, indexed in two parts", func(t *testing.T) {
		forceSplit(t)
		checkAgainstEtcd(t, ctx, cli, snapA, w, 0)
	})

	if _, err := cli.Compact(ctx, compactAt, clientv3.WithCompactPhysical()); err != nil {
		t.Fatal(err)
	}
	w.put("/registry/pods/shop/web", "v4")
	w.put("/registry/t/3", "after compaction")
	w.del("/registry/t/1")
	snapB := filepath.Join(dir, "b.db")
	saveSnapshot(t, ctx, cli, snapB)
	t.Run("after compaction", func(t *testing.T) {
		checkAgainstEtcd(t, ctx, cli, snapB, w, compactAt)
	})
	t.Run("after compaction, indexed in two parts", func(t *testing.T) {
		forceSplit(t)
		checkAgainstEtcd(t, ctx, cli, snapB, w, compactAt)
	})

	// The member's own db file, once etcd has stopped, holds the same.
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	t.Run("member db file", func(t *testing.T) {
		member := openT(t, filepath.Join(dir, "etcd", "m0", "member", "snap", "db"))
		saved := openT(t, snapB)
		if member.Revision() != saved.Revision() || member.CompactRevision() != compactAt {
			t.Errorf("member db at revision %d compacted at %d; the snapshot says %d, %d",
				member.Revision(), member.CompactRevision(), saved.Revision(), compactAt)
		}
		for key := range w.model {
			for rev := compactAt; rev <= w.rev; rev++ {
				a, errA := member.Get(ctx, key, rev)
				b, errB := saved.Get(ctx, key, rev)
				if (errA == nil) != (errB == nil) || !equalKV(a, b) {
					t.Errorf("Get(%q, %d): member db %+v %v, snapshot %+v %v", key, rev, a, errA, b, errB)
				}
			}
		}
		st, err := member.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(st.Notes, func(n string) bool {
			return strings.Contains(n, "member/snap/db") && strings.Contains(n, "WAL")
		}) {
			t.Errorf("member db notes %q do not warn that it may lag its WAL", st.Notes)
		}
		if !st.MayLagWAL || st.Checksum != etcdsrc.ChecksumNone {
			t.Errorf("member db: may lag WAL %v, checksum %v; want true, none", st.MayLagWAL, st.Checksum)
		}
	})
}

func equalKV(a, b etcdsrc.KeyValue) bool {
	return a.Key == b.Key && bytes.Equal(a.Value, b.Value) && a.CreateRevision == b.CreateRevision &&
		a.ModRevision == b.ModRevision && a.Version == b.Version && a.Lease == b.Lease
}

// checkAgainstEtcd holds a snapshot of the test etcd against etcd itself
// at every revision it can still answer, and against the writes made.
func checkAgainstEtcd(t *testing.T, ctx context.Context, cli *clientv3.Client, path string, w *writer, compact int64) {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !hasChecksum(int64(len(b))) {
		t.Fatalf("Maintenance.Snapshot wrote %d bytes: no sha256 appended", len(b))
	}
	body := b[:len(b)-sha256.Size]
	if sum := sha256.Sum256(body); !bytes.Equal(sum[:], b[len(body):]) {
		t.Fatal("the appended sha256 does not match: the test's idea of the format is wrong")
	}
	s := openT(t, path)
	st, err := s.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Revision != w.rev || st.CompactRevision != compact {
		t.Errorf("Status revision %d compact %d, want %d %d", st.Revision, st.CompactRevision, w.rev, compact)
	}
	if !slices.ContainsFunc(st.Notes, func(n string) bool { return strings.HasSuffix(n, ": matches") }) {
		t.Errorf("Status notes %q do not say the checksum matches", st.Notes)
	}

	var all []string
	for k := range w.model {
		all = append(all, k)
	}
	slices.Sort(all)
	dirs := dirsOf(all)
	for rev := max(compact, 1); rev <= w.rev; rev++ {
		resp, err := cli.Get(ctx, "\x00", clientv3.WithFromKey(), clientv3.WithRev(rev))
		if err != nil {
			t.Fatalf("etcd get at %d: %v", rev, err)
		}
		var existing []string
		for _, kv := range resp.Kvs {
			existing = append(existing, string(kv.Key))
		}
		checkListing(t, s, existing, dirs, rev)
		for _, key := range all {
			got, err := s.Get(ctx, key, rev)
			er, eerr := cli.Get(ctx, key, clientv3.WithRev(rev))
			if eerr != nil {
				t.Fatal(eerr)
			}
			if len(er.Kvs) == 0 {
				if !errors.Is(err, etcdsrc.ErrNotFound) {
					t.Errorf("Get(%q, %d) = %v, %v; etcd has no such key", key, rev, got, err)
				}
				continue
			}
			e := er.Kvs[0]
			want := etcdsrc.KeyValue{Key: string(e.Key), Value: e.Value, CreateRevision: e.CreateRevision,
				ModRevision: e.ModRevision, Version: e.Version, Lease: e.Lease}
			if err != nil || !equalKV(got, want) {
				t.Errorf("Get(%q, %d) = %+v, %v; etcd says %+v", key, rev, got, err, want)
			}
		}
		var ranged []string
		if _, err := s.Range(ctx, "", rev, func(kv etcdsrc.KeyValue) error {
			ranged = append(ranged, kv.Key)
			return nil
		}); err != nil || !slices.Equal(ranged, existing) {
			t.Errorf("Range at %d = %q, %v; etcd has %q", rev, ranged, err, existing)
		}
	}

	if compact > 1 {
		below := compact - 1
		var ce *etcdsrc.CompactedError
		if _, err := s.Get(ctx, "/registry/pods/shop/web", below); !errors.As(err, &ce) || ce.Compacted != compact || !errors.Is(err, etcdsrc.ErrCompacted) {
			t.Errorf("Get below the compaction: %v, want a CompactedError at %d", err, compact)
		}
		if _, err := s.Children(ctx, "/registry/", etcdsrc.ChildrenOptions{Rev: below}); !errors.Is(err, etcdsrc.ErrCompacted) {
			t.Errorf("Children below the compaction: %v", err)
		}
		if _, err := s.Count(ctx, "/registry/", below); !errors.Is(err, etcdsrc.ErrCompacted) {
			t.Errorf("Count below the compaction: %v", err)
		}
		if _, err := s.Range(ctx, "/registry/", below, func(etcdsrc.KeyValue) error { return nil }); !errors.Is(err, etcdsrc.ErrCompacted) {
			t.Errorf("Range below the compaction: %v", err)
		}
	}

	for _, key := range all {
		want := expectedHistory(w.model[key], compact)
		got, err := s.History(ctx, key)
		if len(want) == 0 {
			if !errors.Is(err, etcdsrc.ErrNotFound) {
				t.Errorf("History(%q) = %d entries, %v; the compaction removed it", key, len(got), err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("History(%q): %v", key, err)
		}
		ok := len(got) == len(want)
		for i := 0; ok && i < len(got); i++ {
			ok = got[i].ModRevision == want[i].rev && got[i].Deleted == want[i].deleted &&
				string(got[i].Value) == want[i].value && got[i].Key == key
		}
		if !ok {
			t.Errorf("History(%q) = %+v\nwant %+v", key, got, want)
		}
	}
}
