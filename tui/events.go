package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

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

// eventPane is the log of watch events below the panes.
type eventPane struct {
	c       *common
	rows    []eventRow // ring: start is the oldest
	start   int
	cursor  int // index from the oldest; follows the newest while at the end
	follow  bool
	width   int
	height  int
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
			e.cursor--
		}
	}
	if e.follow {
		e.cursor = len(e.rows) - 1
	}
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

func (e eventPane) Update(msg tea.Msg) (eventPane, tea.Cmd) {
	km, ok := msg.(tea.KeyMsg)
	if !ok || !e.focused || len(e.rows) == 0 {
		return e, nil
	}
	k := e.c.keys
	switch {
	case key.Matches(km, k.Up):
		e.cursor--
	case key.Matches(km, k.Down):
		e.cursor++
	case key.Matches(km, k.Top):
		e.cursor = 0
	case key.Matches(km, k.Bottom):
		e.cursor = len(e.rows) - 1
	case key.Matches(km, k.PageUp):
		e.cursor -= max(e.height-1, 1)
	case key.Matches(km, k.PageDown):
		e.cursor += max(e.height-1, 1)
	case key.Matches(km, k.Expand):
		r := e.at(e.cursor)
		if r.key == "" {
			return e, nil
		}
		return e, func() tea.Msg { return openKeyMsg{key: r.key, focus: true} }
	}
	e.cursor = max(0, min(e.cursor, len(e.rows)-1))
	e.follow = e.cursor == len(e.rows)-1
	return e, nil
}

func (e *eventPane) SetSize(w, h int) { e.width, e.height = w, h }
func (e *eventPane) Focus()           { e.focused = true }
func (e *eventPane) Blur()            { e.focused = false }

// View draws the newest events that fit, or those around the cursor.
func (e eventPane) View() string {
	s := e.c.styles
	if len(e.rows) == 0 {
		return s.Dim.Render("waiting for events…")
	}
	end := min(max(e.cursor+1, e.height), len(e.rows))
	first := max(end-e.height, 0)
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
		left := r.at.Format("15:04:05") + "  " + typ + " " + decode.EscapeKey(r.key)
		right := rev
		if r.note != "" {
			right = r.note + "  " + rev
		}
		line := spread(left, right, e.width)
		if i == e.cursor && e.focused {
			line = s.Cursor.Render(ansi.Strip(line))
		}
		if i > first {
			b.WriteByte('\n')
		}
		b.WriteString(line)
	}
	return b.String()
}
