package tui

import (
	"bytes"
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

// historyKeys are the history pane's keys.
type historyKeys struct {
	Up, Down, Top, Bottom key.Binding
	DiffUp, DiffDown      key.Binding
	Base                  key.Binding
	Reveal                key.Binding
}

func newHistoryKeys() historyKeys {
	mk := newMoveKeys()
	return historyKeys{
		Up: mk.Up, Down: mk.Down,
		Top:      key.NewBinding(key.WithKeys("g", "home"), key.WithHelp("g/home", "newest")),
		Bottom:   key.NewBinding(key.WithKeys("G", "end"), key.WithHelp("G/end", "oldest")),
		DiffUp:   key.NewBinding(key.WithKeys("pgup", "ctrl+u", "b"), key.WithHelp("pgup/b/ctrl+u", "scroll diff up")),
		DiffDown: key.NewBinding(key.WithKeys("pgdown", "ctrl+d", " "), key.WithHelp("pgdn/space/ctrl+d", "scroll diff down")),
		Base:     key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "diff base")),
		Reveal:   key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "reveal secrets")),
	}
}

// ShortHelp is the history's part of the bottom line.
func (k historyKeys) ShortHelp() []key.Binding {
	return enabledOnly([]key.Binding{k.Base, k.Reveal})
}

// FullHelp is the history's column of the help screen.
func (k historyKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{enabledOnly([]key.Binding{k.Up, k.Down, k.Top, k.Bottom, k.DiffUp, k.DiffDown, k.Base, k.Reveal})}
}

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
	win     scrollWindow // over the revision list
	base    int          // index of the diff base; -1: the next older revision
	vp      viewport.Model
	note    string
	width   int
	height  int
	focused bool
	reveal  bool
	secret  bool // a revision holds secret data: x reveals it
	// diffText is the diff shown, without color.
	diffText string
	// at is the revision to select once the revisions arrive.
	at int64
	// told is a notice about the history shown (a compaction took its
	// older revisions).
	told  string
	forms []string
}

// historyMsg carries a key's revisions.
type historyMsg struct {
	gen   int
	key   string
	revs  []etcdsrc.Revision
	forms []string // each revision's encoding, as formOf says it
	err   error
}

// historyDiffMsg carries the diff between two revisions.
type historyDiffMsg struct {
	gen     int
	content string
	note    string
	secret  bool // a revision shown holds secret data
	plain   string
}

func newHistoryPane(c *common) historyPane {
	vp := viewport.New(0, 0)
	vp.MouseWheelEnabled = true
	return historyPane{c: c, pal: newPalette(c.styles), vp: vp, base: -1}
}

func loadHistoryCmd(c *common, gen int, k string) tea.Cmd {
	return c.io(func() tea.Msg {
		ctx, cancel := context.WithTimeout(c.ctx, ioTimeout)
		defer cancel()
		revs, err := c.src.History(ctx, k)
		// Each revision's encoding and encryption key: what a key
		// rotation needs to see.
		forms := make([]string, len(revs))
		for i, r := range revs {
			if !r.Deleted {
				forms[i] = formOf(c.dec.Decode(r.Key, r.Value, nil))
			}
		}
		return historyMsg{gen: gen, key: k, revs: revs, forms: forms, err: err}
	})
}

// diffRevisionsCmd decodes two revisions and diffs their YAML, masked as
// the object pane is.
func diffRevisionsCmd(c *common, pal palette, gen int, older, newer etcdsrc.Revision, hasOlder, reveal bool) tea.Cmd {
	return func() tea.Msg {
		o := renderOpts{mode: modeYAML, reveal: reveal, forDiff: true}
		secret := false
		values := map[int64]decode.Value{}
		render := func(r etcdsrc.Revision) rendered {
			if r.Deleted {
				return rendered{}
			}
			v := c.dec.Decode(r.Key, r.Value, r.KeyValue.Meta())
			values[r.ModRevision] = v
			out := renderValue(pal, v, o)
			secret = secret || out.secret
			return out
		}
		after := render(newer)
		label := fmt.Sprintf("rev %s", formatCount(newer.ModRevision))
		if !hasOlder {
			if newer.Deleted {
				return historyDiffMsg{gen: gen, content: "(deleted)", note: label + ": deleted"}
			}
			return historyDiffMsg{gen: gen, content: after.content, note: label + ": the oldest revision held", secret: secret}
		}
		before := render(older)
		if msg, ok := undiffable(gen, older, newer, values[older.ModRevision], values[newer.ModRevision]); ok {
			return msg
		}
		content, plain, changed := diffLines(pal, before.plain, after.plain, false)
		note := fmt.Sprintf("rev %s → %s: %d lines changed", formatCount(older.ModRevision), formatCount(newer.ModRevision), changed)
		if changed == 0 {
			content = "(no difference)"
		}
		return historyDiffMsg{gen: gen, content: content, plain: plain, note: note, secret: secret}
	}
}

// undiffable is what the history says instead of a diff when a side is
// still encrypted or does not decode: ciphertext is never diffed against
// YAML, nor against other ciphertext.
func undiffable(gen int, older, newer etcdsrc.Revision, ov, nv decode.Value) (historyDiffMsg, bool) {
	opaque := func(r etcdsrc.Revision, v decode.Value) bool {
		return !r.Deleted && (v.Err != nil || (v.Encryption != nil && !v.Encryption.Decrypted))
	}
	oo, no := opaque(older, ov), opaque(newer, nv)
	if !oo && !no {
		return historyDiffMsg{}, false
	}
	label := fmt.Sprintf("rev %s → %s", formatCount(older.ModRevision), formatCount(newer.ModRevision))
	var text string
	switch {
	case oo && no && bytes.Equal(older.Value, newer.Value):
		text = "(no change: the same stored bytes)"
	case oo && no:
		text = fmt.Sprintf("ciphertext changed, %s → %s; give --encryption-config to compare", formatSize(len(older.Value)), formatSize(len(newer.Value)))
	default:
		r, v := newer, nv
		if oo {
			r, v = older, ov
		}
		why := "it does not decode"
		if v.Err != nil {
			why = v.Err.Error()
		} else if v.Encryption.Reason != "" {
			why = "still encrypted: " + v.Encryption.Reason
		}
		text = fmt.Sprintf("rev %s cannot be compared (%s)", formatCount(r.ModRevision), why)
	}
	return historyDiffMsg{gen: gen, content: text, plain: text, note: label + ": not compared"}, true
}

// open loads the history of k; at, when not 0, is the revision to select.
func (h *historyPane) open(k string, reveal bool, at int64) tea.Cmd {
	h.gen++
	h.key, h.revs, h.err, h.loading, h.at, h.told = k, nil, nil, true, at, ""
	h.cursor, h.base, h.note, h.reveal, h.secret = 0, -1, "", reveal, false
	h.win.offset = 0
	h.vp.SetContent("")
	return loadHistoryCmd(h.c, h.gen, k)
}

func (h historyPane) Update(msg tea.Msg) (historyPane, tea.Cmd) {
	switch msg := msg.(type) {
	case historyMsg:
		if msg.gen != h.gen {
			return h, nil
		}
		h.loading, h.err, h.revs, h.forms = false, msg.err, msg.revs, msg.forms
		for i, r := range h.revs {
			if r.ModRevision == h.at {
				h.cursor = i
			}
		}
		h.SetSize(h.width, h.height) // the list's height follows the revisions
		return h, h.diff()
	case historyDiffMsg:
		if msg.gen != h.gen {
			return h, nil
		}
		h.note, h.secret, h.diffText = msg.note, msg.secret, msg.plain
		h.vp.SetContent(msg.content)
		h.vp.GotoTop()
		return h, nil
	case tea.MouseMsg:
		var cmd tea.Cmd
		h.vp, cmd = h.vp.Update(msg)
		return h, cmd
	case tea.KeyMsg:
		if !h.focused {
			return h, nil
		}
		return h, h.handleKey(msg)
	}
	return h, nil
}

// keys are the history's bindings, enabled for its state.
func (h historyPane) keys() historyKeys {
	k := h.c.keys.history
	many := h.focused && len(h.revs) > 1
	for _, b := range []*key.Binding{&k.Up, &k.Down, &k.Top, &k.Bottom, &k.Base} {
		b.SetEnabled(many)
	}
	scroll := h.focused && h.vp.TotalLineCount() > h.vp.Height
	k.DiffUp.SetEnabled(scroll)
	k.DiffDown.SetEnabled(scroll)
	if h.base == h.cursor {
		k.Base.SetHelp("v", "unset diff base")
	}
	k.Reveal.SetEnabled(h.focused && h.secret)
	if h.reveal {
		k.Reveal.SetHelp("x", "mask secrets")
	}
	return k
}

func (h *historyPane) handleKey(msg tea.KeyMsg) tea.Cmd {
	k := h.keys()
	switch {
	case key.Matches(msg, k.Up):
		h.cursor = max(h.cursor-1, 0)
	case key.Matches(msg, k.Down):
		h.cursor = min(h.cursor+1, len(h.revs)-1)
	case key.Matches(msg, k.Top):
		h.cursor = 0
	case key.Matches(msg, k.Bottom):
		h.cursor = len(h.revs) - 1
	case key.Matches(msg, k.Base):
		if h.base == h.cursor {
			h.base = -1
		} else {
			h.base = h.cursor
		}
	case key.Matches(msg, k.DiffUp):
		h.vp.PageUp()
		return nil
	case key.Matches(msg, k.DiffDown):
		h.vp.PageDown()
		return nil
	case key.Matches(msg, k.Reveal):
		return h.setReveal(!h.reveal)
	default:
		return nil
	}
	h.win.follow(h.cursor, len(h.revs))
	return h.diff()
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
	h.win.height = h.listHeight() - 1
	h.win.follow(h.cursor, len(h.revs))
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
	if h.told != "" {
		b.WriteString(" " + s.MarkMod.Render(h.told))
	}
	first, end := h.win.span(len(h.revs))
	for i := first; i < end; i++ {
		r := h.revs[i]
		cur := "  "
		if i == h.cursor {
			cur = "› "
		}
		what := fmt.Sprintf("v%-3d %9s", r.Version, formatSize(len(r.Value)))
		if i < len(h.forms) && h.forms[i] != "" {
			what += "  " + s.Badge.Render(h.forms[i])
		}
		if r.Deleted {
			what = s.EventDelete.Render("deleted")
		}
		base := ""
		if i == h.base {
			base = s.MarkMod.Render("  ◆ base")
		}
		line := fit(fmt.Sprintf("%srev %-10s %s%s", cur, formatCount(r.ModRevision), what, base), h.width)
		line = cursorLine(line, i == h.cursor, h.focused, s)
		b.WriteByte('\n')
		b.WriteString(line)
	}
	b.WriteByte('\n')
	b.WriteString(fit(s.Dim.Render("── "+h.note+" "), h.width))
	b.WriteByte('\n')
	b.WriteString(h.vp.View())
	return b.String()
}
