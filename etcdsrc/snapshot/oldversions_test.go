package snapshot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/etcdscope/etcdscope/decode"
	"github.com/etcdscope/etcdscope/decode/fixture"
	"github.com/etcdscope/etcdscope/etcdsrc"
)

// oldSnapshot is what testdata/oldetcd/main.go saw etcd do when it wrote
// one of the older snapshots (testdata/etcd-<version>.expected.json).
type oldSnapshot struct {
	EtcdVersion     string `json:"etcdVersion"`
	Revision        int64  `json:"revision"`
	CompactRevision int64  `json:"compactRevision"`
	Writes          []struct {
		Key      string `json:"key"`
		Revision int64  `json:"revision"`
		From     string `json:"from"`
		Deleted  bool   `json:"deleted"`
	} `json:"writes"`
	Live []struct {
		Key            string `json:"key"`
		From           string `json:"from"`
		CreateRevision int64  `json:"createRevision"`
		ModRevision    int64  `json:"modRevision"`
		Version        int64  `json:"version"`
	} `json:"live"`
}

// oldVersions are the etcd releases whose snapshots testdata holds, made
// by testdata/oldetcd/make.sh.
var oldVersions = []string{"3.5.35", "3.6.16"}

// TestOlderEtcdSnapshots opens snapshots written by etcd 3.5 and 3.6 and
// browses them as 3.7's: listing, values that decode as the fixture's,
// history across a compaction, deletions, the compaction point and the
// appended checksum; the file is unchanged afterwards.
func TestOlderEtcdSnapshots(t *testing.T) {
	kvs, err := fixture.KVs()
	if err != nil {
		t.Fatal(err)
	}
	values := map[string][]byte{}
	for _, kv := range kvs {
		values[kv.Key] = kv.Value
	}
	dec := decode.NewDecoder()
	ctx := context.Background()
	for _, version := range oldVersions {
		t.Run(version, func(t *testing.T) {
			path := filepath.Join("testdata", "etcd-"+version+".db")
			b, err := os.ReadFile(filepath.Join("testdata", "etcd-"+version+".expected.json"))
			if err != nil {
				t.Fatal(err)
			}
			var exp oldSnapshot
			if err := json.Unmarshal(b, &exp); err != nil {
				t.Fatal(err)
			}
			if exp.EtcdVersion != version || len(exp.Live) < 30 {
				t.Fatalf("expected file from etcd %s with %d keys", exp.EtcdVersion, len(exp.Live))
			}
			before, err := hashFile(path)
			if err != nil {
				t.Fatal(err)
			}
			s := openT(t, path)
			if s.Revision() != exp.Revision || s.CompactRevision() != exp.CompactRevision {
				t.Errorf("revision %d compacted at %d; etcd said %d, %d", s.Revision(), s.CompactRevision(), exp.Revision, exp.CompactRevision)
			}
			sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			st, err := s.Status(sctx)
			cancel()
			if err != nil || st.Checksum != etcdsrc.ChecksumOK || st.Revision != exp.Revision || st.CompactRevision != exp.CompactRevision {
				t.Errorf("Status: %+v %v", st, err)
			}
			// etcd 3.6 records its storage version; 3.5 does not.
			if want := map[string]string{"3.5": "", "3.6": "3.6.0"}[version[:3]]; st.Version != want {
				t.Errorf("storage version %q, want %q", st.Version, want)
			}

			// Listing: every directory, as the keys etcd reported fold.
			var live []string
			for _, l := range exp.Live {
				live = append(live, l.Key)
			}
			checkListing(t, s, live, dirsOf(live), 0)

			// Every live key: etcd's revisions, the fixture's value, and
			// a value that decodes as the fixture's does.
			for _, l := range exp.Live {
				kv, err := s.Get(ctx, l.Key, 0)
				if err != nil {
					t.Errorf("Get(%s): %v", l.Key, err)
					continue
				}
				if kv.CreateRevision != l.CreateRevision || kv.ModRevision != l.ModRevision || kv.Version != l.Version {
					t.Errorf("%s: revisions %d/%d v%d, etcd said %d/%d v%d", l.Key, kv.CreateRevision, kv.ModRevision, kv.Version, l.CreateRevision, l.ModRevision, l.Version)
				}
				want := values[l.From]
				if !bytes.Equal(kv.Value, want) {
					t.Errorf("%s: value differs from fixture %s", l.Key, l.From)
					continue
				}
				got, orig := dec.Decode(kv.Key, kv.Value, kv.Meta()), dec.Decode(l.From, want, nil)
				if got.Err != nil || got.Kind != orig.Kind || got.Encoding != orig.Encoding {
					t.Errorf("%s: decodes as %s %s (%v), the fixture's as %s %s", l.Key, got.Encoding, got.Kind, got.Err, orig.Encoding, orig.Kind)
				}
			}

			// History: what the compaction left of each written key.
			changes := map[string][]change{}
			for _, w := range exp.Writes {
				changes[w.Key] = append(changes[w.Key], change{rev: w.Revision, value: string(values[w.From]), deleted: w.Deleted})
			}
			for key, cs := range changes {
				want := expectedHistory(cs, exp.CompactRevision)
				got, err := s.History(ctx, key)
				if len(want) == 0 {
					if !errors.Is(err, etcdsrc.ErrNotFound) {
						t.Errorf("History(%s) of a key the compaction removed: %d revisions, %v", key, len(got), err)
					}
					continue
				}
				if err != nil {
					t.Errorf("History(%s): %v", key, err)
					continue
				}
				var gotc []change
				for _, r := range got {
					gotc = append(gotc, change{rev: r.ModRevision, value: string(r.Value), deleted: r.Deleted})
				}
				if !slices.Equal(gotc, want) {
					t.Errorf("History(%s): %d revisions %v, want %d %v", key, len(gotc), revsOf(gotc), len(want), revsOf(want))
				}
			}
			hist := changes["/registry/configmaps/history/app-config"]
			if n := len(expectedHistory(hist, exp.CompactRevision)); n < 2 || n == len(hist) {
				t.Errorf("the history key keeps %d of %d revisions: the compaction should drop some, not all", n, len(hist))
			}
			if _, err := s.Get(ctx, "/registry/configmaps/history/deleted", 0); !errors.Is(err, etcdsrc.ErrNotFound) {
				t.Errorf("Get of the deleted key: %v", err)
			}
			var compacted *etcdsrc.CompactedError
			if _, err := s.Get(ctx, "/registry/configmaps/history/app-config", exp.CompactRevision-1); !errors.As(err, &compacted) {
				t.Errorf("Get below the compaction: %v", err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if after, err := hashFile(path); err != nil || after != before {
				t.Errorf("the file changed: sha256 %s before, %s after (%v)", before, after, err)
			}
		})
	}
}

func revsOf(cs []change) string {
	var b strings.Builder
	for _, c := range cs {
		b.WriteString(" " + strconv.FormatInt(c.rev, 10))
		if c.deleted {
			b.WriteString("(deleted)")
		}
	}
	return b.String()
}
