package tui

import (
	"context"
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/etcdscope/etcdscope/decode"
	"github.com/etcdscope/etcdscope/etcdsrc"
	"github.com/etcdscope/etcdscope/tui/keytree"
)

// treePageSize is how many children one Children call brings; longer
// levels end in a "more…" row that loads the next page.
const treePageSize = 500

// treeKeys are the tree pane's keys.
type treeKeys struct {
	moveKeys
	Collapse    key.Binding
	Expand      key.Binding
	Filter      key.Binding
	ClearFilter key.Binding
	Refresh     key.Binding
}

func newTreeKeys() treeKeys {
	return treeKeys{
		moveKeys:    newMoveKeys(),
		Collapse:    key.NewBinding(key.WithKeys("h", "left"), key.WithHelp("←/h", "collapse")),
		Expand:      key.NewBinding(key.WithKeys("l", "right", "enter"), key.WithHelp("→/l/enter", "expand/open")),
		Filter:      key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter level")),
		ClearFilter: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear filter")),
		Refresh:     key.NewBinding(key.WithKeys("ctrl+r"), key.WithHelp("ctrl+r", "refresh level")),
	}
}

// ShortHelp is the tree's part of the bottom line.
func (k treeKeys) ShortHelp() []key.Binding {
	return enabledOnly([]key.Binding{k.Filter, k.ClearFilter})
}

// FullHelp is the tree's column of the help screen.
func (k treeKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{enabledOnly(append(k.bindings(), k.Collapse, k.Expand, k.Filter, k.ClearFilter, k.Refresh))}
}

// treePane is the key tree on the left: the keytree model, a cursor on
// its rows, and the Cmds that read what the model asks for.
type treePane struct {
	c       *common
	tree    *keytree.Tree
	cursor  int
	win     scrollWindow
	width   int
	focused bool
	// revealing is the key the tree is opening its way to (a jump from
	// the stats view): each level on the path is listed in turn.
	revealing string
}

// childrenMsg carries one page of a level.
type childrenMsg struct {
	req  keytree.ListRequest
	page etcdsrc.ChildPage
	err  error
}

// countsMsg carries the counts of some directories of one level.
type countsMsg struct {
	req     keytree.CountRequest
	results []etcdsrc.CountResult
}

// openKeyMsg asks the root to open a key in the object pane.
type openKeyMsg struct {
	key   string
	focus bool // move focus to the object pane
}

func newTreePane(c *common) treePane {
	tops := make([]string, len(c.roots))
	for i, r := range c.roots {
		tops[i] = strings.TrimSuffix(r, "/") + "/"
	}
	return treePane{c: c, tree: keytree.NewRoots(tops...)}
}

// init lists the root level.
func (t *treePane) init() tea.Cmd {
	var reqs []keytree.ListRequest
	for _, top := range t.tree.Tops() {
		if req, ok := t.tree.Expand(top); ok {
			reqs = append(reqs, req)
		}
	}
	return t.listCmds(reqs...)
}

// listChildrenCmd reads the page of a level req asks for.
func listChildrenCmd(c *common, req keytree.ListRequest) tea.Cmd {
	// The catalog is swapped in Update when the CRDs are read: take the
	// one of now, here, rather than read the field from the Cmd.
	catalog, root := c.cat, c.root
	for _, r := range c.roots {
		if strings.HasPrefix(req.Prefix, strings.TrimSuffix(r, "/")+"/") {
			root = r
		}
	}
	return c.io(func() tea.Msg {
		ctx, cancel := context.WithTimeout(c.ctx, ioTimeout)
		defer cancel()
		// A Kubernetes level's likely names (resources under the root,
		// namespaces under a resource) let the listing probe them with
		// narrow ranges instead of a wide jump per child.
		guesses := etcdsrc.KubeGuesses(ctx, c.src, catalog, root, req.Prefix, req.Rev)
		// Source errors already say what was read ("list \"/registry/\": …").
		page, err := c.src.Children(ctx, req.Prefix, etcdsrc.ChildrenOptions{After: req.After, Limit: c.pageSize, Rev: req.Rev, Guesses: guesses})
		return childrenMsg{req: req, page: page, err: err}
	})
}

// countKeysCmd counts the keys under the prefixes req names, a few at a
// time, so a level's names show first and its counts follow.
func countKeysCmd(c *common, req keytree.CountRequest) tea.Cmd {
	return c.io(func() tea.Msg {
		ctx, cancel := context.WithTimeout(c.ctx, ioTimeout)
		defer cancel()
		return countsMsg{req: req, results: etcdsrc.CountAll(ctx, c.src, req.Prefixes, req.Rev)}
	})
}

// listCmds turns listings the model asks for into Cmds.
func (t *treePane) listCmds(reqs ...keytree.ListRequest) tea.Cmd {
	cmds := make([]tea.Cmd, len(reqs))
	for i, r := range reqs {
		cmds[i] = listChildrenCmd(t.c, r)
	}
	return tea.Batch(cmds...)
}

func (t *treePane) countCmds(reqs []keytree.CountRequest) tea.Cmd {
	cmds := make([]tea.Cmd, len(reqs))
	for i, r := range reqs {
		cmds[i] = countKeysCmd(t.c, r)
	}
	return tea.Batch(cmds...)
}

func (t treePane) Update(msg tea.Msg) (treePane, tea.Cmd) {
	switch msg := msg.(type) {
	case childrenMsg:
		return t, t.gotChildren(msg)
	case countsMsg:
		t.tree.ApplyCounts(msg.req, msg.results)
		return t, nil
	case tea.KeyMsg:
		if !t.focused {
			return t, nil
		}
		return t, t.handleKey(msg)
	}
	return t, nil
}

func (t *treePane) gotChildren(msg childrenMsg) tea.Cmd {
	n := t.tree.Node(msg.req.Prefix)
	onMore := false
	if r, ok := t.row(t.cursor); ok && r.More && r.Node == n {
		onMore = true
	}
	before := 0
	if n != nil {
		before = len(n.Children)
	}
	var counts []keytree.CountRequest
	var reopen []keytree.ListRequest
	t.keepSelection(func() {
		counts = t.tree.ApplyPage(msg.req, msg.page, msg.err)
		reopen = t.tree.Reopen() // levels that were open before a relist
	})
	if onMore && n != nil && msg.req.After != "" && len(n.Children) > before {
		// The cursor waited on "more…": it goes on to the page it loaded.
		t.selectKey(n.Children[before].Key)
	}
	return tea.Batch(t.countCmds(counts), t.listCmds(reopen...), t.stepReveal())
}

// reveal opens every directory on the way to key k and puts the cursor on
// it, listing the levels that are not listed yet.
func (t *treePane) reveal(k string) tea.Cmd {
	t.revealing = k
	return t.stepReveal()
}

// stepReveal goes on towards the key being revealed as far as the loaded
// levels allow, and asks for the next level when one is missing.
func (t *treePane) stepReveal() tea.Cmd {
	k := t.revealing
	if k == "" {
		return nil
	}
	var root *keytree.Node
	for _, top := range t.tree.Tops() {
		if strings.HasPrefix(k, top.Key) {
			root = top
		}
	}
	if root == nil {
		t.revealing = ""
		return nil
	}
	n := root
	rest := k[len(root.Key):]
	for rest != "" {
		if n.Loading {
			return nil // on with the next reply
		}
		if !n.Expanded || !n.Loaded {
			var req keytree.ListRequest
			ok := false
			t.keepSelection(func() { req, ok = t.tree.Expand(n) })
			if ok {
				return listChildrenCmd(t.c, req)
			}
			if !n.Loaded {
				return nil
			}
		}
		seg, after, dir := strings.Cut(rest, "/")
		next := n.Key + seg
		if dir {
			next += "/"
		}
		child := t.tree.Node(next)
		if child == nil {
			break // not there (gone, or on a page not loaded): stop at n
		}
		n, rest = child, after
	}
	t.revealing = ""
	t.selectKey(n.Key)
	return nil
}

// row is the visible row i.
func (t treePane) row(i int) (keytree.Row, bool) {
	rows := t.tree.Rows()
	if i < 0 || i >= len(rows) {
		return keytree.Row{}, false
	}
	return rows[i], true
}

// keepSelection runs a change of the model and puts the cursor back on
// the row it was on, or near it when that row went away (a collapsed
// parent, a deleted key).
func (t *treePane) keepSelection(change func()) {
	sel, ok := t.row(t.cursor)
	change()
	rows := t.tree.Rows()
	defer t.win.follow(t.cursor, len(rows))
	if !ok {
		t.cursor = clampCursor(t.cursor, len(rows))
		return
	}
	for i, r := range rows {
		if r == sel {
			t.cursor = i
			return
		}
	}
	for p := sel.Node.Parent; p != nil; p = p.Parent {
		for i, r := range rows {
			if r.Node == p && !r.More {
				t.cursor = i
				return
			}
		}
	}
	t.cursor = clampCursor(t.cursor, len(rows))
}

// selected is the node under the cursor (nil on a "more…" row).
func (t treePane) selected() *keytree.Node {
	r, ok := t.row(t.cursor)
	if !ok || r.More {
		return nil
	}
	return r.Node
}

// selectedKey is the key under the cursor and whether it is a leaf.
func (t treePane) selectedKey() (string, bool) {
	n := t.selected()
	if n == nil {
		return "", false
	}
	return n.Key, n.Leaf
}

// level is the directory whose children the cursor is among: what "/"
// filters and ctrl-r lists again.
func (t treePane) level() *keytree.Node {
	r, ok := t.row(t.cursor)
	switch {
	case !ok:
		return t.tree.Tops()[0]
	case r.More, t.tree.IsTop(r.Node):
		return r.Node
	}
	return r.Node.Parent
}

// setFilter filters a level.
func (t *treePane) setFilter(lvl *keytree.Node, f string) {
	t.keepSelection(func() { t.tree.SetFilter(lvl, f) })
}

// keys are the tree's bindings, enabled for its state.
func (t treePane) keys() treeKeys {
	k := t.c.keys.tree
	rows := len(t.tree.Rows())
	k.moveKeys.setEnabled(t.focused && rows > 1)
	r, ok := t.row(t.cursor)
	n := t.selected()
	k.Collapse.SetEnabled(t.focused && ok && (r.More || !t.tree.IsTop(n)))
	k.Expand.SetEnabled(t.focused && ok && (!r.More || r.Node.More))
	switch {
	case n != nil && n.Leaf:
		k.Expand.SetHelp("→/l/enter", "open")
	case n != nil && t.tree.IsTop(n):
		k.Expand.SetHelp("→/l/enter", "into level")
	case n != nil && n.Expanded:
		k.Expand.SetHelp("→/l", "into level · enter close")
	default:
		k.Expand.SetHelp("→/l/enter", "expand")
	}
	k.Filter.SetEnabled(t.focused)
	k.ClearFilter.SetEnabled(t.focused && t.level().Filter != "")
	k.Refresh.SetEnabled(t.focused)
	return k
}

func (t *treePane) handleKey(msg tea.KeyMsg) tea.Cmd {
	k := t.keys()
	if step, ok := k.step(msg, t.win.height-1, len(t.tree.Rows())); ok {
		t.move(step)
		return t.autoPage()
	}
	switch {
	case key.Matches(msg, k.Collapse):
		t.collapse()
	case key.Matches(msg, k.Expand):
		return tea.Batch(t.expand(msg.String() == "enter"), t.autoPage())
	case key.Matches(msg, k.ClearFilter):
		t.setFilter(t.level(), "")
	case key.Matches(msg, k.Refresh):
		return t.refresh(t.level().Key)
	}
	return nil
}

// refresh lists prefix again, counts included, at the current revision.
func (t *treePane) refresh(prefix string) tea.Cmd {
	var reqs []keytree.ListRequest
	t.keepSelection(func() { reqs = t.tree.Relist(prefix) })
	return t.listCmds(reqs...)
}

func (t *treePane) move(d int) {
	rows := len(t.tree.Rows())
	if rows == 0 {
		return
	}
	t.cursor = clampCursor(t.cursor+d, rows)
	t.win.follow(t.cursor, rows)
}

// autoPage loads the next page of a level when the cursor reaches its
// "more…" row, so long levels page in as one scrolls.
func (t *treePane) autoPage() tea.Cmd {
	r, ok := t.row(t.cursor)
	if !ok || !r.More {
		return nil
	}
	return t.loadMore(r.Node)
}

func (t *treePane) loadMore(n *keytree.Node) tea.Cmd {
	req, ok := t.tree.Listing(n, true)
	if !ok {
		return nil
	}
	return listChildrenCmd(t.c, req)
}

func (t *treePane) collapse() {
	r, ok := t.row(t.cursor)
	if !ok {
		return
	}
	n := r.Node
	if r.More || (!n.Leaf && n.Expanded && !t.tree.IsTop(n)) {
		t.keepSelection(func() { t.tree.Collapse(n) })
		if r.More {
			t.selectKey(n.Key)
		}
		return
	}
	if !t.tree.IsTop(n) {
		t.selectKey(n.Parent.Key)
	}
}

// expand opens a directory (listing it the first time), or opens a key in
// the object pane. Enter on an open directory closes it; l moves into it.
func (t *treePane) expand(toggle bool) tea.Cmd {
	r, ok := t.row(t.cursor)
	if !ok {
		return nil
	}
	if r.More {
		return t.loadMore(r.Node)
	}
	n := r.Node
	if n.Leaf {
		k := n.Key
		return func() tea.Msg { return openKeyMsg{key: k, focus: true} }
	}
	if n.Expanded && toggle && !t.tree.IsTop(n) {
		t.keepSelection(func() { t.tree.Collapse(n) })
		return nil
	}
	if n.Expanded && n.Loaded && n.Err == nil {
		if len(n.Children) > 0 {
			t.move(1)
		}
		return nil
	}
	var req keytree.ListRequest
	t.keepSelection(func() { req, ok = t.tree.Expand(n) })
	if !ok {
		return nil
	}
	return listChildrenCmd(t.c, req)
}

// selectKey moves the cursor to key if its row is visible.
func (t *treePane) selectKey(k string) bool {
	rows := t.tree.Rows()
	for i, r := range rows {
		if !r.More && r.Node.Key == k {
			t.cursor = i
			t.win.follow(t.cursor, len(rows))
			return true
		}
	}
	return false
}

// clickRow moves the cursor to the row at body line y.
func (t *treePane) clickRow(y int) {
	if i := t.win.rowAt(y, len(t.tree.Rows())); i >= 0 {
		t.cursor = i
	}
}

// applyEvents follows watch events, keeping the cursor on its row.
func (t *treePane) applyEvents(evs []etcdsrc.Event) bool {
	changed := false
	t.keepSelection(func() { changed = t.tree.ApplyEvents(evs, t.c.now()) })
	return changed
}

// sweep clears old marks; it reports whether marks remain.
func (t *treePane) sweep() bool {
	remain := false
	t.keepSelection(func() { remain = t.tree.Sweep(t.c.now()) })
	return remain
}

// relist lists again the levels under prefix (after a watch lost track).
func (t *treePane) relist(prefix string) tea.Cmd { return t.refresh(prefix) }

func (t *treePane) SetSize(w, h int) {
	t.width, t.win.height = w, h
	t.win.follow(t.cursor, len(t.tree.Rows()))
}

func (t *treePane) Focus() { t.focused = true }
func (t *treePane) Blur()  { t.focused = false }

// breadcrumbs is the selected path as the pane title shows it.
func (t treePane) breadcrumbs() string {
	n := t.selected()
	if n == nil {
		n = t.level()
	}
	root := t.tree.Tops()[0].Key
	for _, top := range t.tree.Tops() {
		if strings.HasPrefix(n.Key, top.Key) {
			root = top.Key
		}
	}
	parts := []string{strings.TrimSuffix(root, "/")}
	for _, p := range strings.Split(strings.TrimSuffix(strings.TrimPrefix(n.Key, root), "/"), "/") {
		if p != "" {
			parts = append(parts, decode.EscapeKey(p))
		}
	}
	return strings.Join(parts, " › ")
}

// View draws the tree's body lines (the root frames it).
func (t treePane) View() string {
	s := t.c.styles
	rows := t.tree.Rows()
	start, end := t.win.span(len(rows))
	var b strings.Builder
	for i := start; i < end; i++ {
		if i > start {
			b.WriteByte('\n')
		}
		b.WriteString(t.rowView(rows[i], i == t.cursor, s))
	}
	for _, r := range t.tree.Tops() {
		if r.Loaded && len(r.Children) == 0 && r.Err == nil {
			b.WriteString("\n" + s.Dim.Render("  nothing under "+decode.EscapeKey(r.Key)))
		}
	}
	return b.String()
}

func (t treePane) rowView(r keytree.Row, selected bool, s *Styles) string {
	w := t.width
	cur := "  "
	if selected {
		cur = "› "
	}
	n := r.Node
	indent := strings.Repeat("  ", n.Depth)
	if r.More {
		label := "more…"
		if n.Loading {
			label = "loading…"
		}
		line := cur + indent + "  " + s.Dim.Render(label)
		return t.selectStyle(fit(line, w), selected, s)
	}
	var left string
	name := decode.EscapeKey(n.Name)
	switch {
	case n.Leaf:
		left = cur + indent + "  " + s.Leaf.Render(name)
	default:
		arrow := "▸ "
		if n.Expanded {
			arrow = "▾ "
		}
		if !t.tree.IsTop(n) {
			name += "/"
		}
		left = cur + indent + arrow + s.Dir.Render(name)
	}
	if f := n.Filter; f != "" && n.Expanded {
		left += s.Dim.Render(" /" + f)
	}
	var parts []string
	switch {
	case n.Err != nil:
		// The row is the level: the source's `list "<key>": ` or
		// `count "<key>": ` says nothing more on it.
		msg := n.Err.Error()
		for _, verb := range []string{"list ", "count "} {
			msg = strings.TrimPrefix(msg, verb+strconv.Quote(n.Key)+": ")
		}
		// Cut to the room the name leaves, never dropped: the status line
		// holds the error whole.
		room := max(w-lipgloss.Width(left)-3, 1)
		parts = append(parts, s.Error.Render(truncRight("✗ "+msg, room)))
	case n.Leaf:
	case n.Count >= 0:
		parts = append(parts, s.Count.Render(formatCount(n.Count)))
	case n.Counting || n.Loading:
		parts = append(parts, s.Dim.Render("…"))
	}
	if m := markView(n.Mark, s); m != "" {
		parts = append(parts, m)
	}
	right := strings.Join(parts, "  ")
	// The kind label goes first when it fits: in full, else the kind
	// alone, else not at all, since the name matters more.
	if !n.Leaf && n.Err == nil && n.Depth >= 1 && n.Depth <= 2 {
		if k, ok := t.c.kindOf(n.Key); ok {
			for _, label := range []string{k.APIVersion() + " " + k.Kind, k.Kind} {
				withLabel := strings.Join(append([]string{s.KindLabel.Render(label)}, parts...), "  ")
				if lipgloss.Width(left)+lipgloss.Width(withLabel)+2 <= w {
					right = withLabel
					break
				}
			}
		}
	}
	return t.selectStyle(spread(left, right+" ", w), selected, s)
}

// markView draws a row's mark, what a watch event did to it lately: a
// glyph and a word ("+ new"), or the glyph alone for a list's gutter.
func markView(m keytree.Mark, s *Styles) string { return markDraw(m, s, true) }

// markGlyph is a mark in one cell (a space for none).
func markGlyph(m keytree.Mark, s *Styles) string {
	if m == keytree.MarkNone {
		return " "
	}
	return markDraw(m, s, false)
}

func markDraw(m keytree.Mark, s *Styles, word bool) string {
	glyph, style := "", s.MarkAdd
	switch m {
	case keytree.MarkAdd:
		glyph = "+"
	case keytree.MarkMod:
		glyph, style = "●", s.MarkMod
	case keytree.MarkDel:
		glyph, style = "-", s.MarkDel
	default:
		return ""
	}
	if word {
		glyph += " " + m.String()
	}
	return style.Render(glyph)
}

func (t treePane) selectStyle(line string, selected bool, s *Styles) string {
	return cursorLine(line, selected, t.focused, s)
}

// cursorLine draws the cursor's row: plain text on the cursor's
// background, since inner styles would end it.
func cursorLine(line string, selected, focused bool, s *Styles) string {
	switch {
	case !selected:
		return line
	case focused:
		return s.Cursor.Render(ansi.Strip(line))
	}
	return s.CursorBlurred.Render(ansi.Strip(line))
}
