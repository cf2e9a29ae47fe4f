package encryption

import (
	"bytes"
	"context"
	"crypto/aes"
	"encoding/base64"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"k8s.io/apiserver/pkg/storage/value"
	aestransformer "k8s.io/apiserver/pkg/storage/value/encrypt/aes"
	kmsv2types "k8s.io/apiserver/pkg/storage/value/encrypt/envelope/kmsv2/v2"
	"k8s.io/klog/v2"

	"github.com/etcdscope/etcdscope/decode"
	"github.com/etcdscope/etcdscope/decode/fixture"
)

func TestDecryptFixtures(t *testing.T) {
	cfg := fixtureConfig(t)
	kvs := encryptedFixtures(t)
	counts := map[string]int{}
	for _, kv := range kvs {
		t.Run(kv.Key, func(t *testing.T) {
			out, enc, err := cfg.Decrypt(kv.Key, kv.Value)
			if err != nil {
				t.Fatalf("Decrypt: %v", err)
			}
			if !enc.Decrypted || enc.Reason != "" || enc.KeyName != "key1" {
				t.Fatalf("encryption = %+v, want decrypted with key1", enc)
			}
			counts[enc.Provider]++
			switch {
			case strings.HasPrefix(kv.Key, "/registry/secrets/"):
				if enc.Provider != ProviderAESCBC || !bytes.HasPrefix(out, []byte("k8s\x00")) {
					t.Errorf("provider %s, plaintext starts %q; want aescbc and the protobuf envelope", enc.Provider, out[:min(8, len(out))])
				}
			case strings.HasPrefix(kv.Key, "/registry/custom.fancy.com/pants/"):
				if enc.Provider != ProviderSecretbox || !(bytes.HasPrefix(out, []byte{0xd9, 0xd9, 0xf7}) || bytes.HasPrefix(out, []byte("{"))) {
					t.Errorf("provider %s, plaintext starts %q; want secretbox and CBOR or JSON", enc.Provider, out[:min(8, len(out))])
				}
			default:
				t.Errorf("unexpected encrypted key")
			}
		})
	}
	if counts[ProviderAESCBC] != 10 || counts[ProviderSecretbox] != 6 {
		t.Errorf("decrypted %v, want 10 aescbc and 6 secretbox values", counts)
	}
}

// gcmSeal encrypts as kube-apiserver's aesgcm provider does, straight
// through the apiserver transformer.
func gcmSeal(t *testing.T, secret, keyName, etcdKey string, plaintext []byte) []byte {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(secret)
	if err != nil {
		t.Fatal(err)
	}
	block, err := aes.NewCipher(raw)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := aestransformer.NewGCMTransformer(block)
	if err != nil {
		t.Fatal(err)
	}
	out, err := tr.TransformToStorage(context.Background(), plaintext, value.DefaultContext(etcdKey))
	if err != nil {
		t.Fatal(err)
	}
	return append([]byte("k8s:enc:aesgcm:v1:"+keyName+":"), out...)
}

func TestDecryptAESGCM(t *testing.T) {
	cfg := loadConfig(t, `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: [secrets]
  providers:
  - aesgcm:
      keys:
      - {name: k1, secret: `+secret16+`}
      - {name: k2, secret: `+secretB+`}
`)
	const keyA = "/registry/secrets/shop/a"
	plain := []byte("k8s\x00 plaintext")

	t.Run("opens", func(t *testing.T) {
		for _, name := range []string{"k1", "k2"} {
			secret := map[string]string{"k1": secret16, "k2": secretB}[name]
			out, enc, err := cfg.Decrypt(keyA, gcmSeal(t, secret, name, keyA, plain))
			if err != nil || !bytes.Equal(out, plain) || !enc.Decrypted || enc.Provider != ProviderAESGCM || enc.KeyName != name {
				t.Fatalf("%s: got %q %+v %v", name, out, enc, err)
			}
		}
	})
	t.Run("key name the config lacks", func(t *testing.T) {
		out, enc, err := cfg.Decrypt(keyA, gcmSeal(t, secret16, "k9", keyA, plain))
		if err != nil || out != nil || enc.Decrypted {
			t.Fatalf("got %q %+v %v; want not decrypted, no error", out, enc, err)
		}
		if !strings.Contains(enc.Reason, `no aesgcm key named "k9"`) {
			t.Errorf("reason %q does not say which key is missing", enc.Reason)
		}
	})
	t.Run("read under another etcd key", func(t *testing.T) {
		v := gcmSeal(t, secret16, "k1", keyA, plain)
		_, enc, err := cfg.Decrypt("/registry/secrets/shop/b", v)
		wantErr(t, err, "message authentication failed", "resources[0].providers[0].aesgcm.keys[0]", cfg.Path())
		if enc.Decrypted || enc.Provider != ProviderAESGCM {
			t.Errorf("encryption = %+v", enc)
		}
	})
	t.Run("other secret under the same name", func(t *testing.T) {
		v := gcmSeal(t, secretA, "k1", keyA, plain)
		_, _, err := cfg.Decrypt(keyA, v)
		wantErr(t, err, "message authentication failed")
	})
	t.Run("truncated", func(t *testing.T) {
		v := gcmSeal(t, secret16, "k1", keyA, plain)
		for _, n := range []int{len("k8s:enc:aesgcm:v1:k1:") + 5, len(v) - 1} {
			_, _, err := cfg.Decrypt(keyA, v[:n])
			wantErr(t, err, "resources[0].providers[0].aesgcm.keys[0]")
		}
	})
}

func TestDecryptErrors(t *testing.T) {
	fix := fixtureConfig(t)
	wrong := loadConfig(t, `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: [secrets]
  providers:
  - aescbc:
      keys: [{name: key1, secret: `+secretA+`}]
- resources: [pants.custom.fancy.com]
  providers:
  - secretbox:
      keys: [{name: key1, secret: `+secretA+`}]
`)
	const secretKey = "/registry/secrets/shop/db-credentials"
	const pantsKey = "/registry/custom.fancy.com/pants/cr-0"
	secretVal := fixtureValue(t, secretKey)
	pantsVal := fixtureValue(t, pantsKey)
	cbcHead := len("k8s:enc:aescbc:v1:key1:")
	boxHead := len("k8s:enc:secretbox:v1:key1:")

	cases := []struct {
		name string
		cfg  *Config
		key  string
		val  []byte
		want []string
	}{
		{"aescbc wrong key", wrong, secretKey, secretVal, []string{"invalid", "resources[0].providers[0].aescbc.keys[0]"}},
		{"secretbox wrong key", wrong, pantsKey, pantsVal, []string{"message authentication failed", "resources[1].providers[0].secretbox.keys[0]"}},
		{"aescbc shorter than a block", fix, secretKey, secretVal[:cbcHead+10], []string{"shorter than the required size"}},
		{"aescbc not whole blocks", fix, secretKey, secretVal[:len(secretVal)-3], []string{"not a multiple of the block size"}},
		{"aescbc only the prefix", fix, secretKey, secretVal[:cbcHead], []string{"shorter than the required size"}},
		{"secretbox truncated", fix, pantsKey, pantsVal[:boxHead+30], []string{"shorter than the required size"}},
		{"secretbox cut short", fix, pantsKey, pantsVal[:len(pantsVal)-1], []string{"message authentication failed"}},
		{"no key name", fix, secretKey, []byte("k8s:enc:aescbc"), []string{"malformed encryption prefix"}},
		{"empty key name", fix, secretKey, []byte("k8s:enc:aescbc:v1::abc"), []string{"malformed encryption prefix"}},
		{"kms v2 not a proto", fix, secretKey, []byte("k8s:enc:kms:v2:vault:\xff\xff\xff"), []string{`kms v2 provider "vault"`, "EncryptedObject"}},
		{"kms v2 without key ID", fix, secretKey, []byte("k8s:enc:kms:v2:vault:"), []string{"lacks its key ID"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, enc, err := tc.cfg.Decrypt(tc.key, tc.val)
			wantErr(t, err, tc.want...)
			if out != nil || enc.Decrypted {
				t.Errorf("got plaintext %q, %+v with an error", out, enc)
			}
		})
	}
}

func TestDecryptNotDecryptable(t *testing.T) {
	cfg := loadConfig(t, `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: [secrets]
  providers:
  - kms:
      apiVersion: v2
      name: vault
      endpoint: unix:///run/kms/vault.sock
  - kms:
      name: "legacy:kms"
      endpoint: unix:///run/kms/legacy.sock
      cachesize: 100
  - aescbc:
      keys: [{name: key1, secret: `+secretA+`}]
`)
	v2, err := proto.Marshal(&kmsv2types.EncryptedObject{
		EncryptedData:      []byte("ciphertext"),
		KeyID:              "vault-key-7",
		EncryptedDEKSource: []byte("dek"),
	})
	if err != nil {
		t.Fatal(err)
	}
	const key = "/registry/secrets/shop/s"
	cases := []struct {
		name             string
		val              []byte
		provider, keyNm  string
		wantReasonSubstr []string
	}{
		{"kms v2", append([]byte("k8s:enc:kms:v2:vault:"), v2...), "kms", "vault",
			[]string{"KMS v2", `"vault-key-7"`, "resources[0].providers[0].kms"}},
		{"kms v2 not in config", append([]byte("k8s:enc:kms:v2:other:"), v2...), "kms", "other",
			[]string{"KMS v2", `"vault-key-7"`, "not in "}},
		{"kms v1 name with colon", []byte("k8s:enc:kms:v1:legacy:kms:\x00\x03dekdata"), "kms", "legacy:kms",
			[]string{"KMS v1", `"legacy:kms"`, "resources[0].providers[1].kms"}},
		{"kms v1 not in config", []byte("k8s:enc:kms:v1:hsm:\x00\x03dekdata"), "kms", "hsm",
			[]string{"KMS v1", "not in "}},
		{"unknown provider", []byte("k8s:enc:rot13:v1:key1:uryyb"), "rot13", "key1",
			[]string{`unknown encryption provider "rot13"`}},
		{"unknown version", []byte("k8s:enc:aescbc:v9:key1:abcdefabcdefabcdefabcdefabcdefab"), "aescbc", "key1",
			[]string{`unknown aescbc format version "v9"`}},
		{"key the config lacks", []byte("k8s:enc:secretbox:v1:key1:abcdefabcdefabcdefabcdefabcdefabcdefabcdefab"), "secretbox", "key1",
			[]string{`no secretbox key named "key1"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, enc, err := cfg.Decrypt(key, tc.val)
			if err != nil || out != nil {
				t.Fatalf("got %q, %v; want no plaintext and no error", out, err)
			}
			if enc.Decrypted || enc.Provider != tc.provider || enc.KeyName != tc.keyNm {
				t.Errorf("encryption = %+v, want provider %s key %s not decrypted", enc, tc.provider, tc.keyNm)
			}
			for _, w := range tc.wantReasonSubstr {
				if !strings.Contains(enc.Reason, w) {
					t.Errorf("reason %q does not hold %q", enc.Reason, w)
				}
			}
		})
	}
}

func TestResourceMatching(t *testing.T) {
	cfg := loadConfig(t, `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: [secrets]
  providers:
  - aescbc: {keys: [{name: s1, secret: `+secretA+`}]}
- resources: ['*.apps']
  providers:
  - aesgcm: {keys: [{name: g1, secret: `+secret16+`}]}
- resources: [events]
  providers:
  - identity: {}
- resources: ['*.']
  providers:
  - secretbox: {keys: [{name: b1, secret: `+secretBox+`}]}
- resources: ['*.*']
  providers:
  - aescbc: {keys: [{name: all, secret: `+secretB+`}]}
`)
	cases := []struct {
		key, want string // want: "provider:key" or "" for clear
	}{
		{"/registry/secrets/shop/db", "aescbc:s1"},
		{"/registry/deployments/shop/web", "aesgcm:g1"},
		{"/registry/controllerrevisions/shop/web-1", "aesgcm:g1"},
		{"/registry/configmaps/shop/cfg", "secretbox:b1"},
		{"/registry/minions/node-1", "secretbox:b1"},
		{"/registry/services/specs/shop/web", "secretbox:b1"},
		{"/registry/events/shop/e1", ""},
		{"/registry/jobs/shop/j", "aescbc:all"},
		{"/registry/custom.fancy.com/pants/cr-0", "aescbc:all"},
		{"/registry/apiextensions.k8s.io/customresourcedefinitions/pants.custom.fancy.com", "aescbc:all"},
		{"/kubernetes.io/secrets/shop/db", "aescbc:s1"},
	}
	plain := []byte("k8s\x00payload")
	for _, tc := range cases {
		t.Run(tc.key, func(t *testing.T) {
			v, err := cfg.Encrypt(tc.key, plain)
			if err != nil {
				t.Fatalf("Encrypt: %v", err)
			}
			if tc.want == "" {
				if !bytes.Equal(v, plain) {
					t.Fatalf("Encrypt = %q, want the plaintext (identity)", v)
				}
				return
			}
			if head := "k8s:enc:" + strings.Replace(tc.want, ":", ":v1:", 1) + ":"; !bytes.HasPrefix(v, []byte(head)) {
				t.Fatalf("Encrypt = %q..., want prefix %s", v[:min(len(v), 30)], head)
			}
			out, enc, err := cfg.Decrypt(tc.key, v)
			if err != nil || !enc.Decrypted || !bytes.Equal(out, plain) {
				t.Fatalf("Decrypt = %q %+v %v", out, enc, err)
			}
		})
	}
}

func TestFallbackToOtherEntries(t *testing.T) {
	// The config has moved on: secrets are now written with "new", and the
	// old key is left only in the configmaps entry.
	cfg := loadConfig(t, `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: [secrets]
  providers:
  - aescbc: {keys: [{name: new, secret: `+secretB+`}]}
- resources: [configmaps]
  providers:
  - aescbc: {keys: [{name: old, secret: `+secretA+`}]}
`)
	const key = "/registry/secrets/shop/db"
	old := loadConfig(t, `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: [secrets]
  providers:
  - aescbc: {keys: [{name: old, secret: `+secretA+`}]}
`)
	v, err := old.Encrypt(key, []byte("k8s\x00old secret"))
	if err != nil {
		t.Fatal(err)
	}
	out, enc, err := cfg.Decrypt(key, v)
	if err != nil || !enc.Decrypted || string(out) != "k8s\x00old secret" {
		t.Fatalf("Decrypt = %q %+v %v; want the old key from the configmaps entry to open it", out, enc, err)
	}
}

// TestCBCNoise: aescbc cannot tell a wrong key by itself once in 256 tries;
// a plaintext that is no encoded object must be an error, not a read.
func TestCBCNoise(t *testing.T) {
	cfg := loadConfig(t, `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: [secrets]
  providers:
  - aescbc: {keys: [{name: k, secret: `+secretA+`}]}
`)
	const key = "/registry/secrets/a/b"
	for _, tc := range []struct {
		plain []byte
		ok    bool
	}{
		{[]byte("k8s\x00\x0a\x09"), true},
		{[]byte{0xd9, 0xd9, 0xf7, 0xa1}, true},
		{[]byte(`{"kind":"Secret"}`), true},
		{[]byte("apiVersion: v1\nkind: Secret\n"), true},
		{[]byte{0x8f, 0x01, 0x22, 0x90, 0x00, 0x13, 0xfe, 0x44}, false},
		{[]byte("abc\x00def"), false},
	} {
		v, err := cfg.Encrypt(key, tc.plain)
		if err != nil {
			t.Fatal(err)
		}
		out, enc, err := cfg.Decrypt(key, v)
		if tc.ok && (err != nil || !bytes.Equal(out, tc.plain) || !enc.Decrypted) {
			t.Errorf("%q: got %q %+v %v", tc.plain, out, enc, err)
		}
		if !tc.ok {
			wantErr(t, err, "not an encoded object")
		}
	}
}

func TestKeyNameWithColon(t *testing.T) {
	cfg := loadConfig(t, `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: [secrets]
  providers:
  - secretbox: {keys: [{name: "2024:q1", secret: `+secretBox+`}]}
`)
	const key = "/registry/secrets/a/b"
	v, err := cfg.Encrypt(key, []byte("{}"))
	if err != nil {
		t.Fatal(err)
	}
	out, enc, err := cfg.Decrypt(key, v)
	if err != nil || string(out) != "{}" || enc.KeyName != "2024:q1" {
		t.Fatalf("Decrypt = %q %+v %v", out, enc, err)
	}
}

func TestEncryptKMSWriteProvider(t *testing.T) {
	cfg := loadConfig(t, `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: [secrets]
  providers:
  - kms: {apiVersion: v2, name: vault, endpoint: unix:///run/kms.sock}
`)
	_, err := cfg.Encrypt("/registry/secrets/a/b", []byte("x"))
	wantErr(t, err, "resources[0].providers[0].kms", "KMS")
}

// TestNoLogging holds the package to writing nothing through klog, which
// the apiserver's prefix transformers do on every failure.
func TestNoLogging(t *testing.T) {
	var buf bytes.Buffer
	klog.LogToStderr(false)
	klog.SetOutput(&buf)
	t.Cleanup(func() { klog.SetOutput(nil); klog.LogToStderr(true) })

	cfg := loadConfig(t, `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: [secrets, pants.custom.fancy.com]
  providers:
  - aescbc: {keys: [{name: key1, secret: `+secretA+`}]}
  - secretbox: {keys: [{name: key1, secret: `+secretA+`}]}
`)
	for _, kv := range encryptedFixtures(t) {
		if _, _, err := cfg.Decrypt(kv.Key, kv.Value); err == nil {
			t.Errorf("%s: decrypted with the wrong keys", kv.Key)
		}
	}
	klog.Flush()
	if buf.Len() > 0 {
		t.Errorf("klog output: %s", buf.String())
	}
}

// TestDecodeFixtures decodes every encrypted fixture value end to end
// through the decoder and compares it with what the API server served.
func TestDecodeFixtures(t *testing.T) {
	dec := decode.NewDecoder(decode.WithDecrypter(fixtureConfig(t)))
	exp, err := fixture.ExpectedObjects()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]fixture.Expected{}
	for _, e := range exp {
		want[e.Key] = e
	}
	for _, kv := range encryptedFixtures(t) {
		t.Run(kv.Key, func(t *testing.T) {
			e, ok := want[kv.Key]
			if !ok || e.Object == nil {
				t.Fatalf("no expected object")
			}
			v := dec.Decode(kv.Key, kv.Value, &decode.KeyMeta{CreateRevision: kv.CreateRevision, ModRevision: kv.ModRevision, Version: kv.Version})
			if v.Err != nil {
				t.Fatalf("Decode: %v", v.Err)
			}
			if v.Encryption == nil || !v.Encryption.Decrypted {
				t.Fatalf("encryption = %+v", v.Encryption)
			}
			if want := "encrypted:" + v.Encryption.Provider; e.Encoding != want {
				t.Errorf("provider %s, fixture says %s", v.Encryption.Provider, e.Encoding)
			}
			if v.Encoding != decode.EncodingProtobuf && v.Encoding != decode.EncodingCBOR && v.Encoding != decode.EncodingJSON {
				t.Errorf("plaintext encoding %s, want protobuf, cbor or json", v.Encoding)
			}
			if v.APIVersion != e.APIVersion || v.Kind != e.Kind {
				t.Errorf("type %s %s, want %s %s", v.APIVersion, v.Kind, e.APIVersion, e.Kind)
			}
			if got, wantObj := semantic(t, v.Object), semantic(t, e.Object); !reflect.DeepEqual(got, wantObj) {
				t.Errorf("object differs:\n got %s\nwant %s", v.Object, e.Object)
			}
		})
	}
}

// semantic parses JSON for comparison, keeping numbers exact.
func semantic(t *testing.T, b []byte) any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatalf("parse %s: %v", b, err)
	}
	return v
}

func BenchmarkDecryptSecret(b *testing.B) {
	cfg := fixtureConfig(b)
	var kv = encryptedFixtures(b)[len(encryptedFixtures(b))-1]
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := cfg.Decrypt(kv.Key, kv.Value); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecryptSecretbox(b *testing.B) {
	cfg := fixtureConfig(b)
	kv := encryptedFixtures(b)[0]
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := cfg.Decrypt(kv.Key, kv.Value); err != nil {
			b.Fatal(err)
		}
	}
}
