package kindlist

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/etcdscope/etcdscope/etcdsrc"
	"github.com/etcdscope/etcdscope/tui/keytree"
)

func kv(k string, size int, rev, version int64) etcdsrc.KeyValue {
	return etcdsrc.KeyValue{Key: k, Value: make([]byte, size), ModRevision: rev, Version: version}
}

func put(k string, size int, rev, version int64) etcdsrc.Event {
	return etcdsrc.Event{Type: etcdsrc.EventPut, Revision: rev, KV: kv(k, size, rev, version)}
}

func del(k string, rev int64) etcdsrc.Event {
	return etcdsrc.Event{Type: etcdsrc.EventDelete, Revision: rev, KV: etcdsrc.KeyValue{Key: k, ModRevision: rev}}
}

// shown is the list's rows in order.
func shown(l *List) []Item {
	out := make([]Item, l.ShownLen())
	for i := range out {
		out[i] = l.At(i)
	}
	return out
}

func keys(items []Item) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.Key)
	}
	return out
}

func TestListingSplitsNamespaces(t *testing.T) {
	l := New("/r/pods/", true)
	for _, k := range []string{"/r/pods/shop/web-1", "/r/pods/kube-system/dns", "/r/pods/shop/api", "/r/pods/"} {
		l.Add(kv(k, 10, 5, 1))
	}
	got := shown(l)
	if want := []string{"/r/pods/kube-system/dns", "/r/pods/shop/api", "/r/pods/shop/web-1"}; !slices.Equal(keys(got), want) {
		t.Fatalf("rows %v, want %v", keys(got), want)
	}
	if got[1].Namespace != "shop" || got[1].Name != "api" {
		t.Errorf("item %+v", got[1])
	}
}

func TestEventsMarkAndSweep(t *testing.T) {
	l := New("/r/cm/", true)
	l.Add(kv("/r/cm/a/one", 10, 4, 1))
	l.Add(kv("/r/cm/a/two", 10, 4, 1))
	l.Rev = 5
	t0 := time.Unix(100, 0)
	changed := l.ApplyEvents([]etcdsrc.Event{
		put("/r/cm/a/one", 99, 3, 1), // older than the listing: held already
		put("/r/cm/b/new", 10, 6, 1),
		put("/r/cm/a/one", 20, 7, 2),
		del("/r/cm/a/two", 8),
		put("/r/cm/nonamespace", 1, 9, 1),
		put("/r/other/x", 1, 10, 1),
	}, t0)
	if !changed {
		t.Fatal("no change reported")
	}
	want := map[string]keytree.Mark{"/r/cm/a/one": keytree.MarkMod, "/r/cm/a/two": keytree.MarkDel, "/r/cm/b/new": keytree.MarkAdd}
	for k, m := range want {
		if it, ok := l.Item(k); !ok || it.Mark != m {
			t.Errorf("%s: %+v %v, want mark %v", k, it, ok, m)
		}
	}
	if it, _ := l.Item("/r/cm/a/one"); l.Len() != 3 || it.Size != 20 {
		t.Errorf("len %d, size %d", l.Len(), it.Size)
	}
	if !l.Sweep(t0.Add(time.Second)) {
		t.Error("marks gone early")
	}
	if l.Sweep(t0.Add(keytree.MarkTTL)) {
		t.Error("marks left after their time")
	}
	if got := keys(shown(l)); !slices.Equal(got, []string{"/r/cm/a/one", "/r/cm/b/new"}) {
		t.Errorf("after the sweep: %v", got)
	}
	// A deleted row that comes back before the sweep is new again.
	l.ApplyEvents([]etcdsrc.Event{del("/r/cm/b/new", 11), put("/r/cm/b/new", 5, 12, 1)}, t0)
	if it, _ := l.Item("/r/cm/b/new"); it.Mark != keytree.MarkAdd {
		t.Errorf("recreated: mark %v", it.Mark)
	}
}

func TestSortAndFilter(t *testing.T) {
	l := New("/r/s/", true)
	for i, k := range []string{"/r/s/b/tls-web", "/r/s/a/db", "/r/s/a/tls-api", "/r/s/c/mytls"} {
		l.Add(kv(k, 10*(i+1), 1, 1))
	}
	tests := []struct {
		name   string
		sort   Order
		desc   bool
		filter string
		want   []string
	}{
		{"by name", ByNamespaceName, false, "", []string{"/r/s/a/db", "/r/s/a/tls-api", "/r/s/b/tls-web", "/r/s/c/mytls"}},
		{"by name, reversed", ByNamespaceName, true, "", []string{"/r/s/c/mytls", "/r/s/b/tls-web", "/r/s/a/tls-api", "/r/s/a/db"}},
		{"by size, smallest first", BySize, false, "", []string{"/r/s/b/tls-web", "/r/s/a/db", "/r/s/a/tls-api", "/r/s/c/mytls"}},
		{"by size, largest first", BySize, true, "", []string{"/r/s/c/mytls", "/r/s/a/tls-api", "/r/s/a/db", "/r/s/b/tls-web"}},
		{"by name alone", ByName, false, "", []string{"/r/s/a/db", "/r/s/c/mytls", "/r/s/a/tls-api", "/r/s/b/tls-web"}},
		{"by namespace, reversed", ByNamespace, true, "", []string{"/r/s/c/mytls", "/r/s/b/tls-web", "/r/s/a/db", "/r/s/a/tls-api"}},
		{"substring", ByNamespaceName, false, "tls", []string{"/r/s/a/tls-api", "/r/s/b/tls-web", "/r/s/c/mytls"}},
		{"regex on the name", ByNamespaceName, false, "/tls-", []string{"/r/s/a/tls-api", "/r/s/b/tls-web"}},
		{"fuzzy", ByNamespaceName, false, "-f mtl", []string{"/r/s/c/mytls"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l.SetSort(tc.sort, tc.desc)
			l.SetFilter(tc.filter)
			if got := keys(shown(l)); !slices.Equal(got, tc.want) {
				t.Errorf("rows %v, want %v", got, tc.want)
			}
		})
	}
}

// TestRandomEventsMatchAFreshListing follows random transactions, some
// the listing holds already, and checks the list against the keyspace.
func TestRandomEventsMatchAFreshListing(t *testing.T) {
	for seed := range uint64(100) {
		rng := rand.New(rand.NewPCG(seed, 3))
		truth := map[string]int64{} // key → version
		var rev int64
		key := func() string { return fmt.Sprintf("/r/x/ns%d/o%02d", rng.IntN(3), rng.IntN(20)) }
		var evs []etcdsrc.Event
		step := func() {
			rev++
			for range 1 + rng.IntN(10) {
				k := key()
				if _, ok := truth[k]; ok && rng.IntN(3) == 0 {
					delete(truth, k)
					evs = append(evs, del(k, rev))
					continue
				}
				truth[k]++
				evs = append(evs, put(k, 1, rev, truth[k]))
			}
		}
		for range 10 {
			step()
		}
		l := New("/r/x/", true)
		for k, v := range truth {
			l.Add(kv(k, 1, rev, v))
		}
		l.Rev = rev
		// The watch started before the listing: it delivers what the
		// listing holds too.
		from := len(evs) / 2
		for range 30 {
			step()
		}
		l.ApplyEvents(evs[from:], time.Unix(0, 0))
		l.Sweep(time.Unix(0, 0).Add(keytree.MarkTTL))
		var want []string
		for k := range truth {
			want = append(want, k)
		}
		slices.Sort(want)
		if got := keys(shown(l)); !slices.Equal(got, want) {
			t.Fatalf("seed %d: rows %v, want %v", seed, got, want)
		}
	}
}
