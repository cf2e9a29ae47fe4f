package decode

import "testing"

func TestYAMLValueConversions(t *testing.T) {
	in := "apiVersion: v1\nkind: X\nhex: 0x1f\noct: 0o17\nunder: 1_000\nplus: +3\nhalf: .5\ninf: .inf\n" +
		"when: 2026-01-01\nanchor: &a {k: v}\nref: *a\nyes11: yes\n"
	v := NewDecoder().Decode("", []byte(in), nil)
	if v.Encoding != EncodingYAML || v.Err != nil {
		t.Fatalf("got %s %v", v.Encoding, v.Err)
	}
	want := `{"apiVersion":"v1","kind":"X","hex":31,"oct":15,"under":1000,"plus":3,"half":0.5,"inf":".inf",` +
		`"when":"2026-01-01","anchor":{"k":"v"},"ref":{"k":"v"},"yes11":"yes"}`
	if string(v.Object) != want {
		t.Errorf("object %s\nwant   %s", v.Object, want)
	}
	if v.Text != in {
		t.Error("Text is not the stored YAML")
	}
}
