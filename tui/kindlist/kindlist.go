// Package kindlist is a kind list as plain data: the objects of one kind
// under a prefix, kept current by watch events with marks on the rows
// that changed lately, filtered and sorted. It does no I/O and knows
// nothing of bubbletea, so it is tested with synthetic listings and event
// sequences alone; the explorer's list pane wraps it with a cursor, the
// Cmds that read and decode, and the view.
//
// A list can hold every object of a kind in a large cluster (300,000
// ConfigMaps), so it holds no object per row: rows are plain values in
// one slice, in key order, their keys packed into one byte buffer; the
// filtered, sorted view is a slice of row numbers. None of these hold
// pointers, so the garbage collector never scans them, and a row costs
// its key's bytes and a few words.
package kindlist

import (
	"cmp"
	"encoding/binary"
	"slices"
	"strings"
	"time"
	"unsafe"

	"github.com/etcdscope/etcdscope/etcdsrc"
	"github.com/etcdscope/etcdscope/tui/keytree"
)

// Item is one object of the list, as the pane shows it.
type Item struct {
	Key       string
	Namespace string
	Name      string
	// Size is the stored value's length in bytes.
	Size int
	Mark keytree.Mark
}

// SortFunc orders two items for a sort by a column the key does not tell
// (one decoded from the values). The items it is given, strings and all,
// are valid during the call only: it must not keep them.
type SortFunc func(a, b *Item) int

// Order is one of the sorts the list does on its own, from the keys and
// sizes alone.
type Order int

const (
	// ByNamespaceName orders by namespace, then name: the listing's own
	// order.
	ByNamespaceName Order = iota
	// ByName orders by name alone (the NAME column).
	ByName
	// ByNamespace orders by namespace alone (the NAMESPACE column).
	ByNamespace
	// BySize orders by stored size, smallest first (the SIZE column).
	BySize
)

// row is one item, 16 bytes. Its key after the prefix is in buf at off,
// its length first as a uvarint; its namespace and name are parts of that
// key (split at its first "/" in a list across namespaces) or, when apart
// is set (a Keep that names rows otherwise), follow it in buf: both
// lengths as uvarints, then the namespace, then the name. rank is its
// place in the listing (noRank for a row the watch created), which finds
// its key in SortKeys; changed is set once the watch put it, so the
// listing's value no longer tells its sort key.
type row struct {
	off                  uint32
	size                 uint32
	rank                 uint32
	mark                 uint8 // a keytree.Mark
	apart, gone, changed bool
}

// noRank is the rank of a row the listing did not read.
const noRank = ^uint32(0)

// The marks as a row holds them.
const (
	markNone = uint8(keytree.MarkNone)
	markAdd  = uint8(keytree.MarkAdd)
	markMod  = uint8(keytree.MarkMod)
	markDel  = uint8(keytree.MarkDel)
)

// List is the objects of one kind under Prefix.
type List struct {
	// Prefix is the key prefix listed ("/registry/pods/" or one
	// namespace's "/registry/pods/shop/").
	Prefix string
	// SplitNS: the first segment after Prefix is the namespace.
	SplitNS bool
	// Rev is the revision the list was read at; watched changes at or
	// before it are already in it.
	Rev int64
	// Keep, when set, decides which keys under Prefix are rows and how
	// they are named (a list across kinds: one namespace's objects).
	Keep func(key string) (namespace, name string, ok bool)

	buf      []byte
	expect   int   // how many rows Expect was told of
	garbage  int   // bytes of buf no row uses
	rows     []row // in key order once sorted is set
	unsorted bool  // Add was given a key out of order
	// listedOutOfOrder: some key Add was given was out of order, so
	// ranks do not follow key order (unsorted is reset once sorted).
	listedOutOfOrder bool
	// marked holds when each marked row (by key after the prefix) was
	// marked: only rows a watch changed lately have an entry.
	marked map[string]time.Time
	added  int // how many rows Add took: the next one's rank

	// A sort by keys (SetSortKeys): the listing's, by rank, and those of
	// rows the watch put, by key after the prefix, which keyOf computes
	// from the values the watch brings. pending and pendKeyOf are the
	// same for a sort by keys being computed (StartSortKeys).
	keys      *SortKeys
	extra     map[string][]byte
	keyOf     func(kv etcdsrc.KeyValue, dst []byte) []byte
	pending   map[string][]byte
	pendKeyOf func(kv etcdsrc.KeyValue, dst []byte) []byte

	// The view: the rows that pass the filter, in order. It is all rows
	// in key order (ident 1) or its reverse (ident -1), the most common
	// views, without a slice; else (ident 0) shown holds their numbers.
	shown   []int32
	ident   int
	order   Order
	sortf   SortFunc
	desc    bool
	match   keytree.Matcher
	pattern string
	dirty   bool

	// Scratch for a view sorted by keys (updateByKeys).
	rowOf     []int32
	others    []int32
	otherKeys [][]byte

	// Scratch for filtering and for the items a SortFunc is given.
	scratch    []byte
	ia, ib     Item
	keyA, keyB []byte
}

// New returns an empty list of the keys under prefix.
func New(prefix string, splitNS bool) *List {
	return &List{Prefix: prefix, SplitNS: splitNS, marked: map[string]time.Time{}, dirty: true}
}

// view is b as a string without a copy; it must not outlive the call it
// is made for (buf is rebuilt when it is compacted).
func view(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

func (l *List) key(r *row) string {
	k, _ := l.keyEnd(r)
	return k
}

// keyEnd is row r's key after the prefix, and where in buf it ends.
func (l *List) keyEnd(r *row) (string, int) {
	n, w := binary.Uvarint(l.buf[r.off:])
	start := int(r.off) + w
	end := start + int(n)
	return view(l.buf[start:end]), end
}

// names is row r's namespace and name, and how many bytes of buf the row
// takes in all.
func (l *List) names(r *row) (ns, name string, size int) {
	key, end := l.keyEnd(r)
	if !r.apart {
		if !l.SplitNS {
			return "", key, end - int(r.off)
		}
		i := strings.IndexByte(key, '/')
		return key[:i], key[i+1:], end - int(r.off)
	}
	b := l.buf[end:]
	nsLen, w1 := binary.Uvarint(b)
	nameLen, w2 := binary.Uvarint(b[w1:])
	b = b[w1+w2:]
	return view(b[:nsLen]), view(b[nsLen : nsLen+nameLen]), end - int(r.off) + w1 + w2 + int(nsLen+nameLen)
}

// bytes is how much of buf row r takes.
func (l *List) bytes(r *row) int {
	_, _, n := l.names(r)
	return n
}

// parse tells whether key k is a row of the list, and its namespace and
// name.
func (l *List) parse(k string) (ns, name string, ok bool) {
	if !strings.HasPrefix(k, l.Prefix) || len(k) == len(l.Prefix) {
		return "", "", false
	}
	if l.Keep != nil {
		return l.Keep(k)
	}
	rel := k[len(l.Prefix):]
	if !l.SplitNS {
		return "", rel, true
	}
	ns, name, ok = strings.Cut(rel, "/") // an object of a namespace
	return ns, name, ok
}

// newRow packs the key k (under the prefix) and its names into buf.
func (l *List) newRow(k, ns, name string, size int) row {
	rel := k[len(l.Prefix):]
	r := row{off: uint32(len(l.buf)), size: clampSize(size)}
	l.buf = binary.AppendUvarint(l.buf, uint64(len(rel)))
	l.buf = append(l.buf, rel...)
	if l.Keep != nil {
		r.apart = true
		l.buf = binary.AppendUvarint(l.buf, uint64(len(ns)))
		l.buf = binary.AppendUvarint(l.buf, uint64(len(name)))
		l.buf = append(append(l.buf, ns...), name...)
	}
	return r
}

// clampSize fits a value's length in a row (etcd values are far below
// 4 GiB).
func clampSize(n int) uint32 { return uint32(min(max(n, 0), 1<<32-1)) }

// sampleRows is how many rows Add takes before it sizes buf for the rows
// Expect announced, from their keys' mean length.
const sampleRows = 256

// Expect says about how many rows the listing will Add, so the list is
// allocated once at its size: growing a slice of 300,000 rows by
// appending holds the old and the new one at once, over and over.
func (l *List) Expect(n int) {
	if n <= len(l.rows) {
		return
	}
	l.expect = n
	l.rows = slices.Grow(l.rows, n-len(l.rows))
}

// Add puts a key read by the listing into the list. The listing reads
// keys in order; one out of order (or twice) is sorted in later.
func (l *List) Add(kv etcdsrc.KeyValue) {
	ns, name, ok := l.parse(kv.Key)
	if !ok {
		return
	}
	r := l.newRow(kv.Key, ns, name, len(kv.Value))
	r.rank = uint32(min(l.added, int(noRank)))
	l.added++
	if n := len(l.rows); n > 0 && l.key(&l.rows[n-1]) >= l.key(&r) {
		l.unsorted, l.listedOutOfOrder = true, true
	}
	l.rows = append(l.rows, r)
	if len(l.rows) == sampleRows && l.expect > sampleRows {
		// An eighth more than the mean: keys vary in length.
		l.buf = slices.Grow(l.buf, len(l.buf)/sampleRows*(l.expect-sampleRows)*9/8)
	}
	l.dirty = true
}

// normalize puts rows Add took out of order in order, the last added of
// a key kept.
func (l *List) normalize() {
	if !l.unsorted {
		return
	}
	l.unsorted = false
	slices.SortStableFunc(l.rows, func(a, b row) int { return strings.Compare(l.key(&a), l.key(&b)) })
	out := l.rows[:0]
	for i := range l.rows {
		if len(out) > 0 && l.key(&out[len(out)-1]) == l.key(&l.rows[i]) {
			l.garbage += l.bytes(&out[len(out)-1])
			out[len(out)-1] = l.rows[i]
			continue
		}
		out = append(out, l.rows[i])
	}
	l.rows = out
}

// find is the index of the row of key k after the prefix, or -1.
func (l *List) find(rel string) int {
	l.normalize()
	i, ok := slices.BinarySearchFunc(l.rows, rel, func(r row, k string) int { return strings.Compare(l.key(&r), k) })
	if !ok {
		return -1
	}
	return i
}

// Len is how many objects the list holds.
func (l *List) Len() int {
	l.normalize()
	return len(l.rows)
}

// item builds the item of row r.
func (l *List) item(r *row) Item {
	key := l.Prefix + l.key(r)
	it := Item{Key: key, Size: int(r.size), Mark: keytree.Mark(r.mark)}
	ns, name, _ := l.names(r)
	if r.apart {
		s := ns + name
		it.Namespace, it.Name = s[:len(ns)], s[len(ns):]
		return it
	}
	rel := key[len(l.Prefix):]
	it.Namespace, it.Name = rel[:len(ns)], rel[len(rel)-len(name):]
	return it
}

// Item is the item of key k, if the list holds it.
func (l *List) Item(k string) (Item, bool) {
	if !strings.HasPrefix(k, l.Prefix) {
		return Item{}, false
	}
	i := l.find(k[len(l.Prefix):])
	if i < 0 {
		return Item{}, false
	}
	return l.item(&l.rows[i]), true
}

// ApplyEvents follows watch events, oldest first: a create adds a row
// marked new, an update marks it modified, a delete marks it deleted
// until Sweep removes it. Events at or before the list's revision are in
// it already. It reports whether the list changed. The rows a batch
// creates are merged into the list once, at its end.
func (l *List) ApplyEvents(evs []etcdsrc.Event, now time.Time) bool {
	l.normalize()
	changed := false
	var added []row
	var addedAt map[string]int // key after the prefix → index in added
	for i := range evs {
		ev := &evs[i]
		k := ev.KV.Key
		if ev.Revision <= l.Rev || (ev.Type != etcdsrc.EventPut && ev.Type != etcdsrc.EventDelete) {
			continue
		}
		ns, name, ok := l.parse(k)
		if !ok {
			continue
		}
		rel := k[len(l.Prefix):]
		var r *row
		if j := l.find(rel); j >= 0 {
			r = &l.rows[j]
		} else if j, ok := addedAt[rel]; ok {
			r = &added[j]
		}
		switch {
		case ev.Type == etcdsrc.EventDelete && r == nil:
			continue
		case ev.Type == etcdsrc.EventDelete:
			r.mark = markDel
		case r == nil:
			if addedAt == nil {
				addedAt = map[string]int{}
			}
			addedAt[rel] = len(added)
			added = append(added, l.newRow(k, ns, name, ev.ValueSize()))
			r = &added[len(added)-1]
			r.mark, r.rank = markAdd, noRank
		default:
			r.size = clampSize(ev.ValueSize())
			switch {
			case r.mark == markDel || ev.KV.Version == 1:
				r.mark = markAdd
			case r.mark != markAdd:
				r.mark = markMod
			}
			if l.order == BySize {
				l.dirty = true // its size may have moved it
			}
		}
		if ev.Type == etcdsrc.EventPut {
			r.changed = true
			// An event held without its value (a watch catching up a
			// backlog) tells no sort key: the row gets none and sorts
			// last, rather than a key computed from no value.
			if l.keyOf != nil {
				l.extra[rel] = nil
				if !ev.Stripped {
					l.extra[rel] = l.keyOf(ev.KV, nil)
				}
			}
			if l.pendKeyOf != nil {
				l.pending[rel] = nil
				if !ev.Stripped {
					l.pending[rel] = l.pendKeyOf(ev.KV, nil)
				}
			}
		}
		if l.sortf != nil || l.keys != nil {
			l.dirty = true // what the sort looks at may have changed
		}
		l.marked[rel] = now
		changed = true
	}
	if len(added) > 0 {
		l.merge(added)
	}
	return changed
}

// merge puts rows not in the list yet into it, in key order, in place
// from the end: one pass over the list for a whole batch.
func (l *List) merge(added []row) {
	slices.SortFunc(added, func(a, b row) int { return strings.Compare(l.key(&a), l.key(&b)) })
	n := len(l.rows)
	l.rows = slices.Grow(l.rows, len(added))[:n+len(added)]
	i, j := n-1, len(added)-1
	for w := len(l.rows) - 1; j >= 0; w-- {
		if i >= 0 && l.key(&l.rows[i]) > l.key(&added[j]) {
			l.rows[w] = l.rows[i]
			i--
		} else {
			l.rows[w] = added[j]
			j--
		}
	}
	l.dirty = true
}

// Sweep clears marks older than keytree.MarkTTL and removes deleted rows;
// it reports whether marks remain.
func (l *List) Sweep(now time.Time) bool {
	l.normalize()
	removed := false
	for rel, at := range l.marked {
		if now.Sub(at) < keytree.MarkTTL {
			continue
		}
		delete(l.marked, rel)
		i := l.find(rel)
		if i < 0 {
			continue
		}
		r := &l.rows[i]
		if r.mark == markDel {
			r.gone, removed = true, true
		}
		r.mark = markNone
		if l.sortf != nil || l.keys != nil {
			l.dirty = true
		}
	}
	if removed {
		l.compact()
	}
	return len(l.marked) > 0
}

// compact drops the rows Sweep removed, and rebuilds buf once most of it
// is unused.
func (l *List) compact() {
	out := l.rows[:0]
	for i := range l.rows {
		if l.rows[i].gone {
			l.garbage += l.bytes(&l.rows[i])
			continue
		}
		out = append(out, l.rows[i])
	}
	clear(l.rows[len(out):])
	l.rows = out
	l.dirty = true
	if l.garbage < len(l.buf)/2 {
		return
	}
	buf := make([]byte, 0, len(l.buf)-l.garbage)
	for i := range l.rows {
		r := &l.rows[i]
		off := uint32(len(buf))
		buf = append(buf, l.buf[r.off:r.off+uint32(l.bytes(r))]...)
		r.off = off
	}
	l.buf, l.garbage = buf, 0
}

// SetFilter narrows the rows shown (keytree.NewMatcher's patterns,
// against "namespace/name").
func (l *List) SetFilter(pattern string) {
	l.match, l.pattern = keytree.NewMatcher(pattern), pattern
	l.dirty = true
}

// SetSort orders the rows by one of the list's own orders, reversed when
// desc is set.
func (l *List) SetSort(o Order, desc bool) {
	l.stopKeys()
	l.order, l.sortf, l.desc = o, nil, desc
	l.dirty = true
}

// SetSortFunc orders the rows by f, reversed when desc is set.
func (l *List) SetSortFunc(f SortFunc, desc bool) {
	l.stopKeys()
	l.order, l.sortf, l.desc = ByNamespaceName, f, desc
	l.dirty = true
}

// Resort orders the rows again after their sort keys changed (a column
// decoded in the background).
func (l *List) Resort() { l.dirty = true }

// ShownLen is how many rows pass the filter.
func (l *List) ShownLen() int {
	l.update()
	if l.ident != 0 {
		return len(l.rows)
	}
	return len(l.shown)
}

// At is the i-th row that passes the filter, in order.
func (l *List) At(i int) Item {
	l.update()
	switch l.ident {
	case 1:
		return l.item(&l.rows[i])
	case -1:
		return l.item(&l.rows[len(l.rows)-1-i])
	}
	return l.item(&l.rows[l.shown[i]])
}

// Pos is the position among the rows shown of key k, or -1.
func (l *List) Pos(k string) int {
	if !strings.HasPrefix(k, l.Prefix) {
		return -1
	}
	l.update()
	i := l.find(k[len(l.Prefix):])
	switch {
	case i < 0:
		return -1
	case l.ident == 1:
		return i
	case l.ident == -1:
		return len(l.rows) - 1 - i
	}
	return slices.Index(l.shown, int32(i))
}

// filterText is "namespace/name" of row r, in scratch: it is valid until
// the next call.
func (l *List) filterText(r *row) string {
	ns, name, _ := l.names(r)
	l.scratch = append(append(append(l.scratch[:0], ns...), '/'), name...)
	return view(l.scratch)
}

// compareBuiltin orders two rows by the list's own order, 0 on a tie.
func (l *List) compareBuiltin(a, b *row) int {
	if l.order == BySize {
		return cmp.Compare(a.size, b.size)
	}
	nsA, nameA, _ := l.names(a)
	nsB, nameB, _ := l.names(b)
	switch l.order {
	case ByName:
		return strings.Compare(nameA, nameB)
	case ByNamespace:
		return strings.Compare(nsA, nsB)
	}
	return cmp.Or(strings.Compare(nsA, nsB), strings.Compare(nameA, nameB))
}

// scratchItem fills it with a view of row r for a SortFunc, its key
// built in kb.
func (l *List) scratchItem(it *Item, kb *[]byte, r *row) {
	*kb = append(append((*kb)[:0], l.Prefix...), l.key(r)...)
	ns, name, _ := l.names(r)
	*it = Item{Key: view(*kb), Namespace: ns, Name: name, Size: int(r.size), Mark: keytree.Mark(r.mark)}
}

// compare orders two rows for the view: the sort, reversed when desc,
// ties by key.
func (l *List) compare(i, j int32) int {
	a, b := &l.rows[i], &l.rows[j]
	var c int
	switch {
	case l.sortf != nil:
		l.scratchItem(&l.ia, &l.keyA, a)
		l.scratchItem(&l.ib, &l.keyB, b)
		c = l.sortf(&l.ia, &l.ib)
	case l.keys != nil:
		c = l.compareKeys(a, b)
	default:
		c = l.compareBuiltin(a, b)
	}
	if c != 0 {
		if l.desc {
			return -c
		}
		return c
	}
	return strings.Compare(l.key(a), l.key(b))
}

// update rebuilds the view when rows, the filter or the sort changed.
// Rows are in key order, which is most often the order asked for (or its
// reverse): that is checked in one pass before sorting.
func (l *List) update() {
	l.normalize()
	if !l.dirty {
		return
	}
	l.dirty = false
	defer func() { l.ia, l.ib = Item{}, Item{} }()
	if l.keys != nil {
		l.updateByKeys()
		return
	}
	if l.pattern == "" && l.keyOrdered() {
		l.shown = nil
		return
	}
	l.ident = 0
	l.shown = l.shown[:0]
	for i := range l.rows {
		if l.match.Match(l.filterText(&l.rows[i])) {
			l.shown = append(l.shown, int32(i))
		}
	}
	if l.desc {
		slices.Reverse(l.shown)
	}
	if !slices.IsSortedFunc(l.shown, l.compare) {
		slices.SortFunc(l.shown, l.compare)
	}
}

// keyOrdered reports whether key order, or its reverse when desc, is the
// order asked for, and sets ident if so.
func (l *List) keyOrdered() bool {
	for i := 1; i < len(l.rows); i++ {
		a, b := int32(i-1), int32(i)
		if l.desc {
			a, b = b, a
		}
		if l.compare(a, b) > 0 {
			return false
		}
	}
	l.ident = 1
	if l.desc {
		l.ident = -1
	}
	return true
}
