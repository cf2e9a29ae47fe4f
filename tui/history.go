package tui

import (
	"context"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/etcdscope/etcdscope/decode"
	"github.com/etcdscope/etcdscope/etcdsrc"
)

// historyPane lists a key's revisions and shows a diff between two of them:
// the selected one and a base (by default the revision before it).
type historyPane struct {
	c       *common
	pal     palette
	gen     int
	key     string
	revs    []etcdsrc.Revision // newest first
	loading bool
	err     error
	cursor  int
	base    int // index of the diff base; -1: the next older revision
	vp      viewport.Model
	note    string
	width   int
	height  int
	focused bool
	reveal  bool
}

// historyMsg carries a key's revisions.
type historyMsg struct {
	gen  int
	key  string
	revs []etcdsrc.Revision
	err  error
}

// historyDiffMsg carries the diff between two revisions.
type historyDiffMsg struct {
	gen     int
	content string
	note    string
}

func newHistoryPane(c *common) historyPane {
	vp := viewport.New(0, 0)
	vp.MouseWheelEnabled = true
	return historyPane{c: c, pal: newPalette(c.styles), vp: vp, base: -1}
}

func loadHistoryCmd(c *common, gen int, k string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(c.ctx, ioTimeout)
		defer cancel()
		revs, err := c.src.History(ctx, k)
		return historyMsg{gen: gen, key: k, revs: revs, err: err}
	}
}

// diffRevisionsCmd decodes two revisions and diffs their YAML, masked as
// the object pane is.
func diffRevisionsCmd(c *common, pal palette, gen int, older, newer etcdsrc.Revision, hasOlder, reveal bool) tea.Cmd {
	return func() tea.Msg {
		o := renderOpts{mode: modeYAML, reveal: reveal}
		text := func(r etcdsrc.Revision) string {
			if r.Deleted {
				return ""
			}
			v := c.dec.Decode(r.Key, r.Value, r.KeyValue.Meta())
			return renderValue(pal, v, o).plain
		}
		after := text(newer)
		label := fmt.Sprintf("rev %s", formatCount(newer.ModRevision))
		if !hasOlder {
			if newer.Deleted {
				return historyDiffMsg{gen: gen, content: "(deleted)", note: label + ": deleted"}
			}
			v := c.dec.Decode(newer.Key, newer.Value, newer.KeyValue.Meta())
			r := renderValue(pal, v, o)
			return historyDiffMsg{gen: gen, content: r.content, note: label + ": the oldest revision held"}
		}
		before := text(older)
		content, _, changed := diffLines(pal, before, after, false)
		note := fmt.Sprintf("rev %s → %s: %d lines changed", formatCount(older.ModRevision), formatCount(newer.ModRevision), changed)
		if changed == 0 {
			content = "(no difference)"
		}
		return historyDiffMsg{gen: gen, content: content, note: note}
	}
}

// open loads the history of k.
func (h *historyPane) open(k string, reveal bool) tea.Cmd {
	h.gen++
	h.key, h.revs, h.err, h.loading = k, nil, nil, true
	h.cursor, h.base, h.note, h.reveal = 0, -1, "", reveal
	h.vp.SetContent("")
	return loadHistoryCmd(h.c, h.gen, k)
}

func (h historyPane) Update(msg tea.Msg) (historyPane, tea.Cmd) {
	switch msg := msg.(type) {
	case historyMsg:
		if msg.gen != h.gen {
			return h, nil
		}
		h.loading, h.err, h.revs = false, msg.err, msg.revs
		h.SetSize(h.width, h.height) // the list's height follows the revisions
		return h, h.diff()
	case historyDiffMsg:
		if msg.gen != h.gen {
			return h, nil
		}
		h.note = msg.note
		h.vp.SetContent(msg.content)
		h.vp.GotoTop()
		return h, nil
	case tea.MouseMsg:
		var cmd tea.Cmd
		h.vp, cmd = h.vp.Update(msg)
		return h, cmd
	case tea.KeyMsg:
		if !h.focused || len(h.revs) == 0 {
			return h, nil
		}
		k := h.c.keys
		switch {
		case key.Matches(msg, k.Up):
			h.cursor = max(h.cursor-1, 0)
		case key.Matches(msg, k.Down):
			h.cursor = min(h.cursor+1, len(h.revs)-1)
		case key.Matches(msg, k.Top):
			h.cursor = 0
		case key.Matches(msg, k.Bottom):
			h.cursor = len(h.revs) - 1
		case key.Matches(msg, k.Mark):
			if h.base == h.cursor {
				h.base = -1
			} else {
				h.base = h.cursor
			}
		case key.Matches(msg, k.PageDown), key.Matches(msg, k.PageUp):
			var cmd tea.Cmd
			h.vp, cmd = h.vp.Update(msg)
			return h, cmd
		default:
			return h, nil
		}
		return h, h.diff()
	}
	return h, nil
}

// diff asks for the diff of the selected revision against the base.
func (h *historyPane) diff() tea.Cmd {
	if len(h.revs) == 0 {
		return nil
	}
	h.gen++
	newer := h.revs[h.cursor]
	b := h.base
	if b < 0 || b == h.cursor {
		b = h.cursor + 1
	}
	if b >= len(h.revs) {
		return diffRevisionsCmd(h.c, h.pal, h.gen, etcdsrc.Revision{}, newer, false, h.reveal)
	}
	older := h.revs[b]
	if older.ModRevision > newer.ModRevision {
		older, newer = newer, older
	}
	return diffRevisionsCmd(h.c, h.pal, h.gen, older, newer, true, h.reveal)
}

// setReveal re-diffs with secret data shown or masked.
func (h *historyPane) setReveal(reveal bool) tea.Cmd {
	h.reveal = reveal
	return h.diff()
}

func (h historyPane) listHeight() int { return min(len(h.revs), max(h.height/3, 3)) + 1 }

func (h *historyPane) SetSize(w, hgt int) {
	h.width, h.height = w, hgt
	h.vp.Width = w
	h.vp.Height = max(hgt-h.listHeight()-2, 1)
}

func (h *historyPane) Focus() { h.focused = true }
func (h *historyPane) Blur()  { h.focused = false }

func (h historyPane) title() string { return "history " + decode.EscapeKey(h.key) }

// View draws the revision list above the diff.
func (h historyPane) View() string {
	s := h.c.styles
	switch {
	case h.err != nil:
		return s.Error.Render(ansi.Wrap(h.err.Error(), h.width, ""))
	case h.loading:
		return s.Dim.Render("reading history…")
	case len(h.revs) == 0:
		return s.Dim.Render("no revisions held")
	}
	var b strings.Builder
	b.WriteString(s.Dim.Render(fmt.Sprintf("%d revisions held · v diff base · j/k select", len(h.revs))))
	n := h.listHeight() - 1
	first := max(0, min(h.cursor-n/2, len(h.revs)-n))
	for i := first; i < first+n && i < len(h.revs); i++ {
		r := h.revs[i]
		cur := "  "
		if i == h.cursor {
			cur = "› "
		}
		what := fmt.Sprintf("v%-3d %9s", r.Version, formatSize(len(r.Value)))
		if r.Deleted {
			what = s.EventDelete.Render("deleted")
		}
		base := ""
		if i == h.base {
			base = s.MarkMod.Render("  ◆ base")
		}
		line := fit(fmt.Sprintf("%srev %-10s %s%s", cur, formatCount(r.ModRevision), what, base), h.width)
		if i == h.cursor {
			line = s.Cursor.Render(ansi.Strip(line))
		}
		b.WriteByte('\n')
		b.WriteString(line)
	}
	b.WriteByte('\n')
	b.WriteString(fit(s.Dim.Render("── "+h.note+" "), h.width))
	b.WriteByte('\n')
	b.WriteString(h.vp.View())
	return b.String()
}
