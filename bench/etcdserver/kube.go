package main

import (
	"bytes"
	"context"
	"fmt"
	"hash/fnv"
	"strings"

	clientv3 "go.etcd.io/etcd/client/v3"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
)

// The kube data set: 20 namespaces of 50,000 objects of about 1 KB each
// at 1M keys, protobuf as kube-apiserver stores them, pods owned by
// ReplicaSets that exist (1M objects, about 1 GB of values).
const (
	kubeNamespaces = 20
	kubeBatchBytes = 1 << 20 // under etcd's default 1.5 MiB request limit
	// kubeShares is what the resources' shares are tenths of.
	kubeShares = 10
)

// kubeResource is one resource of the kube data set and its share, in
// tenths, of each namespace's objects.
type kubeResource struct {
	name  string
	share int
	build func(ns string, i int) runtime.Object
}

var kubeResources = []kubeResource{
	{"configmaps", 3, func(ns string, i int) runtime.Object {
		return &corev1.ConfigMap{ObjectMeta: kubeMeta(ns, "cm", i), Data: map[string]string{"config.yaml": filler(i, 820)}}
	}},
	{"secrets", 2, func(ns string, i int) runtime.Object {
		return &corev1.Secret{ObjectMeta: kubeMeta(ns, "secret", i), Type: corev1.SecretTypeOpaque, Data: map[string][]byte{"token": []byte(filler(i, 820))}}
	}},
	{"replicasets", 1, func(ns string, i int) runtime.Object {
		rs := &appsv1.ReplicaSet{ObjectMeta: kubeMeta(ns, "rs", i)}
		rs.Spec.Template.Spec = kubePodSpec(i)
		rs.Annotations = map[string]string{"deployment.kubernetes.io/revision": "1", "note": filler(i, 680)}
		return rs
	}},
	{"pods", 3, func(ns string, i int) runtime.Object {
		p := &corev1.Pod{ObjectMeta: kubeMeta(ns, "pod", i), Spec: kubePodSpec(i)}
		owner := i / 3
		yes := true
		p.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: fmt.Sprintf("rs-%05d", owner),
			UID: kubeUID(ns, "rs", owner), Controller: &yes, BlockOwnerDeletion: &yes}}
		p.Status = corev1.PodStatus{Phase: corev1.PodRunning, PodIP: fmt.Sprintf("10.%d.%d.%d", i%250, (i/250)%250, i%200), HostIP: "192.168.0.10"}
		p.Annotations = map[string]string{"note": filler(i, 630)}
		return p
	}},
	{"events", 1, func(ns string, i int) runtime.Object {
		return &corev1.Event{ObjectMeta: kubeMeta(ns, "ev", i), InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: ns, Name: fmt.Sprintf("pod-%05d", i)},
			Reason: "Pulled", Message: filler(i, 800), Type: corev1.EventTypeNormal, Count: 1}
	}},
}

// kubeUID is an object's uid, in the UUID form the API server gives.
func kubeUID(ns, what string, i int) types.UID {
	h := fnv.New32a()
	h.Write([]byte(ns + "/" + what))
	return types.UID(fmt.Sprintf("%08x-0000-4000-8000-%012x", h.Sum32(), i))
}

func kubeMeta(ns, what string, i int) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: fmt.Sprintf("%s-%05d", what, i), Namespace: ns, UID: kubeUID(ns, what, i),
		Labels: map[string]string{"app": fmt.Sprintf("app-%03d", i%500)}, CreationTimestamp: metav1.Unix(1767225600+int64(i), 0)}
}

func kubePodSpec(i int) corev1.PodSpec {
	return corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: fmt.Sprintf("registry.example.com/app-%03d:1.%d", i%500, i%9),
		Ports: []corev1.ContainerPort{{ContainerPort: 8080, Protocol: corev1.ProtocolTCP}}}}, NodeName: fmt.Sprintf("node-%02d", i%40)}
}

// filler is n bytes of text that differs between objects.
func filler(i, n int) string {
	s := strings.Repeat(fmt.Sprintf("line %07d of the bench data set; ", i), n/34+1)
	return s[:n]
}

// loadKube writes the kube data set of keys objects (and the namespaces)
// unless an earlier run did, one namespace per writer at a time.
func loadKube(ctx context.Context, cli *clientv3.Client, keys int) error {
	done, err := alreadyLoaded(ctx, cli, keys)
	if err != nil || done {
		return err
	}
	enc := protobuf.NewSerializer(clientgoscheme.Scheme, clientgoscheme.Scheme)
	encode := func(obj runtime.Object) ([]byte, error) {
		gvks, _, err := clientgoscheme.Scheme.ObjectKinds(obj)
		if err != nil {
			return nil, err
		}
		obj.GetObjectKind().SetGroupVersionKind(gvks[0])
		var b bytes.Buffer
		err = enc.Encode(obj, &b)
		return b.Bytes(), err
	}
	perShare := keys / kubeNamespaces / kubeShares
	if err := inParallel(kubeNamespaces, func(n int) error { return loadNamespace(ctx, cli, n, perShare, encode) }); err != nil {
		return err
	}
	return markLoaded(ctx, cli, keys)
}

// loadNamespace writes one namespace and its objects, perShare for each
// tenth of a share, in Txns of about kubeBatchBytes.
func loadNamespace(ctx context.Context, cli *clientv3.Client, n, perShare int, encode func(runtime.Object) ([]byte, error)) error {
	ns := fmt.Sprintf("ns%02d", n)
	var (
		ops  []clientv3.Op
		size int
	)
	put := func(key string, obj runtime.Object) error {
		v, err := encode(obj)
		if err != nil {
			return fmt.Errorf("encode %s: %w", key, err)
		}
		ops = append(ops, clientv3.OpPut(key, string(v)))
		size += len(key) + len(v)
		if size < kubeBatchBytes && len(ops) < batch {
			return nil
		}
		return flush(ctx, cli, &ops, &size)
	}
	nsMeta := metav1.ObjectMeta{Name: ns, UID: kubeUID("", "namespace", n), CreationTimestamp: metav1.Unix(1767225600, 0)}
	if err := put("/registry/namespaces/"+ns, &corev1.Namespace{ObjectMeta: nsMeta}); err != nil {
		return err
	}
	for _, r := range kubeResources {
		for i := range r.share * perShare {
			obj := r.build(ns, i)
			if err := put(fmt.Sprintf("/registry/%s/%s/%s", r.name, ns, obj.(metav1.Object).GetName()), obj); err != nil {
				return err
			}
		}
	}
	return flush(ctx, cli, &ops, &size)
}

func flush(ctx context.Context, cli *clientv3.Client, ops *[]clientv3.Op, size *int) error {
	if len(*ops) == 0 {
		return nil
	}
	if _, err := cli.Txn(ctx).Then(*ops...).Commit(); err != nil {
		return fmt.Errorf("load %d keys: %w", len(*ops), err)
	}
	*ops, *size = (*ops)[:0], 0
	return nil
}
