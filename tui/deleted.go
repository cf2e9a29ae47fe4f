package tui

import (
	"context"
	"fmt"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"k8s.io/apimachinery/pkg/util/duration"

	"github.com/etcdscope/etcdscope/decode"
	"github.com/etcdscope/etcdscope/etcdsrc"
)

// deletedKeys are the deleted view's keys.
type deletedKeys struct {
	moveKeys
	Open key.Binding
}

func newDeletedKeys() deletedKeys {
	return deletedKeys{
		moveKeys: newMoveKeys(),
		Open:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "its last value")),
	}
}

// ShortHelp is the deleted view's part of the bottom line.
func (k deletedKeys) ShortHelp() []key.Binding { return enabledOnly([]key.Binding{k.Open}) }

// FullHelp is the deleted view's column of the help screen.
func (k deletedKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{enabledOnly(append(k.bindings(), k.Open))}
}

// deletedPane lists the keys deleted under a prefix that etcd (or the
// snapshot) still remembers, newest first, each with its last value one
// enter away: ":deleted", what `etcdscope deleted` prints.
type deletedPane struct {
	c       *common
	gen     int
	prefix  string
	running bool
	span    etcdsrc.DeletedSpan
	found   []etcdsrc.Deletion
	err     error
	rows    []statsRow
	cursor  int
	win     scrollWindow
	width   int
	focused bool
}

// deletedMsg carries what Deleted found.
type deletedMsg struct {
	gen   int
	span  etcdsrc.DeletedSpan
	found []etcdsrc.Deletion
	err   error
}

// openRevisionMsg asks the root to open a key as of a revision.
type openRevisionMsg struct {
	key string
	rev int64
}

func newDeletedPane(c *common) deletedPane { return deletedPane{c: c} }

// open looks for the keys deleted under prefix.
func (p *deletedPane) open(prefix string) tea.Cmd {
	p.gen++
	p.prefix, p.running, p.found, p.err, p.rows, p.cursor, p.win.offset = prefix, true, nil, nil, nil, 0, 0
	return findDeletedCmd(p.c, p.gen, prefix)
}

// findDeletedCmd reads the deletions the source holds under prefix.
func findDeletedCmd(c *common, gen int, prefix string) tea.Cmd {
	return c.io(func() tea.Msg {
		ctx, cancel := context.WithTimeout(c.ctx, 4*ioTimeout)
		defer cancel()
		var found []etcdsrc.Deletion
		span, err := etcdsrc.Deleted(ctx, c.src, prefix, etcdsrc.DeletedOptions{}, func(d etcdsrc.Deletion) error {
			found = append(found, d)
			return nil
		})
		return deletedMsg{gen: gen, span: span, found: found, err: err}
	})
}

func (p deletedPane) Update(msg tea.Msg) (deletedPane, tea.Cmd) {
	switch msg := msg.(type) {
	case deletedMsg:
		if msg.gen != p.gen {
			return p, nil
		}
		p.running, p.span, p.found, p.err = false, msg.span, msg.found, msg.err
		p.rows = deletedRows(p.c, p.found, p.c.now())
		for i, r := range p.rows {
			if r.act != statsNone {
				p.cursor = i
				break
			}
		}
		p.win.follow(p.cursor, len(p.rows))
		return p, nil
	case tea.KeyMsg:
		if !p.focused {
			return p, nil
		}
		k := p.keys()
		if step, ok := k.step(msg, p.win.height-1, len(p.rows)); ok {
			p.cursor = clampCursor(p.cursor+step, len(p.rows))
			p.win.follow(p.cursor, len(p.rows))
			return p, nil
		}
		if key.Matches(msg, k.Open) {
			d := p.found[p.selectedIndex()]
			return p, func() tea.Msg { return openRevisionMsg{key: d.Key, rev: d.Revision - 1} }
		}
	}
	return p, nil
}

// selectedIndex is the deletion under the cursor (rows after the header).
func (p deletedPane) selectedIndex() int {
	i := 0
	for j, r := range p.rows {
		if j == p.cursor {
			if r.act == statsNone {
				return -1 // the header
			}
			return i
		}
		if r.act != statsNone {
			i++
		}
	}
	return -1
}

// deletedRows lays the deletions out: key, the revision that deleted it,
// kind, and when it was created.
func deletedRows(c *common, found []etcdsrc.Deletion, now time.Time) []statsRow {
	// The key first: a cut takes its middle, keeping the name.
	rows := []statsRow{{cells: []string{"KEY", "DELETED AT", "KIND", "CREATED"}, header: true}}
	for _, d := range found {
		kind, when := "", ""
		if d.Err == nil {
			v := c.dec.Decode(d.Last.Key, d.Last.Value, nil)
			kind = v.Kind
			if t := decode.CreationTime(v.Object); !t.IsZero() {
				when = duration.HumanDuration(now.Sub(t)) + " ago"
			}
		}
		rows = append(rows, statsRow{cells: []string{decode.EscapeKey(d.Key), "rev " + formatCount(d.Revision), kind, when}, act: statsObject, target: d.Key})
	}
	return rows
}

// keys are the deleted view's bindings, enabled for its state.
func (p deletedPane) keys() deletedKeys {
	k := p.c.keys.deleted
	k.moveKeys.setEnabled(p.focused && len(p.rows) > 2)
	k.Open.SetEnabled(p.focused && p.selectedIndex() >= 0)
	return k
}

func (p *deletedPane) SetSize(w, h int) {
	p.width, p.win.height = w, max(h-1, 1)
	p.win.follow(p.cursor, len(p.rows))
}

func (p *deletedPane) Focus() { p.focused = true }
func (p *deletedPane) Blur()  { p.focused = false }

func (p deletedPane) title() string { return "deleted under " + decode.EscapeKey(p.prefix) }

// View says how far back it looked, then the deletions.
func (p deletedPane) View() string {
	s := p.c.styles
	switch {
	case p.running:
		return s.Dim.Render("reading the history etcd holds for deletions…")
	case p.err != nil:
		return s.Error.Render(ansi.Wrap(p.err.Error(), p.width, ""))
	}
	how := fmt.Sprintf("%d deleted · revisions %s to %s", len(p.found), formatCount(p.span.From), formatCount(p.span.To))
	if p.span.Complete {
		how += " · all etcd still holds"
	} else {
		how += fmt.Sprintf(" · older history not looked at (compacted at %s)", formatCount(p.span.CompactRevision))
	}
	if len(p.found) == 0 {
		return s.Dim.Render(how)
	}
	return fit(s.Dim.Render(how), p.width) + "\n" + tableRows(p.rows, p.cursor, p.win, p.width, p.focused, s)
}
