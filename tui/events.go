package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/etcdscope/etcdscope/decode"
	"github.com/etcdscope/etcdscope/etcdsrc"
)

// The event log keeps the last eventLogSize events, and the values of the
// newest of them up to eventValueBytes in all, so what changed can be
// told for the lines on screen without decoding every event of a burst.
const (
	eventLogSize    = 2000
	eventValueBytes = 8 << 20
)

// eventRow is one line of the event log. The values it keeps are only
// ever summarized into field paths, Secret data masked.
type eventRow struct {
	seq  int64 // the event's place in the log since the watch began
	at   time.Time
	typ  etcdsrc.EventType
	key  string
	rev  int64
	note string

	value, prev []byte // the key's value after and before, while kept
	// summary says which fields changed, once computed; asked says it
	// was asked for.
	summary string
	asked   bool
}

// eventKeys are the event log's keys.
type eventKeys struct {
	moveKeys
	Open key.Binding
}

func newEventKeys() eventKeys {
	return eventKeys{
		moveKeys: newMoveKeys(),
		Open:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "history at this revision")),
	}
}

// ShortHelp is the log's part of the bottom line.
func (k eventKeys) ShortHelp() []key.Binding { return enabledOnly([]key.Binding{k.Open}) }

// FullHelp is the log's column of the help screen.
func (k eventKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{enabledOnly(append(k.bindings(), k.Open))}
}

// eventPane is the log of watch events below the panes.
type eventPane struct {
	c      *common
	rows   []eventRow // ring: start is the oldest
	start  int
	next   int64 // seq of the next event
	kept   int   // bytes of values the rows hold
	cursor int   // index from the oldest; follows the newest while at the end
	follow bool
	// below counts the events that arrived under the view while the user
	// looked at older ones.
	below   int
	win     scrollWindow
	width   int
	focused bool
}

// eventSummariesMsg carries what changed, for some rows of the log.
type eventSummariesMsg struct {
	sums map[int64]string // by seq
}

// openHistoryMsg asks the root to open a key's history at a revision.
type openHistoryMsg struct {
	key string
	rev int64
}

func newEventPane(c *common) eventPane { return eventPane{c: c, follow: true} }

func (e *eventPane) add(r eventRow) {
	r.seq = e.next
	e.next++
	e.kept += len(r.value) + len(r.prev)
	if len(e.rows) < eventLogSize {
		e.rows = append(e.rows, r)
	} else {
		old := &e.rows[e.start]
		e.kept -= len(old.value) + len(old.prev)
		*old = r
		e.start = (e.start + 1) % eventLogSize
		if !e.follow && e.cursor > 0 {
			// The rows moved up by one: so do the cursor and the window.
			e.cursor--
			e.win.offset = max(e.win.offset-1, 0)
		}
	}
	// Past the budget, the oldest rows let go of their values.
	for i := 0; e.kept > eventValueBytes && i < len(e.rows); i++ {
		old := &e.rows[(e.start+i)%len(e.rows)]
		e.kept -= len(old.value) + len(old.prev)
		old.value, old.prev = nil, nil
	}
	if e.follow {
		e.cursor = len(e.rows) - 1
	} else {
		e.below++
	}
	e.win.follow(e.cursor, len(e.rows))
}

func (e eventPane) at(i int) *eventRow { return &e.rows[(e.start+i)%len(e.rows)] }

func (e *eventPane) addEvents(evs []etcdsrc.Event, now time.Time) {
	for _, ev := range evs {
		r := eventRow{at: now, typ: ev.Type, key: ev.KV.Key, rev: ev.Revision}
		switch ev.Type {
		case etcdsrc.EventPut:
			r.value = ev.KV.Value
			if ev.PrevKV != nil {
				r.prev = ev.PrevKV.Value
			}
		case etcdsrc.EventCompacted:
			r.note = "watch fell behind compaction: re-listing"
		case etcdsrc.EventError:
			if ev.Err != nil {
				r.note = ev.Err.Error()
			}
		}
		e.add(r)
	}
}

// askSummaries asks what changed for the updates on screen not told yet:
// at any rate of events, only the lines shown are decoded.
func (e *eventPane) askSummaries() tea.Cmd {
	if len(e.rows) == 0 {
		return nil
	}
	var todo []eventRow
	start, end := e.win.span(len(e.rows))
	for i := start; i < end; i++ {
		r := e.at(i)
		if r.asked || r.typ != etcdsrc.EventPut || r.prev == nil || r.value == nil {
			continue
		}
		r.asked = true
		todo = append(todo, *r)
	}
	if len(todo) == 0 {
		return nil
	}
	return summarizeCmd(e.c, todo, max(e.width/2, 20))
}

// summarizeCmd decodes both sides of some updates and says which fields
// changed.
func summarizeCmd(c *common, rows []eventRow, width int) tea.Cmd {
	return func() tea.Msg {
		sums := make(map[int64]string, len(rows))
		for _, r := range rows {
			before := c.dec.Decode(r.key, r.prev, nil)
			after := c.dec.Decode(r.key, r.value, nil)
			if before.IsObject() && after.IsObject() {
				sums[r.seq] = decode.Summary(decode.ChangedFields(before.Object, after.Object), width)
			}
		}
		return eventSummariesMsg{sums: sums}
	}
}

// keys are the log's bindings, enabled for its state.
func (e eventPane) keys() eventKeys {
	k := e.c.keys.events
	k.moveKeys.setEnabled(e.focused && len(e.rows) > 1)
	k.Open.SetEnabled(e.focused && len(e.rows) > 0 && e.at(e.cursor).key != "")
	return k
}

func (e eventPane) Update(msg tea.Msg) (eventPane, tea.Cmd) {
	switch msg := msg.(type) {
	case eventSummariesMsg:
		for i := range e.rows {
			if s, ok := msg.sums[e.rows[i].seq]; ok {
				e.rows[i].summary = s
			}
		}
		return e, nil
	case tea.KeyMsg:
		if !e.focused {
			return e, nil
		}
		k := e.keys()
		if step, ok := k.step(msg, e.win.height-1, len(e.rows)); ok {
			e.cursor = clampCursor(e.cursor+step, len(e.rows))
			e.follow = e.cursor == len(e.rows)-1
			if e.follow {
				e.below = 0
			}
			e.win.follow(e.cursor, len(e.rows))
			return e, e.askSummaries()
		}
		if key.Matches(msg, k.Open) {
			r := e.at(e.cursor)
			k, rev := r.key, r.rev
			return e, func() tea.Msg { return openHistoryMsg{key: k, rev: rev} }
		}
	}
	return e, nil
}

func (e *eventPane) SetSize(w, h int) {
	e.width, e.win.height = w, h
	e.win.follow(e.cursor, len(e.rows))
}
func (e *eventPane) Focus() { e.focused = true }
func (e *eventPane) Blur()  { e.focused = false }

// title says, when the user looks at older events, how many newer ones
// arrived under the view.
func (e eventPane) title() string {
	if e.follow || e.below == 0 {
		return ""
	}
	return fmt.Sprintf("↓ %s newer (G)", formatCount(int64(e.below)))
}

// View draws the newest events that fit, or those around the cursor.
func (e eventPane) View() string {
	s := e.c.styles
	if len(e.rows) == 0 {
		return s.Dim.Render("waiting for events…")
	}
	first, end := e.win.span(len(e.rows))
	var b strings.Builder
	for i := first; i < end; i++ {
		r := e.at(i)
		typ := fmt.Sprintf("%-9s", r.typ)
		switch r.typ {
		case etcdsrc.EventPut:
			typ = s.EventPut.Render(typ)
		case etcdsrc.EventDelete:
			typ = s.EventDelete.Render(typ)
		default:
			typ = s.EventOther.Render(typ)
		}
		rev := "rev " + formatCount(r.rev)
		cur := ""
		if e.focused {
			// The cursor's row is marked, not only colored (NO_COLOR).
			cur = "  "
			if i == e.cursor {
				cur = "› "
			}
		}
		left := cur + r.at.Format("15:04:05") + "  " + typ + " " + decode.EscapeKey(r.key)
		right := rev
		switch {
		case r.note != "":
			right = r.note + "  " + rev
		case r.summary != "":
			// What changed gets the room the key leaves; the key comes first.
			if room := e.width - lipgloss.Width(left) - len(rev) - 4; room >= 12 {
				right = s.Dim.Render(truncRight(r.summary, room)) + "  " + rev
			}
		}
		line := cursorLine(spread(left, right, e.width), i == e.cursor && e.focused, true, s)
		if i > first {
			b.WriteByte('\n')
		}
		b.WriteString(line)
	}
	return b.String()
}
