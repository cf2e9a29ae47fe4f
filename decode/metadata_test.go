package decode_test

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/etcdscope/etcdscope/decode"
	"github.com/etcdscope/etcdscope/decode/encryption"
	"github.com/etcdscope/etcdscope/decode/fixture"
)

// metadataOf is the reference: what the full Decode says, with the
// object's metadata read back through ObjectMeta's own JSON form.
func metadataOf(t *testing.T, v decode.Value) decode.Metadata {
	t.Helper()
	m := decode.Metadata{Encoding: v.Encoding, Encryption: v.Encryption, APIVersion: v.APIVersion, Kind: v.Kind, Err: v.Err}
	obj := v.Object
	if obj == nil {
		obj = v.PartialObject
	}
	if obj == nil {
		return m
	}
	m.IsObject = true
	var o struct {
		Metadata metav1.ObjectMeta `json:"metadata"`
	}
	if err := json.Unmarshal(obj, &o); err != nil {
		t.Fatalf("%s: the decoded object's metadata does not read as ObjectMeta: %v", v.Key, err)
	}
	om := o.Metadata
	m.Name, m.Namespace, m.UID = om.Name, om.Namespace, string(om.UID)
	if !om.CreationTimestamp.IsZero() {
		m.CreationTimestamp = om.CreationTimestamp.UTC()
	}
	if om.DeletionTimestamp != nil {
		d := om.DeletionTimestamp.UTC()
		m.DeletionTimestamp = &d
	}
	m.Finalizers, m.Labels = om.Finalizers, om.Labels
	for _, r := range om.OwnerReferences {
		m.OwnerReferences = append(m.OwnerReferences, decode.OwnerReference{APIVersion: r.APIVersion, Kind: r.Kind, Name: r.Name, UID: string(r.UID)})
	}
	return m
}

// TestDecodeMetadataAgreesWithDecode holds the metadata-only decode to the
// full one on every value a real kube-apiserver wrote, with and without
// the encryption config that opens its encrypted values.
func TestDecodeMetadataAgreesWithDecode(t *testing.T) {
	kvs, err := fixture.KVs()
	if err != nil {
		t.Fatal(err)
	}
	if len(kvs) != 683 {
		t.Fatalf("fixture has %d keys, want 683", len(kvs))
	}
	cfg, err := encryption.LoadConfig(fixture.EncryptionConfigPath())
	if err != nil {
		t.Fatal(err)
	}
	decoders := map[string]*decode.Decoder{
		"no config":   decode.NewDecoder(),
		"with config": decode.NewDecoder(decode.WithDecrypter(cfg)),
	}
	for name, dec := range decoders {
		t.Run(name, func(t *testing.T) {
			counts := map[string]int{}
			for _, kv := range kvs {
				full := dec.Decode(kv.Key, kv.Value, nil)
				want := metadataOf(t, full)
				got := dec.DecodeMetadata(kv.Key, kv.Value)
				if d := decode.MetadataDiff(got, want); d != "" {
					t.Errorf("%s: %s", kv.Key, d)
				}
				counts[string(got.Encoding)]++
				if got.Encryption != nil && got.Encryption.Decrypted {
					counts["decrypted"]++
				}
				if got.Name != "" {
					counts["named"]++
				}
				if got.UID != "" {
					counts["uid"]++
				}
				if !got.CreationTimestamp.IsZero() {
					counts["created"]++
				}
				if len(got.OwnerReferences) > 0 {
					counts["owned"]++
				}
				if len(got.Labels) > 0 {
					counts["labelled"]++
				}
				if len(got.Finalizers) > 0 {
					counts["finalizers"]++
				}
			}
			t.Logf("%v", counts)
			// What the fixture holds, so the comparison above compared
			// something: every encoding, and each kind of field.
			for _, k := range []string{"protobuf", "json", "cbor", "named", "uid", "created", "owned", "labelled", "finalizers"} {
				if counts[k] == 0 {
					t.Errorf("no fixture value with %s", k)
				}
			}
			if name == "with config" && counts["decrypted"] != 16 {
				t.Errorf("decrypted %d values, want the fixture's 16", counts["decrypted"])
			}
		})
	}
}

func TestDecodeMetadataDeletionTimestamp(t *testing.T) {
	kvs, err := fixture.KVs()
	if err != nil {
		t.Fatal(err)
	}
	var cm fixture.KV
	for _, kv := range kvs {
		if kv.Key == "/registry/configmaps/shop/app-config" {
			cm = kv
		}
	}
	// A ConfigMap being deleted, written by the real type's protobuf.
	v := decode.NewDecoder().Decode(cm.Key, cm.Value, nil)
	var obj struct {
		Metadata metav1.ObjectMeta `json:"metadata"`
	}
	if err := json.Unmarshal(v.Object, &obj); err != nil {
		t.Fatal(err)
	}
	when := metav1.NewTime(time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC))
	obj.Metadata.DeletionTimestamp = &when
	obj.Metadata.Finalizers = []string{"example.com/hold"}
	raw, err := obj.Metadata.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	value := withField1(t, cm.Value, raw)
	m := decode.NewDecoder().DecodeMetadata(cm.Key, value)
	if m.Err != nil || m.DeletionTimestamp == nil || !m.DeletionTimestamp.Equal(when.Time) || !reflect.DeepEqual(m.Finalizers, []string{"example.com/hold"}) {
		t.Fatalf("got %+v", m)
	}
	if d := decode.MetadataDiff(m, metadataOf(t, decode.NewDecoder().Decode(cm.Key, value, nil))); d != "" {
		t.Error(d)
	}
}

// BenchmarkDecodeVsMetadata compares Decode and DecodeMetadata on the
// fixture's values of each stored encoding (encrypted ones left
// encrypted: no config).
func BenchmarkDecodeVsMetadata(b *testing.B) {
	kvs, err := fixture.KVs()
	if err != nil {
		b.Fatal(err)
	}
	groups := map[string][]fixture.KV{}
	for _, kv := range kvs {
		enc := string(decode.NewDecoder().DecodeMetadata(kv.Key, kv.Value).Encoding)
		groups[enc] = append(groups[enc], kv)
		groups["all"] = append(groups["all"], kv)
	}
	dec := decode.NewDecoder()
	for _, enc := range []string{"all", "protobuf", "json", "cbor", "encrypted"} {
		values := groups[enc]
		for _, how := range []string{"Decode", "DecodeMetadata"} {
			b.Run(enc+"/"+how, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					for _, kv := range values {
						if how == "Decode" {
							dec.Decode(kv.Key, kv.Value, nil)
						} else {
							dec.DecodeMetadata(kv.Key, kv.Value)
						}
					}
				}
				n := float64(b.N * len(values))
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/n, "ns/value")
				b.ReportMetric(0, "ns/op")
			})
		}
	}
}
