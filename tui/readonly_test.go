package tui

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/etcdscope/etcdscope/decode"
	"github.com/etcdscope/etcdscope/etcdsrc"
	"github.com/etcdscope/etcdscope/etcdsrc/demo"
	"github.com/etcdscope/etcdscope/etcdsrc/embedded"
)

const readerPassword = "r3ad-0nly-Pw!"

// lockedWriter is a debug log tests read while the explorer writes it.
type lockedWriter struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func (w *lockedWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// TestExplorerAsAReadOnlyUser walks the explorer's flows (tree, object,
// secret revealed, kind list, history, watch, stats) on an etcd with
// authentication on, as a user whose one role may only read /registry/,
// with a debug log: every flow works, and the log holds no value, no
// Secret data and no password. (A cluster of its own: the package's
// shared one has no authentication.)
func TestExplorerAsAReadOnlyUser(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// The values the log must never hold: every Secret's data, as stored
	// and decoded.
	var secrets []string
	var secretKey string
	cluster, admin, err := embedded.StartReadOnly(ctx, embedded.Options{UnsafeNoFsync: true}, func(c *clientv3.Client) error {
		if _, err := demo.Seed(ctx, c, demo.Options{Namespaces: 3, Seed: 5}); err != nil {
			return err
		}
		secrets, secretKey = secretValues(ctx, t, c)
		return nil
	}, "root-pw", embedded.ReadOnlyUser{Name: "reader", Password: readerPassword, Prefix: "/registry/"})
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Stop()
	defer admin.Close()
	if secretKey == "" {
		t.Fatal("the demo seeded no Secret with data")
	}

	cfg := etcdsrc.DefaultConfig()
	cfg.Endpoints, cfg.User, cfg.Password = cluster.Endpoints(), "reader", readerPassword
	reader, err := etcdsrc.NewLive(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	log := &lockedWriter{}
	d := newDriver(t, Options{Source: reader, Debug: log}, 120, 40)
	d.start()
	d.until("the root counted", func(m *Model) bool { return counted(m.root()) && m.root().Count > 0 })

	d.send(openKeyMsg{key: secretKey, focus: true})
	d.until("the secret", func(m *Model) bool { return m.obj.has && m.obj.r.masked })
	d.key("x")
	d.until("revealed", func(m *Model) bool { return !m.obj.loading && !m.obj.r.masked })

	d.key(":")
	d.typeText("deploy")
	d.key("enter")
	d.until("the deployments", func(m *Model) bool { return m.left == leftList && !m.list.loading && len(m.list.cells) > 0 })
	if d.m.list.err != nil {
		t.Fatal(d.m.list.err)
	}
	d.key("enter")
	d.until("a deployment", func(m *Model) bool { return m.obj.has && strings.HasPrefix(m.obj.key, "/registry/deployments/") })
	d.key("H")
	d.until("its history", func(m *Model) bool { return len(m.hist.revs) > 0 || m.hist.err != nil })
	if d.m.hist.err != nil {
		t.Fatal(d.m.hist.err)
	}
	d.key("esc", "esc", "esc") // history, focus, list: back to the tree

	d.selectPath("/registry/configmaps/")
	d.watch()
	k := "/registry/configmaps/default/ro-watch"
	for i := 0; !logHas(d.m, etcdsrc.EventPut, k); i++ {
		if i == 50 {
			t.Fatal("the watch brought no event")
		}
		if _, err := admin.Put(ctx, k, `{"apiVersion":"v1","kind":"ConfigMap","data":{"note":"do-not-log-me"}}`); err != nil {
			t.Fatal(err)
		}
		d.until("an event", func(m *Model) bool { return len(m.events.rows) > i })
	}
	d.key("w", "s")
	d.until("the stats", func(m *Model) bool { return m.stats.res != nil })
	if !d.m.stats.res.Complete {
		t.Errorf("stats incomplete as the reader: %v", d.m.stats.err)
	}
	if d.m.st.lastErr != "" {
		t.Errorf("an error showed: %s", d.m.st.lastErr)
	}

	text := log.String()
	if !strings.Contains(text, "open ") || !strings.Contains(text, "watch ") {
		t.Fatalf("the debug log did not follow the flows:\n%s", text)
	}
	for _, secret := range append(secrets, readerPassword, "do-not-log-me") {
		if strings.Contains(text, secret) {
			t.Errorf("the debug log holds %q", secret)
		}
	}
}

// secretValues reads every Secret's data, as stored (base64) and decoded,
// and names one Secret that has some.
func secretValues(ctx context.Context, t *testing.T, c *clientv3.Client) (values []string, key string) {
	t.Helper()
	resp, err := c.Get(ctx, "/registry/secrets/", clientv3.WithPrefix())
	if err != nil {
		t.Fatal(err)
	}
	dec := decode.NewDecoder()
	for _, kv := range resp.Kvs {
		var s struct {
			Data map[string]string `json:"data"`
		}
		if json.Unmarshal(dec.Decode(string(kv.Key), kv.Value, nil).Object, &s) != nil {
			continue
		}
		for _, b64 := range s.Data {
			if plain, err := base64.StdEncoding.DecodeString(b64); err == nil && len(plain) >= 8 {
				values = append(values, b64, string(plain))
				key = string(kv.Key)
			}
		}
	}
	return values, key
}
