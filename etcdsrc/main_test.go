package etcdsrc

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/etcdscope/etcdscope/etcdsrc/embedded"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// The package's tests share two embedded servers: srv (etcd 3.7, with
// RangeStream) and oldSrv (RangeStream refused, as before 3.7). Tests run
// one after another and each writes under its own prefix.
var (
	srv, oldSrv       *embedded.Cluster
	srvCli, oldSrvCli *clientv3.Client
)

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var err error
	if srv, err = embedded.Start(ctx, embedded.Options{}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer srv.Stop()
	if oldSrv, err = embedded.Start(ctx, embedded.Options{DisableRangeStream: true}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer oldSrv.Stop()
	if srvCli, err = srv.Client(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer srvCli.Close()
	if oldSrvCli, err = oldSrv.Client(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer oldSrvCli.Close()
	return m.Run()
}

// testCtx is a context that ends with the test.
func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// dial connects a Live to c through NewLive, as the CLI does.
func dial(t testing.TB, c *embedded.Cluster) *Live {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Endpoints = c.Endpoints()
	l, err := NewLive(testCtx(t), cfg)
	if err != nil {
		t.Fatalf("NewLive: %v", err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// putAll writes kvs with Txns of up to 100 puts (test data only, to the
// test's own embedded etcd) and returns the last revision.
func putAll(t testing.TB, cli *clientv3.Client, kvs map[string]string) int64 {
	t.Helper()
	ctx := testCtx(t)
	var ops []clientv3.Op
	var rev int64
	flush := func() {
		if len(ops) == 0 {
			return
		}
		resp, err := cli.Txn(ctx).Then(ops...).Commit()
		if err != nil {
			t.Fatalf("load test keys: %v", err)
		}
		rev = resp.Header.Revision
		ops = ops[:0]
	}
	for k, v := range kvs {
		ops = append(ops, clientv3.OpPut(k, v))
		if len(ops) == 100 {
			flush()
		}
	}
	flush()
	return rev
}

func mustPut(t testing.TB, cli *clientv3.Client, key, val string, opts ...clientv3.OpOption) int64 {
	t.Helper()
	resp, err := cli.Put(testCtx(t), key, val, opts...)
	if err != nil {
		t.Fatalf("put %q: %v", key, err)
	}
	return resp.Header.Revision
}

// clearPrefix deletes what an earlier run of a test left under prefix in
// the test's own etcd, so `go test -count N` starts each run afresh.
func clearPrefix(t testing.TB, cli *clientv3.Client, prefix string) {
	t.Helper()
	if _, err := cli.Delete(testCtx(t), prefix, clientv3.WithPrefix()); err != nil {
		t.Fatalf("clear %q: %v", prefix, err)
	}
}

func mustDelete(t testing.TB, cli *clientv3.Client, key string) int64 {
	t.Helper()
	resp, err := cli.Delete(testCtx(t), key)
	if err != nil {
		t.Fatalf("delete %q: %v", key, err)
	}
	return resp.Header.Revision
}

// onBothServers runs fn against the server with RangeStream and the one
// without, each through its own Live.
func onBothServers(t *testing.T, fn func(t *testing.T, l *Live, cli *clientv3.Client)) {
	for _, tc := range []struct {
		name string
		cli  *clientv3.Client
	}{{"rangestream", srvCli}, {"unary-fallback", oldSrvCli}} {
		t.Run(tc.name, func(t *testing.T) {
			l := NewLiveFromClient(tc.cli, DefaultConfig())
			defer l.Close()
			fn(t, l, tc.cli)
		})
	}
}
