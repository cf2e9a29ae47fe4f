package decode

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
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
// after it is an error.
func parseJSON(b []byte) (*jsonNode, error) {
	p := jsonParser{dec: json.NewDecoder(bytes.NewReader(b))}
	p.dec.UseNumber()
	n, err := p.value(0)
	if err != nil {
		return nil, err
	}
	if _, err := p.dec.Token(); !errors.Is(err, io.EOF) {
		if err == nil {
			return nil, errors.New("unexpected data after the top-level value")
		}
		return nil, err
	}
	return n, nil
}

// jsonParser builds a tree from encoding/json's tokens. Nodes come from
// slabs rather than one allocation each, which halves the parse time.
type jsonParser struct {
	dec  *json.Decoder
	slab []jsonNode
}

func (p *jsonParser) node(kind jsonKind) *jsonNode {
	if len(p.slab) == 0 {
		p.slab = make([]jsonNode, 64)
	}
	n := &p.slab[0]
	p.slab = p.slab[1:]
	n.kind = kind
	return n
}

func (p *jsonParser) value(depth int) (*jsonNode, error) {
	tok, err := p.dec.Token()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, io.ErrUnexpectedEOF
		}
		return nil, err
	}
	switch t := tok.(type) {
	case nil:
		return p.node(jsonNull), nil
	case bool:
		n := p.node(jsonBool)
		n.boolean = t
		return n, nil
	case json.Number:
		n := p.node(jsonNumber)
		n.text = string(t)
		return n, nil
	case string:
		n := p.node(jsonString)
		n.text = t
		return n, nil
	case json.Delim:
		if depth >= maxJSONDepth {
			return nil, fmt.Errorf("nesting deeper than %d", maxJSONDepth)
		}
		switch t {
		case '{':
			n := p.node(jsonObject)
			for p.dec.More() {
				k, err := p.dec.Token()
				if err != nil {
					return nil, err
				}
				name, ok := k.(string)
				if !ok {
					return nil, fmt.Errorf("object key is %T, not a string", k)
				}
				v, err := p.value(depth + 1)
				if err != nil {
					return nil, err
				}
				n.members = append(n.members, jsonMember{name: name, value: v})
			}
			if _, err := p.dec.Token(); err != nil { // the closing brace
				return nil, err
			}
			return n, nil
		case '[':
			n := p.node(jsonArray)
			for p.dec.More() {
				v, err := p.value(depth + 1)
				if err != nil {
					return nil, err
				}
				n.items = append(n.items, v)
			}
			if _, err := p.dec.Token(); err != nil { // the closing bracket
				return nil, err
			}
			return n, nil
		}
	}
	return nil, fmt.Errorf("unexpected json token %v", tok)
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
