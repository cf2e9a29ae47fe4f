package decode

import (
	"strings"
	"unicode/utf8"
)

// metadataNames are the members of ObjectMeta that Metadata keeps.
var metadataNames = []string{"name", "namespace", "uid", "creationTimestamp", "deletionTimestamp", "finalizers", "ownerReferences", "labels"}

// topNames picks a value's members for Metadata: its type, and of its
// metadata what Metadata keeps.
var topNames = []pick{{name: "apiVersion"}, {name: "kind"}, {name: "metadata", sub: metadataPicks}}

var metadataPicks = func() []pick {
	out := make([]pick, len(metadataNames))
	for i, n := range metadataNames {
		out[i] = pick{name: n}
	}
	return out
}()

// pick names a member pickObject builds; sub, when set and the member's
// value is an object, picks from that object in turn.
type pick struct {
	name string
	sub  []pick
}

// readJSONMeta reads the apiVersion, kind and metadata members of one
// JSON object, checking the whole text exactly as parseJSON does but
// building nodes only for what Metadata keeps: the rest is scanned. ok is
// false when b is not one valid JSON object, which Decode then takes for
// text. As with get, the first member of a name counts. md, when the
// object has a metadata object, holds only the members Metadata keeps.
func readJSONMeta(b []byte) (apiVersion, kind string, md *jsonNode, ok bool) {
	if !utf8.Valid(b) {
		return "", "", nil, false
	}
	p := jsonParser{src: string(b), validUTF8: true}
	p.skipSpace()
	if p.pos >= len(p.src) || p.src[p.pos] != '{' {
		return "", "", nil, false
	}
	root, err := p.pickObject(0, topNames)
	if err != nil {
		return "", "", nil, false
	}
	p.skipSpace()
	if p.pos < len(p.src) {
		return "", "", nil, false
	}
	// Strings are cut from the parser's copy of b: what is kept is copied
	// out (here and in setFromJSON), so it does not keep the whole value.
	return strings.Clone(root.getString("apiVersion")), strings.Clone(root.getString("kind")), root.get("metadata"), true
}

// pickObject parses the object at p.pos (depth containers deep) as object
// does, but builds only the first member of each name in picks; the
// others are scanned.
func (p *jsonParser) pickObject(depth int, picks []pick) (*jsonNode, error) {
	p.pos++ // {
	p.skipSpace()
	n := p.node(jsonObject)
	n.members = make([]jsonMember, 0, len(picks))
	if p.pos < len(p.src) && p.src[p.pos] == '}' {
		p.pos++
		return n, nil
	}
	for {
		name, err := p.memberKey(false)
		if err != nil {
			return nil, err
		}
		want := -1
		for i := range picks {
			if picks[i].name == name {
				want = i
				break
			}
		}
		if want >= 0 && n.get(name) == nil {
			var v *jsonNode
			if sub := picks[want].sub; sub != nil && p.pos < len(p.src) && p.src[p.pos] == '{' && depth+1 < maxJSONDepth {
				v, err = p.pickObject(depth+1, sub)
			} else {
				v, err = p.value(depth + 1)
			}
			if err != nil {
				return nil, err
			}
			n.members = append(n.members, jsonMember{name: name, value: v})
		} else if err := p.skipValue(depth + 1); err != nil {
			return nil, err
		}
		if done, err := p.next('}'); err != nil || done {
			return n, err
		}
	}
}

// skipValue checks the value at p.pos as value does and moves past it
// without building anything; depth counts the containers it sits in.
func (p *jsonParser) skipValue(depth int) error {
	if p.pos >= len(p.src) {
		return p.errEOF()
	}
	switch c := p.src[p.pos]; {
	case c == '{' || c == '[':
		if depth >= maxJSONDepth {
			return p.errAt("less nesting")
		}
		return p.skipContainer(depth)
	case c == '"':
		return p.skipStr()
	case c == '-' || (c >= '0' && c <= '9'):
		_, err := p.number()
		return err
	case c == 't':
		return p.literal("true")
	case c == 'f':
		return p.literal("false")
	case c == 'n':
		return p.literal("null")
	}
	return p.errAt("a value")
}

// skipContainer moves past an object or an array; p.pos is at its
// opening brace or bracket.
func (p *jsonParser) skipContainer(depth int) error {
	isObject := p.src[p.pos] == '{'
	end := byte(']')
	if isObject {
		end = '}'
	}
	p.pos++
	p.skipSpace()
	if p.pos < len(p.src) && p.src[p.pos] == end {
		p.pos++
		return nil
	}
	for {
		if isObject {
			if _, err := p.memberKey(true); err != nil {
				return err
			}
		}
		if err := p.skipValue(depth + 1); err != nil {
			return err
		}
		if done, err := p.next(end); err != nil || done {
			return err
		}
	}
}

// skipStr moves past a string, checking it as str does (encoding/json's
// rules: no control bytes, only JSON's escapes); p.pos is at its opening
// quote and the text is valid UTF-8.
func (p *jsonParser) skipStr() error {
	for i := p.pos + 1; i < len(p.src); i++ {
		switch c := p.src[i]; {
		case c == '"':
			p.pos = i + 1
			return nil
		case c < 0x20:
			p.pos = i
			return p.errAt("no control character in a string")
		case c == '\\':
			i++
			if i >= len(p.src) {
				break
			}
			switch p.src[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if i+4 >= len(p.src) || !isHex4(p.src[i+1:i+5]) {
					p.pos = i
					return p.errAt("four hex digits after \\u")
				}
				i += 4
			default:
				p.pos = i
				return p.errAt("an escape character")
			}
		}
	}
	p.pos = len(p.src)
	return p.errEOF()
}

func isHex4(s string) bool {
	for i := range 4 {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}
