package stats

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"

	"github.com/etcdscope/etcdscope/decode/encryption"
	"github.com/etcdscope/etcdscope/etcdsrc"
	"github.com/etcdscope/etcdscope/etcdsrc/embedded"
)

// The package's tests share one embedded etcd, seeded once with the cases
// below under /registry and, under /cancel/, enough keys for a scan to be
// cancelled halfway. Tests only read it (the NOSPACE test starts its own).
var (
	srv       *embedded.Cluster
	cli       *clientv3.Client
	encConfig *encryption.Config
	// seeded is every key written under the root, with what the figures
	// must say of it.
	seeded []seededKey
	// leaseKeys is how many keys each seeded lease has attached.
	leaseKeys = map[clientv3.LeaseID]int{}
)

const (
	root       = "/registry"
	cancelKeys = 10000
	// bigValue is the size of the ConfigMap near the request limit.
	bigValue = 1100 << 10
	// rsUID is the ReplicaSet that exists; goneUID the one that does not.
	rsUID   = "6b1c0a3e-0000-4000-8000-000000000001"
	goneUID = "6b1c0a3e-0000-4000-8000-00000000dead"
)

// seededKey is one key written for the tests and what it stands for.
type seededKey struct {
	key, value string
	// resource is the storage prefix the key's resource is reported
	// under; encoding the stored encoding.
	resource, encoding string
	lease              clientv3.LeaseID
}

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var err error
	if srv, err = embedded.Start(ctx, embedded.Options{}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer srv.Stop()
	if cli, err = srv.Client(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer cli.Close()
	dir, err := os.MkdirTemp("", "etcdscope-stats-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	if encConfig, err = encryption.WriteDemoConfig(filepath.Join(dir, "enc.yaml"), []string{"secrets"}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := seed(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "seed:", err)
		return 1
	}
	return m.Run()
}

// protoOf encodes a built-in object as kube-apiserver stores it.
func protoOf(obj runtime.Object) []byte {
	gvks, _, err := clientgoscheme.Scheme.ObjectKinds(obj)
	if err != nil {
		panic(err)
	}
	obj.GetObjectKind().SetGroupVersionKind(gvks[0])
	var b bytes.Buffer
	if err := protobuf.NewSerializer(clientgoscheme.Scheme, clientgoscheme.Scheme).Encode(obj, &b); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// jsonOf encodes a custom resource or CRD as the API server's JSON.
func jsonOf(obj map[string]any) []byte {
	b, err := json.Marshal(obj)
	if err != nil {
		panic(err)
	}
	return append(b, '\n')
}

func meta(ns, name, uid string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Namespace: ns, Name: name, UID: types.UID(uid), CreationTimestamp: metav1.NewTime(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))}
}

// deletedAt is when the stuck ConfigMap was asked to be deleted.
var deletedAt = metav1.NewTime(time.Now().Add(-2 * time.Hour).Truncate(time.Second).UTC())

// seed writes the test cluster: a few real objects of known sizes and
// encodings, and the damage stats must find (objects of a namespace
// deleted behind the API server's back, a custom resource whose CRD was
// removed, an object stuck terminating, a pod whose owner is gone, a
// value that does not decode), leases with keys attached, keys outside
// the root, and many small keys under /cancel/.
func seed(ctx context.Context) error {
	cm := func(ns, name string, data string) *corev1.ConfigMap {
		return &corev1.ConfigMap{ObjectMeta: meta(ns, name, "cm-"+ns+"-"+name), Data: map[string]string{"data": data}}
	}
	stuck := cm("shop", "stuck", "held back")
	stuck.DeletionTimestamp = &deletedAt
	stuck.Finalizers = []string{"example.com/hold", "example.com/audit"}
	pod := func(name, ownerName, ownerUID string) *corev1.Pod {
		p := &corev1.Pod{ObjectMeta: meta("shop", name, "pod-"+name), Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx"}}}}
		yes := true
		p.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: ownerName, UID: types.UID(ownerUID), Controller: &yes}}
		return p
	}
	secret := protoOf(&corev1.Secret{ObjectMeta: meta("shop", "db", "secret-db"), Data: map[string][]byte{"password": []byte("hunter2")}})
	encrypted, err := encConfig.Encrypt(root+"/secrets/shop/db", secret)
	if err != nil {
		return err
	}
	crd := map[string]any{
		"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
		"metadata": map[string]any{"name": "widgets.example.com", "uid": "crd-widgets"},
		"spec": map[string]any{"group": "example.com", "scope": "Namespaced",
			"names":    map[string]any{"plural": "widgets", "singular": "widget", "kind": "Widget"},
			"versions": []any{map[string]any{"name": "v1", "served": true, "storage": true}}},
	}
	cr := func(apiVersion, kind, name string) []byte {
		return jsonOf(map[string]any{"apiVersion": apiVersion, "kind": kind,
			"metadata": map[string]any{"name": name, "namespace": "shop", "uid": "cr-" + name}, "spec": map[string]any{"size": 3}})
	}
	events, err := cli.Grant(ctx, 600)
	if err != nil {
		return err
	}
	other, err := cli.Grant(ctx, 900)
	if err != nil {
		return err
	}
	event := func(name string) []byte {
		return protoOf(&corev1.Event{ObjectMeta: meta("shop", name, "ev-"+name), InvolvedObject: corev1.ObjectReference{Kind: "Pod", Name: "owned"}, Reason: "Started"})
	}
	seeded = []seededKey{
		{key: root + "/namespaces/default", value: string(protoOf(&corev1.Namespace{ObjectMeta: meta("", "default", "ns-default")})), resource: "namespaces", encoding: "protobuf"},
		{key: root + "/namespaces/shop", value: string(protoOf(&corev1.Namespace{ObjectMeta: meta("", "shop", "ns-shop")})), resource: "namespaces", encoding: "protobuf"},
		{key: root + "/configmaps/shop/small", value: string(protoOf(cm("shop", "small", strings.Repeat("s", 100)))), resource: "configmaps", encoding: "protobuf"},
		{key: root + "/configmaps/shop/big", value: string(protoOf(cm("shop", "big", strings.Repeat("b", bigValue)))), resource: "configmaps", encoding: "protobuf"},
		{key: root + "/configmaps/shop/stuck", value: string(protoOf(stuck)), resource: "configmaps", encoding: "protobuf"},
		{key: root + "/configmaps/shop/broken", value: "k8s\x00\x0a\x05broken", resource: "configmaps", encoding: "protobuf"},
		{key: root + "/configmaps/ghost/left", value: string(protoOf(cm("ghost", "left", "left behind"))), resource: "configmaps", encoding: "protobuf"},
		{key: root + "/pods/shop/orphan", value: string(protoOf(pod("orphan", "gone-rs", goneUID))), resource: "pods", encoding: "protobuf"},
		{key: root + "/pods/shop/owned", value: string(protoOf(pod("owned", "rs1", rsUID))), resource: "pods", encoding: "protobuf"},
		{key: root + "/replicasets/shop/rs1", value: string(protoOf(&appsv1.ReplicaSet{ObjectMeta: meta("shop", "rs1", rsUID)})), resource: "replicasets", encoding: "protobuf"},
		{key: root + "/secrets/shop/db", value: string(encrypted), resource: "secrets", encoding: "encrypted"},
		{key: root + "/secrets/shop/retired", value: "k8s:enc:aescbc:v1:retired:" + strings.Repeat("\x17", 48), resource: "secrets", encoding: "encrypted"},
		{key: root + "/apiextensions.k8s.io/customresourcedefinitions/widgets.example.com", value: string(jsonOf(crd)), resource: "apiextensions.k8s.io/customresourcedefinitions", encoding: "json"},
		{key: root + "/example.com/widgets/shop/w1", value: string(cr("example.com/v1", "Widget", "w1")), resource: "example.com/widgets", encoding: "json"},
		{key: root + "/gone.example.com/gizmos/shop/g1", value: string(cr("gone.example.com/v1", "Gizmo", "g1")), resource: "gone.example.com/gizmos", encoding: "json"},
		{key: root + "/events/shop/e1", value: string(event("e1")), resource: "events", encoding: "protobuf", lease: events.ID},
		{key: root + "/events/shop/e2", value: string(event("e2")), resource: "events", encoding: "protobuf", lease: events.ID},
		{key: root + "/events/shop/e3", value: string(event("e3")), resource: "events", encoding: "protobuf", lease: events.ID},
		{key: root + "/events/shop/e4", value: string(event("e4")), resource: "events", encoding: "protobuf", lease: other.ID},
	}
	for _, s := range seeded {
		var opts []clientv3.OpOption
		if s.lease != 0 {
			opts = append(opts, clientv3.WithLease(s.lease))
			leaseKeys[s.lease]++
		}
		if _, err := cli.Put(ctx, s.key, s.value, opts...); err != nil {
			return fmt.Errorf("put %s: %w", s.key, err)
		}
	}
	for k, v := range outsideKeys {
		if _, err := cli.Put(ctx, k, v); err != nil {
			return err
		}
	}
	var ops []clientv3.Op
	for i := range cancelKeys {
		ops = append(ops, clientv3.OpPut(fmt.Sprintf("/cancel/k%05d", i), strings.Repeat("v", 100)))
		if len(ops) == 100 {
			if _, err := cli.Txn(ctx).Then(ops...).Commit(); err != nil {
				return err
			}
			ops = ops[:0]
		}
	}
	return nil
}

// outsideKeys are other applications' keys and kube-apiserver's
// compact_rev_key, all outside the root.
var outsideKeys = map[string]string{
	"/calico/ipam/a":  "block a",
	"/calico/ipam/b":  "block bb",
	"compact_rev_key": "12",
}

// testCtx is a context that ends with the test.
func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// live connects to the test etcd as the CLI does.
func live(t testing.TB, c *embedded.Cluster) *etcdsrc.Live {
	t.Helper()
	cfg := etcdsrc.DefaultConfig()
	cfg.Endpoints = c.Endpoints()
	l, err := etcdsrc.NewLive(testCtx(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}
