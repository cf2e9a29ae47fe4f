package demo

import (
	"fmt"
	"testing"
)

// BenchmarkSeed seeds the default cluster (a few thousand keys) into the
// embedded etcd, each time under a new root.
func BenchmarkSeed(b *testing.B) {
	ctx := testCtx(b)
	i := 0
	for b.Loop() {
		i++
		sum, err := Seed(ctx, cli, Options{Root: fmt.Sprintf("/bench-%d", i), Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(sum.Keys), "keys/op")
		b.SetBytes(sum.Bytes)
	}
}
