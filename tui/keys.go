package tui

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// keyMap is every binding of the explorer. Bindings that do nothing in the
// current state are disabled by setEnabled, so help never lists a dead key.
type keyMap struct {
	Up        key.Binding
	Down      key.Binding
	PageUp    key.Binding
	PageDown  key.Binding
	Collapse  key.Binding
	Expand    key.Binding
	Top       key.Binding
	Bottom    key.Binding
	Tab       key.Binding
	Command   key.Binding
	Filter    key.Binding
	Next      key.Binding
	Prev      key.Binding
	Watch     key.Binding
	Pause     key.Binding
	History   key.Binding
	Mark      key.Binding
	YAMLJSON  key.Binding
	Managed   key.Binding
	Reveal    key.Binding
	Raw       key.Binding
	Copy      key.Binding
	Save      key.Binding
	Help      key.Binding
	Back      key.Binding
	Quit      key.Binding
	ForceQuit key.Binding
}

func newKeyMap() keyMap {
	return keyMap{
		Up:        key.NewBinding(key.WithKeys("k", "up"), key.WithHelp("↑/k", "up")),
		Down:      key.NewBinding(key.WithKeys("j", "down"), key.WithHelp("↓/j", "down")),
		PageUp:    key.NewBinding(key.WithKeys("pgup", "ctrl+u", "b"), key.WithHelp("pgup", "page up")),
		PageDown:  key.NewBinding(key.WithKeys("pgdown", "ctrl+d", " "), key.WithHelp("pgdn", "page down")),
		Collapse:  key.NewBinding(key.WithKeys("h", "left"), key.WithHelp("←/h", "collapse")),
		Expand:    key.NewBinding(key.WithKeys("l", "right", "enter"), key.WithHelp("→/l/enter", "expand/open")),
		Top:       key.NewBinding(key.WithKeys("g", "home"), key.WithHelp("g", "top")),
		Bottom:    key.NewBinding(key.WithKeys("G", "end"), key.WithHelp("G", "bottom")),
		Tab:       key.NewBinding(key.WithKeys("tab", "shift+tab"), key.WithHelp("tab", "next pane")),
		Command:   key.NewBinding(key.WithKeys(":"), key.WithHelp(":", "kind")),
		Filter:    key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		Next:      key.NewBinding(key.WithKeys("n"), key.WithHelp("n/N", "next/prev match")),
		Prev:      key.NewBinding(key.WithKeys("N")),
		Watch:     key.NewBinding(key.WithKeys("w"), key.WithHelp("w", "watch")),
		Pause:     key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "pause")),
		History:   key.NewBinding(key.WithKeys("H"), key.WithHelp("H", "history")),
		Mark:      key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "diff base")),
		YAMLJSON:  key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "yaml/json")),
		Managed:   key.NewBinding(key.WithKeys("m"), key.WithHelp("m", "managedFields")),
		Reveal:    key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "reveal")),
		Raw:       key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "raw/hex")),
		Copy:      key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "copy")),
		Save:      key.NewBinding(key.WithKeys("ctrl+s"), key.WithHelp("ctrl+s", "save")),
		Help:      key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Back:      key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		Quit:      key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "quit")),
		ForceQuit: key.NewBinding(key.WithKeys("ctrl+c")),
	}
}

// keyState is what decides which bindings work right now.
type keyState struct {
	focus        focusArea
	left         leftMode
	right        rightMode
	hasObject    bool // an object (or an error about one) is open
	objectIsDoc  bool // the open value has a YAML/JSON form
	hasManaged   bool // the open object has managedFields
	hasSecret    bool // the open object has something masked or revealed
	revealed     bool
	raw          bool
	selectedLeaf bool // the tree or list cursor is on a key
	canWatch     bool
	watching     bool
	paused       bool
	searching    bool // the object pane has an active text search
	history      bool // a history is open with revisions
	treeFiltered bool // the tree level under the cursor is filtered
	hasError     bool // the status line shows an error esc clears
}

// setEnabled turns bindings on and off for st.
func (k *keyMap) setEnabled(st keyState) {
	onObject := st.focus == focusRight && st.right == rightObject && st.hasObject
	onLeft := st.focus == focusLeft
	k.Filter.SetEnabled(onLeft || onObject)
	if onObject {
		k.Filter.SetHelp("/", "search")
	} else {
		k.Filter.SetHelp("/", "filter")
	}
	k.Collapse.SetEnabled(onLeft && st.left == leftTree)
	if onLeft && st.left == leftList {
		k.Expand.SetHelp("enter", "open")
	} else {
		k.Expand.SetHelp("→/l/enter", "expand/open")
	}
	k.Expand.SetEnabled(onLeft)
	k.Next.SetEnabled(onObject && st.searching)
	k.Prev.SetEnabled(onObject && st.searching)
	k.Watch.SetEnabled(st.canWatch || st.watching)
	if st.watching {
		k.Watch.SetHelp("w", "stop watch")
	} else {
		k.Watch.SetHelp("w", "watch")
	}
	k.Pause.SetEnabled(st.watching)
	if st.paused {
		k.Pause.SetHelp("p", "resume")
	} else {
		k.Pause.SetHelp("p", "pause")
	}
	k.History.SetEnabled(st.selectedLeaf || st.hasObject)
	k.Mark.SetEnabled(st.right == rightHistory && st.history)
	k.YAMLJSON.SetEnabled(st.hasObject && st.objectIsDoc && !st.raw)
	k.Managed.SetEnabled(st.hasObject && st.hasManaged && !st.raw)
	k.Reveal.SetEnabled(st.hasObject && st.hasSecret)
	if st.revealed {
		k.Reveal.SetHelp("x", "hide secrets")
	} else {
		k.Reveal.SetHelp("x", "reveal secrets")
	}
	k.Raw.SetEnabled(st.hasObject)
	k.Copy.SetEnabled(st.hasObject)
	k.Save.SetEnabled(st.hasObject)
	k.Back.SetEnabled(st.left == leftList || st.right != rightObject || st.searching || st.treeFiltered || st.hasError)
}

// ShortHelp is the one-line help at the bottom of the screen.
func (k keyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Command, k.Filter, k.Watch, k.Pause, k.History, k.YAMLJSON, k.Managed, k.Reveal, k.Raw, k.Help, k.Quit}
}

// FullHelp is what ? shows, in columns.
func (k keyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom, k.Collapse, k.Expand, k.Tab},
		{k.Command, k.Filter, k.Next, k.Watch, k.Pause, k.History, k.Mark, k.Back},
		{k.YAMLJSON, k.Managed, k.Reveal, k.Raw, k.Copy, k.Save, k.Help, k.Quit},
	}
}

// cursorStep is how far a movement key moves a cursor over rows rows in a
// pane that shows page of them; ok is false for keys that do not move it.
func (k keyMap) cursorStep(msg tea.KeyMsg, page, rows int) (step int, ok bool) {
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
