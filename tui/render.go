package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/etcdscope/etcdscope/decode"
)

// viewMode is how the object pane shows a value.
type viewMode int

const (
	modeYAML viewMode = iota
	modeJSON
	modeRaw
)

// String names the mode as the header shows it.
func (m viewMode) String() string {
	switch m {
	case modeYAML:
		return "yaml"
	case modeJSON:
		return "json"
	case modeRaw:
		return "raw"
	}
	return fmt.Sprintf("viewMode(%d)", int(m))
}

// renderOpts are the toggles that shape a rendering.
type renderOpts struct {
	mode    viewMode
	docMode viewMode // the document form r goes back to from raw
	managed bool     // show managedFields instead of folding them
	reveal  bool     // show secret data decoded instead of masking it
	width   int      // the pane's width, which the hex dump fits
	forDiff bool     // leave resourceVersion out: it changes every revision
	wrap    bool     // wrap long lines instead of cutting them
}

// rendered is a value made ready for the screen, computed in a Cmd so a
// large object never stalls key handling.
type rendered struct {
	plain   string // the text as shown, without color: copy, save, search, diff
	content string // the highlighted text for the viewport
	isDoc   bool   // the value has a YAML/JSON form
	folded  int    // managedFields entries folded away
	secret  bool   // the object holds data that masking hides
	masked  bool   // and it is hidden now
	note    string // what a person should know about the form shown
	width   int    // the pane width it was rendered for
	// shown and shownPlain are content and plain fitted to that width:
	// long lines wrapped, or cut with "…" so a cut never goes unseen.
	shown, shownPlain string
}

// paint wraps text in a style's escape sequences without going through
// lipgloss.Render for every token: a 1.5 MB object has many.
type paint struct{ pre, post string }

func newPaint(st lipgloss.Style) paint {
	r := st.Render("\x00")
	pre, post, ok := strings.Cut(r, "\x00")
	if !ok {
		return paint{}
	}
	return paint{pre: pre, post: post}
}

func (p paint) on(s string) string {
	if p.pre == "" || s == "" {
		return s
	}
	return p.pre + s + p.post
}

// palette holds the paints of a document's tokens and of diff lines.
type palette struct {
	tokens         [decode.TokenNote + 1]paint
	add, del, hunk paint
}

func newPalette(s *Styles) palette {
	var p palette
	p.tokens[decode.TokenKey] = newPaint(s.YAMLKey)
	p.tokens[decode.TokenString] = newPaint(s.YAMLString)
	p.tokens[decode.TokenNumber] = newPaint(s.YAMLNumber)
	p.tokens[decode.TokenLiteral] = newPaint(s.YAMLLiteral)
	p.tokens[decode.TokenPunct] = newPaint(s.YAMLPunct)
	p.tokens[decode.TokenMasked] = newPaint(s.Masked)
	p.tokens[decode.TokenNote] = newPaint(s.Folded)
	p.add, p.del, p.hunk = newPaint(s.DiffAdd), newPaint(s.DiffDel), newPaint(s.DiffHunk)
	return p
}

// paintTokens colors a document from its tokens, with no lexing: the
// writer said what each piece is.
func (p palette) paintTokens(doc decode.Document) string {
	if len(doc.Tokens) == 0 {
		return doc.Text
	}
	var b strings.Builder
	b.Grow(len(doc.Text) * 2)
	for _, t := range doc.Tokens {
		b.WriteString(p.tokens[t.Kind].on(t.Text))
	}
	return b.String()
}

// presentOptions are the Present options of a rendering.
func (o renderOpts) presentOptions() decode.PresentOptions {
	po := decode.PresentOptions{FoldManagedFields: !o.managed, Secrets: decode.SecretsMasked, Tokens: true}
	switch o.mode {
	case modeJSON:
		po.Format = decode.FormatJSON
	case modeRaw:
		po.Format = decode.FormatHex
		if o.width > 0 {
			po.HexWidth = decode.HexBytesPerLine(o.width)
		}
	}
	if o.reveal {
		po.Secrets = decode.SecretsRevealed
	}
	po.StripResourceVersion = o.forDiff
	return po
}

// renderValue turns a decoded value into text for the object pane, in a
// Cmd so a large object never stalls key handling.
func renderValue(pal palette, v decode.Value, o renderOpts) rendered {
	doc := decode.Present(v, o.presentOptions())
	r := rendered{
		plain: doc.Text, content: pal.paintTokens(doc), isDoc: doc.Structured,
		secret: doc.Secret, masked: doc.Masked, note: doc.Note, width: o.width,
	}
	if doc.Folded || o.managed {
		r.folded = doc.ManagedFields
	}
	r.shown, r.shownPlain = fitText(r.content, o.width, o.wrap), fitText(r.plain, o.width, o.wrap)
	return r
}

// fitText fits every line of text (which may hold ANSI sequences) to
// width cells: wrapped when wrap is set, else cut, ending in "…". A width
// of 0 leaves it as it is.
func fitText(text string, width int, wrap bool) string {
	if width <= 0 {
		return text
	}
	var b strings.Builder
	b.Grow(len(text) + len(text)/16)
	for line := range strings.Lines(text) {
		nl := strings.HasSuffix(line, "\n")
		line = strings.TrimSuffix(line, "\n")
		// Most lines are short: only those that could be too wide are
		// measured.
		if len(line) > width && ansi.StringWidth(line) > width {
			if wrap {
				line = ansi.Hardwrap(line, width, true)
			} else {
				line = ansi.Truncate(line, width, "…")
			}
		}
		b.WriteString(line)
		if nl {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// diffLines is a line diff of two texts: full context when whole is set
// (the refreshed object with its changes marked in place), three lines
// around each change otherwise (history). It returns the colored diff,
// its plain form, and how many lines changed.
func diffLines(pal palette, before, after string, whole bool) (content, plain string, changed int) {
	ctx := 3
	if whole {
		ctx = decode.WholeDocument
	}
	d := decode.DiffLines(before, after, ctx)
	if d.Changed == 0 {
		return "", "", 0
	}
	var c, p strings.Builder
	for _, l := range d.Lines {
		var text string
		var pt paint
		switch l.Kind {
		case decode.DiffHunk:
			if whole {
				continue
			}
			if p.Len() > 0 {
				c.WriteByte('\n')
				p.WriteByte('\n')
			}
			text, pt = fmt.Sprintf("@@ line %d @@", l.Old), pal.hunk
		case decode.DiffAdded:
			text, pt = "+ "+l.Text, pal.add
		case decode.DiffRemoved:
			text, pt = "- "+l.Text, pal.del
		default:
			text = "  " + l.Text
		}
		c.WriteString(pt.on(text) + "\n")
		p.WriteString(text + "\n")
	}
	return c.String(), p.String(), d.Changed
}
