package main

import (
	"context"
	"slices"
	"strings"
	"testing"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/etcdscope/etcdscope/decode/fixture"
	"github.com/etcdscope/etcdscope/etcdsrc"
)

// TestOtherRoots: with the root empty, the well-known roots that hold
// Kubernetes-shaped keys are read instead (and said so); roots given are
// read as given, several at once.
func TestOtherRoots(t *testing.T) {
	ctx := context.Background()
	for _, p := range []string{"/kubernetes.io/", "/openshift.io/"} {
		if _, err := testClient.Delete(ctx, p, clientv3.WithPrefix()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { testClient.Delete(context.Background(), p, clientv3.WithPrefix()) })
	}
	put := func(k, v string) {
		t.Helper()
		if _, err := testClient.Put(ctx, k, v); err != nil {
			t.Fatal(err)
		}
	}
	put("/kubernetes.io/deployments/shop/web", string(fixtureKV(t, "/registry/deployments/shop/web").Value))
	put("/kubernetes.io/namespaces/shop", string(fixtureKV(t, "/registry/namespaces/shop").Value))
	put("/openshift.io/Not A Resource/x y", "junk")

	cfg := etcdsrc.DefaultConfig()
	cfg.Endpoints = strings.Split(testEndpoints, ",")
	live, err := etcdsrc.NewLive(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	if got := detectRoots(ctx, live, "/registry", 0); got != nil {
		t.Fatalf("/registry holds keys, yet %v were detected", got)
	}
	if got := detectRoots(ctx, live, "/test/emptyroot", 0); !slices.Equal(got, []string{"/kubernetes.io"}) {
		t.Fatalf("detected %v: /openshift.io holds no Kubernetes-shaped key yet", got)
	}
	put("/openshift.io/routes/shop/front", `{"apiVersion":"route.openshift.io/v1","kind":"Route","metadata":{"name":"front","namespace":"shop"}}`)
	if got := detectRoots(ctx, live, "/test/emptyroot", 0); !slices.Equal(got, []string{"/kubernetes.io", "/openshift.io"}) {
		t.Fatalf("detected %v", got)
	}

	env := map[string]string{"ETCDCTL_ENDPOINTS": testEndpoints}
	run := func(args ...string) result {
		t.Helper()
		var stdout, stderr syncBuffer
		a := &app{in: strings.NewReader(""), out: &stdout, errOut: &stderr, getenv: func(k string) string { return env[k] }, defaultRoot: "/test/emptyroot"}
		code := executeApp(ctx, a, args)
		return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
	}
	t.Run("found and said so", func(t *testing.T) {
		r := run("ls").mustSucceed(t)
		if !strings.Contains(r.stderr, "/test/emptyroot/ holds no keys; reading /kubernetes.io/ and /openshift.io/") {
			t.Fatalf("stderr %q", r.stderr)
		}
		for _, want := range []string{"/kubernetes.io/:\n", "deployments/", "apps/v1 Deployment", "\n/openshift.io/:\n", "routes/"} {
			if !strings.Contains(r.stdout, want) {
				t.Fatalf("ls of both roots lacks %q:\n%s", want, r.stdout)
			}
		}
		if f := run("find", "deploy", "-o", "name").mustSucceed(t); f.stdout != "deployment.apps/web\n" {
			t.Fatalf("find deploy under the roots found: %q", f.stdout)
		}
		if f := run("find", "ns").mustSucceed(t); !strings.Contains(f.stdout, "shop") {
			t.Fatalf("find ns table:\n%s", f.stdout)
		}
		d := run("deleted").mustSucceed(t)
		if !strings.Contains(d.stderr, "under /,") {
			t.Fatalf("deleted over two roots: %q", d.stderr)
		}
	})
	t.Run("given, several", func(t *testing.T) {
		r := run("--prefix-root", "/kubernetes.io", "--prefix-root", "/openshift.io/", "ls", "-o", "json").mustSucceed(t)
		var keys []string
		for _, e := range jsonValue(t, r.stdout).([]any) {
			keys = append(keys, e.(map[string]any)["key"].(string))
		}
		want := []string{"/kubernetes.io/deployments/", "/kubernetes.io/namespaces/", "/openshift.io/Not A Resource/", "/openshift.io/routes/"}
		if !slices.Equal(keys, want) || strings.Contains(r.stderr, "holds no keys") {
			t.Fatalf("ls of the roots given: %v, stderr %q", keys, r.stderr)
		}
	})
	t.Run("a key under a well-known root decodes as its API server wrote it", func(t *testing.T) {
		key := "/kubernetes.io/secrets/shop/db-credentials"
		put(key, string(fixtureKV(t, "/registry/secrets/shop/db-credentials").Value))
		// Still encrypted, its kind is told by its key under its root.
		r := etcdscope(t, "", "get", key, "-o", "records").mustSucceed(t)
		if rec := jsonValue(t, r.stdout).(map[string]any); rec["kind"] != "Secret" || rec["encoding"] != "encrypted" {
			t.Fatalf("the secret under /kubernetes.io was not read as a secret: %s", r.stdout)
		}
		r = etcdscope(t, "", "--encryption-config", fixture.EncryptionConfigPath(), "get", key, "-o", "records").mustSucceed(t)
		if rec := jsonValue(t, r.stdout).(map[string]any); rec["kind"] != "Secret" || rec["encryption"].(map[string]any)["decrypted"] != true {
			t.Fatalf("the secret under /kubernetes.io was not decrypted: %s", r.stdout)
		}
	})
	t.Run("given wins, even empty", func(t *testing.T) {
		r := run("--prefix-root", "/test/emptyroot", "ls").mustSucceed(t)
		if strings.Contains(r.stdout, "deployments/") || !strings.Contains(r.stderr, "/test/emptyroot/ holds no keys; the keyspace holds") || !strings.Contains(r.stderr, "/kubernetes.io/") {
			t.Fatalf("stdout %q stderr %q", r.stdout, r.stderr)
		}
	})
}
