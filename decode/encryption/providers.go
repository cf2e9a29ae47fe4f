package encryption

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	apiserverv1 "k8s.io/apiserver/pkg/apis/apiserver/v1"
	"sigs.k8s.io/yaml"
)

// ProviderInfo describes one provider of the config, without its secrets,
// for stats and for people.
type ProviderInfo struct {
	// Resources are the resource patterns of the provider's entry, as the
	// file spells them (secrets, *.apps, *.*).
	Resources []string `json:"resources"`
	// Type is aescbc, aesgcm, secretbox, kms or identity.
	Type string `json:"type"`
	// KeyNames are the names of the provider's keys; for KMS, the plugin's
	// provider name.
	KeyNames []string `json:"keyNames,omitempty"`
	// KMSAPIVersion is v1 or v2 for a KMS provider.
	KMSAPIVersion string `json:"kmsAPIVersion,omitempty"`
	// Write is true for the first provider of an entry: the one the API
	// server encrypts new writes with.
	Write bool `json:"write"`
	// Decryptable is true when etcdscope can decrypt this provider's
	// values (not KMS; identity stores values in clear).
	Decryptable bool `json:"decryptable"`
	// Field is where the provider sits in the file.
	Field string `json:"field"`
}

// Providers lists every provider of the config in file order.
func (c *Config) Providers() []ProviderInfo {
	var out []ProviderInfo
	for _, e := range c.entries {
		for i, p := range e.providers {
			info := ProviderInfo{
				Resources:   append([]string(nil), e.patterns...),
				Type:        p.kind,
				Write:       i == 0,
				Decryptable: p.kind != ProviderKMS,
				Field:       p.field,
			}
			for _, k := range p.keys {
				info.KeyNames = append(info.KeyNames, k.name)
			}
			if p.kind == ProviderKMS {
				info.KeyNames = []string{p.kmsName}
				info.KMSAPIVersion = p.kmsAPIVersion
			}
			out = append(out, info)
		}
	}
	return out
}

// DemoKeyName is the name of the aescbc key WriteDemoConfig generates.
const DemoKeyName = "demo-key"

// WriteDemoConfig writes an EncryptionConfiguration to path (mode 0600)
// that encrypts resources (config patterns such as "secrets") with a fresh
// random 32-byte aescbc key and reads unencrypted values through identity,
// then loads it. It is how the demo encrypts its own secrets.
func WriteDemoConfig(path string, resources []string) (*Config, error) {
	if len(resources) == 0 {
		return nil, fmt.Errorf("write demo encryption config %s: no resources to encrypt", path)
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, fmt.Errorf("generate demo key: %w", err)
	}
	ec := apiserverv1.EncryptionConfiguration{
		TypeMeta: metav1.TypeMeta{APIVersion: apiserverv1.SchemeGroupVersion.String(), Kind: "EncryptionConfiguration"},
		Resources: []apiserverv1.ResourceConfiguration{{
			Resources: append([]string(nil), resources...),
			Providers: []apiserverv1.ProviderConfiguration{
				{AESCBC: &apiserverv1.AESConfiguration{Keys: []apiserverv1.Key{{
					Name:   DemoKeyName,
					Secret: base64.StdEncoding.EncodeToString(secret),
				}}}},
				{Identity: &apiserverv1.IdentityConfiguration{}},
			},
		}},
	}
	data, err := yaml.Marshal(&ec)
	if err != nil {
		return nil, fmt.Errorf("write demo encryption config %s: %w", path, err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return nil, fmt.Errorf("write demo encryption config: %w", err)
	}
	return LoadConfig(path)
}
