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
	"github.com/etcdscope/etcdscope/tui/keytree"
)

// listKeys are the kind list's keys.
type listKeys struct {
	moveKeys
	Open        key.Binding
	Filter      key.Binding
	ClearFilter key.Binding
	Refresh     key.Binding
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
	return [][]key.Binding{enabledOnly(append(k.bindings(), k.Open, k.Filter, k.ClearFilter, k.Refresh))}
}

// listItem is one object of a kind list.
type listItem struct {
	key       string
	namespace string
	name      string
	size      int
	created   time.Time // from metadata.creationTimestamp, once read
	ageAsked  bool
}

// listPane is the flat list of one kind's objects across namespaces that
// ":kind" opens, as k9s shows a resource.
type listPane struct {
	c       *common
	gen     int
	kind    decode.Kind
	ns      string
	prefix  string
	items   []listItem
	shown   []int // indexes into items that pass the filter
	filter  string
	cursor  int
	win     scrollWindow
	width   int
	focused bool
	loading bool
	err     error
	rev     int64 // the revision the list was read at
}

// kindListMsg carries the objects of a kind.
type kindListMsg struct {
	gen   int
	items []listItem
	rev   int64
	err   error
}

// listAgesMsg carries creation times read for the rows on screen.
type listAgesMsg struct {
	gen  int
	ages map[string]time.Time
}

func newListPane(c *common) listPane { return listPane{c: c} }

// open starts listing kind k (in namespace ns when given).
func (l *listPane) open(k decode.Kind, ns string) tea.Cmd {
	l.kind, l.ns = k, ns
	l.prefix = l.c.root + "/" + strings.Trim(k.Prefix, "/") + "/"
	if ns != "" && k.Namespaced {
		l.prefix += ns + "/"
	}
	l.items, l.shown, l.filter, l.cursor, l.win.offset = nil, nil, "", 0, 0
	return l.reload()
}

// reload lists the kind again.
func (l *listPane) reload() tea.Cmd {
	l.gen++
	l.loading, l.err = true, nil
	return listKindCmd(l.c, l.gen, l.prefix, l.kind.Namespaced && l.ns == "")
}

// listKindCmd reads the keys of a kind with their sizes. Values are not
// kept: ages are read later for the rows on screen only.
func listKindCmd(c *common, gen int, prefix string, splitNS bool) tea.Cmd {
	return c.io(func() tea.Msg {
		ctx, cancel := context.WithTimeout(c.ctx, 4*ioTimeout)
		defer cancel()
		var items []listItem
		rev, err := c.src.Range(ctx, prefix, 0, func(kv etcdsrc.KeyValue) error {
			rel := kv.Key[len(prefix):]
			it := listItem{key: kv.Key, name: rel, size: len(kv.Value)}
			if splitNS {
				if ns, name, ok := strings.Cut(rel, "/"); ok {
					it.namespace, it.name = ns, name
				}
			}
			items = append(items, it)
			return nil
		})
		return kindListMsg{gen: gen, items: items, rev: rev, err: err}
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
	k.moveKeys.setEnabled(l.focused && len(l.shown) > 1)
	k.Open.SetEnabled(l.focused && l.selected() != nil)
	k.Filter.SetEnabled(l.focused && !l.loading && l.err == nil)
	k.ClearFilter.SetEnabled(l.focused && l.filter != "")
	k.Refresh.SetEnabled(l.focused)
	return k
}

func (l listPane) Update(msg tea.Msg) (listPane, tea.Cmd) {
	switch msg := msg.(type) {
	case kindListMsg:
		if msg.gen != l.gen {
			return l, nil
		}
		l.loading, l.err, l.items, l.rev = false, msg.err, msg.items, msg.rev
		l.refilter()
		return l, l.askAges()
	case listAgesMsg:
		if msg.gen != l.gen {
			return l, nil
		}
		for i := range l.items {
			if t, ok := msg.ages[l.items[i].key]; ok {
				l.items[i].created = t
			}
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
	if step, ok := k.step(msg, l.bodyHeight()-1, len(l.shown)); ok {
		l.move(step)
		return l.askAges()
	}
	switch {
	case key.Matches(msg, k.Open):
		it := l.selected()
		return func() tea.Msg { return openKeyMsg{key: it.key, focus: true} }
	case key.Matches(msg, k.ClearFilter):
		return l.setFilter("")
	case key.Matches(msg, k.Refresh):
		return l.reload()
	}
	return nil
}

// askAges asks for the creation times of the rows on screen that have
// none yet: values are decoded only for what is shown.
func (l *listPane) askAges() tea.Cmd {
	var keys []string
	start, end := l.win.span(len(l.shown))
	for i := start; i < end; i++ {
		it := &l.items[l.shown[i]]
		if !it.ageAsked {
			it.ageAsked = true
			keys = append(keys, it.key)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	return listAgesCmd(l.c, l.gen, keys)
}

func (l *listPane) setFilter(f string) tea.Cmd {
	l.filter = f
	l.refilter()
	return l.askAges()
}

func (l *listPane) refilter() {
	var sel string
	if it := l.selected(); it != nil {
		sel = it.key
	}
	m := keytree.NewMatcher(l.filter)
	l.shown = l.shown[:0]
	for i, it := range l.items {
		if m.Match(it.namespace + "/" + it.name) {
			l.shown = append(l.shown, i)
		}
	}
	l.cursor = 0
	for i, idx := range l.shown {
		if l.items[idx].key == sel {
			l.cursor = i
		}
	}
	l.win.follow(l.cursor, len(l.shown))
}

func (l *listPane) move(d int) {
	l.cursor = clampCursor(l.cursor+d, len(l.shown))
	l.win.follow(l.cursor, len(l.shown))
}

func (l listPane) bodyHeight() int { return l.win.height }

func (l listPane) selected() *listItem {
	if l.cursor < 0 || l.cursor >= len(l.shown) {
		return nil
	}
	return &l.items[l.shown[l.cursor]]
}

// clickRow selects the row at body line y (0 is the column header).
func (l *listPane) clickRow(y int) {
	if i := l.win.rowAt(y-1, len(l.shown)); i >= 0 {
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
	l.win.follow(l.cursor, len(l.shown))
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
		t += " " + formatCount(int64(len(l.shown)))
		if l.filter != "" {
			t += fmt.Sprintf("/%s /%s", formatCount(int64(len(l.items))), l.filter)
		}
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
	case len(l.items) == 0:
		return s.Dim.Render("no objects under " + decode.EscapeKey(l.prefix))
	}
	// Columns give way on narrow screens: age first, then size; the name
	// keeps at least a third of the line.
	avail := l.width - 2
	nsW := 0
	if l.kind.Namespaced && l.ns == "" {
		nsW = len("NAMESPACE")
		for _, i := range l.shown {
			nsW = max(nsW, len(l.items[i].namespace))
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
	start, end := l.win.span(len(l.shown))
	for i := start; i < end; i++ {
		it := l.items[l.shown[i]]
		age := ""
		if !it.created.IsZero() {
			age = duration.HumanDuration(now.Sub(it.created))
		}
		cur := "  "
		if i == l.cursor {
			cur = "› "
		}
		row := fit(line(cur, decode.EscapeKey(it.namespace), decode.EscapeKey(it.name), formatSize(it.size), age), l.width)
		b.WriteByte('\n')
		b.WriteString(cursorLine(row, i == l.cursor, l.focused, s))
	}
	return b.String()
}
