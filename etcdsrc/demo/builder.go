package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

// The resources the demo writes, as their keys name them.
var (
	grNamespaces          = schema.GroupResource{Resource: "namespaces"}
	grNodes               = schema.GroupResource{Resource: "nodes"}
	grPods                = schema.GroupResource{Resource: "pods"}
	grServices            = schema.GroupResource{Resource: "services"}
	grEndpoints           = schema.GroupResource{Resource: "endpoints"}
	grConfigMaps          = schema.GroupResource{Resource: "configmaps"}
	grSecrets             = schema.GroupResource{Resource: "secrets"}
	grServiceAccounts     = schema.GroupResource{Resource: "serviceaccounts"}
	grEvents              = schema.GroupResource{Resource: "events"}
	grControllers         = schema.GroupResource{Resource: "replicationcontrollers"}
	grDeployments         = schema.GroupResource{Group: "apps", Resource: "deployments"}
	grReplicaSets         = schema.GroupResource{Group: "apps", Resource: "replicasets"}
	grDaemonSets          = schema.GroupResource{Group: "apps", Resource: "daemonsets"}
	grEndpointSlices      = schema.GroupResource{Group: "discovery.k8s.io", Resource: "endpointslices"}
	grIngresses           = schema.GroupResource{Group: "networking.k8s.io", Resource: "ingresses"}
	grLeases              = schema.GroupResource{Group: "coordination.k8s.io", Resource: "leases"}
	grRoles               = schema.GroupResource{Group: "rbac.authorization.k8s.io", Resource: "roles"}
	grRoleBindings        = schema.GroupResource{Group: "rbac.authorization.k8s.io", Resource: "rolebindings"}
	grClusterRoles        = schema.GroupResource{Group: "rbac.authorization.k8s.io", Resource: "clusterroles"}
	grClusterRoleBindings = schema.GroupResource{Group: "rbac.authorization.k8s.io", Resource: "clusterrolebindings"}
	grPriorityClasses     = schema.GroupResource{Group: "scheduling.k8s.io", Resource: "priorityclasses"}
	grCRDs                = schema.GroupResource{Group: "apiextensions.k8s.io", Resource: "customresourcedefinitions"}
	grAPIServices         = schema.GroupResource{Group: "apiregistration.k8s.io", Resource: "apiservices"}
)

// fixedNow is the seeded cluster's present when Options.Now is zero, so
// that the same Seed writes the same bytes. The cluster "was created"
// history days before its present; the builder's clock runs from then and
// stays well before it.
var fixedNow = time.Date(2026, time.April, 16, 8, 0, 0, 0, time.UTC)

// history is how long before its present the seeded cluster was created.
const history = 45 * 24 * time.Hour

// nameChars are the characters Kubernetes uses for generated name
// suffixes (k8s.io/apimachinery/pkg/util/rand): no vowels, no look-alikes.
const nameChars = "bcdfghjklmnpqrstvwxz2456789"

// builder writes one cluster. Everything it makes comes from rng and the
// advancing clock now, in a fixed order, so the content is deterministic.
type builder struct {
	opts Options
	cd   *codecs
	w    *writer
	rng  *rand.Rand
	now  time.Time
	// base is when the cluster was created; seedNow the moment it is
	// seen at (last heartbeats, lease renewals, the latest backup).
	base       time.Time
	seedNow    time.Time
	eventLease clientv3.LeaseID
	nodes      []*node
}

func newBuilder(opts Options, cd *codecs, w *writer, eventLease clientv3.LeaseID) *builder {
	seedNow := opts.Now.UTC().Truncate(time.Second)
	if opts.Now.IsZero() {
		seedNow = fixedNow
	}
	base := seedNow.Add(-history)
	return &builder{
		opts:       opts,
		cd:         cd,
		w:          w,
		rng:        newRand(opts.Seed),
		now:        base,
		base:       base,
		seedNow:    seedNow,
		eventLease: eventLease,
	}
}

func newRand(seed int64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed), uint64(seed)^0x9e3779b97f4a7c15))
}

// tick moves the clock on by up to max and returns the new time, at
// second precision as the API server stores timestamps.
func (b *builder) tick(max time.Duration) metav1.Time {
	b.now = b.now.Add(time.Second + time.Duration(b.rng.Int64N(int64(max))))
	return metav1.NewTime(b.now.Truncate(time.Second))
}

// at is the current clock without moving it.
func (b *builder) at() metav1.Time { return metav1.NewTime(b.now.Truncate(time.Second)) }

func (b *builder) uid() types.UID { return newUID(b.rng) }

func newUID(rng *rand.Rand) types.UID {
	var u [16]byte
	for i := range u {
		u[i] = byte(rng.UintN(256))
	}
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	return types.UID(fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:]))
}

func (b *builder) suffix(n int) string { return nameSuffix(b.rng, n) }

func nameSuffix(rng *rand.Rand, n int) string {
	var s strings.Builder
	for range n {
		s.WriteByte(nameChars[rng.IntN(len(nameChars))])
	}
	return s.String()
}

// pick returns one element of xs.
func pick[T any](rng *rand.Rand, xs []T) T { return xs[rng.IntN(len(xs))] }

// key joins the root and parts as kube-apiserver's storage does.
func (b *builder) key(parts ...string) string {
	return path.Join(append([]string{b.opts.Root}, parts...)...)
}

// meta is the metadata every object starts with. resourceVersion is left
// out: the API server never stores it.
func (b *builder) meta(ns, name string, created metav1.Time) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: ns, UID: b.uid(), CreationTimestamp: created}
}

// managed builds one managedFields entry from a FieldsV1 document.
func managed(manager string, op metav1.ManagedFieldsOperationType, apiVersion string, t metav1.Time, fields, subresource string) metav1.ManagedFieldsEntry {
	return metav1.ManagedFieldsEntry{
		Manager:     manager,
		Operation:   op,
		APIVersion:  apiVersion,
		Time:        &t,
		FieldsType:  "FieldsV1",
		FieldsV1:    metav1.NewFieldsV1(fields),
		Subresource: subresource,
	}
}

// putProto writes a built-in object as protobuf.
func (b *builder) putProto(ctx context.Context, gr schema.GroupResource, key string, obj runtime.Object) error {
	v, err := b.cd.protobuf(obj)
	if err != nil {
		return fmt.Errorf("%s: %w", key, err)
	}
	return b.w.put(ctx, gr, key, v)
}

// putSecret writes a Secret as protobuf, encrypted when the options carry
// an Encrypter (the API server encrypts the serialized object).
func (b *builder) putSecret(ctx context.Context, key string, obj runtime.Object) error {
	v, err := b.cd.protobuf(obj)
	if err != nil {
		return fmt.Errorf("%s: %w", key, err)
	}
	if b.opts.Encrypter != nil {
		if v, err = b.opts.Encrypter.Encrypt(key, v); err != nil {
			return fmt.Errorf("encrypt %s: %w", key, err)
		}
	}
	return b.w.put(ctx, grSecrets, key, v)
}

// putEvent writes an Event attached to the events' lease, as the API
// server does so that etcd expires events after --event-ttl.
func (b *builder) putEvent(ctx context.Context, key string, obj runtime.Object) error {
	v, err := b.cd.protobuf(obj)
	if err != nil {
		return fmt.Errorf("%s: %w", key, err)
	}
	return b.w.put(ctx, grEvents, key, v, clientv3.WithLease(b.eventLease))
}

// putJSON writes a typed object the API server keeps as JSON.
func (b *builder) putJSON(ctx context.Context, gr schema.GroupResource, key string, obj runtime.Object) error {
	v, err := b.cd.typedJSON(obj)
	if err != nil {
		return fmt.Errorf("%s: %w", key, err)
	}
	return b.w.put(ctx, gr, key, v)
}

// putCustom writes a custom resource as JSON or CBOR.
func (b *builder) putCustom(ctx context.Context, gr schema.GroupResource, key string, u *unstructured.Unstructured, asCBOR bool) error {
	var (
		v   []byte
		err error
	)
	if asCBOR {
		v, err = b.cd.customCBOR(u)
	} else {
		v, err = b.cd.customJSON(u)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", key, err)
	}
	return b.w.put(ctx, gr, key, v)
}

// hex64 is 64 random hex digits, as in image digests and container IDs.
func hex64(rng *rand.Rand) string {
	var s strings.Builder
	for range 4 {
		fmt.Fprintf(&s, "%016x", rng.Uint64())
	}
	return s.String()
}
