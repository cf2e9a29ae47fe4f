package encryption

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/etcdscope/etcdscope/decode/fixture"
)

// Fixed test keys (base64 of 32, 32, 16 and 32 bytes).
const (
	secretA   = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
	secretB   = "HxwdHhscGRoXFhUUExIREA8ODQwLCgkIBwYFBAMCAQA="
	secret16  = "MDEyMzQ1Njc4OWFiY2RlZg=="
	secretBox = "c2VjcmV0Ym94LWtleS1vZi0zMi1ieXRlcy1sb25nISE="
)

// writeConfig writes a config file into a temp dir and returns its path.
func writeConfig(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "encryption-config.yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// loadConfig writes and loads a config that must be valid.
func loadConfig(t *testing.T, body string) *Config {
	t.Helper()
	cfg, err := LoadConfig(writeConfig(t, body))
	if err != nil {
		t.Fatalf("LoadConfig: %v", err)
	}
	return cfg
}

// fixtureConfig loads the config the fixture API server ran with.
func fixtureConfig(t testing.TB) *Config {
	t.Helper()
	cfg, err := LoadConfig(fixture.EncryptionConfigPath())
	if err != nil {
		t.Fatalf("LoadConfig(fixture): %v", err)
	}
	return cfg
}

// encryptedFixtures returns the fixture's encrypted live keys.
func encryptedFixtures(t testing.TB) []fixture.KV {
	t.Helper()
	kvs, err := fixture.KVs()
	if err != nil {
		t.Fatal(err)
	}
	var out []fixture.KV
	for _, kv := range kvs {
		if bytes.HasPrefix(kv.Value, []byte(encPrefix)) {
			out = append(out, kv)
		}
	}
	return out
}

// fixtureValue returns one fixture key's stored value.
func fixtureValue(t *testing.T, key string) []byte {
	t.Helper()
	for _, kv := range encryptedFixtures(t) {
		if kv.Key == key {
			return kv.Value
		}
	}
	t.Fatalf("fixture has no encrypted key %s", key)
	return nil
}

// wantErr fails unless err is non-nil and holds every want string.
func wantErr(t *testing.T, err error, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want one holding %q", want)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not hold %q", err, w)
		}
	}
}
