package decode

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/etcdscope/etcdscope/decode/fixture"
	yaml "go.yaml.in/yaml/v3"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// golden compares got with testdata/golden/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from golden (run go test -update after checking):\n--- got\n%s", name, got)
	}
}

func TestGoldenYAML(t *testing.T) {
	cm := fixtureKV(t, "/registry/configmaps/shop/app-config")
	cases := []struct {
		name, key string
		value     []byte // overrides the fixture's value
	}{
		{name: "pod.yaml", key: "/registry/pods/shop/web-6bbcb4d55f-5z72c"},
		{name: "configmap.yaml", key: "/registry/configmaps/shop/app-config"},
		{name: "crd-v1beta1-json.yaml", key: "/registry/apiextensions.k8s.io/customresourcedefinitions/foos.cr.bar.com"},
		{name: "cr-cbor.yaml", key: "/registry/cr.bar.com/foos/coverage/cr-0"},
		{name: "cr-json.yaml", key: "/registry/cr.bar.com/foos/coverage/cr1foo"},
		{name: "secret-encrypted-record.yaml", key: "/registry/secrets/shop/db-credentials"},
		{name: "unknown-type-record.yaml", key: cm.Key, value: envelope(t, cm.Value, "future.example.com/v9", "Gizmo")},
	}
	dec := NewDecoder()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			kv := fixtureKV(t, c.key)
			if c.value != nil {
				kv.Value = c.value
			}
			v := dec.Decode(kv.Key, kv.Value, metaOf(kv))
			if v.Err != nil {
				t.Fatal(v.Err)
			}
			doc := v.Object
			if !v.IsObject() {
				// No object: the record is what a person or script sees.
				var err error
				if doc, err = json.Marshal(v.Record()); err != nil {
					t.Fatal(err)
				}
			}
			out, err := YAML(doc)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, c.name, out)
			// The YAML must read back to the same document.
			var back any
			if err := yaml.Unmarshal(out, &back); err != nil {
				t.Fatalf("yaml does not parse: %v", err)
			}
			rt, err := json.Marshal(back)
			if err != nil {
				t.Fatal(err)
			}
			if d := diffJSON("", mustParse(t, string(rt)), mustParse(t, string(doc))); d != "" {
				t.Errorf("yaml reads back differently: %s", d)
			}
		})
	}
}

func TestYAMLScalars(t *testing.T) {
	in := `{"max":9223372036854775807,"big":12345678901234567890,"huge":123456789012345678901234567890,` +
		`"dec":1.10,"exp":1e999,"neg":-5,"n":"123","t":"true","y":"yes","nul":"null","empty":"",` +
		`"ts":"2026-11-25T04:02:15Z","nil":null,"arr":[],"obj":{},"ml":"a\nb\n","list":[{"a":1},"x"],"b":false}`
	want := `max: 9223372036854775807
big: 12345678901234567890
huge: 123456789012345678901234567890
dec: 1.10
exp: !!float 1e999
neg: -5
"n": "123"
t: "true"
"y": "yes"
nul: "null"
empty: ""
ts: "2026-11-25T04:02:15Z"
nil: null
arr: []
obj: {}
ml: |
  a
  b
list:
- a: 1
- x
b: false
`
	got, err := YAML(json.RawMessage(in))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("YAML:\n%s\nwant:\n%s", got, want)
	}
}

func TestBigNumbersThroughDecode(t *testing.T) {
	cases := []struct {
		name  string
		value string
		enc   Encoding
	}{
		{"json", `{"apiVersion":"v1","kind":"X","metadata":{"name":"n"},"a":9223372036854775807,"b":12345678901234567890,"c":1.10}`, EncodingJSON},
		{"yaml", "apiVersion: v1\nkind: X\nmetadata:\n  name: n\na: 9223372036854775807\nb: 12345678901234567890\nc: 1.10\n", EncodingYAML},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := NewDecoder().Decode("/registry/x/n", []byte(c.value), &KeyMeta{ModRevision: 42})
			if v.Err != nil || v.Encoding != c.enc || v.Kind != "X" {
				t.Fatalf("got %s %s %v", v.Encoding, v.Kind, v.Err)
			}
			wantObj := `{"apiVersion":"v1","kind":"X","metadata":{"name":"n","resourceVersion":"42"},"a":9223372036854775807,"b":12345678901234567890,"c":1.10}`
			if string(v.Object) != wantObj {
				t.Errorf("object %s\nwant   %s", v.Object, wantObj)
			}
			y, err := YAML(v.Object)
			if err != nil {
				t.Fatal(err)
			}
			for _, lit := range []string{"a: 9223372036854775807\n", "b: 12345678901234567890\n", "c: 1.10\n"} {
				if !strings.Contains(string(y), lit) {
					t.Errorf("yaml lacks %q:\n%s", lit, y)
				}
			}
			j, err := IndentJSON(v.Object)
			if err != nil {
				t.Fatal(err)
			}
			for _, lit := range []string{`"a": 9223372036854775807,`, `"b": 12345678901234567890,`, `"c": 1.10`} {
				if !strings.Contains(string(j), lit) {
					t.Errorf("json lacks %q:\n%s", lit, j)
				}
			}
		})
	}
}

func TestIndentJSON(t *testing.T) {
	got, err := IndentJSON(json.RawMessage(`{"b":1.10,"a":[1,{"c":"<x>"}],"e":{}}`))
	if err != nil {
		t.Fatal(err)
	}
	want := "{\n    \"b\": 1.10,\n    \"a\": [\n        1,\n        {\n            \"c\": \"<x>\"\n        }\n    ],\n    \"e\": {}\n}\n"
	if string(got) != want {
		t.Errorf("IndentJSON:\n%s\nwant:\n%s", got, want)
	}
	if _, err := IndentJSON(json.RawMessage(`{"a":`)); err == nil {
		t.Error("IndentJSON accepted broken json")
	}
	if _, err := YAML(json.RawMessage(`{"a":`)); err == nil {
		t.Error("YAML accepted broken json")
	}
}

func TestHexDump(t *testing.T) {
	got := hexDump([]byte("k8s\x00\x0a\x0bhello, world!\xff"))
	want := "00000000  6b 38 73 00 0a 0b 68 65  6c 6c 6f 2c 20 77 6f 72  |k8s...hello, wor|\n" +
		"00000010  6c 64 21 ff                                       |ld!.|\n"
	if got != want {
		t.Errorf("hexDump:\n%s\nwant:\n%s", got, want)
	}
}

// The reference renderer: the same document through go.yaml.in/yaml/v3's
// own encoder, built from yaml.Nodes. YAML's output is held to it.

// yamlViaLibrary renders doc with the library's encoder.
func yamlViaLibrary(t testing.TB, doc json.RawMessage) []byte {
	t.Helper()
	root, err := parseJSON(doc)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	enc.CompactSeqIndent()
	if err := enc.Encode(toYAMLNode(root)); err != nil {
		t.Fatal(err)
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// toYAMLNode converts an ordered JSON tree to a YAML node tree. Scalars
// carry the tag of their JSON type so the encoder quotes strings that
// would otherwise resolve to something else and writes numbers as their
// literal. All nodes share one allocation.
func toYAMLNode(n *jsonNode) *yaml.Node {
	b := yamlBuilder{nodes: make([]yaml.Node, 0, countNodes(n))}
	return b.build(n)
}

// countNodes is how many YAML nodes n becomes (a member is two).
func countNodes(n *jsonNode) int {
	c := 1
	for _, it := range n.items {
		c += countNodes(it)
	}
	for _, m := range n.members {
		c += 1 + countNodes(m.value)
	}
	return c
}

type yamlBuilder struct{ nodes []yaml.Node }

func (b *yamlBuilder) add(y yaml.Node) *yaml.Node {
	b.nodes = append(b.nodes, y) // never reallocates: sized by countNodes
	return &b.nodes[len(b.nodes)-1]
}

func (b *yamlBuilder) build(n *jsonNode) *yaml.Node {
	switch n.kind {
	case jsonNull:
		return b.add(yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"})
	case jsonBool:
		return b.add(yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(n.boolean)})
	case jsonNumber:
		return b.add(yaml.Node{Kind: yaml.ScalarNode, Tag: numberTag(n.text), Value: n.text})
	case jsonString:
		return b.add(yamlString(n.text))
	case jsonArray:
		y := b.add(yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: make([]*yaml.Node, 0, len(n.items))})
		if len(n.items) == 0 {
			y.Style = yaml.FlowStyle // []
		}
		for _, it := range n.items {
			y.Content = append(y.Content, b.build(it))
		}
		return y
	default:
		y := b.add(yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: make([]*yaml.Node, 0, 2*len(n.members))})
		if len(n.members) == 0 {
			y.Style = yaml.FlowStyle // {}
		}
		for _, m := range n.members {
			k := b.add(yamlString(m.name))
			y.Content = append(y.Content, k, b.build(m.value))
		}
		return y
	}
}

// yamlString is a string scalar. The encoder quotes strings that YAML 1.2
// would read as something else; strings that only YAML 1.1 readers (such
// as the goyaml.v2 behind kubectl and sigs.k8s.io/yaml) take for booleans
// or sexagesimal numbers are quoted here, so the output reads back the
// same everywhere.
func yamlString(s string) yaml.Node {
	n := yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	if yaml11Special(s) {
		n.Style = yaml.DoubleQuotedStyle
	}
	return n
}

var yaml11Sexagesimal = regexp.MustCompile(`^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$`)

func yaml11Special(s string) bool {
	switch s {
	case "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
		"on", "On", "ON", "off", "Off", "OFF":
		return true
	}
	return len(s) >= 3 && s[0] <= '9' && yaml11Sexagesimal.MatchString(s)
}

// numberTag is !!int for integer literals a YAML reader can hold in 64
// bits, !!float otherwise; the encoder drops the tag whenever the literal
// already reads back that way.
func numberTag(lit string) string {
	if strings.ContainsAny(lit, ".eE") {
		return "!!float"
	}
	if _, err := strconv.ParseInt(lit, 10, 64); err == nil {
		return "!!int"
	}
	if _, err := strconv.ParseUint(lit, 10, 64); err == nil {
		return "!!int"
	}
	return "!!float"
}

// readBack parses YAML with the library and returns the document as
// compact JSON with order and literals kept.
func readBack(t testing.TB, y []byte) (string, error) {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal(y, &doc); err != nil {
		return "", err
	}
	if len(doc.Content) != 1 {
		return "", errors.New("not one document")
	}
	budget := maxYAMLNodes
	n, err := fromYAMLNode(doc.Content[0], &budget, 0)
	if err != nil {
		return "", err
	}
	return string(n.marshal()), nil
}

// TestYAMLMatchesLibrary renders every fixture object and checks that
// yaml/v3 reads it back to exactly the same document (order, literals),
// and that the text is what yaml/v3's own encoder writes.
func TestYAMLMatchesLibrary(t *testing.T) {
	kvs, err := fixture.KVs()
	if err != nil {
		t.Fatal(err)
	}
	dec := NewDecoder()
	same, objects := 0, 0
	for _, kv := range kvs {
		v := dec.Decode(kv.Key, kv.Value, metaOf(kv))
		if !v.IsObject() {
			continue
		}
		objects++
		got, err := YAML(v.Object)
		if err != nil {
			t.Fatalf("%s: %v", kv.Key, err)
		}
		back, err := readBack(t, got)
		if err != nil {
			t.Fatalf("%s: yaml does not read back: %v\n%s", kv.Key, err, got)
		}
		if want := string(mustParse(t, string(v.Object)).marshal()); back != want {
			t.Errorf("%s: reads back as\n%s\nwant\n%s", kv.Key, back, want)
		}
		if lib := yamlViaLibrary(t, v.Object); bytes.Equal(got, lib) {
			same++
		} else if testing.Verbose() {
			t.Logf("%s: differs from yaml/v3's encoder:\n%s\n--- yaml/v3:\n%s", kv.Key, got, lib)
		}
	}
	if objects != 667 || same != objects {
		t.Errorf("%d of %d objects render byte for byte as yaml/v3's encoder does, want all of 667", same, objects)
	}
}

func TestYAMLStrings(t *testing.T) {
	strs := []string{
		"", " ", "a", "a b", " lead", "trail ", "a: b", "a #b", "a#b", "key:", "-", "- x", "-x", "--flag",
		"?", "?x", ":x", "#", "&a", "*a", "!tag", "|", ">", "'", `"`, "%", "@", "`", "~", "~x", "<<", "=",
		"null", "Null", "NULL", "true", "False", "yes", "No", "on", "OFF", "y", "N",
		"0", "007", "0x1F", "0o17", "0b101", "1_000", "1e3", "1E+3", "1.5", ".5", "+1", "-1", ".inf", "-.Inf", ".NaN",
		"12345678901234567890", "123456789012345678901234567890", "0xFFFFFFFFFFFFFFFFFFFF",
		"2026-11-25", "2026-11-25T04:02:15Z", "2026-1-2 3:04:05", "1:20", "190:20:30.15",
		"6bbcb4d55f", "10.0.0.1", "80%", "1Gi", "100m", "v1", "k:{\"uid\":\"x\"}", "f:metadata", "a,b", "[x]", "{x}",
		"line1\nline2", "line1\nline2\n", "line1\n\n\n", "\nlead newline", "  indented\nsecond", "a\r\nb", "tab\there",
		"end\n", "\n", "\n\n", "x\u2028y", "bom\ufeff", "nel\u0085", "\x00\x01\x7f", "日本語", "emoji 😀", "a\\b", "quote\"in",
		strings.Repeat("k", 2000),
	}
	for _, s := range strs {
		for _, asKey := range []bool{false, true} {
			doc := &jsonNode{kind: jsonObject, members: []jsonMember{{name: "k", value: &jsonNode{kind: jsonString, text: s}}}}
			if asKey {
				doc.members[0] = jsonMember{name: s, value: &jsonNode{kind: jsonArray, items: []*jsonNode{{kind: jsonString, text: s}}}}
			}
			in := doc.marshal()
			got, err := YAML(in)
			if err != nil {
				t.Fatal(err)
			}
			back, err := readBack(t, got)
			if err != nil || back != string(in) {
				t.Errorf("%q (key %v): yaml\n%s\nreads back as %s (%v)", s, asKey, got, back, err)
			}

		}
	}
}

func TestYAMLShapes(t *testing.T) {
	in := `{"a":[[1,[2,3]],{"b":[{"c":{}}],"d":[]}],"e":{"f":{"g":"x\ny"}},"h":[{"i":"p\nq\n"}]}`
	want := `a:
- - 1
  - - 2
    - 3
- b:
  - c: {}
  d: []
e:
  f:
    g: |-
      x
      y
h:
- i: |
    p
    q
`
	got, err := YAML(json.RawMessage(in))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("YAML:\n%s\nwant:\n%s", got, want)
	}
	for _, doc := range []string{in, `[]`, `{}`, `"top"`, `"multi\nline"`, `[1,"a"]`, `null`, `12345678901234567890`} {
		got, err := YAML(json.RawMessage(doc))
		if err != nil {
			t.Fatal(err)
		}
		back, err := readBack(t, got)
		if err != nil || back != string(mustParse(t, doc).marshal()) {
			t.Errorf("%s: yaml\n%s\nreads back as %s (%v)", doc, got, back, err)
		}
	}
}
