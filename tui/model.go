// Package tui is etcdscope's interactive explorer: a bubbletea program over
// an etcdsrc.Source with a lazily listed key tree, an object pane that shows
// decoded values, a live watch with an event log, key history with diffs,
// and k9s-like lists of one resource kind.
//
// Only the root Model implements tea.Model. The panes are plain structs the
// root sizes, focuses and feeds, each owning its keys; what the tree shows
// is a plain model (tui/keytree). Every read of etcd runs in a tea.Cmd that
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
	"sync"
	"time"

	"github.com/charmbracelet/bubbles/help"
	tea "github.com/charmbracelet/bubbletea"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/etcdscope/etcdscope/decode"
	"github.com/etcdscope/etcdscope/etcdsrc"
	"github.com/etcdscope/etcdscope/tui/keytree"
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
	// Roots, when several, are shown side by side at the top of the
	// tree (OpenShift's /kubernetes.io and /openshift.io); Root is then
	// the first, the one kind lists read.
	Roots []string
	// Rev, when not 0, shows everything as of that revision: the tree,
	// lists, objects and stats; there is no watch then.
	Rev int64
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
	rightStats
	rightDeleted
	rightHelp
)

// previewDelay lets the cursor rest on a key before it is read, so holding
// j over a long level does not read every key it passes.
const previewDelay = 120 * time.Millisecond

// quitWait bounds how long the explorer waits, after the screen closed,
// for reads in flight to see their cancellation.
const quitWait = 3 * time.Second

// Model is the explorer's root model.
type Model struct {
	c      *common
	help   help.Model
	width  int
	height int

	tree   treePane
	list   listPane
	obj    objectPane
	hist   historyPane
	stats  statsPane
	gone   deletedPane
	events eventPane
	prompt promptPane

	focus     focusArea
	left      leftMode
	right     rightMode
	helpFrom  rightMode
	filterLvl string // the tree level a "/" filter applies to
	zoom      bool   // the focused pane fills the screen (f)

	st          sourceState
	w           watchState
	previewGen  int
	markTicking bool
	// pendingSave is the path a save found taken, waiting for the user
	// to say whether to overwrite it.
	pendingSave string
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
	if root == "" && len(opts.Roots) > 0 {
		root = strings.TrimSuffix(opts.Roots[0], "/")
	}
	if root == "" {
		root = decode.DefaultRoot
	}
	roots := []string{root}
	for _, r := range opts.Roots {
		if r = strings.TrimSuffix(r, "/"); r != root && r != "" {
			roots = append(roots, r)
		}
	}
	clip := opts.Clipboard
	if clip == nil {
		clip = os.Stdout
	}
	ctx, cancel := context.WithCancel(ctx)
	m := &Model{help: help.New()}
	m.c = &common{
		ctx: ctx, cancel: cancel, src: opts.Source, dec: opts.Decoder, cat: decode.NewCatalog(),
		root: root, roots: roots, title: opts.Title, styles: NewStyles(), keys: newKeyMaps(),
		debug: opts.Debug, clip: clip, now: time.Now, pageSize: treePageSize,
		inFlight: &sync.WaitGroup{}, rev: opts.Rev,
	}
	m.help.Styles = m.c.styles.Help
	m.tree = newTreePane(m.c)
	m.tree.tree.PinRevision(opts.Rev)
	m.list = newListPane(m.c)
	m.obj = newObjectPane(m.c)
	m.hist = newHistoryPane(m.c)
	m.stats = newStatsPane(m.c)
	m.gone = newDeletedPane(m.c)
	m.events = newEventPane(m.c)
	m.prompt = newPromptPane(m.c)
	m.prompt.setCompletion(kindNames(m.c.cat), nil)
	m.tree.Focus()
	return m
}

// Run runs the explorer full screen until the user quits or ctx ends.
// Before it returns, every read still in flight has been cancelled and,
// within a few seconds, has ended, so the caller may close the source.
func Run(ctx context.Context, opts Options) error {
	if opts.Source == nil {
		return errors.New("run explorer: no source")
	}
	m := newModel(ctx, opts)
	p := tea.NewProgram(m, tea.WithAltScreen(), tea.WithMouseCellMotion(), tea.WithContext(ctx))
	_, err := p.Run()
	m.shutdown()
	if err != nil && ctx.Err() != nil && errors.Is(err, tea.ErrProgramKilled) {
		return nil // the caller ended it: a normal end
	}
	if err != nil {
		return fmt.Errorf("run explorer: %w", err)
	}
	return nil
}

// shutdown cancels the watch and every read in flight and waits, a
// bounded time, for them to end.
func (m *Model) shutdown() {
	m.stopWatch()
	m.stats.stop()
	m.c.close()
	done := make(chan struct{})
	go func() { m.c.inFlight.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(quitWait):
		m.c.logf("quit: reads still running after %s", quitWait)
	}
}

// Init lists the root level and asks the source how it is.
func (m *Model) Init() tea.Cmd {
	m.c.logf("start: root %s", m.c.root)
	return tea.Batch(m.tree.init(), m.pollStatus(), loadCRDsCmd(m.c), loadNamespacesCmd(m.c))
}

// Update routes a message: keys (global ones first, then the focused
// pane's), window size to layout, data messages to the pane that owns
// them.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if succeeded(msg) {
		m.st.lastErr = "" // an error shows until the next thing that works
	}
	cmd := m.route(msg)
	if failedRead(msg) {
		// A read failed: ask at once how the source is, rather than at
		// the next poll, so a lost cluster shows now.
		cmd = tea.Batch(cmd, m.pollStatus())
	}
	return m, cmd
}

// route hands a message to what owns it.
func (m *Model) route(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case tea.KeyMsg:
		cmd = m.handleKeys(msg)
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.layout()
		cmd = m.obj.fitWidth()
	case tea.MouseMsg:
		cmd = m.handleMouse(msg)
	case childrenMsg:
		m.noteErr(msg.err)
		m.tree, cmd = m.tree.Update(msg)
		cmd = tea.Batch(cmd, m.startWatchWhenListed())
	case countsMsg:
		m.tree, cmd = m.tree.Update(msg)
		cmd = tea.Batch(cmd, m.startWatchWhenListed())
	case objectLoadedMsg:
		m.noteErr(msg.err)
		m.obj, cmd = m.obj.Update(msg)
	case objectRenderedMsg:
		m.obj, cmd = m.obj.Update(msg)
	case kindListMsg:
		m.noteErr(msg.err)
		m.list, cmd = m.list.Update(msg)
		if it, ok := m.list.selected(); ok && msg.gen == m.list.gen {
			cmd = tea.Batch(cmd, m.schedulePreview(it.Key))
		}
		cmd = tea.Batch(cmd, m.startWatchWhenListed())
	case listRowsMsg:
		m.list, cmd = m.list.Update(msg)
	case listSortMsg:
		m.noteErr(msg.err)
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
	case openHistoryMsg:
		cmd = m.openHistoryAt(msg.key, msg.rev)
	case eventSummariesMsg:
		m.events, cmd = m.events.Update(msg)
	case statsProgressMsg, statsDoneMsg:
		m.stats, cmd = m.stats.Update(msg)
	case statsGoMsg:
		cmd = m.statsGo(msg)
	case deletedMsg:
		m.noteErr(msg.err)
		m.gone, cmd = m.gone.Update(msg)
	case openRevisionMsg:
		m.right = rightObject
		m.setFocus(focusRight)
		m.previewGen++
		cmd = m.obj.openAt(msg.key, msg.rev)
	case previewMsg:
		cmd = m.preview(msg)
	case statusMsg, statusTickMsg, crdsMsg, namespacesMsg:
		cmd = m.handleSource(msg)
	case watchStartedMsg, watchEventsMsg, watchRetryMsg, rateTickMsg, watchedValueMsg, watchNowMsg:
		cmd = m.handleWatch(msg)
	case markTickMsg:
		cmd = m.handleMarkTick()
	case copiedMsg:
		cmd = m.handleDone(msg.err, msg.note)
	case savedMsg:
		cmd = m.handleSaved(msg)
	}
	return cmd
}

// succeeded reports a reply of something the user asked for that worked.
func succeeded(msg tea.Msg) bool {
	switch msg := msg.(type) {
	case childrenMsg:
		return msg.err == nil
	case objectLoadedMsg:
		return msg.err == nil
	case kindListMsg:
		return msg.err == nil
	case historyMsg:
		return msg.err == nil
	case copiedMsg:
		return msg.err == nil
	case savedMsg:
		return msg.err == nil && !msg.exists
	}
	return false
}

// failedRead reports a reply of a read that failed for want of an answer
// (not a missing key or a refused permission).
func failedRead(msg tea.Msg) bool {
	var err error
	switch msg := msg.(type) {
	case childrenMsg:
		err = msg.err
	case objectLoadedMsg:
		err = msg.err
	case kindListMsg:
		err = msg.err
	case historyMsg:
		err = msg.err
	}
	return err != nil && (errors.Is(err, context.DeadlineExceeded) || status.Code(err) == codes.Unavailable ||
		strings.Contains(err.Error(), "connection refused"))
}

// noteErr shows a failure in the status line.
func (m *Model) noteErr(err error) {
	if err == nil || errors.Is(err, context.Canceled) {
		return
	}
	m.st.lastErr = err.Error()
	m.c.logf("error: %v", err)
}

func (m *Model) quit() tea.Cmd {
	m.stopWatch()
	return tea.Quit
}

func (m *Model) cycleFocus(backward bool) {
	order := []focusArea{focusLeft, focusRight}
	if m.geo.eventsH > 0 || (m.zoom && (m.w.on || len(m.events.rows) > 0)) {
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
	if m.zoom {
		m.layout() // the zoom follows the focus
	}
}

func (m *Model) setFocus(f focusArea) {
	m.focus = f
	m.tree.Blur()
	m.list.Blur()
	m.obj.Blur()
	m.hist.Blur()
	m.stats.Blur()
	m.gone.Blur()
	m.events.Blur()
	switch f {
	case focusLeft:
		m.tree.Focus()
		m.list.Focus()
	case focusRight:
		m.obj.Focus()
		m.hist.Focus()
		m.stats.Focus()
		m.gone.Focus()
	case focusEvents:
		m.events.Focus()
	}
}

// openKey shows a key in the object pane.
func (m *Model) openKey(k string, focus bool) tea.Cmd {
	if m.right == rightHelp {
		m.right = rightObject
	}
	if (m.right == rightHistory || m.right == rightStats || m.right == rightDeleted) && focus {
		m.right = rightObject
	}
	if focus {
		m.setFocus(focusRight)
		m.previewGen++ // a preview on its way would replace what was asked for
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

// handleMarkTick clears old highlights while some remain.
func (m *Model) handleMarkTick() tea.Cmd {
	treeMarks := m.tree.sweep()
	if m.list.sweep() || treeMarks {
		return markTickCmd()
	}
	m.markTicking = false
	return nil
}

// markTickMsg clears expired row highlights.
type markTickMsg struct{}

func markTickCmd() tea.Cmd {
	return tea.Tick(keytree.MarkTTL/4, func(time.Time) tea.Msg { return markTickMsg{} })
}

func (m *Model) handleDone(err error, ok string) tea.Cmd {
	if err != nil {
		m.noteErr(err)
		return nil
	}
	m.obj.message = ok
	return nil
}
