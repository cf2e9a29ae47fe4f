package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/etcdscope/etcdscope/decode/fixture"
	"github.com/etcdscope/etcdscope/etcdsrc/embedded"
)

// One embedded etcd for the package, loaded with the fixture's live keys
// and a few keys with a known history.
var (
	testEndpoints string
	testClient    *clientv3.Client
	// compactedKeyRev is a revision of /test/compacted/a below the compaction.
	compactedKeyRev int64
	// testMemberDB is the running member's own db file, which it locks.
	testMemberDB string
)

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	ctx := context.Background()
	cluster, err := embedded.Start(ctx, embedded.Options{Members: 1})
	if err != nil {
		fmt.Fprintln(os.Stderr, "start etcd:", err)
		return 1
	}
	defer cluster.Stop()
	testClient, err = cluster.Client()
	if err != nil {
		fmt.Fprintln(os.Stderr, "client:", err)
		return 1
	}
	defer testClient.Close()
	testEndpoints = strings.Join(cluster.Endpoints(), ",")
	testMemberDB = filepath.Join(cluster.Dir(), "m0", "member", "snap", "db")
	if err := loadTestData(ctx, testClient); err != nil {
		fmt.Fprintln(os.Stderr, "load test data:", err)
		return 1
	}
	return m.Run()
}

// loadTestData writes a compacted key first (so compaction does not touch
// the history tests), then every fixture key, then a key with a history.
func loadTestData(ctx context.Context, c *clientv3.Client) error {
	r1, err := c.Put(ctx, "/test/compacted/a", "one")
	if err != nil {
		return err
	}
	compactedKeyRev = r1.Header.Revision
	r2, err := c.Put(ctx, "/test/compacted/a", "two")
	if err != nil {
		return err
	}
	if _, err := c.Compact(ctx, r2.Header.Revision, clientv3.WithCompactPhysical()); err != nil {
		return err
	}
	kvs, err := fixture.KVs()
	if err != nil {
		return err
	}
	for _, kv := range kvs {
		if _, err := c.Put(ctx, kv.Key, string(kv.Value)); err != nil {
			return err
		}
	}
	for _, v := range []string{"first", "second", "third"} {
		if _, err := c.Put(ctx, "/test/history/k", v); err != nil {
			return err
		}
	}
	if _, err := c.Delete(ctx, "/test/history/k"); err != nil {
		return err
	}
	_, err = c.Put(ctx, "/test/history/k", "again")
	return err
}

// result is what one in-process run of the command printed.
type result struct {
	code   int
	stdout string
	stderr string
}

// etcdscope runs one command line in-process against the test etcd.
func etcdscope(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	return etcdscopeCtx(t, context.Background(), stdin, nil, args...)
}

func etcdscopeCtx(t *testing.T, ctx context.Context, stdin string, stdout *syncBuffer, args ...string) result {
	t.Helper()
	if stdout == nil {
		stdout = &syncBuffer{}
	}
	var stderr syncBuffer
	env := map[string]string{"ETCDCTL_ENDPOINTS": testEndpoints}
	code := execute(ctx, args, strings.NewReader(stdin), stdout, &stderr, func(k string) string { return env[k] })
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// mustSucceed fails the test unless the command exited 0.
func (r result) mustSucceed(t *testing.T) result {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("exit %d, stderr: %s", r.code, r.stderr)
	}
	return r
}

// mustFail fails the test unless the command exited 1 with a one-line message containing want.
func (r result) mustFail(t *testing.T, want string) {
	t.Helper()
	if r.code != 1 {
		t.Fatalf("exit %d, want 1; stdout: %s", r.code, r.stdout)
	}
	msg := strings.TrimSuffix(r.stderr, "\n")
	if strings.Contains(msg, "\n") || !strings.Contains(msg, want) {
		t.Fatalf("stderr %q: want one line containing %q", r.stderr, want)
	}
}

// syncBuffer is a bytes.Buffer safe to read while a command writes to it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// waitFor polls until cond holds, failing the test after ten seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	if !eventually(10*time.Second, cond) {
		t.Fatalf("timed out waiting for %s", what)
	}
}

// eventually polls cond until it holds or d passes, and says which.
func eventually(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}

// fixtureKV returns the fixture key's stored value.
func fixtureKV(t *testing.T, key string) fixture.KV {
	t.Helper()
	kvs, err := fixture.KVs()
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range kvs {
		if kv.Key == key {
			return kv
		}
	}
	t.Fatalf("no fixture key %s", key)
	return fixture.KV{}
}

// expectedObject returns what the API server served for key, as a generic value.
func expectedObject(t *testing.T, key string) map[string]any {
	t.Helper()
	exp, err := fixture.ExpectedObjects()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range exp {
		if e.Key == key {
			return jsonValue(t, string(e.Object)).(map[string]any)
		}
	}
	t.Fatalf("no expected object for %s", key)
	return nil
}

// jsonValue parses JSON output into a generic value, keeping numbers exact.
func jsonValue(t *testing.T, s string) any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, s)
	}
	return v
}
