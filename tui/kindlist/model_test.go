package kindlist

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/etcdscope/etcdscope/etcdsrc"
	"github.com/etcdscope/etcdscope/tui/keytree"
)

// model is a kind list done the plain way, one map entry per key, to
// hold List to: what the packed rows, the merges and the compactions must
// agree with.
type model struct {
	prefix  string
	splitNS bool
	keep    func(string) (string, string, bool)
	rev     int64
	items   map[string]*modelItem
	order   Order
	sortf   SortFunc
	desc    bool
	filter  keytree.Matcher
}

type modelItem struct {
	Item
	at time.Time
}

func (m *model) parse(k string) (string, string, bool) {
	if !strings.HasPrefix(k, m.prefix) || k == m.prefix {
		return "", "", false
	}
	if m.keep != nil {
		return m.keep(k)
	}
	rel := k[len(m.prefix):]
	if !m.splitNS {
		return "", rel, true
	}
	return strings.Cut(rel, "/")
}

func (m *model) add(kv etcdsrc.KeyValue) {
	if ns, name, ok := m.parse(kv.Key); ok {
		m.items[kv.Key] = &modelItem{Item: Item{Key: kv.Key, Namespace: ns, Name: name, Size: len(kv.Value)}}
	}
}

func (m *model) apply(evs []etcdsrc.Event, now time.Time) bool {
	changed := false
	for _, ev := range evs {
		ns, name, ok := m.parse(ev.KV.Key)
		if ev.Revision <= m.rev || !ok {
			continue
		}
		it := m.items[ev.KV.Key]
		switch {
		case ev.Type == etcdsrc.EventDelete && it == nil:
			continue
		case ev.Type == etcdsrc.EventDelete:
			it.Mark = keytree.MarkDel
		case it == nil:
			it = &modelItem{Item: Item{Key: ev.KV.Key, Namespace: ns, Name: name, Size: len(ev.KV.Value), Mark: keytree.MarkAdd}}
			m.items[ev.KV.Key] = it
		default:
			it.Size = len(ev.KV.Value)
			if it.Mark == keytree.MarkDel || ev.KV.Version == 1 {
				it.Mark = keytree.MarkAdd
			} else if it.Mark != keytree.MarkAdd {
				it.Mark = keytree.MarkMod
			}
		}
		it.at = now
		changed = true
	}
	return changed
}

func (m *model) sweep(now time.Time) bool {
	remain := false
	for k, it := range m.items {
		switch {
		case it.Mark == keytree.MarkNone:
		case now.Sub(it.at) < keytree.MarkTTL:
			remain = true
		case it.Mark == keytree.MarkDel:
			delete(m.items, k)
		default:
			it.Mark = keytree.MarkNone
		}
	}
	return remain
}

func (m *model) shown() []Item {
	var out []Item
	for _, it := range m.items {
		if m.filter.Match(it.Namespace + "/" + it.Name) {
			out = append(out, it.Item)
		}
	}
	slices.SortFunc(out, func(a, b Item) int {
		var c int
		switch {
		case m.sortf != nil:
			c = m.sortf(&a, &b)
		case m.order == ByName:
			c = strings.Compare(a.Name, b.Name)
		case m.order == ByNamespace:
			c = strings.Compare(a.Namespace, b.Namespace)
		case m.order == BySize:
			c = cmp.Compare(a.Size, b.Size)
		default:
			c = cmp.Or(strings.Compare(a.Namespace, b.Namespace), strings.Compare(a.Name, b.Name))
		}
		if m.desc {
			c = -c
		}
		return cmp.Or(c, strings.Compare(a.Key, b.Key))
	})
	return out
}

// byMarkThenNameLength is a sort of the kind a decoded column gives,
// with many ties.
func byMarkThenNameLength(a, b *Item) int {
	return cmp.Or(cmp.Compare(a.Mark, b.Mark), cmp.Compare(len(a.Name), len(b.Name)))
}

// keepOdd is a Keep that names rows apart from their keys, as a
// namespace's list across kinds does: "kind/name" in one namespace.
func keepOdd(k string) (string, string, bool) {
	parts := strings.Split(k, "/")
	if len(parts) != 5 || parts[3] == "ns0" {
		return "", "", false
	}
	return "all-" + parts[3], parts[2] + "/" + parts[4], true
}

// TestRandomAgainstModel runs random listings, event batches, sweeps,
// filters and sorts on List and on model, and compares every row, its
// position and the counts after each step.
func TestRandomAgainstModel(t *testing.T) {
	filters := []string{"", "", "o1", "ns1/", "/o0", "-f n2o", "^ns[12]/o.5$", "zzz"}
	for seed := range uint64(300) {
		rng := rand.New(rand.NewPCG(seed, 7))
		prefix := "/r/x/"
		splitNS := rng.IntN(4) != 0
		var keep func(string) (string, string, bool)
		if rng.IntN(5) == 0 {
			prefix, splitNS, keep = "/r/", false, keepOdd
		}
		key := func() string {
			switch rng.IntN(20) {
			case 0:
				return "/r/other/ns1/o1" // outside the prefix, or another kind
			case 1:
				return "/r/x/no-namespace"
			case 2:
				return "/r/x/"
			}
			kind := "x"
			if keep != nil && rng.IntN(2) == 0 {
				kind = "y"
			}
			// "ns1" and "ns1-a": key order is not namespace order.
			ns := []string{"ns0", "ns1", "ns1-a", "ns2"}[rng.IntN(4)]
			return fmt.Sprintf("/r/%s/%s/o%d", kind, ns, rng.IntN(40))
		}
		l := New(prefix, splitNS)
		l.Keep = keep
		m := &model{prefix: prefix, splitNS: splitNS, keep: keep, items: map[string]*modelItem{}}
		// The listing: in order, but now and then out of order or twice.
		var listing []etcdsrc.KeyValue
		for range rng.IntN(2 * sampleRows) {
			listing = append(listing, kv(key(), rng.IntN(50), 1, 1))
		}
		if rng.IntN(3) != 0 {
			slices.SortStableFunc(listing, func(a, b etcdsrc.KeyValue) int { return strings.Compare(a.Key, b.Key) })
		}
		if rng.IntN(2) == 0 {
			l.Expect(rng.IntN(2 * sampleRows)) // a count, about right or not
		}
		for _, e := range listing {
			l.Add(e)
			m.add(e)
		}
		rev := int64(10)
		l.Rev, m.rev = rev, rev
		now := time.Unix(1000, 0)
		versions := map[string]int64{}
		for step := range 60 {
			switch rng.IntN(8) {
			case 0:
				f := filters[rng.IntN(len(filters))]
				l.SetFilter(f)
				m.filter = keytree.NewMatcher(f)
			case 1:
				o, desc := Order(rng.IntN(4)), rng.IntN(2) == 0
				if rng.IntN(4) == 0 {
					l.SetSortFunc(byMarkThenNameLength, desc)
					m.order, m.sortf, m.desc = ByNamespaceName, byMarkThenNameLength, desc
				} else {
					l.SetSort(o, desc)
					m.order, m.sortf, m.desc = o, nil, desc
				}
			case 2:
				now = now.Add(time.Duration(rng.IntN(3000)) * time.Millisecond)
				if a, b := l.Sweep(now), m.sweep(now); a != b {
					t.Fatalf("seed %d step %d: sweep says marks remain %v, model %v", seed, step, a, b)
				}
			default:
				var evs []etcdsrc.Event
				for range 1 + rng.IntN(12) {
					k := key()
					r := rev + 1
					if rng.IntN(8) == 0 {
						r = rev - int64(rng.IntN(3)) // held by the listing already
					} else {
						rev++
					}
					if rng.IntN(3) == 0 {
						evs = append(evs, del(k, r))
						versions[k] = 0
						continue
					}
					versions[k]++
					evs = append(evs, put(k, rng.IntN(50), r, versions[k]))
				}
				if a, b := l.ApplyEvents(evs, now), m.apply(evs, now); a != b {
					t.Fatalf("seed %d step %d: changed %v, model %v", seed, step, a, b)
				}
			}
			want := m.shown()
			if l.Len() != len(m.items) || l.ShownLen() != len(want) {
				t.Fatalf("seed %d step %d: %d rows, %d shown; model %d, %d", seed, step, l.Len(), l.ShownLen(), len(m.items), len(want))
			}
			for i, w := range want {
				if got := l.At(i); got != w {
					t.Fatalf("seed %d step %d: row %d is %+v, model %+v", seed, step, i, got, w)
				}
				if p := l.Pos(w.Key); p != i {
					t.Fatalf("seed %d step %d: %s at %d, model %d", seed, step, w.Key, p, i)
				}
			}
			k := key()
			got, ok := l.Item(k)
			if w := m.items[k]; (w != nil) != ok || ok && got != w.Item {
				t.Fatalf("seed %d step %d: item %s is %+v %v, model %+v", seed, step, k, got, ok, w)
			}
			if w := m.items[k]; w != nil && !m.filter.Match(w.Namespace+"/"+w.Name) && l.Pos(k) != -1 {
				t.Fatalf("seed %d step %d: %s filtered out, but at %d", seed, step, k, l.Pos(k))
			}
		}
	}
}
