package snapshot

import (
	"context"
	"hash/maphash"
	"reflect"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/etcdscope/etcdscope/decode/fixture"
)

// TestIndexSurvivesHashCollisions builds the fixture's index with a hash
// that puts every key in a handful of buckets: the result must be the
// one a good hash gives.
func TestIndexSurvivesHashCollisions(t *testing.T) {
	db, err := bolt.Open(fixture.SnapshotPath(), 0o444, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	seed := maphash.MakeSeed()
	hashes := map[string]func([]byte) uint64{
		"maphash":    func(k []byte) uint64 { return maphash.Bytes(seed, k) },
		"constant":   func([]byte) uint64 { return 42 },
		"length mod": func(k []byte) uint64 { return uint64(len(k) % 3) },
	}
	built := map[string]*index{}
	for _, split := range []bool{false, true} {
		for name, h := range hashes {
			if split {
				name += ", in two parts"
				forceSplit(t)
			}
			x, err := buildIndexHash(context.Background(), db.View, nil, h)
			built[name] = x
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
	}
	want := built["maphash"]
	if want.len() < 683 || want.current != 1031 || len(want.chunks) != 1 {
		t.Fatalf("index of %d keys at revision %d; want at least the 683 live keys at 1031", want.len(), want.current)
	}
	if len(built["maphash, in two parts"].chunks) != 2 {
		t.Fatal("the split build did not use two parts")
	}
	for name, x := range built {
		if !equalIndex(x, want) {
			t.Errorf("index built with the %s hash differs from the maphash one", name)
		}
	}
}

// forceSplit makes buildIndex read even small files in two parts until
// the test ends.
func forceSplit(t *testing.T) {
	old := parallelMin
	parallelMin = 1
	t.Cleanup(func() { parallelMin = old })
}

// equalIndex compares what two indexes say, wherever their key bytes are.
func equalIndex(a, b *index) bool {
	if a.len() != b.len() {
		return false
	}
	for i := range a.len() {
		if a.keyString(i) != b.keyString(i) {
			return false
		}
	}
	return reflect.DeepEqual(a.first, b.first) && reflect.DeepEqual(a.revs, b.revs) &&
		reflect.DeepEqual(a.live, b.live) && a.current == b.current && a.compact == b.compact
}

func TestParseRevKeyRejectsBadKeys(t *testing.T) {
	good := revBytes(rev{main: 7, sub: 2})
	if r, err := parseRevKey(good); err != nil || r != (rev{main: 7, sub: 2}) {
		t.Errorf("parseRevKey(%x) = %+v, %v", good, r, err)
	}
	tomb := append(append([]byte(nil), good...), 't')
	if r, err := parseRevKey(tomb); err != nil || !r.tomb {
		t.Errorf("parseRevKey(tombstone) = %+v, %v", r, err)
	}
	neg := append([]byte(nil), good...)
	neg[0] = 0xff
	bad := map[string][]byte{
		"short":         good[:10],
		"long":          append(append([]byte(nil), tomb...), 'x'),
		"no separator":  append(append(append([]byte(nil), good[:8]...), '-'), good[9:]...),
		"negative main": neg,
		"empty":         nil,
	}
	for name, k := range bad {
		if _, err := parseRevKey(k); err == nil {
			t.Errorf("parseRevKey(%s %x) accepted it", name, k)
		}
	}
}
