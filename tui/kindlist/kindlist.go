// Package kindlist is a kind list as plain data: the objects of one kind
// under a prefix, kept current by watch events with marks on the rows
// that changed lately, filtered and sorted. It does no I/O and knows
// nothing of bubbletea, so it is tested with synthetic listings and event
// sequences alone; the explorer's list pane wraps it with a cursor, the
// Cmds that read and decode, and the view.
package kindlist

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/etcdscope/etcdscope/etcdsrc"
	"github.com/etcdscope/etcdscope/tui/keytree"
)

// Item is one object of the list.
type Item struct {
	Key       string
	Namespace string
	Name      string
	// Size is the stored value's length in bytes.
	Size int
	// ModRevision is the revision of the value the item was last seen at.
	ModRevision int64
	Mark        keytree.Mark
	MarkAt      time.Time
}

// SortFunc orders two items; a list sorted by a column that needs decoded
// objects gets one built from what the pane decoded.
type SortFunc func(a, b *Item) int

// ByName orders by namespace, then name: the listing's own order.
func ByName(a, b *Item) int {
	return cmp.Or(strings.Compare(a.Namespace, b.Namespace), strings.Compare(a.Name, b.Name))
}

// BySize orders by stored size, largest first.
func BySize(a, b *Item) int { return cmp.Or(cmp.Compare(b.Size, a.Size), ByName(a, b)) }

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

	items map[string]*Item
	order []*Item // every item, sorted
	shown []*Item // those that pass the filter, in order
	sort  SortFunc
	desc  bool
	match keytree.Matcher
	dirty bool
}

// New returns an empty list of the keys under prefix.
func New(prefix string, splitNS bool) *List {
	return &List{Prefix: prefix, SplitNS: splitNS, items: map[string]*Item{}, sort: ByName, dirty: true}
}

// itemFor makes the item of a key under the prefix.
func (l *List) itemFor(kv etcdsrc.KeyValue) *Item {
	rel := kv.Key[len(l.Prefix):]
	it := &Item{Key: kv.Key, Name: rel, Size: len(kv.Value), ModRevision: kv.ModRevision}
	if l.Keep != nil {
		it.Namespace, it.Name, _ = l.Keep(kv.Key)
		return it
	}
	if l.SplitNS {
		if ns, name, ok := strings.Cut(rel, "/"); ok {
			it.Namespace, it.Name = ns, name
		}
	}
	return it
}

// Add puts a key read by the listing into the list.
func (l *List) Add(kv etcdsrc.KeyValue) {
	if !l.holds(kv.Key) {
		return
	}
	l.items[kv.Key] = l.itemFor(kv)
	l.dirty = true
}

// holds reports whether key k is a row of the list.
func (l *List) holds(k string) bool {
	if !strings.HasPrefix(k, l.Prefix) || len(k) == len(l.Prefix) {
		return false
	}
	if l.Keep != nil {
		_, _, ok := l.Keep(k)
		return ok
	}
	return !l.SplitNS || strings.Contains(k[len(l.Prefix):], "/") // an object of a namespace
}

// Len is how many objects the list holds.
func (l *List) Len() int { return len(l.items) }

// Item is the item of key k, or nil.
func (l *List) Item(k string) *Item { return l.items[k] }

// ApplyEvents follows watch events, oldest first: a create adds a row
// marked new, an update marks it modified, a delete marks it deleted
// until Sweep removes it. Events at or before the list's revision are in
// it already. It reports whether the list changed.
func (l *List) ApplyEvents(evs []etcdsrc.Event, now time.Time) bool {
	changed := false
	for i := range evs {
		ev := &evs[i]
		k := ev.KV.Key
		if ev.Revision <= l.Rev || !l.holds(k) {
			continue
		}
		it := l.items[k]
		switch ev.Type {
		case etcdsrc.EventPut:
			if it == nil {
				it = l.itemFor(ev.KV)
				it.Mark = keytree.MarkAdd
				l.items[k] = it
				l.dirty = true
			} else {
				it.Size, it.ModRevision = len(ev.KV.Value), ev.KV.ModRevision
				switch {
				case it.Mark == keytree.MarkDel || ev.KV.Version == 1:
					it.Mark = keytree.MarkAdd
				case it.Mark != keytree.MarkAdd:
					it.Mark = keytree.MarkMod
				}
				if l.sort != nil {
					l.dirty = true // a size or age may have moved it
				}
			}
		case etcdsrc.EventDelete:
			if it == nil {
				continue
			}
			it.Mark = keytree.MarkDel
		default:
			continue
		}
		it.MarkAt = now
		changed = true
	}
	return changed
}

// Sweep clears marks older than keytree.MarkTTL and removes deleted rows;
// it reports whether marks remain.
func (l *List) Sweep(now time.Time) bool {
	remain := false
	for k, it := range l.items {
		if it.Mark == keytree.MarkNone {
			continue
		}
		if now.Sub(it.MarkAt) < keytree.MarkTTL {
			remain = true
			continue
		}
		if it.Mark == keytree.MarkDel {
			delete(l.items, k)
			l.dirty = true
		}
		it.Mark = keytree.MarkNone
	}
	return remain
}

// SetFilter narrows the rows shown (keytree.NewMatcher's patterns,
// against "namespace/name").
func (l *List) SetFilter(pattern string) {
	l.match = keytree.NewMatcher(pattern)
	l.dirty = true
}

// SetSort orders the rows by f, reversed when desc is set.
func (l *List) SetSort(f SortFunc, desc bool) {
	l.sort, l.desc = f, desc
	l.dirty = true
}

// Resort orders the rows again after their sort keys changed (a column
// decoded in the background).
func (l *List) Resort() { l.dirty = true }

// Shown is the rows that pass the filter, in order.
func (l *List) Shown() []*Item {
	if !l.dirty {
		return l.shown
	}
	l.dirty = false
	l.order = l.order[:0]
	for _, it := range l.items {
		l.order = append(l.order, it)
	}
	f := l.sort
	if f == nil {
		f = ByName
	}
	slices.SortStableFunc(l.order, func(a, b *Item) int {
		if c := f(a, b); c != 0 {
			if l.desc {
				return -c
			}
			return c
		}
		return strings.Compare(a.Key, b.Key)
	})
	l.shown = l.shown[:0]
	for _, it := range l.order {
		if l.match.Match(it.Namespace + "/" + it.Name) {
			l.shown = append(l.shown, it)
		}
	}
	return l.shown
}
