package decode_test

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"k8s.io/apiserver/pkg/storage/value"
	aestransformer "k8s.io/apiserver/pkg/storage/value/encrypt/aes"
	"k8s.io/apiserver/pkg/storage/value/encrypt/envelope"
	"k8s.io/apiserver/pkg/storage/value/encrypt/envelope/kmsv2"
	kmsservice "k8s.io/kms/pkg/service"

	"github.com/etcdscope/etcdscope/decode"
	"github.com/etcdscope/etcdscope/decode/encryption"
	"github.com/etcdscope/etcdscope/decode/fixture"
)

// testKMS is a KMS plugin in the test process: it wraps DEKs with its own
// AES-GCM key, as a real plugin does with the key it keeps in its KMS.
// The apiserver's envelope code calls it to write values as a KMS-backed
// kube-apiserver would.
type testKMS struct {
	aead        cipher.AEAD
	keyID       string
	annotations map[string][]byte
}

func newTestKMS(t testing.TB, keyID string, annotations map[string][]byte) *testKMS {
	t.Helper()
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	return &testKMS{aead: aead, keyID: keyID, annotations: annotations}
}

func (k *testKMS) wrap(plain []byte) ([]byte, error) {
	nonce := make([]byte, k.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return k.aead.Seal(nonce, nonce, plain, nil), nil
}

func (k *testKMS) unwrap(sealed []byte) ([]byte, error) {
	n := k.aead.NonceSize()
	if len(sealed) < n {
		return nil, errors.New("short ciphertext")
	}
	return k.aead.Open(nil, sealed[:n], sealed[n:], nil)
}

// Encrypt and the rest implement the KMS v2 plugin service.
func (k *testKMS) Encrypt(_ context.Context, _ string, data []byte) (*kmsservice.EncryptResponse, error) {
	sealed, err := k.wrap(data)
	if err != nil {
		return nil, err
	}
	return &kmsservice.EncryptResponse{Ciphertext: sealed, KeyID: k.keyID, Annotations: k.annotations}, nil
}

func (k *testKMS) Decrypt(_ context.Context, _ string, req *kmsservice.DecryptRequest) ([]byte, error) {
	return k.unwrap(req.Ciphertext)
}

func (k *testKMS) Status(context.Context) (*kmsservice.StatusResponse, error) {
	return &kmsservice.StatusResponse{Version: "v2", Healthz: "ok", KeyID: k.keyID}, nil
}

// v1 is the same plugin behind the KMS v1 service interface.
type v1 struct{ *testKMS }

func (k v1) Encrypt(data []byte) ([]byte, error) { return k.wrap(data) }
func (k v1) Decrypt(data []byte) ([]byte, error) { return k.unwrap(data) }

// sealKMSv2 encrypts plaintext for etcd key as kube-apiserver does with a
// KMS v2 provider: the apiserver's envelope transformer under its
// "k8s:enc:kms:v2:<name>:" prefix. It returns a transformer that reads
// the values back, to prove they are what the API server reads.
func sealKMSv2(t testing.TB, kms *testKMS, name string, useSeed bool, key string, plaintext []byte) ([]byte, value.Transformer) {
	t.Helper()
	ctx := context.Background()
	tr, obj, cacheKey, err := kmsv2.GenerateTransformer(ctx, "test-uid", kms, useSeed)
	if err != nil {
		t.Fatal(err)
	}
	state := kmsv2.State{
		Transformer:                           tr,
		EncryptedObjectKeyID:                  obj.KeyID,
		EncryptedObjectEncryptedDEKSource:     obj.EncryptedDEKSource,
		EncryptedObjectAnnotations:            obj.Annotations,
		EncryptedObjectEncryptedDEKSourceType: obj.EncryptedDEKSourceType,
		UID:                                   "test-uid",
		ExpirationTimestamp:                   time.Now().Add(time.Hour),
		CacheKey:                              cacheKey,
		KMSProviderName:                       name,
	}
	env := kmsv2.NewEnvelopeTransformer(kms, name, func() (kmsv2.State, error) { return state, nil }, "test-apiserver")
	chain := value.NewPrefixTransformers(errors.New("no prefix"), value.PrefixTransformer{Prefix: []byte("k8s:enc:kms:v2:" + name + ":"), Transformer: env})
	out, err := chain.TransformToStorage(ctx, plaintext, value.DefaultContext(key))
	if err != nil {
		t.Fatal(err)
	}
	return out, chain
}

// sealKMSv1 is sealKMSv2 for a KMS v1 provider.
func sealKMSv1(t testing.TB, kms *testKMS, name, key string, plaintext []byte) []byte {
	t.Helper()
	// kube-apiserver writes KMS v1 data with AES-GCM under the DEK.
	env := envelope.NewEnvelopeTransformer(v1{kms}, 0, aestransformer.NewGCMTransformer)
	chain := value.NewPrefixTransformers(errors.New("no prefix"), value.PrefixTransformer{Prefix: []byte("k8s:enc:kms:v1:" + name + ":"), Transformer: env})
	out, err := chain.TransformToStorage(context.Background(), plaintext, value.DefaultContext(key))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// kmsConfig names the test plugins as a kube-apiserver config would.
func kmsConfig(t testing.TB) *encryption.Config {
	t.Helper()
	path := filepath.Join(t.TempDir(), "encryption-config.yaml")
	body := `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: [secrets]
  providers:
  - kms: {apiVersion: v2, name: vault, endpoint: unix:///run/kms/vault.sock}
  - kms: {name: legacy, endpoint: unix:///run/kms/legacy.sock}
  - identity: {}
`
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := encryption.LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func secretFixture(t testing.TB) fixture.KV {
	t.Helper()
	kvs, err := fixture.KVs()
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range kvs {
		if kv.Key == "/registry/configmaps/shop/app-config" {
			// A real stored object, as the Secret a KMS provider encrypts.
			return fixture.KV{Key: "/registry/secrets/shop/app-config", Value: kv.Value}
		}
	}
	t.Fatal("fixture lacks its configmap")
	return fixture.KV{}
}

func TestKMSv2ValuesFromTheRealEnvelope(t *testing.T) {
	kv := secretFixture(t)
	const keyID = "projects/p/locations/eu/keyRings/r/cryptoKeys/etcd/cryptoKeyVersions/3"
	secretNote := []byte("a-value-only-the-plugin-reads")
	kms := newTestKMS(t, keyID, map[string][]byte{
		"version.encryption.example.com": secretNote,
		"region.kms.example.com":         []byte("eu-west-1"),
	})
	cfg := kmsConfig(t)
	for _, tc := range []struct {
		useSeed bool
		dek     string
	}{
		{true, "HKDF_SHA256_XNONCE_AES_GCM_SEED"},
		{false, "AES_GCM_KEY"},
	} {
		t.Run(tc.dek, func(t *testing.T) {
			stored, chain := sealKMSv2(t, kms, "vault", tc.useSeed, kv.Key, kv.Value)
			// The API server reads it back: these are real KMS v2 values.
			if back, _, err := chain.TransformFromStorage(context.Background(), stored, value.DefaultContext(kv.Key)); err != nil || !bytes.Equal(back, kv.Value) {
				t.Fatalf("the apiserver does not read its own value back: %v", err)
			}
			want := &decode.Encryption{
				Provider: "kms", KMSVersion: "v2", KeyName: "vault", KeyID: keyID, DEKSourceType: tc.dek,
				Annotations: []string{"region.kms.example.com", "version.encryption.example.com"},
			}
			for name, dec := range map[string]*decode.Decoder{"no config": decode.NewDecoder(), "config": decode.NewDecoder(decode.WithDecrypter(cfg))} {
				v := dec.Decode(kv.Key, stored, nil)
				if v.Err != nil || v.Encoding != decode.EncodingEncrypted || v.Encryption == nil || v.Kind != "Secret" {
					t.Fatalf("%s: got %s %v %+v", name, v.Encoding, v.Err, v.Encryption)
				}
				got := *v.Encryption
				if got.Decrypted || !strings.Contains(got.Reason, keyID) || !strings.Contains(got.Reason, "KMS v2") {
					t.Errorf("%s: reason %q", name, got.Reason)
				}
				if name == "config" && !strings.Contains(got.Reason, "resources[0].providers[0].kms") {
					t.Errorf("config: reason %q does not say where the config names the plugin", got.Reason)
				}
				got.Reason = ""
				if !reflect.DeepEqual(&got, want) {
					t.Errorf("%s: encryption\n got %+v\nwant %+v", name, got, *want)
				}
				rec, err := json.Marshal(v.Record())
				if err != nil {
					t.Fatal(err)
				}
				enc := string(member(t, rec, "encryption"))
				if !strings.HasPrefix(enc, `{"provider":"kms","kmsVersion":"v2","keyName":"vault","keyID":"`+keyID+`","dekSourceType":"`+tc.dek+
					`","annotations":["region.kms.example.com","version.encryption.example.com"],"decrypted":false,"reason":"`) {
					t.Errorf("%s: record encryption %s", name, enc)
				}
				// Annotation values are the plugin's; they never show.
				if bytes.Contains(rec, secretNote) || bytes.Contains(rec, []byte("eu-west-1")) {
					t.Errorf("%s: the record shows an annotation's value", name)
				}
				if m := dec.DecodeMetadata(kv.Key, stored); !reflect.DeepEqual(m.Encryption, v.Encryption) || m.Err != nil {
					t.Errorf("%s: DecodeMetadata encryption %+v, Decode's %+v", name, m.Encryption, v.Encryption)
				}
			}
		})
	}
}

func TestKMSv1ValuesFromTheRealEnvelope(t *testing.T) {
	kv := secretFixture(t)
	stored := sealKMSv1(t, newTestKMS(t, "", nil), "legacy", kv.Key, kv.Value)
	want := decode.Encryption{Provider: "kms", KMSVersion: "v1", KeyName: "legacy"}
	for name, dec := range map[string]*decode.Decoder{"no config": decode.NewDecoder(), "config": decode.NewDecoder(decode.WithDecrypter(kmsConfig(t)))} {
		v := dec.Decode(kv.Key, stored, nil)
		if v.Err != nil || v.Encryption == nil {
			t.Fatalf("%s: %v", name, v.Err)
		}
		got := *v.Encryption
		if !strings.Contains(got.Reason, `KMS v1 provider "legacy"`) {
			t.Errorf("%s: reason %q", name, got.Reason)
		}
		got.Reason = ""
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: encryption %+v, want %+v", name, got, want)
		}
	}
}

// TestKMSBrokenValues cuts a real KMS v2 value at every byte and feeds
// garbage: never a panic; a value that is no envelope is an error naming
// the provider; a cut that still parses (at a field boundary) says only
// what it holds.
func TestKMSBrokenValues(t *testing.T) {
	kv := secretFixture(t)
	stored, _ := sealKMSv2(t, newTestKMS(t, "key-1", map[string][]byte{"a.example.com": []byte("x")}), "vault", true, kv.Key, kv.Value)
	prefix := len("k8s:enc:kms:v2:vault:")
	dec := decode.NewDecoder()
	errs := 0
	for n := prefix; n < len(stored); n++ {
		v := dec.Decode(kv.Key, stored[:n], nil)
		switch {
		case v.Err != nil:
			errs++
			if !strings.Contains(v.Err.Error(), `kms v2 provider "vault"`) || v.Encryption == nil || v.Encryption.Decrypted {
				t.Fatalf("cut at %d: error %v, encryption %+v", n, v.Err, v.Encryption)
			}
			if rec, err := json.Marshal(v.Record()); err != nil || !bytes.Contains(rec, []byte(`"error":`)) {
				t.Fatalf("cut at %d: record %s (%v)", n, rec, err)
			}
		case v.Encryption == nil || v.Encryption.KeyID == "":
			t.Fatalf("cut at %d: read without an error but without a key ID: %+v", n, v.Encryption)
		}
	}
	if errs < (len(stored)-prefix)*9/10 {
		t.Errorf("only %d of %d cuts are errors", errs, len(stored)-prefix)
	}
	for name, val := range map[string]string{
		"empty payload":   "k8s:enc:kms:v2:vault:",
		"garbage":         "k8s:enc:kms:v2:vault:\xff\xfe\xfd\x00garbage",
		"v1 short":        "k8s:enc:kms:v1:legacy:\x00",
		"v1 dek too long": "k8s:enc:kms:v1:legacy:\xff\xff\x01\x02",
		"v1 without data": "k8s:enc:kms:v1:legacy:\x00\x02ab",
	} {
		for cfgName, d := range map[string]*decode.Decoder{"no config": dec, "config": decode.NewDecoder(decode.WithDecrypter(kmsConfig(t)))} {
			v := d.Decode("/registry/secrets/shop/s", []byte(val), nil)
			if v.Err == nil || !strings.Contains(v.Err.Error(), "kms v") || !strings.Contains(v.Err.Error(), "provider") {
				t.Errorf("%s, %s: error %v", name, cfgName, v.Err)
			}
			if m := d.DecodeMetadata("/registry/secrets/shop/s", []byte(val)); m.Err == nil || m.Err.Error() != v.Err.Error() {
				t.Errorf("%s, %s: DecodeMetadata error %v, Decode's %v", name, cfgName, m.Err, v.Err)
			}
		}
	}
}

// FuzzReadKMS feeds KMS values the apiserver's envelope code wrote, and
// mutations of them, to the decoder with and without a config naming the
// plugins: never a panic, an error or a KMS reading, and both decoders
// read the same of a value they both read.
func FuzzReadKMS(f *testing.F) {
	kv := secretFixture(f)
	kms := newTestKMS(f, "key-7", map[string][]byte{"a.example.com": []byte("x"), "b.example.com": nil})
	v2seed, _ := sealKMSv2(f, kms, "vault", true, kv.Key, kv.Value[:64])
	v2key, _ := sealKMSv2(f, kms, "vault", false, kv.Key, kv.Value[:64])
	f.Add(v2seed)
	f.Add(v2key)
	f.Add(sealKMSv1(f, kms, "legacy", kv.Key, kv.Value[:64]))
	f.Add([]byte("k8s:enc:kms:v2:vault:"))
	plain := decode.NewDecoder()
	withConfig := decode.NewDecoder(decode.WithDecrypter(kmsConfig(f)))
	f.Fuzz(func(t *testing.T, value []byte) {
		const key = "/registry/secrets/shop/s"
		a, b := plain.Decode(key, value, nil), withConfig.Decode(key, value, nil)
		for _, v := range []decode.Value{a, b} {
			if v.Err == nil && v.Encoding == decode.EncodingEncrypted && v.Encryption == nil {
				t.Fatal("still encrypted, with no encryption said")
			}
			if _, err := json.Marshal(v.Record()); err != nil {
				t.Fatal(err)
			}
		}
		if _, _, ok := decode.ParseEncryptedPrefix(value); !ok || a.Encryption == nil || a.Encryption.Provider != "kms" || a.Err != nil || b.Err != nil {
			return
		}
		ea, eb := *a.Encryption, *b.Encryption
		ea.Reason, eb.Reason = "", ""
		if !reflect.DeepEqual(ea, eb) {
			t.Fatalf("without a config %+v, with one %+v", ea, eb)
		}
		if ea.KMSVersion == "v2" && ea.KeyID == "" {
			t.Fatal("a KMS v2 value read without its key ID")
		}
	})
}
