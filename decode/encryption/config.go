// Package encryption decrypts values that kube-apiserver encrypted at rest,
// given the EncryptionConfiguration (apiserver.config.k8s.io/v1) it ran with.
//
// The file is parsed with k8s.io/apiserver's own config types, strict
// decoding and validation, and the aescbc, aesgcm and secretbox providers are
// built from its own value transformers; no cryptography is written here.
// The apiserver's whole-file loader is not used: it refuses KMS v1 providers
// and dials KMS v2 plugin sockets, which a tool reading etcd must not do.
// KMS entries are recorded so their values can be named, and stay encrypted.
//
// Which key decrypts a value: the value's prefix names the provider and the
// key (k8s:enc:aescbc:v1:key1:). The resource is read from the etcd key and
// matched as the API server does (exact resource, then *.group, then *.*);
// the keys of that resource's providers with the named provider and key name
// are tried first. When the resource's entries hold no such key, every other
// key in the file with that provider and name is tried, in file order: an
// operator often passes a config whose resource lists have moved on since the
// value was written, and a key that opens the value is the answer either way
// (aesgcm and secretbox authenticate, so a wrong key cannot open a value;
// for aescbc, which does not, a plaintext that is not an encoded object is
// taken as a wrong key).
//
// The package never logs: it calls the per-key transformers directly rather
// than the apiserver's prefix chains, which report failures through klog.
package encryption

import (
	"crypto/aes"
	"encoding/base64"
	"fmt"
	"os"
	"sigs.k8s.io/yaml"
	"slices"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/apis/apiserver"
	apiserverv1 "k8s.io/apiserver/pkg/apis/apiserver/v1"
	"k8s.io/apiserver/pkg/storage/value"
	aestransformer "k8s.io/apiserver/pkg/storage/value/encrypt/aes"
	"k8s.io/apiserver/pkg/storage/value/encrypt/secretbox"
)

// The provider names as value prefixes and Providers spell them.
const (
	ProviderAESCBC    = "aescbc"
	ProviderAESGCM    = "aesgcm"
	ProviderSecretbox = "secretbox"
	ProviderKMS       = "kms"
	ProviderIdentity  = "identity"
)

// Config is a loaded EncryptionConfiguration: the transformers of every
// provider it names, ready to decrypt. It is immutable and safe for
// concurrent use.
type Config struct {
	path       string
	entries    []*entry
	byResource map[schema.GroupResource][]*provider
	prefixRoot string
	// colonNames are key names holding ':', by "<provider>:<version>",
	// which the value prefix parser must match whole.
	colonNames map[string][]string
}

// entry is one item of the file's resources list.
type entry struct {
	patterns  []string
	providers []*provider
}

// provider is one provider of an entry.
type provider struct {
	entry *entry
	// field is where the provider sits in the file, for errors.
	field string
	kind  string
	keys  []*namedKey
	// kmsName and kmsAPIVersion describe a KMS provider.
	kmsName       string
	kmsAPIVersion string
}

// namedKey is one key of an aescbc, aesgcm or secretbox provider.
type namedKey struct {
	provider    *provider
	name        string
	field       string
	transformer value.Transformer
}

// codecs decodes config files strictly into the apiserver's internal types,
// with the v1 defaults applied, as kube-apiserver itself does.
var codecs = sync.OnceValues(func() (serializer.CodecFactory, error) {
	scheme := runtime.NewScheme()
	if err := apiserver.AddToScheme(scheme); err != nil {
		return serializer.CodecFactory{}, fmt.Errorf("register apiserver config types: %w", err)
	}
	if err := apiserverv1.AddToScheme(scheme); err != nil {
		return serializer.CodecFactory{}, fmt.Errorf("register apiserver config v1 types: %w", err)
	}
	return serializer.NewCodecFactory(scheme, serializer.EnableStrict), nil
})

// LoadConfig reads and validates a kube-apiserver EncryptionConfiguration
// file and builds the transformers of its providers. Errors name the file
// and, for invalid content, the field.
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read encryption config: %w", err)
	}
	cfg, err := parseConfig(path, data)
	if err != nil {
		return nil, fmt.Errorf("encryption config %s: %w", path, err)
	}
	return cfg, nil
}

func parseConfig(path string, data []byte) (*Config, error) {
	if len(data) == 0 {
		return nil, fmt.Errorf("the file is empty")
	}
	// Say plainly when the file is no EncryptionConfiguration at all,
	// rather than pass on the decoder's words about Go types.
	var doc any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("not valid YAML: %w", err)
	}
	// Without apiVersion or kind the decoder's error quotes the whole
	// file, keys included, over many lines.
	if m, ok := doc.(map[string]any); !ok || m["kind"] == nil || m["apiVersion"] == nil {
		return nil, fmt.Errorf("not an EncryptionConfiguration: want YAML with apiVersion: apiserver.config.k8s.io/v1 and kind: EncryptionConfiguration")
	}
	cf, err := codecs()
	if err != nil {
		return nil, err
	}
	obj, gvk, err := cf.UniversalDecoder().Decode(data, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	ec, ok := obj.(*apiserver.EncryptionConfiguration)
	if !ok {
		return nil, fmt.Errorf("the file holds %s, not an EncryptionConfiguration", gvk.Kind)
	}
	if errs := validate(ec); len(errs) > 0 {
		return nil, errs.ToAggregate()
	}
	return build(path, ec)
}

// validate checks what decryption relies on, naming each bad field. The
// apiserver's own validator is not used: it drags in the CEL runtime for
// other config kinds, and it prints a whole provider, secrets included, when
// an entry names two providers at once.
func validate(ec *apiserver.EncryptionConfiguration) field.ErrorList {
	var errs field.ErrorList
	root := field.NewPath("resources")
	if len(ec.Resources) == 0 {
		return append(errs, field.Required(root, "at least one resource entry is required"))
	}
	for i, rc := range ec.Resources {
		if len(rc.Resources) == 0 {
			errs = append(errs, field.Required(root.Index(i).Child("resources"), "at least one resource is required"))
		}
		for j, r := range rc.Resources {
			if r == "" || r == "*" || strings.ToLower(r) != r {
				errs = append(errs, field.Invalid(root.Index(i).Child("resources").Index(j), r, "want a lowercase resource, resource.group, *.group, *. or *.*"))
			}
		}
		pp := root.Index(i).Child("providers")
		if len(rc.Providers) == 0 {
			errs = append(errs, field.Required(pp, "at least one provider is required"))
		}
		for j, pc := range rc.Providers {
			errs = append(errs, validateProvider(pc, pp.Index(j))...)
		}
	}
	return errs
}

func validateProvider(pc apiserver.ProviderConfiguration, fp *field.Path) field.ErrorList {
	var set []string
	var errs field.ErrorList
	if pc.AESCBC != nil {
		set = append(set, ProviderAESCBC)
		errs = append(errs, validateKeys(pc.AESCBC.Keys, fp.Child(ProviderAESCBC, "keys"), 16, 24, 32)...)
	}
	if pc.AESGCM != nil {
		set = append(set, ProviderAESGCM)
		errs = append(errs, validateKeys(pc.AESGCM.Keys, fp.Child(ProviderAESGCM, "keys"), 16, 24, 32)...)
	}
	if pc.Secretbox != nil {
		set = append(set, ProviderSecretbox)
		errs = append(errs, validateKeys(pc.Secretbox.Keys, fp.Child(ProviderSecretbox, "keys"), 32)...)
	}
	if pc.KMS != nil {
		set = append(set, ProviderKMS)
		if pc.KMS.Name == "" {
			errs = append(errs, field.Required(fp.Child(ProviderKMS, "name"), "a KMS provider needs a name"))
		}
		if v := pc.KMS.APIVersion; v != "v1" && v != "v2" {
			errs = append(errs, field.NotSupported(fp.Child(ProviderKMS, "apiVersion"), v, []string{"v1", "v2"}))
		}
	}
	if pc.Identity != nil {
		set = append(set, ProviderIdentity)
	}
	switch len(set) {
	case 0:
		return append(errs, field.Required(fp, "one of aescbc, aesgcm, secretbox, kms, identity is required"))
	case 1:
		return errs
	}
	return append(errs, field.Invalid(fp, strings.Join(set, ", "), "one provider per list item"))
}

func validateKeys(keys []apiserver.Key, fp *field.Path, sizes ...int) field.ErrorList {
	var errs field.ErrorList
	if len(keys) == 0 {
		return append(errs, field.Required(fp, "at least one key is required"))
	}
	for i, k := range keys {
		kp := fp.Index(i)
		if k.Name == "" {
			errs = append(errs, field.Required(kp.Child("name"), "a key needs a name"))
		}
		sp := kp.Child("secret")
		if k.Secret == "" {
			errs = append(errs, field.Required(sp, "a key needs a secret"))
			continue
		}
		secret, err := base64.StdEncoding.DecodeString(k.Secret)
		if err != nil {
			errs = append(errs, field.Invalid(sp, "REDACTED", "the secret is not valid base64"))
			continue
		}
		if !slices.Contains(sizes, len(secret)) {
			errs = append(errs, field.Invalid(sp, "REDACTED", fmt.Sprintf("the secret is %d bytes long, want one of %v", len(secret), sizes)))
		}
	}
	return errs
}

func build(path string, ec *apiserver.EncryptionConfiguration) (*Config, error) {
	c := &Config{path: path, byResource: map[schema.GroupResource][]*provider{}}
	anyResource := schema.GroupResource{Group: "*", Resource: "*"}
	for i, rc := range ec.Resources {
		e := &entry{patterns: append([]string(nil), rc.Resources...)}
		for j, pc := range rc.Providers {
			p, err := buildProvider(fmt.Sprintf("resources[%d].providers[%d]", i, j), pc)
			if err != nil {
				return nil, err
			}
			p.entry = e
			e.providers = append(e.providers, p)
		}
		// The API server appends the providers of every entry naming a
		// resource, and refuses a rule masked by an earlier wildcard.
		for j, r := range rc.Resources {
			gr := schema.ParseGroupResource(r)
			for _, mask := range []schema.GroupResource{{Group: gr.Group, Resource: "*"}, anyResource} {
				if _, masked := c.byResource[mask]; masked {
					return nil, fmt.Errorf("resources[%d].resources[%d]: %q is masked by the earlier rule %q", i, j, r, patternOf(mask))
				}
			}
			c.byResource[gr] = append(c.byResource[gr], e.providers...)
		}
		c.entries = append(c.entries, e)
		for _, p := range e.providers {
			c.noteColonNames(p)
		}
	}
	return c, nil
}

func (c *Config) noteColonNames(p *provider) {
	note := func(version, name string) {
		if !strings.Contains(name, ":") {
			return
		}
		if c.colonNames == nil {
			c.colonNames = map[string][]string{}
		}
		k := p.kind + ":" + version
		c.colonNames[k] = append(c.colonNames[k], name)
	}
	for _, k := range p.keys {
		note("v1", k.name)
	}
	if p.kind == ProviderKMS {
		note(p.kmsAPIVersion, p.kmsName)
	}
}

// patternOf spells a group resource as the config file does.
func patternOf(gr schema.GroupResource) string {
	if gr.Group == "" && gr.Resource == "*" {
		return "*."
	}
	return gr.String()
}

func buildProvider(fieldPath string, pc apiserver.ProviderConfiguration) (*provider, error) {
	switch {
	case pc.AESCBC != nil:
		return buildKeys(fieldPath, ProviderAESCBC, pc.AESCBC.Keys, func(secret []byte) (value.Transformer, error) {
			block, err := aes.NewCipher(secret)
			if err != nil {
				return nil, err
			}
			return aestransformer.NewCBCTransformer(block), nil
		})
	case pc.AESGCM != nil:
		return buildKeys(fieldPath, ProviderAESGCM, pc.AESGCM.Keys, func(secret []byte) (value.Transformer, error) {
			block, err := aes.NewCipher(secret)
			if err != nil {
				return nil, err
			}
			return aestransformer.NewGCMTransformer(block)
		})
	case pc.Secretbox != nil:
		return buildKeys(fieldPath, ProviderSecretbox, pc.Secretbox.Keys, func(secret []byte) (value.Transformer, error) {
			var key [32]byte
			if len(secret) != len(key) {
				return nil, fmt.Errorf("secretbox needs a 32-byte key, got %d bytes", len(secret))
			}
			copy(key[:], secret)
			return secretbox.NewSecretboxTransformer(key), nil
		})
	case pc.KMS != nil:
		return &provider{field: fieldPath + ".kms", kind: ProviderKMS, kmsName: pc.KMS.Name, kmsAPIVersion: pc.KMS.APIVersion}, nil
	case pc.Identity != nil:
		return &provider{field: fieldPath + ".identity", kind: ProviderIdentity}, nil
	}
	return nil, fmt.Errorf("%s: names no provider", fieldPath)
}

func buildKeys(fieldPath, kind string, keys []apiserver.Key, newTransformer func([]byte) (value.Transformer, error)) (*provider, error) {
	p := &provider{field: fieldPath + "." + kind, kind: kind}
	for i, k := range keys {
		kf := fmt.Sprintf("%s.keys[%d]", p.field, i)
		secret, err := base64.StdEncoding.DecodeString(k.Secret)
		if err != nil {
			return nil, fmt.Errorf("%s.secret: not base64: %w", kf, err)
		}
		t, err := newTransformer(secret)
		if err != nil {
			return nil, fmt.Errorf("%s.secret: %w", kf, err)
		}
		p.keys = append(p.keys, &namedKey{provider: p, name: k.Name, field: kf, transformer: t})
	}
	return p, nil
}

// Path is the file the config was loaded from.
func (c *Config) Path() string { return c.path }

// WithPrefixRoot returns a copy of c that reads resources from keys under
// root (kube-apiserver's --etcd-prefix, such as "/registry"). Without it,
// keys under /registry are read as such and others by their first segment,
// which covers one-segment roots such as /kubernetes.io.
func (c *Config) WithPrefixRoot(root string) *Config {
	cp := *c
	cp.prefixRoot = root
	return &cp
}

// providersFor returns the providers the API server uses for a resource, in
// its order: the exact resource, else its group's wildcard, else *.*.
func (c *Config) providersFor(gr schema.GroupResource) []*provider {
	if ps, ok := c.byResource[gr]; ok {
		return ps
	}
	if ps, ok := c.byResource[schema.GroupResource{Group: gr.Group, Resource: "*"}]; ok {
		return ps
	}
	return c.byResource[schema.GroupResource{Group: "*", Resource: "*"}]
}
