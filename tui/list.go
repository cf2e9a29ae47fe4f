package tui

import (
	"context"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/etcdscope/etcdscope/decode"
	"github.com/etcdscope/etcdscope/decode/columns"
	"github.com/etcdscope/etcdscope/etcdsrc"
	"github.com/etcdscope/etcdscope/tui/kindlist"
)

// listKeys are the kind list's keys.
type listKeys struct {
	moveKeys
	Open        key.Binding
	Filter      key.Binding
	ClearFilter key.Binding
	Refresh     key.Binding
	// Sorts sort by a column each, by a shifted letter of its name (as
	// k9s: shift-N name, shift-A age); the same key again reverses.
	Sorts []key.Binding
}

func newListKeys() listKeys {
	return listKeys{
		moveKeys:    newMoveKeys(),
		Open:        key.NewBinding(key.WithKeys("enter", "l", "right"), key.WithHelp("enter/l", "open")),
		Filter:      key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		ClearFilter: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear filter")),
		Refresh:     key.NewBinding(key.WithKeys("ctrl+r"), key.WithHelp("ctrl+r", "refresh list")),
	}
}

// ShortHelp is the list's part of the bottom line.
func (k listKeys) ShortHelp() []key.Binding {
	return enabledOnly([]key.Binding{k.Filter, k.ClearFilter})
}

// FullHelp is the list's column of the help screen.
func (k listKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		enabledOnly(append(k.bindings(), k.Open, k.Filter, k.ClearFilter, k.Refresh)),
		enabledOnly(k.Sorts),
	}
}

// reservedSortLetters are the capitals other keys take: history, bottom,
// wrap.
const reservedSortLetters = "HGW"

// sortBindings gives each column a shifted letter of its name, NAME N and
// AGE A first as in k9s, skipping letters taken. It returns the bindings
// and the column each sorts by.
func sortBindings(cols []columns.Column) ([]key.Binding, []int) {
	used := map[rune]bool{}
	for _, r := range reservedSortLetters {
		used[r] = true
	}
	letters := make([]rune, len(cols))
	pick := func(i int) {
		for _, r := range strings.ToUpper(cols[i].Name) {
			if r >= 'A' && r <= 'Z' && !used[r] {
				used[r], letters[i] = true, r
				return
			}
		}
	}
	for i, c := range cols {
		if c.Name == "NAME" || c.Name == "AGE" {
			pick(i)
		}
	}
	for i := range cols {
		if letters[i] == 0 {
			pick(i)
		}
	}
	var bs []key.Binding
	var idx []int
	for i, c := range cols {
		if letters[i] == 0 {
			continue
		}
		l := string(letters[i])
		bs = append(bs, key.NewBinding(key.WithKeys(l), key.WithHelp(l, "sort by "+strings.ToLower(c.Name))))
		idx = append(idx, i)
	}
	return bs, idx
}

// listPane is the flat list of one kind's objects across namespaces that
// ":kind" opens, as k9s shows a resource: a cursor over a kindlist model
// that the watch keeps current, with kubectl's columns for the kind.
type listPane struct {
	c      *common
	gen    int
	kind   decode.Kind
	ns     string
	prefix string
	list   *kindlist.List
	table  *columns.Table
	// cells holds the decoded rows; a row not decoded yet shows what its
	// key tells (name, size). asked holds the keys asked for. Both are
	// kept to about the rows on screen (see trimCells), unless a sort by
	// a decoded column needs every row.
	cells    map[string][]columns.Cell
	asked    map[string]bool
	sorts    []key.Binding
	sortCols []int // the column each of sorts orders by
	sortCol  int   // -1: the listing's order
	desc     bool
	filter   string
	cursor   int
	win      scrollWindow
	width    int
	focused  bool
	loading  bool
	// relistSel is the key selected when a listing started again: the
	// old list is let go meanwhile (two lists of a large kind are twice
	// its memory), and the cursor goes back to it when the new one lands.
	relistSel string
	err       error
	rev       int64 // the revision the list was read at
}

// kindListMsg carries the objects of a kind.
type kindListMsg struct {
	gen  int
	list *kindlist.List
	err  error
}

// listRowsMsg carries rows decoded for the screen, or for a sort.
type listRowsMsg struct {
	gen   int
	cells map[string][]columns.Cell
}

func newListPane(c *common) listPane {
	return listPane{c: c, list: kindlist.New("", false), table: columns.ForKind(decode.Kind{}, false), sortCol: -1,
		cells: map[string][]columns.Cell{}, asked: map[string]bool{}}
}

// open starts listing kind k (in namespace ns when given).
func (l *listPane) open(k decode.Kind, ns string) tea.Cmd {
	l.kind, l.ns = k, ns
	l.prefix = l.c.root + "/" + strings.Trim(k.Prefix, "/") + "/"
	if ns != "" && k.Namespaced {
		l.prefix += ns + "/"
	}
	l.list = kindlist.New(l.prefix, k.Namespaced && ns == "")
	l.setTable(columns.ForKind(k, k.Namespaced && ns == ""))
	return l.reload()
}

// openNamespace lists every object of one namespace, whatever its kind:
// the root is read and the keys of the namespace kept.
func (l *listPane) openNamespace(ns string) tea.Cmd {
	l.kind, l.ns = decode.Kind{Resource: "all", Namespaced: true}, ns
	l.prefix = l.c.root + "/"
	l.list = kindlist.New(l.prefix, false)
	l.setTable(columns.ForKind(l.kind, false))
	return l.reload()
}

// setTable starts a list's columns and sort keys.
func (l *listPane) setTable(t *columns.Table) {
	l.table = t
	l.sorts, l.sortCols = sortBindings(t.Columns())
	l.filter, l.cursor, l.win.offset, l.sortCol, l.desc = "", 0, 0, -1, false
}

// namespaceRows is the Keep of a namespace's list: the keys of objects in
// ns, named by resource and name.
func namespaceRows(cat *decode.Catalog, root, ns string) func(string) (string, string, bool) {
	return func(k string) (string, string, bool) {
		kp, _, _ := cat.ParseKey(k, root)
		if kp.Namespace != ns || kp.Name == "" {
			return "", "", false
		}
		return ns, kp.Resource + "/" + kp.Name, true
	}
}

// reload lists the kind again.
func (l *listPane) reload() tea.Cmd {
	l.gen++
	if !l.loading {
		l.relistSel = l.selectedKey()
	}
	l.list = kindlist.New(l.prefix, l.list.SplitNS)
	l.loading, l.err, l.cells, l.asked = true, nil, map[string][]columns.Cell{}, map[string]bool{}
	var keep func(string) (string, string, bool)
	if l.kind.Resource == "all" {
		keep = namespaceRows(l.c.cat, l.c.root, l.ns)
	}
	return listKindCmd(l.c, l.gen, l.prefix, l.kind.Namespaced && l.ns == "", keep)
}

// listKindCmd reads the keys of a kind with their sizes. Values are not
// kept: what the rows need of them is decoded later, for the rows on
// screen only.
func listKindCmd(c *common, gen int, prefix string, splitNS bool, keep func(string) (string, string, bool)) tea.Cmd {
	return c.io(func() tea.Msg {
		ctx, cancel := context.WithTimeout(c.ctx, 4*ioTimeout)
		defer cancel()
		l := kindlist.New(prefix, splitNS)
		l.Keep = keep
		if keep == nil {
			// The count sizes the list once (a hint: if it fails, the
			// list grows as it is read).
			if n, err := c.src.Count(ctx, prefix, c.rev); err == nil {
				l.Expect(int(min(n, 1<<26)))
			}
		}
		rev, err := c.src.Range(ctx, prefix, c.rev, func(kv etcdsrc.KeyValue) error {
			l.Add(kv)
			return nil
		})
		l.Rev = rev
		return kindListMsg{gen: gen, list: l, err: err}
	})
}

// listRowsCmd reads and decodes keys and computes their rows.
func listRowsCmd(c *common, gen int, table *columns.Table, keys []string) tea.Cmd {
	return c.io(func() tea.Msg {
		ctx, cancel := context.WithTimeout(c.ctx, 4*ioTimeout)
		defer cancel()
		now := c.now()
		cells := make(map[string][]columns.Cell, len(keys))
		for _, k := range keys {
			if ctx.Err() != nil {
				break // a quit: what is done is kept
			}
			kv, err := c.src.Get(ctx, k, c.rev)
			if err != nil {
				continue // the row keeps what its key tells
			}
			cells[k] = table.Row(c.dec.Decode(kv.Key, kv.Value, kv.Meta()), now)
		}
		return listRowsMsg{gen: gen, cells: cells}
	})
}

// keys are the list's bindings, enabled for its state.
func (l listPane) keys() listKeys {
	k := l.c.keys.list
	rows := l.list.ShownLen()
	k.moveKeys.setEnabled(l.focused && rows > 1)
	_, sel := l.selected()
	k.Open.SetEnabled(l.focused && sel)
	k.Filter.SetEnabled(l.focused && !l.loading && l.err == nil)
	k.ClearFilter.SetEnabled(l.focused && l.filter != "")
	k.Refresh.SetEnabled(l.focused)
	k.Sorts = make([]key.Binding, len(l.sorts))
	for i, b := range l.sorts {
		b.SetEnabled(l.focused && rows > 1)
		if l.sortCol == l.sortCols[i] && !l.desc {
			b.SetHelp(b.Help().Key, b.Help().Desc+", reversed")
		}
		k.Sorts[i] = b
	}
	return k
}

func (l listPane) Update(msg tea.Msg) (listPane, tea.Cmd) {
	switch msg := msg.(type) {
	case kindListMsg:
		if msg.gen != l.gen {
			return l, nil
		}
		sel := l.relistSel
		l.loading, l.err, l.list, l.rev, l.relistSel = false, msg.err, msg.list, msg.list.Rev, ""
		l.list.SetFilter(l.filter)
		l.applySort()
		l.reselect(sel)
		return l, l.askRows()
	case listRowsMsg:
		if msg.gen != l.gen {
			return l, nil
		}
		for k, c := range msg.cells {
			l.cells[k] = c
		}
		if l.sortCol >= 0 {
			sel := l.selectedKey()
			l.list.Resort()
			l.reselect(sel)
		}
		return l, nil
	case tea.KeyMsg:
		if !l.focused {
			return l, nil
		}
		return l, l.handleKey(msg)
	}
	return l, nil
}

func (l *listPane) handleKey(msg tea.KeyMsg) tea.Cmd {
	k := l.keys()
	if step, ok := k.step(msg, l.win.height-1, l.list.ShownLen()); ok {
		l.move(step)
		return l.askRows()
	}
	switch {
	case key.Matches(msg, k.Open):
		it, _ := l.selected()
		return func() tea.Msg { return openKeyMsg{key: it.Key, focus: true} }
	case key.Matches(msg, k.ClearFilter):
		return l.setFilter("")
	case key.Matches(msg, k.Refresh):
		return l.reload()
	}
	for i, b := range k.Sorts {
		if key.Matches(msg, b) {
			return l.sortOn(l.sortCols[i])
		}
	}
	return nil
}

// sortOn orders the list by a column; the same column again reverses it.
// A column the key does not tell (all but NAME, NAMESPACE and SIZE) needs
// every row decoded: that runs in the background, in parts, the list
// usable meanwhile and sorted again as rows arrive.
func (l *listPane) sortOn(col int) tea.Cmd {
	if l.sortCol == col {
		l.desc = !l.desc
	} else {
		l.sortCol, l.desc = col, false
	}
	sel := l.selectedKey()
	l.applySort()
	l.reselect(sel)
	if _, ok := l.keyOrder(); ok {
		return l.askRows()
	}
	return l.askRowsOf(0, l.list.ShownLen())
}

// keyOrder is the list's own order for a column the key tells (NAME,
// NAMESPACE, SIZE): those sort from the keys and sizes, with no values
// decoded and no cells built.
func (l *listPane) keyOrder() (kindlist.Order, bool) {
	if l.sortCol < 0 {
		return kindlist.ByNamespaceName, true
	}
	switch l.table.Columns()[l.sortCol].Name {
	case "NAME":
		return kindlist.ByName, true
	case "NAMESPACE":
		return kindlist.ByNamespace, true
	case "SIZE":
		return kindlist.BySize, true
	}
	return 0, false
}

func (l *listPane) applySort() {
	if o, ok := l.keyOrder(); ok {
		l.list.SetSort(o, l.desc)
		return
	}
	col := l.sortCol
	l.list.SetSortFunc(func(a, b *kindlist.Item) int {
		return columns.Compare(l.cell(a, col), l.cell(b, col))
	}, l.desc)
}

// cell is one cell of an item's row, for a sort: decoded, or what its
// key tells.
func (l *listPane) cell(it *kindlist.Item, col int) columns.Cell {
	if cells, ok := l.cells[it.Key]; ok {
		return cells[col]
	}
	return l.row(it)[col]
}

// row is an item's cells: decoded, or what its key tells.
func (l *listPane) row(it *kindlist.Item) []columns.Cell {
	cells, ok := l.cells[it.Key]
	if !ok {
		cells = l.table.KeyRow(it.Key, it.Size)
	}
	if l.list.Keep != nil {
		// A list across kinds names its rows by resource and name.
		cells = append([]columns.Cell(nil), cells...)
		cells[max(l.table.Index("NAME"), 0)].Text = it.Name
	}
	return cells
}

// askRows asks for the rows on screen not decoded yet: values are decoded
// only for what is shown.
func (l *listPane) askRows() tea.Cmd {
	l.trimCells()
	start, end := l.win.span(l.list.ShownLen())
	return l.askRowsOf(start, end)
}

// keptCells is how many decoded rows the pane keeps beyond those on
// screen before it forgets the others: browsing a long list must not
// hold a row per object seen.
const keptCells = 1024

// trimCells forgets the decoded rows off screen once there are more than
// keptCells, unless the list is sorted by a decoded column (that needs
// them all). A row forgotten is decoded again when it shows.
func (l *listPane) trimCells() {
	if _, ok := l.keyOrder(); !ok || len(l.cells)+len(l.asked) <= 2*keptCells+2*l.win.height {
		return
	}
	start, end := l.win.span(l.list.ShownLen())
	cells := make(map[string][]columns.Cell, end-start)
	asked := make(map[string]bool, end-start)
	for i := start; i < end; i++ {
		k := l.list.At(i).Key
		if c, ok := l.cells[k]; ok {
			cells[k] = c
		}
		if l.asked[k] {
			asked[k] = true
		}
	}
	l.cells, l.asked = cells, asked
}

// rowsPerCmd is how many rows one decoding Cmd reads, so a sort over a
// long list shows its progress as it goes.
const rowsPerCmd = 200

// askRowsOf asks for the rows shown at [start, end) not decoded yet.
func (l *listPane) askRowsOf(start, end int) tea.Cmd {
	var keys []string
	for i := start; i < end; i++ {
		it := l.list.At(i)
		if !l.asked[it.Key] {
			l.asked[it.Key] = true
			keys = append(keys, it.Key)
		}
	}
	var cmds []tea.Cmd
	for i := 0; i < len(keys); i += rowsPerCmd {
		cmds = append(cmds, listRowsCmd(l.c, l.gen, l.table, keys[i:min(i+rowsPerCmd, len(keys))]))
	}
	return tea.Batch(cmds...)
}

func (l *listPane) setFilter(f string) tea.Cmd {
	sel := l.selectedKey()
	l.filter = f
	l.list.SetFilter(f)
	l.reselect(sel)
	return l.askRows()
}

// reselect puts the cursor back on key k, or at the top.
func (l *listPane) reselect(k string) {
	l.cursor = max(l.list.Pos(k), 0)
	l.win.follow(l.cursor, l.list.ShownLen())
}

// applyEvents follows watch events; it reports whether the list changed.
// A row that changed is decoded again when it shows.
func (l *listPane) applyEvents(evs []etcdsrc.Event) bool {
	if l.prefix == "" || l.loading || l.err != nil { // never opened, or not read
		return false
	}
	sel := l.selectedKey()
	changed := l.list.ApplyEvents(evs, l.c.now())
	if changed {
		for _, ev := range evs {
			delete(l.asked, ev.KV.Key)
			delete(l.cells, ev.KV.Key)
		}
		l.reselect(sel)
	}
	return changed
}

// sweep clears old marks; it reports whether marks remain.
func (l *listPane) sweep() bool {
	sel := l.selectedKey()
	remain := l.list.Sweep(l.c.now())
	l.reselect(sel)
	return remain
}

func (l *listPane) move(d int) {
	n := l.list.ShownLen()
	l.cursor = clampCursor(l.cursor+d, n)
	l.win.follow(l.cursor, n)
}

// selected is the item under the cursor, if any.
func (l listPane) selected() (kindlist.Item, bool) {
	if l.cursor < 0 || l.cursor >= l.list.ShownLen() {
		return kindlist.Item{}, false
	}
	return l.list.At(l.cursor), true
}

func (l listPane) selectedKey() string {
	it, _ := l.selected()
	return it.Key
}

// clickRow selects the row at body line y (0 is the column header).
func (l *listPane) clickRow(y int) {
	if i := l.win.rowAt(y-1, l.list.ShownLen()); i >= 0 {
		l.cursor = i
	}
}

func (l *listPane) scroll(d int) tea.Cmd {
	l.move(d)
	return l.askRows()
}

// SetSize sizes the pane; the column header takes one line.
func (l *listPane) SetSize(w, h int) {
	l.width, l.win.height = w, h-1
	l.win.follow(l.cursor, l.list.ShownLen())
}

func (l *listPane) Focus() { l.focused = true }
func (l *listPane) Blur()  { l.focused = false }

// title names the list for its border.
func (l listPane) title() string {
	where := "all namespaces"
	if !l.kind.Namespaced {
		where = "cluster"
	} else if l.ns != "" {
		where = l.ns
	}
	t := fmt.Sprintf(":%s (%s)", l.kind.Resource, where)
	if !l.loading {
		t += " " + formatCount(int64(l.list.ShownLen()))
		if l.filter != "" {
			t += fmt.Sprintf("/%s /%s", formatCount(int64(l.list.Len())), l.filter)
		}
	}
	if l.sortCol >= 0 {
		dir := "↑"
		if l.desc {
			dir = "↓"
		}
		t += " " + dir + strings.ToLower(l.table.Columns()[l.sortCol].Name)
	}
	return t
}

// View draws the column header and the rows on screen.
func (l listPane) View() string {
	s := l.c.styles
	switch {
	case l.err != nil:
		return s.Error.Render(ansi.Wrap(l.err.Error(), l.width, ""))
	case l.loading:
		return s.Dim.Render("listing " + decode.EscapeKey(l.prefix) + " …")
	case l.list.Len() == 0:
		return s.Dim.Render("no objects under " + decode.EscapeKey(l.prefix))
	}
	cols := l.table.Columns()
	start, end := l.win.span(l.list.ShownLen())
	items := make([]kindlist.Item, 0, end-start)
	rows := make([][]columns.Cell, 0, end-start)
	for i := start; i < end; i++ {
		it := l.list.At(i)
		items = append(items, it)
		rows = append(rows, l.row(&it))
	}
	// Columns give way by kubectl's priorities; the name is cut in the
	// middle, keeping its distinguishing end.
	widths := columns.Fit(cols, rows, l.width-2, 1)
	line := func(gutter string, cells []columns.Cell) string {
		var b strings.Builder
		b.WriteString(gutter)
		first := true
		for i, w := range widths {
			if w == 0 {
				continue
			}
			if !first {
				b.WriteByte(' ')
			}
			first = false
			if cells == nil { // the header
				b.WriteString(fit(cols[i].Clip(cols[i].Name, w), w))
				continue
			}
			b.WriteString(fit(cols[i].Clip(cells[i].Text, w), w))
		}
		return b.String()
	}
	var b strings.Builder
	b.WriteString(s.Dim.Render(fit(line("  ", nil), l.width)))
	for i := start; i < end; i++ {
		it := items[i-start]
		// The gutter holds the cursor and the row's mark: + new, ● changed,
		// - deleted (shown briefly, then gone).
		cur := " "
		if i == l.cursor {
			cur = "›"
		}
		cur += markGlyph(it.Mark, s)
		b.WriteByte('\n')
		b.WriteString(cursorLine(fit(line(cur, rows[i-start]), l.width), i == l.cursor, l.focused, s))
	}
	return b.String()
}
