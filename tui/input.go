package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/etcdscope/etcdscope/decode"
)

// handleKeys takes one key message, which may hold several runes typed
// together: each counts as a key press, in order, until one opens a
// prompt; the rest is then text for the prompt.
func (m *Model) handleKeys(msg tea.KeyMsg) tea.Cmd {
	if msg.Paste {
		if m.prompt.active() {
			return m.promptKey(msg)
		}
		return nil // a paste is text, never a string of commands
	}
	presses := splitBurst(msg)
	var cmds []tea.Cmd
	for i, k := range presses {
		if m.prompt.active() && i > 0 {
			rest := tea.KeyMsg{Type: tea.KeyRunes, Alt: msg.Alt}
			for _, p := range presses[i:] {
				rest.Runes = append(rest.Runes, p.Runes...)
			}
			cmds = append(cmds, m.promptKey(rest))
			break
		}
		cmds = append(cmds, m.handleKey(k))
	}
	return tea.Batch(cmds...)
}

// handleKey routes one key press: quit always; an open prompt takes
// everything; then the global keys, the focused pane's keys, the object's
// view keys while an object shows, and esc's way back.
func (m *Model) handleKey(msg tea.KeyMsg) tea.Cmd {
	g := m.globalKeys()
	if key.Matches(msg, g.ForceQuit) {
		return m.quit()
	}
	if m.prompt.active() {
		return m.promptKey(msg)
	}
	if m.right == rightHelp {
		switch {
		case key.Matches(msg, g.Quit):
			return m.quit()
		case key.Matches(msg, g.Help), key.Matches(msg, g.Back):
			m.right = m.helpFrom
			m.layout()
		}
		return nil
	}
	switch {
	case key.Matches(msg, g.Quit):
		return m.quit()
	case key.Matches(msg, g.Help):
		m.helpFrom, m.right = m.right, rightHelp
		m.layout()
		return nil
	case key.Matches(msg, g.Tab):
		m.cycleFocus(msg.String() == "shift+tab")
		return nil
	case key.Matches(msg, g.Command):
		return m.prompt.start(promptCommand, "")
	case key.Matches(msg, g.Watch):
		return m.toggleWatch()
	case key.Matches(msg, g.Pause):
		return m.togglePause()
	case key.Matches(msg, g.History):
		return m.openHistory()
	case key.Matches(msg, g.Stats):
		return m.openStats()
	case key.Matches(msg, g.Zoom):
		m.zoom = !m.zoom
		m.layout()
		return m.obj.fitWidth()
	}
	if cmd, ok := m.paneKey(msg); ok {
		return cmd
	}
	if m.right == rightObject {
		ok := m.obj.keys(true)
		switch {
		case key.Matches(msg, ok.Copy):
			return m.copyObject()
		case key.Matches(msg, ok.Save):
			return m.startSave()
		case matchesAny(msg, ok.viewBindings()):
			cmd := m.obj.viewKey(msg)
			return cmd
		}
	}
	if key.Matches(msg, g.Back) {
		m.back()
	}
	return nil
}

// paneKey gives a key to the focused pane when one of its enabled keys
// matches; "/" opens the pane's filter or search prompt at once, so the
// rest of a burst goes into it.
func (m *Model) paneKey(msg tea.KeyMsg) (tea.Cmd, bool) {
	var cmd tea.Cmd
	switch m.focus {
	case focusLeft:
		if m.left == leftList {
			k := m.list.keys()
			if key.Matches(msg, k.Filter) {
				return m.prompt.start(promptFilter, m.list.filter), true
			}
			if !matchesAny(msg, k.FullHelp()...) {
				return nil, false
			}
			before := m.list.selectedKey()
			m.list, cmd = m.list.Update(msg)
			if after, ok := m.list.selected(); ok && after.Key != before {
				cmd = tea.Batch(cmd, m.schedulePreview(after.Key))
			}
			return cmd, true
		}
		k := m.tree.keys()
		if key.Matches(msg, k.Filter) {
			lvl := m.tree.level()
			m.filterLvl = lvl.Key
			return m.prompt.start(promptFilter, lvl.Filter), true
		}
		if !matchesAny(msg, k.FullHelp()...) {
			return nil, false
		}
		before, _ := m.tree.selectedKey()
		m.tree, cmd = m.tree.Update(msg)
		if after, leaf := m.tree.selectedKey(); leaf && after != before {
			cmd = tea.Batch(cmd, m.schedulePreview(after))
		}
		return cmd, true
	case focusRight:
		if m.right == rightDeleted {
			if !matchesAny(msg, m.gone.keys().FullHelp()...) {
				return nil, false
			}
			m.gone, cmd = m.gone.Update(msg)
			return cmd, true
		}
		if m.right == rightStats {
			if !matchesAny(msg, m.stats.keys().FullHelp()...) {
				return nil, false
			}
			m.stats, cmd = m.stats.Update(msg)
			return cmd, true
		}
		if m.right == rightHistory {
			if !matchesAny(msg, m.hist.keys().FullHelp()...) {
				return nil, false
			}
			m.hist, cmd = m.hist.Update(msg)
			return cmd, true
		}
		k := m.obj.keys(true)
		if key.Matches(msg, k.Search) {
			return m.prompt.start(promptSearch, m.obj.search), true
		}
		if !matchesAny(msg, k.bindings(), []key.Binding{k.Next, k.Prev, k.ClearSearch}) {
			return nil, false
		}
		m.obj, cmd = m.obj.Update(msg)
		return cmd, true
	case focusEvents:
		if !matchesAny(msg, m.events.keys().FullHelp()...) {
			return nil, false
		}
		m.events, cmd = m.events.Update(msg)
		return cmd, true
	}
	return nil, false
}

// globalKeys are the root's bindings, enabled for the explorer's state.
func (m *Model) globalKeys() globalKeys {
	g := m.c.keys.global
	// Until the status says the source is a snapshot, try: a source that
	// cannot watch answers with an error in the status line.
	canWatch := m.st.snapshot == "" && m.right != rightHelp && m.c.rev == 0 // the past does not change
	if m.left == leftTree && m.tree.selected() == nil && m.tree.level() == nil {
		canWatch = false
	}
	g.Watch.SetEnabled(canWatch || m.w.on)
	if m.w.on {
		g.Watch.SetHelp("w", "stop watch")
	}
	g.Pause.SetEnabled(m.w.on)
	if m.w.paused {
		g.Pause.SetHelp("p", "resume")
	}
	g.History.SetEnabled(m.historyKey() != "" && m.right != rightHistory)
	if m.zoom {
		g.Zoom.SetHelp("f", "unzoom")
	}
	g.Stats.SetEnabled(m.right != rightHelp && !(m.right == rightStats && m.stats.prefix == m.statsPrefix() && m.stats.running))
	g.Back.SetEnabled(m.backAction() != backNone)
	if a := m.backAction(); a != backNone {
		g.Back.SetHelp("esc", a.String())
	}
	return g
}

// backStep is what esc does at the root, once the focused pane has
// nothing of its own to close.
type backStep int

const (
	backNone backStep = iota
	backZoom
	backHistory
	backStats
	backFocusLeft
	backTree
	backError
)

// String says in help what esc does.
func (b backStep) String() string {
	switch b {
	case backZoom:
		return "unzoom"
	case backHistory:
		return "close history"
	case backStats:
		return "close view"
	case backFocusLeft:
		return "back to the list"
	case backTree:
		return "back to the tree"
	case backError:
		return "clear error"
	}
	return ""
}

// backAction is what esc would do now, one thing at a time: close a
// sub-view, move focus from the object back to the tree or list, leave a
// kind list, clear the error shown.
func (m *Model) backAction() backStep {
	switch {
	case m.zoom && !(m.focus == focusRight && (m.obj.search != "" || m.stats.running)):
		return backZoom
	case m.right == rightHistory:
		return backHistory
	case m.right == rightStats && m.focus == focusRight && m.stats.running:
		return backNone // the stats view stops its scan first
	case m.right == rightStats, m.right == rightDeleted:
		return backStats
	case m.focus == focusRight && m.obj.search != "":
		return backNone // the object pane ends its search first
	case m.focus != focusLeft:
		return backFocusLeft
	case m.left == leftList && (m.list.filter != "" || m.list.sorting()):
		return backNone // the list clears its filter, or stops its sort, first
	case m.left == leftList:
		return backTree
	case m.left == leftTree && m.tree.level().Filter != "":
		return backNone
	case m.st.lastErr != "":
		return backError
	}
	return backNone
}

// back does what backAction says.
func (m *Model) back() {
	switch m.backAction() {
	case backZoom:
		m.zoom = false
		m.layout()
	case backHistory, backStats:
		m.right = rightObject
		m.layout()
	case backFocusLeft:
		m.setFocus(focusLeft)
	case backTree:
		m.left = leftTree
		m.setFocus(focusLeft)
	case backError:
		m.st.lastErr = ""
	}
}

// historyKey is the key H opens: the one under the cursor of the focused
// list, else the open object's.
func (m *Model) historyKey() string {
	switch {
	case m.focus == focusLeft && m.left == leftTree:
		if k, leaf := m.tree.selectedKey(); leaf {
			return k
		}
	case m.focus == focusLeft && m.left == leftList:
		if it, ok := m.list.selected(); ok {
			return it.Key
		}
	}
	return m.obj.key
}

func (m *Model) openHistory() tea.Cmd { return m.openHistoryAt(m.historyKey(), 0) }

// openHistoryAt shows the history of k with revision rev selected (0:
// the newest).
func (m *Model) openHistoryAt(k string, rev int64) tea.Cmd {
	if k == "" {
		return nil
	}
	m.right = rightHistory
	m.setFocus(focusRight)
	m.layout()
	return m.hist.open(k, m.obj.opts.reveal, rev)
}

// statsPrefix is the directory s shows the figures of: the open kind
// list, the selected directory, or the level of a selected key.
func (m *Model) statsPrefix() string { return m.watchPrefix() }

// openStats starts the figures of the selected directory in the right
// pane (again, if they are shown: s refreshes them).
func (m *Model) openStats() tea.Cmd {
	m.right = rightStats
	m.setFocus(focusRight)
	m.layout()
	m.c.logf("stats %q", decode.EscapeKey(m.statsPrefix()))
	return m.stats.open(m.statsPrefix())
}

// statsGo goes where a row of the stats view points: a resource in the
// tree, a namespace's objects as a list, an object.
func (m *Model) statsGo(msg statsGoMsg) tea.Cmd {
	switch msg.act {
	case statsTree:
		k := msg.target
		if !strings.HasPrefix(k, "/") {
			k = m.c.root + "/" + k + "/"
		}
		m.left = leftTree
		m.setFocus(focusLeft)
		return m.tree.reveal(k)
	case statsNamespace:
		m.left = leftList
		m.setFocus(focusLeft)
		return m.list.openNamespace(msg.target)
	case statsObject:
		return m.openKey(msg.target, true)
	}
	return nil
}

// promptKey hands a key to the open prompt.
func (m *Model) promptKey(msg tea.KeyMsg) tea.Cmd {
	var cmd tea.Cmd
	m.prompt, cmd = m.prompt.Update(msg)
	return cmd
}

func (m *Model) handlePrompt(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case promptChangedMsg:
		if msg.kind == promptFilter {
			return m.applyFilter(msg.value)
		}
	case promptCancelMsg:
		switch msg.kind {
		case promptFilter:
			return m.applyFilter("")
		case promptOverwrite:
			m.pendingSave = ""
			m.obj.message = "not saved"
		}
	case promptDoneMsg:
		switch msg.kind {
		case promptFilter:
			return m.applyFilter(msg.value)
		case promptSearch:
			m.obj.setSearch(msg.value)
		case promptCommand:
			return m.runCommand(msg.value)
		case promptSave:
			if msg.value == "" {
				return nil
			}
			return saveCmd(msg.value, m.obj.saveData(), false, m.saveNote())
		case promptOverwrite:
			path := m.pendingSave
			m.pendingSave = ""
			return saveCmd(path, m.obj.saveData(), true, m.saveNote())
		}
	}
	return nil
}

func (m *Model) applyFilter(f string) tea.Cmd {
	if m.left == leftList {
		return m.list.setFilter(f)
	}
	if lvl := m.tree.tree.Node(m.filterLvl); lvl != nil {
		m.tree.setFilter(lvl, f)
	}
	return nil
}

// runCommand opens the list of a kind: ":deploy", ":po kube-system".
func (m *Model) runCommand(v string) tea.Cmd {
	fields := strings.Fields(v)
	if len(fields) == 0 {
		return nil
	}
	if len(fields) > 2 {
		m.st.lastErr = fmt.Sprintf("%q: expected a kind and at most a namespace", v)
		return nil
	}
	switch fields[0] {
	case "consistency":
		return m.setConsistency(fields[1:])
	case "deleted":
		prefix := m.statsPrefix()
		if len(fields) > 1 {
			prefix = decode.UnescapeKey(fields[1])
		}
		m.right = rightDeleted
		m.setFocus(focusRight)
		m.layout()
		return m.gone.open(prefix)
	}
	kind, err := m.c.cat.Lookup(fields[0])
	if err != nil {
		m.noteErr(err) // the catalog names the query
		return nil
	}
	ns := ""
	if len(fields) == 2 {
		ns = fields[1]
		if !kind.Namespaced {
			m.st.lastErr = fmt.Sprintf("%s is not namespaced: listing all", kind.Resource)
			ns = ""
		}
	}
	m.left = leftList
	m.setFocus(focusLeft)
	m.c.logf("list kind %s ns %q", kind.Resource, ns)
	return m.list.open(kind, ns)
}

// consistencySwitch is a source whose read consistency can change while
// it is open (a live cluster).
type consistencySwitch interface {
	Serializable() bool
	SetSerializable(bool)
}

// serializable reports whether the source reads from one member.
func (m *Model) serializable() bool {
	cs, ok := m.c.src.(consistencySwitch)
	return ok && cs.Serializable()
}

// setConsistency is ":consistency s|l", as etcdctl's --consistency: s
// reads from one member and keeps working without quorum, l needs a
// leader. The watch starts again with it.
func (m *Model) setConsistency(args []string) tea.Cmd {
	cs, ok := m.c.src.(consistencySwitch)
	if !ok {
		m.st.lastErr = "a snapshot has no read consistency to choose"
		return nil
	}
	if len(args) != 1 || (args[0] != "s" && args[0] != "l") {
		m.st.lastErr = ":consistency takes s (serializable: one member, works without quorum) or l (linearizable)"
		return nil
	}
	cs.SetSerializable(args[0] == "s")
	m.c.logf("consistency %s", args[0])
	// What failed without a leader reads now: list what is shown again.
	cmds := []tea.Cmd{m.pollStatus()}
	if m.w.on {
		cmds = append(cmds, m.relistWatched())
	} else {
		cmds = append(cmds, m.relistShown(m.tree.tree.Root().Key))
	}
	if !m.st.crdsOK {
		cmds = append(cmds, loadCRDsCmd(m.c), loadNamespacesCmd(m.c))
	}
	return tea.Batch(cmds...)
}

// copyObject puts the open object, in its current form, on the
// clipboard; a copy of masked Secret data says so.
func (m *Model) copyObject() tea.Cmd {
	note := "copied to the clipboard"
	if m.obj.r.masked {
		note = "copied with Secret data masked: x reveals it, then c copies it"
	}
	return copyCmd(m.c.clip, m.obj.copyText(), note)
}

// startSave asks where to save the open object.
func (m *Model) startSave() tea.Cmd {
	cmd := m.prompt.start(promptSave, m.obj.saveName())
	if m.obj.r.masked {
		m.prompt.setLabel("save (Secret data masked, x reveals): ")
	}
	return cmd
}

// saveNote is what the status says after a save.
func (m *Model) saveNote() string {
	if m.obj.r.masked {
		return "Secret data masked"
	}
	return ""
}

// handleSaved reports a save, or asks before overwriting a file.
func (m *Model) handleSaved(msg savedMsg) tea.Cmd {
	if msg.exists {
		m.pendingSave = msg.path
		return m.prompt.start(promptOverwrite, "")
	}
	if msg.err != nil {
		m.noteErr(msg.err)
		return nil
	}
	m.obj.message = "saved to " + decode.EscapeKey(msg.path)
	if msg.note != "" {
		m.obj.message += " (" + msg.note + ")"
	}
	return nil
}

// handleMouse: a click focuses a pane and selects a row; the wheel scrolls
// the pane under the pointer.
func (m *Model) handleMouse(msg tea.MouseMsg) tea.Cmd {
	g := m.geo
	y := msg.Y - 1 // below the header
	if y < 0 || y >= g.panesH+g.eventsH {
		return nil
	}
	wheel := 0
	switch msg.Button {
	case tea.MouseButtonWheelUp:
		wheel = -3
	case tea.MouseButtonWheelDown:
		wheel = 3
	}
	press := msg.Action == tea.MouseActionPress && msg.Button == tea.MouseButtonLeft
	if !press && wheel == 0 {
		return nil
	}
	var area focusArea
	switch {
	case y >= g.panesH:
		area = focusEvents
	case msg.X < g.leftW:
		area = focusLeft
	default:
		area = focusRight
	}
	if press && m.right != rightHelp {
		m.setFocus(area)
	}
	row := y - 1 // inside the border
	switch area {
	case focusLeft:
		if m.left == leftList {
			if wheel != 0 {
				return m.list.scroll(wheel)
			}
			m.list.clickRow(row)
			if it, ok := m.list.selected(); ok {
				return m.schedulePreview(it.Key)
			}
			return nil
		}
		if wheel != 0 {
			m.tree.move(wheel)
			return m.tree.autoPage()
		}
		m.tree.clickRow(row)
		if k, leaf := m.tree.selectedKey(); leaf {
			return m.schedulePreview(k)
		}
		return m.tree.autoPage()
	case focusRight:
		var cmd tea.Cmd
		if m.right == rightHistory {
			m.hist, cmd = m.hist.Update(msg)
		} else {
			m.obj, cmd = m.obj.Update(msg)
		}
		return cmd
	}
	return nil
}
