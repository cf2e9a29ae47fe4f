package snapshot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/etcdscope/etcdscope/decode/fixture"
	"github.com/etcdscope/etcdscope/etcdsrc"
	"github.com/etcdscope/etcdscope/etcdsrc/embedded"
)

// helperEnv makes the test binary open one file and print the outcome,
// so a test running as root can try it as an unprivileged user.
const helperEnv = "ETCDSCOPE_SNAPSHOT_OPEN_AS_HELPER"

// openHelper is the child side: "ok <revision>" or the error.
func openHelper(path string) int {
	s, err := Open(path)
	if err != nil {
		fmt.Println("error:", err)
		return 0
	}
	defer s.Close()
	fmt.Println("ok", s.Revision())
	return 0
}

// nobody is the unprivileged user the helper runs as.
const nobody = 65534

// openAsNobody runs Open on path as an unprivileged user and returns what
// it printed. root can read any file, so permission errors need another
// user; the test binary is copied where that user may run it.
func openAsNobody(t *testing.T, path string) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "snapshot-helper-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "helper.test")
	b, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, b, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+path)
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("helper as nobody: %v: %s", err, out)
	}
	return strings.TrimSpace(string(out))
}

// worldDir makes a temporary directory every user can enter.
func worldDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "snapshot-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		os.Chmod(dir, 0o755)
		os.RemoveAll(dir)
	})
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	fix, err := os.ReadFile(fixture.SnapshotPath())
	if err != nil {
		t.Fatal(err)
	}
	otherBolt := filepath.Join(dir, "other.db")
	db, err := bolt.Open(otherBolt, 0o644, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("settings"))
		if err != nil {
			return err
		}
		return b.Put([]byte("theme"), []byte("dark"))
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		path string
		is   error
		says string
	}{
		{"missing file", filepath.Join(dir, "nope.db"), nil, "no such file"},
		{"directory", dir, nil, "is a directory"},
		{"empty file", write("empty.db", nil), ErrNotBolt, "empty"},
		{"text file", write("notes.txt", bytes.Repeat([]byte("not a database\n"), 1000)), ErrNotBolt, "not a bbolt database"},
		{"truncated snapshot", write("half.db", fix[:len(fix)/2]), ErrTruncated, "truncated"},
		{"bbolt but not etcd", otherBolt, ErrNotEtcd, "no \"key\" bucket"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Open(tc.path)
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %q does not wrap %q", err, tc.is)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.says) || !strings.Contains(msg, tc.path) || msg != strings.ToLower(msg[:1])+msg[1:] {
				t.Errorf("error %q should name %s and say %q, lower case", msg, tc.path, tc.says)
			}
		})
	}
}

func TestOpenPermissionDenied(t *testing.T) {
	dir := worldDir(t)
	path := filepath.Join(dir, "private.db")
	copyFile(t, fixture.SnapshotPath(), path)
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	var msg string
	if os.Getuid() == 0 {
		msg = openAsNobody(t, path)
	} else {
		if err := os.Chmod(path, 0); err != nil {
			t.Fatal(err)
		}
		_, err := Open(path)
		if !errors.Is(err, fs.ErrPermission) {
			t.Errorf("error %v does not wrap fs.ErrPermission", err)
		}
		msg = fmt.Sprint("error: ", err)
	}
	if !strings.HasPrefix(msg, "error: ") || !strings.Contains(msg, "permission denied") || !strings.Contains(msg, path) {
		t.Errorf("opening an unreadable file: %q; want a permission denied error naming it", msg)
	}
}

func TestOpenReadOnlyFileInReadOnlyDir(t *testing.T) {
	dir := worldDir(t)
	path := filepath.Join(dir, "snap.db")
	copyFile(t, fixture.SnapshotPath(), path)
	if err := os.Chmod(path, 0o444); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	before, err := hashFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := openT(t, path)
	if _, err := s.Get(context.Background(), "/registry/configmaps/shop/app-config", 0); err != nil {
		t.Errorf("Get: %v", err)
	}
	if _, err := s.Status(context.Background()); err != nil {
		t.Errorf("Status: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// root ignores file modes: also try as a user the modes bind.
	if os.Getuid() == 0 {
		if got := openAsNobody(t, path); got != "ok 1031" {
			t.Errorf("open as nobody in a 0555 dir: %q, want ok 1031", got)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 1 {
		t.Errorf("the directory holds %d entries (%v), want only the snapshot", len(entries), err)
	}
	after, err := hashFile(path)
	if err != nil || after != before {
		t.Errorf("the file changed: sha256 %s before, %s after (%v)", before, after, err)
	}
}

// TestOpenHeldByRunningEtcd opens the db file of a running member: etcd
// holds its exclusive lock, so Open must give up quickly and say why.
func TestOpenHeldByRunningEtcd(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dir := t.TempDir()
	c, err := embedded.Start(ctx, embedded.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	path := filepath.Join(dir, "m0", "member", "snap", "db")
	s, err := OpenWithOptions(ctx, path, Options{LockTimeout: 100 * time.Millisecond})
	if err == nil {
		s.Close()
		t.Fatal("opened the db of a running etcd")
	}
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "held by a running etcd: copy it or use etcdctl snapshot save") {
		t.Errorf("error %q, want ErrLocked with its advice", err)
	}
	// With the default lock timeout too: a clear error, not a wait for
	// the member to stop.
	s, err = Open(path)
	if err == nil {
		s.Close()
		t.Fatal("opened the db of a running etcd")
	}
	if !errors.Is(err, ErrLocked) || strings.Contains(err.Error(), "\n") {
		t.Errorf("Open with the default timeout: %q, want one line wrapping ErrLocked", err)
	}
}

func TestChecksumMismatchIsReported(t *testing.T) {
	b, err := os.ReadFile(fixture.SnapshotPath())
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)-1] ^= 0xff // the digest, not the db: the file still opens
	path := filepath.Join(t.TempDir(), "changed.db")
	if err := os.WriteFile(path, b, 0o444); err != nil {
		t.Fatal(err)
	}
	s := openT(t, path)
	st, err := s.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Notes) == 0 || !strings.Contains(st.Notes[0], "DOES NOT MATCH") {
		t.Errorf("notes %q do not report the checksum mismatch", st.Notes)
	}
	if st.Checksum != etcdsrc.ChecksumMismatch {
		t.Errorf("Status checksum %v, want a mismatch", st.Checksum)
	}
}

func TestCorruptKeyBucket(t *testing.T) {
	for name, put := range map[string][2][]byte{
		"revision key":   {[]byte("not-a-revision"), []byte("x")},
		"keyvalue value": {revBytes(rev{main: 2}), []byte{0x0a, 0xff}},
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "corrupt.db")
			db, err := bolt.Open(path, 0o644, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Update(func(tx *bolt.Tx) error {
				b, err := tx.CreateBucket([]byte("key"))
				if err != nil {
					return err
				}
				return b.Put(put[0], put[1])
			}); err != nil {
				t.Fatal(err)
			}
			db.Close()
			s, err := Open(path)
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), path) {
				t.Errorf("error %q, want ErrCorrupt naming the file", err)
			}
		})
	}
}
