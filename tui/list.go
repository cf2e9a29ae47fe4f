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
)

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
	offset  int
	width   int
	height  int
	focused bool
	loading bool
	err     error
}

// kindListMsg carries the objects of a kind.
type kindListMsg struct {
	gen   int
	items []listItem
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
	l.gen++
	l.kind, l.ns = k, ns
	l.prefix = l.c.root + "/" + strings.Trim(k.Prefix, "/") + "/"
	if ns != "" && k.Namespaced {
		l.prefix += ns + "/"
	}
	l.items, l.shown, l.filter, l.cursor, l.offset = nil, nil, "", 0, 0
	l.loading, l.err = true, nil
	return listKindCmd(l.c, l.gen, l.prefix, k.Namespaced && ns == "")
}

// listKindCmd reads the keys of a kind with their sizes. Values are not
// kept: ages are read later for the rows on screen only.
func listKindCmd(c *common, gen int, prefix string, splitNS bool) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(c.ctx, 4*ioTimeout)
		defer cancel()
		var items []listItem
		_, err := c.src.Range(ctx, prefix, 0, func(kv etcdsrc.KeyValue) error {
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
		return kindListMsg{gen: gen, items: items, err: err}
	}
}

// listAgesCmd reads and decodes keys to learn when their objects were
// created.
func listAgesCmd(c *common, gen int, keys []string) tea.Cmd {
	return func() tea.Msg {
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
	}
}

func (l listPane) Update(msg tea.Msg) (listPane, tea.Cmd) {
	switch msg := msg.(type) {
	case kindListMsg:
		if msg.gen != l.gen {
			return l, nil
		}
		l.loading, l.err, l.items = false, msg.err, msg.items
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
		k := l.c.keys
		if step, ok := k.cursorStep(msg, l.height-2, len(l.shown)); ok {
			l.move(step)
			return l, l.askAges()
		}
		if key.Matches(msg, k.Expand) {
			if it := l.selected(); it != nil {
				k := it.key
				return l, func() tea.Msg { return openKeyMsg{key: k, focus: true} }
			}
		}
		return l, nil
	}
	return l, nil
}

// askAges asks for the creation times of the rows on screen that have
// none yet: values are decoded only for what is shown.
func (l *listPane) askAges() tea.Cmd {
	var keys []string
	for i := l.offset; i < min(l.offset+l.bodyHeight(), len(l.shown)); i++ {
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
	l.shown = l.shown[:0]
	for i, it := range l.items {
		if l.filter == "" || fuzzyMatch(l.filter, it.namespace+"/"+it.name) {
			l.shown = append(l.shown, i)
		}
	}
	l.cursor = 0
	for i, idx := range l.shown {
		if l.items[idx].key == sel {
			l.cursor = i
		}
	}
	l.clamp()
}

func (l *listPane) move(d int) {
	l.cursor = max(0, min(l.cursor+d, len(l.shown)-1))
	l.clamp()
}

func (l *listPane) clamp() {
	h := max(l.bodyHeight(), 1)
	if l.cursor < l.offset {
		l.offset = l.cursor
	}
	if l.cursor >= l.offset+h {
		l.offset = l.cursor - h + 1
	}
	l.offset = max(0, min(l.offset, len(l.shown)-h))
}

func (l listPane) bodyHeight() int { return l.height - 1 }

func (l listPane) selected() *listItem {
	if l.cursor < 0 || l.cursor >= len(l.shown) {
		return nil
	}
	return &l.items[l.shown[l.cursor]]
}

// clickRow selects the row at y (0 is the column header).
func (l *listPane) clickRow(y int) tea.Cmd {
	i := l.offset + y - 1
	if y >= 1 && i < len(l.shown) {
		l.cursor = i
		l.clamp()
	}
	return nil
}

func (l *listPane) scroll(d int) tea.Cmd {
	l.move(d)
	return l.askAges()
}

func (l *listPane) SetSize(w, h int) {
	l.width, l.height = w, h
	l.clamp()
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
	for i := l.offset; i < min(l.offset+l.bodyHeight(), len(l.shown)); i++ {
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
		if i == l.cursor {
			if l.focused {
				row = s.Cursor.Render(ansi.Strip(row))
			} else {
				row = s.CursorBlurred.Render(ansi.Strip(row))
			}
		}
		b.WriteByte('\n')
		b.WriteString(row)
	}
	return b.String()
}
