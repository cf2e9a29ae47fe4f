package stats

import (
	"encoding/binary"
	"hash/maphash"
	"slices"
)

// hashSet is a set of 64-bit hashes of strings (namespace and CRD
// names): eight bytes an entry whatever the string. A collision can only
// hide a finding, never invent one.
type hashSet map[uint64]struct{}

// hasher hashes strings with one seed for the whole run.
type hasher struct{ seed maphash.Seed }

func (h hasher) sum(s string) uint64 { return maphash.String(h.seed, s) }

// hashChunk is how many hashes one chunk of a hashList holds.
const hashChunk = 1 << 16

// hashList collects the hashes of the uids one worker saw, in chunks, so
// that growing never copies what is there: eight bytes a uid. Among a
// million uids the odds of two sharing a hash are about 3 in 100
// million, and a shared hash can only hide an owner gone.
type hashList struct {
	chunks [][]uint64
}

func (l *hashList) add(h uint64) {
	n := len(l.chunks)
	if n == 0 || len(l.chunks[n-1]) == hashChunk {
		l.chunks = append(l.chunks, make([]uint64, 0, hashChunk))
		n++
	}
	l.chunks[n-1] = append(l.chunks[n-1], h)
}

// sortedHashes joins lists into one sorted slice, letting the lists go.
func sortedHashes(lists []*hashList) []uint64 {
	n := 0
	for _, l := range lists {
		for _, c := range l.chunks {
			n += len(c)
		}
	}
	out := make([]uint64, 0, n)
	for _, l := range lists {
		for _, c := range l.chunks {
			out = append(out, c...)
		}
		l.chunks = nil
	}
	slices.Sort(out)
	return out
}

// hasHash reports whether sorted holds h.
func hasHash(sorted []uint64, h uint64) bool {
	_, ok := slices.BinarySearch(sorted, h)
	return ok
}

// pendingOwner is an ownerReference to check once every uid is known.
type pendingOwner struct {
	// key is the dependent's.
	key string
	ref ownerRef
}

// ownerType is an owner's apiVersion and kind, which few values share
// among many references.
type ownerType struct{ apiVersion, kind string }

// ownerLogChunk is the size of one chunk of an ownerLog.
const ownerLogChunk = 1 << 20

// ownerLog keeps ownerReferences packed in large byte chunks (the
// dependent's key, the owner's type as a number, name and uid, each
// length-prefixed), so that hundreds of thousands of them cost little
// more than their bytes and nothing for the garbage collector to scan,
// and growing never copies what is there.
type ownerLog struct {
	chunks [][]byte
	types  []ownerType
	typeOf map[ownerType]uint64
}

func (l *ownerLog) add(key string, ref ownerRef) {
	t := ownerType{ref.APIVersion, ref.Kind}
	id, ok := l.typeOf[t]
	if !ok {
		if l.typeOf == nil {
			l.typeOf = map[ownerType]uint64{}
		}
		id = uint64(len(l.types))
		l.types = append(l.types, t)
		l.typeOf[t] = id
	}
	size := 4*binary.MaxVarintLen64 + len(key) + len(ref.Name) + len(ref.UID)
	n := len(l.chunks)
	if n == 0 || len(l.chunks[n-1])+size > cap(l.chunks[n-1]) {
		l.chunks = append(l.chunks, make([]byte, 0, max(ownerLogChunk, size)))
		n++
	}
	c := binary.AppendUvarint(l.chunks[n-1], id)
	for _, s := range [...]string{key, ref.Name, ref.UID} {
		c = binary.AppendUvarint(c, uint64(len(s)))
		c = append(c, s...)
	}
	l.chunks[n-1] = c
}

// each calls fn for every reference, in the order added.
func (l *ownerLog) each(fn func(pendingOwner)) {
	for _, c := range l.chunks {
		for len(c) > 0 {
			id, w := binary.Uvarint(c)
			c = c[w:]
			var strs [3]string
			for i := range strs {
				n, w := binary.Uvarint(c)
				strs[i] = string(c[w : w+int(n)])
				c = c[w+int(n):]
			}
			t := l.types[id]
			fn(pendingOwner{key: strs[0], ref: ownerRef{APIVersion: t.apiVersion, Kind: t.kind, Name: strs[1], UID: strs[2]}})
		}
	}
}
