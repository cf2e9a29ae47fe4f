package tui

import (
	"context"
	"strings"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/etcdscope/etcdscope/decode"
	"github.com/etcdscope/etcdscope/etcdsrc"
	"github.com/etcdscope/etcdscope/etcdsrc/stats"
)

// Watch tuning.
const (
	// watchBatch is the most events one message carries: a burst becomes a
	// few messages (and a few renders), not one per event.
	watchBatch = 4096
	// pausedCap bounds what a paused watch holds; past it the tree is
	// listed again on resume instead.
	pausedCap = 200_000
	// watchRetryEvery is the wait before a failed watch starts again.
	watchRetryEvery = time.Second
)

// watchState is the running watch.
type watchState struct {
	on     bool
	prefix string
	gen    int
	pump   *eventPump
	cancel context.CancelFunc
	paused bool
	held   []etcdsrc.Event
	// heldStripped: held[:heldStripped] let go of their values.
	heldStripped int
	overflow     bool
	count        int // events since the last rate tick
	// taken is every change taken in since the watch began, logged
	// each second it grew, so bench/explorer.sh can tell none was lost.
	taken, logged int
	// seconds holds the event counts of the last rateWindow seconds, so
	// a bursty source (the demo writes every few seconds) reads as its
	// average rather than flicking between 0 and a peak.
	seconds [rateWindow]int
	tick    int
	rate    int // events per second over the window
	// waiting: the watch starts once what it follows is listed.
	waiting bool
	// early: the follow started before the listing, from the revision w
	// was pressed at; its events are taken in once the listing lands.
	early bool
	// asking: the revision w was pressed at is being read.
	asking bool
	// live is the first revision after w was pressed when the follow
	// started before it, to catch an open list up: earlier changes are
	// applied, neither logged nor counted.
	live int64
	// down: the follow lost its member or leader and is reconnecting.
	down bool
	// byResource counts the changes per resource since the watch began,
	// at started, for the stats view's events per second.
	byResource map[string]int
	started    time.Time
}

// rateWindow is how many seconds the watch rate averages.
const rateWindow = 5

// sampleRate ends one second of counting: the rate becomes the average of
// the seconds seen so far, up to the last rateWindow.
func (w *watchState) sampleRate() {
	w.seconds[w.tick%rateWindow] = w.count
	w.tick++
	w.count = 0
	sum := 0
	for _, n := range w.seconds {
		sum += n
	}
	w.rate = sum / min(w.tick, rateWindow)
}

// watchStartedMsg carries a started watch's channel.
type watchStartedMsg struct {
	gen int
	ch  <-chan etcdsrc.Event
	err error
}

// watchEventsMsg carries a batch of events; closed when the stream ended.
type watchEventsMsg struct {
	gen    int
	events []etcdsrc.Event
	closed bool
}

// watchedValueMsg carries the open key's change read again, its event
// having waited in the pump without its value.
type watchedValueMsg struct {
	gen int
	ev  etcdsrc.Event
}

// watchRetryMsg restarts a watch that ended.
type watchRetryMsg struct{ gen int }

// rateTickMsg samples the event rate each second.
type rateTickMsg struct{ gen int }

// startWatchCmd follows prefix from rev on. The follow rides out a lost
// member or leader by itself (transient errors arrive as events) and ends
// at a compaction, after which the explorer lists what it shows again.
func startWatchCmd(c *common, ctx context.Context, gen int, prefix string, rev int64) tea.Cmd {
	return c.io(func() tea.Msg {
		ch, err := etcdsrc.Follow(ctx, c.src, prefix, etcdsrc.FollowOptions{Rev: rev, StopAtCompaction: true})
		return watchStartedMsg{gen: gen, ch: ch, err: err}
	})
}

// waitForEvents waits for events in the pump and takes what waits, up to
// watchBatch. It is re-armed after each message.
func waitForEvents(gen int, p *eventPump) tea.Cmd {
	if p == nil {
		return nil // no follow running: nothing to wait for
	}
	return func() tea.Msg {
		for {
			evs, closed, ok := p.take()
			if ok || closed {
				return watchEventsMsg{gen: gen, events: evs, closed: closed}
			}
			<-p.wake
		}
	}
}

func rateTickCmd(gen int) tea.Cmd {
	return tea.Tick(time.Second, func(time.Time) tea.Msg { return rateTickMsg{gen: gen} })
}

// watchPrefix is the directory w watches: the open kind list, the
// selected directory, or the level of a selected key.
func (m *Model) watchPrefix() string {
	if m.left == leftList {
		return m.list.prefix
	}
	n := m.tree.selected()
	if n == nil {
		return m.tree.level().Key
	}
	if n.Leaf && n.Parent != nil {
		return n.Parent.Key
	}
	return n.Key
}

// toggleWatch starts or stops the watch. A watch starts from now: what
// is shown under the prefix is listed again at the current revision, and
// the watch starts right after that listing, so the log holds live events
// only.
func (m *Model) toggleWatch() tea.Cmd {
	if m.w.on {
		m.stopWatch()
		m.layout()
		return nil
	}
	m.w = watchState{on: true, prefix: m.watchPrefix(), gen: m.w.gen + 1, waiting: true, early: true, asking: true}
	m.layout()
	m.c.logf("watch %q", decode.EscapeKey(m.w.prefix))
	return tea.Batch(nowRevCmd(m.c, m.w.gen, m.w.prefix), rateTickCmd(m.w.gen))
}

// watchNowMsg carries the current revision, read when w was pressed.
type watchNowMsg struct {
	gen int
	rev int64
	err error
}

// nowRevCmd reads the current revision with a narrow read under prefix.
func nowRevCmd(c *common, gen int, prefix string) tea.Cmd {
	return c.io(func() tea.Msg {
		ctx, cancel := context.WithTimeout(c.ctx, ioTimeout)
		defer cancel()
		page, err := c.src.Children(ctx, prefix, etcdsrc.ChildrenOptions{Limit: 1})
		return watchNowMsg{gen: gen, rev: page.Rev, err: err}
	})
}

// watchNow follows from just after the revision w was pressed at, and
// lists again what is shown, at a revision no older. The follow's events
// wait in its pump, a few dozen bytes each, until the listing lands; then
// the ones the listing holds already are skipped by revision. Watching
// from the listing's revision instead would have etcd send the whole
// backlog of a long listing at once, values and previous values, faster
// than it can be shown.
func (m *Model) watchNow(msg watchNowMsg) tea.Cmd {
	if msg.gen != m.w.gen || !m.w.on {
		return nil
	}
	m.w.asking = false
	if msg.err != nil || msg.rev <= 0 {
		m.w.early = false
		// Listing first and following from its revision works too.
		return tea.Batch(m.relistShown(m.w.prefix), m.startWatchWhenListed())
	}
	from, relist := msg.rev+1, tea.Cmd(nil)
	if l := &m.list; m.left == leftList && l.prefix == m.w.prefix && !l.loading && l.err == nil &&
		l.rev > 0 && msg.rev-l.rev <= catchUpRevs {
		// The open list is nearly current: the follow catches it up from
		// its revision instead of listing it all again.
		from, m.w.live = l.rev+1, msg.rev+1
		m.w.early, m.w.waiting = false, false
	} else {
		relist = m.relistShown(m.w.prefix)
	}
	if m.w.cancel != nil {
		m.w.cancel()
	}
	ctx, cancel := context.WithCancel(m.c.ctx)
	m.w.cancel, m.w.pump = cancel, nil
	return tea.Batch(relist, startWatchCmd(m.c, ctx, m.w.gen, m.w.prefix, from))
}

// catchUpRevs is how far behind the current revision an open list may be
// for w to catch it up by following from its revision rather than list
// it again: the changes in between come at once, whole, so few of them.
const catchUpRevs = 1000

// isLive tells a change that happened since w was pressed from one that
// only catches an open list up to then.
func (w *watchState) isLive(ev etcdsrc.Event) bool {
	return ev.Revision >= w.live || (ev.Type != etcdsrc.EventPut && ev.Type != etcdsrc.EventDelete)
}

// watchFrom is the revision the watch starts at: just after the oldest
// revision of what is shown under the prefix, so nothing between listing
// and watching is missed; events a level already holds are skipped by
// revision. 0 while a listing is still in flight.
func (m *Model) watchFrom() (int64, bool) {
	listed := m.list.prefix != "" && strings.HasPrefix(m.list.prefix, m.w.prefix)
	if listed && m.list.loading {
		return 0, false
	}
	if m.left == leftList && m.list.prefix == m.w.prefix {
		return m.list.rev + 1, true
	}
	if m.tree.tree.Busy(m.w.prefix) {
		return 0, false
	}
	rev := m.tree.tree.MinRev(m.w.prefix)
	if listed && m.list.rev > 0 && (rev == 0 || m.list.rev < rev) {
		rev = m.list.rev // an open kind list follows the watch too
	}
	return rev + 1, true
}

// relistShown lists again what the watch of prefix follows: the tree's
// levels under it, and the open kind list when it lies under it.
func (m *Model) relistShown(prefix string) tea.Cmd {
	var cmds []tea.Cmd
	if m.list.prefix != "" && strings.HasPrefix(m.list.prefix, prefix) {
		cmds = append(cmds, m.list.reload())
	}
	if m.left == leftTree || m.list.prefix != prefix {
		cmds = append(cmds, m.tree.relist(prefix))
	}
	return tea.Batch(cmds...)
}

// startWatchWhenListed starts the follow once what it follows is listed.
func (m *Model) startWatchWhenListed() tea.Cmd {
	if !m.w.on || !m.w.waiting || m.w.asking {
		return nil
	}
	rev, ok := m.watchFrom()
	if !ok {
		return nil // called again when the listing lands
	}
	m.w.waiting = false
	if m.w.early {
		// The follow started before the listing: take in what waits.
		m.w.early = false
		if m.w.pump == nil {
			return nil // taken in once the follow starts
		}
		return waitForEvents(m.w.gen, m.w.pump)
	}
	if m.w.cancel != nil {
		m.w.cancel()
	}
	ctx, cancel := context.WithCancel(m.c.ctx)
	m.w.cancel, m.w.pump = cancel, nil
	return startWatchCmd(m.c, ctx, m.w.gen, m.w.prefix, rev)
}

func (m *Model) stopWatch() {
	if m.w.cancel != nil {
		m.w.cancel()
	}
	m.w = watchState{gen: m.w.gen + 1}
}

func (m *Model) togglePause() tea.Cmd {
	if !m.w.on {
		return nil
	}
	m.w.paused = !m.w.paused
	if m.w.paused {
		return nil
	}
	held, overflow := m.w.held, m.w.overflow
	m.w.held, m.w.overflow, m.w.heldStripped = nil, false, 0
	if overflow {
		return m.relistWatched()
	}
	return m.applyEvents(held)
}

// relistWatched lists the watched prefix again and follows from there:
// after a compaction, or when a pause held more than it can.
func (m *Model) relistWatched() tea.Cmd {
	if m.w.cancel != nil {
		m.w.cancel()
	}
	m.w.cancel, m.w.pump, m.w.waiting = nil, nil, true
	m.w.gen++
	return tea.Batch(m.relistShown(m.w.prefix), rateTickCmd(m.w.gen), m.startWatchWhenListed())
}

func (m *Model) handleWatch(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case watchStartedMsg:
		if msg.gen != m.w.gen || !m.w.on {
			return nil
		}
		if msg.err != nil {
			m.noteErr(msg.err)
			m.w.early = false // the retry follows from the listing
			return m.retryWatchCmd()
		}
		m.w.pump = newEventPump(m.w.prefix, msg.ch)
		if m.w.waiting {
			return nil // the events wait in the pump until the listing lands
		}
		return waitForEvents(m.w.gen, m.w.pump)
	case watchEventsMsg:
		if msg.gen != m.w.gen || !m.w.on {
			return nil
		}
		if m.w.byResource == nil {
			m.w.byResource, m.w.started = map[string]int{}, m.c.now()
		}
		for _, ev := range msg.events {
			if (ev.Type == etcdsrc.EventPut || ev.Type == etcdsrc.EventDelete) && m.w.isLive(ev) {
				m.w.count++ // the rate counts changes, paused or not
				m.w.taken++
				m.w.byResource[stats.ResourceOf(m.c.cat, ev.KV.Key, m.c.root)]++
			}
		}
		var cmd tea.Cmd
		if m.w.paused {
			if len(m.w.held)+len(msg.events) > pausedCap {
				m.w.held, m.w.overflow, m.w.heldStripped = nil, true, 0
			} else if !m.w.overflow {
				m.w.held = append(m.w.held, msg.events...)
				// Held long, only the newest keep their values.
				for ; m.w.heldStripped < len(m.w.held)-keepValues; m.w.heldStripped++ {
					m.w.held[m.w.heldStripped].Strip()
				}
			}
		} else {
			cmd = m.applyEvents(msg.events)
		}
		if msg.closed {
			if m.w.gen != msg.gen {
				return cmd // the batch re-listed already (a compaction)
			}
			return tea.Batch(cmd, m.retryWatchCmd())
		}
		// A batch that re-listed (a compaction) let the pump go: the new
		// follow's is waited on once it starts.
		return tea.Batch(cmd, waitForEvents(m.w.gen, m.w.pump))
	case watchNowMsg:
		return m.watchNow(msg)
	case watchedValueMsg:
		if msg.gen != m.w.gen || !m.w.on {
			return nil
		}
		return m.obj.watched(msg.ev)
	case watchRetryMsg:
		if msg.gen != m.w.gen || !m.w.on {
			return nil
		}
		m.w.waiting = true
		return m.startWatchWhenListed()
	case rateTickMsg:
		if msg.gen != m.w.gen || !m.w.on {
			return nil
		}
		m.w.sampleRate()
		if m.w.taken != m.w.logged {
			m.w.logged = m.w.taken
			m.c.logf("watch: %d changes taken in, %d/s", m.w.taken, m.w.rate)
		}
		if m.right == rightStats && m.w.byResource != nil {
			secs := max(m.c.now().Sub(m.w.started).Seconds(), 1)
			rates := make(map[string]float64, len(m.w.byResource))
			for r, n := range m.w.byResource {
				rates[r] = float64(n) / secs
			}
			m.stats.setRates(rates)
		}
		return rateTickCmd(m.w.gen)
	}
	return nil
}

func (m *Model) retryWatchCmd() tea.Cmd {
	gen := m.w.gen
	return tea.Tick(watchRetryEvery, func(time.Time) tea.Msg { return watchRetryMsg{gen: gen} })
}

// applyEvents shows a batch: the log takes every event, the tree follows
// them, the open object is refreshed (decoded) only when its key changed.
func (m *Model) applyEvents(evs []etcdsrc.Event) tea.Cmd {
	if len(evs) == 0 {
		return nil
	}
	now := m.c.now()
	hadLog := len(m.events.rows) > 0
	live := 0
	for live < len(evs) && !m.w.isLive(evs[live]) {
		live++ // events come in revision order
	}
	m.events.addEvents(evs[live:], now)
	if !hadLog && len(m.events.rows) > 0 {
		m.layout()
	}
	cmds := []tea.Cmd{m.events.askSummaries()}
	var last *etcdsrc.Event
	for i := range evs {
		ev := &evs[i]
		switch ev.Type {
		case etcdsrc.EventCompacted:
			m.st.lastErr = "watch fell behind compaction at rev " + formatCount(ev.Revision) + ": listed again"
			cmds = append(cmds, m.relistWatched())
		case etcdsrc.EventError:
			m.noteErr(ev.Err)
			m.w.down = ev.Transient
		default:
			m.w.down = false
			m.st.rev = max(m.st.rev, ev.Revision)
			if ev.KV.Key == m.obj.key {
				last = ev
			}
		}
	}
	treeChanged := m.tree.applyEvents(evs)
	listChanged := m.list.applyEvents(evs)
	if listChanged {
		cmds = append(cmds, m.list.askRows())
	}
	if (listChanged || treeChanged) && !m.markTicking {
		m.markTicking = true
		cmds = append(cmds, markTickCmd())
	}
	switch {
	case last == nil:
	case last.Stripped && last.Type == etcdsrc.EventPut:
		cmds = append(cmds, m.readWatchedCmd(*last))
	default:
		cmds = append(cmds, m.obj.watched(*last))
	}
	return tea.Batch(cmds...)
}

// keepValues is how many of the newest events an eventPump keeps whole;
// older ones waiting in it keep only what the tree and lists need. The
// event log shows no more than eventLogSize of them anyway.
const keepValues = eventLogSize

// pumpedEvent is what an eventPump holds of a put or delete: its key
// after the followed prefix, type, revision, version and value size.
// Whole events (the newest, and errors) wait beside it.
type pumpedEvent struct {
	rel  string
	rev  int64
	ver  int64
	size int32
	typ  etcdsrc.EventType
}

// eventPump reads a follow's events as fast as they come, so that a
// backlog (a watch catching up, a long listing, a slow render) waits
// here, reduced to a few dozen bytes an event, rather than whole, with
// values and previous values, in clientv3's unbounded buffers. The events
// wait in blocks of watchBatch, one message each; every block but the
// last is full.
type eventPump struct {
	prefix string
	mu     sync.Mutex
	blocks [][]pumpedEvent
	base   int64 // the place of blocks[0][0] among all events pushed
	pushed int64
	// newest holds the last keepValues events whole, event i at
	// i%keepValues; others the events that are no put or delete.
	newest [keepValues]etcdsrc.Event
	others map[int64]etcdsrc.Event
	closed bool
	wake   chan struct{}
}

// newEventPump starts pumping ch, a follow of prefix; it stops when ch
// closes.
func newEventPump(prefix string, ch <-chan etcdsrc.Event) *eventPump {
	p := &eventPump{prefix: prefix, others: map[int64]etcdsrc.Event{}, wake: make(chan struct{}, 1)}
	go func() {
		for ev := range ch {
			p.push(ev)
		}
		p.mu.Lock()
		p.closed = true
		p.mu.Unlock()
		p.signal()
	}()
	return p
}

func (p *eventPump) signal() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

func (p *eventPump) push(ev etcdsrc.Event) {
	pe := pumpedEvent{rel: strings.Clone(strings.TrimPrefix(ev.KV.Key, p.prefix)), rev: ev.Revision,
		ver: ev.KV.Version, size: int32(min(ev.ValueSize(), 1<<31-1)), typ: ev.Type}
	p.mu.Lock()
	if n := len(p.blocks); n == 0 || len(p.blocks[n-1]) == watchBatch {
		p.blocks = append(p.blocks, make([]pumpedEvent, 0, watchBatch))
	}
	last := &p.blocks[len(p.blocks)-1]
	*last = append(*last, pe)
	if ev.Type == etcdsrc.EventPut || ev.Type == etcdsrc.EventDelete {
		p.newest[p.pushed%keepValues] = ev
	} else {
		p.others[p.pushed] = ev
	}
	p.pushed++
	p.mu.Unlock()
	p.signal()
}

// take removes the oldest block; ok is false when none waits. closed says
// the follow ended and nothing more will come.
func (p *eventPump) take() (evs []etcdsrc.Event, closed, ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.blocks) == 0 {
		return nil, p.closed, false
	}
	b := p.blocks[0]
	p.blocks[0] = nil
	p.blocks = p.blocks[1:]
	evs = make([]etcdsrc.Event, len(b))
	for i, pe := range b {
		seq := p.base + int64(i)
		switch ev, other := p.others[seq]; {
		case other:
			evs[i] = ev
			delete(p.others, seq)
		case seq >= p.pushed-keepValues:
			evs[i] = p.newest[seq%keepValues]
			p.newest[seq%keepValues] = etcdsrc.Event{} // taken: its values go with it
		default:
			evs[i] = etcdsrc.Event{Type: pe.typ, Revision: pe.rev, Stripped: true, ValueLen: int(pe.size),
				KV: etcdsrc.KeyValue{Key: p.prefix + pe.rel, ModRevision: pe.rev, Version: pe.ver}}
		}
	}
	p.base += int64(len(b))
	return evs, p.closed && len(p.blocks) == 0, true
}

// readWatchedCmd reads the open key at the revision of a change that came
// without its value; when that revision is compacted already, as it is
// now (a newer change follows in the watch then).
func (m *Model) readWatchedCmd(ev etcdsrc.Event) tea.Cmd {
	c, gen := m.c, m.w.gen
	return c.io(func() tea.Msg {
		ctx, cancel := context.WithTimeout(c.ctx, ioTimeout)
		defer cancel()
		kv, err := c.src.Get(ctx, ev.KV.Key, ev.Revision)
		if err != nil {
			if kv, err = c.src.Get(ctx, ev.KV.Key, 0); err != nil {
				c.logf("watch: read %q again: %v", decode.EscapeKey(ev.KV.Key), err)
				return nil
			}
		}
		ev.KV, ev.Stripped, ev.ValueLen = kv, false, 0
		return watchedValueMsg{gen: gen, ev: ev}
	})
}
