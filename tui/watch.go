package tui

import (
	"context"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/etcdscope/etcdscope/decode"
	"github.com/etcdscope/etcdscope/etcdsrc"
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
	on       bool
	prefix   string
	gen      int
	ch       <-chan etcdsrc.Event
	cancel   context.CancelFunc
	paused   bool
	held     []etcdsrc.Event
	overflow bool
	count    int // events since the last rate tick
	// seconds holds the event counts of the last rateWindow seconds, so
	// a bursty source (the demo writes every few seconds) reads as its
	// average rather than flicking between 0 and a peak.
	seconds [rateWindow]int
	tick    int
	rate    int // events per second over the window
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

// watchRetryMsg restarts a watch that ended.
type watchRetryMsg struct{ gen int }

// rateTickMsg samples the event rate each second.
type rateTickMsg struct{ gen int }

func startWatchCmd(c *common, ctx context.Context, gen int, prefix string, rev int64) tea.Cmd {
	return c.io(func() tea.Msg {
		ch, err := c.src.Watch(ctx, prefix, rev)
		return watchStartedMsg{gen: gen, ch: ch, err: err}
	})
}

// waitForEvents reads one event, then whatever else is already waiting,
// up to watchBatch. It is re-armed after each message.
func waitForEvents(gen int, ch <-chan etcdsrc.Event) tea.Cmd {
	return func() tea.Msg {
		ev, ok := <-ch
		if !ok {
			return watchEventsMsg{gen: gen, closed: true}
		}
		evs := []etcdsrc.Event{ev}
		for len(evs) < watchBatch {
			select {
			case ev, ok := <-ch:
				if !ok {
					return watchEventsMsg{gen: gen, events: evs, closed: true}
				}
				evs = append(evs, ev)
			default:
				return watchEventsMsg{gen: gen, events: evs}
			}
		}
		return watchEventsMsg{gen: gen, events: evs}
	}
}

func rateTickCmd(gen int) tea.Cmd {
	return tea.Tick(time.Second, func(time.Time) tea.Msg { return rateTickMsg{gen: gen} })
}

// watchPrefix is the directory w watches: the selected directory, or the
// level of a selected key.
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

func (m *Model) toggleWatch() tea.Cmd {
	if m.w.on {
		m.stopWatch()
		m.layout()
		return nil
	}
	m.w = watchState{on: true, prefix: m.watchPrefix(), gen: m.w.gen + 1}
	m.layout()
	m.c.logf("watch %q", decode.EscapeKey(m.w.prefix))
	return tea.Batch(m.restartWatch(), rateTickCmd(m.w.gen))
}

// restartWatch (re)opens the stream just after the oldest revision the
// tree shows under the prefix, so nothing between listing and watching
// is missed; events a level already holds are skipped by revision.
func (m *Model) restartWatch() tea.Cmd {
	if m.w.cancel != nil {
		m.w.cancel()
	}
	ctx, cancel := context.WithCancel(m.c.ctx)
	m.w.cancel = cancel
	rev := m.tree.tree.MinRev(m.w.prefix)
	if rev > 0 {
		rev++
	}
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
	m.w.held, m.w.overflow = nil, false
	if overflow {
		return m.tree.relist(m.w.prefix)
	}
	return m.applyEvents(held)
}

func (m *Model) handleWatch(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case watchStartedMsg:
		if msg.gen != m.w.gen || !m.w.on {
			return nil
		}
		if msg.err != nil {
			m.noteErr(msg.err)
			return m.retryWatchCmd()
		}
		m.w.ch = msg.ch
		return waitForEvents(m.w.gen, msg.ch)
	case watchEventsMsg:
		if msg.gen != m.w.gen || !m.w.on {
			return nil
		}
		m.w.count += len(msg.events)
		var cmd tea.Cmd
		if m.w.paused {
			if len(m.w.held)+len(msg.events) > pausedCap {
				m.w.held, m.w.overflow = nil, true
			} else if !m.w.overflow {
				m.w.held = append(m.w.held, msg.events...)
			}
		} else {
			cmd = m.applyEvents(msg.events)
		}
		if msg.closed {
			return tea.Batch(cmd, m.retryWatchCmd())
		}
		return tea.Batch(cmd, waitForEvents(m.w.gen, m.w.ch))
	case watchRetryMsg:
		if msg.gen != m.w.gen || !m.w.on {
			return nil
		}
		if m.tree.tree.Busy(m.w.prefix) {
			return m.retryWatchCmd() // wait for the new listing's revision
		}
		return m.restartWatch()
	case rateTickMsg:
		if msg.gen != m.w.gen || !m.w.on {
			return nil
		}
		m.w.sampleRate()
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
	m.events.addEvents(evs, now)
	if !hadLog {
		m.layout()
	}
	var cmds []tea.Cmd
	var last *etcdsrc.Event
	for i := range evs {
		ev := &evs[i]
		switch ev.Type {
		case etcdsrc.EventCompacted:
			m.st.lastErr = "watch fell behind compaction at rev " + formatCount(ev.Revision) + ": listed again"
			cmds = append(cmds, m.tree.relist(m.w.prefix))
		case etcdsrc.EventError:
			m.noteErr(ev.Err)
		default:
			m.st.rev = max(m.st.rev, ev.Revision)
			if ev.KV.Key == m.obj.key {
				last = ev
			}
		}
	}
	if m.tree.applyEvents(evs) && !m.markTicking {
		m.markTicking = true
		cmds = append(cmds, markTickCmd())
	}
	if last != nil {
		cmds = append(cmds, m.obj.watched(*last))
	}
	return tea.Batch(cmds...)
}
