package tui

import (
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/dustin/go-humanize"
)

// fit pads or truncates s (which may hold ANSI sequences) to exactly w cells.
func fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	sw := lipgloss.Width(s)
	if sw > w {
		return ansi.Truncate(s, w, "…")
	}
	return s + strings.Repeat(" ", w-sw)
}

// truncRight cuts s (which may hold ANSI sequences) to w cells, ending in
// "…" when it was cut.
func truncRight(s string, w int) string {
	if lipgloss.Width(s) <= w {
		return s
	}
	return ansi.Truncate(s, w, "…")
}

// truncLeft keeps the right end of s within w cells, since the end of a key
// (the object's name) says more than its start.
func truncLeft(s string, w int) string {
	if w <= 0 {
		return ""
	}
	sw := lipgloss.Width(s)
	if sw <= w {
		return s
	}
	return ansi.TruncateLeft(s, sw-w+1, "…")
}

// spread puts left and right on one line of w cells with the gap between
// them; when both do not fit, right goes first, then left is truncated.
func spread(left, right string, w int) string {
	lw, rw := lipgloss.Width(left), lipgloss.Width(right)
	if lw+rw+1 > w {
		if rw+8 > w {
			return fit(left, w)
		}
		left = fit(left, w-rw-1)
		lw = w - rw - 1
	}
	return left + strings.Repeat(" ", w-lw-rw) + right
}

// borderGlyphs are the lines a pane's frame is drawn with.
type borderGlyphs struct{ topLeft, topRight, bottomLeft, bottomRight, h, v string }

var (
	// The focused pane is framed in heavy lines, so focus shows without
	// color too (NO_COLOR).
	focusedBorder = borderGlyphs{"┏", "┓", "┗", "┛", "━", "┃"}
	blurredBorder = borderGlyphs{"╭", "╮", "╰", "╯", "─", "│"}
)

// box draws a pane: a border with title in the top edge and body lines
// padded or cut to the inner size. Width and height are the outer size.
func box(s *Styles, title, body string, w, h int, focused bool) string {
	if w < 4 || h < 2 {
		return ""
	}
	border, titleStyle, g := s.BorderBlurred, s.TitleBlurred, blurredBorder
	if focused {
		border, titleStyle, g = s.BorderFocused, s.TitleFocused, focusedBorder
	}
	inner := w - 2
	var b strings.Builder
	b.Grow((w + 8) * h)

	t := ""
	if title != "" {
		t = " " + truncLeft(title, inner-4) + " "
	}
	tw := lipgloss.Width(t)
	b.WriteString(border.Render(g.topLeft + g.h))
	b.WriteString(titleStyle.Render(t))
	b.WriteString(border.Render(strings.Repeat(g.h, max(inner-1-tw, 0)) + g.topRight))

	lines := strings.Split(body, "\n")
	side := border.Render(g.v)
	for i := 0; i < h-2; i++ {
		b.WriteByte('\n')
		line := ""
		if i < len(lines) {
			line = lines[i]
		}
		b.WriteString(side)
		b.WriteString(fit(line, inner))
		b.WriteString(side)
	}
	b.WriteByte('\n')
	b.WriteString(border.Render(g.bottomLeft + strings.Repeat(g.h, inner) + g.bottomRight))
	return b.String()
}

// formatCount prints a key count with thousands separators.
func formatCount(n int64) string { return humanize.Comma(n) }

// formatSize prints a byte size the way people read it.
func formatSize(n int) string {
	if n < 1024 {
		return humanize.Comma(int64(n)) + " B"
	}
	return humanize.IBytes(uint64(n))
}
