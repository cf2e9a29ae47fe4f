// Package tui is etcdscope's interactive explorer: a bubbletea program over
// an etcdsrc.Source with a lazily listed key tree, an object pane that shows
// decoded values, a live watch with an event log, key history with diffs,
// and k9s-like lists of one resource kind.
//
// Only the root Model implements tea.Model. The panes are plain structs the
// root sizes, focuses and feeds; every read of etcd runs in a tea.Cmd that
// returns a typed message, tagged so a reply to a request the user has
// moved on from is dropped.
package tui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/etcdscope/etcdscope/decode"
	"github.com/etcdscope/etcdscope/etcdsrc"
)

// Options configure the explorer.
type Options struct {
	// Source is where keys and values come from.
	Source etcdsrc.Source
	// Decoder decodes values; nil means decode.NewDecoder().
	Decoder *decode.Decoder
	// Root is the key prefix kube-apiserver writes under, "/registry" by
	// default.
	Root string
	// Title names the source in the status line: endpoints or a snapshot
	// path.
	Title string
	// Debug receives a log of what the explorer does, when set; never
	// stdout, which the screen owns.
	Debug io.Writer
	// Clipboard receives OSC 52 sequences for copy; nil means os.Stdout,
	// the terminal.
	Clipboard io.Writer
}

// focusArea is which pane gets keys.
type focusArea int

const (
	focusLeft focusArea = iota
	focusRight
	focusEvents
)

// leftMode is what the left pane shows.
type leftMode int

const (
	leftTree leftMode = iota
	leftList
)

// rightMode is what the right pane shows.
type rightMode int

const (
	rightObject rightMode = iota
	rightHistory
	rightHelp
)

// previewDelay lets the cursor rest on a key before it is read, so holding
// j over a long level does not read every key it passes.
const previewDelay = 120 * time.Millisecond

// Model is the explorer's root model.
type Model struct {
	c      *common
	keys   keyMap
	help   help.Model
	width  int
	height int

	tree   treePane
	list   listPane
	obj    objectPane
	hist   historyPane
	events eventPane
	prompt promptPane

	focus     focusArea
	left      leftMode
	right     rightMode
	helpFrom  rightMode
	filterLvl *node // the tree level a "/" filter applies to

	st          sourceState
	w           watchState
	previewGen  int
	markTicking bool
	geo         geometry
}

// geometry is where the panes are, for mouse clicks.
type geometry struct {
	leftW, panesH, eventsH int
}

// New returns the explorer's root model for opts.
func New(opts Options) tea.Model { return newModel(context.Background(), opts) }

func newModel(ctx context.Context, opts Options) *Model {
	if opts.Decoder == nil {
		opts.Decoder = decode.NewDecoder()
	}
	root := strings.TrimSuffix(opts.Root, "/")
	if root == "" {
		root = decode.DefaultRoot
	}
	clip := opts.Clipboard
	if clip == nil {
		clip = os.Stdout
	}
	m := &Model{keys: newKeyMap(), help: help.New()}
	m.c = &common{
		ctx: ctx, src: opts.Source, dec: opts.Decoder, cat: decode.NewCatalog(),
		root: root, title: opts.Title, styles: NewStyles(), keys: &m.keys,
		debug: opts.Debug, clip: clip, now: time.Now, pageSize: treePageSize,
	}
	m.help.Styles = m.c.styles.Help
	m.tree = newTreePane(m.c)
	m.list = newListPane(m.c)
	m.obj = newObjectPane(m.c)
	m.hist = newHistoryPane(m.c)
	m.events = newEventPane(m.c)
	m.prompt = newPromptPane(m.c)
	m.prompt.setCompletion(kindNames(m.c.cat), nil)
	m.tree.Focus()
	m.syncKeys()
	return m
}

// Run runs the explorer full screen until the user quits or ctx ends.
func Run(ctx context.Context, opts Options) error {
	if opts.Source == nil {
		return errors.New("run explorer: no source")
	}
	m := newModel(ctx, opts)
	p := tea.NewProgram(m, tea.WithAltScreen(), tea.WithMouseCellMotion(), tea.WithContext(ctx))
	_, err := p.Run()
	m.stopWatch()
	if err != nil && ctx.Err() != nil && errors.Is(err, tea.ErrProgramKilled) {
		return nil // the caller ended it: a normal end
	}
	if err != nil {
		return fmt.Errorf("run explorer: %w", err)
	}
	return nil
}

// Init lists the root level and asks the source how it is.
func (m *Model) Init() tea.Cmd {
	m.c.logf("start: root %s", m.c.root)
	return tea.Batch(m.tree.init(), statusCmd(m.c), loadCRDsCmd(m.c), loadNamespacesCmd(m.c))
}

// Update routes a message: global keys, then window size, then data
// messages to the pane that owns them, then other keys to the focused pane.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case tea.KeyMsg:
		cmd = m.handleKey(msg)
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.layout()
	case tea.MouseMsg:
		cmd = m.handleMouse(msg)
	case childrenMsg:
		m.noteErr(msg.err)
		m.tree, cmd = m.tree.Update(msg)
	case countsMsg:
		m.tree, cmd = m.tree.Update(msg)
	case objectLoadedMsg:
		m.noteErr(msg.err)
		m.obj, cmd = m.obj.Update(msg)
	case objectRenderedMsg:
		m.obj, cmd = m.obj.Update(msg)
	case kindListMsg:
		m.noteErr(msg.err)
		m.list, cmd = m.list.Update(msg)
		if it := m.list.selected(); it != nil && msg.gen == m.list.gen {
			cmd = tea.Batch(cmd, m.schedulePreview(it.key))
		}
	case listAgesMsg:
		m.list, cmd = m.list.Update(msg)
	case historyMsg:
		m.noteErr(msg.err)
		m.hist, cmd = m.hist.Update(msg)
		m.layout()
	case historyDiffMsg:
		m.hist, cmd = m.hist.Update(msg)
	case promptDoneMsg, promptChangedMsg, promptCancelMsg:
		cmd = m.handlePrompt(msg)
	case openKeyMsg:
		cmd = m.openKey(msg.key, msg.focus)
	case previewMsg:
		cmd = m.preview(msg)
	case statusMsg, statusTickMsg, crdsMsg, namespacesMsg:
		cmd = m.handleSource(msg)
	case watchStartedMsg, watchEventsMsg, watchRetryMsg, rateTickMsg:
		cmd = m.handleWatch(msg)
	case markTickMsg:
		cmd = m.handleMarkTick()
	case copiedMsg:
		cmd = m.handleDone(msg.err, "copied to the clipboard")
	case savedMsg:
		cmd = m.handleDone(msg.err, "saved to "+msg.path)
	}
	m.syncKeys()
	return m, cmd
}

// syncKeys enables the bindings that do something now.
func (m *Model) syncKeys() {
	selLeaf := false
	// Until the status says the source is a snapshot, try: a source that
	// cannot watch answers with an error in the status line.
	canWatch := m.st.snapshot == ""
	switch m.left {
	case leftTree:
		_, selLeaf = m.tree.selectedKey()
		if m.tree.selected() == nil {
			canWatch = false
		}
	case leftList:
		selLeaf = m.list.selected() != nil
	}
	m.keys.setEnabled(keyState{
		focus: m.focus, left: m.left, right: m.right,
		hasObject:    m.obj.has,
		objectIsDoc:  m.obj.r.isDoc,
		hasManaged:   m.obj.r.folded > 0,
		hasSecret:    m.obj.r.secret,
		revealed:     m.obj.opts.reveal,
		raw:          m.obj.opts.mode == modeRaw,
		selectedLeaf: selLeaf,
		canWatch:     canWatch,
		watching:     m.w.on,
		paused:       m.w.paused,
		searching:    m.obj.search != "",
		history:      len(m.hist.revs) > 0,
		treeFiltered: m.left == leftTree && m.tree.level().filter != "",
		hasError:     m.st.lastErr != "",
	})
}

// noteErr shows a failure in the status line.
func (m *Model) noteErr(err error) {
	if err == nil || errors.Is(err, context.Canceled) {
		return
	}
	m.st.lastErr = err.Error()
	m.c.logf("error: %v", err)
}

func (m *Model) handleKey(msg tea.KeyMsg) tea.Cmd {
	k := &m.keys
	if key.Matches(msg, k.ForceQuit) {
		return m.quit()
	}
	if m.prompt.active() {
		var cmd tea.Cmd
		m.prompt, cmd = m.prompt.Update(msg)
		return cmd
	}
	if m.right == rightHelp {
		switch {
		case key.Matches(msg, k.Quit):
			return m.quit()
		case key.Matches(msg, k.Help), key.Matches(msg, k.Back):
			m.right = m.helpFrom
			m.layout()
		}
		return nil
	}
	switch {
	case key.Matches(msg, k.Quit):
		return m.quit()
	case key.Matches(msg, k.Help):
		m.helpFrom, m.right = m.right, rightHelp
		m.layout()
		return nil
	case key.Matches(msg, k.Tab):
		m.cycleFocus(msg.String() == "shift+tab")
		return nil
	case key.Matches(msg, k.Command):
		return m.prompt.start(promptCommand, "")
	case key.Matches(msg, k.Filter):
		return m.startFilter()
	case key.Matches(msg, k.Watch):
		return m.toggleWatch()
	case key.Matches(msg, k.Pause):
		return m.togglePause()
	case key.Matches(msg, k.History):
		return m.openHistory()
	case key.Matches(msg, k.YAMLJSON):
		return m.obj.toggle(func(o *renderOpts) {
			o.mode = map[viewMode]viewMode{modeYAML: modeJSON, modeJSON: modeYAML}[o.mode]
		})
	case key.Matches(msg, k.Managed):
		return m.obj.toggle(func(o *renderOpts) { o.managed = !o.managed })
	case key.Matches(msg, k.Reveal):
		cmd := m.obj.toggle(func(o *renderOpts) { o.reveal = !o.reveal })
		if m.right == rightHistory {
			return tea.Batch(cmd, m.hist.setReveal(m.obj.opts.reveal))
		}
		return cmd
	case key.Matches(msg, k.Raw):
		return m.obj.toggle(func(o *renderOpts) {
			if o.mode == modeRaw {
				o.mode = modeYAML
			} else {
				o.mode = modeRaw
			}
		})
	case key.Matches(msg, k.Copy):
		return copyCmd(m.c.clip, m.obj.shownText())
	case key.Matches(msg, k.Save):
		return m.prompt.start(promptSave, defaultSaveName(m.obj.key, m.obj.opts.mode))
	case key.Matches(msg, k.Back) && m.back():
		return nil
	}
	return m.routeKey(msg)
}

// routeKey gives a key to the focused pane and previews a key the tree
// cursor comes to rest on.
func (m *Model) routeKey(msg tea.KeyMsg) tea.Cmd {
	var cmd tea.Cmd
	switch m.focus {
	case focusLeft:
		if m.left == leftList {
			before := m.list.selected()
			m.list, cmd = m.list.Update(msg)
			if after := m.list.selected(); after != nil && after != before {
				return tea.Batch(cmd, m.schedulePreview(after.key))
			}
			return cmd
		}
		before, _ := m.tree.selectedKey()
		m.tree, cmd = m.tree.Update(msg)
		if after, leaf := m.tree.selectedKey(); leaf && after != before {
			return tea.Batch(cmd, m.schedulePreview(after))
		}
		return cmd
	case focusRight:
		if m.right == rightHistory {
			m.hist, cmd = m.hist.Update(msg)
			return cmd
		}
		m.obj, cmd = m.obj.Update(msg)
		return cmd
	case focusEvents:
		m.events, cmd = m.events.Update(msg)
		return cmd
	}
	return nil
}

// back handles esc: closes history or a search, leaves a kind list, clears
// a filter or an error. It reports whether esc did something.
func (m *Model) back() bool {
	switch {
	case m.focus == focusRight && m.right == rightObject && m.obj.search != "":
		return false // the object pane clears its search
	case m.right == rightHistory:
		m.right = rightObject
		if m.focus == focusRight {
			m.layout()
		}
		return true
	case m.left == leftList && m.focus == focusLeft && m.list.filter != "":
		m.list.setFilter("")
		return true
	case m.left == leftList:
		m.left = leftTree
		m.setFocus(focusLeft)
		return true
	case m.left == leftTree && m.tree.level().filter != "":
		m.tree.setFilter(m.tree.level(), "")
		return true
	case m.st.lastErr != "":
		m.st.lastErr = ""
		return true
	}
	return false
}

func (m *Model) quit() tea.Cmd {
	m.stopWatch()
	return tea.Quit
}

func (m *Model) cycleFocus(backward bool) {
	order := []focusArea{focusLeft, focusRight}
	if m.geo.eventsH > 0 {
		order = append(order, focusEvents)
	}
	i := 0
	for j, f := range order {
		if f == m.focus {
			i = j
		}
	}
	d := 1
	if backward {
		d = len(order) - 1
	}
	m.setFocus(order[(i+d)%len(order)])
}

func (m *Model) setFocus(f focusArea) {
	m.focus = f
	m.tree.Blur()
	m.list.Blur()
	m.obj.Blur()
	m.hist.Blur()
	m.events.Blur()
	switch f {
	case focusLeft:
		m.tree.Focus()
		m.list.Focus()
	case focusRight:
		m.obj.Focus()
		m.hist.Focus()
	case focusEvents:
		m.events.Focus()
	}
}

// openKey shows a key in the object pane.
func (m *Model) openKey(k string, focus bool) tea.Cmd {
	if m.right == rightHelp {
		m.right = rightObject
	}
	if m.right == rightHistory && focus {
		m.right = rightObject
	}
	if focus {
		m.setFocus(focusRight)
	}
	m.c.logf("open %q", decode.EscapeKey(k))
	return m.obj.open(k)
}

// previewMsg fires when the cursor has rested on a key.
type previewMsg struct {
	gen int
	key string
}

func (m *Model) schedulePreview(k string) tea.Cmd {
	m.previewGen++
	gen := m.previewGen
	return tea.Tick(previewDelay, func(time.Time) tea.Msg { return previewMsg{gen: gen, key: k} })
}

func (m *Model) preview(msg previewMsg) tea.Cmd {
	if msg.gen != m.previewGen || m.right != rightObject {
		return nil
	}
	return m.obj.open(msg.key)
}

func (m *Model) startFilter() tea.Cmd {
	switch {
	case m.focus == focusRight && m.right == rightObject:
		return m.prompt.start(promptSearch, m.obj.search)
	case m.left == leftList:
		return m.prompt.start(promptFilter, m.list.filter)
	default:
		m.filterLvl = m.tree.level()
		return m.prompt.start(promptFilter, m.filterLvl.filter)
	}
}

func (m *Model) handlePrompt(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case promptChangedMsg:
		if msg.kind == promptFilter {
			return m.applyFilter(msg.value)
		}
	case promptCancelMsg:
		if msg.kind == promptFilter {
			return m.applyFilter("")
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
			return saveCmd(msg.value, m.obj.shownText())
		}
	}
	return nil
}

func (m *Model) applyFilter(f string) tea.Cmd {
	if m.left == leftList {
		return m.list.setFilter(f)
	}
	m.tree.setFilter(m.filterLvl, f)
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

func (m *Model) openHistory() tea.Cmd {
	k := ""
	switch {
	case m.focus == focusLeft && m.left == leftTree:
		if key, leaf := m.tree.selectedKey(); leaf {
			k = key
		}
	case m.focus == focusLeft && m.left == leftList:
		if it := m.list.selected(); it != nil {
			k = it.key
		}
	}
	if k == "" {
		k = m.obj.key
	}
	if k == "" {
		return nil
	}
	m.right = rightHistory
	m.setFocus(focusRight)
	m.layout()
	return m.hist.open(k, m.obj.opts.reveal)
}

// handleMarkTick clears old highlights while some remain.
func (m *Model) handleMarkTick() tea.Cmd {
	if m.tree.sweep(m.c.now()) {
		return markTickCmd()
	}
	m.markTicking = false
	return nil
}

// markTickMsg clears expired row highlights.
type markTickMsg struct{}

func markTickCmd() tea.Cmd {
	return tea.Tick(markTTL/4, func(time.Time) tea.Msg { return markTickMsg{} })
}

func (m *Model) handleDone(err error, ok string) tea.Cmd {
	if err != nil {
		m.noteErr(err)
		return nil
	}
	m.obj.message = ok
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
			if it := m.list.selected(); it != nil {
				return m.schedulePreview(it.key)
			}
			return nil
		}
		if wheel != 0 {
			m.tree.scroll(wheel)
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
	m.geo = geometry{leftW: leftW, panesH: panesH, eventsH: evH}
	m.tree.SetSize(leftW-2, panesH-2)
	m.list.SetSize(leftW-2, panesH-2)
	m.obj.SetSize(w-leftW-2, panesH-2)
	m.hist.SetSize(w-leftW-2, panesH-2)
	m.events.SetSize(w-2, max(evH-2, 0))
	m.prompt.SetSize(w)
	m.help.Width = w - 4
	if evH == 0 && m.focus == focusEvents {
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
		body = box(s, "help", m.help.FullHelpView(m.keys.FullHelp()), m.width, g.panesH, true)
	} else {
		var left, right string
		if m.left == leftList {
			left = box(s, m.list.title(), m.list.View(), g.leftW, g.panesH, m.focus == focusLeft)
		} else {
			left = box(s, m.tree.breadcrumbs(), m.tree.View(), g.leftW, g.panesH, m.focus == focusLeft)
		}
		if m.right == rightHistory {
			right = box(s, m.hist.title(), m.hist.View(), m.width-g.leftW, g.panesH, m.focus == focusRight)
		} else {
			title := m.obj.title()
			if p := m.obj.scrollPercent(); p != "" {
				title += " " + p
			}
			right = box(s, title, m.obj.View(), m.width-g.leftW, g.panesH, m.focus == focusRight)
		}
		body = lipgloss.JoinHorizontal(lipgloss.Top, left, right)
	}
	parts := []string{m.headerView(), body}
	if g.eventsH > 0 {
		title := "events"
		if m.w.on {
			title += fmt.Sprintf(" %s · %d ev/s", decode.EscapeKey(m.w.prefix), m.w.rate)
			if m.w.paused {
				title += fmt.Sprintf(" · paused, %s held", formatCount(int64(len(m.w.held))))
			}
		}
		parts = append(parts, box(s, title, m.events.View(), m.width, g.eventsH, m.focus == focusEvents))
	}
	parts = append(parts, m.footerView())
	return strings.Join(parts, "\n")
}

func (m *Model) headerView() string {
	s := m.c.styles
	var parts []string
	if m.st.rev > 0 {
		parts = append(parts, s.HeaderDim.Render("rev "+formatCount(m.st.rev)))
	}
	switch {
	case !m.st.checked:
		parts = append(parts, s.HeaderDim.Render("○ connecting"))
	case m.st.connErr != "":
		parts = append(parts, s.StateBad.Render("✗ unreachable"))
	default:
		parts = append(parts, s.StateOK.Render("● "+m.st.state))
	}
	// The watch's prefix is in the event log's title; the header says
	// that one runs and how fast (the source name gives way first).
	if m.w.on {
		w := fmt.Sprintf("◉ watching %d ev/s", m.w.rate)
		if m.w.paused {
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
	return fit(" "+m.help.ShortHelpView(m.keys.ShortHelp()), m.width)
}
