package tui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"k8s.io/apimachinery/pkg/util/duration"

	"github.com/etcdscope/etcdscope/decode"
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
	SortName    key.Binding
	SortAge     key.Binding
	SortSize    key.Binding
}

func newListKeys() listKeys {
	return listKeys{
		moveKeys:    newMoveKeys(),
		Open:        key.NewBinding(key.WithKeys("enter", "l", "right"), key.WithHelp("enter/l", "open")),
		Filter:      key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		ClearFilter: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear filter")),
		Refresh:     key.NewBinding(key.WithKeys("ctrl+r"), key.WithHelp("ctrl+r", "refresh list")),
		SortName:    key.NewBinding(key.WithKeys("N"), key.WithHelp("N", "sort by name")),
		SortAge:     key.NewBinding(key.WithKeys("A"), key.WithHelp("A", "sort by age")),
		SortSize:    key.NewBinding(key.WithKeys("Z"), key.WithHelp("Z", "sort by size")),
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
		enabledOnly([]key.Binding{k.SortName, k.SortAge, k.SortSize}),
	}
}

// sortColumn is what the list is ordered by.
type sortColumn int

const (
	sortName sortColumn = iota
	sortAge
	sortSize
)

// listPane is the flat list of one kind's objects across namespaces that
// ":kind" opens, as k9s shows a resource: a cursor over a kindlist model
// that the watch keeps current.
type listPane struct {
	c       *common
	gen     int
	kind    decode.Kind
	ns      string
	prefix  string
	list    *kindlist.List
	filter  string
	sortBy  sortColumn
	desc    bool
	cursor  int
	win     scrollWindow
	width   int
	focused bool
	loading bool
	err     error
	rev     int64 // the revision the list was read at
	// ageAsked holds the keys whose creation time was asked for.
	ageAsked map[string]bool
}

// kindListMsg carries the objects of a kind.
type kindListMsg struct {
	gen  int
	list *kindlist.List
	err  error
}

// listAgesMsg carries creation times read for the rows on screen.
type listAgesMsg struct {
	gen  int
	ages map[string]time.Time
}

func newListPane(c *common) listPane { return listPane{c: c, list: kindlist.New("", false)} }

// open starts listing kind k (in namespace ns when given).
func (l *listPane) open(k decode.Kind, ns string) tea.Cmd {
	l.kind, l.ns = k, ns
	l.prefix = l.c.root + "/" + strings.Trim(k.Prefix, "/") + "/"
	if ns != "" && k.Namespaced {
		l.prefix += ns + "/"
	}
	l.list = kindlist.New(l.prefix, k.Namespaced && ns == "")
	l.filter, l.cursor, l.win.offset, l.sortBy, l.desc = "", 0, 0, sortName, false
	return l.reload()
}

// openNamespace lists every object of one namespace, whatever its kind:
// the root is read and the keys of the namespace kept.
func (l *listPane) openNamespace(ns string) tea.Cmd {
	root := l.c.root
	l.kind, l.ns = decode.Kind{Resource: "all", Namespaced: true}, ns
	l.prefix = root + "/"
	l.list = kindlist.New(l.prefix, false)
	l.filter, l.cursor, l.win.offset, l.sortBy, l.desc = "", 0, 0, sortName, false
	return l.reload()
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
	l.loading, l.err, l.ageAsked = true, nil, map[string]bool{}
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
		rev, err := c.src.Range(ctx, prefix, 0, func(kv etcdsrc.KeyValue) error {
			l.Add(kv)
			return nil
		})
		l.Rev = rev
		return kindListMsg{gen: gen, list: l, err: err}
	})
}

// listAgesCmd reads and decodes keys to learn when their objects were
// created.
func listAgesCmd(c *common, gen int, keys []string) tea.Cmd {
	return c.io(func() tea.Msg {
		ctx, cancel := context.WithTimeout(c.ctx, ioTimeout)
		defer cancel()
		ages := make(map[string]time.Time, len(keys))
		for _, k := range keys {
			kv, err := c.src.Get(ctx, k, 0)
			if err != nil {
				continue // the row keeps no age; the list itself is fine
			}
			v := c.dec.Decode(kv.Key, kv.Value, kv.Meta())
			ages[k] = decode.CreationTime(v.Object)
		}
		return listAgesMsg{gen: gen, ages: ages}
	})
}

// keys are the list's bindings, enabled for its state.
func (l listPane) keys() listKeys {
	k := l.c.keys.list
	rows := len(l.list.Shown())
	k.moveKeys.setEnabled(l.focused && rows > 1)
	k.Open.SetEnabled(l.focused && l.selected() != nil)
	k.Filter.SetEnabled(l.focused && !l.loading && l.err == nil)
	k.ClearFilter.SetEnabled(l.focused && l.filter != "")
	k.Refresh.SetEnabled(l.focused)
	for _, b := range []*key.Binding{&k.SortName, &k.SortAge, &k.SortSize} {
		b.SetEnabled(l.focused && rows > 1)
	}
	return k
}

func (l listPane) Update(msg tea.Msg) (listPane, tea.Cmd) {
	switch msg := msg.(type) {
	case kindListMsg:
		if msg.gen != l.gen {
			return l, nil
		}
		sel := l.selectedKey()
		l.loading, l.err, l.list, l.rev = false, msg.err, msg.list, msg.list.Rev
		l.list.SetFilter(l.filter)
		l.applySort()
		l.reselect(sel)
		return l, l.askAges()
	case listAgesMsg:
		if msg.gen != l.gen {
			return l, nil
		}
		for k, t := range msg.ages {
			if it := l.list.Item(k); it != nil {
				it.Created = t
			}
		}
		if l.sortBy == sortAge {
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
	if step, ok := k.step(msg, l.win.height-1, len(l.list.Shown())); ok {
		l.move(step)
		return l.askAges()
	}
	switch {
	case key.Matches(msg, k.Open):
		it := l.selected()
		return func() tea.Msg { return openKeyMsg{key: it.Key, focus: true} }
	case key.Matches(msg, k.ClearFilter):
		return l.setFilter("")
	case key.Matches(msg, k.Refresh):
		return l.reload()
	case key.Matches(msg, k.SortName):
		return l.sortOn(sortName)
	case key.Matches(msg, k.SortAge):
		return l.sortOn(sortAge)
	case key.Matches(msg, k.SortSize):
		return l.sortOn(sortSize)
	}
	return nil
}

// sortOn orders the list by a column; the same column again reverses it.
func (l *listPane) sortOn(c sortColumn) tea.Cmd {
	if l.sortBy == c {
		l.desc = !l.desc
	} else {
		l.sortBy, l.desc = c, false
	}
	sel := l.selectedKey()
	l.applySort()
	l.reselect(sel)
	if c == sortAge {
		return l.askAllAges()
	}
	return l.askAges()
}

func (l *listPane) applySort() {
	switch l.sortBy {
	case sortAge:
		l.list.SetSort(kindlist.ByAge, l.desc)
	case sortSize:
		l.list.SetSort(kindlist.BySize, l.desc)
	default:
		l.list.SetSort(kindlist.ByName, l.desc)
	}
}

// askAges asks for the creation times of the rows on screen that have
// none yet: values are decoded only for what is shown.
func (l *listPane) askAges() tea.Cmd {
	shown := l.list.Shown()
	start, end := l.win.span(len(shown))
	return l.askAgesOf(shown[start:end])
}

// askAllAges asks for every row's creation time, for a sort by age: in
// the background, the list usable meanwhile.
func (l *listPane) askAllAges() tea.Cmd { return l.askAgesOf(l.list.Shown()) }

func (l *listPane) askAgesOf(items []*kindlist.Item) tea.Cmd {
	var keys []string
	for _, it := range items {
		if !l.ageAsked[it.Key] {
			l.ageAsked[it.Key] = true
			keys = append(keys, it.Key)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	return listAgesCmd(l.c, l.gen, keys)
}

func (l *listPane) setFilter(f string) tea.Cmd {
	sel := l.selectedKey()
	l.filter = f
	l.list.SetFilter(f)
	l.reselect(sel)
	return l.askAges()
}

// reselect puts the cursor back on key k, or at the top.
func (l *listPane) reselect(k string) {
	l.cursor = 0
	for i, it := range l.list.Shown() {
		if it.Key == k {
			l.cursor = i
		}
	}
	l.win.follow(l.cursor, len(l.list.Shown()))
}

// applyEvents follows watch events; it reports whether the list changed.
func (l *listPane) applyEvents(evs []etcdsrc.Event) bool {
	if l.loading || l.err != nil {
		return false
	}
	sel := l.selectedKey()
	changed := l.list.ApplyEvents(evs, l.c.now())
	if changed {
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
	n := len(l.list.Shown())
	l.cursor = clampCursor(l.cursor+d, n)
	l.win.follow(l.cursor, n)
}

func (l listPane) selected() *kindlist.Item {
	shown := l.list.Shown()
	if l.cursor < 0 || l.cursor >= len(shown) {
		return nil
	}
	return shown[l.cursor]
}

func (l listPane) selectedKey() string {
	if it := l.selected(); it != nil {
		return it.Key
	}
	return ""
}

// clickRow selects the row at body line y (0 is the column header).
func (l *listPane) clickRow(y int) {
	if i := l.win.rowAt(y-1, len(l.list.Shown())); i >= 0 {
		l.cursor = i
	}
}

func (l *listPane) scroll(d int) tea.Cmd {
	l.move(d)
	return l.askAges()
}

// SetSize sizes the pane; the column header takes one line.
func (l *listPane) SetSize(w, h int) {
	l.width, l.win.height = w, h-1
	l.win.follow(l.cursor, len(l.list.Shown()))
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
		t += " " + formatCount(int64(len(l.list.Shown())))
		if l.filter != "" {
			t += fmt.Sprintf("/%s /%s", formatCount(int64(l.list.Len())), l.filter)
		}
	}
	if l.sortBy != sortName || l.desc {
		dir := "↑"
		if l.desc {
			dir = "↓"
		}
		t += " " + dir + [...]string{"name", "age", "size"}[l.sortBy]
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
	shown := l.list.Shown()
	// Columns give way on narrow screens: age first, then size; the name
	// keeps at least a third of the line.
	avail := l.width - 2
	nsW := 0
	if l.kind.Namespaced && l.ns == "" {
		nsW = len("NAMESPACE")
		for _, it := range shown {
			nsW = max(nsW, len(it.Namespace))
		}
		nsW = min(nsW, max(avail/4, 6)) + 1
	}
	sizeW, ageW := 10, 6
	if avail-nsW-sizeW-ageW < avail/3 {
		ageW = 0
	}
	if avail-nsW-sizeW-ageW < avail/3 {
		sizeW = 0
	}
	nameW := max(avail-nsW-sizeW-ageW, 1)
	now := l.c.now()
	line := func(cur, ns, name, size, age string) string {
		var b strings.Builder
		b.WriteString(cur)
		if nsW > 0 {
			b.WriteString(fit(ns, nsW-1) + " ")
		}
		b.WriteString(fit(name, nameW))
		if sizeW > 0 {
			b.WriteString(fmt.Sprintf("%*s", sizeW, size))
		}
		if ageW > 0 {
			b.WriteString(fmt.Sprintf("%*s", ageW, age))
		}
		return b.String()
	}
	var b strings.Builder
	b.WriteString(s.Dim.Render(line("  ", "NAMESPACE", "NAME", "SIZE", "AGE")))
	start, end := l.win.span(len(shown))
	for i := start; i < end; i++ {
		it := shown[i]
		age := ""
		if !it.Created.IsZero() {
			age = duration.HumanDuration(now.Sub(it.Created))
		}
		// The gutter holds the cursor and the row's mark: + new, ● changed,
		// - deleted (shown briefly, then gone).
		cur := " "
		if i == l.cursor {
			cur = "›"
		}
		cur += markGlyph(it.Mark, s)
		row := fit(line(cur, decode.EscapeKey(it.Namespace), decode.EscapeKey(it.Name), formatSize(it.Size), age), l.width)
		b.WriteByte('\n')
		b.WriteString(cursorLine(row, i == l.cursor, l.focused, s))
	}
	return b.String()
}
