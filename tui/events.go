package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/etcdscope/etcdscope/decode"
	"github.com/etcdscope/etcdscope/etcdsrc"
)

// eventLogSize is how many events the log keeps; older ones scroll away.
const eventLogSize = 2000

// eventRow is one line of the event log. It holds no value: the log shows
// what happened to which key, so secret data never reaches it.
type eventRow struct {
	at   time.Time
	typ  etcdsrc.EventType
	key  string
	rev  int64
	note string
}

// eventKeys are the event log's keys.
type eventKeys struct {
	moveKeys
	Open key.Binding
}

func newEventKeys() eventKeys {
	return eventKeys{
		moveKeys: newMoveKeys(),
		Open:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open key")),
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
	c       *common
	rows    []eventRow // ring: start is the oldest
	start   int
	cursor  int // index from the oldest; follows the newest while at the end
	follow  bool
	win     scrollWindow
	width   int
	focused bool
}

func newEventPane(c *common) eventPane { return eventPane{c: c, follow: true} }

func (e *eventPane) add(r eventRow) {
	if len(e.rows) < eventLogSize {
		e.rows = append(e.rows, r)
	} else {
		e.rows[e.start] = r
		e.start = (e.start + 1) % eventLogSize
		if !e.follow && e.cursor > 0 {
			// The rows moved up by one: so do the cursor and the window.
			e.cursor--
			e.win.offset = max(e.win.offset-1, 0)
		}
	}
	if e.follow {
		e.cursor = len(e.rows) - 1
	}
	e.win.follow(e.cursor, len(e.rows))
}

func (e eventPane) at(i int) eventRow { return e.rows[(e.start+i)%len(e.rows)] }

func (e *eventPane) addEvents(evs []etcdsrc.Event, now time.Time) {
	for _, ev := range evs {
		r := eventRow{at: now, typ: ev.Type, key: ev.KV.Key, rev: ev.Revision}
		switch ev.Type {
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

// keys are the log's bindings, enabled for its state.
func (e eventPane) keys() eventKeys {
	k := e.c.keys.events
	k.moveKeys.setEnabled(e.focused && len(e.rows) > 1)
	k.Open.SetEnabled(e.focused && len(e.rows) > 0 && e.at(e.cursor).key != "")
	return k
}

func (e eventPane) Update(msg tea.Msg) (eventPane, tea.Cmd) {
	km, ok := msg.(tea.KeyMsg)
	if !ok || !e.focused {
		return e, nil
	}
	k := e.keys()
	if step, ok := k.step(km, e.win.height-1, len(e.rows)); ok {
		e.cursor = clampCursor(e.cursor+step, len(e.rows))
		e.follow = e.cursor == len(e.rows)-1
		e.win.follow(e.cursor, len(e.rows))
		return e, nil
	}
	if key.Matches(km, k.Open) {
		r := e.at(e.cursor)
		return e, func() tea.Msg { return openKeyMsg{key: r.key, focus: true} }
	}
	return e, nil
}

func (e *eventPane) SetSize(w, h int) {
	e.width, e.win.height = w, h
	e.win.follow(e.cursor, len(e.rows))
}
func (e *eventPane) Focus() { e.focused = true }
func (e *eventPane) Blur()  { e.focused = false }

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
		if r.note != "" {
			right = r.note + "  " + rev
		}
		line := cursorLine(spread(left, right, e.width), i == e.cursor && e.focused, true, s)
		if i > first {
			b.WriteByte('\n')
		}
		b.WriteString(line)
	}
	return b.String()
}
