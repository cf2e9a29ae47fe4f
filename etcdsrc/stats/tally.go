package stats

import (
	"cmp"
	"container/heap"
	"slices"
	"strings"

	"github.com/etcdscope/etcdscope/decode"
)

// counts are keys and their bytes.
type counts struct {
	keys, valueBytes, keyBytes int64
}

func (c *counts) add(keyBytes, valueBytes int) {
	c.keys++
	c.keyBytes += int64(keyBytes)
	c.valueBytes += int64(valueBytes)
}

func (c *counts) merge(o counts) {
	c.keys += o.keys
	c.keyBytes += o.keyBytes
	c.valueBytes += o.valueBytes
}

// resourceTally is one resource's figures.
type resourceTally struct {
	counts
	group, kind                    string
	encodings                      map[decode.Encoding]int64
	historyRevisions, historyBytes int64
}

// encKey names the provider and key a value is encrypted with.
type encKey struct{ provider, keyName string }

// encTally is the values under one provider and key.
type encTally struct {
	values    int64
	resources map[string]int64
	// decrypted counts the values the config decrypted.
	decrypted int64
}

// tally is the figures one scan worker gathered; the workers' tallies are
// merged at the end, so no lock is taken per key.
type tally struct {
	totals      counts
	segments    map[string]*counts
	resources   map[string]*resourceTally
	namespaces  map[string]*counts
	outside     map[string]*counts
	encryption  map[encKey]*encTally
	largest     topObjects
	nsGone      []NamespaceGone
	crdGone     []CRDGone
	terminating []Terminating
	undecodable []Undecodable
	nearLimit   int
	// uids and owners are kept per worker and joined once the scan is
	// over (merge leaves them).
	uids   hashList
	owners ownerLog
}

func newTally(top int) *tally {
	return &tally{
		segments:   map[string]*counts{},
		resources:  map[string]*resourceTally{},
		namespaces: map[string]*counts{},
		outside:    map[string]*counts{},
		encryption: map[encKey]*encTally{},
		largest:    topObjects{n: top},
	}
}

// entry returns m[k], adding it when missing.
func entry[K comparable, V any](m map[K]*V, k K) *V {
	v, ok := m[k]
	if !ok {
		v = new(V)
		m[k] = v
	}
	return v
}

func (t *tally) resource(name, group, kind string) *resourceTally {
	r, ok := t.resources[name]
	if !ok {
		r = &resourceTally{group: group, kind: kind, encodings: map[decode.Encoding]int64{}}
		t.resources[name] = r
	}
	return r
}

func (t *tally) encrypted(k encKey) *encTally {
	e, ok := t.encryption[k]
	if !ok {
		e = &encTally{resources: map[string]int64{}}
		t.encryption[k] = e
	}
	return e
}

// merge adds o's figures to t.
func (t *tally) merge(o *tally) {
	t.totals.merge(o.totals)
	for k, c := range o.segments {
		entry(t.segments, k).merge(*c)
	}
	for k, c := range o.namespaces {
		entry(t.namespaces, k).merge(*c)
	}
	for k, c := range o.outside {
		entry(t.outside, k).merge(*c)
	}
	for k, r := range o.resources {
		m := t.resource(k, r.group, r.kind)
		if m.kind == "" {
			m.kind = r.kind
		}
		m.counts.merge(r.counts)
		for e, n := range r.encodings {
			m.encodings[e] += n
		}
		m.historyRevisions += r.historyRevisions
		m.historyBytes += r.historyBytes
	}
	for k, e := range o.encryption {
		m := t.encrypted(k)
		m.values += e.values
		m.decrypted += e.decrypted
		for r, n := range e.resources {
			m.resources[r] += n
		}
	}
	for _, ob := range o.largest.items {
		t.largest.push(ob)
	}
	t.nsGone = append(t.nsGone, o.nsGone...)
	t.crdGone = append(t.crdGone, o.crdGone...)
	t.terminating = append(t.terminating, o.terminating...)
	t.undecodable = append(t.undecodable, o.undecodable...)
	t.nearLimit += o.nearLimit
}

// topObjects keeps the n largest objects seen: a min-heap on size, so
// the smallest kept is the one to drop.
type topObjects struct {
	n     int
	items []Object
}

// before orders objects largest first, then by key.
func before(a, b Object) int {
	return cmp.Or(cmp.Compare(b.ValueBytes, a.ValueBytes), strings.Compare(a.Key, b.Key))
}

func (t *topObjects) Len() int           { return len(t.items) }
func (t *topObjects) Less(i, j int) bool { return before(t.items[i], t.items[j]) > 0 }
func (t *topObjects) Swap(i, j int)      { t.items[i], t.items[j] = t.items[j], t.items[i] }
func (t *topObjects) Push(x any)         { t.items = append(t.items, x.(Object)) }
func (t *topObjects) Pop() any {
	x := t.items[len(t.items)-1]
	t.items = t.items[:len(t.items)-1]
	return x
}

// push keeps o when it is among the n largest.
func (t *topObjects) push(o Object) {
	switch {
	case t.n <= 0:
	case len(t.items) < t.n:
		heap.Push(t, o)
	case before(o, t.items[0]) < 0:
		t.items[0] = o
		heap.Fix(t, 0)
	}
}

// sorted returns the objects kept, largest first.
func (t *topObjects) sorted() []Object {
	out := slices.Clone(t.items)
	slices.SortFunc(out, before)
	return out
}
