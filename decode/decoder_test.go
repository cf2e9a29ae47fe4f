package decode

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/etcdscope/etcdscope/decode/fixture"
	"k8s.io/apimachinery/pkg/runtime"
)

// fixtureData loads the fixture once for every test of the package.
var fixtureData = sync.OnceValues(func() (map[string]fixture.KV, error) {
	kvs, err := fixture.KVs()
	if err != nil {
		return nil, err
	}
	m := make(map[string]fixture.KV, len(kvs))
	for _, kv := range kvs {
		m[kv.Key] = kv
	}
	return m, nil
})

func fixtureKV(t testing.TB, key string) fixture.KV {
	t.Helper()
	m, err := fixtureData()
	if err != nil {
		t.Fatal(err)
	}
	kv, ok := m[key]
	if !ok {
		t.Fatalf("fixture has no key %s", key)
	}
	return kv
}

func metaOf(kv fixture.KV) *KeyMeta {
	return &KeyMeta{CreateRevision: kv.CreateRevision, ModRevision: kv.ModRevision, Version: kv.Version, Lease: kv.Lease}
}

// TestDecodeEveryFixtureKey decodes every live key a real kube-apiserver
// wrote and holds the result against what the API server served.
func TestDecodeEveryFixtureKey(t *testing.T) {
	kvs, err := fixture.KVs()
	if err != nil {
		t.Fatal(err)
	}
	exps, err := fixture.ExpectedObjects()
	if err != nil {
		t.Fatal(err)
	}
	expected := make(map[string]fixture.Expected, len(exps))
	for _, e := range exps {
		expected[e.Key] = e
	}
	if len(kvs) != 683 {
		t.Errorf("fixture has %d keys, want 683", len(kvs))
	}
	dec := NewDecoder()
	builtins := NewCatalog()
	counts := map[string]int{}
	for _, kv := range kvs {
		e, ok := expected[kv.Key]
		if !ok {
			t.Errorf("%s: no expected object", kv.Key)
			continue
		}
		v := dec.Decode(kv.Key, kv.Value, metaOf(kv))
		if v.Err != nil {
			t.Errorf("%s: %v", kv.Key, v.Err)
			continue
		}
		if _, err := json.Marshal(v.Record()); err != nil {
			t.Errorf("%s: record does not marshal: %v", kv.Key, err)
		}
		if provider, ok := strings.CutPrefix(e.Encoding, "encrypted:"); ok {
			counts["encrypted"]++
			if v.Encoding != EncodingEncrypted || v.Encryption == nil ||
				v.Encryption.Provider != provider || v.Encryption.KeyName != "key1" ||
				v.Encryption.Decrypted || v.Encryption.Reason == "" || v.Object != nil {
				t.Errorf("%s: got encoding %s encryption %+v, want still-encrypted %s key1 with a reason", kv.Key, v.Encoding, v.Encryption, provider)
			}
			// The bytes tell no type; the key does, for a built-in kind
			// (custom kinds need the CRDs stored in the data).
			_, _, builtin := builtins.ParseKey(kv.Key, DefaultRoot)
			if builtin && (v.APIVersion != e.APIVersion || v.Kind != e.Kind) {
				t.Errorf("%s: still-encrypted type %s %s, want %s %s from the key", kv.Key, v.APIVersion, v.Kind, e.APIVersion, e.Kind)
			}
			continue
		}
		counts[string(v.Encoding)]++
		if string(v.Encoding) != e.Encoding {
			t.Errorf("%s: encoding %s, want %s", kv.Key, v.Encoding, e.Encoding)
		}
		if v.APIVersion != e.APIVersion || v.Kind != e.Kind {
			t.Errorf("%s: type %s %s, want %s %s", kv.Key, v.APIVersion, v.Kind, e.APIVersion, e.Kind)
		}
		if !v.IsObject() {
			t.Errorf("%s: no object", kv.Key)
			continue
		}
		got := mustParse(t, string(v.Object))
		if v.Encoding != EncodingJSON {
			// Typed and CBOR objects put their type first; JSON keeps its order.
			if k := got.members[0].name + "," + got.members[1].name; k != "apiVersion,kind" {
				t.Errorf("%s: object starts with %s, want apiVersion,kind", kv.Key, k)
			}
		}
		if string(e.Object) == "null" {
			continue
		}
		want := mustParse(t, string(e.Object))
		switch {
		case e.ModRevision != kv.ModRevision:
			// A lease renewed after its served object was captured: the
			// stored value is newer, so only its identity can match.
			if g, w := got.get("metadata").getString("uid"), want.get("metadata").getString("uid"); g != w || g == "" {
				t.Errorf("%s: uid %q, want %q", kv.Key, g, w)
			}
			counts["renewed"]++
			continue
		case e.Kind == "CustomResourceDefinition":
			// Stored as v1beta1, served converted to v1: the identity must match.
			for _, f := range []string{"name", "uid", "resourceVersion"} {
				if g, w := got.get("metadata").getString(f), want.get("metadata").getString(f); g != w || g == "" {
					t.Errorf("%s: metadata.%s %q, want %q", kv.Key, f, g, w)
				}
			}
			counts["crd"]++
			continue
		case e.Kind == "StatefulSet":
			// The API server adds apiVersion/kind to volume claim templates on read.
			for _, tpl := range arrayItems(want.get("spec").get("volumeClaimTemplates")) {
				tpl.remove("apiVersion")
				tpl.remove("kind")
			}
		}
		if d := diffJSON("", got, want); d != "" {
			t.Errorf("%s: object differs from served: %s", kv.Key, d)
			continue
		}
		counts["identical"]++
	}
	t.Logf("decoded: %v", counts)
	// 683 keys: 16 still encrypted, 5 CRDs and 1 renewed lease checked by
	// identity, 2 not served; every other object must match.
	if counts["identical"] != 659 || counts["crd"] != 5 || counts["encrypted"] != 16 || counts["renewed"] != 1 {
		t.Errorf("identical %d crd %d encrypted %d renewed %d, want 659, 5, 16, 1",
			counts["identical"], counts["crd"], counts["encrypted"], counts["renewed"])
	}
}

func arrayItems(n *jsonNode) []*jsonNode {
	if n == nil {
		return nil
	}
	return n.items
}

func TestDecodeTypedObjectResourceVersion(t *testing.T) {
	kv := fixtureKV(t, "/registry/configmaps/shop/app-config")
	dec := NewDecoder()
	with := dec.Decode(kv.Key, kv.Value, metaOf(kv))
	if got := mustParse(t, string(with.Object)).get("metadata").getString("resourceVersion"); got != itoa(int(kv.ModRevision)) {
		t.Errorf("resourceVersion %q, want %d", got, kv.ModRevision)
	}
	without := dec.Decode(kv.Key, kv.Value, nil)
	if mustParse(t, string(without.Object)).get("metadata").get("resourceVersion") != nil {
		t.Error("resourceVersion set without key metadata")
	}
	r, err := json.Marshal(without.Record())
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(r, []byte(`"lease"`)) || bytes.Contains(r, []byte(`"modRevision"`)) {
		t.Errorf("record without metadata has revisions: %s", r)
	}
}

// envelope rewrites a fixture's protobuf envelope with another type.
func envelope(t testing.TB, value []byte, apiVersion, kind string) []byte {
	t.Helper()
	var unk runtime.Unknown
	if err := unk.Unmarshal(value[len(protobufPrefix):]); err != nil {
		t.Fatal(err)
	}
	unk.APIVersion, unk.Kind = apiVersion, kind
	b, err := unk.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return append(append([]byte(nil), protobufPrefix...), b...)
}

func TestDecodeUnknownProtobufType(t *testing.T) {
	kv := fixtureKV(t, "/registry/configmaps/shop/app-config")
	value := envelope(t, kv.Value, "future.example.com/v9", "Gizmo")
	v := NewDecoder().Decode(kv.Key, value, metaOf(kv))
	if v.Err != nil {
		t.Fatalf("unknown type is an error: %v", v.Err)
	}
	if v.Encoding != EncodingProtobuf || v.APIVersion != "future.example.com/v9" || v.Kind != "Gizmo" || v.Object != nil {
		t.Fatalf("got %s %s %s object=%v", v.Encoding, v.APIVersion, v.Kind, v.Object != nil)
	}
	// Field 1 of a ConfigMap is ObjectMeta, whose field 1 is the name.
	if len(v.Fields) == 0 || v.Fields[0].Number != 1 || len(v.Fields[0].Message) == 0 {
		t.Fatalf("fields: %+v", v.Fields)
	}
	name := v.Fields[0].Message[0]
	if name.Number != 1 || name.String == nil || *name.String != "app-config" {
		t.Errorf("metadata.name field: %+v", name)
	}
	rec, err := json.Marshal(v.Record())
	if err != nil {
		t.Fatal(err)
	}
	// The metadata decoded from field 1 rides along as "object".
	if !bytes.Contains(rec, []byte(`"kind":"Gizmo","object":{"apiVersion":"future.example.com/v9","kind":"Gizmo","metadata":{"name":"app-config"`)) ||
		!bytes.Contains(rec, []byte(`},"fields":[`)) {
		t.Errorf("record: %.300s", rec)
	}
}

func TestDecodeDetection(t *testing.T) {
	pod := fixtureKV(t, "/registry/configmaps/shop/app-config").Value
	cr := fixtureKV(t, "/registry/cr.bar.com/foos/coverage/cr-0").Value
	cases := []struct {
		name  string
		value []byte
		enc   Encoding
		isErr bool
		obj   bool
	}{
		{"empty", nil, EncodingEmpty, false, false},
		{"text", []byte("hello world\n"), EncodingText, false, false},
		{"binary", []byte{0x00, 0x01, 0xfe, 0xff}, EncodingBinary, false, false},
		{"invalid utf8", []byte("abc\xffdef"), EncodingBinary, false, false},
		{"broken json is text", []byte(`{"a":`), EncodingText, false, false},
		{"json array is text", []byte(`[1,2]`), EncodingText, false, false},
		{"json with spaces", []byte(" \n{\"kind\":\"X\",\"apiVersion\":\"v1\"}\n"), EncodingJSON, false, true},
		{"yaml object", []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n"), EncodingYAML, false, true},
		{"yaml without kind", []byte("a: 1\nb: 2\n"), EncodingText, false, false},
		{"two yaml docs", []byte("apiVersion: v1\nkind: A\n---\napiVersion: v1\nkind: B\n"), EncodingText, false, false},
		{"protobuf prefix only", []byte("k8s\x00"), EncodingProtobuf, true, false},
		{"truncated protobuf", pod[:len(pod)/2], EncodingProtobuf, true, false},
		{"envelope with garbage", append([]byte("k8s\x00"), 0xff, 0xff, 0xff, 0x13, 0x37), EncodingProtobuf, true, false},
		{"envelope without kind", append([]byte("k8s\x00"), 0x0a, 0x04, 0x0a, 0x02, 'v', '1'), EncodingProtobuf, true, false},
		{"cbor tag only", []byte{0xd9, 0xd9, 0xf7}, EncodingCBOR, true, false},
		{"cbor garbage after tag", []byte{0xd9, 0xd9, 0xf7, 0xff, 0x00, 0x12}, EncodingCBOR, true, false},
		{"cbor truncated", cr[:len(cr)-5], EncodingCBOR, true, false},
		{"cbor trailing bytes", append(append([]byte(nil), cr...), 0x01), EncodingCBOR, true, false},
		{"cbor not a map", []byte{0xd9, 0xd9, 0xf7, 0x01}, EncodingCBOR, true, false},
		{"bad encryption prefix", []byte("k8s:enc:\x00\x01"), EncodingEncrypted, true, false},
		{"kms v2 garbage", []byte("k8s:enc:kms:v2:vault:\x01\x02"), EncodingEncrypted, true, false},
	}
	dec := NewDecoder()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := dec.Decode("/k", c.value, nil)
			if v.Encoding != c.enc || (v.Err != nil) != c.isErr || v.IsObject() != c.obj {
				t.Fatalf("got encoding %s err %v object %v, want %s err=%v object=%v", v.Encoding, v.Err, v.IsObject(), c.enc, c.isErr, c.obj)
			}
			if v.Err != nil {
				if msg := v.Err.Error(); msg == "" || msg[0] < 'a' || msg[0] > 'z' {
					t.Errorf("error %q does not start lower case", msg)
				}
			}
			rec, err := json.Marshal(v.Record())
			if err != nil {
				t.Fatal(err)
			}
			if c.isErr && !bytes.Contains(rec, []byte(`"error":`)) {
				t.Errorf("error record without error: %s", rec)
			}
		})
	}
}

func TestCBORFixtureIsCBOR(t *testing.T) {
	kv := fixtureKV(t, "/registry/cr.bar.com/foos/coverage/cr-0")
	if !bytes.HasPrefix(kv.Value, cborPrefix) {
		t.Fatalf("fixture value is not cbor: %q", kv.Value[:8])
	}
	v := NewDecoder().Decode(kv.Key, kv.Value, metaOf(kv))
	if v.Err != nil || v.Encoding != EncodingCBOR || v.Kind != "Foo" {
		t.Fatalf("got %s %s %v", v.Encoding, v.Kind, v.Err)
	}
}

func TestParseEncryptedPrefix(t *testing.T) {
	cases := []struct {
		in             string
		provider, name string
		ok             bool
	}{
		{"k8s:enc:aescbc:v1:key1:\x00\x01", "aescbc", "key1", true},
		{"k8s:enc:aesgcm:v1:k-2:", "aesgcm", "k-2", true},
		{"k8s:enc:secretbox:v1:key1:abc", "secretbox", "key1", true},
		{"k8s:enc:kms:v1:vault:xyz", "kms", "vault", true},
		{"k8s:enc:kms:v2:vault:xyz", "kms", "vault", true},
		{"k8s:enc:aescbc:v2:key1:", "", "", false},
		{"k8s:enc:aescbc:v1:key1", "", "", false},
		{"k8s:enc:aescbc:v1::", "", "", false},
		{"k8s:enc::v1:key1:", "", "", false},
		{"k8s:enc:aescbc", "", "", false},
		{"k8s:enc:aes\x00cbc:v1:key1:", "", "", false},
		{"k8s\x00", "", "", false},
		{"", "", "", false},
	}
	for _, c := range cases {
		p, n, ok := ParseEncryptedPrefix([]byte(c.in))
		if p != c.provider || n != c.name || ok != c.ok {
			t.Errorf("ParseEncryptedPrefix(%q) = %q, %q, %v; want %q, %q, %v", c.in, p, n, ok, c.provider, c.name, c.ok)
		}
	}
}

// staticDecrypter is a Decrypter over one fixed answer: the decoder's
// handling of each Decrypter outcome is what is tested here; real
// decryption lives in decode/encryption.
type staticDecrypter struct {
	plain []byte
	enc   Encryption
	err   error
}

func (s staticDecrypter) Decrypt(string, []byte) ([]byte, Encryption, error) {
	return s.plain, s.enc, s.err
}

func TestDecodeEncryptedOutcomes(t *testing.T) {
	cm := fixtureKV(t, "/registry/configmaps/shop/app-config")
	stored := append([]byte("k8s:enc:aescbc:v1:key1:"), 0x01, 0x02, 0x03)
	t.Run("decrypted", func(t *testing.T) {
		d := NewDecoder(WithDecrypter(staticDecrypter{plain: cm.Value, enc: Encryption{Provider: "aescbc", KeyName: "key1", Decrypted: true}}))
		v := d.Decode(cm.Key, stored, metaOf(cm))
		if v.Err != nil || v.Encoding != EncodingProtobuf || v.Kind != "ConfigMap" || v.Encryption == nil || !v.Encryption.Decrypted {
			t.Fatalf("got %s %s %+v %v", v.Encoding, v.Kind, v.Encryption, v.Err)
		}
		if !bytes.Equal(v.Raw, stored) {
			t.Error("Raw is not the stored bytes")
		}
	})
	t.Run("no key", func(t *testing.T) {
		d := NewDecoder(WithDecrypter(staticDecrypter{enc: Encryption{Reason: "key key1 is not in the config"}}))
		v := d.Decode(cm.Key, stored, nil)
		if v.Err != nil || v.Encoding != EncodingEncrypted || v.Encryption.Provider != "aescbc" || v.Encryption.Reason == "" {
			t.Fatalf("got %s %+v %v", v.Encoding, v.Encryption, v.Err)
		}
		if r := v.Record(); !bytes.Equal(r.ValueBase64, stored) {
			t.Errorf("record valueBase64 %q", r.ValueBase64)
		}
	})
	t.Run("failure", func(t *testing.T) {
		d := NewDecoder(WithDecrypter(staticDecrypter{err: errors.New("cipher: message authentication failed")}))
		v := d.Decode(cm.Key, stored, nil)
		if v.Err == nil || v.Encoding != EncodingEncrypted || v.Encryption == nil || v.Encryption.Decrypted {
			t.Fatalf("got %s %+v %v", v.Encoding, v.Encryption, v.Err)
		}
	})
}

// TestDecoderConcurrentUse decodes the fixture from several goroutines
// with one Decoder and expects the answers a single goroutine gets.
func TestDecoderConcurrentUse(t *testing.T) {
	kvs, err := fixture.KVs()
	if err != nil {
		t.Fatal(err)
	}
	dec := NewDecoder()
	want := make([]string, len(kvs))
	for i, kv := range kvs {
		want[i] = string(dec.Decode(kv.Key, kv.Value, metaOf(kv)).Object)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 4)
	for g := range 4 {
		wg.Go(func() {
			for i := range kvs {
				kv := kvs[(i+g*97)%len(kvs)]
				if got := string(dec.Decode(kv.Key, kv.Value, metaOf(kv)).Object); got != want[(i+g*97)%len(kvs)] {
					errs <- kv.Key
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for key := range errs {
		t.Errorf("%s decoded differently under concurrent use", key)
	}
}

func TestErrorMessages(t *testing.T) {
	pod := fixtureKV(t, "/registry/configmaps/shop/app-config").Value
	cases := map[string]struct {
		value []byte
		want  string
	}{
		"truncated protobuf": {pod[:len(pod)/2], "decode protobuf: "},
		"garbage envelope":   {append([]byte("k8s\x00"), 0xff, 0xff, 0xff, 0x13, 0x37), "decode protobuf: "},
		"broken cbor":        {[]byte{0xd9, 0xd9, 0xf7, 0xa1}, "decode cbor: "},
		"bad prefix":         {[]byte("k8s:enc:zz"), "encrypted value: malformed k8s:enc: prefix"},
	}
	for name, c := range cases {
		v := NewDecoder().Decode("/k", c.value, nil)
		if v.Err == nil || !strings.HasPrefix(v.Err.Error(), c.want) {
			t.Errorf("%s: error %v, want prefix %q", name, v.Err, c.want)
		} else {
			t.Logf("%s: %v", name, v.Err)
		}
	}
}
