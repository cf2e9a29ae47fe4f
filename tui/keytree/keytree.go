// Package keytree is the explorer's key tree as plain data: directories
// listed one page at a time, key counts that watch events keep current,
// marks on rows that changed lately, per-level filters, and the rows a pane
// shows. It does no I/O and knows nothing of bubbletea: the pane asks it
// what to read (Listing, Counting) and hands it what was read (ApplyPage,
// ApplyCounts, ApplyEvents), so it can be tested with synthetic pages and
// event sequences alone.
package keytree

import (
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/etcdscope/etcdscope/etcdsrc"
)

// MarkTTL is how long an added, changed or deleted row stays marked.
const MarkTTL = 2 * time.Second

// Mark says what a watch event did to a row lately.
type Mark int

// The marks a row can carry.
const (
	MarkNone Mark = iota
	MarkAdd
	MarkMod
	MarkDel
)

// String names the mark as the screen shows it.
func (m Mark) String() string {
	switch m {
	case MarkAdd:
		return "new"
	case MarkMod:
		return "mod"
	case MarkDel:
		return "del"
	}
	return ""
}

// countDelta is a change seen by the watch while a count was in flight.
type countDelta struct {
	rev   int64
	delta int64
}

// Node is one entry of the tree: a directory prefix or a key. Its fields
// are for reading; the Tree's methods change them.
type Node struct {
	// Name is the path segment (raw bytes); Key the full key, ending in
	// "/" for a directory.
	Name   string
	Key    string
	Leaf   bool
	Depth  int
	Parent *Node

	// Count is the number of keys under a directory (1 for a key), -1
	// until counted. It holds every change up to CountRev, the revision
	// it was read at, and every watched change after it.
	Count    int64
	CountRev int64
	Counting bool
	pending  []countDelta
	// listGen and countGen number the latest listing and count asked
	// for; replies of others are stale.
	listGen, countGen int64

	Expanded bool
	// Loaded is set once the first page of children arrived.
	Loaded   bool
	Loading  bool
	Children []*Node
	// More: the level goes on past the loaded children.
	More bool
	// Rev is the revision the level's first page was read at.
	Rev int64
	// pages are the parts of the level read so far, each with the last
	// child it brought and its revision: later pages are read at the
	// revision current then, so a watched change shows on a row only
	// when it is newer than the page that brought the row's part.
	pages []pageMark
	// Err is a listing or counting failure, shown on the row.
	Err error

	// Filter narrows the children shown (see NewMatcher).
	Filter  string
	matcher Matcher

	Mark   Mark
	MarkAt time.Time
}

// pageMark is one page of a level: its last child's key and the revision
// it was read at.
type pageMark struct {
	last string
	rev  int64
}

// Row is one visible line: a node, or the "more…" line that ends a partly
// loaded level.
type Row struct {
	Node *Node
	More bool
}

// ListRequest asks for one page of a level.
type ListRequest struct {
	// Gen tells the reply of this request from one of a request the
	// level has been listed again since.
	Gen    int64
	Prefix string
	// After continues the level after this child's key; "" starts it.
	After string
	// Rev pins the page to the level's first page; 0 reads at the
	// current revision.
	Rev int64
}

// CountRequest asks for the key counts of some directories at one revision.
type CountRequest struct {
	Prefixes []string
	// Gens tell each prefix's reply from a stale one, as ListRequest.Gen.
	Gens []int64
	Rev  int64
}

// countChunk is how many directories one CountRequest holds, so a long
// level's counts arrive in parts.
const countChunk = 16

// Tree is the key tree under one root prefix.
type Tree struct {
	root  *Node
	index map[string]*Node
	// gen numbers the requests: a node keeps the number of its latest
	// listing and count, and drops replies of older ones.
	gen   int64
	rows  []Row
	dirty bool
	// pinRev reads every listing at one revision (a source browsed as of
	// a past revision); 0 reads each at the current one.
	pinRev int64
	// reopen holds the directories that were open when their levels were
	// listed again: each opens, and is listed, once its node is back.
	reopen map[string]bool
	// virtual: the root is a hidden node above several roots (NewRoots).
	virtual bool
}

// New returns a tree whose root directory is rootKey (ending in "/").
func New(rootKey string) *Tree {
	root := &Node{Name: rootKey, Key: rootKey, Count: -1, Expanded: true}
	return &Tree{root: root, index: map[string]*Node{rootKey: root}, dirty: true}
}

// NewRoots returns a tree of several roots shown side by side at the
// top (OpenShift keeps its data under /kubernetes.io/ and /openshift.io/):
// Root is then a node of its own that is not shown, and Tops are the roots.
func NewRoots(rootKeys ...string) *Tree {
	if len(rootKeys) == 1 {
		return New(rootKeys[0])
	}
	top := &Node{Count: -1, Expanded: true, Loaded: true, Depth: -1}
	t := &Tree{root: top, index: map[string]*Node{}, dirty: true, virtual: true}
	for _, k := range rootKeys {
		n := &Node{Name: k, Key: k, Count: -1, Parent: top, Expanded: true}
		top.Children = append(top.Children, n)
		t.index[k] = n
	}
	return t
}

// Tops are the roots shown at the top: the root, or each of NewRoots'.
func (t *Tree) Tops() []*Node {
	if t.virtual {
		return t.root.Children
	}
	return []*Node{t.root}
}

// IsTop reports whether n is a root shown at the top.
func (t *Tree) IsTop(n *Node) bool { return n == t.root || (t.virtual && n.Parent == t.root) }

// PinRevision makes every listing read at rev (0: the current revision).
func (t *Tree) PinRevision(rev int64) { t.pinRev = rev }

// Root is the root directory.
func (t *Tree) Root() *Node { return t.root }

// Node returns the node with key k, or nil.
func (t *Tree) Node(k string) *Node { return t.index[k] }

// next numbers a request.
func (t *Tree) next() int64 {
	t.gen++
	return t.gen
}

// countRequests asks for the counts of nodes at rev, in parts.
func (t *Tree) countRequests(nodes []*Node, rev int64) []CountRequest {
	var reqs []CountRequest
	for i := 0; i < len(nodes); i += countChunk {
		part := nodes[i:min(i+countChunk, len(nodes))]
		req := CountRequest{Rev: rev}
		for _, n := range part {
			n.Counting, n.CountRev, n.countGen = true, rev, t.next()
			req.Prefixes = append(req.Prefixes, n.Key)
			req.Gens = append(req.Gens, n.countGen)
		}
		reqs = append(reqs, req)
	}
	return reqs
}

// Len is how many nodes the tree holds.
func (t *Tree) Len() int { return len(t.index) }

// Listing marks n's first page (after == "") or its next page as being
// read and returns the request; ok is false when nothing is to be read (a
// key, a page already in flight, no more pages).
func (t *Tree) Listing(n *Node, next bool) (req ListRequest, ok bool) {
	if n == nil || n.Leaf || n.Loading {
		return ListRequest{}, false
	}
	n.listGen = t.next()
	req = ListRequest{Gen: n.listGen, Prefix: n.Key, Rev: t.pinRev}
	if next {
		if !n.More || len(n.pages) == 0 {
			return ListRequest{}, false
		}
		req.After = n.pages[len(n.pages)-1].last
	}
	n.Loading = true
	t.dirty = true
	return req, true
}

// ApplyPage takes one page of a level read for req. It returns the
// counts to read: the page's directories, and the level and those above
// it that have no count yet (the root, or a level listed again), all at
// the page's revision so later watch events can be added to them.
func (t *Tree) ApplyPage(req ListRequest, page etcdsrc.ChildPage, err error) []CountRequest {
	n := t.index[req.Prefix]
	if n == nil || n.Leaf || !n.Loading || req.Gen != n.listGen {
		return nil
	}
	n.Loading = false
	t.dirty = true
	if err != nil {
		n.Err = err
		return nil
	}
	n.Err = nil
	if req.After == "" {
		t.dropChildren(n)
		n.Rev = page.Rev
	}
	n.Loaded, n.More = true, page.More
	last := req.After
	if len(page.Children) > 0 {
		last = page.Children[len(page.Children)-1].Key
	}
	n.pages = append(n.pages, pageMark{last: last, rev: page.Rev})
	var toCount []*Node
	for _, ch := range page.Children {
		if t.index[ch.Key] != nil {
			continue // a watch event inserted it already
		}
		c := &Node{Name: ch.Name, Key: ch.Key, Leaf: ch.Leaf, Depth: n.Depth + 1, Parent: n, Count: ch.Count}
		switch {
		case ch.Leaf:
			c.Count = 1
		case c.Count < 0:
			toCount = append(toCount, c)
		default:
			c.CountRev = page.Rev
		}
		n.Children = append(n.Children, c)
		t.index[c.Key] = c
	}
	sort.SliceStable(n.Children, func(i, j int) bool { return n.Children[i].Key < n.Children[j].Key })

	reqs := t.countRequests(toCount, page.Rev)
	var up []*Node
	for a := n; a != nil && !(t.virtual && a == t.root); a = a.Parent {
		if a.Count < 0 && !a.Counting {
			up = append(up, a)
		}
	}
	reqs = append(reqs, t.countRequests(up, page.Rev)...)
	return reqs
}

// ApplyCounts takes counts read for req. Changes watched while they were
// in flight, after the count's revision, are added to them.
func (t *Tree) ApplyCounts(req CountRequest, results []etcdsrc.CountResult) {
	for i, r := range results {
		n := t.index[r.Prefix]
		if n == nil || !n.Counting || i >= len(req.Gens) || n.countGen != req.Gens[i] {
			continue
		}
		n.Counting = false
		if r.Err != nil {
			n.Err, n.pending = r.Err, nil
			continue
		}
		n.Count = r.Count
		for _, d := range n.pending {
			if d.rev > n.CountRev {
				n.Count += d.delta
			}
		}
		n.pending = nil
	}
}

// dropChildren forgets a level's children (before it is listed again).
func (t *Tree) dropChildren(n *Node) {
	for _, c := range n.Children {
		t.dropChildren(c)
		delete(t.index, c.Key)
	}
	n.Children, n.Loaded, n.More, n.pages = nil, false, false, nil
	t.dirty = true
}

// rangeRev is the revision of the page whose part of level n holds child
// key k; ok is false when k lies past the loaded pages (it comes with the
// next page).
func (n *Node) rangeRev(k string) (rev int64, ok bool) {
	if !n.Loaded || len(n.pages) == 0 {
		return 0, false
	}
	i := sort.Search(len(n.pages), func(i int) bool { return n.pages[i].last >= k })
	if i == len(n.pages) {
		if n.More {
			return 0, false
		}
		i-- // the last page saw that nothing follows
	}
	return n.pages[i].rev, true
}

// Expand opens a directory. It returns the listing to read when the
// directory was never listed (or its listing failed).
func (t *Tree) Expand(n *Node) (ListRequest, bool) {
	if n == nil || n.Leaf {
		return ListRequest{}, false
	}
	if !n.Expanded {
		n.Expanded = true
		t.dirty = true
	}
	if (n.Loaded && n.Err == nil) || n.Loading {
		return ListRequest{}, false
	}
	return t.Listing(n, false)
}

// Collapse closes a directory (the root stays open).
func (t *Tree) Collapse(n *Node) {
	if n == nil || n.Leaf || t.IsTop(n) || !n.Expanded {
		return
	}
	n.Expanded = false
	t.dirty = true
}

// SetFilter narrows the children a level shows; "" shows all.
func (t *Tree) SetFilter(n *Node, f string) {
	if n == nil || n.Filter == f {
		return
	}
	n.Filter, n.matcher = f, NewMatcher(f)
	t.dirty = true
}

// Rows is the visible lines: every expanded directory's children that
// pass its filter, and a "more…" row after a partly loaded level. The
// slice is rebuilt only after the tree's shape changed.
func (t *Tree) Rows() []Row {
	if !t.dirty {
		return t.rows
	}
	t.dirty = false
	t.rows = t.rows[:0]
	var walk func(n *Node)
	walk = func(n *Node) {
		if !(t.virtual && n == t.root) {
			t.rows = append(t.rows, Row{Node: n})
		}
		if n.Leaf || !n.Expanded {
			return
		}
		for _, c := range n.Children {
			if n.Filter == "" || n.matcher.Match(c.Name) {
				walk(c)
			}
		}
		if n.More {
			t.rows = append(t.rows, Row{Node: n, More: true})
		}
	}
	walk(t.root)
	return t.rows
}

// adjust applies a watched create (+1) or delete (-1) at rev to a
// directory's count: changes the count already holds (at or before
// CountRev) are skipped, and a count in flight holds them until it lands.
func (n *Node) adjust(delta, rev int64) {
	switch {
	case delta == 0:
	case n.Counting:
		n.pending = append(n.pending, countDelta{rev: rev, delta: delta})
	case n.Count >= 0 && rev > n.CountRev:
		n.Count += delta
	}
}

// ApplyEvents follows watch events, oldest first: the count of every
// directory on a key's path, rows inserted into (or marked in) the levels
// that are loaded. Events a level's listing already holds (at or before
// its revision) change nothing there. It reports whether anything shown
// changed.
func (t *Tree) ApplyEvents(evs []etcdsrc.Event, now time.Time) bool {
	changed := false
	for i := range evs {
		ev := &evs[i]
		if ev.Type != etcdsrc.EventPut && ev.Type != etcdsrc.EventDelete {
			continue
		}
		if t.applyEvent(ev, now) {
			changed = true
		}
	}
	return changed
}

// eventDelta is what an event does to the counts above its key: a create
// (the key's first version) adds one, a delete takes one.
func eventDelta(ev *etcdsrc.Event) int64 {
	switch {
	case ev.Type == etcdsrc.EventDelete:
		return -1
	case ev.KV.Version == 1:
		return 1
	}
	return 0
}

func (t *Tree) applyEvent(ev *etcdsrc.Event, now time.Time) bool {
	k := ev.KV.Key
	n := t.topOf(k)
	if n == nil || len(k) == len(n.Key) {
		return false
	}
	delta := eventDelta(ev)
	for {
		n.adjust(delta, ev.Revision)
		if delta < 0 && n.Count == 0 && !t.IsTop(n) && !n.Counting {
			n.Mark, n.MarkAt = MarkDel, now
		}
		rest := k[len(n.Key):]
		i := strings.IndexByte(rest, '/')
		if i < 0 {
			t.applyLeaf(n, ev, delta, now)
			return true
		}
		dirKey := n.Key + rest[:i+1]
		child := t.index[dirKey]
		if child == nil {
			if rev, ok := n.rangeRev(dirKey); ok && delta > 0 && ev.Revision > rev {
				// A new directory: counted from nothing before this event.
				c := &Node{Name: rest[:i], Key: dirKey, Depth: n.Depth + 1, Parent: n, Count: 1, CountRev: ev.Revision - 1, Mark: MarkAdd, MarkAt: now}
				t.insert(n, c)
			}
			return true
		}
		if child.Mark == MarkDel && delta > 0 {
			child.Mark, child.MarkAt = MarkAdd, now
		}
		n = child
	}
}

// topOf is the root shown at the top that key k lies under, or nil.
func (t *Tree) topOf(k string) *Node {
	for _, n := range t.Tops() {
		if strings.HasPrefix(k, n.Key) {
			return n
		}
	}
	return nil
}

func (t *Tree) applyLeaf(n *Node, ev *etcdsrc.Event, delta int64, now time.Time) {
	if rev, ok := n.rangeRev(ev.KV.Key); !ok || ev.Revision <= rev {
		return
	}
	c := t.index[ev.KV.Key]
	switch {
	case c != nil && ev.Type == etcdsrc.EventDelete:
		c.Mark, c.MarkAt = MarkDel, now
	case c != nil:
		if c.Mark == MarkDel || delta > 0 {
			c.Mark = MarkAdd
		} else if c.Mark != MarkAdd {
			c.Mark = MarkMod
		}
		c.MarkAt = now
	case ev.Type == etcdsrc.EventPut:
		c = &Node{Name: ev.KV.Key[len(n.Key):], Key: ev.KV.Key, Leaf: true, Depth: n.Depth + 1, Parent: n, Count: 1, Mark: MarkAdd, MarkAt: now}
		t.insert(n, c)
	}
}

func (t *Tree) insert(parent, c *Node) {
	i := sort.Search(len(parent.Children), func(i int) bool { return parent.Children[i].Key >= c.Key })
	parent.Children = append(parent.Children, nil)
	copy(parent.Children[i+1:], parent.Children[i:])
	parent.Children[i] = c
	t.index[c.Key] = c
	t.dirty = true
}

// Sweep clears marks older than MarkTTL and removes deleted rows. It
// reports whether marks remain.
func (t *Tree) Sweep(now time.Time) bool {
	remain := false
	var walk func(n *Node)
	walk = func(n *Node) {
		kept := n.Children[:0]
		for _, c := range n.Children {
			if c.Mark != MarkNone && now.Sub(c.MarkAt) >= MarkTTL {
				if c.Mark == MarkDel {
					t.dropChildren(c)
					delete(t.index, c.Key)
					t.dirty = true
					continue
				}
				c.Mark = MarkNone
			}
			if c.Mark != MarkNone {
				remain = true
			}
			kept = append(kept, c)
			walk(c)
		}
		clear(n.Children[len(kept):])
		n.Children = kept
	}
	walk(t.root)
	return remain
}

// related reports whether node key k lies under prefix or above it.
func related(k, prefix string) bool {
	return strings.HasPrefix(k, prefix) || strings.HasPrefix(prefix, k)
}

// MinRev is the oldest revision the tree holds for prefix: listings under
// it and counts under or above it. A watch from just after it misses
// nothing the tree shows. 0 when nothing is read yet.
func (t *Tree) MinRev(prefix string) int64 {
	var m int64
	take := func(r int64) {
		if r > 0 && (m == 0 || r < m) {
			m = r
		}
	}
	for k, n := range t.index {
		if !related(k, prefix) {
			continue
		}
		if strings.HasPrefix(k, prefix) {
			for _, p := range n.pages {
				take(p.rev)
			}
		}
		if !n.Leaf && (n.Count >= 0 || n.Counting) {
			take(n.CountRev)
		}
	}
	return m
}

// Busy reports whether listings or counts for prefix are in flight: a
// watch started now would start from a revision about to change.
func (t *Tree) Busy(prefix string) bool {
	for k, n := range t.index {
		if related(k, prefix) && (n.Loading || n.Counting) {
			return true
		}
	}
	return false
}

// rememberOpen notes the open directories below n, to open them again
// once the listing of n brings them back.
func (t *Tree) rememberOpen(n *Node) {
	for _, c := range n.Children {
		if !c.Leaf && c.Expanded && (c.Loaded || c.Loading) {
			t.reopen[c.Key] = true
			t.rememberOpen(c)
		}
	}
}

// Reopen returns the listings of the directories that were open before
// a Relist and are back in the tree now: call it after each ApplyPage.
func (t *Tree) Reopen() []ListRequest {
	var reqs []ListRequest
	for k := range t.reopen {
		n := t.index[k]
		if n == nil {
			continue // its level is not back yet
		}
		delete(t.reopen, k)
		if req, ok := t.Expand(n); ok {
			reqs = append(reqs, req)
		}
	}
	slices.SortFunc(reqs, func(a, b ListRequest) int { return strings.Compare(a.Prefix, b.Prefix) })
	return reqs
}

// Relist forgets every level under prefix and returns the listings that
// read again those that were open, after a watch lost track (compaction)
// or on request. Counts under and above prefix are read again with them.
func (t *Tree) Relist(prefix string) []ListRequest {
	if t.virtual && prefix == t.root.Key {
		var reqs []ListRequest
		for _, top := range t.Tops() {
			reqs = append(reqs, t.Relist(top.Key)...)
		}
		return reqs
	}
	t.dirty = true
	if t.reopen == nil {
		t.reopen = map[string]bool{}
	}
	for k := range t.reopen {
		if strings.HasPrefix(k, prefix) {
			delete(t.reopen, k) // what is open under prefix now counts
		}
	}
	var reqs []ListRequest
	var walk func(n *Node)
	walk = func(n *Node) {
		if n.Leaf {
			return
		}
		under := strings.HasPrefix(n.Key, prefix)
		if under || strings.HasPrefix(prefix, n.Key) {
			n.Count, n.Counting, n.pending, n.CountRev = -1, false, nil, 0
		}
		if under && (n.Loaded || n.Loading) || n.Key == prefix {
			t.rememberOpen(n)
			t.dropChildren(n)
			n.Loading = false
			if req, ok := t.Listing(n, false); ok {
				reqs = append(reqs, req)
			}
			return
		}
		for _, c := range n.Children {
			walk(c)
		}
	}
	walk(t.root)
	return reqs
}
