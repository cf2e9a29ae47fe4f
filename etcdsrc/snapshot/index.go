package snapshot

import (
	"bytes"
	"context"
	"fmt"
	"hash/maphash"
	"math"
	"runtime"
	"sort"
	"sync"

	bolt "go.etcd.io/bbolt"
	"go.etcd.io/etcd/server/v3/storage/mvcc"
	"go.etcd.io/etcd/server/v3/storage/schema"
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
// pass over the key bucket and never changes afterwards. It holds no
// pointers but a handful of slices: the key bytes in a few large chunks,
// revisions of all keys in one flat slice. A million keys then
// cost a few allocations and nothing for the garbage collector to scan.
type index struct {
	chunks [][]byte // the bytes of every key with a revision in the file
	locs   []keyLoc // where key i is, keys sorted by bytes
	first  []uint32 // key i's revisions are revs[first[i]:first[i+1]]
	revs   []rev    // grouped by key, oldest first
	// live[i] is how many of keys 0..i-1 exist at the current revision,
	// so counting a prefix at the current revision is two look-ups.
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

// keyTable gives each distinct key an id in order of first appearance.
// Keys are found through an open-addressing table of 8-byte slots (a
// 32-bit tag of the key's hash and the key's id) and confirmed against
// their bytes, so two keys with the same hash are simply two slots. A
// Go map keyed by the hash would cost twice the memory per key and a
// second look-up for colliding keys. Key bytes go to fixed-size chunks,
// so adding a key never copies the others.
type keyTable struct {
	hash   func([]byte) uint64
	slots  []uint64 // 0: free; else the hash's top 32 bits << 32 | id+1
	chunks [][]byte
	keys   []sortKey // by id until sorted
	size   int       // bytes of all keys
}

// keyLoc is where a key's bytes are: chunks[chunk][start:end].
type keyLoc struct {
	chunk, start, end uint32
}

// chunkSize is the size of one chunk of key bytes; a longer key gets a
// chunk of its own.
const chunkSize = 1 << 20

func newKeyTable(hint int, hash func([]byte) uint64) *keyTable {
	return &keyTable{hash: hash, slots: make([]uint64, slotsFor(hint)), keys: make([]sortKey, 0, hint)}
}

// slotsFor is the table size for n keys: a power of two at least twice
// n, so probes stay short.
func slotsFor(n int) int {
	size := 16
	for size < 2*n {
		size *= 2
	}
	return size
}

func (t *keyTable) at(l keyLoc) []byte { return t.chunks[l.chunk][l.start:l.end] }

func (t *keyTable) key(id uint32) []byte { return t.at(t.keys[id].loc) }

func (t *keyTable) len() int { return len(t.keys) }

// id returns key's id, adding the key when it is new.
func (t *keyTable) id(key []byte) (uint32, error) {
	h := t.hash(key)
	tag := h >> 32
	mask := uint64(len(t.slots) - 1)
	i := h & mask
	for ; t.slots[i] != 0; i = (i + 1) & mask {
		if s := t.slots[i]; s>>32 == tag {
			if id := uint32(s) - 1; bytes.Equal(t.key(id), key) {
				return id, nil
			}
		}
	}
	if t.len() == math.MaxUint32-1 || t.size+len(key) > math.MaxUint32 {
		return 0, fmt.Errorf("too many keys to index: more than %d keys or %d bytes of keys", uint32(math.MaxUint32-1), uint32(math.MaxUint32))
	}
	id := uint32(t.len())
	t.keys = append(t.keys, sortKey{loc: t.store(key), id: id})
	t.size += len(key)
	t.slots[i] = tag<<32 | uint64(id+1)
	if 2*t.len() > len(t.slots) {
		t.grow()
	}
	return id, nil
}

// grow doubles the table, placing every key again by its hash.
func (t *keyTable) grow() {
	t.slots = make([]uint64, 2*len(t.slots))
	mask := uint64(len(t.slots) - 1)
	for id := range t.keys {
		h := t.hash(t.key(uint32(id)))
		i := h & mask
		for t.slots[i] != 0 {
			i = (i + 1) & mask
		}
		t.slots[i] = h>>32<<32 | uint64(id+1)
	}
}

// store copies key into the chunks (the mmap goes away on Close).
func (t *keyTable) store(key []byte) keyLoc {
	n := len(t.chunks)
	if n == 0 || len(t.chunks[n-1])+len(key) > cap(t.chunks[n-1]) {
		t.chunks = append(t.chunks, make([]byte, 0, max(chunkSize, len(key))))
		n++
	}
	c := t.chunks[n-1]
	start := len(c)
	t.chunks[n-1] = append(c, key...)
	return keyLoc{chunk: uint32(n - 1), start: uint32(start), end: uint32(start + len(key))}
}

// sortKey is one key of a part: where its bytes are, and its id (its
// place in the table until the table is sorted).
type sortKey struct {
	loc keyLoc
	id  uint32
}

// sorted sorts the keys in place and hands them over, with the hash
// table, no longer needed, as the sort's scratch space: the table finds
// no key afterwards.
func (t *keyTable) sorted() []sortKey {
	ks, words := t.keys, t.slots
	t.keys, t.slots = nil, nil
	t.sortKeys(ks, words)
	return ks
}

// maxHint bounds the memory set aside before the number of keys is known.
const maxHint = 1 << 20

// viewFunc runs a function in a read transaction of the db.
type viewFunc func(fn func(tx *bolt.Tx) error) error

// parallelMin is the number of revisions from which indexing is split
// between two goroutines (a variable so tests can split small files).
var parallelMin int64 = 1 << 16

// collectMin is the number of revisions from which the index build
// collects garbage between its phases (see buildIndexHash).
const collectMin = 1 << 18

// part is the index of one range of revisions, before merging.
type part struct {
	keys  *keyTable
	revs  []rev    // in revision order
	owner []uint32 // owner[i] is the key id of revs[i]
	order []sortKey
}

// progressor adds up the progress of the goroutines reading the file and
// hands it to the caller's callback, one call at a time.
type progressor struct {
	mu    sync.Mutex
	fn    func(done, total int64)
	done  []int64
	total int64
}

func (p *progressor) report(w int, done int64) {
	if p.fn == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done[w] = done
	var sum int64
	for _, d := range p.done {
		sum += d
	}
	p.fn(sum, p.total)
}

// finish reports the whole file done.
func (p *progressor) finish() {
	if p.fn == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fn(p.total, p.total)
}

// buildIndex reads the key bucket once, in revision order: two halves at
// once when the file is big and there are CPUs for it.
func buildIndex(ctx context.Context, view viewFunc, progress func(done, total int64)) (*index, error) {
	seed := maphash.MakeSeed()
	return buildIndexHash(ctx, view, progress, func(k []byte) uint64 { return maphash.Bytes(seed, k) })
}

// buildIndexHash is buildIndex with the key hash given (tests make it
// collide).
func buildIndexHash(ctx context.Context, view viewFunc, progress func(done, total int64), hash func([]byte) uint64) (*index, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("index: %w", err)
	}
	var first, last int64
	empty := false
	err := view(func(tx *bolt.Tx) error {
		c := tx.Bucket(schema.Key.Name()).Cursor()
		k, _ := c.First()
		if k == nil {
			empty = true
			return nil
		}
		r, err := parseRevKey(k)
		if err != nil {
			return err
		}
		first = r.main
		k, _ = c.Last()
		if r, err = parseRevKey(k); err != nil {
			return err
		}
		last = r.main
		return nil
	})
	if err != nil || empty {
		return &index{first: []uint32{0}, live: []uint32{0}}, err
	}

	// Part w reads main revisions bounds[w] up to bounds[w+1].
	bounds := []int64{first, last + 1}
	if last-first >= parallelMin && runtime.GOMAXPROCS(0) > 1 {
		bounds = []int64{first, first + (last-first)/2, last + 1}
	}
	workers := len(bounds) - 1
	prog := &progressor{fn: progress, done: make([]int64, workers), total: last - first + 1}
	parts := make([]*part, workers)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			parts[w], errs[w] = readPart(ctx, view, bounds[w], bounds[w+1], hash, func(done int64) { prog.report(w, done) })
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	// The parts' hash tables are garbage now. The GC pacer last measured
	// a heap about half the size of the finished index, so it would let
	// the merge take new memory beside them rather than reuse theirs (at
	// 1M keys the build would peak near 136 MB instead of 115).
	// Collecting here and once the keys are merged costs a few
	// milliseconds (the index holds no pointers to scan); below
	// collectMin revisions there is too little to win.
	collect := last-first >= collectMin
	if collect {
		runtime.GC()
	}
	x := mergeParts(parts, collect)
	x.current = last
	prog.finish()
	return x, nil
}

// readPart indexes the revisions from main revision from up to to, and
// sorts their keys.
func readPart(ctx context.Context, view viewFunc, from, to int64, hash func([]byte) uint64, progress func(done int64)) (*part, error) {
	// The number of revisions bounds the number of keys; a hint, capped.
	hint := int(min(to-from, maxHint))
	p := &part{keys: newKeyTable(hint, hash), revs: make([]rev, 0, hint), owner: make([]uint32, 0, hint)}
	err := view(func(tx *bolt.Tx) error {
		c := tx.Bucket(schema.Key.Name()).Cursor()
		for k, v := c.Seek(revBytes(rev{main: from})); k != nil; k, v = c.Next() {
			r, err := parseRevKey(k)
			if err != nil {
				return err
			}
			if r.main >= to {
				break
			}
			if v == nil {
				return fmt.Errorf("%w: revision %d is a nested bucket", ErrCorrupt, r.main)
			}
			key, err := keyOf(v)
			if err != nil {
				return fmt.Errorf("%w: revision %d: %v", ErrCorrupt, r.main, err)
			}
			id, err := p.keys.id(key)
			if err != nil {
				return err
			}
			p.revs = append(p.revs, r)
			p.owner = append(p.owner, id)
			if len(p.revs)%progressEvery == 0 {
				if err := ctx.Err(); err != nil {
					return fmt.Errorf("index: %w", err)
				}
				progress(r.main - from)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(p.revs) > math.MaxUint32 {
		return nil, fmt.Errorf("too many revisions to index: more than %d", uint32(math.MaxUint32))
	}
	p.order = p.keys.sorted()
	return p, nil
}

// mergeParts joins the parts' sorted keys into one sorted list without
// duplicates, then places every key's revisions together (a counting
// sort that keeps them in revision order, the parts being in revision
// order). With collect it collects garbage between the two (see
// buildIndexHash).
func mergeParts(parts []*part, collect bool) *index {
	x := &index{}
	ranks := make([][]uint32, len(parts)) // ranks[w][id]: position of part w's key id
	base := make([]uint32, len(parts))    // the part's first chunk in x.chunks
	most := 0                             // keys if no two parts share one
	for w, p := range parts {
		ranks[w] = make([]uint32, len(p.order))
		base[w] = uint32(len(x.chunks))
		x.chunks = append(x.chunks, p.keys.chunks...)
		most += len(p.order)
	}
	// Sized once: growing by append copies the list a dozen times over.
	x.locs = make([]keyLoc, 0, most)
	keyOf := func(w int, k sortKey) []byte { return parts[w].keys.at(k.loc) }
	heads := make([]int, len(parts))
	for {
		best := -1
		for w, p := range parts {
			if heads[w] < len(p.order) && (best < 0 || bytes.Compare(keyOf(w, p.order[heads[w]]), keyOf(best, parts[best].order[heads[best]])) < 0) {
				best = w
			}
		}
		if best < 0 {
			break
		}
		k := parts[best].order[heads[best]]
		pos := uint32(len(x.locs))
		loc := k.loc
		loc.chunk += base[best]
		x.locs = append(x.locs, loc)
		for w, p := range parts {
			if heads[w] < len(p.order) && (w == best || bytes.Equal(keyOf(w, p.order[heads[w]]), keyOf(best, k))) {
				ranks[w][p.order[heads[w]].id] = pos
				heads[w]++
			}
		}
	}
	for _, p := range parts {
		p.order = nil
	}
	if collect {
		runtime.GC() // the parts' sorted keys are garbage: let the revisions reuse them (see buildIndexHash)
	}

	n := len(x.locs)
	x.first = make([]uint32, n+1)
	total := 0
	for w, p := range parts {
		for _, id := range p.owner {
			x.first[ranks[w][id]+1]++
		}
		total += len(p.revs)
	}
	for i := range n {
		x.first[i+1] += x.first[i]
	}
	// first[pos] serves as key pos's fill point, ending at first[pos+1];
	// shifting it back afterwards saves a copy of it.
	x.revs = make([]rev, total)
	for w, p := range parts {
		for i, id := range p.owner {
			pos := ranks[w][id]
			x.revs[x.first[pos]] = p.revs[i]
			x.first[pos]++
		}
		p.revs, p.owner, ranks[w] = nil, nil, nil
	}
	copy(x.first[1:], x.first[:n])
	x.first[0] = 0
	x.live = make([]uint32, n+1)
	for i := range n {
		rs := x.revsOf(i)
		x.live[i+1] = x.live[i]
		if !rs[len(rs)-1].tomb {
			x.live[i+1]++
		}
	}
	return x
}

// len is the number of keys.
func (x *index) len() int { return len(x.locs) }

// key returns key i's bytes (the index's own: do not modify).
func (x *index) key(i int) []byte {
	l := x.locs[i]
	return x.chunks[l.chunk][l.start:l.end]
}

// keyString returns key i as a new string.
func (x *index) keyString(i int) string { return string(x.key(i)) }

// revsOf returns key i's revisions, oldest first.
func (x *index) revsOf(i int) []rev { return x.revs[x.first[i]:x.first[i+1]] }

// find returns the position of key.
func (x *index) find(key string) (int, bool) {
	i := x.lowerBound(key)
	return i, i < x.len() && string(x.key(i)) == key
}

// lowerBound is the position of the first key ≥ s.
func (x *index) lowerBound(s string) int { return x.lowerBoundIn(s, 0, x.len()) }

// lowerBoundIn is the position of the first key ≥ s among keys lo..hi-1
// (hi when there is none).
func (x *index) lowerBoundIn(s string, lo, hi int) int {
	return lo + sort.Search(hi-lo, func(j int) bool { return string(x.key(lo+j)) >= s })
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
