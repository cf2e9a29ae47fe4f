package faults

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/etcdscope/etcdscope/etcdsrc"
	"github.com/etcdscope/etcdscope/etcdsrc/embedded"
)

// Short timeouts keep the package fast: every diagnosis must come within
// these.
const (
	dialTimeout    = time.Second
	commandTimeout = 2 * time.Second
)

// fixture is one kind of fault's cluster, started on first use.
type fixture struct {
	once    sync.Once
	cluster *embedded.Cluster
	err     error
	start   func(dir string) (*embedded.Cluster, error)
	// fresh: each get starts a cluster of its own, stopped after the
	// test; for a fault that stays (a full backend), which a second run
	// (-count) must not find already there.
	fresh bool
}

var (
	dir     string // the package's temporary directory
	pki     *embedded.PKI
	otherCA *embedded.PKI // a CA that signed nothing the servers use
	started []*embedded.Cluster
	mu      sync.Mutex
)

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	var err error
	if dir, err = os.MkdirTemp("", "etcdscope-faults-"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	if pki, err = embedded.NewPKI(dir, "etcdscope-test"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if otherCA, err = embedded.NewPKI(dir, "other"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() {
		for _, c := range started {
			c.Stop()
		}
	}()
	return m.Run()
}

// get starts f's cluster the first time (each time when fresh) and
// returns it.
func (f *fixture) get(t testing.TB) *embedded.Cluster {
	t.Helper()
	if f.fresh {
		c, err := f.start(dir)
		if err != nil {
			t.Fatalf("start the cluster: %v", err)
		}
		t.Cleanup(func() { c.Stop() })
		return c
	}
	f.once.Do(func() {
		f.cluster, f.err = f.start(dir)
		if f.err == nil {
			mu.Lock()
			started = append(started, f.cluster)
			mu.Unlock()
		}
	})
	if f.err != nil {
		t.Fatalf("start the cluster: %v", f.err)
	}
	return f.cluster
}

func startCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 60*time.Second)
}

// The clusters, one per kind of fault.
var (
	// three is a plain three-member cluster: member loss, quorum loss,
	// restarts, compaction.
	three = &fixture{start: func(string) (*embedded.Cluster, error) {
		ctx, cancel := startCtx()
		defer cancel()
		return embedded.Start(ctx, embedded.Options{Members: 3})
	}}
	// mtls is a TLS member that requires a client certificate.
	mtls = &fixture{start: func(dir string) (*embedded.Cluster, error) {
		return startTLS(dir, "mtls", []string{"127.0.0.1", "localhost"}, true)
	}}
	// wrongName is a TLS member whose certificate is for another host,
	// and that takes clients without certificates.
	wrongName = &fixture{start: func(dir string) (*embedded.Cluster, error) {
		return startTLS(dir, "wrong-name", []string{"etcd.wrong.example"}, false)
	}}
	// auth is a member with authentication on: root, and "reader", who
	// may only read /allowed/.
	auth = &fixture{start: func(string) (*embedded.Cluster, error) {
		ctx, cancel := startCtx()
		defer cancel()
		c, err := embedded.Start(ctx, embedded.Options{})
		if err != nil {
			return nil, err
		}
		cli, err := c.Client()
		if err != nil {
			c.Stop()
			return nil, err
		}
		defer cli.Close()
		for k, v := range map[string]string{"/allowed/pods/a": "pod", "/secret/b": "secret"} {
			if _, err := cli.Put(ctx, k, v); err != nil {
				c.Stop()
				return nil, err
			}
		}
		if err := embedded.EnableAuth(ctx, cli, "rootpw", embedded.ReadOnlyUser{Name: "reader", Password: "readerpw", Prefix: "/allowed/"}); err != nil {
			c.Stop()
			return nil, err
		}
		return c, nil
	}}
	// small is a member with a 2 MiB backend quota, to fill.
	small = &fixture{start: func(string) (*embedded.Cluster, error) {
		ctx, cancel := startCtx()
		defer cancel()
		return embedded.Start(ctx, embedded.Options{QuotaBackendBytes: 2 << 20})
	}, fresh: true}
)

func startTLS(dir, name string, hosts []string, clientAuth bool) (*embedded.Cluster, error) {
	cert, key, err := pki.Issue(name+"-server", hosts, false)
	if err != nil {
		return nil, err
	}
	ccert, ckey, err := pki.Issue(name+"-client", nil, true)
	if err != nil {
		return nil, err
	}
	ctx, cancel := startCtx()
	defer cancel()
	t := &embedded.TLS{CertFile: cert, KeyFile: key, CAFile: pki.CAFile, ClientCertFile: ccert, ClientKeyFile: ckey}
	if clientAuth {
		t.ClientCAFile = pki.CAFile
	}
	return embedded.Start(ctx, embedded.Options{Dir: filepath.Join(dir, name), TLS: t})
}

// config is etcdctl's defaults with the package's short timeouts.
func config(endpoints ...string) etcdsrc.Config {
	cfg := etcdsrc.DefaultConfig()
	cfg.Endpoints = endpoints
	cfg.DialTimeout, cfg.CommandTimeout = dialTimeout, commandTimeout
	return cfg
}

// live connects as the CLI does, failing the test on error.
func live(t testing.TB, cfg etcdsrc.Config) *etcdsrc.Live {
	t.Helper()
	l, err := etcdsrc.NewLive(testCtx(t), cfg)
	if err != nil {
		t.Fatalf("NewLive %v: %v", cfg.Endpoints, err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// writer is a client of c for the test's own writes.
func writer(t testing.TB, c *embedded.Cluster) *clientv3.Client {
	t.Helper()
	cli, err := c.Client()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.Close() })
	return cli
}

// host is an endpoint without its scheme.
func host(ep string) string {
	_, h, _ := strings.Cut(ep, "://")
	return h
}
