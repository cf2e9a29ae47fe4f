package snapshot

import (
	"context"
	"slices"
	"testing"

	"github.com/etcdscope/etcdscope/decode/fixture"
	"github.com/etcdscope/etcdscope/etcdsrc"
)

// TestDeletions: the keys the fixture's history ends with a deletion are
// the keys it holds no live revision of, and Deleted reads their last
// values from the file, newest first.
func TestDeletions(t *testing.T) {
	ctx := context.Background()
	s, err := Open(fixture.SnapshotPath())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var want []string
	if err := s.KeyHistories(ctx, "/registry/configmaps/", func(h KeyHistory) error {
		if !h.Live {
			want = append(want, h.Key)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var got []string
	last := int64(1 << 62)
	span, err := etcdsrc.Deleted(ctx, s, "/registry/configmaps/", etcdsrc.DeletedOptions{}, func(d etcdsrc.Deletion) error {
		if d.Err != nil {
			return d.Err
		}
		if d.Revision > last || d.Last.ModRevision >= d.Revision || len(d.Last.Value) == 0 {
			t.Errorf("%s: deleted at %d after %d, last value %d bytes at %d", d.Key, d.Revision, last, len(d.Last.Value), d.Last.ModRevision)
		}
		if _, err := s.Get(ctx, d.Key, d.Revision); err == nil {
			t.Errorf("%s is there at its deletion %d", d.Key, d.Revision)
		}
		last = d.Revision
		got = append(got, d.Key)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	if len(want) == 0 || !slices.Equal(got, want) {
		t.Fatalf("deleted %v, want %v", got, want)
	}
	if !span.Complete || span.From != 1 || span.To != s.idx.current || span.Found != len(want) {
		t.Errorf("span %+v", span)
	}
}
