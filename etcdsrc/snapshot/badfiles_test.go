package snapshot

import (
	"context"
	"crypto/sha256"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/etcdscope/etcdscope/decode/fixture"
	"github.com/etcdscope/etcdscope/etcdsrc"
)

// openFails opens path and wants one clear line naming it.
func openFails(t *testing.T, path string) error {
	t.Helper()
	s, err := Open(path)
	if err == nil {
		s.Close()
		t.Fatalf("Open(%s) succeeded", path)
	}
	msg := err.Error()
	t.Log(msg)
	if strings.Contains(msg, "\n") || !strings.Contains(msg, path) || msg[:1] != strings.ToLower(msg[:1]) {
		t.Errorf("error %q: want one lower-case line naming the file", msg)
	}
	return err
}

// TestOpenTruncatedSnapshots cuts the fixture snapshot at many points,
// from inside its first page to inside its appended checksum: a cut
// into the database is a clear error, never a crash; a cut that only
// shortens the checksum leaves the whole database, which opens.
func TestOpenTruncatedSnapshots(t *testing.T) {
	full, err := os.ReadFile(fixture.SnapshotPath())
	if err != nil {
		t.Fatal(err)
	}
	db := len(full) - sha256.Size
	dir := t.TempDir()
	cuts := []int{1, 16, 4095, 4096, 4097, 8191, 8192, 8193, 12288, 65536, db / 3, db / 2, db - 4096, db - 1}
	for _, n := range cuts {
		path := filepath.Join(dir, "cut.db")
		if err := os.WriteFile(path, full[:n], 0o644); err != nil {
			t.Fatal(err)
		}
		err := openFails(t, path)
		if !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrNotBolt) {
			t.Errorf("cut at %d: %v; want ErrTruncated or ErrNotBolt", n, err)
		}
	}
	for _, n := range []int{db, db + 1, len(full) - 1} {
		path := filepath.Join(dir, "db-only.db")
		if err := os.WriteFile(path, full[:n], 0o644); err != nil {
			t.Fatal(err)
		}
		s := openT(t, path)
		if s.Revision() != 1031 {
			t.Errorf("cut at %d (the checksum only): revision %d, want 1031", n, s.Revision())
		}
		st, err := s.Status(context.Background())
		if err != nil || st.Checksum != etcdsrc.ChecksumNone {
			t.Errorf("cut at %d: Status %v %v; a cut checksum is no checksum", n, st.Checksum, err)
		}
		s.Close()
	}
}

// TestOpenRandomBytes: files of noise, of sizes bbolt may or may not
// take for a database, are no etcd db.
func TestOpenRandomBytes(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	dir := t.TempDir()
	for _, size := range []int{1, 100, 4096, 8192, 64 << 10, 1 << 20} {
		b := make([]byte, size)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		path := filepath.Join(dir, "noise.db")
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := openFails(t, path); !errors.Is(err, ErrNotBolt) {
			t.Errorf("%d random bytes: %v; want ErrNotBolt", size, err)
		}
	}
}

// TestSnapshotUnchangedByUse reads a copy of the fixture every way a
// Source can and holds it to its sha256 before; the directory gains no
// file (no lock file, no journal).
func TestSnapshotUnchangedByUse(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "snap.db")
	copyFile(t, fixture.SnapshotPath(), path)
	before, err := hashFile(path)
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	if _, err := s.Range(ctx, "", 0, func(kv etcdsrc.KeyValue) error {
		keys = append(keys, kv.Key)
		return nil
	}); err != nil || len(keys) != 683 {
		t.Fatalf("Range: %d keys, %v", len(keys), err)
	}
	for _, d := range dirsOf(keys) {
		if _, err := s.Children(ctx, d, etcdsrc.ChildrenOptions{}); err != nil {
			t.Fatalf("Children(%q): %v", d, err)
		}
		if _, err := s.Count(ctx, d, 500); err != nil {
			t.Fatalf("Count(%q): %v", d, err)
		}
	}
	for _, k := range keys {
		if _, err := s.Get(ctx, k, 0); err != nil {
			t.Fatalf("Get(%s): %v", k, err)
		}
		if _, err := s.History(ctx, k); err != nil {
			t.Fatalf("History(%s): %v", k, err)
		}
	}
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	st, err := s.Status(sctx)
	cancel()
	if err != nil || st.Checksum != etcdsrc.ChecksumOK {
		t.Errorf("Status: checksum %v, %v", st.Checksum, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	after, err := hashFile(path)
	if err != nil || after != before {
		t.Errorf("the file changed: sha256 %s before, %s after (%v)", before, after, err)
	}
	if info2, err := os.Stat(path); err != nil || !info2.ModTime().Equal(info.ModTime()) || info2.Size() != info.Size() {
		t.Errorf("the file's size or mtime changed: %v, %v", info2, err)
	}
	if entries, err := os.ReadDir(dir); err != nil || len(entries) != 1 {
		t.Errorf("the directory holds %d entries (%v), want only the snapshot", len(entries), err)
	}
}
