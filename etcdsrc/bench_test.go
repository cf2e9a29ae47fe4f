package etcdsrc

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// The 1M-key figures come from bench/run.sh; this is the same comparison
// at a size the normal test run affords: 20 resources × 10 namespaces ×
// 50 keys.
const benchRoot = "/bench10k/"

var loadBench sync.Once

func benchLive(b *testing.B) *Live {
	b.Helper()
	loadBench.Do(func() {
		kvs := map[string]string{}
		for r := range 20 {
			for ns := range 10 {
				for k := range 50 {
					kvs[fmt.Sprintf("%sres%02d/ns%02d/obj-%04d", benchRoot, r, ns, k)] = "v"
				}
			}
		}
		putAll(b, srvCli, kvs)
	})
	l := NewLiveFromClient(srvCli, DefaultConfig())
	b.Cleanup(func() { l.Close() })
	return l
}

func BenchmarkChildren10k(b *testing.B) {
	ctx := context.Background()
	b.Run("names", func(b *testing.B) {
		l := benchLive(b)
		before := l.RoundTrips()
		for b.Loop() {
			page, err := l.Children(ctx, benchRoot, ChildrenOptions{})
			if err != nil || len(page.Children) != 20 {
				b.Fatalf("%d children, %v", len(page.Children), err)
			}
		}
		b.ReportMetric(float64(l.RoundTrips()-before)/float64(b.N), "roundtrips/op")
	})
	b.Run("counts", func(b *testing.B) {
		l := benchLive(b)
		before := l.RoundTrips()
		for b.Loop() {
			page, err := l.Children(ctx, benchRoot, ChildrenOptions{})
			if err != nil {
				b.Fatal(err)
			}
			for _, c := range page.Children {
				if n, err := l.Count(ctx, c.Key, page.Rev); err != nil || n != 500 {
					b.Fatalf("Count(%q) = %d, %v", c.Key, n, err)
				}
			}
		}
		b.ReportMetric(float64(l.RoundTrips()-before)/float64(b.N), "roundtrips/op")
	})
	b.Run("scan", func(b *testing.B) {
		benchLive(b)
		for b.Loop() {
			// What `etcdctl get --prefix --keys-only` does, folded by segment.
			resp, err := srvCli.Get(ctx, benchRoot, clientv3.WithPrefix(), clientv3.WithKeysOnly())
			if err != nil {
				b.Fatal(err)
			}
			seen := map[string]int{}
			for _, kv := range resp.Kvs {
				rest := string(kv.Key)[len(benchRoot):]
				seg, _, _ := strings.Cut(rest, "/")
				seen[seg]++
			}
			if len(seen) != 20 {
				b.Fatalf("%d children", len(seen))
			}
		}
	})
}
