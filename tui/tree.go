package tui

import (
	"context"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/etcdscope/etcdscope/decode"
	"github.com/etcdscope/etcdscope/etcdsrc"
)

// treePageSize is how many children one Children call brings; longer
// levels end in a "more…" row that loads the next page.
const treePageSize = 500

// markTTL is how long an added, changed or deleted row stays highlighted.
const markTTL = 2 * time.Second

// mark says what a watch event did to a row lately.
type mark int

const (
	markNone mark = iota
	markAdd
	markMod
	markDel
)

// countDelta is a change seen by the watch while a count was in flight.
type countDelta struct {
	rev   int64
	delta int64
}

// node is one entry of the key tree: a directory prefix or a key.
type node struct {
	name   string // path segment (raw bytes)
	key    string // full key; directories end in "/"
	leaf   bool
	depth  int
	parent *node

	count    int64 // keys under a directory, -1 until counted
	countRev int64 // revision the count holds; later events adjust it
	counting bool
	pending  []countDelta

	expanded bool
	loaded   bool // the first page of children arrived
	loading  bool
	children []*node
	more     bool  // the level goes on past the loaded children
	rev      int64 // revision the level was listed at
	err      error // listing or counting failure, shown on the row

	filter string // fuzzy filter on this level's children

	mark   mark
	markAt time.Time
}

// row is one visible line of the tree: a node, or the "more…" line that
// ends a partly loaded level.
type row struct {
	n    *node
	more bool
}

// treePane is the key tree on the left.
type treePane struct {
	c       *common
	root    *node
	index   map[string]*node
	rows    []row
	cursor  int
	offset  int
	width   int
	height  int
	focused bool
	// epoch changes when the tree is re-listed; replies of an older
	// listing are dropped.
	epoch int
}

// childrenMsg carries one page of a level.
type childrenMsg struct {
	epoch  int
	parent string
	after  string
	page   etcdsrc.ChildPage
	err    error
}

// countResult is one directory's key count.
type countResult struct {
	key string
	n   int64
	err error
}

// countsMsg carries the counts of some directories of one level.
type countsMsg struct {
	epoch  int
	counts []countResult
}

// openKeyMsg asks the root to open a key in the object pane.
type openKeyMsg struct {
	key   string
	focus bool // move focus to the object pane
}

func newTreePane(c *common) treePane {
	root := &node{name: c.root + "/", key: c.root + "/", count: -1, expanded: true}
	t := treePane{c: c, root: root, index: map[string]*node{root.key: root}}
	t.rebuild()
	return t
}

// init lists the root level.
func (t *treePane) init() tea.Cmd {
	t.root.loading = true
	return listChildrenCmd(t.c, t.epoch, t.root.key, "", 0)
}

// listChildrenCmd reads one page of the level under prefix.
func listChildrenCmd(c *common, epoch int, prefix, after string, rev int64) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(c.ctx, ioTimeout)
		defer cancel()
		// Source errors already say what was read ("list \"/registry/\": …").
		page, err := c.src.Children(ctx, prefix, etcdsrc.ChildrenOptions{After: after, Limit: c.pageSize, Rev: rev})
		return childrenMsg{epoch: epoch, parent: prefix, after: after, page: page, err: err}
	}
}

// countKeysCmd counts the keys under each prefix at rev, a few at a time,
// so a level's names show first and its counts follow.
func countKeysCmd(c *common, epoch int, prefixes []string, rev int64) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(c.ctx, ioTimeout)
		defer cancel()
		res := make([]countResult, len(prefixes))
		var wg sync.WaitGroup
		sem := make(chan struct{}, 4)
		for i, p := range prefixes {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; wg.Done() }()
				n, err := c.src.Count(ctx, p, rev)
				res[i] = countResult{key: p, n: n, err: err}
			}()
		}
		wg.Wait()
		return countsMsg{epoch: epoch, counts: res}
	}
}

// countChunk is how many directories one count Cmd handles.
const countChunk = 16

func (t treePane) Update(msg tea.Msg) (treePane, tea.Cmd) {
	switch msg := msg.(type) {
	case childrenMsg:
		return t, t.gotChildren(msg)
	case countsMsg:
		t.gotCounts(msg)
		return t, nil
	case tea.KeyMsg:
		if !t.focused {
			return t, nil
		}
		return t.handleKey(msg)
	}
	return t, nil
}

func (t *treePane) gotChildren(msg childrenMsg) tea.Cmd {
	n := t.index[msg.parent]
	if msg.epoch != t.epoch || n == nil || n.leaf || !n.loading {
		return nil
	}
	n.loading = false
	if msg.err != nil {
		n.err = msg.err
		t.rebuild()
		return nil
	}
	n.err = nil
	if msg.after == "" {
		t.dropChildren(n)
		n.rev = msg.page.Rev
	}
	n.loaded = true
	n.more = msg.page.More
	onMore := t.cursor < len(t.rows) && t.rows[t.cursor].more && t.rows[t.cursor].n == n
	var firstNew *node
	var toCount []string
	for _, ch := range msg.page.Children {
		if t.index[ch.Key] != nil {
			continue // a watch event inserted it already
		}
		c := &node{name: ch.Name, key: ch.Key, leaf: ch.Leaf, depth: n.depth + 1, parent: n, count: ch.Count}
		if ch.Leaf {
			c.count = 1
		} else if c.count < 0 {
			c.counting = true
			c.countRev = msg.page.Rev
			toCount = append(toCount, ch.Key)
		}
		n.children = append(n.children, c)
		t.index[c.key] = c
		if firstNew == nil {
			firstNew = c
		}
	}
	sortChildren(n)
	t.rebuild()
	if onMore && firstNew != nil {
		// The cursor waited on "more…": it goes on to the page it loaded.
		t.selectKey(firstNew.key)
	}
	var cmds []tea.Cmd
	for i := 0; i < len(toCount); i += countChunk {
		cmds = append(cmds, countKeysCmd(t.c, t.epoch, toCount[i:min(i+countChunk, len(toCount))], msg.page.Rev))
	}
	// The level and the directories above it that have no count (the
	// root, or a level listed again) are counted at the page's revision,
	// so watch events after it can be added to the count.
	var up []string
	for a := n; a != nil; a = a.parent {
		if a.count < 0 && !a.counting {
			a.counting = true
			a.countRev = msg.page.Rev
			up = append(up, a.key)
		}
	}
	if len(up) > 0 {
		cmds = append(cmds, countKeysCmd(t.c, t.epoch, up, msg.page.Rev))
	}
	return tea.Batch(cmds...)
}

func (t *treePane) gotCounts(msg countsMsg) {
	if msg.epoch != t.epoch {
		return
	}
	for _, r := range msg.counts {
		n := t.index[r.key]
		if n == nil || !n.counting {
			continue
		}
		n.counting = false
		if r.err != nil {
			n.err = r.err
			n.pending = nil
			continue
		}
		n.count = r.n
		for _, d := range n.pending {
			if d.rev > n.countRev {
				n.count += d.delta
			}
		}
		n.pending = nil
	}
}

func sortChildren(n *node) {
	sort.SliceStable(n.children, func(i, j int) bool { return n.children[i].key < n.children[j].key })
}

// dropChildren forgets a level (before it is listed again).
func (t *treePane) dropChildren(n *node) {
	for _, c := range n.children {
		t.dropChildren(c)
		delete(t.index, c.key)
	}
	n.children = nil
	n.loaded = false
	n.more = false
}

// rebuild recomputes the visible rows, keeping the cursor on its node.
func (t *treePane) rebuild() {
	var sel *node
	if t.cursor < len(t.rows) {
		sel = t.rows[t.cursor].n
	}
	selMore := t.cursor < len(t.rows) && t.rows[t.cursor].more
	t.rows = t.rows[:0]
	var walk func(n *node)
	walk = func(n *node) {
		t.rows = append(t.rows, row{n: n})
		if n.leaf || !n.expanded {
			return
		}
		for _, c := range n.children {
			if n.filter != "" && !fuzzyMatch(n.filter, c.name) {
				continue
			}
			walk(c)
		}
		if n.more {
			t.rows = append(t.rows, row{n: n, more: true})
		}
	}
	walk(t.root)
	if sel != nil {
		for i, r := range t.rows {
			if r.n == sel && r.more == selMore {
				t.cursor = i
				t.clampOffset()
				return
			}
		}
		// The node went away (collapsed parent, deleted): stay near it.
		for p := sel.parent; p != nil; p = p.parent {
			for i, r := range t.rows {
				if r.n == p && !r.more {
					t.cursor = i
					t.clampOffset()
					return
				}
			}
		}
	}
	t.cursor = min(t.cursor, len(t.rows)-1)
	t.clampOffset()
}

func (t *treePane) clampOffset() {
	h := max(t.height, 1)
	if t.cursor < t.offset {
		t.offset = t.cursor
	}
	if t.cursor >= t.offset+h {
		t.offset = t.cursor - h + 1
	}
	t.offset = max(0, min(t.offset, len(t.rows)-h))
}

// selected is the node under the cursor (nil on a "more…" row).
func (t treePane) selected() *node {
	if t.cursor < 0 || t.cursor >= len(t.rows) || t.rows[t.cursor].more {
		return nil
	}
	return t.rows[t.cursor].n
}

// selectedKey is the key under the cursor and whether it is a leaf.
func (t treePane) selectedKey() (string, bool) {
	n := t.selected()
	if n == nil {
		return "", false
	}
	return n.key, n.leaf
}

// level is the directory whose children the cursor is among: what "/"
// filters.
func (t treePane) level() *node {
	if t.cursor >= 0 && t.cursor < len(t.rows) && t.rows[t.cursor].more {
		return t.rows[t.cursor].n
	}
	n := t.selected()
	if n == nil {
		return t.root
	}
	if n.parent == nil {
		return n
	}
	return n.parent
}

// setFilter filters the level the cursor is in.
func (t *treePane) setFilter(lvl *node, f string) {
	if lvl == nil {
		return
	}
	lvl.filter = f
	t.rebuild()
}

func (t treePane) handleKey(msg tea.KeyMsg) (treePane, tea.Cmd) {
	k := t.c.keys
	if step, ok := k.cursorStep(msg, t.height-1, len(t.rows)); ok {
		t.move(step)
		return t, t.autoPage()
	}
	switch {
	case key.Matches(msg, k.Collapse):
		t.collapse()
	case key.Matches(msg, k.Expand):
		return t, t.expand(msg.String() == "enter")
	default:
		return t, nil
	}
	return t, t.autoPage()
}

func (t *treePane) move(d int) {
	if len(t.rows) == 0 {
		return
	}
	t.cursor = max(0, min(t.cursor+d, len(t.rows)-1))
	t.clampOffset()
}

// autoPage loads the next page of a level when the cursor reaches its
// "more…" row, so long levels page in as one scrolls.
func (t *treePane) autoPage() tea.Cmd {
	if t.cursor >= len(t.rows) || !t.rows[t.cursor].more {
		return nil
	}
	return t.loadMore(t.rows[t.cursor].n)
}

func (t *treePane) loadMore(n *node) tea.Cmd {
	if n.loading || !n.more || len(n.children) == 0 {
		return nil
	}
	n.loading = true
	return listChildrenCmd(t.c, t.epoch, n.key, n.children[len(n.children)-1].key, n.rev)
}

func (t *treePane) collapse() {
	n := t.selected()
	if n == nil {
		if t.cursor < len(t.rows) {
			n = t.rows[t.cursor].n
			n.expanded = false
			t.rebuild()
		}
		return
	}
	if !n.leaf && n.expanded && n != t.root {
		n.expanded = false
		t.rebuild()
		return
	}
	if n.parent != nil {
		for i, r := range t.rows {
			if r.n == n.parent && !r.more {
				t.cursor = i
				t.clampOffset()
				return
			}
		}
	}
}

// expand opens a directory (listing it the first time), or opens a key in
// the object pane. Enter on an open directory closes it.
func (t *treePane) expand(toggle bool) tea.Cmd {
	if t.cursor < len(t.rows) && t.rows[t.cursor].more {
		return t.loadMore(t.rows[t.cursor].n)
	}
	n := t.selected()
	if n == nil {
		return nil
	}
	if n.leaf {
		key := n.key
		return func() tea.Msg { return openKeyMsg{key: key, focus: true} }
	}
	if n.expanded {
		if toggle && n != t.root {
			n.expanded = false
			t.rebuild()
			return nil
		}
		if len(n.children) > 0 {
			t.move(1)
		}
		if n.err != nil && !n.loading {
			n.loading = true
			return listChildrenCmd(t.c, t.epoch, n.key, "", 0)
		}
		return nil
	}
	n.expanded = true
	t.rebuild()
	if n.loaded || n.loading {
		return nil
	}
	n.loading = true
	return listChildrenCmd(t.c, t.epoch, n.key, "", 0)
}

// selectKey moves the cursor to key if its row is visible.
func (t *treePane) selectKey(k string) bool {
	for i, r := range t.rows {
		if !r.more && r.n.key == k {
			t.cursor = i
			t.clampOffset()
			return true
		}
	}
	return false
}

// clickRow moves the cursor to the row at y (0 is the first body line).
func (t *treePane) clickRow(y int) {
	i := t.offset + y
	if i >= 0 && i < len(t.rows) {
		t.cursor = i
		t.clampOffset()
	}
}

// scroll moves the view (and the cursor with it) by d rows.
func (t *treePane) scroll(d int) {
	t.move(d)
}

// adjustCount applies a watched create (+1) or delete (-1) to a
// directory's count.
func (n *node) adjustCount(delta, rev int64) {
	if delta == 0 {
		return
	}
	if n.counting {
		n.pending = append(n.pending, countDelta{rev: rev, delta: delta})
		return
	}
	if n.count < 0 || rev <= n.countRev {
		return
	}
	n.count += delta
	n.countRev = rev
}

// applyEvents follows watch events: counts on every directory on a key's
// path, rows inserted into (or marked in) the levels that are loaded.
// Events a level's listing already holds (at or below its revision) only
// count where the count is older.
func (t *treePane) applyEvents(evs []etcdsrc.Event, now time.Time) bool {
	changed := false
	for _, ev := range evs {
		if ev.Type != etcdsrc.EventPut && ev.Type != etcdsrc.EventDelete {
			continue
		}
		if t.applyEvent(ev, now) {
			changed = true
		}
	}
	if changed {
		t.rebuild()
	}
	return changed
}

func (t *treePane) applyEvent(ev etcdsrc.Event, now time.Time) bool {
	k := ev.KV.Key
	if !strings.HasPrefix(k, t.root.key) || len(k) == len(t.root.key) {
		return false
	}
	var delta int64
	switch {
	case ev.Type == etcdsrc.EventDelete:
		delta = -1
	case ev.KV.CreateRevision != 0 && ev.KV.CreateRevision == ev.KV.ModRevision:
		delta = 1
	}
	n := t.root
	for {
		n.adjustCount(delta, ev.Revision)
		if delta < 0 && n.count == 0 && n != t.root && !n.counting {
			n.mark, n.markAt = markDel, now
		}
		rest := k[len(n.key):]
		i := strings.IndexByte(rest, '/')
		if i < 0 {
			return t.applyLeaf(n, ev, delta, now)
		}
		dirKey := n.key + rest[:i+1]
		child := t.index[dirKey]
		if child == nil {
			if delta <= 0 || !n.loaded || ev.Revision <= n.rev || !fitsLevel(n, dirKey) {
				return true
			}
			c := &node{name: rest[:i], key: dirKey, depth: n.depth + 1, parent: n, count: 1, countRev: ev.Revision, mark: markAdd, markAt: now}
			t.insert(n, c)
			return true
		}
		if child.mark == markDel && delta > 0 {
			child.mark, child.markAt = markAdd, now
		}
		n = child
	}
}

func (t *treePane) applyLeaf(n *node, ev etcdsrc.Event, delta int64, now time.Time) bool {
	if !n.loaded || ev.Revision <= n.rev {
		return true
	}
	c := t.index[ev.KV.Key]
	switch {
	case c != nil && ev.Type == etcdsrc.EventDelete:
		c.mark, c.markAt = markDel, now
	case c != nil:
		if c.mark == markDel || delta > 0 {
			c.mark = markAdd
		} else if c.mark != markAdd {
			c.mark = markMod
		}
		c.markAt = now
	case ev.Type == etcdsrc.EventPut && fitsLevel(n, ev.KV.Key):
		c = &node{name: ev.KV.Key[len(n.key):], key: ev.KV.Key, leaf: true, depth: n.depth + 1, parent: n, count: 1, mark: markAdd, markAt: now}
		t.insert(n, c)
	}
	return true
}

// fitsLevel is false for keys past the loaded part of a paged level: they
// come with the next page.
func fitsLevel(n *node, k string) bool {
	return !n.more || len(n.children) == 0 || k < n.children[len(n.children)-1].key
}

func (t *treePane) insert(parent, c *node) {
	i := sort.Search(len(parent.children), func(i int) bool { return parent.children[i].key >= c.key })
	parent.children = append(parent.children, nil)
	copy(parent.children[i+1:], parent.children[i:])
	parent.children[i] = c
	t.index[c.key] = c
}

// sweep clears highlights older than markTTL and removes deleted rows. It
// reports whether highlights remain.
func (t *treePane) sweep(now time.Time) bool {
	remain := false
	removed := false
	var walk func(n *node)
	walk = func(n *node) {
		kept := n.children[:0]
		for _, c := range n.children {
			if c.mark != markNone && now.Sub(c.markAt) >= markTTL {
				if c.mark == markDel {
					t.dropChildren(c)
					delete(t.index, c.key)
					removed = true
					continue
				}
				c.mark = markNone
			}
			if c.mark != markNone {
				remain = true
			}
			kept = append(kept, c)
			walk(c)
		}
		clear(n.children[len(kept):])
		n.children = kept
	}
	walk(t.root)
	if removed {
		t.rebuild()
	}
	return remain
}

// minRev is the oldest revision the tree holds for prefix: listings under
// it and counts under or above it. A watch started just after it misses
// nothing the tree shows.
func (t treePane) minRev(prefix string) int64 {
	var m int64
	take := func(r int64) {
		if r > 0 && (m == 0 || r < m) {
			m = r
		}
	}
	for k, n := range t.index {
		under := strings.HasPrefix(k, prefix)
		if !under && !strings.HasPrefix(prefix, k) {
			continue
		}
		if under && n.loaded {
			take(n.rev)
		}
		if n.count >= 0 && !n.leaf {
			take(n.countRev)
		}
	}
	return m
}

// busy reports whether listings or counts for prefix are in flight: a
// watch restarted now would start from a revision about to change.
func (t treePane) busy(prefix string) bool {
	for k, n := range t.index {
		if (strings.HasPrefix(k, prefix) || strings.HasPrefix(prefix, k)) && (n.loading || n.counting) {
			return true
		}
	}
	return false
}

// relist forgets every level under prefix and lists again those that were
// open, after a watch lost track (compaction, lost member).
func (t *treePane) relist(prefix string) tea.Cmd {
	t.epoch++
	var cmds []tea.Cmd
	var walk func(n *node)
	walk = func(n *node) {
		if n.leaf {
			return
		}
		under := strings.HasPrefix(n.key, prefix)
		if under || strings.HasPrefix(prefix, n.key) {
			// Counted again when the level below is listed, at its revision.
			n.count, n.counting, n.pending, n.countRev = -1, false, nil, 0
		}
		if under && (n.loaded || n.loading) || n.key == prefix {
			wasOpen := n.expanded
			t.dropChildren(n)
			n.expanded = wasOpen
			n.loading = true
			cmds = append(cmds, listChildrenCmd(t.c, t.epoch, n.key, "", 0))
			return
		}
		for _, c := range n.children {
			walk(c)
		}
	}
	walk(t.root)
	t.rebuild()
	return tea.Batch(cmds...)
}

func (t *treePane) SetSize(w, h int) {
	t.width, t.height = w, h
	t.clampOffset()
}

func (t *treePane) Focus() { t.focused = true }
func (t *treePane) Blur()  { t.focused = false }

// breadcrumbs is the selected path as the pane title shows it.
func (t treePane) breadcrumbs() string {
	n := t.selected()
	if n == nil {
		n = t.level()
	}
	rel := strings.TrimPrefix(n.key, t.root.key)
	parts := []string{strings.TrimSuffix(t.root.key, "/")}
	for _, p := range strings.Split(strings.TrimSuffix(rel, "/"), "/") {
		if p != "" {
			parts = append(parts, decode.EscapeKey(p))
		}
	}
	return strings.Join(parts, " › ")
}

// View draws the tree's body lines (the root frames it).
func (t treePane) View() string {
	s := t.c.styles
	var b strings.Builder
	end := min(t.offset+t.height, len(t.rows))
	for i := t.offset; i < end; i++ {
		if i > t.offset {
			b.WriteByte('\n')
		}
		b.WriteString(t.rowView(t.rows[i], i == t.cursor, s))
	}
	if r := t.root; r.loaded && len(r.children) == 0 && r.err == nil {
		b.WriteString("\n" + s.Dim.Render("  nothing under "+decode.EscapeKey(r.key)))
	}
	return b.String()
}

func (t treePane) rowView(r row, selected bool, s *Styles) string {
	w := t.width
	cur := "  "
	if selected {
		cur = "› "
	}
	n := r.n
	indent := strings.Repeat("  ", n.depth)
	if r.more {
		label := "more…"
		if n.loading {
			label = "loading…"
		}
		line := cur + indent + "  " + s.Dim.Render(label)
		return t.selectStyle(fit(line, w), selected, s)
	}
	var left, right string
	name := decode.EscapeKey(n.name)
	switch {
	case n.leaf:
		left = cur + indent + "  " + s.Leaf.Render(name)
	default:
		arrow := "▸ "
		if n.expanded {
			arrow = "▾ "
		}
		if n != t.root {
			name += "/"
		}
		left = cur + indent + arrow + s.Dir.Render(name)
	}
	if f := n.filter; f != "" && n.expanded {
		left += s.Dim.Render(" /" + f)
	}
	var parts []string
	switch {
	case n.err != nil:
		parts = append(parts, s.Error.Render("✗ "+n.err.Error()))
	case n.leaf:
	case n.count >= 0:
		parts = append(parts, s.Count.Render(formatCount(n.count)))
	case n.counting || n.loading:
		parts = append(parts, s.Dim.Render("…"))
	}
	switch n.mark {
	case markAdd:
		parts = append(parts, s.MarkAdd.Render("+ new"))
	case markMod:
		parts = append(parts, s.MarkMod.Render("● mod"))
	case markDel:
		parts = append(parts, s.MarkDel.Render("- del"))
	}
	right = strings.Join(parts, "  ")
	// The kind label goes first when it fits: in full, else the kind
	// alone, else not at all, since the name matters more.
	if !n.leaf && n.err == nil && n.depth >= 1 && n.depth <= 2 {
		if k, ok := t.c.kindOf(n.key); ok {
			for _, label := range []string{k.APIVersion() + " " + k.Kind, k.Kind} {
				withLabel := strings.Join(append([]string{s.KindLabel.Render(label)}, parts...), "  ")
				if lipgloss.Width(left)+lipgloss.Width(withLabel)+2 <= w {
					right = withLabel
					break
				}
			}
		}
	}
	line := spread(left, right+" ", w)
	return t.selectStyle(line, selected, s)
}

func (t treePane) selectStyle(line string, selected bool, s *Styles) string {
	if !selected {
		return line
	}
	// Plain text under the cursor: inner styles would end its background.
	if t.focused {
		return s.Cursor.Render(ansi.Strip(line))
	}
	return s.CursorBlurred.Render(ansi.Strip(line))
}
