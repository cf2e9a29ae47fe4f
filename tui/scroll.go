package tui

// scrollWindow is the part of a list of rows a pane shows: height rows
// from offset on. The tree, the kind list, the event log and the history
// list scroll with it, so each keeps only its cursor.
type scrollWindow struct {
	offset, height int
}

// follow moves the window the least it must for cursor to show, and never
// past the end of total rows.
func (w *scrollWindow) follow(cursor, total int) {
	h := max(w.height, 1)
	if cursor < w.offset {
		w.offset = cursor
	}
	if cursor >= w.offset+h {
		w.offset = cursor - h + 1
	}
	w.offset = max(0, min(w.offset, total-h))
}

// span is the rows shown, [start, end).
func (w scrollWindow) span(total int) (start, end int) {
	start = max(0, min(w.offset, total))
	return start, min(start+max(w.height, 0), total)
}

// rowAt is the row index under body line y, or -1 outside the rows.
func (w scrollWindow) rowAt(y, total int) int {
	i := w.offset + y
	if y < 0 || y >= w.height || i >= total {
		return -1
	}
	return i
}

// clampCursor keeps a cursor within total rows.
func clampCursor(cursor, total int) int {
	return max(0, min(cursor, total-1))
}
