package decode

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// jsonKind is the type of one node of an ordered JSON tree.
type jsonKind uint8

const (
	jsonNull jsonKind = iota
	jsonBool
	jsonNumber
	jsonString
	jsonArray
	jsonObject
)

// maxJSONDepth bounds nesting so hostile input cannot exhaust the stack.
const maxJSONDepth = 10000

// jsonNode is one value of an ordered JSON tree. Objects keep their members
// in document order and numbers keep their literal, which is why the
// decoder does not use map[string]any and float64.
type jsonNode struct {
	kind jsonKind
	// text is a string's value or a number's literal.
	text    string
	boolean bool
	members []jsonMember
	items   []*jsonNode
}

// jsonMember is one name/value pair of an object.
type jsonMember struct {
	name  string
	value *jsonNode
}

// parseJSON reads exactly one JSON value from b; anything but whitespace
// after it is an error. It validates b per RFC 8259 as it goes.
func parseJSON(b []byte) (*jsonNode, error) {
	// One copy of the input lets every string and number literal be a
	// substring of it: no allocation per string. The tree keeps the whole
	// copy alive, which is no more than the tree's own text would cost.
	src := string(b)
	p := jsonParser{src: src, validUTF8: utf8.ValidString(src)}
	p.skipSpace()
	n, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.pos < len(p.src) {
		return nil, fmt.Errorf("json: offset %d: unexpected data after the top-level value", p.pos)
	}
	return n, nil
}

// jsonParser is a recursive-descent parser over one JSON text. Nodes,
// members and items come from slabs rather than one allocation each;
// members and items of an open container collect on shared stacks and
// are copied into an exactly sized slab slice when it closes.
type jsonParser struct {
	src string
	pos int
	// validUTF8 says the whole text is valid UTF-8, so strings need no
	// check of their own.
	validUTF8 bool

	slab   []jsonNode
	mslab  []jsonMember
	islab  []*jsonNode
	mstack []jsonMember
	istack []*jsonNode
	// slabs, mslabs and islabs count the slabs allocated, which double
	// in size from small: a small document then costs little, a big one
	// few allocations.
	slabs, mslabs, islabs uint8
}

func (p *jsonParser) node(kind jsonKind) *jsonNode {
	if len(p.slab) == 0 {
		p.slab = make([]jsonNode, slabSize(&p.slabs, 64))
	}
	n := &p.slab[0]
	p.slab = p.slab[1:]
	n.kind = kind
	return n
}

// slabChunk is the largest slab of members or items allocated at once
// for small containers.
const slabChunk = 128

// slabSize is the size of the next slab: 8, doubling with each slab
// (counted in n) up to most.
func slabSize(n *uint8, most int) int {
	size := min(8<<*n, most)
	if size < most {
		*n++
	}
	return size
}

// takeMembers moves the members stacked since base into their own slice.
// Its capacity is its length, so a later append (set) copies it rather
// than overwrite the next object's members in the slab.
func (p *jsonParser) takeMembers(base int) []jsonMember {
	k := len(p.mstack) - base
	if k == 0 {
		return nil
	}
	if len(p.mslab) < k {
		p.mslab = make([]jsonMember, max(k, slabSize(&p.mslabs, slabChunk)))
	}
	out := p.mslab[:k:k]
	p.mslab = p.mslab[k:]
	copy(out, p.mstack[base:])
	clear(p.mstack[base:])
	p.mstack = p.mstack[:base]
	return out
}

// takeItems is takeMembers for array items.
func (p *jsonParser) takeItems(base int) []*jsonNode {
	k := len(p.istack) - base
	if k == 0 {
		return nil
	}
	if len(p.islab) < k {
		p.islab = make([]*jsonNode, max(k, slabSize(&p.islabs, slabChunk)))
	}
	out := p.islab[:k:k]
	p.islab = p.islab[k:]
	copy(out, p.istack[base:])
	clear(p.istack[base:])
	p.istack = p.istack[:base]
	return out
}

// skipSpace moves past JSON's four whitespace bytes.
func (p *jsonParser) skipSpace() {
	for p.pos < len(p.src) {
		switch p.src[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

// errEOF reports input that ends inside a value.
func (p *jsonParser) errEOF() error {
	return fmt.Errorf("json: offset %d: %w", p.pos, io.ErrUnexpectedEOF)
}

// errAt reports an unexpected byte, what was expected, and where.
func (p *jsonParser) errAt(want string) error {
	if p.pos >= len(p.src) {
		return p.errEOF()
	}
	return fmt.Errorf("json: offset %d: invalid character %q, want %s", p.pos, p.src[p.pos], want)
}

// value parses the value at p.pos, which follows any whitespace; depth
// counts the containers it sits in.
func (p *jsonParser) value(depth int) (*jsonNode, error) {
	if p.pos >= len(p.src) {
		return nil, p.errEOF()
	}
	switch c := p.src[p.pos]; {
	case c == '{':
		if depth >= maxJSONDepth {
			return nil, fmt.Errorf("json: offset %d: nesting deeper than %d", p.pos, maxJSONDepth)
		}
		return p.object(depth)
	case c == '[':
		if depth >= maxJSONDepth {
			return nil, fmt.Errorf("json: offset %d: nesting deeper than %d", p.pos, maxJSONDepth)
		}
		return p.array(depth)
	case c == '"':
		s, err := p.str()
		if err != nil {
			return nil, err
		}
		n := p.node(jsonString)
		n.text = s
		return n, nil
	case c == '-' || (c >= '0' && c <= '9'):
		lit, err := p.number()
		if err != nil {
			return nil, err
		}
		n := p.node(jsonNumber)
		n.text = lit
		return n, nil
	case c == 't':
		if err := p.literal("true"); err != nil {
			return nil, err
		}
		n := p.node(jsonBool)
		n.boolean = true
		return n, nil
	case c == 'f':
		if err := p.literal("false"); err != nil {
			return nil, err
		}
		return p.node(jsonBool), nil
	case c == 'n':
		if err := p.literal("null"); err != nil {
			return nil, err
		}
		return p.node(jsonNull), nil
	}
	return nil, p.errAt("a value")
}

// object parses an object; p.pos is at its opening brace.
func (p *jsonParser) object(depth int) (*jsonNode, error) {
	p.pos++ // {
	p.skipSpace()
	n := p.node(jsonObject)
	if p.pos < len(p.src) && p.src[p.pos] == '}' {
		p.pos++
		return n, nil
	}
	base := len(p.mstack)
	for {
		name, err := p.memberKey(false)
		if err != nil {
			return nil, err
		}
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		p.mstack = append(p.mstack, jsonMember{name: name, value: v})
		if done, err := p.next('}'); err != nil || done {
			n.members = p.takeMembers(base)
			return n, err
		}
	}
}

// memberKey reads an object member's name and the colon after it,
// leaving p.pos at the member's value; skip checks the name without
// building it.
func (p *jsonParser) memberKey(skip bool) (string, error) {
	if p.pos >= len(p.src) || p.src[p.pos] != '"' {
		return "", p.errAt("a string naming an object member")
	}
	var name string
	var err error
	if skip {
		err = p.skipStr()
	} else {
		name, err = p.str()
	}
	if err != nil {
		return "", err
	}
	p.skipSpace()
	if p.pos >= len(p.src) || p.src[p.pos] != ':' {
		return "", p.errAt("':' after an object key")
	}
	p.pos++
	p.skipSpace()
	return name, nil
}

// next moves past what follows a container's member or element: a comma
// (more to come) or the container's end (done).
func (p *jsonParser) next(end byte) (done bool, err error) {
	p.skipSpace()
	if p.pos >= len(p.src) {
		return false, p.errEOF()
	}
	switch p.src[p.pos] {
	case ',':
		p.pos++
		p.skipSpace()
		return false, nil
	case end:
		p.pos++
		return true, nil
	}
	if end == '}' {
		return false, p.errAt("',' or '}' after an object member")
	}
	return false, p.errAt("',' or ']' after an array element")
}

// array parses an array; p.pos is at its opening bracket.
func (p *jsonParser) array(depth int) (*jsonNode, error) {
	p.pos++ // [
	p.skipSpace()
	n := p.node(jsonArray)
	if p.pos < len(p.src) && p.src[p.pos] == ']' {
		p.pos++
		return n, nil
	}
	base := len(p.istack)
	for {
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		p.istack = append(p.istack, v)
		if done, err := p.next(']'); err != nil || done {
			n.items = p.takeItems(base)
			return n, err
		}
	}
}

// literal consumes the keyword want (true, false or null).
func (p *jsonParser) literal(want string) error {
	if !strings.HasPrefix(p.src[p.pos:], want) {
		for i := 0; i < len(want) && p.pos < len(p.src) && p.src[p.pos] == want[i]; i++ {
			p.pos++
		}
		return p.errAt("a value (in literal " + want + ")")
	}
	p.pos += len(want)
	return nil
}

// number consumes a number and returns its literal, checked against
// RFC 8259: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (p *jsonParser) number() (string, error) {
	start := p.pos
	if p.src[p.pos] == '-' {
		p.pos++
	}
	switch {
	case p.pos < len(p.src) && p.src[p.pos] == '0':
		p.pos++
	case p.pos < len(p.src) && p.src[p.pos] >= '1' && p.src[p.pos] <= '9':
		p.digits()
	default:
		return "", p.errAt("a digit in a number")
	}
	if p.pos < len(p.src) && p.src[p.pos] == '.' {
		p.pos++
		if !p.digits() {
			return "", p.errAt("a digit after a decimal point")
		}
	}
	if p.pos < len(p.src) && (p.src[p.pos] == 'e' || p.src[p.pos] == 'E') {
		p.pos++
		if p.pos < len(p.src) && (p.src[p.pos] == '+' || p.src[p.pos] == '-') {
			p.pos++
		}
		if !p.digits() {
			return "", p.errAt("a digit in an exponent")
		}
	}
	return p.src[start:p.pos], nil
}

// digits consumes a run of decimal digits and reports whether there was one.
func (p *jsonParser) digits() bool {
	start := p.pos
	for p.pos < len(p.src) && p.src[p.pos] >= '0' && p.src[p.pos] <= '9' {
		p.pos++
	}
	return p.pos > start
}

// str consumes a string and returns its value; p.pos is at the opening
// quote. A string without escapes or control bytes, in valid UTF-8, is
// its own value: a substring of the input. Anything else is left to
// encoding/json, so escapes, surrogates and invalid UTF-8 (U+FFFD) mean
// exactly what they mean there.
func (p *jsonParser) str() (string, error) {
	start := p.pos + 1
	ascii := true
	for i := start; i < len(p.src); i++ {
		c := p.src[i]
		switch {
		case c == '"':
			s := p.src[start:i]
			if !ascii && !p.validUTF8 && !utf8.ValidString(s) {
				return p.slowStr(start)
			}
			p.pos = i + 1
			return s, nil
		case c == '\\' || c < 0x20:
			return p.slowStr(start)
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	p.pos = len(p.src)
	return "", p.errEOF()
}

// slowStr finds the end of the string whose text starts at start and
// unquotes it with encoding/json.
func (p *jsonParser) slowStr(start int) (string, error) {
	end := -1
	for i := start; i < len(p.src); i++ {
		if c := p.src[i]; c == '\\' {
			i++
		} else if c == '"' {
			end = i
			break
		}
	}
	if end < 0 {
		p.pos = len(p.src)
		return "", p.errEOF()
	}
	var s string
	if err := json.Unmarshal([]byte(p.src[start-1:end+1]), &s); err != nil {
		return "", fmt.Errorf("json: offset %d: string: %w", start-1, err)
	}
	p.pos = end + 1
	return s, nil
}

// get returns the value of the first member called name, or nil.
func (n *jsonNode) get(name string) *jsonNode {
	if n == nil || n.kind != jsonObject {
		return nil
	}
	for _, m := range n.members {
		if m.name == name {
			return m.value
		}
	}
	return nil
}

// getString returns the string value of member name, or "".
func (n *jsonNode) getString(name string) string {
	if v := n.get(name); v != nil && v.kind == jsonString {
		return v.text
	}
	return ""
}

// remove deletes every member called name and returns the first removed
// value, or nil.
func (n *jsonNode) remove(name string) *jsonNode {
	if n == nil || n.kind != jsonObject {
		return nil
	}
	var found *jsonNode
	kept := n.members[:0]
	for _, m := range n.members {
		if m.name == name {
			if found == nil {
				found = m.value
			}
			continue
		}
		kept = append(kept, m)
	}
	n.members = kept
	return found
}

// set replaces the value of member name, or inserts it after the last
// present member of after (at the start when none is present).
func (n *jsonNode) set(name string, v *jsonNode, after ...string) {
	for i := range n.members {
		if n.members[i].name == name {
			n.members[i].value = v
			return
		}
	}
	at := 0
	for i, m := range n.members {
		for _, a := range after {
			if m.name == a {
				at = i + 1
			}
		}
	}
	n.members = append(n.members, jsonMember{})
	copy(n.members[at+1:], n.members[at:])
	n.members[at] = jsonMember{name: name, value: v}
}

// moveFirst puts the named members, in the given order, at the start of
// the object; members that are absent are skipped.
func (n *jsonNode) moveFirst(names ...string) {
	if n == nil || n.kind != jsonObject {
		return
	}
	front := make([]jsonMember, 0, len(n.members))
	for _, name := range names {
		for _, m := range n.members {
			if m.name == name {
				front = append(front, m)
				break
			}
		}
	}
	if len(front) == 0 {
		return
	}
	for _, m := range n.members {
		moved := false
		for _, f := range front {
			if m.name == f.name {
				moved = true
				break
			}
		}
		if !moved {
			front = append(front, m)
		}
	}
	n.members = front
}

// appendJSON writes n as compact JSON. Strings are escaped only where
// JSON requires it (no HTML escaping), numbers are written as their literal.
func (n *jsonNode) appendJSON(b []byte) []byte {
	switch n.kind {
	case jsonNull:
		return append(b, "null"...)
	case jsonBool:
		return strconv.AppendBool(b, n.boolean)
	case jsonNumber:
		return append(b, n.text...)
	case jsonString:
		return appendJSONString(b, n.text)
	case jsonArray:
		b = append(b, '[')
		for i, it := range n.items {
			if i > 0 {
				b = append(b, ',')
			}
			b = it.appendJSON(b)
		}
		return append(b, ']')
	case jsonObject:
		b = append(b, '{')
		for i, m := range n.members {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, m.name)
			b = append(b, ':')
			b = m.value.appendJSON(b)
		}
		return append(b, '}')
	}
	return b
}

// marshal returns n as compact JSON.
func (n *jsonNode) marshal() json.RawMessage {
	return n.appendJSON(make([]byte, 0, 256))
}

const hexDigits = "0123456789abcdef"

// appendJSONString quotes s per RFC 8259. Invalid UTF-8 becomes U+FFFD, as
// encoding/json does, so the output is always valid JSON.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
