package decode

import (
	"encoding/json"
	"math/big"
	"strings"
	"testing"
)

// equalJSON reports whether a and b are the same JSON value: member order
// does not matter, numbers compare by exact value (never via float64).
func equalJSON(a, b *jsonNode) bool {
	if a.kind != b.kind {
		return false
	}
	switch a.kind {
	case jsonNull:
		return true
	case jsonBool:
		return a.boolean == b.boolean
	case jsonString:
		return a.text == b.text
	case jsonNumber:
		return equalNumber(a.text, b.text)
	case jsonArray:
		if len(a.items) != len(b.items) {
			return false
		}
		for i := range a.items {
			if !equalJSON(a.items[i], b.items[i]) {
				return false
			}
		}
		return true
	case jsonObject:
		am, bm := memberMap(a), memberMap(b)
		if len(am) != len(bm) {
			return false
		}
		for k, av := range am {
			bv, ok := bm[k]
			if !ok || !equalJSON(av, bv) {
				return false
			}
		}
		return true
	}
	return false
}

func memberMap(n *jsonNode) map[string]*jsonNode {
	m := make(map[string]*jsonNode, len(n.members))
	for _, mem := range n.members {
		m[mem.name] = mem.value
	}
	return m
}

// equalNumber compares two JSON number literals as exact rationals.
func equalNumber(a, b string) bool {
	if a == b {
		return true
	}
	ra, ok1 := new(big.Rat).SetString(a)
	rb, ok2 := new(big.Rat).SetString(b)
	return ok1 && ok2 && ra.Cmp(rb) == 0
}

// diffJSON returns the path of the first difference between a and b, for
// failure messages.
func diffJSON(path string, a, b *jsonNode) string {
	if equalJSON(a, b) {
		return ""
	}
	if a.kind != b.kind || (a.kind != jsonObject && a.kind != jsonArray) || (a.kind == jsonArray && len(a.items) != len(b.items)) {
		return path + ": got " + string(a.marshal()) + " want " + string(b.marshal())
	}
	if a.kind == jsonArray {
		for i := range a.items {
			if d := diffJSON(path+"["+itoa(i)+"]", a.items[i], b.items[i]); d != "" {
				return d
			}
		}
	}
	am, bm := memberMap(a), memberMap(b)
	for k, av := range am {
		bv, ok := bm[k]
		if !ok {
			return path + "." + k + ": unexpected"
		}
		if d := diffJSON(path+"."+k, av, bv); d != "" {
			return d
		}
	}
	for k := range bm {
		if _, ok := am[k]; !ok {
			return path + "." + k + ": missing"
		}
	}
	return path
}

func itoa(i int) string { return big.NewInt(int64(i)).String() }

func mustParse(t *testing.T, s string) *jsonNode {
	t.Helper()
	n, err := parseJSON([]byte(s))
	if err != nil {
		t.Fatalf("parse %q: %v", s, err)
	}
	return n
}

func TestParseJSONKeepsOrderAndLiterals(t *testing.T) {
	in := `{"z":1,"a":{"big":12345678901234567890,"max":9223372036854775807,"dec":1.10,"exp":1E+400,"neg":-0.0},` +
		`"s":"<tag> & \"q\" \u00e9 \n","arr":[true,false,null,[],{}],"dup":1,"dup":2}`
	n := mustParse(t, in)
	want := `{"z":1,"a":{"big":12345678901234567890,"max":9223372036854775807,"dec":1.10,"exp":1E+400,"neg":-0.0},` +
		`"s":"<tag> & \"q\" é \n","arr":[true,false,null,[],{}],"dup":1,"dup":2}`
	if got := string(n.marshal()); got != want {
		t.Errorf("round trip:\n got %s\nwant %s", got, want)
	}
	if !json.Valid(n.marshal()) {
		t.Error("output is not valid json")
	}
}

func TestParseJSONRejects(t *testing.T) {
	for name, in := range map[string]string{
		"empty":          ``,
		"trailing data":  `{"a":1} {"b":2}`,
		"trailing comma": `{"a":1,}`,
		"truncated":      `{"a":[1,2`,
		"bad literal":    `{"a":tru}`,
		"deep":           strings.Repeat("[", maxJSONDepth+2) + strings.Repeat("]", maxJSONDepth+2),
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := parseJSON([]byte(in)); err == nil {
				t.Errorf("parseJSON(%.40q) succeeded", in)
			}
		})
	}
}

func TestAppendJSONStringEscapes(t *testing.T) {
	cases := []struct{ in, want string }{
		{"plain", `"plain"`},
		{"a\"b\\c", `"a\"b\\c"`},
		{"\x00\x1f\t\r\n", `"\u0000\u001f\t\r\n"`},
		{"bad \xff utf8", `"bad \ufffd utf8"`},
		{"<>&", `"<>&"`},
		{"日本", `"日本"`},
	}
	for _, c := range cases {
		got := string(appendJSONString(nil, c.in))
		if got != c.want {
			t.Errorf("appendJSONString(%q) = %s, want %s", c.in, got, c.want)
		}
		var back string
		if err := json.Unmarshal([]byte(got), &back); err != nil {
			t.Errorf("%s is not a json string: %v", got, err)
		}
	}
}

func TestEqualJSONComparesExactly(t *testing.T) {
	cases := []struct {
		a, b string
		want bool
	}{
		{`{"a":1,"b":2}`, `{"b":2,"a":1}`, true},
		{`{"a":1.10}`, `{"a":1.1}`, true},
		{`{"a":9007199254740993}`, `{"a":9007199254740992}`, false}, // equal as float64
		{`{"a":12345678901234567890}`, `{"a":12345678901234567891}`, false},
		{`[1,2]`, `[2,1]`, false},
		{`{"a":"1"}`, `{"a":1}`, false},
		{`{"a":null}`, `{}`, false},
	}
	for _, c := range cases {
		if got := equalJSON(mustParse(t, c.a), mustParse(t, c.b)); got != c.want {
			t.Errorf("equalJSON(%s, %s) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

func TestNodeSetAndMoveFirst(t *testing.T) {
	n := mustParse(t, `{"name":"a","namespace":"b","uid":"u","labels":{}}`)
	n.set("resourceVersion", &jsonNode{kind: jsonString, text: "7"}, "name", "namespace", "uid")
	if got, want := string(n.marshal()), `{"name":"a","namespace":"b","uid":"u","resourceVersion":"7","labels":{}}`; got != want {
		t.Errorf("set inserted: %s, want %s", got, want)
	}
	n.set("resourceVersion", &jsonNode{kind: jsonString, text: "8"})
	n.moveFirst("labels", "absent", "uid")
	if got, want := string(n.marshal()), `{"labels":{},"uid":"u","name":"a","namespace":"b","resourceVersion":"8"}`; got != want {
		t.Errorf("set replaced / moveFirst: %s, want %s", got, want)
	}
}
