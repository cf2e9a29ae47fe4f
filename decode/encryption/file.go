package encryption

import (
	"fmt"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// The file's type, as kube-apiserver reads it.
const (
	configAPIVersion = "apiserver.config.k8s.io/v1"
	configKind       = "EncryptionConfiguration"
)

// The types below mirror k8s.io/apiserver's apiserver.config.k8s.io/v1
// EncryptionConfiguration field for field (names, JSON tags, pointers),
// so a file decodes here exactly as the API server decodes it. Its own
// types are not linked: their package drags in component-base's feature
// gates and metrics registry, whose init every command paid at start. A
// test decodes files both ways and holds the results equal.

// fileConfig is an EncryptionConfiguration.
type fileConfig struct {
	APIVersion string          `json:"apiVersion,omitempty"`
	Kind       string          `json:"kind,omitempty"`
	Resources  []fileResources `json:"resources"`
}

// fileResources is one item of the resources list.
type fileResources struct {
	Resources []string       `json:"resources"`
	Providers []fileProvider `json:"providers"`
}

// fileProvider is one provider; exactly one field is set.
type fileProvider struct {
	AESGCM    *fileKeys     `json:"aesgcm,omitempty"`
	AESCBC    *fileKeys     `json:"aescbc,omitempty"`
	Secretbox *fileKeys     `json:"secretbox,omitempty"`
	Identity  *fileIdentity `json:"identity,omitempty"`
	KMS       *fileKMS      `json:"kms,omitempty"`
}

// fileKeys is an aescbc, aesgcm or secretbox provider's key list.
type fileKeys struct {
	Keys []fileKey `json:"keys"`
}

// fileKey is one named key; Secret is base64.
type fileKey struct {
	Name   string `json:"name"`
	Secret string `json:"secret"`
}

// fileIdentity is the identity provider, which has no settings.
type fileIdentity struct{}

// fileKMS is a KMS provider. Only the name and API version are used: the
// plugin is never called.
type fileKMS struct {
	APIVersion string           `json:"apiVersion"`
	Name       string           `json:"name"`
	CacheSize  *int32           `json:"cachesize,omitempty"`
	Endpoint   string           `json:"endpoint"`
	Timeout    *metav1.Duration `json:"timeout,omitempty"`
}

// decodeFile decodes a config file as the API server's strict decoder
// does: YAML to JSON, field names matched case-sensitively, unknown and
// duplicate fields refused; then the v1 defaults that matter here (a KMS
// provider without apiVersion is v1). The caller has checked the file is
// a YAML mapping with apiVersion and kind.
func decodeFile(data []byte) (*fileConfig, error) {
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	var tm metav1.TypeMeta
	if err := kjson.UnmarshalCaseSensitivePreserveInts(js, &tm); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	if tm.APIVersion != configAPIVersion || tm.Kind != configKind {
		return nil, fmt.Errorf("the file holds %s of %s, not an %s of %s", tm.Kind, tm.APIVersion, configKind, configAPIVersion)
	}
	var fc fileConfig
	strict, err := kjson.UnmarshalStrict(js, &fc)
	if err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	// YAMLToJSON keeps the last of duplicate keys; the strict converter
	// says there were two.
	if _, err := yaml.YAMLToJSONStrict(data); err != nil {
		strict = append(strict, err)
	}
	if len(strict) > 0 {
		msgs := make([]string, len(strict))
		for i, e := range strict {
			// One line: the YAML converter's errors span several.
			msgs[i] = strings.Join(strings.Fields(e.Error()), " ")
		}
		return nil, fmt.Errorf("decode: strict decoding error: %s", strings.Join(msgs, ", "))
	}
	for i := range fc.Resources {
		for _, p := range fc.Resources[i].Providers {
			if p.KMS != nil && p.KMS.APIVersion == "" {
				p.KMS.APIVersion = "v1"
			}
		}
	}
	return &fc, nil
}
