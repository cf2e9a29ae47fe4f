package snapshot

import (
	"bytes"
	"encoding/binary"
	"sort"
)

// Sorting a part's keys is the largest cost of indexing a big file. A
// comparison sort compares whole keys about 20 times each, and
// Kubernetes keys share long prefixes ("/registry/configmaps/ns-0001/"),
// so each comparison reads some 30 bytes of two keys scattered over the
// key chunks. Sorting instead by 8 bytes of each key at a time, held
// beside it as a number, reads each key once per 8 bytes of common
// prefix: at 1M keys it takes less than half the time.

// radixDepth is how deep in the keys the word sort goes; past it a run
// of keys sharing that much is sorted by comparing them, which bounds
// the recursion whatever the keys.
const radixDepth = 512

// sortKeys sorts ks by the bytes of their keys; words (at least len(ks)
// long) is scratch space.
func (t *keyTable) sortKeys(ks []sortKey, words []uint64) {
	s := wordSort{t: t, ks: ks, ws: words[:len(ks)]}
	s.fill(0)
	s.sortFrom(0)
}

// wordSort sorts keys by the word of each, the 8 bytes from depth d,
// padded with zeros: ws[i] is ks[i]'s word.
type wordSort struct {
	t  *keyTable
	ks []sortKey
	ws []uint64
}

func (s wordSort) Len() int           { return len(s.ks) }
func (s wordSort) Less(i, j int) bool { return s.ws[i] < s.ws[j] }
func (s wordSort) Swap(i, j int) {
	s.ks[i], s.ks[j] = s.ks[j], s.ks[i]
	s.ws[i], s.ws[j] = s.ws[j], s.ws[i]
}

func (s wordSort) slice(i, j int) wordSort { return wordSort{t: s.t, ks: s.ks[i:j], ws: s.ws[i:j]} }

func (s wordSort) length(i int) int { return int(s.ks[i].loc.end - s.ks[i].loc.start) }

// fill sets every word to the keys' bytes d to d+8.
func (s wordSort) fill(d int) {
	for i, k := range s.ks {
		s.ws[i] = wordAt(s.t.at(k.loc), d)
	}
}

// wordAt is key[d:d+8] as a big-endian number, zero-padded.
func wordAt(key []byte, d int) uint64 {
	if d >= len(key) {
		return 0
	}
	key = key[d:]
	if len(key) >= 8 {
		return binary.BigEndian.Uint64(key)
	}
	var b [8]byte
	copy(b[:], key)
	return binary.BigEndian.Uint64(b[:])
}

// sortFrom sorts keys that share their first d bytes, with words filled
// at d.
func (s wordSort) sortFrom(d int) {
	if d >= radixDepth {
		sort.Sort(byBytes(s))
		return
	}
	sort.Sort(s)
	for i := 0; i < len(s.ks); {
		j := i + 1
		for j < len(s.ks) && s.ws[j] == s.ws[i] {
			j++
		}
		if j-i > 1 {
			s.slice(i, j).sortTie(d)
		}
		i = j
	}
}

// sortTie sorts keys whose first d+8 bytes, zero-padded, are the same.
// Those that end within them are prefixes of the others (the bytes they
// lack are zeros), so they go first, shorter first; the rest go on 8
// bytes further.
func (s wordSort) sortTie(d int) {
	short := 0
	for i := range s.ks {
		if s.length(i) <= d+8 {
			s.Swap(i, short)
			short++
		}
	}
	if short > 1 {
		sort.Sort(byLength(s.slice(0, short)))
	}
	if rest := s.slice(short, len(s.ks)); rest.Len() > 1 {
		rest.fill(d + 8)
		rest.sortFrom(d + 8)
	}
}

// byLength orders keys by length.
type byLength wordSort

func (s byLength) Len() int           { return len(s.ks) }
func (s byLength) Less(i, j int) bool { return wordSort(s).length(i) < wordSort(s).length(j) }
func (s byLength) Swap(i, j int)      { wordSort(s).Swap(i, j) }

// byBytes orders keys by comparing their bytes.
type byBytes wordSort

func (s byBytes) Len() int { return len(s.ks) }
func (s byBytes) Less(i, j int) bool {
	return bytes.Compare(s.t.at(s.ks[i].loc), s.t.at(s.ks[j].loc)) < 0
}
func (s byBytes) Swap(i, j int) { wordSort(s).Swap(i, j) }
