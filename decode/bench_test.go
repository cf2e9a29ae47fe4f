package decode

import (
	"errors"
	"strings"
	"testing"

	"github.com/etcdscope/etcdscope/decode/fixture"
)

// BenchmarkDecodePodYAML is the "decode + YAML of a typical Pod" budget
// (300 µs), measured on the fixture's largest Pod.
func BenchmarkDecodePodYAML(b *testing.B) {
	benchmarkDecodePod(b, func(v Value) error {
		_, err := YAML(v.Object)
		return err
	})
}

// BenchmarkDecodePodPresent is decode + Present as the CLI calls it (no
// tokens), on the same Pod and against the same budget.
func BenchmarkDecodePodPresent(b *testing.B) {
	benchmarkDecodePod(b, presentFunc(PresentOptions{}))
}

// BenchmarkDecodePodPresentTokens is decode + Present as the object pane
// calls it: folded, masked, with tokens.
func BenchmarkDecodePodPresentTokens(b *testing.B) {
	benchmarkDecodePod(b, presentFunc(PresentOptions{FoldManagedFields: true, Secrets: SecretsMasked, Tokens: true}))
}

// presentFunc presents a value with o, failing on a note.
func presentFunc(o PresentOptions) func(Value) error {
	return func(v Value) error {
		if d := Present(v, o); d.Note != "" {
			return errors.New(d.Note)
		}
		return nil
	}
}

// benchmarkDecodePod decodes the fixture's largest Pod and renders it
// with render, once per iteration.
func benchmarkDecodePod(b *testing.B, render func(Value) error) {
	pod := largestPod(b)
	dec := NewDecoder()
	meta := metaOf(pod)
	b.SetBytes(int64(len(pod.Value)))
	b.ReportAllocs()
	for b.Loop() {
		v := dec.Decode(pod.Key, pod.Value, meta)
		if v.Err != nil {
			b.Fatal(v.Err)
		}
		if err := render(v); err != nil {
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

// largestPod is the fixture's largest stored Pod.
func largestPod(b *testing.B) fixture.KV {
	b.Helper()
	kvs, err := fixture.KVs()
	if err != nil {
		b.Fatal(err)
	}
	var pod fixture.KV
	for _, kv := range kvs {
		if strings.HasPrefix(kv.Key, "/registry/pods/") && len(kv.Value) > len(pod.Value) {
			pod = kv
		}
	}
	if pod.Key == "" {
		b.Fatal("fixture has no pod")
	}
	return pod
}
