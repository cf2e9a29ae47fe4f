package snapshot

import (
	"bytes"
	"hash/maphash"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// TestSortKeysOrdersAsBytes sorts keys built to trip a word-at-a-time
// sort (prefixes of each other, trailing zero bytes, 0xff bytes, the
// empty key, keys longer than radixDepth that differ only at the end)
// and checks the order is bytes.Compare's.
func TestSortKeysOrdersAsBytes(t *testing.T) {
	long := strings.Repeat("/registry/x", radixDepth/8)
	cases := map[string][]string{
		"prefixes and zeros": {"", "\x00", "\x00\x00", "a", "a\x00", "a\x00\x00\x00\x00\x00\x00\x00", "a\x00\x00\x00\x00\x00\x00\x00\x00",
			"a\x00\x00\x00\x00\x00\x00\x00\x01", "abcdefgh", "abcdefg", "abcdefghi", "abcdefgh\x00", "\xff\xff\xff\xff\xff\xff\xff\xff\xff", "\xff"},
		"past the word depth": {long, long + "a", long + "\x00", long + "b", long[:len(long)-1], long + "a\x00", long + "ab"},
	}
	r := rand.New(rand.NewPCG(1, 2))
	var random []string
	for range 5000 {
		b := make([]byte, r.IntN(40))
		for i := range b {
			b[i] = "\x00\x01a/\xff"[r.IntN(5)]
		}
		random = append(random, string(b))
	}
	cases["random"] = random
	for name, keys := range cases {
		seed := maphash.MakeSeed()
		kt := newKeyTable(len(keys), func(k []byte) uint64 { return maphash.Bytes(seed, k) })
		for _, k := range keys {
			if _, err := kt.id([]byte(k)); err != nil {
				t.Fatal(err)
			}
		}
		want := slices.Clone(kt.keys)
		slices.SortFunc(want, func(a, b sortKey) int { return bytes.Compare(kt.at(a.loc), kt.at(b.loc)) })
		got := kt.sorted()
		if len(got) != len(want) {
			t.Fatalf("%s: %d keys sorted, want %d", name, len(got), len(want))
		}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("%s: key %d is %q, want %q", name, i, kt.at(got[i].loc), kt.at(want[i].loc))
				break
			}
		}
	}
}
