package decode

import (
	"testing"

	"github.com/etcdscope/etcdscope/decode/fixture"
)

// BenchmarkDecodePodYAML is the "decode + YAML of a typical Pod" budget
// (300 µs), measured on the fixture's largest Pod.
func BenchmarkDecodePodYAML(b *testing.B) {
	kvs, err := fixture.KVs()
	if err != nil {
		b.Fatal(err)
	}
	var pod fixture.KV
	for _, kv := range kvs {
		if len(kv.Key) > len("/registry/pods/") && kv.Key[:len("/registry/pods/")] == "/registry/pods/" && len(kv.Value) > len(pod.Value) {
			pod = kv
		}
	}
	if pod.Key == "" {
		b.Fatal("fixture has no pod")
	}
	dec := NewDecoder()
	meta := metaOf(pod)
	b.SetBytes(int64(len(pod.Value)))
	b.ReportAllocs()
	for b.Loop() {
		v := dec.Decode(pod.Key, pod.Value, meta)
		if v.Err != nil {
			b.Fatal(v.Err)
		}
		if _, err := YAML(v.Object); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeAllFixtures decodes every live fixture key once per
// iteration (683 values, every encoding).
func BenchmarkDecodeAllFixtures(b *testing.B) {
	kvs, err := fixture.KVs()
	if err != nil {
		b.Fatal(err)
	}
	var size int64
	for _, kv := range kvs {
		size += int64(len(kv.Value))
	}
	dec := NewDecoder()
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		for _, kv := range kvs {
			if v := dec.Decode(kv.Key, kv.Value, metaOf(kv)); v.Err != nil {
				b.Fatal(v.Err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(kvs)), "ns/value")
}
