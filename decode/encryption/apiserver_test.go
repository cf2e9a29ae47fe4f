package encryption

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apiserver/pkg/apis/apiserver"
	apiserverv1 "k8s.io/apiserver/pkg/apis/apiserver/v1"
	"k8s.io/apiserver/pkg/storage/value"
	aestransformer "k8s.io/apiserver/pkg/storage/value/encrypt/aes"
	"k8s.io/apiserver/pkg/storage/value/encrypt/secretbox"

	"github.com/etcdscope/etcdscope/decode/fixture"
)

// Only the tests link k8s.io/apiserver: its transformers and config
// decoder are the reference the package's own are held to.

// TestSealersMatchTheAPIServer opens what the apiserver's transformers
// wrote and has them open what the sealers wrote, for every provider,
// across block boundaries.
func TestSealersMatchTheAPIServer(t *testing.T) {
	secret := func(s string) []byte {
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	cbcBlock, err := aes.NewCipher(secret(secretA))
	if err != nil {
		t.Fatal(err)
	}
	gcmBlock, err := aes.NewCipher(secret(secret16))
	if err != nil {
		t.Fatal(err)
	}
	theirGCM, err := aestransformer.NewGCMTransformer(gcmBlock)
	if err != nil {
		t.Fatal(err)
	}
	var boxKey [32]byte
	copy(boxKey[:], secret(secretBox))
	ourCBC, _ := newCBCKey(secret(secretA))
	ourGCM, _ := newGCMKey(secret(secret16))
	ourBox, _ := newSecretboxKey(secret(secretBox))
	cases := []struct {
		name   string
		theirs value.Transformer
		ours   sealer
	}{
		{ProviderAESCBC, aestransformer.NewCBCTransformer(cbcBlock), ourCBC},
		{ProviderAESGCM, theirGCM, ourGCM},
		{ProviderSecretbox, secretbox.NewSecretboxTransformer(boxKey), ourBox},
	}
	const etcdKey = "/registry/secrets/shop/db"
	ctx := context.Background()
	for _, tc := range cases {
		for _, n := range []int{0, 1, 11, 12, 15, 16, 17, 31, 32, 33, 1000} {
			// aescbc takes only plaintexts that look encoded.
			plain := append([]byte("k8s\x00"), bytes.Repeat([]byte{0xa5}, n)...)
			stored, err := tc.theirs.TransformToStorage(ctx, plain, value.DefaultContext(etcdKey))
			if err != nil {
				t.Fatal(err)
			}
			got, err := tc.ours.open(stored, []byte(etcdKey))
			if err != nil || !bytes.Equal(got, plain) {
				t.Errorf("%s, %d bytes: opening the apiserver's = %x, %v", tc.name, len(plain), got, err)
			}
			sealed, err := tc.ours.seal(plain, []byte(etcdKey))
			if err != nil {
				t.Fatal(err)
			}
			if len(sealed) != len(stored) {
				t.Errorf("%s, %d bytes: sealed to %d bytes, the apiserver to %d", tc.name, len(plain), len(sealed), len(stored))
			}
			back, _, err := tc.theirs.TransformFromStorage(ctx, sealed, value.DefaultContext(etcdKey))
			if err != nil || !bytes.Equal(back, plain) {
				t.Errorf("%s, %d bytes: the apiserver opening ours = %x, %v", tc.name, len(plain), back, err)
			}
			// Under another etcd key: aesgcm must refuse, as the API server does.
			_, _, theirErr := tc.theirs.TransformFromStorage(ctx, stored, value.DefaultContext(etcdKey+"x"))
			_, ourErr := tc.ours.open(stored, []byte(etcdKey+"x"))
			if (theirErr == nil) != (ourErr == nil) {
				t.Errorf("%s under another key: apiserver %v, ours %v", tc.name, theirErr, ourErr)
			}
		}
	}
}

// TestCBCPaddingAsTheAPIServer: blocks whose last byte is no valid
// PKCS#7 padding are refused by both.
func TestCBCPaddingAsTheAPIServer(t *testing.T) {
	key, err := base64.StdEncoding.DecodeString(secretA)
	if err != nil {
		t.Fatal(err)
	}
	blk, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	theirs := aestransformer.NewCBCTransformer(blk)
	ours, _ := newCBCKey(key)
	for _, tail := range [][]byte{{1, 2, 3}, {0}, {17}, {2, 2, 1, 2}, {3, 3, 3}, {1}} {
		plain := append(bytes.Repeat([]byte("k"), 16-len(tail)), tail...)
		payload := make([]byte, 32)
		copy(payload[16:], plain)
		cipher.NewCBCEncrypter(blk, payload[:16]).CryptBlocks(payload[16:], payload[16:])
		want, _, theirErr := theirs.TransformFromStorage(context.Background(), payload, value.DefaultContext("k"))
		got, ourErr := ours.open(payload, nil)
		if (theirErr == nil) != (ourErr == nil) || !bytes.Equal(got, want) {
			t.Errorf("tail %v: ours %q, %v; the apiserver %q, %v", tail, got, ourErr, want, theirErr)
		}
	}
}

// apiserverDecode decodes a config as kube-apiserver does, into v1 with
// its defaults.
func apiserverDecode(t *testing.T, data []byte) (*apiserverv1.EncryptionConfiguration, error) {
	t.Helper()
	scheme := runtime.NewScheme()
	if err := apiserver.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	if err := apiserverv1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	cf := serializer.NewCodecFactory(scheme, serializer.EnableStrict)
	obj, _, err := cf.UniversalDecoder(apiserverv1.SchemeGroupVersion).Decode(data, nil, nil)
	if err != nil {
		return nil, err
	}
	ec, ok := obj.(*apiserverv1.EncryptionConfiguration)
	if !ok {
		return nil, fmt.Errorf("the file holds %T", obj)
	}
	return ec, nil
}

// TestFileDecodesAsTheAPIServer decodes configs both ways: both take or
// both refuse each, and what both take is the same resources, providers,
// keys and KMS settings (the timeouts and cache sizes, which only the
// plugin uses, aside).
func TestFileDecodesAsTheAPIServer(t *testing.T) {
	fix, err := os.ReadFile(fixture.EncryptionConfigPath())
	if err != nil {
		t.Fatal(err)
	}
	demoPath := filepath.Join(t.TempDir(), "demo.yaml")
	if _, err := WriteDemoConfig(demoPath, []string{"secrets", "*.apps"}); err != nil {
		t.Fatal(err)
	}
	demo, err := os.ReadFile(demoPath)
	if err != nil {
		t.Fatal(err)
	}
	p := func(body string) []byte { return []byte(head + body) }
	docs := map[string][]byte{
		"fixture":                fix,
		"demo":                   demo,
		"kms without apiVersion": p("resources:\n- resources: [secrets]\n  providers:\n  - kms: {name: k, endpoint: unix:///x.sock, timeout: 3s}\n"),
		"kms v2":                 p("resources:\n- resources: [secrets]\n  providers:\n  - kms: {apiVersion: v2, name: k, endpoint: unix:///x.sock}\n"),
		"kms bad timeout":        p("resources:\n- resources: [secrets]\n  providers:\n  - kms: {name: k, endpoint: unix:///x.sock, timeout: soon}\n"),
		"unknown field":          p("resources:\n- resources: [secrets]\n  providers:\n  - aescbc:\n      keyz: []\n"),
		"field in capitals":      p("Resources:\n- resources: [secrets]\n  providers:\n  - identity: {}\n"),
		"duplicate key":          p("resources:\n- resources: [secrets]\n  resources: [configmaps]\n  providers:\n  - identity: {}\n"),
		"identity with a field":  p("resources:\n- resources: [secrets]\n  providers:\n  - identity: {x: 1}\n"),
		"providers not a list":   p("resources:\n- resources: [secrets]\n  providers: {aescbc: {}}\n"),
		"wrong kind":             []byte("apiVersion: apiserver.config.k8s.io/v1\nkind: AdmissionConfiguration\n"),
		"other version":          []byte("apiVersion: apiserver.config.k8s.io/v1beta1\nkind: EncryptionConfiguration\nresources: []\n"),
		"json":                   []byte(`{"apiVersion":"apiserver.config.k8s.io/v1","kind":"EncryptionConfiguration","resources":[{"resources":["secrets"],"providers":[{"secretbox":{"keys":[{"name":"b","secret":"` + secretBox + `"}]}}]}]}`),
	}
	for name, data := range docs {
		theirs, theirErr := apiserverDecode(t, data)
		ours, ourErr := decodeFile(data)
		if (theirErr == nil) != (ourErr == nil) {
			t.Errorf("%s: apiserver error %v, ours %v", name, theirErr, ourErr)
			continue
		}
		if ourErr != nil {
			if strings.Contains(ourErr.Error(), "\n") {
				t.Errorf("%s: error %q is more than one line", name, ourErr)
			}
			continue
		}
		for _, r := range theirs.Resources {
			for _, pc := range r.Providers {
				if pc.KMS != nil {
					pc.KMS.Timeout, pc.KMS.CacheSize = nil, nil
				}
			}
		}
		for _, r := range ours.Resources {
			for _, pc := range r.Providers {
				if pc.KMS != nil {
					pc.KMS.Timeout, pc.KMS.CacheSize = nil, nil
				}
			}
		}
		want, _ := json.Marshal(theirs.Resources)
		got, _ := json.Marshal(ours.Resources)
		if !bytes.Equal(got, want) {
			t.Errorf("%s: decoded\n%s\nthe apiserver decoded\n%s", name, got, want)
		}
	}
}
