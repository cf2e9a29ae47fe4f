package decode

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// YAML renders a JSON document as YAML the way kubectl shows it (two-space
// indent, sequences not indented under their key, multi-line strings as
// literal blocks) while keeping member order and number literals exactly.
// Strings that a YAML 1.1 or 1.2 reader would take for anything else
// (numbers, booleans, null, timestamps) are quoted.
//
// It writes block YAML itself rather than through go.yaml.in/yaml/v3's
// encoder: that encoder keeps every event of a document in a queue that
// only grows, which made a Pod cost several times the 300 µs budget. The
// tests hold this writer to the library: its output must read back, with
// yaml/v3, to exactly the document it was given.
func YAML(doc json.RawMessage) ([]byte, error) {
	root, err := parseJSON(doc)
	if err != nil {
		return nil, fmt.Errorf("render yaml: %w", err)
	}
	w := yamlWriter{out: make([]byte, 0, len(doc)+len(doc)/2)}
	w.document(root)
	return w.out, nil
}

// yamlWriter writes block-style YAML from an ordered JSON tree.
type yamlWriter struct {
	out []byte
	// spans, when not nil, records the tokens of what is written.
	spans *spanList
	// fold, when set, is the mapping whose member foldAt was folded away:
	// a comment (foldNote) stands in its place.
	fold     *jsonNode
	foldAt   int
	foldNote string
}

// document writes root as a whole document.
func (w *yamlWriter) document(root *jsonNode) {
	switch {
	case root.kind == jsonObject && len(root.members) > 0:
		w.mapping(root, 0)
	case root.kind == jsonArray && len(root.items) > 0:
		w.sequence(root, 0)
	default:
		w.scalar(root, 2)
		w.out = append(w.out, '\n')
	}
}

// punct appends structure and records it.
func (w *yamlWriter) punct(s string) {
	start := len(w.out)
	w.out = append(w.out, s...)
	w.spans.add(TokenPunct, start, len(w.out))
}

// spaces feeds indent one append per line rather than one per space.
const spaces = "                                                                "

func (w *yamlWriter) indent(n int) {
	for n > len(spaces) {
		w.out = append(w.out, spaces...)
		n -= len(spaces)
	}
	w.out = append(w.out, spaces[:n]...)
}

// mapping writes a non-empty object whose first key goes where the
// cursor is and whose other keys are indented by ind.
func (w *yamlWriter) mapping(n *jsonNode, ind int) {
	for i, m := range n.members {
		if n == w.fold && i == w.foldAt {
			w.comment(ind, i > 0)
			w.indent(ind)
		} else if i > 0 {
			w.indent(ind)
		}
		w.key(m.name, ind)
		w.punct(":")
		w.value(m.value, ind, true)
	}
	if n == w.fold && w.foldAt == len(n.members) {
		w.comment(ind, true)
	}
}

// comment writes the fold note as a comment line, indented by ind unless
// the cursor is already there.
func (w *yamlWriter) comment(ind int, indent bool) {
	if indent {
		w.indent(ind)
	}
	start := len(w.out)
	w.out = append(w.out, "# "...)
	w.out = append(w.out, w.foldNote...)
	w.spans.add(TokenNote, start, len(w.out))
	w.out = append(w.out, '\n')
}

// sequence writes a non-empty array whose first item goes where the
// cursor is and whose other items are indented by ind.
func (w *yamlWriter) sequence(n *jsonNode, ind int) {
	for i, it := range n.items {
		if i > 0 {
			w.indent(ind)
		}
		w.punct("-")
		w.value(it, ind, false)
	}
}

// value writes what follows "key:" (inMap) or "-", ending with a newline;
// ind is the indentation of that key or dash.
func (w *yamlWriter) value(v *jsonNode, ind int, inMap bool) {
	switch {
	case v.kind == jsonObject && len(v.members) > 0:
		if inMap {
			w.out = append(w.out, '\n')
			w.indent(ind + 2)
		} else {
			w.out = append(w.out, ' ')
		}
		w.mapping(v, ind+2)
	case v.kind == jsonArray && len(v.items) > 0:
		if inMap {
			// Compact: the dashes line up with the key, as kubectl writes.
			w.out = append(w.out, '\n')
			w.indent(ind)
			w.sequence(v, ind)
		} else {
			w.out = append(w.out, ' ')
			w.sequence(v, ind+2)
		}
	default:
		w.out = append(w.out, ' ')
		w.scalar(v, ind+2)
		w.out = append(w.out, '\n')
	}
}

// scalar writes a scalar (or an empty collection) on the current line;
// a literal block's lines are indented by ind.
func (w *yamlWriter) scalar(v *jsonNode, ind int) {
	start := len(w.out)
	switch v.kind {
	case jsonNull:
		w.out = append(w.out, "null"...)
		w.spans.add(TokenLiteral, start, len(w.out))
	case jsonBool:
		w.out = strconv.AppendBool(w.out, v.boolean)
		w.spans.add(TokenLiteral, start, len(w.out))
	case jsonNumber:
		if _, err := strconv.ParseFloat(v.text, 64); err != nil {
			// Beyond float64's range: readers would take it as a string.
			w.punct("!!float ")
			start = len(w.out)
		}
		w.out = append(w.out, v.text...)
		w.spans.add(TokenNumber, start, len(w.out))
	case jsonArray:
		w.punct("[]")
	case jsonObject:
		w.punct("{}")
	case jsonString:
		kind := TokenString
		if v.text == SecretMask {
			kind = TokenMasked
		}
		w.str(v.text, ind, true, kind)
	}
}

// maxImplicitKey is YAML's limit on the length of an implicit key; a
// longer one is written as an explicit "? key" line.
const maxImplicitKey = 1024

// key writes a mapping key, plain when that reads back as the same string,
// up to the colon that follows it.
func (w *yamlWriter) key(s string, ind int) {
	// The margin leaves room for what a reader counts beyond the key text.
	start, mark := len(w.out), w.spans.mark()
	w.str(s, ind, false, TokenKey)
	if len(w.out)-start > maxImplicitKey-24 {
		k := string(w.out[start:])
		w.spans.reset(mark)
		w.out = w.out[:start]
		w.punct("? ")
		start = len(w.out)
		w.out = append(w.out, k...)
		w.spans.add(TokenKey, start, len(w.out))
		w.out = append(w.out, '\n')
		w.indent(ind)
	}
}

// str writes a string scalar, recorded as kind, in the style yaml/v3 and
// kubectl choose: double-quoted when it would read as another type, else
// plain when it can be, a literal block for several lines, single-quoted
// for one line of printable text, double-quoted (with escapes) for
// anything else.
func (w *yamlWriter) str(s string, ind int, block bool, kind TokenKind) {
	start := len(w.out)
	switch {
	case readsAsOther(s):
		w.quoted(s)
	case plainChars(s):
		w.out = append(w.out, s...)
	case block && literalSafe(s):
		w.literal(s, ind, kind)
		return
	case singleQuotable(s):
		w.out = append(w.out, '\'')
		w.out = append(w.out, strings.ReplaceAll(s, "'", "''")...)
		w.out = append(w.out, '\'')
	default:
		w.quoted(s)
	}
	w.spans.add(kind, start, len(w.out))
}

// quoted writes a double-quoted scalar. JSON's escapes are a subset of
// YAML's; what YAML would read as a line break or not print is escaped.
func (w *yamlWriter) quoted(s string) {
	b := append(w.out, '"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b = append(b, '\\', byte(r))
		case r == '\n':
			b = append(b, '\\', 'n')
		case r == '\t':
			b = append(b, '\\', 't')
		case r == '\r':
			b = append(b, '\\', 'r')
		case r == ' ' || (r != utf8.RuneError && unicode.IsPrint(r)):
			b = utf8.AppendRune(b, r)
		case r > 0xffff:
			b = fmt.Appendf(b, "\\U%08x", r)
		default:
			b = fmt.Appendf(b, "\\u%04x", r)
		}
	}
	w.out = append(b, '"')
}

// literal writes s, which holds line breaks, as a literal block scalar
// with the chomping indicator that keeps its trailing newlines exact. Its
// lines are indented by ind and recorded as kind, one token each; the
// caller ends the last one.
func (w *yamlWriter) literal(s string, ind int, kind TokenKind) {
	body := strings.TrimRight(s, "\n")
	trailing := len(s) - len(body)
	start := len(w.out)
	w.out = append(w.out, '|')
	if s[0] == ' ' || s[0] == '\n' {
		// Leading white space would be taken for indentation.
		w.out = append(w.out, '2')
	}
	switch trailing {
	case 0:
		w.out = append(w.out, '-')
	case 1:
	default:
		w.out = append(w.out, '+')
	}
	w.spans.add(TokenPunct, start, len(w.out))
	for line := range strings.SplitSeq(body, "\n") {
		w.out = append(w.out, '\n')
		if line != "" {
			w.indent(ind)
			start = len(w.out)
			w.out = append(w.out, line...)
			w.spans.add(kind, start, len(w.out))
		}
	}
	for i := 1; i < trailing; i++ {
		w.out = append(w.out, '\n')
	}
}

// yamlWords are plain scalars that YAML 1.2 or 1.1 readers (kubectl's
// goyaml.v2 among them) resolve to null, booleans or merge keys.
var yamlWords = map[string]bool{
	"null": true, "Null": true, "NULL": true, "~": true,
	"true": true, "True": true, "TRUE": true, "false": true, "False": true, "FALSE": true,
	"y": true, "Y": true, "yes": true, "Yes": true, "YES": true,
	"n": true, "N": true, "no": true, "No": true, "NO": true,
	"on": true, "On": true, "ON": true, "off": true, "Off": true, "OFF": true,
	"<<": true, "=": true,
	".nan": true, ".NaN": true, ".NAN": true, ".inf": true, ".Inf": true, ".INF": true,
	"+.inf": true, "+.Inf": true, "+.INF": true, "-.inf": true, "-.Inf": true, "-.INF": true,
}

// readsAsOther reports whether s, written plain, would read back as
// something other than a string: null, a boolean, a number, a timestamp.
// Such strings are double-quoted, as yaml/v3 quotes them.
func readsAsOther(s string) bool {
	// No word is longer than five bytes; the length test spares most
	// strings the map lookup.
	if s == "" || (len(s) <= 5 && yamlWords[s]) {
		return true
	}
	c := s[0]
	return (c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9')) && mayResolveNonString(s)
}

// plainChars reports whether s is made of what a plain scalar may hold
// where it may hold it. It errs on the side of quoting.
func plainChars(s string) bool {
	switch c := s[0]; {
	case strings.IndexByte("?:,[]{}#&*!|>'\"%@`~ \t", c) >= 0:
		return false // indicators and leading white space
	case c == '-' && (len(s) == 1 || s[1] == ' ' || s[1] == '\t' || strings.HasPrefix(s, "---")):
		return false // a sequence entry or a document marker
	case c == '.' && strings.HasPrefix(s, "..."):
		return false // a document end marker
	}
	if last := s[len(s)-1]; last == ' ' || last == ':' {
		return false
	}
	if strings.Contains(s, ": ") || strings.Contains(s, " #") {
		return false
	}
	return printableText(s, false)
}

// singleQuotable reports whether s can be single-quoted: one line of
// printable characters.
func singleQuotable(s string) bool { return printableText(s, false) }

// printableText reports whether s is valid UTF-8 made of printable
// characters and spaces, and of tabs and line breaks when multiline is
// set. U+FFFD counts as unprintable: it may stand for invalid bytes.
// ASCII, most of what objects hold, is checked a byte at a time.
func printableText(s string, multiline bool) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if (c < 0x20 || c == 0x7f) && !(multiline && (c == '\n' || c == '\t')) {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			return false
		}
		i += size
	}
	return true
}

var (
	yamlFloat       = regexp.MustCompile(`^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`)
	yamlDate        = regexp.MustCompile(`^[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?`)
	yamlSexagesimal = regexp.MustCompile(`^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$`)
)

// mayResolveNonString reports whether a plain scalar starting with a digit
// could read as an integer (any base, with underscores), a float, a
// timestamp or a YAML 1.1 sexagesimal number.
func mayResolveNonString(s string) bool {
	plain := strings.ReplaceAll(s, "_", "")
	if i := notIntChar(plain); i >= 0 && i < 18 {
		// strconv would fail with a syntax error, which costs two
		// allocations (timestamps, IPs and quantities land here). Only
		// from 19 digits on may it report a range error before it reaches
		// the stray byte, and that reads as a number here: strconv decides.
		return yamlFloat.MatchString(plain) || yamlDate.MatchString(s) || yamlSexagesimal.MatchString(s)
	}
	if _, err := strconv.ParseInt(plain, 0, 64); err == nil || errors.Is(err, strconv.ErrRange) {
		return true
	}
	if _, err := strconv.ParseUint(plain, 0, 64); err == nil {
		return true
	}
	return yamlFloat.MatchString(plain) || yamlDate.MatchString(s) || yamlSexagesimal.MatchString(s)
}

// notIntChar returns the index of the first byte of s that
// strconv.ParseInt or ParseUint with base 0 can never accept (anything
// but signs, base prefixes and hex digits), or -1.
func notIntChar(s string) int {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f', c >= 'A' && c <= 'F':
		case c == '+', c == '-', c == 'x', c == 'X', c == 'o', c == 'O':
		default:
			return i
		}
	}
	return -1
}

// literalSafe reports whether s, which holds line breaks, reads back
// exactly from a literal block: printable lines with something on them.
func literalSafe(s string) bool {
	if !strings.Contains(s, "\n") || strings.Trim(s, "\n") == "" {
		return false
	}
	return printableText(s, true)
}

// IndentJSON renders a JSON document with four-space indentation as
// kubectl -o json does, keeping member order and literals; it ends with a
// newline.
func IndentJSON(doc json.RawMessage) ([]byte, error) {
	var buf bytes.Buffer
	if err := json.Indent(&buf, bytes.TrimSpace(doc), "", "    "); err != nil {
		return nil, fmt.Errorf("indent json: %w", err)
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

// indentJSON writes the valid JSON text src as json.Indent(dst, src, "",
// "    ") does, plus a final newline, recording its tokens in spans. It
// writes what json.Indent writes (the tests hold it to that on every
// fixture object) because json.Indent cannot say what it wrote; string
// literals are copied as they are, escapes and all.
func indentJSON(dst, src []byte, spans *spanList) []byte {
	depth := 0
	open := false // after { or [: the next byte opens a line, unless it closes
	for i := 0; i < len(src); {
		c := src[i]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			i++
			continue
		}
		if open && c != '}' && c != ']' {
			open = false
			depth++
			dst = jsonNewline(dst, depth)
		}
		start := len(dst)
		switch c {
		case '{', '[':
			open = true
			dst = append(dst, c)
			i++
			spans.add(TokenPunct, start, len(dst))
		case '}', ']':
			if open {
				open = false // an empty one stays {} or []
			} else {
				depth--
				dst = jsonNewline(dst, depth)
				start = len(dst)
			}
			dst = append(dst, c)
			i++
			spans.add(TokenPunct, start, len(dst))
		case ',':
			dst = append(dst, c)
			i++
			spans.add(TokenPunct, start, len(dst))
			dst = jsonNewline(dst, depth)
		case ':':
			dst = append(dst, c)
			i++
			spans.add(TokenPunct, start, len(dst))
			dst = append(dst, ' ')
		case '"':
			end := stringEnd(src, i)
			lit := src[i:end]
			dst = append(dst, lit...)
			i = end
			kind := TokenString
			switch {
			case nextIsColon(src, i):
				kind = TokenKey
			case len(lit) == len(SecretMask)+2 && string(lit[1:len(lit)-1]) == SecretMask:
				kind = TokenMasked
			}
			spans.add(kind, start, len(dst))
		default: // a number, true, false or null
			end := i
			for end < len(src) && !jsonDelimiter(src[end]) {
				end++
			}
			dst = append(dst, src[i:end]...)
			kind := TokenNumber
			if c == 't' || c == 'f' || c == 'n' {
				kind = TokenLiteral
			}
			i = end
			spans.add(kind, start, len(dst))
		}
	}
	return append(dst, '\n')
}

// jsonDelimiter reports whether c ends a number or a literal.
func jsonDelimiter(c byte) bool {
	switch c {
	case ',', ':', ']', '}', ' ', '\t', '\r', '\n':
		return true
	}
	return false
}

// jsonNewline starts a line indented by depth levels of four spaces.
func jsonNewline(dst []byte, depth int) []byte {
	dst = append(dst, '\n')
	for range depth {
		dst = append(dst, "    "...)
	}
	return dst
}

// stringEnd returns the index just past the string literal that starts at
// src[i], a quote.
func stringEnd(src []byte, i int) int {
	for j := i + 1; j < len(src); j++ {
		switch src[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(src)
}

// nextIsColon reports whether the next byte after white space is a colon:
// the string before it is a member name.
func nextIsColon(src []byte, i int) bool {
	for ; i < len(src); i++ {
		switch src[i] {
		case ' ', '\t', '\n', '\r':
		case ':':
			return true
		default:
			return false
		}
	}
	return false
}

// HexBytesPerLine is how many bytes a line of a hex dump may show to fit
// in columns: a multiple of eight, at least eight.
func HexBytesPerLine(columns int) int {
	n := 8
	for hexLineWidth(n+8) <= columns {
		n += 8
	}
	return n
}

// hexLineWidth is the width of a full line of a hex dump of n bytes: the
// offset, the bytes in groups of eight, the text between bars.
func hexLineWidth(n int) int { return 8 + 2 + 3*n + (n-1)/8 + 1 + 1 + n + 1 }

// appendHexDump writes b as hex.Dump does (offset, hex bytes in groups of
// eight, the printable ASCII between bars), with width bytes a line.
func appendHexDump(dst, b []byte, width int) []byte {
	for off := 0; off < len(b); off += width {
		line := b[off:min(off+width, len(b))]
		dst = fmt.Appendf(dst, "%08x  ", off)
		for i := range width {
			if i < len(line) {
				dst = append(dst, hexDigits[line[i]>>4], hexDigits[line[i]&0xf], ' ')
			} else {
				dst = append(dst, "   "...)
			}
			if i%8 == 7 && i+1 < width {
				dst = append(dst, ' ')
			}
		}
		dst = append(dst, " |"...)
		for _, c := range line {
			if c < 32 || c > 126 {
				c = '.'
			}
			dst = append(dst, c)
		}
		dst = append(dst, "|\n"...)
	}
	return dst
}
