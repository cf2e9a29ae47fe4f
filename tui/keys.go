package tui

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// Each pane owns a KeyMap of the keys it handles and enables only those
// that do something in its state, computed afresh whenever it is asked
// (keys()), so help, built from the same maps, never lists a dead key.
// The root owns the global keys. A pane's Update acts only on enabled
// bindings.

// moveKeys move a cursor (or scroll a body) in a pane.
type moveKeys struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
}

func newMoveKeys() moveKeys {
	return moveKeys{
		Up:       key.NewBinding(key.WithKeys("k", "up"), key.WithHelp("↑/k", "up")),
		Down:     key.NewBinding(key.WithKeys("j", "down"), key.WithHelp("↓/j", "down")),
		PageUp:   key.NewBinding(key.WithKeys("pgup", "ctrl+u", "b"), key.WithHelp("pgup/b/ctrl+u", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown", "ctrl+d", " "), key.WithHelp("pgdn/space/ctrl+d", "page down")),
		Top:      key.NewBinding(key.WithKeys("g", "home"), key.WithHelp("g/home", "top")),
		Bottom:   key.NewBinding(key.WithKeys("G", "end"), key.WithHelp("G/end", "bottom")),
	}
}

// bindings lists the movement keys in help order.
func (k moveKeys) bindings() []key.Binding {
	return []key.Binding{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom}
}

// setEnabled turns every movement key on or off.
func (k *moveKeys) setEnabled(on bool) {
	for _, b := range []*key.Binding{&k.Up, &k.Down, &k.PageUp, &k.PageDown, &k.Top, &k.Bottom} {
		b.SetEnabled(on)
	}
}

// step is how far a movement key moves a cursor over rows rows in a pane
// that shows page of them; ok is false for keys that do not move it.
func (k moveKeys) step(msg tea.KeyMsg, page, rows int) (step int, ok bool) {
	page = max(page, 1)
	switch {
	case key.Matches(msg, k.Up):
		return -1, true
	case key.Matches(msg, k.Down):
		return 1, true
	case key.Matches(msg, k.PageUp):
		return -page, true
	case key.Matches(msg, k.PageDown):
		return page, true
	case key.Matches(msg, k.Top):
		return -rows, true
	case key.Matches(msg, k.Bottom):
		return rows, true
	}
	return 0, false
}

// globalKeys work whatever pane has focus.
type globalKeys struct {
	Quit      key.Binding
	ForceQuit key.Binding
	Help      key.Binding
	Tab       key.Binding
	Command   key.Binding
	Watch     key.Binding
	Pause     key.Binding
	History   key.Binding
	Stats     key.Binding
	Zoom      key.Binding
	Back      key.Binding
}

func newGlobalKeys() globalKeys {
	return globalKeys{
		Quit:      key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "quit")),
		ForceQuit: key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit")),
		Help:      key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Tab:       key.NewBinding(key.WithKeys("tab", "shift+tab"), key.WithHelp("tab/shift+tab", "next pane")),
		Command:   key.NewBinding(key.WithKeys(":"), key.WithHelp(":", "kind")),
		Watch:     key.NewBinding(key.WithKeys("w"), key.WithHelp("w", "watch")),
		Pause:     key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "pause")),
		History:   key.NewBinding(key.WithKeys("H"), key.WithHelp("H", "history")),
		Stats:     key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "stats")),
		Zoom:      key.NewBinding(key.WithKeys("f"), key.WithHelp("f", "zoom pane")),
		Back:      key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
	}
}

// keyHelp is what a pane contributes to help: a short line's worth and
// full columns.
type keyHelp interface {
	ShortHelp() []key.Binding
	FullHelp() [][]key.Binding
}

// enabledOnly keeps the bindings that are on.
func enabledOnly(bs []key.Binding) []key.Binding {
	out := bs[:0:0]
	for _, b := range bs {
		if b.Enabled() {
			out = append(out, b)
		}
	}
	return out
}

// matchesAny reports whether msg matches one of the enabled bindings.
func matchesAny(msg tea.KeyMsg, groups ...[]key.Binding) bool {
	for _, g := range groups {
		for _, b := range g {
			if key.Matches(msg, b) {
				return true
			}
		}
	}
	return false
}

// splitBurst turns a message holding several runes read together ("jjj"
// typed faster than a frame, or sent by tmux) into one key press each.
// A paste stays whole.
func splitBurst(msg tea.KeyMsg) []tea.KeyMsg {
	if msg.Type != tea.KeyRunes || len(msg.Runes) < 2 || msg.Paste {
		return []tea.KeyMsg{msg}
	}
	out := make([]tea.KeyMsg, len(msg.Runes))
	for i, r := range msg.Runes {
		out[i] = tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}, Alt: msg.Alt}
	}
	return out
}
