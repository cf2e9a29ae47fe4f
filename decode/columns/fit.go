package columns

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// NameMinWidth is how narrow Fit makes NAME before it hides the kind's
// important columns: enough for "kube-proxy-…-6dq7m".
const NameMinWidth = 20

// ellipsis marks where text was cut.
const ellipsis = "…"

// Shorten fits s into n terminal cells by cutting out its middle, keeping
// the start and the distinguishing end: the last "-" or "." segment whole
// when it takes at most half the room, as in "kube-proxy-…-6dq7m". Widths
// are measured in cells (wide runes count two), so the result is never
// wider than n.
func Shorten(s string, n int) string {
	w := ansi.StringWidth(s)
	if w <= n {
		return s
	}
	if n <= 1 {
		return ansi.Truncate(ellipsis, n, "")
	}
	room := n - 1 // one cell for the ellipsis
	tail := (room + 1) / 2
	if i := strings.LastIndexAny(s, "-."); i > 0 {
		if seg := ansi.StringWidth(s[i:]); seg <= tail {
			tail = seg
		}
	}
	end := ansi.TruncateLeft(s, w-tail, "")
	if ansi.StringWidth(end) > tail {
		// The cut fell inside a wide rune, which TruncateLeft keeps.
		end = ansi.TruncateLeft(s, w-tail+1, "")
	}
	// The head takes what the end left; a wide rune at its cut may
	// leave one cell unused.
	head := ansi.Truncate(s, room-ansi.StringWidth(end), "")
	return head + ellipsis + end
}

// truncate cuts s to n cells, ending in "…" when it was cut.
func truncate(s string, n int) string {
	if n <= 0 {
		return ""
	}
	return ansi.Truncate(s, n, ellipsis)
}

// Fit chooses each column's width for a screen width cells wide with gap
// cells between shown columns, for the rows on screen (rows may be empty:
// the headers then decide). A column gets its widest cell or header,
// capped at its Width (NAME is not capped). When that does not fit:
// extra columns give way first (highest Priority first, the rightmost of
// equals), then NAME shrinks to NameMinWidth, then the other columns but
// NAME give way, then NAME shrinks to what is left. Room to spare goes to
// the columns that were capped, left to right. A width of 0 means the
// column is hidden; NAME is never hidden.
func Fit(cols []Column, rows [][]Cell, width, gap int) []int {
	want := make([]int, len(cols))
	for i, c := range cols {
		want[i] = ansi.StringWidth(c.Name)
		for _, r := range rows {
			if i < len(r) {
				want[i] = max(want[i], ansi.StringWidth(r[i].Text))
			}
		}
	}
	ws := make([]int, len(cols))
	name := -1
	for i, c := range cols {
		ws[i] = want[i]
		if c.Priority == namePriority && name < 0 {
			name = i
			continue
		}
		if c.Width > 0 {
			ws[i] = min(ws[i], max(c.Width, ansi.StringWidth(c.Name)))
		}
	}
	total := func() int {
		sum, shown := 0, 0
		for _, w := range ws {
			if w > 0 {
				sum += w
				shown++
			}
		}
		if shown > 1 {
			sum += gap * (shown - 1)
		}
		return sum
	}
	// hide hides the columns whose priority is at least from, least
	// important first, until the row fits.
	hide := func(from int) {
		for total() > width {
			victim := -1
			for i, c := range cols {
				if ws[i] == 0 || c.Priority < from || i == name {
					continue
				}
				if victim < 0 || c.Priority >= cols[victim].Priority {
					victim = i
				}
			}
			if victim < 0 {
				return
			}
			ws[victim] = 0
		}
	}
	// shrinkName narrows NAME down to floor until the row fits.
	shrinkName := func(floor int) {
		if name < 0 {
			return
		}
		if over := total() - width; over > 0 {
			ws[name] = max(min(ws[name], floor), ws[name]-over)
		}
	}
	hide(extraPriority)
	shrinkName(NameMinWidth)
	hide(namePriority + 1)
	shrinkName(1)
	// Room to spare: widen the capped columns toward what they want.
	for i := range cols {
		spare := width - total()
		if spare <= 0 {
			break
		}
		if ws[i] > 0 && ws[i] < want[i] {
			ws[i] += min(spare, want[i]-ws[i])
		}
	}
	return ws
}
