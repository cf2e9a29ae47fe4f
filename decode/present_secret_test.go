package decode_test

import (
	"bytes"
	"encoding/json"
	"maps"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/yaml"

	"github.com/etcdscope/etcdscope/decode"
	"github.com/etcdscope/etcdscope/decode/encryption"
	"github.com/etcdscope/etcdscope/decode/fixture"
)

// secretFrom reads a presented Secret strictly with the k8s.io/api type,
// as kubectl would, and merges stringData into data as the API server
// does on write: what the Secret would hold.
func secretFrom(t *testing.T, d decode.Document, format decode.Format) map[string][]byte {
	t.Helper()
	var s corev1.Secret
	if format == decode.FormatYAML {
		if err := yaml.UnmarshalStrict([]byte(d.Text), &s); err != nil {
			t.Fatalf("revealed YAML is not a v1 Secret: %v\n%s", err, d.Text)
		}
	} else {
		dec := json.NewDecoder(strings.NewReader(d.Text))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&s); err != nil {
			t.Fatalf("revealed JSON is not a v1 Secret: %v\n%s", err, d.Text)
		}
	}
	if s.APIVersion != "v1" || s.Kind != "Secret" || s.Name == "" {
		t.Fatalf("revealed document is %s %s %q", s.APIVersion, s.Kind, s.Name)
	}
	data := maps.Clone(s.Data)
	if data == nil {
		data = map[string][]byte{}
	}
	for k, v := range s.StringData {
		data[k] = []byte(v)
	}
	return data
}

// TestPresentRevealFixtureSecrets decrypts every fixture Secret with the
// fixture's encryption config and reveals it: its text values must move
// to stringData, decoded, and the Secret must hold the same data.
func TestPresentRevealFixtureSecrets(t *testing.T) {
	cfg, err := encryption.LoadConfig(fixture.EncryptionConfigPath())
	if err != nil {
		t.Fatal(err)
	}
	dec := decode.NewDecoder(decode.WithDecrypter(cfg))
	kvs, err := fixture.KVs()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, kv := range kvs {
		if !strings.HasPrefix(kv.Key, "/registry/secrets/") {
			continue
		}
		n++
		t.Run(kv.Key, func(t *testing.T) {
			v := dec.Decode(kv.Key, kv.Value, nil)
			if v.Err != nil || !v.IsObject() {
				t.Fatalf("decrypt: %v", v.Err)
			}
			var stored corev1.Secret
			if err := json.Unmarshal(v.Object, &stored); err != nil || len(stored.Data) == 0 {
				t.Fatalf("stored secret: %v, %d values", err, len(stored.Data))
			}
			for _, f := range []decode.Format{decode.FormatYAML, decode.FormatJSON} {
				d := decode.Present(v, decode.PresentOptions{Format: f, Secrets: decode.SecretsRevealed, Tokens: true})
				if !d.Secret || !d.Revealed || d.Masked {
					t.Errorf("Secret %v, Revealed %v, Masked %v", d.Secret, d.Revealed, d.Masked)
				}
				if got := secretFrom(t, d, f); !equalData(got, stored.Data) {
					t.Errorf("revealed %s holds other data: %q, want %q", f, got, stored.Data)
				}
				var shown corev1.Secret
				if err := yaml.Unmarshal([]byte(d.Text), &shown); err != nil {
					t.Fatal(err)
				}
				// Every fixture value is text: all of it is under stringData.
				if len(shown.Data) != 0 || len(shown.StringData) != len(stored.Data) || strings.Contains(d.Text, `"data": {}`) || strings.Contains(d.Text, "\ndata:") {
					t.Errorf("data %q, stringData %q: want every value as text", shown.Data, shown.StringData)
				}
				for k, want := range stored.Data {
					if shown.StringData[k] != string(want) {
						t.Errorf("stringData[%s] = %q, want %q", k, shown.StringData[k], want)
					}
				}
			}
		})
	}
	if n != 10 {
		t.Fatalf("%d fixture secrets, want 10", n)
	}
}

// TestPresentRevealKeepsBinary reveals a Secret stored as kube-apiserver
// stores it (protobuf) with text and binary values and a last-applied
// annotation.
func TestPresentRevealKeepsBinary(t *testing.T) {
	bin := []byte{0xff, 0x00, 0x01, 0x80}
	in := &corev1.Secret{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{Name: "mixed", Namespace: "shop", Annotations: map[string]string{
			"kubectl.kubernetes.io/last-applied-configuration": `{"data":{"text":"aGVsbG8K"}}`,
		}},
		Data: map[string][]byte{"text": []byte("hello\n"), "bin": bin, "crlf": []byte("a\r\nb"), "empty": {}},
		Type: corev1.SecretTypeOpaque,
	}
	var buf bytes.Buffer
	if err := protobuf.NewSerializer(scheme.Scheme, scheme.Scheme).Encode(in, &buf); err != nil {
		t.Fatal(err)
	}
	v := decode.NewDecoder().Decode("/registry/secrets/shop/mixed", buf.Bytes(), &decode.KeyMeta{ModRevision: 7})
	if v.Err != nil || v.Encoding != decode.EncodingProtobuf {
		t.Fatalf("decode: %v, %s", v.Err, v.Encoding)
	}
	for _, f := range []decode.Format{decode.FormatYAML, decode.FormatJSON} {
		d := decode.Present(v, decode.PresentOptions{Format: f, Secrets: decode.SecretsRevealed})
		if got := secretFrom(t, d, f); !equalData(got, in.Data) {
			t.Errorf("revealed %s holds other data: %q", f, got)
		}
		var shown corev1.Secret
		if err := yaml.Unmarshal([]byte(d.Text), &shown); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(shown.Data["bin"], bin) || len(shown.Data) != 1 {
			t.Errorf("data %q: want only the binary value, as base64", shown.Data)
		}
		want := map[string]string{"text": "hello\n", "crlf": "a\r\nb", "empty": ""}
		if !maps.Equal(shown.StringData, want) {
			t.Errorf("stringData %q, want %q", shown.StringData, want)
		}
		if shown.Annotations["kubectl.kubernetes.io/last-applied-configuration"] == decode.SecretMask {
			t.Error("revealed Secret kept its annotation masked")
		}
	}
	y := decode.Present(v, decode.PresentOptions{Secrets: decode.SecretsRevealed}).Text
	if !strings.Contains(y, "data:\n  bin: /wABgA==\n") || !strings.Contains(y, "stringData:\n  crlf: \"a\\r\\nb\"\n  empty: \"\"\n  text: |\n    hello\n") {
		t.Errorf("revealed YAML:\n%s", y)
	}
	masked := decode.Present(v, decode.PresentOptions{Secrets: decode.SecretsMasked})
	if !masked.Masked || strings.Contains(masked.Text, "aGVsbG8K") || strings.Contains(masked.Text, "/wABgA==") {
		t.Errorf("masked:\n%s", masked.Text)
	}
}

// equalData compares Secret data, where nil and empty values are alike.
func equalData(a, b map[string][]byte) bool {
	return maps.EqualFunc(a, b, func(x, y []byte) bool { return bytes.Equal(x, y) })
}
