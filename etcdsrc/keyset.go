package etcdsrc

import (
	"encoding/binary"
	"sort"
)

// keyBlockMax is the most keys one block of a keySet holds; a fuller block
// splits in two. Every change decodes and re-encodes one block, so this
// bounds the work of an update (a few KB copied) against the per-block
// overhead.
const keyBlockMax = 64

// keySet is a sorted set of keys kept front-coded in blocks, so the set of
// keys a Follow has reported stays small: keys under one prefix share most
// of their bytes, and each key after a block's first costs only the tail
// that differs from the key before it, plus two length bytes.
type keySet struct {
	blocks []keyBlock
	n      int
	// last is the last key appendSorted added, while no other change
	// came after it; nil otherwise.
	last []byte
	// d and scratch are room for one block's changes.
	d       decoded
	scratch [][]byte
}

// keyBlock holds its first key whole and, for each later key, the length
// of the prefix it shares with the key before it, the tail's length
// (uvarints) and the tail.
type keyBlock struct {
	first string
	rest  []byte
	n     int // keys in the block, the first included
}

// decoded is one block laid out flat: every key's bytes in buf, key i
// ending at ends[i].
type decoded struct {
	buf  []byte
	ends []int
}

func (d *decoded) len() int { return len(d.ends) }

func (d *decoded) key(i int) []byte {
	start := 0
	if i > 0 {
		start = d.ends[i-1]
	}
	return d.buf[start:d.ends[i]]
}

// decode lays b out in d, reusing d's memory.
func (b *keyBlock) decode(d *decoded) {
	d.buf = append(d.buf[:0], b.first...)
	d.ends = append(d.ends[:0], len(b.first))
	prevStart := 0
	for p := 0; p < len(b.rest); {
		shared, n1 := binary.Uvarint(b.rest[p:])
		tail, n2 := binary.Uvarint(b.rest[p+n1:])
		p += n1 + n2
		start := len(d.buf)
		d.buf = append(d.buf, d.buf[prevStart:prevStart+int(shared)]...)
		d.buf = append(d.buf, b.rest[p:p+int(tail)]...)
		p += int(tail)
		d.ends = append(d.ends, len(d.buf))
		prevStart = start
	}
}

// encodeBlock builds a block from keys, in order, in old's memory.
func encodeBlock(keys [][]byte, old keyBlock) keyBlock {
	b := keyBlock{first: old.first, n: len(keys)}
	if string(keys[0]) != old.first {
		b.first = string(keys[0])
	}
	reuse := old.rest
	out := reuse[:0]
	for i := 1; i < len(keys); i++ {
		out = appendEntry(out, keys[i-1], keys[i])
	}
	b.rest = out
	return b
}

// appendEntry appends key encoded against prev.
func appendEntry(out, prev, key []byte) []byte {
	shared := 0
	for shared < len(prev) && shared < len(key) && prev[shared] == key[shared] {
		shared++
	}
	out = binary.AppendUvarint(out, uint64(shared))
	out = binary.AppendUvarint(out, uint64(len(key)-shared))
	return append(out, key[shared:]...)
}

// block returns the index of the block that holds key if the set does:
// the last block whose first key is not after it; -1 when key sorts
// before every block.
func (s *keySet) block(key string) int {
	return sort.Search(len(s.blocks), func(i int) bool { return s.blocks[i].first > key }) - 1
}

// position finds key in d: its index and whether it is there; otherwise
// the index it would be inserted at.
func (d *decoded) position(key string) (int, bool) {
	i := sort.Search(d.len(), func(i int) bool { return string(d.key(i)) >= key })
	return i, i < d.len() && string(d.key(i)) == key
}

func (s *keySet) len() int { return s.n }

// has reports whether key is in the set.
func (s *keySet) has(key string) bool {
	bi := s.block(key)
	if bi < 0 {
		return false
	}
	s.blocks[bi].decode(&s.d)
	_, ok := s.d.position(key)
	return ok
}

// add puts key in the set; it returns false when it was there already.
func (s *keySet) add(key string) bool {
	s.last = nil
	if len(s.blocks) == 0 {
		s.blocks = []keyBlock{{first: key, n: 1}}
		s.n = 1
		return true
	}
	bi := max(s.block(key), 0)
	d := &s.d
	s.blocks[bi].decode(d)
	i, ok := d.position(key)
	if ok {
		return false
	}
	// The new key goes at the end of the scratch buffer, after the block's.
	start := len(d.buf)
	d.buf = append(d.buf, key...)
	added := d.buf[start:]
	keys := s.scratch[:0]
	for j := range d.len() {
		if j == i {
			keys = append(keys, added)
		}
		keys = append(keys, d.key(j))
	}
	if i == d.len() {
		keys = append(keys, added)
	}
	s.scratch = keys
	s.n++
	if len(keys) <= keyBlockMax {
		s.blocks[bi] = encodeBlock(keys, s.blocks[bi])
		return true
	}
	half := len(keys) / 2
	lo := encodeBlock(keys[:half], keyBlock{})
	hi := encodeBlock(keys[half:], keyBlock{})
	s.blocks[bi] = lo
	s.blocks = append(s.blocks, keyBlock{})
	copy(s.blocks[bi+2:], s.blocks[bi+1:])
	s.blocks[bi+1] = hi
	return true
}

// remove takes key out of the set; it returns false when it was not there.
func (s *keySet) remove(key string) bool {
	s.last = nil
	bi := s.block(key)
	if bi < 0 {
		return false
	}
	d := &s.d
	s.blocks[bi].decode(d)
	i, ok := d.position(key)
	if !ok {
		return false
	}
	s.n--
	if d.len() == 1 {
		s.blocks = append(s.blocks[:bi], s.blocks[bi+1:]...)
		return true
	}
	keys := s.scratch[:0]
	for j := range d.len() {
		if j != i {
			keys = append(keys, d.key(j))
		}
	}
	s.scratch = keys
	// The decoded keys live in d.buf, not in the block, so the block's
	// bytes can be reused.
	s.blocks[bi] = encodeBlock(keys, s.blocks[bi])
	return true
}

// appendSorted adds key, which sorts after every key in the set: building
// a set from a listing in key order costs no search and no re-encoding.
func (s *keySet) appendSorted(key []byte) {
	s.n++
	n := len(s.blocks)
	if n > 0 && s.blocks[n-1].n < keyBlockMax {
		b := &s.blocks[n-1]
		if s.last == nil {
			var d decoded
			b.decode(&d)
			s.last = append([]byte(nil), d.key(d.len()-1)...)
		}
		b.rest = appendEntry(b.rest, s.last, key)
		b.n++
	} else {
		s.blocks = append(s.blocks, keyBlock{first: string(key), n: 1})
	}
	s.last = append(s.last[:0], key...)
}

// bytes is about what the set holds in memory: the blocks' headers, first
// keys and encoded tails.
func (s *keySet) bytes() int {
	const blockHeader = 16 + 24 + 8 // first, rest, n
	total := cap(s.blocks) * blockHeader
	for _, b := range s.blocks {
		total += len(b.first) + cap(b.rest)
	}
	return total
}

// unionKeys is the set of the keys in a or b.
func unionKeys(a, b *keySet) *keySet {
	out := &keySet{}
	ca, cb := a.cursor(), b.cursor()
	for ca.valid() || cb.valid() {
		switch {
		case !cb.valid() || ca.valid() && string(ca.key()) < string(cb.key()):
			out.appendSorted(ca.key())
			ca.next()
		case !ca.valid() || string(cb.key()) < string(ca.key()):
			out.appendSorted(cb.key())
			cb.next()
		default:
			out.appendSorted(ca.key())
			ca.next()
			cb.next()
		}
	}
	return out
}

// keyCursor walks a set in key order. The key it shows is valid until the
// next call to next.
type keyCursor struct {
	s  *keySet
	bi int
	i  int
	d  decoded
}

func (s *keySet) cursor() *keyCursor {
	c := &keyCursor{s: s}
	if len(s.blocks) > 0 {
		s.blocks[0].decode(&c.d)
	}
	return c
}

func (c *keyCursor) valid() bool { return c.bi < len(c.s.blocks) }

func (c *keyCursor) key() []byte { return c.d.key(c.i) }

func (c *keyCursor) next() {
	c.i++
	if c.i < c.d.len() {
		return
	}
	c.bi++
	c.i = 0
	if c.bi < len(c.s.blocks) {
		c.s.blocks[c.bi].decode(&c.d)
	}
}

// keys returns every key, in order (tests and small sets only).
func (s *keySet) keys() []string {
	var out []string
	for c := s.cursor(); c.valid(); c.next() {
		out = append(out, string(c.key()))
	}
	return out
}
