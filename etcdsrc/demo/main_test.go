package demo

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/etcdscope/etcdscope/etcdsrc/embedded"
)

// cli talks to the one embedded etcd the package's tests share; each test
// writes under its own root.
var cli *clientv3.Client

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	srv, err := embedded.Start(ctx, embedded.Options{UnsafeNoFsync: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer srv.Stop()
	if cli, err = srv.Client(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer cli.Close()
	return m.Run()
}

// testCtx is a context that ends with the test.
func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// all reads every key under prefix.
func all(t testing.TB, prefix string) []*mvccKV {
	t.Helper()
	resp, err := cli.Get(testCtx(t), prefix, clientv3.WithPrefix())
	if err != nil {
		t.Fatalf("get %q: %v", prefix, err)
	}
	out := make([]*mvccKV, 0, len(resp.Kvs))
	for _, kv := range resp.Kvs {
		out = append(out, &mvccKV{Key: string(kv.Key), Value: kv.Value, Lease: kv.Lease, CreateRevision: kv.CreateRevision, ModRevision: kv.ModRevision})
	}
	return out
}

// mvccKV is what the tests need of a stored key.
type mvccKV struct {
	Key                         string
	Value                       []byte
	Lease                       int64
	CreateRevision, ModRevision int64
}
