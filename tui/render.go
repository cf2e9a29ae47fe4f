package tui

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/aymanbagabas/go-udiff"
	"github.com/charmbracelet/lipgloss"

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
	reveal  bool     // show secret data instead of masking it
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

// palette holds the paints of the highlighter.
type palette struct {
	key, str, num, lit, punct, masked, folded, add, del, hunk, dim paint
}

func newPalette(s *Styles) palette {
	return palette{
		key: newPaint(s.YAMLKey), str: newPaint(s.YAMLString), num: newPaint(s.YAMLNumber),
		lit: newPaint(s.YAMLLiteral), punct: newPaint(s.YAMLPunct), masked: newPaint(s.Masked),
		folded: newPaint(s.Folded), add: newPaint(s.DiffAdd), del: newPaint(s.DiffDel),
		hunk: newPaint(s.DiffHunk), dim: newPaint(s.Dim),
	}
}

// renderValue turns a decoded value into text for the object pane.
func renderValue(pal palette, v decode.Value, o renderOpts) rendered {
	var r rendered
	if o.mode == modeRaw {
		r.plain = decode.HexDump(v.Raw)
		if len(v.Raw) == 0 {
			r.plain = "(empty value)\n"
		}
		r.content = r.plain
		r.note = fmt.Sprintf("stored bytes, %s", formatSize(len(v.Raw)))
		r.isDoc = v.Object != nil
		return r
	}
	switch {
	case v.Object != nil:
		r.isDoc = true
		doc := v.Object
		if !o.managed {
			doc, r.folded = decode.FoldManagedFields(doc)
		} else {
			_, r.folded = decode.FoldManagedFields(doc)
		}
		masked, hidden := decode.MaskSecrets(doc)
		r.secret = hidden
		if !o.reveal && hidden {
			doc = masked
			r.masked = true
		}
		var out []byte
		var err error
		if o.mode == modeJSON {
			out, err = decode.IndentJSON(doc)
		} else {
			out, err = decode.YAML(doc)
		}
		if err != nil {
			r.plain = fmt.Sprintf("cannot render the object: %v\n\n%s", err, decode.HexDump(v.Raw))
			r.content = r.plain
			return r
		}
		r.plain = string(out)
		r.content = highlightDoc(pal, r.plain, o.mode == modeJSON)
	case len(v.Fields) > 0:
		out, err := json.MarshalIndent(v.Fields, "", "  ")
		if err != nil {
			out = []byte(err.Error())
		}
		r.plain = string(out) + "\n"
		r.content = highlightDoc(pal, r.plain, true)
		r.note = "type unknown to this build: raw protobuf fields"
	case v.Encoding == decode.EncodingEmpty || len(v.Raw) == 0:
		r.plain = "(empty value)\n"
		r.content = pal.dim.on(r.plain)
	case v.Text != "":
		r.plain = v.Text
		if !strings.HasSuffix(r.plain, "\n") {
			r.plain += "\n"
		}
		r.content = r.plain
		if v.Encoding == decode.EncodingYAML {
			r.content = highlightDoc(pal, r.plain, false)
		}
	default:
		r.plain = decode.HexDump(v.Raw)
		r.content = r.plain
		if v.Encryption != nil && !v.Encryption.Decrypted {
			r.note = "still encrypted"
			if v.Encryption.Reason != "" {
				r.note += ": " + v.Encryption.Reason
			}
		}
	}
	if v.Err != nil && o.mode != modeRaw {
		r.note = "decode error: " + v.Err.Error()
		if v.Object == nil {
			r.plain = decode.HexDump(v.Raw)
			r.content = r.plain
		}
	}
	return r
}

var (
	// yamlKeyRe splits "  - key: value" into indent+dashes, key, rest.
	yamlKeyRe = regexp.MustCompile(`^(\s*(?:- )*)("(?:[^"\\]|\\.)*"|'[^']*'|[^\s"'#:\-][^:]*?|-[^\s:][^:]*?):( .*|)$`)
	// jsonKeyRe splits `  "key": value,` into indent, key, rest.
	jsonKeyRe = regexp.MustCompile(`^(\s*)("(?:[^"\\]|\\.)*"):( .*)$`)
	numberRe  = regexp.MustCompile(`^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?$`)
)

// highlightDoc colors YAML or indented JSON line by line. It is a display
// aid, not a parser: a line it does not understand stays uncolored.
func highlightDoc(pal palette, text string, isJSON bool) string {
	if pal.key.pre == "" {
		return text // no color: nothing to add
	}
	var b strings.Builder
	b.Grow(len(text) * 2)
	block := -1 // indent of a YAML block scalar being read, -1 outside
	for line := range strings.Lines(text) {
		nl := strings.HasSuffix(line, "\n")
		line = strings.TrimSuffix(line, "\n")
		indent := len(line) - len(strings.TrimLeft(line, " "))
		switch {
		case block >= 0 && (indent > block || strings.TrimSpace(line) == ""):
			b.WriteString(pal.str.on(line))
		case isJSON:
			block = -1
			b.WriteString(highlightJSONLine(pal, line))
		default:
			block = -1
			var opensBlock bool
			var out string
			out, opensBlock = highlightYAMLLine(pal, line)
			if opensBlock {
				block = indent
			}
			b.WriteString(out)
		}
		if nl {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

func highlightYAMLLine(pal palette, line string) (string, bool) {
	if m := yamlKeyRe.FindStringSubmatch(line); m != nil {
		rest := strings.TrimPrefix(m[3], " ")
		val, block := yamlScalar(pal, rest)
		sep := ":"
		if m[3] != "" {
			sep = ": "
		}
		return pal.punct.on(m[1]) + pal.key.on(m[2]) + pal.punct.on(sep) + val, block
	}
	trim := strings.TrimLeft(line, " ")
	lead := line[:len(line)-len(trim)]
	dashes := ""
	for strings.HasPrefix(trim, "- ") {
		dashes += "- "
		trim = trim[2:]
	}
	if trim == "-" {
		dashes += "-"
		trim = ""
	}
	val, block := yamlScalar(pal, trim)
	return lead + pal.punct.on(dashes) + val, block
}

// yamlScalar colors one scalar; a "|" or ">" header opens a block scalar.
func yamlScalar(pal palette, v string) (string, bool) {
	switch {
	case v == "":
		return "", false
	case strings.HasPrefix(v, "|") || strings.HasPrefix(v, ">"):
		return pal.punct.on(v), true
	case v == "true" || v == "false" || v == "null" || v == "~":
		return pal.lit.on(v), false
	case v == "{}" || v == "[]":
		return pal.punct.on(v), false
	case numberRe.MatchString(v):
		return pal.num.on(v), false
	case strings.Contains(v, decode.SecretMask):
		return pal.masked.on(v), false
	}
	return pal.str.on(v), false
}

func highlightJSONLine(pal palette, line string) string {
	if m := jsonKeyRe.FindStringSubmatch(line); m != nil {
		return m[1] + pal.key.on(m[2]) + pal.punct.on(":") + " " + jsonScalar(pal, strings.TrimPrefix(m[3], " "))
	}
	trim := strings.TrimLeft(line, " ")
	return line[:len(line)-len(trim)] + jsonScalar(pal, trim)
}

func jsonScalar(pal palette, v string) string {
	comma := ""
	if strings.HasSuffix(v, ",") {
		v, comma = v[:len(v)-1], ","
	}
	var out string
	switch {
	case v == "":
	case v == "{" || v == "}" || v == "[" || v == "]" || v == "{}" || v == "[]":
		out = pal.punct.on(v)
	case v == "true" || v == "false" || v == "null":
		out = pal.lit.on(v)
	case strings.Contains(v, decode.SecretMask):
		out = pal.masked.on(v)
	case strings.HasPrefix(v, `"`):
		out = pal.str.on(v)
	case numberRe.MatchString(v):
		out = pal.num.on(v)
	default:
		out = v
	}
	return out + pal.punct.on(comma)
}

// diffLines is a line diff of two texts: full context when whole is set
// (the refreshed object with its changes marked in place), three lines
// around each change otherwise (history). It returns the colored diff,
// its plain form, and how many lines changed.
func diffLines(pal palette, before, after string, whole bool) (content, plain string, changed int) {
	edits := udiff.Strings(before, after)
	if len(edits) == 0 {
		return "", "", 0
	}
	ctx := 3
	if whole {
		ctx = strings.Count(before, "\n") + strings.Count(after, "\n") + 1
	}
	u, err := udiff.ToUnifiedDiff("before", "after", before, edits, ctx)
	if err != nil {
		msg := "cannot diff: " + err.Error() + "\n"
		return msg, msg, 0
	}
	var c, p strings.Builder
	for i, h := range u.Hunks {
		if !whole {
			hdr := fmt.Sprintf("@@ line %d @@", h.FromLine)
			if i > 0 {
				c.WriteByte('\n')
				p.WriteByte('\n')
			}
			c.WriteString(pal.hunk.on(hdr) + "\n")
			p.WriteString(hdr + "\n")
		}
		for _, l := range h.Lines {
			text := strings.TrimSuffix(l.Content, "\n")
			switch l.Kind {
			case udiff.Insert:
				changed++
				c.WriteString(pal.add.on("+ "+text) + "\n")
				p.WriteString("+ " + text + "\n")
			case udiff.Delete:
				changed++
				c.WriteString(pal.del.on("- "+text) + "\n")
				p.WriteString("- " + text + "\n")
			default:
				c.WriteString("  " + text + "\n")
				p.WriteString("  " + text + "\n")
			}
		}
	}
	return c.String(), p.String(), changed
}
