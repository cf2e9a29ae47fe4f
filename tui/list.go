package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

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
	CancelSort  key.Binding
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
		CancelSort:  key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "stop the sort")),
	}
}

// ShortHelp is the list's part of the bottom line.
func (k listKeys) ShortHelp() []key.Binding {
	return enabledOnly([]key.Binding{k.Filter, k.ClearFilter, k.CancelSort})
}

// FullHelp is the list's column of the help screen.
func (k listKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		enabledOnly(append(k.bindings(), k.Open, k.Filter, k.ClearFilter, k.CancelSort, k.Refresh)),
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
	// cells holds the decoded rows, for display only; a row not decoded
	// yet shows what its key tells (name, size). asked holds the keys
	// asked for. Both are kept to about the rows on screen (see
	// trimCells): a sort by a decoded column keeps a sort key per row in
	// the list instead (see sortOn).
	cells    map[string][]columns.Cell
	asked    map[string]bool
	sorts    []key.Binding
	sortCols []int // the column each of sorts orders by
	sortCol  int   // -1: the listing's order
	desc     bool
	// A sort by a decoded column being computed: its column (-1: none),
	// its generation and how to stop it.
	sortingCol int
	sortGen    int
	sortStop   context.CancelFunc
	filter     string
	cursor     int
	win        scrollWindow
	width      int
	focused    bool
	loading    bool
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

// listRowsMsg carries rows decoded for the screen.
type listRowsMsg struct {
	gen   int
	cells map[string][]columns.Cell
}

// listSortMsg carries the sort keys of a list's rows by one column.
type listSortMsg struct {
	gen, sortGen int
	list         *kindlist.List
	col          int
	keys         *kindlist.SortKeys
	fetched      map[string][]byte
	took         time.Duration
	err          error
}

func newListPane(c *common) listPane {
	return listPane{c: c, list: kindlist.New("", false), table: columns.ForKind(decode.Kind{}, false), sortCol: -1, sortingCol: -1,
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
	l.stopSort()
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
	l.stopSort()
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
	k.CancelSort.SetEnabled(l.focused && l.filter == "" && l.sorting())
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
		sort := l.applySort()
		l.reselect(sel)
		return l, tea.Batch(sort, l.askRows())
	case listRowsMsg:
		if msg.gen != l.gen {
			return l, nil
		}
		for k, c := range msg.cells {
			l.cells[k] = c
		}
		return l, nil
	case listSortMsg:
		if msg.gen != l.gen || msg.sortGen != l.sortGen || msg.list != l.list || l.sortingCol != msg.col {
			return l, nil // stopped, or for a list let go
		}
		l.sortStop()
		l.sortingCol, l.sortStop = -1, nil
		if msg.err != nil {
			l.list.StopSortKeys()
			return l, nil // the order shown stays; the error is in the status line
		}
		l.c.logf("sorted %s by %s in %v: %d keys, %d bytes", decode.EscapeKey(l.prefix),
			l.table.Columns()[msg.col].Name, msg.took.Round(time.Millisecond), msg.keys.Len(), msg.keys.Size())
		sel := l.selectedKey()
		l.sortCol, l.desc = msg.col, false
		l.list.SetSortKeys(msg.keys, msg.fetched, false)
		l.reselect(sel)
		return l, l.askRows()
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
	case key.Matches(msg, k.CancelSort):
		l.stopSort()
		return nil
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
// every value read: that runs in the background (startSort), the list
// usable in its old order meanwhile, and esc stops it.
func (l *listPane) sortOn(col int) tea.Cmd {
	if l.sortCol == col && l.sortingCol < 0 {
		l.desc = !l.desc
		sel := l.selectedKey()
		if l.list.SortKeysActive() {
			l.list.SetDesc(l.desc)
		} else {
			l.applySort()
		}
		l.reselect(sel)
		return l.askRows()
	}
	if l.sortingCol == col {
		return nil // under way
	}
	l.stopSort()
	prevCol, prevDesc := l.sortCol, l.desc
	l.sortCol, l.desc = col, false
	if _, ok := l.keyOrder(); ok {
		sel := l.selectedKey()
		l.applySort()
		l.reselect(sel)
		return l.askRows()
	}
	l.sortCol, l.desc = prevCol, prevDesc // until the keys are read
	return l.startSort(col)
}

// keyOrder is the list's own order for the column sorted by when the key
// tells it (NAME, NAMESPACE, SIZE): those sort from the keys and sizes,
// with no values decoded.
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

// applySort orders a list by the column sorted by: at once when the key
// tells it, else (a list listed again) by reading its values once more.
func (l *listPane) applySort() tea.Cmd {
	if o, ok := l.keyOrder(); ok {
		l.list.SetSort(o, l.desc)
		return nil
	}
	col := l.sortCol
	l.sortCol, l.desc = -1, false
	l.list.SetSort(kindlist.ByNamespaceName, false)
	return l.startSort(col)
}

// sorting reports whether a sort by a decoded column is being computed.
func (l listPane) sorting() bool { return l.sortingCol >= 0 }

// stopSort stops a sort being computed, its partial keys dropped: the
// order shown stays.
func (l *listPane) stopSort() {
	if l.sortStop == nil {
		return
	}
	l.sortStop()
	l.sortStop, l.sortingCol = nil, -1
	l.sortGen++
	l.list.StopSortKeys()
}

// sortKeyOf is how one value's sort key by column col is computed: AGE
// from the metadata alone, which costs a fraction of a decode; other
// columns from the row of the decoded object. It is safe for concurrent
// use (Table and Decoder are).
func sortKeyOf(c *common, table *columns.Table, col int, now time.Time) func(etcdsrc.KeyValue, []byte) []byte {
	if col == table.AgeIndex() {
		return func(kv etcdsrc.KeyValue, dst []byte) []byte {
			return columns.AppendSortKey(dst, columns.MetadataAge(c.dec.DecodeMetadata(kv.Key, kv.Value), now))
		}
	}
	return func(kv etcdsrc.KeyValue, dst []byte) []byte {
		return columns.AppendSortKey(dst, table.Row(c.dec.Decode(kv.Key, kv.Value, kv.Meta()), now)[col])
	}
}

// startSort reads every value of the list at its revision, in one
// streamed range, and keeps of each only its sort key by col (a few
// bytes), in the listing's order: no decoded row is kept. Rows the watch
// changed since the listing are read again at the explorer's revision;
// those it changes meanwhile get their key from the event's value.
func (l *listPane) startSort(col int) tea.Cmd {
	ctx, cancel := context.WithCancel(l.c.ctx)
	l.sortGen++
	l.sortingCol, l.sortStop = col, cancel
	keyOf := sortKeyOf(l.c, l.table, col, l.c.now())
	changed := l.list.StartSortKeys(keyOf)
	c, gen, sortGen, list, prefix, rev, n := l.c, l.gen, l.sortGen, l.list, l.prefix, l.list.Rev, l.list.Len()
	name := strings.ToLower(l.table.Columns()[col].Name)
	keyLen := 24 // a guess: a kind byte, maybe a number, a short text
	switch l.table.Columns()[col].Type {
	case columns.Age, columns.Integer, columns.Duration:
		keyLen = 9 // a kind byte and a number, most often
	}
	return c.io(func() tea.Msg {
		start := time.Now()
		msg := listSortMsg{gen: gen, sortGen: sortGen, list: list, col: col, fetched: map[string][]byte{}}
		keys := &kindlist.SortKeys{}
		keys.Grow(n, keyLen)
		_, err := c.src.Range(ctx, prefix, rev, func(kv etcdsrc.KeyValue) error {
			if list.Accepts(kv.Key) {
				keys.Append(func(dst []byte) []byte { return keyOf(kv, dst) })
			}
			return nil
		})
		if err == nil {
			keys.Sort() // here, not in the Update that lands the sort
		}
		for _, k := range changed {
			if err != nil {
				break
			}
			kv, gerr := c.src.Get(ctx, k, c.rev)
			switch {
			case gerr == nil:
				msg.fetched[k] = keyOf(kv, nil)
			case ctx.Err() != nil:
				err = ctx.Err()
			default:
				msg.fetched[k] = nil // gone: it sorts last
			}
		}
		if err != nil && !errors.Is(err, context.Canceled) {
			err = fmt.Errorf("sort by %s: %w", name, err)
		}
		msg.keys, msg.err, msg.took = keys, err, time.Since(start)
		return msg
	})
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
// keptCells. A row forgotten is decoded again when it shows.
func (l *listPane) trimCells() {
	if len(l.cells)+len(l.asked) <= 2*keptCells+2*l.win.height {
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

// rowsPerCmd is how many rows one decoding Cmd reads, so rows show as
// they are decoded.
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
	if l.sorting() {
		t += " sorting by " + strings.ToLower(l.table.Columns()[l.sortingCol].Name) + "…"
	} else if l.sortCol >= 0 {
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
