package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/lipgloss"

	"github.com/etcdscope/etcdscope/decode"
)

// focusedKeys is the help of the pane that has focus.
func (m *Model) focusedKeys() keyHelp {
	switch {
	case m.focus == focusLeft && m.left == leftList:
		return m.list.keys()
	case m.focus == focusLeft:
		return m.tree.keys()
	case m.focus == focusRight && m.right == rightHistory:
		return m.hist.keys()
	case m.focus == focusRight && m.right == rightStats:
		return m.stats.keys()
	case m.focus == focusRight && m.right == rightDeleted:
		return m.gone.keys()
	case m.focus == focusRight:
		return m.obj.keys(m.right == rightObject)
	}
	return m.events.keys()
}

// objectViewKeys are the object's toggles, copy and save, which work from
// any pane while the object shows; nil when they are the focused pane's
// own.
func (m *Model) objectViewKeys() []key.Binding {
	if m.right != rightObject || m.focus == focusRight {
		return nil
	}
	return enabledOnly(m.obj.keys(true).viewBindings())
}

// ShortHelp is the bottom line: the focused pane's keys first, then the
// object's and the global ones.
func (m *Model) ShortHelp() []key.Binding {
	g := m.globalKeys()
	if m.right == rightHelp {
		g.Help.SetHelp("?/esc", "close help")
		return []key.Binding{g.Help, g.Quit}
	}
	out := []key.Binding{g.Command}
	out = append(out, m.focusedKeys().ShortHelp()...)
	if m.right == rightObject && m.focus != focusRight {
		k := m.obj.keys(true)
		// W and ctrl+s are in ? only: the line is short.
		out = append(out, enabledOnly([]key.Binding{k.YAMLJSON, k.Managed, k.Reveal, k.Raw, k.Copy})...)
	}
	out = append(out, enabledOnly([]key.Binding{g.Watch, g.Pause, g.History, g.Stats, g.Back, g.Help, g.Quit})...)
	return out
}

// FullHelp is what ? shows, in columns: the focused pane's, the
// object's view keys, the global keys. Only keys that work now appear.
func (m *Model) FullHelp() [][]key.Binding {
	var cols [][]key.Binding
	for _, c := range m.focusedKeys().FullHelp() {
		if len(c) > 0 {
			cols = append(cols, c)
		}
	}
	if v := m.objectViewKeys(); len(v) > 0 {
		cols = append(cols, v)
	}
	g := m.globalKeys()
	cols = append(cols, enabledOnly([]key.Binding{g.Command, g.Watch, g.Pause, g.History, g.Stats, g.Zoom, g.Tab, g.Back, g.Help, g.Quit, g.ForceQuit}))
	return cols
}

// layout sizes every pane for the window.
func (m *Model) layout() {
	w, h := m.width, m.height
	bodyH := max(h-2, 4)
	evH := 0
	if m.w.on || len(m.events.rows) > 0 {
		evH = min(max(bodyH/4, 5), 12)
	}
	panesH := bodyH - evH
	leftW := min(max(w*2/5, 24), w-20)
	if w < 44 {
		leftW = w / 2
	}
	if m.zoom {
		// The focused pane takes the whole body.
		switch m.focus {
		case focusLeft:
			leftW, panesH, evH = w, bodyH, 0
		case focusRight:
			leftW, panesH, evH = 0, bodyH, 0
		case focusEvents:
			panesH, evH = 0, bodyH
		}
	}
	m.geo = geometry{leftW: leftW, panesH: panesH, eventsH: evH}
	m.tree.SetSize(leftW-2, panesH-2)
	m.list.SetSize(leftW-2, panesH-2)
	m.obj.SetSize(w-leftW-2, panesH-2)
	m.hist.SetSize(w-leftW-2, panesH-2)
	m.stats.SetSize(w-leftW-2, panesH-2)
	m.gone.SetSize(w-leftW-2, panesH-2)
	m.events.SetSize(w-2, max(evH-2, 0))
	m.prompt.SetSize(w)
	m.help.Width = w - 4
	if evH == 0 && m.focus == focusEvents && !m.zoom {
		m.setFocus(focusLeft)
	}
}

// View draws the screen: header, panes, event log, bottom line.
func (m *Model) View() string {
	if m.width == 0 || m.height == 0 {
		return ""
	}
	s := m.c.styles
	g := m.geo
	var body string
	if m.right == rightHelp {
		body = box(s, "help", m.help.FullHelpView(m.helpFromKeys()), m.width, g.panesH, true)
	} else {
		var left, right string
		if m.left == leftList {
			left = box(s, m.list.title(), m.list.View(), g.leftW, g.panesH, m.focus == focusLeft)
		} else {
			left = box(s, m.tree.breadcrumbs(), m.tree.View(), g.leftW, g.panesH, m.focus == focusLeft)
		}
		switch m.right {
		case rightHistory:
			right = box(s, m.hist.title(), m.hist.View(), m.width-g.leftW, g.panesH, m.focus == focusRight)
		case rightStats:
			right = box(s, m.stats.title(), m.stats.View(), m.width-g.leftW, g.panesH, m.focus == focusRight)
		case rightDeleted:
			right = box(s, m.gone.title(), m.gone.View(), m.width-g.leftW, g.panesH, m.focus == focusRight)
		default:
			title := m.obj.title()
			if p := m.obj.scrollPercent(); p != "" {
				title += " " + p
			}
			right = box(s, title, m.obj.View(), m.width-g.leftW, g.panesH, m.focus == focusRight)
		}
		body = lipgloss.JoinHorizontal(lipgloss.Top, left, right)
	}
	parts := []string{m.headerView()}
	if g.panesH > 0 {
		parts = append(parts, body)
	}
	if g.eventsH > 0 {
		title := "events"
		if m.w.on {
			title += fmt.Sprintf(" %s · %d ev/s", decode.EscapeKey(m.w.prefix), m.w.rate)
			if m.w.paused {
				title += fmt.Sprintf(" · paused, %s held", formatCount(int64(len(m.w.held))))
			}
		}
		if t := m.events.title(); t != "" {
			title += " · " + t
		}
		parts = append(parts, box(s, title, m.events.View(), m.width, g.eventsH, m.focus == focusEvents))
	}
	parts = append(parts, m.footerView())
	return strings.Join(parts, "\n")
}

// helpFromKeys is the full help of the screen ? was pressed on.
func (m *Model) helpFromKeys() [][]key.Binding {
	right := m.right
	m.right = m.helpFrom
	defer func() { m.right = right }()
	return m.FullHelp()
}

func (m *Model) headerView() string {
	s := m.c.styles
	var parts []string
	switch {
	case m.c.rev > 0:
		parts = append(parts, s.StateWatch.Render("at rev "+formatCount(m.c.rev)))
	case m.st.rev > 0:
		parts = append(parts, s.HeaderDim.Render("rev "+formatCount(m.st.rev)))
	}
	switch {
	case !m.st.checked:
		parts = append(parts, s.HeaderDim.Render("○ connecting"))
	case m.st.connErr != "":
		parts = append(parts, s.StateBad.Render("✗ unreachable"))
	case m.st.noLeader:
		parts = append(parts, s.StateBad.Render("✗ "+m.st.state))
	default:
		parts = append(parts, s.StateOK.Render("● "+m.st.state))
	}
	if m.serializable() {
		parts = append(parts, s.StateWatch.Render("serializable · may be stale"))
	}
	// The watch's prefix is in the event log's title; the header says
	// that one runs and how fast (the source name gives way first).
	if m.w.on {
		w := fmt.Sprintf("◉ watching %d ev/s", m.w.rate)
		switch {
		case m.w.down || m.st.connErr != "":
			// A watch on a member that died reports nothing: clientv3
			// retries quietly. No member answering means it waits too.
			w = "◌ watch reconnecting"
		case m.w.paused:
			w = "❚❚ paused"
		}
		parts = append(parts, s.StateWatch.Render(w))
	}
	// The source name gives way (from the left: a path's end says more)
	// so the revision and the connection state always show.
	state := strings.Join(parts, "  ")
	name := s.HeaderTitle.Render(" etcdscope ") + " "
	help := s.HeaderDim.Render("? help ")
	room := m.width - lipgloss.Width(name) - lipgloss.Width(state) - lipgloss.Width(help) - 3
	if room < 12 {
		help = ""
		room += 7
	}
	left := name + s.Header.Render(truncLeft(m.sourceName(), max(room, 4))) + "  " + state
	return spread(left, help, m.width)
}

func (m *Model) sourceName() string {
	if m.c.title != "" {
		return m.c.title
	}
	if m.st.snapshot != "" {
		return m.st.snapshot
	}
	return strings.Join(m.st.endpoints, ",")
}

func (m *Model) footerView() string {
	s := m.c.styles
	if m.prompt.active() {
		return m.prompt.View()
	}
	if m.st.lastErr != "" {
		return fit(s.Error.Render("✗ "+m.st.lastErr), m.width)
	}
	if m.st.noLeader && !m.serializable() {
		return fit(s.Error.Render(" no quorum: reads need a leader · :consistency s reads from one member (may be stale)"), m.width)
	}
	return fit(" "+m.help.ShortHelpView(m.ShortHelp()), m.width)
}
