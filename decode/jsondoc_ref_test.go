package decode

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/etcdscope/etcdscope/decode/fixture"
)

// tokenParseJSON is the first parser of this package, kept as the
// reference the byte-level parser is held to: it builds the tree from
// encoding/json's Decoder.Token, so it accepts exactly what encoding/json
// accepts and unquotes strings exactly as encoding/json does.
func tokenParseJSON(b []byte) (*jsonNode, error) {
	p := tokenParser{dec: json.NewDecoder(bytes.NewReader(b))}
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

type tokenParser struct{ dec *json.Decoder }

func (p *tokenParser) value(depth int) (*jsonNode, error) {
	tok, err := p.dec.Token()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, io.ErrUnexpectedEOF
		}
		return nil, err
	}
	switch t := tok.(type) {
	case nil:
		return &jsonNode{kind: jsonNull}, nil
	case bool:
		return &jsonNode{kind: jsonBool, boolean: t}, nil
	case json.Number:
		return &jsonNode{kind: jsonNumber, text: string(t)}, nil
	case string:
		return &jsonNode{kind: jsonString, text: t}, nil
	case json.Delim:
		if depth >= maxJSONDepth {
			return nil, fmt.Errorf("nesting deeper than %d", maxJSONDepth)
		}
		switch t {
		case '{':
			n := &jsonNode{kind: jsonObject}
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
			if _, err := p.dec.Token(); err != nil {
				return nil, err
			}
			return n, nil
		case '[':
			n := &jsonNode{kind: jsonArray}
			for p.dec.More() {
				v, err := p.value(depth + 1)
				if err != nil {
					return nil, err
				}
				n.items = append(n.items, v)
			}
			if _, err := p.dec.Token(); err != nil {
				return nil, err
			}
			return n, nil
		}
	}
	return nil, fmt.Errorf("unexpected json token %v", tok)
}

// dumpTree writes n with its kinds spelled out, so two trees compare
// exactly: number literals as text, strings byte for byte, member order.
func dumpTree(b []byte, n *jsonNode) []byte {
	switch n.kind {
	case jsonNull:
		return append(b, 'N')
	case jsonBool:
		if n.boolean {
			return append(b, 'T')
		}
		return append(b, 'F')
	case jsonNumber:
		return fmt.Appendf(b, "#%q", n.text)
	case jsonString:
		return fmt.Appendf(b, "$%q", n.text)
	case jsonArray:
		b = append(b, '[')
		for _, it := range n.items {
			b = dumpTree(b, it)
			b = append(b, ',')
		}
		return append(b, ']')
	case jsonObject:
		b = append(b, '{')
		for _, m := range n.members {
			b = fmt.Appendf(b, "%q:", m.name)
			b = dumpTree(b, m.value)
			b = append(b, ',')
		}
		return append(b, '}')
	}
	return fmt.Appendf(b, "?%d", n.kind)
}

// checkSameParse fails when the two parsers disagree on in: on success
// or failure, or on the tree. encoding/json's own validator is a third
// opinion on success: both cap nesting at the same depth.
func checkSameParse(t *testing.T, in []byte) {
	t.Helper()
	got, gotErr := parseJSON(in)
	want, wantErr := tokenParseJSON(in)
	if (gotErr == nil) != (wantErr == nil) {
		t.Fatalf("parse %.200q:\n byte-level error: %v\nreference error: %v", in, gotErr, wantErr)
	}
	if valid := json.Valid(in); valid != (gotErr == nil) {
		t.Fatalf("parse %.200q: error %v, but json.Valid says %v", in, gotErr, valid)
	}
	if gotErr != nil {
		if got != nil {
			t.Fatalf("parse %.200q: a tree with the error %v", in, gotErr)
		}
		if msg := gotErr.Error(); msg == "" || !strings.HasPrefix(msg, "json: ") {
			t.Fatalf("parse %.200q: error %q does not say it is about json", in, msg)
		}
		return
	}
	if g, w := string(got.appendJSON(nil)), string(want.appendJSON(nil)); g != w {
		t.Fatalf("parse %.200q: trees differ as json:\n got %.300s\nwant %.300s", in, g, w)
	}
	if g, w := string(dumpTree(nil, got)), string(dumpTree(nil, want)); g != w {
		t.Fatalf("parse %.200q: trees differ:\n got %.300s\nwant %.300s", in, g, w)
	}
}

// trickyJSON are inputs at the edges of RFC 8259 and of encoding/json.
var trickyJSON = []string{
	``, ` `, " \t\r\n", `{}`, `[]`, `""`, `0`, `-0`, `-0.0`, `1e400`, `-1E-400`, `1E+2`,
	`12345678901234567890123456789`, `0.1e1`, `9223372036854775808`,
	`01`, `-01`, `1.`, `.5`, `-`, `+1`, `1e`, `1e+`, `1.e5`, `0x10`, `1_000`, `NaN`, `Infinity`, `-Infinity`,
	`true`, `false`, `null`, `tru`, `nul`, `falsey`, `True`, `nulll`, `[true false]`,
	`"\""`, `"\\"`, `"\/"`, `"\b\f\n\r\t"`, `"\u0041\u00e9\u65e5"`, `"\ud83d\ude00"`,
	`"\ud83d"`, `"\ude00"`, `"\ud83dx"`, `"\ud83d\u0041"`, `"\uD83D\uDE00"`, `"\u00"`, `"\uzzzz"`,
	`"\x41"`, `"\a"`, `"\'"`, `"a` + "\x00" + `b"`, "\"a\nb\"", "\"tab\there\"", `"del` + "\x7f" + `"`,
	"\"bad \xff utf8\"", "\"trunc \xe6\x97\"", "\"overlong \xc0\xaf\"", "\"surrogate \xed\xa0\x80\"",
	"\"esc \\n and bad \xff\"", "\"日本語\"", "\"\xef\xbf\xbd\"", "\xff", "[\"a\"]\xff",
	`"unterminated`, `"ends in backslash\`, `"\`, `"`,
	`{"a":1} `, `{"a":1} {"b":2}`, `{"a":1}x`, `1 2`, `[1]]`, `{}}`, `[1,]`, `[,1]`, `[1 2]`,
	`{"a":1,}`, `{,"a":1}`, `{"a" 1}`, `{"a":}`, `{"a"}`, `{a:1}`, `{1:1}`, `{"a":1 "b":2}`, `{"a"::1}`,
	`{"a":1,"a":2}`, `{"":""}`, `[[[]]]`, `[{},[],"",0,null]`, `{"a":[1,2`, `{"a":{"b":`,
	` [ 1 , 2 ] `, "\t{\n\"a\"\r:\n1\n}\n", "\u00a0[]", "\ufeff{}", `[1,2,3]garbage`,
	strings.Repeat("[", maxJSONDepth) + strings.Repeat("]", maxJSONDepth),
	strings.Repeat("[", maxJSONDepth+1) + strings.Repeat("]", maxJSONDepth+1),
	strings.Repeat(`{"a":`, maxJSONDepth) + "1" + strings.Repeat("}", maxJSONDepth),
	strings.Repeat(`{"a":`, maxJSONDepth+1) + "1" + strings.Repeat("}", maxJSONDepth+1),
	strings.Repeat("[", 50),
}

// fixtureJSON returns every fixture value stored as JSON and every object
// the API server served for the fixture keys.
func fixtureJSON(tb testing.TB) [][]byte {
	tb.Helper()
	kvs, err := fixture.KVs()
	if err != nil {
		tb.Fatal(err)
	}
	exp, err := fixture.ExpectedObjects()
	if err != nil {
		tb.Fatal(err)
	}
	var out [][]byte
	for _, kv := range kvs {
		if looksLikeJSONObject(kv.Value) {
			out = append(out, kv.Value)
		}
	}
	for _, e := range exp {
		if len(e.Object) > 0 {
			out = append(out, e.Object)
		}
	}
	return out
}

func TestParseJSONMatchesReference(t *testing.T) {
	for _, in := range trickyJSON {
		checkSameParse(t, []byte(in))
	}
	docs := fixtureJSON(t)
	var stored int
	for _, in := range docs {
		checkSameParse(t, in)
		if bytes.HasPrefix(in, []byte(`{"kind":"CustomResourceDefinition","apiVersion":"apiextensions.k8s.io/v1beta1"`)) {
			stored++
		}
	}
	if len(docs) < 600 || stored == 0 {
		t.Fatalf("only %d fixture documents (%d stored CRDs): the fixture did not load as expected", len(docs), stored)
	}
}

func TestParseJSONKeepsSiblingsApart(t *testing.T) {
	// Members and items share slabs: growing one container must not
	// overwrite the next one's.
	n := mustParse(t, `[{"a":1},{"b":2},[3],[4]]`)
	n.items[0].set("z", &jsonNode{kind: jsonNull}, "a")
	n.items[2].items = append(n.items[2].items, &jsonNode{kind: jsonNull})
	if got, want := string(n.marshal()), `[{"a":1,"z":null},{"b":2},[3,null],[4]]`; got != want {
		t.Errorf("after growing siblings: %s, want %s", got, want)
	}
}

func TestParseJSONStringsAreExact(t *testing.T) {
	for in, want := range map[string]string{
		`"plain"`:         "plain",
		`"\ud83d\ude00"`:  "😀",
		`"\ud83d"`:        "\ufffd",
		"\"bad \xff\"":    "bad \ufffd",
		`"a\u0000b"`:      "a\x00b",
		`"\"q\" \\ \/ é"`: `"q" \ / é`,
	} {
		n := mustParse(t, in)
		if n.kind != jsonString || n.text != want {
			t.Errorf("parse %s = kind %d %q, want string %q", in, n.kind, n.text, want)
		}
	}
}

// FuzzParseJSON holds the byte-level parser to the Token-based reference
// on every fixture document, the tricky inputs above and their mutations.
func FuzzParseJSON(f *testing.F) {
	for _, in := range trickyJSON {
		f.Add([]byte(in))
	}
	for _, in := range fixtureJSON(f) {
		f.Add(in)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		checkSameParse(t, in)
	})
}
