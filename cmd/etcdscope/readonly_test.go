package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/etcdscope/etcdscope/etcdsrc/demo"
	"github.com/etcdscope/etcdscope/etcdsrc/embedded"
)

// readerPassword is the read-only user's password; no output may show it.
const readerPassword = "r3ad-0nly-Pw!"

// TestEveryVerbAsAReadOnlyUser runs each read verb against an etcd with
// authentication on, as a user whose one role may only read /registry/:
// the tool needs no write, no role over other keys, and never shows the
// password. (A cluster of its own: the package's shared one has no
// authentication.)
func TestEveryVerbAsAReadOnlyUser(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cluster, admin, err := embedded.StartReadOnly(ctx, embedded.Options{UnsafeNoFsync: true}, func(c *clientv3.Client) error {
		_, err := demo.Seed(ctx, c, demo.Options{Namespaces: 3, Seed: 4})
		return err
	}, "root-pw", embedded.ReadOnlyUser{Name: "reader", Password: readerPassword, Prefix: "/registry/"})
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Stop()
	defer admin.Close()
	cm := "/registry/configmaps/kube-system/kube-root-ca.crt"

	as := func(ctx context.Context, args ...string) result {
		t.Helper()
		out := &syncBuffer{}
		args = append(args, "--endpoints", strings.Join(cluster.Endpoints(), ","), "--user", "reader", "--password", readerPassword)
		r := etcdscopeCtx(t, ctx, "", out, args...)
		if strings.Contains(r.stdout+r.stderr, readerPassword) {
			t.Errorf("%v shows the password", args)
		}
		return r
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"ls", []string{"ls", "/registry/"}, "configmaps/"},
		{"get", []string{"get", cm}, "kind: ConfigMap"},
		{"get --prefix", []string{"get", "--prefix", "/registry/configmaps/", "-o", "records"}, `"kind":"ConfigMap"`},
		{"history", []string{"history", cm, "-o", "json"}, `"modRevision"`},
		{"find", []string{"find", "deploy"}, "NAMESPACE"},
		{"find in a namespace", []string{"find", "po", "-n", "kube-system"}, "NAME"},
		{"stats", []string{"stats", "/registry/", "-o", "json"}, `"complete": true`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := as(ctx, tc.args...).mustSucceed(t)
			if !strings.Contains(r.stdout, tc.want) {
				t.Errorf("output lacks %q:\n%.500s", tc.want, r.stdout)
			}
		})
	}
	t.Run("watch", func(t *testing.T) {
		wctx, stop := context.WithCancel(ctx)
		defer stop()
		out := &syncBuffer{}
		done := make(chan result, 1)
		go func() {
			done <- etcdscopeCtx(t, wctx, "", out, "watch", "/registry/configmaps/", "-o", "records",
				"--endpoints", strings.Join(cluster.Endpoints(), ","), "--user", "reader:"+readerPassword)
		}()
		for i := 0; !strings.Contains(out.String(), `"type":"PUT"`); i++ {
			if i == 100 {
				t.Fatal("the watch printed no PUT")
			}
			if _, err := admin.Put(ctx, "/registry/configmaps/default/ro-watch", `{"apiVersion":"v1","kind":"ConfigMap"}`); err != nil {
				t.Fatal(err)
			}
			eventually(200*time.Millisecond, func() bool { return strings.Contains(out.String(), `"type":"PUT"`) })
		}
		stop()
		if r := <-done; r.code != 0 {
			t.Fatalf("watch: exit %d: %s", r.code, r.stderr)
		}
		var ev map[string]any
		if err := json.Unmarshal([]byte(strings.SplitN(out.String(), "\n", 2)[0]), &ev); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("outside its role: one line naming the prefix", func(t *testing.T) {
		as(ctx, "ls", "/other/").mustFail(t, "/other/")
	})
}
