package kindlist

import (
	"bytes"
	"cmp"
	"slices"
	"strings"

	"github.com/etcdscope/etcdscope/etcdsrc"
)

// SortKeys is one byte key per row of a listing, in the listing's order
// (its ranks), for a sort by a column read from the values: rows are
// ordered by their keys bytewise. The keys are packed in one buffer,
// with no pointers for the garbage collector to scan; while every key
// has the same length (an age: a kind byte and a time) that is all, and
// once they differ their ends are kept too, four bytes a row.
type SortKeys struct {
	buf   []byte
	n     int      // how many keys
	width int      // the length of every key, while end is nil
	end   []uint32 // where each key ends, once lengths differ
	// byKey is the ranks in the keys' order (Sort), ties by rank.
	byKey []uint32
}

// Grow makes room for n more keys of about keyLen bytes each.
func (k *SortKeys) Grow(n, keyLen int) {
	k.buf = slices.Grow(k.buf, max(n*keyLen, 0))
}

// Append adds the key of the next row: appendKey appends it to the
// buffer it is given and returns that.
func (k *SortKeys) Append(appendKey func(dst []byte) []byte) {
	k.byKey = nil
	before := len(k.buf)
	k.buf = appendKey(k.buf)
	w := len(k.buf) - before
	switch {
	case k.n == 0 && k.end == nil:
		k.width = w
	case k.end == nil && w != k.width:
		// Lengths differ from here: keep the ends of those before.
		k.end = make([]uint32, k.n, max(2*k.n, 16))
		for i := range k.end {
			k.end[i] = uint32((i + 1) * k.width)
		}
	}
	if k.end != nil {
		k.end = append(k.end, uint32(min(len(k.buf), 1<<32-1)))
	}
	k.n++
}

// Sort orders the ranks by their keys, once all are appended, so the
// list that takes k orders its rows by merging rather than by sorting
// them all: it is the costly part of landing a sort of a long list, and
// it is done by whoever built k, off the UI goroutine. A list sorts k
// itself if it was not.
func (k *SortKeys) Sort() {
	if k.byKey != nil {
		return
	}
	k.byKey = make([]uint32, k.n)
	for i := range k.byKey {
		k.byKey[i] = uint32(i)
	}
	slices.SortFunc(k.byKey, func(a, b uint32) int {
		ka, _ := k.at(a)
		kb, _ := k.at(b)
		return cmp.Or(bytes.Compare(ka, kb), cmp.Compare(a, b))
	})
}

// Len is how many keys k holds.
func (k *SortKeys) Len() int { return k.n }

// Size is how many bytes k holds, for the memory a sort costs.
func (k *SortKeys) Size() int { return cap(k.buf) + 4*cap(k.end) + 4*cap(k.byKey) }

// at is the key of rank i, if k has one.
func (k *SortKeys) at(i uint32) ([]byte, bool) {
	if int(i) >= k.n {
		return nil, false
	}
	if k.end == nil {
		start := int(i) * k.width
		return k.buf[start : start+k.width], true
	}
	start := uint32(0)
	if i > 0 {
		start = k.end[i-1]
	}
	return k.buf[start:k.end[i]], true
}

// Accepts reports whether key is a row of the list, as Add decides: a
// Range over Prefix at Rev visits the rows in their ranks' order when
// the keys it does not accept are skipped. It reads only Prefix, SplitNS
// and Keep, so a background read may call it while the list is in use
// (Keep must then be safe for that).
func (l *List) Accepts(key string) bool {
	_, _, ok := l.parse(key)
	return ok
}

// StartSortKeys begins a sort by keys computed elsewhere (a read of the
// values at Rev): from now on, keyOf computes the sort key of each row
// the watch puts, from the value it brings, so rows changed while the
// keys are read sort right when SetSortKeys comes. The order shown stays
// as it is until then. It returns the keys of the rows the watch already
// put since the listing: the listing's values no longer tell their sort
// keys, so the caller reads them again and gives them to SetSortKeys.
func (l *List) StartSortKeys(keyOf func(kv etcdsrc.KeyValue, dst []byte) []byte) []string {
	l.normalize()
	l.pendKeyOf, l.pending = keyOf, map[string][]byte{}
	var changed []string
	for i := range l.rows {
		if l.rows[i].changed {
			changed = append(changed, l.Prefix+l.key(&l.rows[i]))
		}
	}
	return changed
}

// SetSortKeys orders the rows by the keys StartSortKeys began: keys by
// rank for the rows the listing read and the watch has not put since;
// for those it has, the key its keyOf computed, else the one fetched
// gives (by full key; nil is none). Rows with no key sort after the
// others, in key order. desc reverses the order. From now on keyOf keeps
// the keys of rows the watch puts.
func (l *List) SetSortKeys(keys *SortKeys, fetched map[string][]byte, desc bool) {
	extra := l.pending
	if extra == nil {
		extra = map[string][]byte{}
	}
	for k, v := range fetched {
		rel, ok := strings.CutPrefix(k, l.Prefix)
		if _, seen := extra[rel]; ok && !seen {
			extra[rel] = v
		}
	}
	keyOf := l.pendKeyOf
	l.stopKeys()
	l.keys, l.extra, l.keyOf = keys, extra, keyOf
	l.order, l.sortf, l.desc = ByNamespaceName, nil, desc
	l.dirty = true
}

// SortKeysActive reports whether the rows are ordered by SetSortKeys.
func (l *List) SortKeysActive() bool { return l.keys != nil }

// stopKeys ends a sort by keys, and the computing of one.
func (l *List) stopKeys() {
	l.keys, l.extra, l.keyOf = nil, nil, nil
	l.rowOf, l.others, l.otherKeys = nil, nil, nil
	l.StopSortKeys()
}

// StopSortKeys forgets the keys StartSortKeys began to collect, when
// that sort is cancelled; the order shown stays.
func (l *List) StopSortKeys() { l.pendKeyOf, l.pending = nil, nil }

// sortKey is row r's key for a sort by keys, if it has one.
func (l *List) sortKey(r *row) ([]byte, bool) {
	if r.changed {
		k, ok := l.extra[l.key(r)]
		return k, ok && k != nil
	}
	return l.keys.at(r.rank)
}

// compareKeys orders two rows by their sort keys, rows with none last;
// 0 on a tie.
func (l *List) compareKeys(a, b *row) int {
	ka, oka := l.sortKey(a)
	kb, okb := l.sortKey(b)
	switch {
	case oka && okb:
		return bytes.Compare(ka, kb)
	case oka:
		return -1
	case okb:
		return 1
	}
	return 0
}

// SetDesc reverses the sort in place (desc) or not: a sort by keys
// reversed needs no keys read again.
func (l *List) SetDesc(desc bool) {
	if l.desc != desc {
		l.desc, l.dirty = desc, true
	}
}

// updateByKeys rebuilds the view of a sort by keys in one pass over the
// rows, without sorting them all: the rows the watch has not put since
// the listing come in the order SortKeys.Sort found, and only the others
// (a few, most often) are sorted, then the two runs merged. The order is
// compare's: by key, rows with none after, ties by key; desc reverses
// it but for ties.
func (l *List) updateByKeys() {
	l.keys.Sort()
	l.ident = 0
	// rowOf is the row of each rank shown, -1 for none.
	rowOf := slices.Grow(l.rowOf[:0], l.keys.n)[:l.keys.n]
	for i := range rowOf {
		rowOf[i] = -1
	}
	l.others = l.others[:0]
	for i := range l.rows {
		r := &l.rows[i]
		if l.pattern != "" && !l.match.Match(l.filterText(r)) {
			continue
		}
		if r.changed || int(r.rank) >= l.keys.n {
			l.others = append(l.others, int32(i))
			continue
		}
		rowOf[r.rank] = int32(i)
	}
	slices.SortFunc(l.others, l.compareAsc)
	l.otherKeys = l.otherKeys[:0]
	for _, i := range l.others {
		k, ok := l.sortKey(&l.rows[i])
		if !ok {
			k = nil
		}
		l.otherKeys = append(l.otherKeys, k)
	}

	// The listing's rows in key order.
	fresh := l.shown[:0]
	for _, rank := range l.keys.byKey {
		if i := rowOf[rank]; i >= 0 {
			fresh = append(fresh, i)
		}
	}
	if l.listedOutOfOrder {
		// Ranks follow key order unless the listing came out of order;
		// rows are in key order, so a run sorts by row number.
		eachRun(fresh, func(i, j int32) bool { return bytes.Equal(l.listedKey(i), l.listedKey(j)) }, slices.Sort[[]int32])
	}
	// The others merged in from the back, in place: each one's place
	// among the listing's rows found by a binary search, the rows after
	// it moved in one copy.
	nf, no := len(fresh), len(l.others)
	shown := slices.Grow(fresh, no)[:nf+no]
	for f, o := nf, no-1; o >= 0; o-- {
		// p: how many of shown[:f] (the listing's rows not moved yet)
		// sort before the o-th.
		p, _ := slices.BinarySearchFunc(shown[:f], o, func(i int32, o int) int {
			if l.beforeListed(o, i) {
				return 1
			}
			return -1
		})
		copy(shown[p+o+1:], shown[p:f])
		shown[p+o] = l.others[o]
		f = p
	}
	if l.desc {
		reverseRuns(shown, func(i, j int32) bool { return l.compareKeys(&l.rows[i], &l.rows[j]) == 0 })
	}
	l.rowOf, l.shown = rowOf, shown
	clear(l.otherKeys) // they are the list's; keep no reference past the update
}

// listedKey is the sort key of row i, one the watch has not put.
func (l *List) listedKey(i int32) []byte {
	k, _ := l.keys.at(l.rows[i].rank)
	return k
}

// beforeListed reports whether the o-th of the others sorts before row
// i, one the watch has not put (compareAsc, with their keys at hand).
func (l *List) beforeListed(o int, i int32) bool {
	ko, key := l.otherKeys[o], l.listedKey(i)
	switch {
	case ko == nil:
		return false // a row with no key sorts after those with one
	case !bytes.Equal(ko, key):
		return bytes.Compare(ko, key) < 0
	}
	return l.key(&l.rows[l.others[o]]) < l.key(&l.rows[i])
}

// compareAsc is compare without desc.
func (l *List) compareAsc(i, j int32) int {
	a, b := &l.rows[i], &l.rows[j]
	return cmp.Or(l.compareKeys(a, b), strings.Compare(l.key(a), l.key(b)))
}

// reverseRuns reverses s but for its runs of elements that are equal,
// which keep their order: a descending sort with ties still ascending.
func reverseRuns(s []int32, equal func(a, b int32) bool) {
	slices.Reverse(s)
	eachRun(s, equal, slices.Reverse[[]int32])
}

// eachRun calls f on each run of neighbours of s that are equal.
func eachRun(s []int32, equal func(a, b int32) bool, f func(run []int32)) {
	for start := 0; start < len(s); {
		end := start + 1
		for end < len(s) && equal(s[end-1], s[end]) {
			end++
		}
		f(s[start:end])
		start = end
	}
}
