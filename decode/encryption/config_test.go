package encryption

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/etcdscope/etcdscope/decode/fixture"
)

const head = "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\n"

func TestLoadConfigErrors(t *testing.T) {
	cases := []struct {
		name string
		body string
		want []string
	}{
		{"empty file", "", []string{"empty"}},
		{"malformed yaml", head + "resources:\n  - resources: [secrets\n", []string{"not valid YAML", "line"}},
		{"not yaml at all", "\x00\x01\x02", []string{"not valid YAML"}},
		{"some other text file", "root:x:0:0:root:/root:/bin/bash\n", []string{"not an EncryptionConfiguration"}},
		{"unknown field", head + "resources:\n- resources: [secrets]\n  providers:\n  - aescbc:\n      keyz: []\n", []string{"unknown field", "keyz"}},
		{"wrong kind", "apiVersion: apiserver.config.k8s.io/v1\nkind: AdmissionConfiguration\n", []string{"AdmissionConfiguration"}},
		{"no apiVersion", "kind: EncryptionConfiguration\nresources:\n- resources: [secrets]\n  providers:\n  - aescbc:\n      keys: [{name: k, secret: " + secretA + "}]\n",
			[]string{"not an EncryptionConfiguration"}},
		{"no resources", head + "resources: []\n", []string{"resources: Required"}},
		{"type only", head, []string{"resources: Required"}},
		{"unknown provider", head + "resources:\n- resources: [secrets]\n  providers:\n  - rot13:\n      keys: [{name: k, secret: " + secretA + "}]\n",
			[]string{"unknown field", "rot13"}},
		{"key without secret", head + "resources:\n- resources: [secrets]\n  providers:\n  - aescbc:\n      keys: [{name: k}]\n",
			[]string{"resources[0].providers[0].aescbc.keys[0].secret: Required"}},
		{"providers not a list", head + "resources:\n- resources: [secrets]\n  providers: {aescbc: {}}\n", []string{"decode"}},
		{"a list, not a document", "- apiVersion: apiserver.config.k8s.io/v1\n  kind: EncryptionConfiguration\n", []string{"not an EncryptionConfiguration"}},
		{"bad base64", head + "resources:\n- resources: [secrets]\n  providers:\n  - aescbc:\n      keys: [{name: k, secret: 'not base64!!'}]\n",
			[]string{"resources[0].providers[0].aescbc.keys[0].secret", "base64"}},
		{"aes key length", head + "resources:\n- resources: [secrets]\n  providers:\n  - aesgcm:\n      keys: [{name: k, secret: aGVsbG8=}]\n",
			[]string{"resources[0].providers[0].aesgcm.keys[0].secret", "5 bytes"}},
		{"secretbox key length", head + "resources:\n- resources: [secrets]\n  providers:\n  - identity: {}\n  - secretbox:\n      keys: [{name: k, secret: " + secret16 + "}]\n",
			[]string{"resources[0].providers[1].secretbox.keys[0].secret", "16 bytes"}},
		{"key without name", head + "resources:\n- resources: [secrets]\n  providers:\n  - aescbc:\n      keys: [{secret: " + secretA + "}]\n",
			[]string{"resources[0].providers[0].aescbc.keys[0].name: Required"}},
		{"provider without keys", head + "resources:\n- resources: [secrets]\n  providers:\n  - aescbc: {}\n",
			[]string{"resources[0].providers[0].aescbc.keys: Required"}},
		{"two providers in one item", head + "resources:\n- resources: [secrets]\n  providers:\n  - aescbc:\n      keys: [{name: k, secret: " + secretA + "}]\n    identity: {}\n",
			[]string{"resources[0].providers[0]", "one provider per list item"}},
		{"empty provider", head + "resources:\n- resources: [secrets]\n  providers:\n  - {}\n", []string{"resources[0].providers[0]: Required"}},
		{"kms without name", head + "resources:\n- resources: [secrets]\n  providers:\n  - kms: {apiVersion: v2, endpoint: unix:///x.sock}\n",
			[]string{"resources[0].providers[0].kms.name: Required"}},
		{"kms version", head + "resources:\n- resources: [secrets]\n  providers:\n  - kms: {apiVersion: v3, name: x, endpoint: unix:///x.sock}\n",
			[]string{"resources[0].providers[0].kms.apiVersion", "v3"}},
		{"capital resource", head + "resources:\n- resources: [Secrets]\n  providers:\n  - identity: {}\n", []string{"resources[0].resources[0]", "Secrets"}},
		{"masked rule", head + "resources:\n- resources: ['*.*']\n  providers:\n  - identity: {}\n- resources: [secrets]\n  providers:\n  - identity: {}\n",
			[]string{"resources[1].resources[0]", `masked by the earlier rule "*.*"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := writeConfig(t, tc.body)
			cfg, err := LoadConfig(path)
			if cfg != nil {
				t.Errorf("got a config with an error")
			}
			wantErr(t, err, append([]string{path}, tc.want...)...)
			if err != nil && strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q is more than one line", err)
			}
			// Errors may be logged or shown: never a secret in them.
			for _, s := range []string{secretA, secret16, "not base64", "aGVsbG8="} {
				if err != nil && strings.Contains(err.Error(), s) {
					t.Errorf("error %q shows the secret", err)
				}
			}
		})
	}
	t.Run("missing file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "nope.yaml")
		_, err := LoadConfig(path)
		wantErr(t, err, path, "no such file")
	})
}

func TestLoadFixtureConfig(t *testing.T) {
	got := fixtureConfig(t).Providers()
	want := []ProviderInfo{
		{Resources: []string{"secrets"}, Type: "aescbc", KeyNames: []string{"key1"}, Write: true, Decryptable: true, Field: "resources[0].providers[0].aescbc"},
		{Resources: []string{"secrets"}, Type: "identity", Decryptable: true, Field: "resources[0].providers[1].identity"},
		{Resources: []string{"pants.custom.fancy.com"}, Type: "secretbox", KeyNames: []string{"key1"}, Write: true, Decryptable: true, Field: "resources[1].providers[0].secretbox"},
		{Resources: []string{"pants.custom.fancy.com"}, Type: "identity", Decryptable: true, Field: "resources[1].providers[1].identity"},
		{Resources: []string{"configmaps"}, Type: "identity", Write: true, Decryptable: true, Field: "resources[2].providers[0].identity"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Providers() =\n%+v\nwant\n%+v", got, want)
	}
	data, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	secrets, err := os.ReadFile(fixture.EncryptionConfigPath())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"IK2/nmSw", "7kNEJzGt"} {
		if !bytes.Contains(secrets, []byte(s)) {
			t.Fatalf("fixture config lacks %s; test out of date", s)
		}
		if bytes.Contains(data, []byte(s)) {
			t.Errorf("Providers() shows a secret: %s", data)
		}
	}
}

func TestProvidersKMS(t *testing.T) {
	cfg := loadConfig(t, head+"resources:\n- resources: ['*.*']\n  providers:\n  - kms: {apiVersion: v2, name: vault, endpoint: unix:///x.sock}\n  - aesgcm: {keys: [{name: a, secret: "+secretA+"}, {name: b, secret: "+secret16+"}]}\n")
	got := cfg.Providers()
	if len(got) != 2 {
		t.Fatalf("Providers() = %+v", got)
	}
	if k := got[0]; k.Type != "kms" || k.KMSAPIVersion != "v2" || k.Decryptable || !k.Write || !reflect.DeepEqual(k.KeyNames, []string{"vault"}) {
		t.Errorf("kms provider = %+v", k)
	}
	if g := got[1]; g.Type != "aesgcm" || g.Write || !g.Decryptable || !reflect.DeepEqual(g.KeyNames, []string{"a", "b"}) {
		t.Errorf("aesgcm provider = %+v", g)
	}
}

func TestWriteDemoConfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "enc.yaml")
	cfg, err := WriteDemoConfig(path, []string{"secrets"})
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600: the file holds a key", st.Mode().Perm())
	}
	// The file must be one kube-apiserver would take: load it afresh.
	again, err := LoadConfig(path)
	if err != nil {
		t.Fatalf("reload: %v", err)
	}
	const key = "/registry/secrets/demo/db"
	plain := []byte("k8s\x00demo secret")
	v, err := cfg.Encrypt(key, plain)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(v, []byte("k8s:enc:aescbc:v1:"+DemoKeyName+":")) {
		t.Fatalf("Encrypt = %q", v[:min(len(v), 40)])
	}
	out, enc, err := again.Decrypt(key, v)
	if err != nil || !bytes.Equal(out, plain) || !enc.Decrypted {
		t.Fatalf("Decrypt = %q %+v %v", out, enc, err)
	}
	clear, err := cfg.Encrypt("/registry/configmaps/demo/c", plain)
	if err != nil || !bytes.Equal(clear, plain) {
		t.Errorf("configmaps: Encrypt = %q, %v; want the plaintext", clear, err)
	}
	other, err := WriteDemoConfig(filepath.Join(t.TempDir(), "enc.yaml"), []string{"secrets"})
	if err != nil {
		t.Fatal(err)
	}
	if out, _, err := other.Decrypt(key, v); err == nil {
		t.Errorf("a second demo key opened the value: %q", out)
	}
	if _, err := WriteDemoConfig(filepath.Join(t.TempDir(), "x.yaml"), nil); err == nil {
		t.Error("WriteDemoConfig with no resources: no error")
	}
}

func TestResourceOf(t *testing.T) {
	cases := []struct {
		key, root string
		want      schema.GroupResource
	}{
		{"/registry/secrets/shop/db", "", schema.GroupResource{Resource: "secrets"}},
		{"/registry/deployments/shop/web", "", schema.GroupResource{Group: "apps", Resource: "deployments"}},
		{"/registry/minions/n1", "", schema.GroupResource{Resource: "nodes"}},
		{"/registry/controllers/shop/rc", "", schema.GroupResource{Resource: "replicationcontrollers"}},
		{"/registry/services/specs/shop/web", "", schema.GroupResource{Resource: "services"}},
		{"/registry/services/endpoints/shop/web", "", schema.GroupResource{Resource: "endpoints"}},
		{"/registry/ingress/shop/web", "", schema.GroupResource{Group: "networking.k8s.io", Resource: "ingresses"}},
		{"/registry/masterleases/10.0.0.1", "", schema.GroupResource{Resource: "endpoints"}},
		{"/registry/events/shop/e", "", schema.GroupResource{Resource: "events"}},
		{"/registry/custom.fancy.com/pants/cr-0", "", schema.GroupResource{Group: "custom.fancy.com", Resource: "pants"}},
		{"/registry/cr.bar.com/foos/ns/cr-0", "", schema.GroupResource{Group: "cr.bar.com", Resource: "foos"}},
		{"/kubernetes.io/secrets/shop/db", "", schema.GroupResource{Resource: "secrets"}},
		{"/a/b/secrets/shop/db", "/a/b", schema.GroupResource{Resource: "secrets"}},
		{"/a/b/secrets/shop/db", "/a/b/", schema.GroupResource{Resource: "secrets"}},
		{"", "", schema.GroupResource{}},
		{"/", "", schema.GroupResource{}},
	}
	for _, tc := range cases {
		if got := resourceOf(tc.key, tc.root); got != tc.want {
			t.Errorf("resourceOf(%q, %q) = %v, want %v", tc.key, tc.root, got, tc.want)
		}
	}
}

// TestResourceOfFixtures holds the key parsing against every key a real
// kube-apiserver wrote: the group is the one of the stored object, which
// *.group rules need (built-ins are stored with no group in the key).
func TestResourceOfFixtures(t *testing.T) {
	exp, err := fixture.ExpectedObjects()
	if err != nil {
		t.Fatal(err)
	}
	// Stored in a group other than the one encryption rules name them by.
	skip := map[string]bool{"peerserverleases": true, "ranges": true, "masterleases": true}
	for _, e := range exp {
		first := strings.SplitN(strings.TrimPrefix(e.Key, "/registry/"), "/", 2)[0]
		if skip[first] {
			continue
		}
		group := ""
		if g, _, ok := strings.Cut(e.APIVersion, "/"); ok {
			group = g
		}
		if got := resourceOf(e.Key, ""); got.Group != group {
			t.Errorf("%s: group %q, want %q (%s %s)", e.Key, got.Group, group, e.APIVersion, e.Kind)
		}
	}
}

// TestLoadTruncatedConfig cuts the fixture's config at every byte, as an
// interrupted copy would: each cut loads (a shorter config that is still
// whole) or fails with one line naming the file, never a panic, never a
// secret in the message.
func TestLoadTruncatedConfig(t *testing.T) {
	full, err := os.ReadFile(fixture.EncryptionConfigPath())
	if err != nil {
		t.Fatal(err)
	}
	secrets := regexp.MustCompile(`secret: (\S+)`).FindAllSubmatch(full, -1)
	if len(secrets) == 0 {
		t.Fatal("fixture config holds no secret: test out of date")
	}
	failed, loaded := 0, 0
	for n := range len(full) {
		path := writeConfig(t, string(full[:n]))
		cfg, err := LoadConfig(path)
		if err == nil {
			loaded++
			if cfg == nil {
				t.Fatalf("cut at %d: no config and no error", n)
			}
			continue
		}
		failed++
		msg := err.Error()
		if strings.Contains(msg, "\n") || !strings.Contains(msg, path) {
			t.Errorf("cut at %d: error %q: want one line naming the file", n, msg)
		}
		for _, s := range secrets {
			// A secret cut short is still a secret: no 8 bytes of one show.
			if len(s[1]) >= 8 && strings.Contains(msg, string(s[1][:8])) {
				t.Errorf("cut at %d: error %q shows a secret", n, msg)
			}
		}
	}
	t.Logf("%d cuts fail, %d load", failed, loaded)
	if failed < len(full)/2 {
		t.Errorf("only %d of %d cuts fail", failed, len(full))
	}
}
