package decode

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aymanbagabas/go-udiff"
)

// line builds a diff line for the tables below.
func line(kind DiffKind, text string, old, cur int) DiffLine {
	return DiffLine{Kind: kind, Text: text, Old: old, New: cur}
}

func TestDiffLines(t *testing.T) {
	cm := Present(decodeFixture(t, "/registry/configmaps/shop/app-config"), PresentOptions{FoldManagedFields: true}).Text
	changed := strings.Replace(cm, "rev=5\n", "rev=6\n", 1)
	lines := strings.Count(cm, "\n")
	at := strings.Count(cm[:strings.Index(cm, "rev=5")], "\n") + 1 // the changed line's number
	cases := []struct {
		name          string
		before, after string
		context       int
		want          []DiffLine // nil: only the counts are checked
		changed       int
		hunks         int
	}{
		{name: "same", before: cm, after: cm, context: 3, changed: 0},
		{name: "one line", before: "a\nb\nc\nd\ne\n", after: "a\nb\nC\nd\ne\n", context: 1, changed: 2, hunks: 1,
			want: []DiffLine{line(DiffHunk, "", 2, 2), line(DiffContext, "b", 2, 2), line(DiffRemoved, "c", 3, 0),
				line(DiffAdded, "C", 0, 3), line(DiffContext, "d", 4, 4)}},
		{name: "two hunks", before: "1\n2\n3\n4\n5\n6\n7\n8\n", after: "0\n2\n3\n4\n5\n6\n7\nX\n", context: 1, changed: 4, hunks: 2,
			want: []DiffLine{line(DiffHunk, "", 1, 1), line(DiffRemoved, "1", 1, 0), line(DiffAdded, "0", 0, 1), line(DiffContext, "2", 2, 2),
				line(DiffHunk, "", 7, 7), line(DiffContext, "7", 7, 7), line(DiffRemoved, "8", 8, 0), line(DiffAdded, "X", 0, 8)}},
		{name: "from nothing", before: "", after: "again\n", context: 3, changed: 1, hunks: 1,
			want: []DiffLine{line(DiffHunk, "", 1, 1), line(DiffAdded, "again", 0, 1)}},
		{name: "to nothing", before: "third\n", after: "", context: 3, changed: 1, hunks: 1,
			want: []DiffLine{line(DiffHunk, "", 1, 1), line(DiffRemoved, "third", 1, 0)}},
		{name: "no final line break", before: "a", after: "b", context: 3, changed: 2, hunks: 1,
			want: []DiffLine{line(DiffHunk, "", 1, 1), line(DiffRemoved, "a", 1, 0), line(DiffAdded, "b", 0, 1)}},
		{name: "configmap with context", before: cm, after: changed, context: 3, changed: 2, hunks: 1},
		{name: "configmap whole", before: cm, after: changed, context: WholeDocument, changed: 2, hunks: 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := DiffLines(c.before, c.after, c.context)
			if d.Changed != c.changed {
				t.Errorf("Changed = %d, want %d", d.Changed, c.changed)
			}
			hunks := 0
			for _, l := range d.Lines {
				if l.Kind == DiffHunk {
					hunks++
				}
			}
			if hunks != c.hunks {
				t.Errorf("%d hunks, want %d", hunks, c.hunks)
			}
			if c.want != nil && fmt.Sprint(d.Lines) != fmt.Sprint(c.want) {
				t.Errorf("lines\n%v\nwant\n%v", d.Lines, c.want)
			}
			// The unified form is what udiff writes for the same texts.
			if got, want := d.Unified("revision 1", "revision 2"), unifiedRef(t, c.before, c.after, c.context); got != want {
				t.Errorf("unified:\n%s\nwant\n%s", got, want)
			}
		})
	}
	t.Run("configmap lines", func(t *testing.T) {
		d := DiffLines(cm, changed, 3)
		want := []DiffLine{line(DiffHunk, "", at-3, at-3)}
		for n := at - 3; n < at; n++ {
			want = append(want, line(DiffContext, lineOf(cm, n), n, n))
		}
		want = append(want, line(DiffRemoved, "    rev=5", at, 0), line(DiffAdded, "    rev=6", 0, at))
		for n := at + 1; n <= at+3; n++ {
			want = append(want, line(DiffContext, lineOf(cm, n), n, n))
		}
		if fmt.Sprint(d.Lines) != fmt.Sprint(want) {
			t.Errorf("lines\n%v\nwant\n%v", d.Lines, want)
		}
		whole := DiffLines(cm, changed, WholeDocument)
		if len(whole.Lines) != 1+lines+1 || whole.Lines[0] != line(DiffHunk, "", 1, 1) {
			t.Errorf("whole document: %d lines, want the %d of the document, one changed twice, and a header", len(whole.Lines), lines)
		}
	})
}

// lineOf is line n (from 1) of s.
func lineOf(s string, n int) string { return strings.Split(s, "\n")[n-1] }

// unifiedRef is udiff's own unified diff, the form the CLI printed before
// DiffLines; a missing final line break is added as DiffLines does.
func unifiedRef(t *testing.T, before, after string, context int) string {
	t.Helper()
	if before != "" && !strings.HasSuffix(before, "\n") {
		before += "\n"
	}
	if after != "" && !strings.HasSuffix(after, "\n") {
		after += "\n"
	}
	if context < 0 {
		context = strings.Count(before, "\n") + strings.Count(after, "\n") + 1
	}
	out, err := udiff.ToUnified("revision 1", "revision 2", before, udiff.Strings(before, after), context)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
