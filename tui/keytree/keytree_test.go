package keytree

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/etcdscope/etcdscope/etcdsrc"
)

// world is a keyspace with its whole history: what a source would answer
// at any revision, computed the obvious way, to hold the tree against.
type world struct {
	// states[r] maps key → version at revision r.
	states []map[string]int64
	// lastEvent is the newest revision that changed something.
	lastEvent int64
}

func newWorld(keys ...string) *world {
	w := &world{states: []map[string]int64{{}}}
	if len(keys) > 0 {
		var ops []op
		for _, k := range keys {
			ops = append(ops, op{key: k})
		}
		w.txn(ops...)
	}
	return w
}

func (w *world) rev() int64 { return int64(len(w.states) - 1) }

// op is a put, or a delete when del is set.
type op struct {
	key string
	del bool
}

// txn applies ops at one new revision and returns the events a watch
// delivers for it.
func (w *world) txn(ops ...op) []etcdsrc.Event {
	cur := w.states[len(w.states)-1]
	next := make(map[string]int64, len(cur)+len(ops))
	for k, v := range cur {
		next[k] = v
	}
	rev := w.rev() + 1
	var evs []etcdsrc.Event
	for _, o := range ops {
		if o.del {
			if _, ok := next[o.key]; !ok {
				continue
			}
			delete(next, o.key)
			evs = append(evs, etcdsrc.Event{Type: etcdsrc.EventDelete, Revision: rev, KV: etcdsrc.KeyValue{Key: o.key, ModRevision: rev}})
			continue
		}
		next[o.key]++
		evs = append(evs, etcdsrc.Event{Type: etcdsrc.EventPut, Revision: rev,
			KV: etcdsrc.KeyValue{Key: o.key, ModRevision: rev, Version: next[o.key]}})
	}
	w.states = append(w.states, next)
	if len(evs) > 0 {
		w.lastEvent = rev
	}
	return evs
}

func (w *world) at(rev int64) map[string]int64 {
	if rev == 0 {
		rev = w.rev()
	}
	return w.states[rev]
}

// children folds the keys under prefix at rev into one level, sorted as
// etcd sorts keys, a leaf before a directory of the same name.
func (w *world) children(prefix string, rev int64) []etcdsrc.Child {
	seen := map[string]bool{}
	var out []etcdsrc.Child
	for k := range w.at(rev) {
		if !strings.HasPrefix(k, prefix) || k == prefix {
			continue
		}
		rest := k[len(prefix):]
		c := etcdsrc.Child{Name: rest, Key: k, Leaf: true, Count: 1}
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			c = etcdsrc.Child{Name: rest[:i], Key: prefix + rest[:i+1], Count: -1}
		}
		if !seen[c.Key] {
			seen[c.Key] = true
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// page answers a listing request with at most limit children (0: all).
func (w *world) page(req ListRequest, limit int) etcdsrc.ChildPage {
	rev := req.Rev
	if rev == 0 {
		rev = w.rev()
	}
	var kids []etcdsrc.Child
	for _, c := range w.children(req.Prefix, rev) {
		if req.After == "" || c.Key > req.After {
			kids = append(kids, c)
		}
	}
	p := etcdsrc.ChildPage{Children: kids, Rev: rev}
	if limit > 0 && len(kids) > limit {
		p.Children, p.More = kids[:limit], true
	}
	return p
}

func (w *world) count(prefix string, rev int64) int64 {
	var n int64
	for k := range w.at(rev) {
		if strings.HasPrefix(k, prefix) {
			n++
		}
	}
	return n
}

func (w *world) counts(req CountRequest) []etcdsrc.CountResult {
	out := make([]etcdsrc.CountResult, len(req.Prefixes))
	for i, p := range req.Prefixes {
		out[i] = etcdsrc.CountResult{Prefix: p, Count: w.count(p, req.Rev)}
	}
	return out
}

// load lists n (every page) and counts what the pages ask for, at the
// world's current revision.
func load(t *testing.T, tr *Tree, w *world, n *Node, limit int) {
	t.Helper()
	req, ok := tr.Expand(n)
	for ok {
		for _, c := range tr.ApplyPage(req, w.page(req, limit), nil) {
			tr.ApplyCounts(c, w.counts(c))
		}
		req, ok = tr.Listing(n, true)
	}
}

func childKeys(n *Node) []string {
	var out []string
	for _, c := range n.Children {
		out = append(out, c.Key)
	}
	return out
}

func TestNamesFirstThenCounts(t *testing.T) {
	w := newWorld("/r/a/1", "/r/a/2", "/r/b/x/1", "/r/c")
	tr := New("/r/")
	req, ok := tr.Expand(tr.Root())
	if !ok || req.Prefix != "/r/" || req.After != "" {
		t.Fatalf("Expand(root) = %+v, %v", req, ok)
	}
	counts := tr.ApplyPage(req, w.page(req, 0), nil)
	if got, want := childKeys(tr.Root()), []string{"/r/a/", "/r/b/", "/r/c"}; !slices.Equal(got, want) {
		t.Fatalf("children %v, want %v", got, want)
	}
	if a := tr.Node("/r/a/"); a.Count != -1 || !a.Counting {
		t.Errorf("a directory is counted before its count arrives: %+v", a)
	}
	if c := tr.Node("/r/c"); c.Count != 1 {
		t.Errorf("leaf count %d", c.Count)
	}
	var asked []string
	for _, c := range counts {
		asked = append(asked, c.Prefixes...)
		if c.Rev != 1 {
			t.Errorf("count asked at rev %d, want the page's 1", c.Rev)
		}
		tr.ApplyCounts(c, w.counts(c))
	}
	slices.Sort(asked)
	if want := []string{"/r/", "/r/a/", "/r/b/"}; !slices.Equal(asked, want) {
		t.Errorf("counts asked for %v, want %v", asked, want)
	}
	if a, b, r := tr.Node("/r/a/").Count, tr.Node("/r/b/").Count, tr.Root().Count; a != 2 || b != 1 || r != 4 {
		t.Errorf("counts a=%d b=%d root=%d, want 2 1 4", a, b, r)
	}
}

func TestStaleRepliesAreDropped(t *testing.T) {
	w := newWorld("/r/a/1")
	tr := New("/r/")
	req, _ := tr.Expand(tr.Root())
	tr.Relist("/r/") // the user asked again before the reply came
	if counts := tr.ApplyPage(req, w.page(req, 0), nil); counts != nil || len(tr.Root().Children) != 0 {
		t.Errorf("a reply of an older epoch was applied: %v", childKeys(tr.Root()))
	}
}

func TestListingErrorStaysOnTheRowAndExpandRetries(t *testing.T) {
	tr := New("/r/")
	req, _ := tr.Expand(tr.Root())
	tr.ApplyPage(req, etcdsrc.ChildPage{}, errors.New("permission denied"))
	if tr.Root().Err == nil || tr.Root().Loading {
		t.Fatalf("root after a failed listing: %+v", tr.Root())
	}
	if _, ok := tr.Expand(tr.Root()); !ok {
		t.Error("expanding a level whose listing failed does not list it again")
	}
}

func TestEventsFollowCounts(t *testing.T) {
	tests := []struct {
		name string
		// before: keys at the listing; txns: watched transactions.
		before []string
		txns   [][]op
		want   map[string]int64 // counts by node key
	}{
		{
			name:   "a transaction of fifty creates under a new directory",
			before: []string{"/r/a/1"},
			txns:   [][]op{puts("/r/new/", 50)},
			want:   map[string]int64{"/r/": 51, "/r/new/": 50, "/r/a/": 1},
		},
		{
			name:   "updates change no count",
			before: []string{"/r/a/1", "/r/a/2"},
			txns:   [][]op{{{key: "/r/a/1"}, {key: "/r/a/2"}}, {{key: "/r/a/1"}}},
			want:   map[string]int64{"/r/": 2, "/r/a/": 2},
		},
		{
			name:   "create then delete in one transaction",
			before: []string{"/r/a/1"},
			txns:   [][]op{{{key: "/r/a/2"}, {key: "/r/a/2", del: true}}},
			want:   map[string]int64{"/r/": 1, "/r/a/": 1},
		},
		{
			name:   "deleting a missing key changes nothing",
			before: []string{"/r/a/1"},
			txns:   [][]op{{{key: "/r/a/9", del: true}}},
			want:   map[string]int64{"/r/": 1, "/r/a/": 1},
		},
		{
			name:   "recreated after delete counts as a create",
			before: []string{"/r/a/1"},
			txns:   [][]op{{{key: "/r/a/1", del: true}}, {{key: "/r/a/1"}}},
			want:   map[string]int64{"/r/": 1, "/r/a/": 1},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(tc.before...)
			tr := New("/r/")
			load(t, tr, w, tr.Root(), 0)
			for _, ops := range tc.txns {
				tr.ApplyEvents(w.txn(ops...), time.Unix(0, 0))
			}
			for k, want := range tc.want {
				n := tr.Node(k)
				if n == nil {
					t.Errorf("no node %s", k)
					continue
				}
				if n.Count != want {
					t.Errorf("%s count %d, want %d", k, n.Count, want)
				}
			}
		})
	}
}

func puts(prefix string, n int) []op {
	ops := make([]op, n)
	for i := range ops {
		ops[i] = op{key: fmt.Sprintf("%s%03d", prefix, i)}
	}
	return ops
}

func TestCountInFlightHoldsWatchedChanges(t *testing.T) {
	w := newWorld("/r/a/1", "/r/a/2")
	tr := New("/r/")
	req, _ := tr.Expand(tr.Root())
	counts := tr.ApplyPage(req, w.page(req, 0), nil)
	listRev := w.rev()
	// Two creates and a delete are watched before the counts land.
	tr.ApplyEvents(w.txn(op{key: "/r/a/3"}, op{key: "/r/a/4"}), time.Unix(0, 0))
	tr.ApplyEvents(w.txn(op{key: "/r/a/1", del: true}), time.Unix(0, 0))
	for _, c := range counts {
		if c.Rev != listRev {
			t.Fatalf("count at %d, want %d", c.Rev, listRev)
		}
		tr.ApplyCounts(c, w.counts(c))
	}
	if a := tr.Node("/r/a/"); a.Count != 3 || a.Count != w.count("/r/a/", 0) {
		t.Errorf("count %d, want %d", a.Count, w.count("/r/a/", 0))
	}
}

func TestEventsTheListingHoldsAreSkipped(t *testing.T) {
	w := newWorld("/r/a/1")
	// The watch is behind: it delivers a create the listing already holds.
	evs := w.txn(op{key: "/r/a/2"})
	tr := New("/r/")
	load(t, tr, w, tr.Root(), 0)
	load(t, tr, w, tr.Node("/r/a/"), 0)
	tr.ApplyEvents(evs, time.Unix(0, 0))
	if a := tr.Node("/r/a/"); a.Count != 2 || len(a.Children) != 2 {
		t.Errorf("count %d children %v, want 2 and two rows", a.Count, childKeys(a))
	}
	if n := tr.Node("/r/a/2"); n.Mark != MarkNone {
		t.Errorf("a key the listing holds is marked %v", n.Mark)
	}
}

func TestPagedLevelGetsWatchedChangesOfItsLaterPages(t *testing.T) {
	w := newWorld("/r/k01", "/r/k02", "/r/k03", "/r/k04", "/r/k05", "/r/k06")
	tr := New("/r/")
	req, _ := tr.Expand(tr.Root())
	for _, c := range tr.ApplyPage(req, w.page(req, 3), nil) {
		tr.ApplyCounts(c, w.counts(c))
	}
	if !tr.Root().More {
		t.Fatal("the level is not paged")
	}
	// Changes past the loaded part, watched before the next page is read.
	tr.ApplyEvents(w.txn(op{key: "/r/k07"}, op{key: "/r/k05", del: true}), time.Unix(0, 0))
	if tr.Node("/r/k07") != nil {
		t.Error("a key past the loaded pages was inserted")
	}
	next, ok := tr.Listing(tr.Root(), true)
	if !ok || next.After != "/r/k03" {
		t.Fatalf("next page %+v %v", next, ok)
	}
	tr.ApplyPage(next, w.page(next, 10), nil)
	if got, want := childKeys(tr.Root()), []string{"/r/k01", "/r/k02", "/r/k03", "/r/k04", "/r/k06", "/r/k07"}; !slices.Equal(got, want) {
		t.Errorf("rows %v, want %v", got, want)
	}
	if tr.Root().Count != 6 {
		t.Errorf("root count %d, want 6", tr.Root().Count)
	}
}

func TestMarksAndSweep(t *testing.T) {
	w := newWorld("/r/a/1", "/r/b/1")
	tr := New("/r/")
	load(t, tr, w, tr.Root(), 0)
	load(t, tr, w, tr.Node("/r/a/"), 0)
	t0 := time.Unix(100, 0)
	tr.ApplyEvents(w.txn(op{key: "/r/a/1"}, op{key: "/r/a/2"}, op{key: "/r/b/1", del: true}), t0)
	for k, want := range map[string]Mark{"/r/a/1": MarkMod, "/r/a/2": MarkAdd, "/r/b/": MarkDel} {
		if got := tr.Node(k).Mark; got != want {
			t.Errorf("%s marked %v, want %v", k, got, want)
		}
	}
	if !tr.Sweep(t0.Add(MarkTTL / 2)) {
		t.Error("marks gone before their time")
	}
	if tr.Sweep(t0.Add(MarkTTL)) {
		t.Error("marks remain after their time")
	}
	if tr.Node("/r/b/") != nil || tr.Node("/r/a/1").Mark != MarkNone {
		t.Errorf("after the sweep: rows %v", childKeys(tr.Root()))
	}
}

func TestRowsFollowExpandCollapseAndFilters(t *testing.T) {
	w := newWorld("/r/web-1/x", "/r/web-2/x", "/r/db/x", "/r/tls-a", "/r/mytls")
	tr := New("/r/")
	load(t, tr, w, tr.Root(), 0)
	rowKeys := func() []string {
		var out []string
		for _, r := range tr.Rows() {
			k := r.Node.Key
			if r.More {
				k += " more"
			}
			out = append(out, k)
		}
		return out
	}
	if got := rowKeys(); len(got) != 6 {
		t.Fatalf("rows %v", got)
	}
	load(t, tr, w, tr.Node("/r/db/"), 0)
	if got := rowKeys(); !slices.Contains(got, "/r/db/x") {
		t.Errorf("expanded level not shown: %v", got)
	}
	tr.Collapse(tr.Node("/r/db/"))
	tr.Collapse(tr.Root())
	if got := rowKeys(); slices.Contains(got, "/r/db/x") || len(got) != 6 {
		t.Errorf("after collapse: %v", got)
	}
	for _, tc := range []struct{ filter, want string }{
		{"web", "/r/ /r/web-1/ /r/web-2/"},
		{"^tls", "/r/ /r/tls-a"},
		{"tls", "/r/ /r/mytls /r/tls-a"},
		{"w.b-[2]", "/r/ /r/web-2/"},
		{"-f wb2", "/r/ /r/web-2/"},
		{"[", "/r/"}, // not a regular expression: a substring nothing has
	} {
		tr.SetFilter(tr.Root(), tc.filter)
		if got := strings.Join(rowKeys(), " "); got != tc.want {
			t.Errorf("filter %q: rows %q, want %q", tc.filter, got, tc.want)
		}
	}
}

func TestRelistOpensAgainWhatWasOpen(t *testing.T) {
	w := newWorld("/r/a/x/1", "/r/a/y", "/r/b/1")
	tr := New("/r/")
	load(t, tr, w, tr.Root(), 0)
	load(t, tr, w, tr.Node("/r/a/"), 0)
	load(t, tr, w, tr.Node("/r/a/x/"), 0)
	w.txn(op{key: "/r/a/x/2"})
	reqs := tr.Relist("/r/")
	for len(reqs) > 0 {
		req := reqs[0]
		reqs = reqs[1:]
		for _, c := range tr.ApplyPage(req, w.page(req, 0), nil) {
			tr.ApplyCounts(c, w.counts(c))
		}
		reqs = append(reqs, tr.Reopen()...)
	}
	for _, k := range []string{"/r/a/", "/r/a/x/"} {
		if n := tr.Node(k); n == nil || !n.Expanded || !n.Loaded {
			t.Errorf("%s not open again after the relist: %+v", k, n)
		}
	}
	if n := tr.Node("/r/a/x/2"); n == nil {
		t.Error("the level listed again lacks the key created before it")
	}
	if n := tr.Node("/r/b/"); n == nil || n.Expanded {
		t.Errorf("a closed level opened: %+v", n)
	}
}

func TestMinRevBusyAndRelist(t *testing.T) {
	w := newWorld("/r/a/1")
	tr := New("/r/")
	load(t, tr, w, tr.Root(), 0)
	w.txn(op{key: "/r/a/2"})
	load(t, tr, w, tr.Node("/r/a/"), 0)
	if got := tr.MinRev("/r/a/"); got != 1 {
		t.Errorf("MinRev = %d, want 1 (the root's count holds /r/a/ at rev 1)", got)
	}
	if tr.Busy("/r/") {
		t.Error("busy with nothing in flight")
	}
	reqs := tr.Relist("/r/a/")
	if !tr.Busy("/r/a/") || len(reqs) != 1 || reqs[0].Prefix != "/r/a/" {
		t.Fatalf("Relist = %+v, busy %v", reqs, tr.Busy("/r/a/"))
	}
	for _, c := range tr.ApplyPage(reqs[0], w.page(reqs[0], 0), nil) {
		tr.ApplyCounts(c, w.counts(c))
	}
	if tr.Root().Count != 2 || tr.Node("/r/a/").Count != 2 || tr.MinRev("/r/a/") != 2 {
		t.Errorf("after relist: root %d a %d minrev %d", tr.Root().Count, tr.Node("/r/a/").Count, tr.MinRev("/r/a/"))
	}
}

// TestRandomHistoriesMatchAFreshListing drives the tree through random
// transactions, watched late and in batches, with levels expanded and
// paged while the watch lags and counts landing after events: at the end
// every count and every loaded level equals what a fresh listing says.
func TestRandomHistoriesMatchAFreshListing(t *testing.T) {
	for seed := range uint64(200) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { randomHistory(t, seed) })
	}
}

func randomHistory(t *testing.T, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 7))
	dirs := []string{"/r/a/", "/r/a/x/", "/r/a/y/", "/r/b/", "/r/c/d/e/", "/r/"}
	key := func() string { return fmt.Sprintf("%sk%02d", dirs[rng.IntN(len(dirs))], rng.IntN(12)) }
	var initial []string
	for range rng.IntN(30) {
		initial = append(initial, key())
	}
	w := newWorld(initial...)
	tr := New("/r/")
	limit := []int{0, 2, 3}[rng.IntN(3)]
	var (
		queue     []etcdsrc.Event // events the watch has not delivered yet
		lists     []ListRequest
		counts    []CountRequest
		delivered int64 = w.rev()
	)
	if req, ok := tr.Expand(tr.Root()); ok {
		lists = append(lists, req)
	}
	now := time.Unix(1000, 0)
	step := func() {
		switch rng.IntN(7) {
		case 6: // ctrl-r on a level, or a compaction: listed again
			rows := tr.Rows()
			if r := rows[rng.IntN(len(rows))]; !r.Node.Leaf {
				lists = append(lists, tr.Relist(r.Node.Key)...)
			}
		case 0, 1: // a transaction of 1 to 40 operations
			var ops []op
			for range 1 + rng.IntN(40) {
				ops = append(ops, op{key: key(), del: rng.IntN(3) == 0})
			}
			queue = append(queue, w.txn(ops...)...)
		case 2: // the watch delivers a batch (whole transactions or not)
			n := rng.IntN(len(queue) + 1)
			tr.ApplyEvents(queue[:n], now)
			if n > 0 {
				delivered = queue[n-1].Revision
			}
			queue = queue[n:]
		case 3: // a listing or a next page is answered
			if len(lists) > 0 {
				i := rng.IntN(len(lists))
				req := lists[i]
				lists = slices.Delete(lists, i, i+1)
				counts = append(counts, tr.ApplyPage(req, w.page(req, limit), nil)...)
				lists = append(lists, tr.Reopen()...)
			}
		case 4: // counts are answered
			if len(counts) > 0 {
				i := rng.IntN(len(counts))
				c := counts[i]
				counts = slices.Delete(counts, i, i+1)
				tr.ApplyCounts(c, w.counts(c))
			}
		case 5: // the user expands a level or pages on
			rows := tr.Rows()
			r := rows[rng.IntN(len(rows))]
			var req ListRequest
			var ok bool
			if r.More {
				req, ok = tr.Listing(r.Node, true)
			} else {
				req, ok = tr.Expand(r.Node)
			}
			if ok {
				lists = append(lists, req)
			}
		}
	}
	for range 300 {
		step()
	}
	// Drain: every reply lands, every event arrives, every page is read.
	for first := true; first || len(lists)+len(counts)+len(queue) > 0; first = false {
		if len(queue) > 0 {
			tr.ApplyEvents(queue, now)
			delivered, queue = queue[len(queue)-1].Revision, nil
		}
		for len(lists) > 0 {
			req := lists[0]
			lists = lists[1:]
			counts = append(counts, tr.ApplyPage(req, w.page(req, limit), nil)...)
			lists = append(lists, tr.Reopen()...)
		}
		for len(counts) > 0 {
			tr.ApplyCounts(counts[0], w.counts(counts[0]))
			counts = counts[1:]
		}
		for _, n := range tr.index {
			if n.Loaded && n.More { // shown or not (a relist lists a closed level)
				if req, ok := tr.Listing(n, true); ok {
					lists = append(lists, req)
				}
			}
		}
	}
	if last := w.lastEvent; delivered != last {
		t.Fatalf("delivered up to %d of %d", delivered, last)
	}
	tr.Sweep(now.Add(MarkTTL))
	var check func(n *Node)
	check = func(n *Node) {
		if n.Leaf {
			return
		}
		if want := w.count(n.Key, 0); n.Count != want {
			t.Errorf("seed %d: %s count %d, want %d", seed, n.Key, n.Count, want)
		}
		if n.Loaded {
			var want []string
			for _, c := range w.children(n.Key, 0) {
				want = append(want, c.Key)
			}
			if got := childKeys(n); !slices.Equal(got, want) {
				t.Errorf("seed %d: %s rows %v, want %v", seed, n.Key, got, want)
			}
		}
		for _, c := range n.Children {
			check(c)
		}
	}
	check(tr.Root())
}

func TestSeveralRootsAtTheTop(t *testing.T) {
	w := newWorld("/kubernetes.io/pods/a/p", "/openshift.io/routes/a/r", "/other/x")
	tr := NewRoots("/kubernetes.io/", "/openshift.io/")
	for _, top := range tr.Tops() {
		load(t, tr, w, top, 0)
	}
	var keys []string
	for _, r := range tr.Rows() {
		keys = append(keys, r.Node.Key)
	}
	if want := []string{"/kubernetes.io/", "/kubernetes.io/pods/", "/openshift.io/", "/openshift.io/routes/"}; !slices.Equal(keys, want) {
		t.Fatalf("rows %v, want %v", keys, want)
	}
	tr.ApplyEvents(w.txn(op{key: "/openshift.io/routes/b/r"}, op{key: "/other/y"}), time.Unix(0, 0))
	if n := tr.Node("/openshift.io/"); n.Count != 2 || tr.Node("/openshift.io/routes/").Count != 2 {
		t.Errorf("counts under the second root: %d", n.Count)
	}
	if !tr.IsTop(tr.Node("/openshift.io/")) || tr.IsTop(tr.Node("/openshift.io/routes/")) {
		t.Error("IsTop")
	}
	reqs := tr.Relist(tr.Root().Key)
	if len(reqs) != 2 || tr.Node("/kubernetes.io/") == nil {
		t.Errorf("relisting everything: %v", reqs)
	}
}
