//go:build bench1m

package bench

import (
	"bufio"
	"context"
	"io"
	"math"
	"testing"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/etcdscope/etcdscope/decode"
	"github.com/etcdscope/etcdscope/etcdsrc/stats"
)

// kubeKeys is what bench/etcdserver -dataset kube loads under /registry/:
// 20 namespaces of 50,000 objects (at 1M), and the namespaces themselves.
var kubeKeys = int64(benchKeys()) + 20

// BenchmarkStats1M computes the stats of /registry/ over the kube data set
// (1M Kubernetes objects of about 1 KB) against what
// `etcdctl get /registry/ --prefix > /dev/null` does in-process: one
// range of every value, printed as etcdctl's simple format to nowhere.
// bench/stats.sh also times the real etcdctl binary.
func BenchmarkStats1M(b *testing.B) {
	ctx := context.Background()
	b.Run("stats", func(b *testing.B) {
		l := live(b)
		measure(b, func() {
			for b.Loop() {
				res, err := stats.Run(ctx, stats.Options{Source: l, Decoder: decode.NewDecoder(), Root: "/registry"})
				if err != nil || !res.Complete || res.Totals.Keys != kubeKeys {
					b.Fatalf("stats: %v, complete %v, %d keys (want %d)", err, res != nil && res.Complete, res.Totals.Keys, kubeKeys)
				}
				if n := len(res.Orphans.NamespaceGone) + len(res.Orphans.OwnerGone) + len(res.Undecodable); n != 0 {
					b.Fatalf("%d findings in a clean data set", n)
				}
			}
		})
	})
	b.Run("etcdctl-get", func(b *testing.B) {
		cli, err := clientv3.New(clientv3.Config{Endpoints: []string{endpoint(b)}, Logger: zap.NewNop(), MaxCallRecvMsgSize: math.MaxInt32})
		if err != nil {
			b.Fatal(err)
		}
		defer cli.Close()
		measure(b, func() {
			for b.Loop() {
				resp, err := cli.Get(ctx, "/registry/", clientv3.WithPrefix())
				if err != nil || int64(len(resp.Kvs)) != kubeKeys {
					b.Fatalf("get: %v (%d keys)", err, len(resp.Kvs))
				}
				w := bufio.NewWriter(io.Discard)
				for _, kv := range resp.Kvs {
					w.Write(kv.Key)
					w.WriteByte('\n')
					w.Write(kv.Value)
					w.WriteByte('\n')
				}
				w.Flush()
			}
		})
	})
}
