package snapshot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/etcdscope/etcdscope/decode/fixture"
	"github.com/etcdscope/etcdscope/etcdsrc"
)

// TestMain holds the fixture snapshot to its promise: no test may change
// a byte of it.
func TestMain(m *testing.M) {
	before, err := hashFile(fixture.SnapshotPath())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if path := os.Getenv(helperEnv); path != "" {
		os.Exit(openHelper(path))
	}
	code := m.Run()
	after, err := hashFile(fixture.SnapshotPath())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if before != after {
		fmt.Fprintf(os.Stderr, "the fixture snapshot changed during the tests: sha256 %s before, %s after\n", before, after)
		code = 1
	}
	os.Exit(code)
}

func hashFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("hash %s: %w", path, err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hash %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func openT(t *testing.T, path string) *Snapshot {
	t.Helper()
	s, err := Open(path)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// foldChildren is the reference listing: the sorted keys that exist,
// folded by their next segment after prefix, by brute force.
func foldChildren(keys []string, prefix string) []etcdsrc.Child {
	var out []etcdsrc.Child
	for _, k := range keys {
		if !strings.HasPrefix(k, prefix) {
			continue
		}
		rest := k[len(prefix):]
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			dir := prefix + rest[:i+1]
			if n := len(out); n > 0 && out[n-1].Key == dir {
				continue
			}
			out = append(out, etcdsrc.Child{Name: rest[:i], Key: dir, Count: -1})
			continue
		}
		out = append(out, etcdsrc.Child{Name: rest, Key: k, Leaf: true, Count: 1})
	}
	return out
}

// dirsOf lists every directory prefix of keys ("" included).
func dirsOf(keys []string) []string {
	seen := map[string]bool{"": true}
	out := []string{""}
	for _, k := range keys {
		for i := 0; i < len(k); i++ {
			if k[i] == '/' && !seen[k[:i+1]] {
				seen[k[:i+1]] = true
				out = append(out, k[:i+1])
			}
		}
	}
	slices.Sort(out)
	return out
}

// listAll pages through a level with the given page size.
func listAll(t *testing.T, src etcdsrc.Source, prefix string, rev int64, limit int) []etcdsrc.Child {
	t.Helper()
	ctx := context.Background()
	opts := etcdsrc.ChildrenOptions{Limit: limit, Rev: rev}
	var out []etcdsrc.Child
	for pages := 0; ; pages++ {
		if pages > 100000 {
			t.Fatalf("Children(%q) does not end", prefix)
		}
		page, err := src.Children(ctx, prefix, opts)
		if err != nil {
			t.Fatalf("Children(%q, %+v): %v", prefix, opts, err)
		}
		if limit > 0 && len(page.Children) > limit {
			t.Fatalf("Children(%q) returned %d children, limit %d", prefix, len(page.Children), limit)
		}
		if rev > 0 && page.Rev != rev {
			t.Fatalf("Children(%q) read at %d, asked %d", prefix, page.Rev, rev)
		}
		out = append(out, page.Children...)
		if !page.More {
			return out
		}
		if len(page.Children) == 0 {
			t.Fatalf("Children(%q): More with an empty page", prefix)
		}
		opts.After = page.Children[len(page.Children)-1].Key
		opts.Rev = page.Rev
	}
}

// checkListing holds Children and Count of every directory against the
// brute-force folding of the keys that exist at rev.
func checkListing(t *testing.T, src etcdsrc.Source, existing []string, dirs []string, rev int64) {
	t.Helper()
	ctx := context.Background()
	for _, dir := range dirs {
		want := foldChildren(existing, dir)
		for _, limit := range []int{0, 1, 2, 5} {
			got := listAll(t, src, dir, rev, limit)
			if !slices.Equal(got, want) {
				t.Errorf("rev %d Children(%q) limit %d:\n got %+v\nwant %+v", rev, dir, limit, got, want)
			}
		}
		var n int64
		for _, k := range existing {
			if strings.HasPrefix(k, dir) {
				n++
			}
		}
		got, err := src.Count(ctx, dir, rev)
		if err != nil {
			t.Fatalf("Count(%q, %d): %v", dir, rev, err)
		}
		if got != n {
			t.Errorf("Count(%q, %d) = %d, want %d", dir, rev, got, n)
		}
	}
}
