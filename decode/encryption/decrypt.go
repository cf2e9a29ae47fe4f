package encryption

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"k8s.io/apiserver/pkg/storage/value"

	"github.com/etcdscope/etcdscope/decode"
)

// Config is what the decoder decrypts through.
var _ decode.Decrypter = (*Config)(nil)

// encPrefix starts every value kube-apiserver encrypted at rest.
const encPrefix = "k8s:enc:"

// prefix is the parsed head of an encrypted value:
// k8s:enc:<provider>:<version>:<name>:<payload>.
type prefix struct {
	provider, version, name string
	payload                 []byte
}

// parsePrefix splits an encrypted value into its prefix fields and payload.
// colonNames are the config's key and KMS v1 provider names that hold ':'
// (the API server allows them), by "<provider>:<version>": they are matched
// whole before the name is cut at the next colon.
func parsePrefix(v []byte, colonNames map[string][]string) (prefix, error) {
	rest, ok := bytes.CutPrefix(v, []byte(encPrefix))
	if !ok {
		return prefix{}, fmt.Errorf("value does not start with %q", encPrefix)
	}
	fields := make([]string, 0, 3)
	for len(fields) < 3 {
		if len(fields) == 2 {
			for _, n := range colonNames[fields[0]+":"+fields[1]] {
				if p, ok := bytes.CutPrefix(rest, []byte(n+":")); ok {
					return prefix{provider: fields[0], version: fields[1], name: n, payload: p}, nil
				}
			}
		}
		i := bytes.IndexByte(rest, ':')
		if i <= 0 {
			return prefix{}, fmt.Errorf("malformed encryption prefix %q: want k8s:enc:<provider>:<version>:<key name>:<data>", clip(v))
		}
		fields = append(fields, string(rest[:i]))
		rest = rest[i+1:]
	}
	return prefix{provider: fields[0], version: fields[1], name: fields[2], payload: rest}, nil
}

// clip returns the printable head of a value for error messages, never
// more than the prefix could be.
func clip(v []byte) string {
	const most = 64
	if len(v) > most {
		v = v[:most]
	}
	return string(v)
}

// Decrypt decrypts a value read from key. It reports the provider and key
// name of the value's prefix; a value it holds no key for (a key the config
// lacks, KMS, an unknown provider) is not decrypted and the Reason says why,
// with a nil error. An error means the value is malformed or a key the
// config holds failed to open it (wrong key, truncated or altered data).
func (c *Config) Decrypt(key string, v []byte) ([]byte, decode.Encryption, error) {
	p, err := parsePrefix(v, c.colonNames)
	if err != nil {
		return nil, decode.Encryption{}, err
	}
	enc := decode.Encryption{Provider: p.provider, KeyName: p.name}
	switch p.provider {
	case ProviderKMS:
		return c.kms(p)
	case ProviderAESCBC, ProviderAESGCM, ProviderSecretbox:
	default:
		enc.Reason = fmt.Sprintf("unknown encryption provider %q", p.provider)
		return nil, enc, nil
	}
	if p.version != "v1" {
		enc.Reason = fmt.Sprintf("unknown %s format version %q", p.provider, p.version)
		return nil, enc, nil
	}
	keys := c.candidates(key, p.provider, p.name)
	if len(keys) == 0 {
		enc.Reason = fmt.Sprintf("no %s key named %q in %s", p.provider, p.name, c.path)
		return nil, enc, nil
	}
	out, err := c.open(key, p, keys)
	if err != nil {
		return nil, enc, err
	}
	enc.Decrypted = true
	return out, enc, nil
}

// candidates returns the keys that may open a value with this provider and
// key name: those of the key's resource first, then, only when the resource
// has none, every key so named in the file (see the package comment).
func (c *Config) candidates(key, kind, name string) []*namedKey {
	var own []*namedKey
	for _, p := range c.providersFor(resourceOf(key, c.prefixRoot)) {
		own = appendKeys(own, p, kind, name)
	}
	if len(own) > 0 {
		return own
	}
	var all []*namedKey
	for _, e := range c.entries {
		for _, p := range e.providers {
			all = appendKeys(all, p, kind, name)
		}
	}
	return all
}

func appendKeys(dst []*namedKey, p *provider, kind, name string) []*namedKey {
	if p.kind != kind {
		return dst
	}
	for _, k := range p.keys {
		if k.name == name {
			dst = append(dst, k)
		}
	}
	return dst
}

// open tries each candidate key in order; the first that opens the value
// wins.
func (c *Config) open(key string, p prefix, keys []*namedKey) ([]byte, error) {
	ctx := context.Background()
	authData := value.DefaultContext(key)
	var errs []error
	for _, k := range keys {
		out, err := k.open(ctx, p.payload, authData)
		if err != nil {
			errs = append(errs, fmt.Errorf("with %s of %s: %w", k.field, c.path, err))
			continue
		}
		return out, nil
	}
	return nil, errors.Join(errs...)
}

// open runs the apiserver transformer with clearer errors than it gives for
// short or unauthenticated data.
func (k *namedKey) open(ctx context.Context, payload []byte, authData value.Context) ([]byte, error) {
	if k.provider.kind == ProviderSecretbox && len(payload) >= secretboxMinLen {
		// The transformer reports every failure to open as "output array
		// was not large enough", which misleads.
		out, _, err := k.transformer.TransformFromStorage(ctx, payload, authData)
		if err != nil {
			return nil, errors.New("message authentication failed (wrong key or altered data)")
		}
		return out, nil
	}
	out, _, err := k.transformer.TransformFromStorage(ctx, payload, authData)
	if err != nil {
		if k.provider.kind == ProviderAESGCM && err.Error() == "cipher: message authentication failed" {
			return nil, errors.New("message authentication failed (wrong key, altered data, or a value read under another etcd key)")
		}
		return nil, err
	}
	// aescbc does not authenticate: a wrong key passes its padding check
	// about once in 256 tries and yields noise. What the API server
	// encrypts is always an encoded object, so noise is a wrong key.
	if k.provider.kind == ProviderAESCBC && !looksEncoded(out) {
		return nil, errors.New("the plaintext is not an encoded object (wrong key or altered data)")
	}
	return out, nil
}

// secretboxMinLen is secretbox's nonce plus its Poly1305 tag: shorter data
// is truncated, and the transformer says so itself.
const secretboxMinLen = 24 + 16

// looksEncoded reports whether a plaintext starts like a value the API
// server writes: the protobuf envelope, JSON, CBOR's self-describe tag, or
// text (the rare application/yaml storage media type).
func looksEncoded(b []byte) bool {
	if bytes.HasPrefix(b, []byte("k8s\x00")) || bytes.HasPrefix(b, []byte{0xd9, 0xd9, 0xf7}) {
		return true
	}
	head := b[:min(len(b), 8)]
	if len(head) == 0 {
		return false
	}
	for _, c := range head {
		if c < 0x20 && c != '\n' && c != '\t' && c != '\r' || c >= 0x7f {
			return false
		}
	}
	return true
}

// kms explains a value encrypted through a KMS plugin, which etcdscope
// never calls: the plugin holds the key-encryption key. What the value
// says of itself (decode.ReadKMSEnvelope) comes with where the config
// names the plugin.
func (c *Config) kms(p prefix) ([]byte, decode.Encryption, error) {
	read, err := decode.ReadKMSEnvelope(p.version, p.name, p.payload)
	if err != nil {
		return nil, *read, err
	}
	enc := *read
	where := "not in " + c.path
	for _, e := range c.entries {
		for _, pr := range e.providers {
			if pr.kind == ProviderKMS && pr.kmsName == p.name && pr.kmsAPIVersion == p.version {
				where = pr.field + " in " + c.path
			}
		}
	}
	switch p.version {
	case "v1":
		enc.Reason = fmt.Sprintf("encrypted by KMS v1 provider %q (%s); KMS plugins are not called, so it stays encrypted", p.name, where)
	case "v2":
		enc.Reason = fmt.Sprintf("encrypted by KMS v2 provider %q with key ID %q (%s); KMS plugins are not called, so it stays encrypted", p.name, enc.KeyID, where)
	}
	return nil, enc, nil
}

// Encrypt encrypts plaintext for key as kube-apiserver would: with the first
// (write) provider of the key's resource and that provider's first key. A
// resource whose write provider is identity, or that no entry names, is
// stored in clear: the plaintext comes back unchanged. Encrypt exists for
// the demo's own embedded etcd and for tests.
func (c *Config) Encrypt(key string, plaintext []byte) ([]byte, error) {
	ps := c.providersFor(resourceOf(key, c.prefixRoot))
	if len(ps) == 0 || ps[0].kind == ProviderIdentity {
		return bytes.Clone(plaintext), nil
	}
	p := ps[0]
	if p.kind == ProviderKMS {
		return nil, fmt.Errorf("encrypt %q: the write provider %s is KMS, which etcdscope cannot call", key, p.field)
	}
	if len(p.keys) == 0 {
		return nil, fmt.Errorf("encrypt %q: %s has no keys", key, p.field)
	}
	k := p.keys[0]
	out, err := k.transformer.TransformToStorage(context.Background(), plaintext, value.DefaultContext(key))
	if err != nil {
		return nil, fmt.Errorf("encrypt %q with %s: %w", key, k.field, err)
	}
	head := encPrefix + p.kind + ":v1:" + k.name + ":"
	return append([]byte(head), out...), nil
}
