package demo

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/ptr"
)

// The leftovers Options.Leftovers seeds, for `etcdscope stats` to find.
const (
	// LeftoverNamespace is a namespace whose key was deleted behind the
	// API server's back (an etcdctl del), its objects left behind.
	LeftoverNamespace = "legacy"
	// LeftoverCRD is a CRD removed while its custom resources stayed.
	LeftoverCRD = "redises.cache.example.com"
)

var (
	grPVCs   = schema.GroupResource{Resource: "persistentvolumeclaims"}
	grRedis  = schema.GroupResource{Group: "cache.example.com", Resource: "redises"}
	redisCRD = crd{group: "cache.example.com", plural: "redises", singular: "redis", kind: "Redis", scope: "Namespaced"}
)

// leftovers writes what a cluster's mishaps leave in etcd: objects of a
// namespace deleted behind the API server's back, a custom resource whose
// CRD is gone, a PersistentVolumeClaim stuck terminating on its
// protection finalizer, and an evicted pod whose ReplicaSet is gone
// (deleted while the garbage collector was not running). The pod is
// Failed, so Run leaves it alone.
func (b *builder) leftovers(ctx context.Context, ns string) error {
	created := b.tick(60e9)
	cm := &corev1.ConfigMap{ObjectMeta: b.meta(LeftoverNamespace, "app-config", created), Data: map[string]string{"mode": "legacy"}}
	if err := b.putProto(ctx, grConfigMaps, b.key("configmaps", LeftoverNamespace, "app-config"), cm); err != nil {
		return err
	}
	sa := &corev1.ServiceAccount{ObjectMeta: b.meta(LeftoverNamespace, "default", created)}
	if err := b.putProto(ctx, grServiceAccounts, b.key("serviceaccounts", LeftoverNamespace, "default"), sa); err != nil {
		return err
	}

	redis, err := customObject(redisCRD, b.meta(ns, "sessions", b.tick(60e9)), map[string]any{"replicas": int64(3), "version": "7.2"}, nil)
	if err != nil {
		return err
	}
	if err := b.putCustom(ctx, grRedis, b.crKey(redisCRD, ns, "sessions"), redis, false); err != nil {
		return err
	}

	pvc := &corev1.PersistentVolumeClaim{ObjectMeta: b.meta(ns, "data-old-db-0", b.tick(60e9))}
	deleted := metav1.NewTime(b.seedNow.Add(-72 * time.Hour))
	pvc.DeletionTimestamp = &deleted
	pvc.DeletionGracePeriodSeconds = ptr.To[int64](0)
	pvc.Finalizers = []string{"kubernetes.io/pvc-protection"}
	pvc.Spec = corev1.PersistentVolumeClaimSpec{
		AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
		Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("10Gi")}},
	}
	pvc.Status.Phase = corev1.ClaimBound
	if err := b.putProto(ctx, grPVCs, b.key("persistentvolumeclaims", ns, pvc.Name), pvc); err != nil {
		return err
	}

	rs := "batch-worker-" + b.suffix(10)
	pod := &corev1.Pod{ObjectMeta: b.meta(ns, rs+"-"+b.suffix(5), b.tick(60e9))}
	pod.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: rs, UID: b.uid(), Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true)}}
	pod.Spec = corev1.PodSpec{Containers: []corev1.Container{{Name: "worker", Image: "registry.example.com/batch-worker:1.4.0"}}, RestartPolicy: corev1.RestartPolicyAlways}
	pod.Status = corev1.PodStatus{Phase: corev1.PodFailed, Reason: "Evicted", Message: "The node was low on resource: memory."}
	return b.putProto(ctx, grPods, b.key("pods", ns, pod.Name), pod)
}
