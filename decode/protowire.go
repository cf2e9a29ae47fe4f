package decode

import (
	"fmt"
	"unicode"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"
)

// maxFieldDepth bounds how deep nested messages are dumped; deeper bytes
// stay bytes so hostile input cannot recurse without end.
const maxFieldDepth = 64

// dumpFields decodes a protobuf message without its schema: every field
// with its number and wire type, bytes fields shown as text when they are
// printable, as a nested message when they parse as one in full, else as
// bytes. It is how an object of a type this build does not know is shown.
func dumpFields(b []byte, depth int) ([]Field, error) {
	var out []Field
	err := eachField(b, func(num protowire.Number, typ protowire.Type, v []byte) {
		f := Field{Number: int32(num)}
		switch typ {
		case protowire.VarintType:
			x, _ := protowire.ConsumeVarint(v)
			f.Wire, f.Varint = "varint", &x
		case protowire.Fixed32Type:
			x, _ := protowire.ConsumeFixed32(v)
			x64 := uint64(x)
			f.Wire, f.Varint = "fixed32", &x64
		case protowire.Fixed64Type:
			x, _ := protowire.ConsumeFixed64(v)
			f.Wire, f.Varint = "fixed64", &x
		case protowire.BytesType:
			f.Wire = "bytes"
			describeBytes(&f, v, depth)
		case protowire.StartGroupType:
			f.Wire = "group"
			if depth+1 < maxFieldDepth {
				if msg, err := dumpFields(v, depth+1); err == nil {
					f.Message = msg
				} else {
					f.Bytes = v
				}
			} else {
				f.Bytes = v
			}
		}
		out = append(out, f)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// eachField walks the top-level fields of a protobuf message without its
// schema, calling fn with each field's number, wire type and value: the
// contents of a bytes field or group, else the encoded number. It fails
// on bytes that are not a message, before calling fn for the field that
// does not parse.
func eachField(b []byte, fn func(num protowire.Number, typ protowire.Type, v []byte)) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return fmt.Errorf("field tag at byte %d: %w", len(b), protowire.ParseError(n))
		}
		b = b[n:]
		var v []byte
		switch typ {
		case protowire.VarintType:
			_, m := protowire.ConsumeVarint(b)
			if m < 0 {
				return fmt.Errorf("field %d varint: %w", num, protowire.ParseError(m))
			}
			v, n = b[:m], m
		case protowire.Fixed32Type:
			_, m := protowire.ConsumeFixed32(b)
			if m < 0 {
				return fmt.Errorf("field %d fixed32: %w", num, protowire.ParseError(m))
			}
			v, n = b[:m], m
		case protowire.Fixed64Type:
			_, m := protowire.ConsumeFixed64(b)
			if m < 0 {
				return fmt.Errorf("field %d fixed64: %w", num, protowire.ParseError(m))
			}
			v, n = b[:m], m
		case protowire.BytesType:
			x, m := protowire.ConsumeBytes(b)
			if m < 0 {
				return fmt.Errorf("field %d bytes: %w", num, protowire.ParseError(m))
			}
			v, n = x, m
		case protowire.StartGroupType:
			x, m := protowire.ConsumeGroup(num, b)
			if m < 0 {
				return fmt.Errorf("field %d group: %w", num, protowire.ParseError(m))
			}
			v, n = x, m
		default:
			return fmt.Errorf("field %d: unexpected wire type %d", num, typ)
		}
		fn(num, typ, v)
		b = b[n:]
	}
	return nil
}

// describeBytes fills a bytes field: printable text first (a Kubernetes
// name or label is far more common than a message that happens to be
// printable), then a nested message that parses in full, then raw bytes.
func describeBytes(f *Field, v []byte, depth int) {
	if printable(v) {
		s := string(v)
		f.String = &s
		return
	}
	if depth+1 < maxFieldDepth {
		if msg, err := dumpFields(v, depth+1); err == nil && len(msg) > 0 {
			f.Message = msg
			return
		}
	}
	f.Bytes = append([]byte(nil), v...)
}

// printable reports whether b is valid UTF-8 made of printable characters
// and ordinary whitespace.
func printable(b []byte) bool {
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size == 1 {
			return false
		}
		if !unicode.IsPrint(r) && r != '\n' && r != '\t' && r != '\r' {
			return false
		}
		b = b[size:]
	}
	return true
}
