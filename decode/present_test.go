package decode

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/etcdscope/etcdscope/decode/fixture"
	yaml "go.yaml.in/yaml/v3"
)

const (
	podKey        = "/registry/pods/shop/web-6bbcb4d55f-5z72c"
	deploymentKey = "/registry/deployments/shop/web"
)

// checkTokens holds a document's tokens to their contract: they make up
// the text exactly, only plain ones hold line breaks, none is empty and
// neighbours differ in kind.
func checkTokens(t *testing.T, d Document) {
	t.Helper()
	var b strings.Builder
	for i, tk := range d.Tokens {
		b.WriteString(tk.Text)
		switch {
		case tk.Text == "":
			t.Fatalf("token %d is empty", i)
		case tk.Kind != TokenPlain && strings.Contains(tk.Text, "\n"):
			t.Fatalf("token %d (%s) holds a line break: %q", i, tk.Kind, tk.Text)
		case i > 0 && d.Tokens[i-1].Kind == tk.Kind:
			t.Fatalf("tokens %d and %d are both %s", i-1, i, tk.Kind)
		}
	}
	if b.String() != d.Text {
		t.Fatalf("tokens make up another text:\n%s\nwant\n%s", b.String(), d.Text)
	}
}

// decodeFixture decodes one fixture key with its revisions.
func decodeFixture(t *testing.T, key string) Value {
	t.Helper()
	kv := fixtureKV(t, key)
	v := NewDecoder().Decode(kv.Key, kv.Value, metaOf(kv))
	if v.Err != nil {
		t.Fatalf("decode %s: %v", key, v.Err)
	}
	return v
}

// TestPresentEveryFixtureValue presents every live fixture value in every
// format, with and without tokens: objects must come out as the bytes
// YAML and IndentJSON (json.Indent) write, and hex as hex.Dump.
func TestPresentEveryFixtureValue(t *testing.T) {
	kvs, err := fixture.KVs()
	if err != nil {
		t.Fatal(err)
	}
	dec := NewDecoder()
	objects := 0
	for _, kv := range kvs {
		v := dec.Decode(kv.Key, kv.Value, metaOf(kv))
		for _, f := range []Format{FormatYAML, FormatJSON, FormatHex} {
			d := Present(v, PresentOptions{Format: f, Tokens: true})
			checkTokens(t, d)
			if plain := Present(v, PresentOptions{Format: f}); plain.Text != d.Text || plain.Tokens != nil {
				t.Fatalf("%s %s: the text differs with tokens, or tokens came unasked", kv.Key, f)
			}
			var want []byte
			switch {
			case f == FormatHex:
				want = []byte(hex.Dump(v.Raw))
			case !v.IsObject():
				continue
			case f == FormatYAML:
				want, err = YAML(v.Object)
			case f == FormatJSON:
				want, err = IndentJSON(v.Object)
			}
			if err != nil {
				t.Fatal(err)
			}
			if d.Text != string(want) {
				t.Fatalf("%s as %s differs from the writer's:\n%s\nwant\n%s", kv.Key, f, d.Text, want)
			}
			if d.Structured != v.IsObject() {
				t.Fatalf("%s: Structured %v for an object %v", kv.Key, d.Structured, v.IsObject())
			}
		}
		if v.IsObject() {
			objects++
		}
	}
	if objects < 600 {
		t.Fatalf("only %d fixture objects presented", objects)
	}
}

// TestPresentValueKinds covers what is not an object.
func TestPresentValueKinds(t *testing.T) {
	pod := fixtureKV(t, podKey)
	secret := fixtureKV(t, "/registry/secrets/shop/db-credentials")
	cm := fixtureKV(t, "/registry/configmaps/shop/app-config")
	dec := NewDecoder()
	cases := []struct {
		name, key  string
		value      []byte
		text       string // the whole text, or its start with "…"
		note       string
		structured bool
	}{
		{name: "text", value: []byte("hello etcd"), text: "hello etcd\n"},
		{name: "text ending in a line break", value: []byte("a\nb\n"), text: "a\nb\n"},
		{name: "yaml manifest", value: []byte("apiVersion: v1\nkind: ConfigMap\ndata:\n  a: \"1\"\n"),
			text: "apiVersion: v1\nkind: ConfigMap\ndata:\n  a: \"1\"\n", structured: true},
		{name: "empty", value: nil, text: "(empty value)\n"},
		{name: "binary", value: []byte{0, 1, 0xff}, text: hex.Dump([]byte{0, 1, 0xff})},
		{name: "still encrypted", key: secret.Key, value: secret.Value, text: hex.Dump(secret.Value),
			note: "still encrypted: no encryption config given"},
		{name: "decode error", key: pod.Key, value: pod.Value[:len(pod.Value)/2], text: hex.Dump(pod.Value[:len(pod.Value)/2]),
			note: "decode error: decode protobuf: …"},
		{name: "unknown type", key: cm.Key, value: envelope(t, cm.Value, "future.example.com/v9", "Gizmo"),
			text: "apiVersion: future.example.com/v9\nkind: Gizmo\nmetadata:\n  name: app-config\n  namespace: shop\n…",
			note: "type unknown to this build: metadata decoded, other fields raw", structured: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := dec.Decode(c.key, c.value, nil)
			d := Present(v, PresentOptions{Tokens: true})
			checkTokens(t, d)
			if !matches(d.Text, c.text) {
				t.Errorf("text:\n%s\nwant\n%s", d.Text, c.text)
			}
			if !matches(d.Note, c.note) {
				t.Errorf("note %q, want %q", d.Note, c.note)
			}
			if d.Structured != c.structured {
				t.Errorf("Structured = %v", d.Structured)
			}
			if j := Present(v, PresentOptions{Format: FormatJSON}); !c.structured && j.Text != d.Text {
				t.Errorf("a value that is not an object differs between YAML and JSON:\n%s", j.Text)
			}
		})
	}
	t.Run("empty is a note", func(t *testing.T) {
		d := Present(dec.Decode("", nil, nil), PresentOptions{Tokens: true})
		if d.Tokens[0].Kind != TokenNote || d.Tokens[0].Text != "(empty value)" {
			t.Errorf("tokens %+v", d.Tokens)
		}
	})
	t.Run("hex notes the size", func(t *testing.T) {
		d := Present(dec.Decode(pod.Key, pod.Value, nil), PresentOptions{Format: FormatHex})
		if d.Note != "stored bytes, 2.4 KiB" || !d.Structured || d.Text != hex.Dump(pod.Value) {
			t.Errorf("note %q, structured %v", d.Note, d.Structured)
		}
	})
	t.Run("unknown type shows its metadata, then its fields labelled", func(t *testing.T) {
		v := dec.Decode(cm.Key, envelope(t, cm.Value, "future.example.com/v9", "Gizmo"), nil)
		text := Present(v, PresentOptions{FoldManagedFields: true}).Text
		for _, want := range []string{"\nmetadata:\n  name: app-config\n", "# managedFields:", "spec (field 2):"} {
			if !strings.Contains(text, want) {
				t.Errorf("document lacks %q:\n%.800s", want, text)
			}
		}
		var back map[string]any
		if err := json.Unmarshal([]byte(Present(v, PresentOptions{Format: FormatJSON}).Text), &back); err != nil || back["kind"] != "Gizmo" {
			t.Errorf("JSON form does not read back: %v", err)
		}
	})
}

// matches compares got with want, where a want ending in "…" is a prefix.
func matches(got, want string) bool {
	if p, ok := strings.CutSuffix(want, "…"); ok {
		return strings.HasPrefix(got, p)
	}
	return got == want
}

func TestPresentManagedFields(t *testing.T) {
	for _, c := range []struct {
		key, note string
	}{
		{podKey, "  # managedFields: 1 entry folded\n"},
		{deploymentKey, "  # managedFields: 3 entries folded\n"},
	} {
		t.Run(c.key, func(t *testing.T) {
			v := decodeFixture(t, c.key)
			want := len(mustParse(t, string(v.Object)).get("metadata").get("managedFields").items)
			folded := Present(v, PresentOptions{FoldManagedFields: true, Tokens: true})
			checkTokens(t, folded)
			if !folded.Folded || folded.ManagedFields != want {
				t.Errorf("Folded %v, ManagedFields %d, want %d", folded.Folded, folded.ManagedFields, want)
			}
			if strings.Contains(folded.Text, "managedFields:\n") || !strings.Contains(folded.Text, c.note) {
				t.Errorf("folded YAML:\n%s", folded.Text)
			}
			// The comment is all that stands for them: the YAML reads back as
			// the object without managedFields.
			bare, _ := foldManagedFields(v.Object)
			if d := yamlReadsAs(t, folded.Text, bare); d != "" {
				t.Error(d)
			}
			note := false
			for _, tk := range folded.Tokens {
				note = note || (tk.Kind == TokenNote && tk.Text == strings.TrimSpace(c.note))
			}
			if !note {
				t.Error("the fold comment is not a note token")
			}
			j := Present(v, PresentOptions{Format: FormatJSON, FoldManagedFields: true})
			if wantJSON, _ := IndentJSON(bare); j.Text != string(wantJSON) {
				t.Errorf("folded JSON:\n%s", j.Text)
			}
			shown := Present(v, PresentOptions{})
			if shown.Folded || shown.ManagedFields != want || !strings.Contains(shown.Text, "  managedFields:\n") {
				t.Errorf("shown: Folded %v, ManagedFields %d", shown.Folded, shown.ManagedFields)
			}
		})
	}
}

// yamlReadsAs reads YAML back with yaml/v3 and compares it with the JSON
// document want; it returns what differs.
func yamlReadsAs(t *testing.T, y string, want json.RawMessage) string {
	t.Helper()
	var back any
	if err := yaml.Unmarshal([]byte(y), &back); err != nil {
		return fmt.Sprintf("yaml does not parse: %v", err)
	}
	rt, err := json.Marshal(back)
	if err != nil {
		t.Fatal(err)
	}
	return diffJSON("", mustParse(t, string(rt)), mustParse(t, string(want)))
}

// secretDoc is a v1 Secret stored as JSON with every kind of secret value.
const secretDoc = `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s","namespace":"ns","annotations":{"a":"keep",` +
	`"kubectl.kubernetes.io/last-applied-configuration":"{\"data\":{\"password\":\"aHVudGVyMg==\"}}"}},` +
	`"data":{"password":"aHVudGVyMg==","user":"YWRtaW4="},"stringData":{"token":"t0k"},"type":"Opaque"}`

func TestPresentMaskedSecret(t *testing.T) {
	v := NewDecoder().Decode("/registry/secrets/ns/s", []byte(secretDoc), nil)
	for _, f := range []Format{FormatYAML, FormatJSON} {
		t.Run(f.String(), func(t *testing.T) {
			d := Present(v, PresentOptions{Format: f, Secrets: SecretsMasked, Tokens: true})
			checkTokens(t, d)
			if !d.Secret || !d.Masked || d.Revealed {
				t.Errorf("Secret %v, Masked %v, Revealed %v", d.Secret, d.Masked, d.Revealed)
			}
			for _, s := range []string{"aHVudGVyMg", "YWRtaW4", "t0k"} {
				if strings.Contains(d.Text, s) {
					t.Errorf("%s left visible:\n%s", s, d.Text)
				}
			}
			masked := 0
			for _, tk := range d.Tokens {
				if tk.Kind == TokenMasked {
					masked++
					if !strings.Contains(tk.Text, SecretMask) {
						t.Errorf("masked token %q", tk.Text)
					}
				}
			}
			if masked != 4 || !strings.Contains(d.Text, "keep") {
				t.Errorf("%d masked tokens, want 4 (password, user, token, last-applied):\n%s", masked, d.Text)
			}
		})
	}
	stored := Present(v, PresentOptions{})
	if !stored.Secret || stored.Masked || !strings.Contains(stored.Text, "password: aHVudGVyMg==") {
		t.Errorf("as stored: Secret %v, Masked %v:\n%s", stored.Secret, stored.Masked, stored.Text)
	}
	cm := NewDecoder().Decode("/registry/configmaps/ns/c", []byte(`{"apiVersion":"v1","kind":"ConfigMap","data":{"password":"x"}}`), nil)
	if d := Present(cm, PresentOptions{Secrets: SecretsMasked}); d.Secret || d.Masked || !strings.Contains(d.Text, "password: x") {
		t.Errorf("a ConfigMap was taken for a Secret:\n%s", d.Text)
	}
	empty := NewDecoder().Decode("/registry/secrets/ns/e", []byte(`{"apiVersion":"v1","kind":"Secret","metadata":{"name":"e"},"type":"Opaque"}`), nil)
	if d := Present(empty, PresentOptions{Secrets: SecretsMasked}); d.Secret || d.Masked {
		t.Error("a Secret without data counts as secret")
	}
}

func TestPresentExportAndResourceVersion(t *testing.T) {
	v := decodeFixture(t, deploymentKey)
	before := string(v.Object)
	exported, err := Export(v.Object)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []Format{FormatYAML, FormatJSON} {
		d := Present(v, PresentOptions{Format: f, Export: true, FoldManagedFields: true})
		var want []byte
		if f == FormatYAML {
			want, _ = YAML(exported)
		} else {
			want, _ = IndentJSON(exported)
		}
		if d.Text != string(want) {
			t.Errorf("export as %s:\n%s\nwant\n%s", f, d.Text, want)
		}
		if d.Folded {
			t.Error("exported managedFields counted as folded")
		}
	}
	kv := fixtureKV(t, deploymentKey)
	noRev := NewDecoder().Decode(kv.Key, kv.Value, nil) // what the object holds without a revision
	for _, f := range []Format{FormatYAML, FormatJSON} {
		got := Present(v, PresentOptions{Format: f, StripResourceVersion: true}).Text
		if want := Present(noRev, PresentOptions{Format: f}).Text; got != want || strings.Contains(got, "resourceVersion") {
			t.Errorf("stripped as %s:\n%s\nwant\n%s", f, got, want)
		}
	}
	if string(v.Object) != before {
		t.Error("Present changed the value's object")
	}
}

func TestPresentHexWidth(t *testing.T) {
	raw := fixtureKV(t, podKey).Value
	for _, n := range []int{1, 7, 8, 9, 15, 16, 17, 33, len(raw)} {
		b := raw[:n]
		if got := string(appendHexDump(nil, b, 16)); got != hex.Dump(b) {
			t.Errorf("%d bytes at 16 a line:\n%s\nwant\n%s", n, got, hex.Dump(b))
		}
		for _, w := range []int{4, 8, 12, 24, 32} {
			got := Present(Value{Raw: b, Encoding: EncodingBinary}, PresentOptions{HexWidth: w}).Text
			lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
			if want := (n + w - 1) / w; len(lines) != want {
				t.Fatalf("%d bytes at %d a line: %d lines, want %d", n, w, len(lines), want)
			}
			var back []byte
			for i, l := range lines {
				width := hexLineWidth(w)
				if i == len(lines)-1 {
					width -= w - (n - i*w) // the text column of the last line is short
				}
				if len(l) != width {
					t.Fatalf("line %d is %d wide, want %d: %q", i, len(l), width, l)
				}
				if off := fmt.Sprintf("%08x  ", i*w); !strings.HasPrefix(l, off) {
					t.Fatalf("line %d does not start with its offset: %q", i, l)
				}
				bar := strings.Index(l, " |")
				bs, err := hex.DecodeString(strings.ReplaceAll(l[10:bar], " ", ""))
				if err != nil {
					t.Fatalf("line %d: %v", i, err)
				}
				if ascii := l[bar+2 : len(l)-1]; len(ascii) != len(bs) {
					t.Fatalf("line %d: text column %q for %d bytes", i, ascii, len(bs))
				}
				back = append(back, bs...)
			}
			if !bytes.Equal(back, b) {
				t.Fatalf("%d bytes at %d a line read back differently", n, w)
			}
		}
	}
	for _, c := range []struct{ cols, want int }{{10, 8}, {77, 8}, {78, 16}, {110, 16}, {111, 24}, {200, 40}} {
		if got := HexBytesPerLine(c.cols); got != c.want || (got > 8 && hexLineWidth(got) > c.cols) {
			t.Errorf("HexBytesPerLine(%d) = %d, want %d", c.cols, got, c.want)
		}
	}
}

// TestTokenKinds checks the kinds on a sample of the fixture Pod.
func TestTokenKinds(t *testing.T) {
	v := decodeFixture(t, podKey)
	cases := []struct {
		format Format
		want   []Token // in order, each followed by its value token
	}{
		{FormatYAML, []Token{{TokenKey, "containerPort"}, {TokenNumber, "8080"}, {TokenKey, "controller"}, {TokenLiteral, "true"},
			{TokenKey, "namespace"}, {TokenString, "shop"}, {TokenKey, "readOnly"}, {TokenLiteral, "true"}}},
		{FormatJSON, []Token{{TokenKey, `"containerPort"`}, {TokenNumber, "8080"}, {TokenKey, `"controller"`}, {TokenLiteral, "true"},
			{TokenKey, `"namespace"`}, {TokenString, `"shop"`}}},
	}
	for _, c := range cases {
		t.Run(c.format.String(), func(t *testing.T) {
			d := Present(v, PresentOptions{Format: c.format, Tokens: true})
			for i := 0; i < len(c.want); i += 2 {
				key, val := c.want[i], c.want[i+1]
				if !hasPair(d.Tokens, key, val) {
					t.Errorf("no %s %q followed by %s %q", key.Kind, key.Text, val.Kind, val.Text)
				}
			}
		})
	}
}

// hasPair reports whether key is followed, past punctuation and white
// space, by val.
func hasPair(tokens []Token, key, val Token) bool {
	for i, tk := range tokens {
		if tk != key {
			continue
		}
		for _, next := range tokens[i+1:] {
			if next.Kind == TokenPunct || next.Kind == TokenPlain {
				continue
			}
			if next == val {
				return true
			}
			break
		}
	}
	return false
}

// TestYAMLTokensEdgeCases covers the writer's rarer paths: literal
// blocks, explicit keys, big numbers, empty collections.
func TestYAMLTokensEdgeCases(t *testing.T) {
	long := strings.Repeat("k", 1100)
	doc := `{"apiVersion":"v1","kind":"X","block":"line one\nline two\n","` + long + `":1,` +
		`"huge":1e999,"empty":{},"none":[],"list":[{"a":"b"},"c",["d"]],"masked":"` + SecretMask + `"}`
	v := NewDecoder().Decode("", []byte(doc), nil)
	d := Present(v, PresentOptions{Tokens: true})
	checkTokens(t, d)
	if want, err := YAML(v.Object); err != nil || d.Text != string(want) {
		t.Fatalf("edge cases differ from YAML (%v):\n%s", err, d.Text)
	}
	for _, want := range []Token{{TokenPunct, "|"}, {TokenString, "line one"}, {TokenString, "line two"}, {TokenPunct, "? "},
		{TokenKey, long}, {TokenPunct, "!!float "}, {TokenNumber, "1e999"}, {TokenPunct, "{}"}, {TokenPunct, "[]"}, {TokenMasked, SecretMask}} {
		found := false
		for _, tk := range d.Tokens {
			found = found || tk == want
		}
		if !found {
			t.Errorf("no token %s %.20q in %+v", want.Kind, want.Text, d.Tokens)
		}
	}
	// yaml/v3 reads 1e999 as no float at all; the rest must read back.
	plain := strings.Replace(d.Text, "huge: !!float 1e999\n", "", 1)
	want := strings.Replace(string(v.Object), `"huge":1e999,`, "", 1)
	if d := yamlReadsAs(t, plain, json.RawMessage(want)); d != "" {
		t.Error(d)
	}
}
