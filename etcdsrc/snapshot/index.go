package snapshot

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	bolt "go.etcd.io/bbolt"
	"go.etcd.io/etcd/server/v3/storage/mvcc"
	"google.golang.org/protobuf/encoding/protowire"
)

// The key bucket's keys are revisions: 8 bytes of main revision
// (big-endian), '_', 8 bytes of sub revision, and a trailing 't' on
// tombstones (see mvcc/revision.go). etcd's own parser panics on anything
// else, so lengths and signs are checked before it is called.
const (
	revKeyLen    = 8 + 1 + 8
	markedRevLen = revKeyLen + 1
)

// progressEvery is how many revisions are indexed between progress calls
// (and cancellation checks).
const progressEvery = 1 << 14

// rev is one revision of one key.
type rev struct {
	main int64
	sub  uint32
	tomb bool
}

// index maps every key of the file to its revisions. It is built in one
// pass over the key bucket and never changes afterwards. Revisions of all
// keys share one flat slice so a million keys cost a few allocations, not
// a million.
type index struct {
	keys  []string // every key with a revision in the file, sorted by bytes
	first []uint32 // keys[i]'s revisions are revs[first[i]:first[i+1]]
	revs  []rev    // grouped by key, oldest first
	// live[i] is how many of keys[:i] exist at the current revision, so
	// counting a prefix at the current revision is two look-ups.
	live    []uint32
	current int64 // the last revision
	compact int64 // the oldest readable revision (0: never compacted)
}

// parseRevKey reads a key bucket key with etcd's revision helpers after
// checking it has their shape.
func parseRevKey(k []byte) (rev, error) {
	if (len(k) != revKeyLen && len(k) != markedRevLen) || k[8] != '_' || k[0]&0x80 != 0 || k[9]&0x80 != 0 {
		return rev{}, fmt.Errorf("%w: %x is not a revision", ErrCorrupt, k)
	}
	bk := mvcc.BytesToBucketKey(k)
	if bk.Sub > math.MaxUint32 {
		return rev{}, fmt.Errorf("%w: sub revision %d of revision %d is out of range", ErrCorrupt, bk.Sub, bk.Main)
	}
	return rev{main: bk.Main, sub: uint32(bk.Sub), tomb: mvcc.IsTombstone(k)}, nil
}

// revBytes is the key bucket key of a live (not tombstone) revision.
func revBytes(r rev) []byte {
	return mvcc.RevToBytes(mvcc.Revision{Main: r.main, Sub: int64(r.sub)}, mvcc.NewRevBytes())
}

// keyOf finds field 1 (key) of a marshalled mvccpb.KeyValue without
// decoding, and so copying, the value: indexing a million revisions then
// touches only the start of each value.
func keyOf(v []byte) ([]byte, error) {
	for len(v) > 0 {
		num, typ, n := protowire.ConsumeTag(v)
		if n < 0 {
			return nil, protowire.ParseError(n)
		}
		v = v[n:]
		if num == 1 && typ == protowire.BytesType {
			key, m := protowire.ConsumeBytes(v)
			if m < 0 {
				return nil, protowire.ParseError(m)
			}
			return key, nil
		}
		m := protowire.ConsumeFieldValue(num, typ, v)
		if m < 0 {
			return nil, protowire.ParseError(m)
		}
		v = v[m:]
	}
	return nil, fmt.Errorf("no key field")
}

// keyRank pairs a key with the id it got in file order, for sorting.
type keyRank struct {
	key string
	id  uint32
}

// buildIndex reads the key bucket once, in revision order.
func buildIndex(ctx context.Context, b *bolt.Bucket, progress func(done, total int64)) (*index, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("index: %w", err)
	}
	c := b.Cursor()
	var total int64
	if k, _ := c.Last(); k != nil {
		r, err := parseRevKey(k)
		if err != nil {
			return nil, err
		}
		total = r.main
	}

	// Pass 1: every revision with the id of its key; ids in order of
	// first appearance.
	ids := make(map[string]uint32)
	var (
		names []string
		revs  []rev
		owner []uint32
	)
	for k, v := c.First(); k != nil; k, v = c.Next() {
		r, err := parseRevKey(k)
		if err != nil {
			return nil, err
		}
		if v == nil {
			return nil, fmt.Errorf("%w: revision %d is a nested bucket", ErrCorrupt, r.main)
		}
		key, err := keyOf(v)
		if err != nil {
			return nil, fmt.Errorf("%w: revision %d: %v", ErrCorrupt, r.main, err)
		}
		id, ok := ids[string(key)]
		if !ok {
			if len(names) == math.MaxUint32 {
				return nil, fmt.Errorf("%w: more than %d keys", ErrCorrupt, uint32(math.MaxUint32))
			}
			id = uint32(len(names))
			name := string(key) // a copy: the mmap goes away on Close
			ids[name] = id
			names = append(names, name)
		}
		revs = append(revs, r)
		owner = append(owner, id)
		if len(revs)%progressEvery == 0 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("index: %w", err)
			}
			if progress != nil {
				progress(r.main, total)
			}
		}
	}
	if len(revs) > math.MaxUint32 {
		return nil, fmt.Errorf("%w: more than %d revisions", ErrCorrupt, uint32(math.MaxUint32))
	}
	ids = nil // not needed past this point; let it go before sorting

	// Pass 2: sort the keys, then place each key's revisions together
	// (a counting sort, which keeps them in revision order).
	order := make([]keyRank, len(names))
	for id, name := range names {
		order[id] = keyRank{key: name, id: uint32(id)}
	}
	names = nil
	slices.SortFunc(order, func(a, b keyRank) int { return strings.Compare(a.key, b.key) })
	n := len(order)
	x := &index{keys: make([]string, n), first: make([]uint32, n+1), live: make([]uint32, n+1)}
	rank := make([]uint32, n)
	for pos, kr := range order {
		x.keys[pos] = kr.key
		rank[kr.id] = uint32(pos)
	}
	order = nil
	for _, id := range owner {
		x.first[rank[id]+1]++
	}
	for i := range n {
		x.first[i+1] += x.first[i]
	}
	fill := slices.Clone(x.first[:n])
	x.revs = make([]rev, len(revs))
	for i, id := range owner {
		p := rank[id]
		x.revs[fill[p]] = revs[i]
		fill[p]++
	}
	for i := range n {
		rs := x.revsOf(i)
		x.live[i+1] = x.live[i]
		if !rs[len(rs)-1].tomb {
			x.live[i+1]++
		}
	}
	if len(revs) > 0 {
		x.current = revs[len(revs)-1].main
	}
	if progress != nil {
		progress(total, total)
	}
	return x, nil
}

// revsOf returns key i's revisions, oldest first.
func (x *index) revsOf(i int) []rev { return x.revs[x.first[i]:x.first[i+1]] }

// find returns the position of key.
func (x *index) find(key string) (int, bool) { return slices.BinarySearch(x.keys, key) }

// lowerBound is the position of the first key ≥ s.
func (x *index) lowerBound(s string) int {
	i, _ := slices.BinarySearch(x.keys, s)
	return i
}

// at returns key i's revision in effect at revision r; false when the key
// does not exist then (not yet created, or deleted).
func (x *index) at(i int, r int64) (rev, bool) {
	rs := x.revsOf(i)
	j := sort.Search(len(rs), func(j int) bool { return rs[j].main > r }) - 1
	if j < 0 || rs[j].tomb {
		return rev{}, false
	}
	return rs[j], true
}

// exists reports whether key i exists at revision r.
func (x *index) exists(i int, r int64) bool {
	if r == x.current {
		return x.live[i+1] > x.live[i]
	}
	_, ok := x.at(i, r)
	return ok
}

// count is how many of keys[lo:hi] exist at revision r; with stop > 0 it
// stops once it found that many (enough to know a directory is not empty).
func (x *index) count(lo, hi int, r int64, stop int64) int64 {
	if r == x.current {
		return int64(x.live[hi] - x.live[lo])
	}
	var n int64
	for i := lo; i < hi; i++ {
		if _, ok := x.at(i, r); ok {
			n++
			if n == stop {
				break
			}
		}
	}
	return n
}
