package decode

import (
	"fmt"
	"strings"

	"github.com/aymanbagabas/go-udiff"
)

// DiffKind is what a line of a diff is.
type DiffKind uint8

// The kinds of diff line.
const (
	// DiffContext is a line both documents hold.
	DiffContext DiffKind = iota
	// DiffAdded is a line only the newer document holds.
	DiffAdded
	// DiffRemoved is a line only the older document holds.
	DiffRemoved
	// DiffHunk starts a run of changes with their context.
	DiffHunk
)

// String names the kind.
func (k DiffKind) String() string {
	switch k {
	case DiffContext:
		return "context"
	case DiffAdded:
		return "added"
	case DiffRemoved:
		return "removed"
	case DiffHunk:
		return "hunk"
	}
	return fmt.Sprintf("DiffKind(%d)", int(k))
}

// WholeDocument, as the context of DiffLines, keeps every line: the newer
// document with its changes marked in place.
const WholeDocument = -1

// DiffLine is one line of a diff.
type DiffLine struct {
	Kind DiffKind
	// Text is the line without its line break; empty on a hunk header.
	Text string
	// Old and New are the line's numbers (from 1) in the older and the
	// newer document, 0 where it is not in one. On a hunk header they are
	// where the hunk starts in each.
	Old, New int
}

// LineDiff is a line diff of two documents.
type LineDiff struct {
	// Lines are the hunks, each a DiffHunk line and its lines; none when
	// the documents are the same.
	Lines []DiffLine
	// Changed counts the added and removed lines.
	Changed int
}

// DiffLines diffs two documents (Document.Text; "" for one that does not
// exist) line by line, with context unchanged lines around each change,
// or all of them with WholeDocument. A document that does not end with a
// line break is taken as if it did.
func DiffLines(before, after string, context int) LineDiff {
	before, after = endLine(before), endLine(after)
	edits := udiff.Strings(before, after)
	if len(edits) == 0 {
		return LineDiff{}
	}
	if context < 0 {
		context = strings.Count(before, "\n") + strings.Count(after, "\n") + 1
	}
	u, err := udiff.ToUnifiedDiff("", "", before, edits, context)
	if err != nil {
		// udiff's own edits are always consistent with before.
		return LineDiff{Lines: []DiffLine{{Kind: DiffHunk, Old: 1, New: 1}, {Kind: DiffContext, Text: "cannot diff: " + err.Error()}}}
	}
	var d LineDiff
	for _, h := range u.Hunks {
		d.Lines = append(d.Lines, DiffLine{Kind: DiffHunk, Old: h.FromLine, New: h.ToLine})
		old, cur := h.FromLine, h.ToLine
		for _, l := range h.Lines {
			line := DiffLine{Text: strings.TrimSuffix(l.Content, "\n")}
			switch l.Kind {
			case udiff.Insert:
				line.Kind, line.New = DiffAdded, cur
				cur++
				d.Changed++
			case udiff.Delete:
				line.Kind, line.Old = DiffRemoved, old
				old++
				d.Changed++
			default:
				line.Kind, line.Old, line.New = DiffContext, old, cur
				old++
				cur++
			}
			d.Lines = append(d.Lines, line)
		}
	}
	return d
}

// endLine adds the line break a non-empty text lacks at its end.
func endLine(s string) string {
	if s != "" && !strings.HasSuffix(s, "\n") {
		return s + "\n"
	}
	return s
}

// Unified writes the diff in the unified form of diff -u and patch, with
// from and to naming the two documents; "" when nothing changed.
func (d LineDiff) Unified(from, to string) string {
	if len(d.Lines) == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "--- %s\n+++ %s\n", from, to)
	for i, l := range d.Lines {
		switch l.Kind {
		case DiffHunk:
			olds, news := 0, 0
			for _, n := range d.Lines[i+1:] {
				if n.Kind == DiffHunk {
					break
				}
				if n.Kind != DiffAdded {
					olds++
				}
				if n.Kind != DiffRemoved {
					news++
				}
			}
			fmt.Fprintf(&b, "@@ -%s +%s @@\n", hunkRange(l.Old, olds), hunkRange(l.New, news))
		case DiffAdded:
			b.WriteString("+" + l.Text + "\n")
		case DiffRemoved:
			b.WriteString("-" + l.Text + "\n")
		default:
			b.WriteString(" " + l.Text + "\n")
		}
	}
	return b.String()
}

// hunkRange is one side of a hunk header as udiff and GNU diff write it:
// the start, with the length when it is more than one; an empty side at
// the start reads 0,0.
func hunkRange(start, n int) string {
	switch {
	case n > 1:
		return fmt.Sprintf("%d,%d", start, n)
	case n == 0 && start == 1:
		return "0,0"
	}
	return fmt.Sprint(start)
}
