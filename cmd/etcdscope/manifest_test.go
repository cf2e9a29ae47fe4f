package main

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// runWith runs one command line in-process with the environment env
// (nothing else is set) and the default manifest path manifest.
func runWith(t *testing.T, env map[string]string, manifest string, args ...string) result {
	t.Helper()
	var stdout, stderr syncBuffer
	a := &app{in: strings.NewReader(""), out: &stdout, errOut: &stderr, getenv: func(k string) string { return env[k] }, defaultManifest: manifest}
	code := executeApp(context.Background(), a, args)
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// writeManifest writes a static Pod manifest of kube-apiserver whose
// container runs it with argv, as kubeadm lays one out.
func writeManifest(t *testing.T, argv ...string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: Pod\nmetadata:\n  name: kube-apiserver\n  namespace: kube-system\nspec:\n  containers:\n  - command:\n    - kube-apiserver\n")
	for _, a := range argv {
		b.WriteString("    - " + a + "\n")
	}
	b.WriteString("    image: registry.k8s.io/kube-apiserver:v1.37.0\n    name: kube-apiserver\n  hostNetwork: true\nstatus: {}\n")
	path := filepath.Join(t.TempDir(), "kube-apiserver.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestReadAPIServerManifest(t *testing.T) {
	t.Run("kubeadm's layout, --flag=value", func(t *testing.T) {
		m, err := readAPIServerManifest("testdata/kube-apiserver.yaml")
		if err != nil {
			t.Fatal(err)
		}
		want := &apiserverManifest{
			path:             "testdata/kube-apiserver.yaml",
			endpoints:        []string{"https://10.20.0.11:2379", "https://10.20.0.12:2379", "https://10.20.0.13:2379"},
			caFile:           "/etc/kubernetes/pki/etcd/ca.crt",
			certFile:         "/etc/kubernetes/pki/apiserver-etcd-client.crt",
			keyFile:          "/etc/kubernetes/pki/apiserver-etcd-client.key",
			encryptionConfig: "/etc/kubernetes/enc/encryption-config.yaml",
		}
		if !reflect.DeepEqual(m, want) {
			t.Fatalf("read %+v\nwant %+v", m, want)
		}
	})
	t.Run("args with --flag value, beside a sidecar", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "m.yaml")
		doc := `apiVersion: v1
kind: Pod
metadata:
  name: kube-apiserver
spec:
  containers:
  - name: log-shipper
    command: ["shipper", "--etcd-servers=http://wrong:1"]
  - name: kube-apiserver
    image: registry.k8s.io/kube-apiserver:v1.37.0
    command: ["kube-apiserver"]
    args: ["--v", "2", "--etcd-servers", "http://10.1.0.5:2379", "--etcd-prefix", "kubernetes.io", "--profiling", "--etcd-cafile", "/pki/ca.crt"]
`
		if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
		m, err := readAPIServerManifest(path)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(m.endpoints, []string{"http://10.1.0.5:2379"}) || m.prefix != "/kubernetes.io" || m.caFile != "/pki/ca.crt" {
			t.Fatalf("read %+v", m)
		}
	})
	t.Run("not a Pod", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "d.yaml")
		if err := os.WriteFile(path, []byte("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := readAPIServerManifest(path); err == nil || !strings.Contains(err.Error(), "not a Pod") {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("no etcd", func(t *testing.T) {
		if _, err := readAPIServerManifest(writeManifest(t, "--secure-port=6443")); err == nil || !strings.Contains(err.Error(), "--etcd-servers") {
			t.Fatalf("err %v", err)
		}
	})
}

func TestAPIServerManifestConnects(t *testing.T) {
	manifest := writeManifest(t, "--secure-port=6443", "--etcd-servers="+testEndpoints, "--etcd-prefix=/registry")
	missing := filepath.Join(t.TempDir(), "none.yaml")
	dead := map[string]string{"ETCDCTL_ENDPOINTS": "127.0.0.1:1", "ETCDCTL_DIAL_TIMEOUT": "300ms"}

	t.Run("read unasked when no endpoint is given", func(t *testing.T) {
		r := runWith(t, nil, manifest, "ls", "/registry/namespaces", "-o", "json").mustSucceed(t)
		if !strings.Contains(r.stdout, `"/registry/namespaces/shop"`) {
			t.Fatalf("ls through the manifest:\n%s", r.stdout)
		}
		if !strings.Contains(r.stderr, "no endpoint given: connecting as "+manifest+" says (--endpoints "+testEndpoints) {
			t.Fatalf("the manifest was used without a word: %q", r.stderr)
		}
	})
	t.Run("an endpoint from ETCDCTL_* wins over the default manifest", func(t *testing.T) {
		r := runWith(t, dead, manifest, "ls")
		r.mustFail(t, "127.0.0.1:1")
	})
	t.Run("asked for, it wins over ETCDCTL_*", func(t *testing.T) {
		r := runWith(t, dead, missing, "--apiserver-manifest="+manifest, "ls", "/registry/namespaces", "-o", "json").mustSucceed(t)
		if !strings.Contains(r.stdout, `"/registry/namespaces/shop"`) || strings.Contains(r.stderr, "no endpoint given") {
			t.Fatalf("stdout %s stderr %q", r.stdout, r.stderr)
		}
	})
	t.Run("a flag given wins over the manifest", func(t *testing.T) {
		runWith(t, nil, manifest, "--apiserver-manifest", "--endpoints", "127.0.0.1:1", "--dial-timeout", "300ms", "ls").mustFail(t, "127.0.0.1:1")
	})
	t.Run("no file, no manifest", func(t *testing.T) {
		// Whatever answers on etcdctl's default endpoint, if anything.
		r := runWith(t, map[string]string{"ETCDCTL_DIAL_TIMEOUT": "300ms"}, missing, "ls")
		if strings.Contains(r.stderr, "manifest") || strings.Contains(r.stderr, "connecting as") {
			t.Fatalf("a missing default manifest was spoken of: %q", r.stderr)
		}
	})
	t.Run("asked for and missing", func(t *testing.T) {
		runWith(t, nil, missing, "--apiserver-manifest="+missing, "ls").mustFail(t, "read the kube-apiserver manifest")
	})
}
