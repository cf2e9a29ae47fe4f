package kindlist

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/etcdscope/etcdscope/etcdsrc"
	"github.com/etcdscope/etcdscope/tui/keytree"
)

// valKey is the sort key of a synthetic value: its bytes.
func valKey(kv etcdsrc.KeyValue, dst []byte) []byte { return append(dst, kv.Value...) }

// keysOf computes the sort keys of a listing as a background read does:
// the values of the keys the list accepts, in the listing's order.
func keysOf(l *List, listing []etcdsrc.KeyValue) *SortKeys {
	var k SortKeys
	for _, kv := range listing {
		if l.Accepts(kv.Key) {
			k.Append(func(dst []byte) []byte { return valKey(kv, dst) })
		}
	}
	return &k
}

// checkKeyOrder fails unless the rows shown are in the order of the
// values now held, brute-force sorted: by value (none last), then key.
func checkKeyOrder(t *testing.T, l *List, values map[string]string, desc bool) {
	t.Helper()
	var want []string
	for k := range values {
		want = append(want, k)
	}
	slices.SortFunc(want, func(a, b string) int {
		va, oka := values[a]
		vb, okb := values[b]
		c := cmp.Compare(va, vb)
		if !oka || !okb {
			c = 0
		}
		if desc {
			c = -c
		}
		return cmp.Or(c, strings.Compare(a, b))
	})
	got := keys(shown(l))
	if len(got) != len(want) {
		t.Fatalf("%d rows, want %d", len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("row %d is %s (value %q), want %s (value %q)", i, got[i], values[got[i]], want[i], values[want[i]])
		}
	}
}

// TestSortKeysFollowTheWatch sorts a list by keys computed from values at
// the listing, with the watch putting rows before the keys are read,
// while they are read and after: every row sorts by its latest value,
// as a brute-force sort of the values says.
func TestSortKeysFollowTheWatch(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	val := func() string { return fmt.Sprintf("%03d", r.IntN(50)) }
	l := New("/r/cm/", true)
	values := map[string]string{}
	var listing []etcdsrc.KeyValue
	for i := range 300 {
		k := fmt.Sprintf("/r/cm/ns%d/cm-%03d", i%3, i)
		listing = append(listing, etcdsrc.KeyValue{Key: k, Value: []byte(val())})
	}
	listing = append(listing, etcdsrc.KeyValue{Key: "/r/cm/"}) // not a row
	slices.SortFunc(listing, func(a, b etcdsrc.KeyValue) int { return strings.Compare(a.Key, b.Key) })
	for _, kv := range listing {
		l.Add(kv)
		if l.Accepts(kv.Key) {
			values[kv.Key] = string(kv.Value)
		}
	}
	l.Rev = 10
	rev := l.Rev
	events := func(n int) []etcdsrc.Event {
		var evs []etcdsrc.Event
		for range n {
			rev++
			k := fmt.Sprintf("/r/cm/ns%d/cm-%03d", r.IntN(4), r.IntN(400))
			if r.IntN(5) == 0 {
				evs = append(evs, etcdsrc.Event{Type: etcdsrc.EventDelete, Revision: rev, KV: etcdsrc.KeyValue{Key: k}})
				continue // a deleted row stays, marked, with its last value
			}
			v := val()
			evs = append(evs, etcdsrc.Event{Type: etcdsrc.EventPut, Revision: rev, KV: etcdsrc.KeyValue{Key: k, Value: []byte(v), Version: 2}})
			values[k] = v
		}
		return evs
	}
	now := time.Unix(0, 0)
	l.ApplyEvents(events(40), now) // before the sort: read again
	changed := l.StartSortKeys(valKey)
	before := keys(shown(l))
	l.ApplyEvents(events(40), now) // while the keys are read
	if got := keys(shown(l)); len(got) < len(before) || !slices.IsSorted(got) {
		t.Fatalf("the order changed before the keys came")
	}
	fetched := map[string][]byte{}
	for _, k := range changed {
		fetched[k] = []byte(values[k])
	}
	l.SetSortKeys(keysOf(l, listing), fetched, false)
	checkKeyOrder(t, l, values, false)
	l.ApplyEvents(events(40), now) // after
	checkKeyOrder(t, l, values, false)
	l.SetDesc(true)
	checkKeyOrder(t, l, values, true)

	// A sort by keys cancelled leaves the order shown, and computes no
	// more keys.
	l.StartSortKeys(func(etcdsrc.KeyValue, []byte) []byte { t.Fatal("a cancelled sort computed a key"); return nil })
	l.StopSortKeys()
	l.ApplyEvents(events(40), now)
	checkKeyOrder(t, l, values, true)
	// A sort of the list's own ends the sort by keys.
	l.SetSort(ByNamespaceName, false)
	if l.SortKeysActive() || !slices.IsSorted(keys(shown(l))) {
		t.Error("a sort by name still sorts by keys")
	}
}

// TestSortKeysOfStrippedEvents: a put held without its value gives its
// row no sort key, so it sorts last, not by a key of an empty value.
func TestSortKeysOfStrippedEvents(t *testing.T) {
	l := New("/r/cm/", true)
	var listing []etcdsrc.KeyValue
	for i, v := range []string{"b", "c", "d"} {
		kv := etcdsrc.KeyValue{Key: fmt.Sprintf("/r/cm/ns/cm-%d", i), Value: []byte(v)}
		listing = append(listing, kv)
		l.Add(kv)
	}
	l.Rev = 10
	// A key even for no value, as a real column's is (an age's kind byte).
	tagged := func(kv etcdsrc.KeyValue, dst []byte) []byte { return append(append(dst, 'k'), kv.Value...) }
	var sk SortKeys
	for _, kv := range listing {
		sk.Append(func(dst []byte) []byte { return tagged(kv, dst) })
	}
	l.StartSortKeys(tagged)
	l.SetSortKeys(&sk, nil, false)
	// Rows with no key sort after the others, in key order.
	for _, tc := range []struct {
		key  string
		want []string
	}{
		{"/r/cm/ns/cm-2", []string{"/r/cm/ns/cm-0", "/r/cm/ns/cm-1", "/r/cm/ns/cm-2"}},
		{"/r/cm/ns/cm-0", []string{"/r/cm/ns/cm-1", "/r/cm/ns/cm-0", "/r/cm/ns/cm-2"}},
	} {
		ev := etcdsrc.Event{Type: etcdsrc.EventPut, Revision: 11, KV: etcdsrc.KeyValue{Key: tc.key, Value: []byte("a"), Version: 2}}
		ev.Strip()
		l.ApplyEvents([]etcdsrc.Event{ev}, time.Unix(0, 0))
		if got := keys(shown(l)); !slices.Equal(got, tc.want) {
			t.Fatalf("after a stripped put of %s the rows are %v; want %v", tc.key, got, tc.want)
		}
	}
}

// TestSortKeysViewRandom holds the view of a sort by keys, which merges
// the listing's rows in the order SortKeys.Sort found with the rows the
// watch put, to a brute-force sort of every row by its latest key: many
// ties, rows with no key (stripped puts), rows created and deleted, a
// listing out of order, filters and both directions.
func TestSortKeysViewRandom(t *testing.T) {
	for seed := range uint64(200) {
		r := rand.New(rand.NewPCG(seed, 7))
		l := New("/r/cm/", true)
		name := func() string { return fmt.Sprintf("/r/cm/ns%d/cm-%02d", r.IntN(3), r.IntN(40)) }
		val := func() []byte { return []byte(fmt.Sprintf("%d", r.IntN(5))) }
		// sortKey is each row's key as the test tracks it; nil is none.
		sortKey := map[string][]byte{}
		var listing []etcdsrc.KeyValue
		for range r.IntN(60) {
			k := name()
			if _, dup := sortKey[k]; dup {
				continue
			}
			kv := etcdsrc.KeyValue{Key: k, Value: val()}
			listing = append(listing, kv)
			sortKey[k] = kv.Value
		}
		if r.IntN(2) == 0 {
			slices.SortFunc(listing, func(a, b etcdsrc.KeyValue) int { return strings.Compare(a.Key, b.Key) })
		}
		for _, kv := range listing {
			l.Add(kv)
		}
		l.Rev = 1
		rev := int64(1)
		events := func() []etcdsrc.Event {
			var evs []etcdsrc.Event
			for range r.IntN(8) {
				rev++
				k := name()
				if _, ok := sortKey[k]; ok && r.IntN(4) == 0 {
					evs = append(evs, etcdsrc.Event{Type: etcdsrc.EventDelete, Revision: rev, KV: etcdsrc.KeyValue{Key: k}})
					continue // the row stays, marked, with its key
				}
				ev := etcdsrc.Event{Type: etcdsrc.EventPut, Revision: rev, KV: etcdsrc.KeyValue{Key: k, Value: val(), Version: 2}}
				sortKey[k] = ev.KV.Value
				if r.IntN(4) == 0 {
					ev.Strip()
					sortKey[k] = nil
				}
				evs = append(evs, ev)
			}
			return evs
		}
		l.StartSortKeys(valKey)
		l.ApplyEvents(events(), time.Unix(0, 0))
		l.SetSortKeys(keysOf(l, listing), nil, false)
		for step := range 6 {
			desc := r.IntN(2) == 0
			l.SetDesc(desc)
			pattern := []string{"", "ns1", "cm-1"}[r.IntN(3)]
			l.SetFilter(pattern)
			match := keytree.NewMatcher(pattern)
			var want []string
			for k := range sortKey {
				if match.Match(strings.TrimPrefix(k, "/r/cm/")) {
					want = append(want, k)
				}
			}
			slices.SortFunc(want, func(a, b string) int {
				ka, kb := sortKey[a], sortKey[b]
				var c int
				switch {
				case ka != nil && kb != nil:
					c = strings.Compare(string(ka), string(kb))
				case ka != nil:
					c = -1
				case kb != nil:
					c = 1
				}
				if desc {
					c = -c
				}
				return cmp.Or(c, strings.Compare(a, b))
			})
			if got := keys(shown(l)); !slices.Equal(got, want) {
				t.Fatalf("seed %d step %d (desc %v, filter %q):\n got %v\nwant %v", seed, step, desc, pattern, got, want)
			}
			l.ApplyEvents(events(), time.Unix(0, 0))
		}
	}
}

// TestSortKeysOfMixedLengths checks that keys of one length, then of
// others, each read back as given.
func TestSortKeysOfMixedLengths(t *testing.T) {
	want := []string{"ab", "cd", "ef", "g", "", "hijk", "lm"}
	for n := 1; n <= len(want); n++ {
		var k SortKeys
		for _, w := range want[:n] {
			k.Append(func(dst []byte) []byte { return append(dst, w...) })
		}
		if k.Len() != n {
			t.Fatalf("%d keys, want %d", k.Len(), n)
		}
		for i, w := range want[:n] {
			if got, ok := k.at(uint32(i)); !ok || string(got) != w {
				t.Errorf("of %d keys, key %d is %q, want %q", n, i, got, w)
			}
		}
		if _, ok := k.at(uint32(n)); ok {
			t.Errorf("of %d keys, a key past the end", n)
		}
	}
}

// benchAgeKeys is a sort key per row of benchList as an AGE sort keeps
// them (a kind byte and a time, as columns.AppendSortKey makes them), in
// an order unrelated to the keys'.
func benchAgeKeys() *SortKeys {
	var k SortKeys
	k.Grow(benchItems, 9)
	for i := range benchItems {
		k.Append(func(dst []byte) []byte {
			return binary.BigEndian.AppendUint64(append(dst, 7), uint64(i*7919%benchItems))
		})
	}
	return &k
}

// BenchmarkSortKeysBytesPerRow is what an AGE sort costs per row of the
// explorer-at-scale list: its keys (a kind byte and a time, as
// columns.AppendSortKey makes them) and the view, heap after a GC less
// the heap of the list before the sort, per row.
func BenchmarkSortKeysBytesPerRow(b *testing.B) {
	l := benchList()
	l.ShownLen()
	var before, after runtime.MemStats
	var perRow float64
	for b.Loop() {
		l.SetSort(ByNamespaceName, false)
		l.ShownLen()
		runtime.GC()
		runtime.ReadMemStats(&before)
		l.StartSortKeys(valKey)
		k := benchAgeKeys()
		l.SetSortKeys(k, nil, false)
		l.ShownLen()
		runtime.GC()
		runtime.ReadMemStats(&after)
		perRow = float64(after.HeapAlloc-before.HeapAlloc) / benchItems
	}
	b.ReportMetric(perRow, "bytes/row")
}

// BenchmarkSortKeysView is the Update that lands a sort by AGE of the
// explorer-at-scale list: SetSortKeys and the view sorted once, on the
// UI goroutine (the keys are read and built in the background).
func BenchmarkSortKeysView(b *testing.B) {
	l := benchList()
	k := benchAgeKeys()
	for b.Loop() {
		l.SetSort(ByNamespaceName, false)
		l.ShownLen()
		l.StartSortKeys(valKey)
		k.Sort() // the background read's
		l.SetSortKeys(k, nil, false)
		l.ShownLen()
	}
}

// BenchmarkSortKeysWatched is the view of the explorer-at-scale list
// sorted by AGE rebuilt after a watch batch of 64 puts, as each frame
// of a watched, sorted list does.
func BenchmarkSortKeysWatched(b *testing.B) {
	l := benchList()
	k := benchAgeKeys()
	ageKey := func(kv etcdsrc.KeyValue, dst []byte) []byte {
		return binary.BigEndian.AppendUint64(append(dst, 7), uint64(len(kv.Key)))
	}
	l.StartSortKeys(ageKey)
	k.Sort()
	l.SetSortKeys(k, nil, false)
	l.ShownLen()
	rev, i := int64(1), 0
	value := make([]byte, 100)
	for b.Loop() {
		evs := make([]etcdsrc.Event, 64)
		for j := range evs {
			rev++
			key := fmt.Sprintf("/registry/configmaps/ns%02d/cm-%05d", i%20, i*31%(benchItems/20))
			evs[j] = etcdsrc.Event{Type: etcdsrc.EventPut, Revision: rev, KV: etcdsrc.KeyValue{Key: key, Value: value, ModRevision: rev, Version: 2}}
			i++
		}
		l.ApplyEvents(evs, time.Unix(0, 0))
		l.ShownLen()
	}
}
