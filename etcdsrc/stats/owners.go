package stats

import (
	"encoding/binary"
	"hash/maphash"
	"sync"
)

// hashSet is a set of 64-bit hashes of strings (uids, namespace and CRD
// names): eight bytes an entry whatever the string. A collision can only
// hide a finding, never invent one; among a million uids the odds of any
// are about 3 in 100 million.
type hashSet map[uint64]struct{}

// uidShards is how many locks the shared uid set is split under.
const uidShards = 64

// uidSet is the hashes of every uid seen, shared by the scan workers.
type uidSet struct {
	shards [uidShards]struct {
		mu sync.Mutex
		m  hashSet
	}
}

func newUIDSet() *uidSet {
	u := &uidSet{}
	for i := range u.shards {
		u.shards[i].m = hashSet{}
	}
	return u
}

func (u *uidSet) add(h uint64) {
	s := &u.shards[h%uidShards]
	s.mu.Lock()
	s.m[h] = struct{}{}
	s.mu.Unlock()
}

func (u *uidSet) has(h uint64) bool {
	s := &u.shards[h%uidShards]
	s.mu.Lock()
	_, ok := s.m[h]
	s.mu.Unlock()
	return ok
}

// hasher hashes strings with one seed for the whole run.
type hasher struct{ seed maphash.Seed }

func (h hasher) sum(s string) uint64 { return maphash.String(h.seed, s) }

// pendingOwner is an ownerReference whose owner had not been seen when
// the dependent was read.
type pendingOwner struct {
	hash uint64
	// key and namespace are the dependent's.
	key, namespace string
	ref            ownerRef
}

// ownerLogChunk is the size of one chunk of an ownerLog.
const ownerLogChunk = 1 << 20

// ownerLog keeps pending ownerReferences packed in large byte chunks (the
// owner uid's hash, then length-prefixed strings), so that hundreds of
// thousands of them cost their bytes and nothing for the garbage
// collector to scan, and growing never copies what is there.
type ownerLog struct {
	chunks [][]byte
}

func (l *ownerLog) add(p pendingOwner) {
	strs := [...]string{p.key, p.namespace, p.ref.APIVersion, p.ref.Kind, p.ref.Name, p.ref.UID}
	size := 8
	for _, s := range strs {
		size += binary.MaxVarintLen64 + len(s)
	}
	n := len(l.chunks)
	if n == 0 || len(l.chunks[n-1])+size > cap(l.chunks[n-1]) {
		l.chunks = append(l.chunks, make([]byte, 0, max(ownerLogChunk, size)))
		n++
	}
	c := binary.LittleEndian.AppendUint64(l.chunks[n-1], p.hash)
	for _, s := range strs {
		c = binary.AppendUvarint(c, uint64(len(s)))
		c = append(c, s...)
	}
	l.chunks[n-1] = c
}

// each calls fn for every pending reference, in the order added.
func (l *ownerLog) each(fn func(pendingOwner)) {
	for _, c := range l.chunks {
		for len(c) > 0 {
			var p pendingOwner
			p.hash = binary.LittleEndian.Uint64(c)
			c = c[8:]
			var strs [6]string
			for i := range strs {
				n, w := binary.Uvarint(c)
				strs[i] = string(c[w : w+int(n)])
				c = c[w+int(n):]
			}
			p.key, p.namespace = strs[0], strs[1]
			p.ref = ownerRef{APIVersion: strs[2], Kind: strs[3], Name: strs[4], UID: strs[5]}
			fn(p)
		}
	}
}
