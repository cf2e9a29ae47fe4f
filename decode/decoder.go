package decode

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer/cbor"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"

	"github.com/etcdscope/etcdscope/decode/kubescheme"
)

// The first bytes that name a stored value's encoding.
var (
	protobufPrefix  = []byte("k8s\x00")
	cborPrefix      = []byte{0xd9, 0xd9, 0xf7} // self-described CBOR, RFC 8949 3.4.6
	encryptedPrefix = []byte("k8s:enc:")
)

// Decrypter decrypts values encrypted at rest (implemented in decode/encryption).
type Decrypter interface {
	// Decrypt is called only for values that start with "k8s:enc:". It
	// returns the plaintext and enc describing provider/key. When it has no
	// key for the value it returns enc.Decrypted=false with enc.Reason and
	// a nil error. A non-nil error means decryption with a key it holds
	// failed.
	Decrypt(key string, value []byte) (plaintext []byte, enc Encryption, err error)
}

// Option configures a Decoder.
type Option func(*Decoder)

// WithDecrypter makes the Decoder decrypt values encrypted at rest with d.
func WithDecrypter(d Decrypter) Option {
	return func(dec *Decoder) { dec.decrypter = d }
}

// WithRoot names the prefix root kube-apiserver stores under (its
// --etcd-prefix; DefaultRoot when not given), for telling the kind of a
// value from its key.
func WithRoot(root string) Option {
	return func(dec *Decoder) { dec.root = root }
}

// Decoder turns stored etcd values into decoded Values. It is immutable
// after NewDecoder and safe for concurrent use.
type Decoder struct {
	decrypter Decrypter
	root      string
	// types knows every built-in type plus the API server's CRD and
	// APIService types, and builds an API group's types on the first
	// value of it, so a one-shot decode does not register hundreds of
	// types it never meets. Its schemes are ours rather than client-go's
	// global one, so no other package can alter what we decode.
	types kubescheme.Types
	proto *protobuf.Serializer
	cbor  runtime.Serializer
}

// NewDecoder returns a Decoder configured by opts.
func NewDecoder(opts ...Option) *Decoder {
	d := &Decoder{root: DefaultRoot}
	d.proto = protobuf.NewSerializer(d.types, d.types)
	d.cbor = cbor.NewSerializer(d.types, d.types)
	for _, o := range opts {
		o(d)
	}
	return d
}

// Decrypting reports whether the Decoder holds an encryption config.
func (d *Decoder) Decrypting() bool { return d.decrypter != nil }

// Decode decodes value, stored under key. meta, when known, fills the
// object's metadata.resourceVersion from the mod revision as the API
// server does on read. Decode never fails as a whole: a value that claims
// a Kubernetes encoding and cannot be decoded comes back with Err set.
func (d *Decoder) Decode(key string, value []byte, meta *KeyMeta) Value {
	v := Value{Key: key, Meta: meta, Raw: value}
	var rev int64
	if meta != nil {
		rev = meta.ModRevision
	}
	if bytes.HasPrefix(value, encryptedPrefix) {
		d.decodeEncrypted(&v, key, value, rev)
	} else {
		d.decodePlain(&v, value, rev)
	}
	if v.Kind == "" && (v.Encoding == EncodingEncrypted || v.Err != nil) {
		v.APIVersion, v.Kind = d.kindOfKey(key)
	}
	return v
}

// builtinKinds tells the type of a value that carries none readable
// (still encrypted, or broken) from its key. It is built on the first such
// value, not with every Decoder, and never changed, so decoders share it.
var builtinKinds = sync.OnceValue(NewCatalog)

// kindOfKey tells the type of a Kubernetes value whose bytes tell none
// (still encrypted, or broken) from its key.
func (d *Decoder) kindOfKey(key string) (apiVersion, kind string) {
	if _, k, ok := builtinKinds().ParseKey(key, d.root); ok {
		return k.APIVersion(), k.Kind
	}
	return "", ""
}

// IsObject reports whether the value decoded to a whole Kubernetes
// object. It is false for a PartialObject, so that what prints objects
// prints the record of a type this build does not know.
func (v Value) IsObject() bool { return v.Object != nil }

// IsPartial reports whether the value is an object of a type this build
// does not know whose metadata decoded: PartialObject is set, Object is
// not, and Fields holds the raw dump.
func (v Value) IsPartial() bool { return v.PartialObject != nil }

// ParseEncryptedPrefix reads "k8s:enc:<provider>:v1:<keyname>:" (KMS:
// "k8s:enc:kms:v1:<name>:" and "k8s:enc:kms:v2:<name>:"). ok is false when
// value does not start with such a prefix.
func ParseEncryptedPrefix(value []byte) (provider, keyName string, ok bool) {
	rest, found := bytes.CutPrefix(value, encryptedPrefix)
	if !found {
		return "", "", false
	}
	p, rest, found := bytes.Cut(rest, []byte(":"))
	if !found || !validPrefixPart(p) {
		return "", "", false
	}
	version, rest, found := bytes.Cut(rest, []byte(":"))
	if !found {
		return "", "", false
	}
	switch string(version) {
	case "v1":
	case "v2":
		if string(p) != "kms" {
			return "", "", false
		}
	default:
		return "", "", false
	}
	name, _, found := bytes.Cut(rest, []byte(":"))
	if !found || !validPrefixPart(name) {
		return "", "", false
	}
	return string(p), string(name), true
}

// validPrefixPart accepts a provider or key name: short printable ASCII.
// Anything else means the bytes after "k8s:enc:" are not a real prefix.
func validPrefixPart(b []byte) bool {
	if len(b) == 0 || len(b) > 256 {
		return false
	}
	for _, c := range b {
		if c <= ' ' || c >= 0x7f {
			return false
		}
	}
	return true
}

func (d *Decoder) decodeEncrypted(v *Value, key string, value []byte, rev int64) {
	v.Encoding = EncodingEncrypted
	plain, ok := d.unseal(key, value, &v.Encryption, &v.Err)
	if ok {
		d.decodePlain(v, plain, rev)
	}
}

// unseal reads a value encrypted at rest for Decode and DecodeMetadata:
// it records the encryption (and any error) and returns the plaintext
// with ok when the value was decrypted and is to be decoded further.
func (d *Decoder) unseal(key string, value []byte, encOut **Encryption, errOut *error) (plain []byte, ok bool) {
	provider, keyName, found := ParseEncryptedPrefix(value)
	if !found {
		*errOut = errors.New("encrypted value: malformed k8s:enc: prefix")
		return nil, false
	}
	if d.decrypter == nil && provider == kmsProvider {
		// KMS plugins are never called; what the value says of itself
		// is read here. With a config, the decrypter reads it, as only
		// the config tells a KMS v1 name that holds a colon.
		*encOut, *errOut = ReadKMS(value)
		return nil, false
	}
	if d.decrypter == nil {
		*encOut = &Encryption{Provider: provider, KeyName: keyName, Reason: "no encryption config given"}
		return nil, false
	}
	plain, enc, err := d.decrypter.Decrypt(key, value)
	if enc.Provider == "" {
		enc.Provider = provider
	}
	if enc.KeyName == "" {
		enc.KeyName = keyName
	}
	*encOut = &enc
	if err != nil {
		enc.Decrypted = false
		*errOut = fmt.Errorf("decrypt %s key %q: %w", enc.Provider, enc.KeyName, err)
		return nil, false
	}
	if !enc.Decrypted {
		if enc.Reason == "" {
			enc.Reason = "no key for this value in the encryption config"
		}
		return nil, false
	}
	if bytes.HasPrefix(plain, encryptedPrefix) {
		// The API server never encrypts twice; decrypting again could loop.
		*errOut = errors.New("decrypted value is itself encrypted")
		return nil, false
	}
	return plain, true
}

// decodePlain detects and decodes an unencrypted value.
func (d *Decoder) decodePlain(v *Value, b []byte, rev int64) {
	switch {
	case bytes.HasPrefix(b, protobufPrefix):
		v.Encoding = EncodingProtobuf
		if err := d.decodeProtobuf(v, b, rev); err != nil {
			v.Err = fmt.Errorf("decode protobuf: %w", err)
		}
	case bytes.HasPrefix(b, cborPrefix):
		v.Encoding = EncodingCBOR
		if err := d.decodeCBOR(v, b, rev); err != nil {
			v.Err = fmt.Errorf("decode cbor: %w", err)
		}
	case len(b) == 0:
		v.Encoding = EncodingEmpty
	case looksLikeJSONObject(b) && decodeJSON(v, b, rev):
		v.Encoding = EncodingJSON
	case printable(b):
		v.Text = string(b)
		v.Encoding = EncodingText
		if decodeYAML(v, b, rev) {
			v.Encoding = EncodingYAML
		}
	default:
		v.Encoding = EncodingBinary
	}
}

func (d *Decoder) decodeProtobuf(v *Value, b []byte, rev int64) error {
	obj, gvk, err := d.proto.Decode(b, nil, nil)
	if gvk != nil {
		v.APIVersion, v.Kind = gvk.GroupVersion().String(), gvk.Kind
	}
	if runtime.IsNotRegisteredError(err) {
		// A type from another Kubernetes version: show what the bytes hold.
		var unk runtime.Unknown
		if _, _, err := d.proto.Decode(b, nil, &unk); err != nil {
			return err
		}
		v.APIVersion, v.Kind = unk.APIVersion, unk.Kind
		fields, err := dumpFields(unk.Raw, 0)
		if err != nil {
			return fmt.Errorf("%s %s of a type this build does not know: %w", v.APIVersion, v.Kind, err)
		}
		if fields == nil {
			fields = []Field{}
		}
		v.Fields = fields
		// The dump read the same bytes: no error here.
		v.PartialObject, _ = partialObject(v.APIVersion, v.Kind, unk.Raw, rev)
		return nil
	}
	if err != nil {
		return err
	}
	if rev > 0 {
		if acc, err := meta.Accessor(obj); err == nil {
			acc.SetResourceVersion(strconv.FormatInt(rev, 10))
		}
	}
	// TypeMeta is cleared so it can be written first, as apiVersion then
	// kind, the order kubectl shows.
	obj.GetObjectKind().SetGroupVersionKind(schema.GroupVersionKind{})
	obj2, err := withTypeMeta(v.APIVersion, v.Kind, obj, len(b))
	if err != nil {
		return fmt.Errorf("%s %s to json: %w", v.APIVersion, v.Kind, err)
	}
	v.Object = obj2
	return nil
}

func (d *Decoder) decodeCBOR(v *Value, b []byte, rev int64) error {
	u := &unstructured.Unstructured{}
	if _, _, err := d.cbor.Decode(b, nil, u); err != nil {
		return err
	}
	v.APIVersion, v.Kind = u.GetAPIVersion(), u.GetKind()
	if md, ok := u.Object["metadata"].(map[string]any); ok && rev > 0 {
		md["resourceVersion"] = strconv.FormatInt(rev, 10)
	}
	delete(u.Object, "apiVersion")
	delete(u.Object, "kind")
	obj, err := withTypeMeta(v.APIVersion, v.Kind, u.Object, len(b))
	if err != nil {
		return fmt.Errorf("%s %s to json: %w", v.APIVersion, v.Kind, err)
	}
	v.Object = obj
	return nil
}

// withTypeMeta encodes obj (which must encode as a JSON object without
// apiVersion and kind) as compact JSON that starts with apiVersion and kind.
// storedLen, the size of the stored value, sizes the buffer: objects
// encode to about 1.1 to 2.3 times their protobuf.
func withTypeMeta(apiVersion, kind string, obj any, storedLen int) (json.RawMessage, error) {
	// The type meta goes first into the buffer the encoder then appends
	// to, so the object is written once and never copied or regrown.
	head := make([]byte, 0, 2*storedLen+len(apiVersion)+len(kind)+64)
	head = append(head, `{"apiVersion":`...)
	head = appendJSONString(head, apiVersion)
	head = append(head, `,"kind":`...)
	head = appendJSONString(head, kind)
	headLen := len(head)
	body := bytes.NewBuffer(head)
	enc := json.NewEncoder(body)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(obj); err != nil {
		return nil, err
	}
	out := body.Bytes()
	// Encode writes no leading space and one trailing newline.
	encoded := bytes.TrimRight(out[headLen:], " \t\r\n")
	if len(encoded) < 2 || encoded[0] != '{' {
		return nil, fmt.Errorf("encoded as %.20q, not an object", encoded)
	}
	if len(encoded) == 2 { // {}
		return append(out[:headLen], '}'), nil
	}
	out[headLen] = ',' // the object's opening brace joins the type meta
	return out[:headLen+len(encoded)], nil
}

// looksLikeJSONObject reports whether b starts with '{' after whitespace.
func looksLikeJSONObject(b []byte) bool {
	b = bytes.TrimLeft(b, " \t\r\n")
	return len(b) > 0 && b[0] == '{'
}

// decodeJSON keeps a JSON object exactly as stored: member order and number
// literals, never through Go structs or float64. It reports false when b
// is not one valid JSON object, so the value is shown as text instead.
func decodeJSON(v *Value, b []byte, rev int64) bool {
	if !utf8.Valid(b) {
		return false
	}
	root, err := parseJSON(b)
	if err != nil || root.kind != jsonObject {
		return false
	}
	setObject(v, root, rev)
	return true
}

// setObject fills the value's object from an ordered tree.
func setObject(v *Value, root *jsonNode, rev int64) {
	v.APIVersion, v.Kind = root.getString("apiVersion"), root.getString("kind")
	if rev > 0 {
		setResourceVersion(root, rev)
	}
	v.Object = root.marshal()
}

// setResourceVersion sets metadata.resourceVersion where ObjectMeta's JSON
// puts it (after uid), as the API server does on read.
func setResourceVersion(root *jsonNode, rev int64) {
	md := root.get("metadata")
	if md == nil || md.kind != jsonObject {
		return
	}
	md.set("resourceVersion", &jsonNode{kind: jsonString, text: strconv.FormatInt(rev, 10)},
		"name", "generateName", "namespace", "selfLink", "uid")
}
