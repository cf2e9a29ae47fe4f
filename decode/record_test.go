package decode

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestRecordFieldOrder(t *testing.T) {
	one := uint64(1)
	v := Value{
		Key:        "/registry/x",
		Meta:       &KeyMeta{CreateRevision: 2, ModRevision: 3, Version: 4},
		Encoding:   EncodingProtobuf,
		Encryption: &Encryption{Provider: "aescbc", KeyName: "key1", Decrypted: true},
		APIVersion: "v1",
		Kind:       "Thing",
		Object:     json.RawMessage(`{"apiVersion":"v1","kind":"Thing"}`),
		Fields:     []Field{{Number: 1, Wire: "varint", Varint: &one}},
	}
	got, err := json.Marshal(v.Record())
	if err != nil {
		t.Fatal(err)
	}
	want := `{"key":"/registry/x","createRevision":2,"modRevision":3,"version":4,"lease":0,"encoding":"protobuf",` +
		`"encryption":{"provider":"aescbc","keyName":"key1","decrypted":true},"apiVersion":"v1","kind":"Thing",` +
		`"object":{"apiVersion":"v1","kind":"Thing"},"fields":[{"number":1,"wire":"varint","varint":1}]}`
	if string(got) != want {
		t.Errorf("record:\n%s\nwant:\n%s", got, want)
	}
}

func TestRecordValueForms(t *testing.T) {
	dec := NewDecoder()
	cases := []struct {
		name string
		v    Value
		want string
	}{
		{"text", dec.Decode("/app/motd", []byte("hi there"), nil),
			`{"key":"/app/motd","encoding":"text","value":"hi there"}`},
		{"binary", dec.Decode("/app/bin", []byte{0, 1, 2}, &KeyMeta{CreateRevision: 5, ModRevision: 5, Version: 1, Lease: 7}),
			`{"key":"/app/bin","createRevision":5,"modRevision":5,"version":1,"lease":7,"encoding":"binary","valueBase64":"AAEC"}`},
		{"empty", dec.Decode("/app/e", nil, nil), `{"key":"/app/e","encoding":"empty"}`},
		{"non-utf8 key", dec.Decode("/app/\xff", []byte("x"), nil), `{"keyBase64":"L2FwcC//","encoding":"text","value":"x"}`},
		{"no key", dec.Decode("", []byte("x"), nil), `{"encoding":"text","value":"x"}`},
		{"error", Value{Key: "/k", Encoding: EncodingCBOR, Raw: []byte{0xd9, 0xd9, 0xf7}, Err: errors.New("decode cbor: eof")},
			`{"key":"/k","encoding":"cbor","valueBase64":"2dn3","error":"decode cbor: eof"}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := json.Marshal(c.v.Record())
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != c.want {
				t.Errorf("record %s\nwant   %s", got, c.want)
			}
		})
	}
}
