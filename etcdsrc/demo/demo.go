// Package demo fills an etcd with a synthetic Kubernetes cluster written the
// way kube-apiserver writes it, and keeps that cluster changing.
//
// Seed writes the objects of a small but realistic cluster (namespaces,
// nodes, workloads with their replicasets and pods, services, endpoints,
// endpointslices, configmaps, secrets, RBAC, leases, events, CRDs with
// custom resources, APIServices) under kube-apiserver's key layout, through
// the serializers the API server stores with: protobuf for built-in types,
// JSON for CRDs and APIServices, JSON and CBOR for custom resources, and,
// when an Encrypter is given, encrypted Secrets. Run then plays a live
// cluster: leases renew, pods come and go, events are written on an etcd
// lease.
//
// Outside tests, this is the only code of etcdscope that writes to etcd,
// and it is meant for the demo's own embedded etcd: never point it at a
// real cluster.
package demo

import (
	"context"
	"fmt"
	"path"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Encrypter encrypts a value for a key as kube-apiserver would, with the
// write provider its EncryptionConfiguration names for the key's resource
// (decode/encryption's *Config is one).
type Encrypter interface {
	Encrypt(key string, plaintext []byte) ([]byte, error)
}

// Options shape the demo cluster.
type Options struct {
	// Root is the key prefix, as kube-apiserver's --etcd-prefix; default
	// "/registry".
	Root string
	// Namespaces is the number of namespaces, the four kube-apiserver
	// creates (default, kube-system, kube-public, kube-node-lease)
	// included; default 10, at least 5.
	Namespaces int
	// Scale multiplies the workloads of each application namespace and the
	// number of nodes; default 1, which makes a few thousand objects.
	Scale int
	// Seed makes the content deterministic: the same Options write the
	// same keys and bytes (encrypted values aside, whose IVs are random).
	Seed int64
	// Encrypter, when set, encrypts every Secret before it is written.
	Encrypter Encrypter
	// Now is the seeded cluster's present: its objects were created over
	// the 45 days before it. Zero means a fixed date, so the same Options
	// write the same bytes; the demo passes the real clock.
	Now time.Time
	// Leftovers also seeds what mishaps leave behind, for stats to find:
	// objects of a namespace deleted behind the API server's back
	// (LeftoverNamespace), a custom resource whose CRD is gone
	// (LeftoverCRD), a PersistentVolumeClaim stuck terminating, and an
	// evicted pod whose ReplicaSet is gone.
	Leftovers bool
	// EventTTL is the TTL of the etcd lease events are written with, as
	// kube-apiserver's --event-ttl (1h there); default 5 minutes so their
	// expiry can be watched in the demo.
	EventTTL time.Duration
}

// DefaultNamespaces is the number of namespaces when Options.Namespaces
// is zero.
const DefaultNamespaces = 10

// DefaultEventTTL is the events' lease TTL when Options.EventTTL is zero.
const DefaultEventTTL = 5 * time.Minute

// minNamespaces is the four system namespaces and one for applications.
const minNamespaces = 5

// maxTxnOps is etcd's default --max-txn-ops: the most operations one
// transaction may carry.
const maxTxnOps = 128

// maxTxnBytes keeps one transaction well under etcd's default
// --max-request-bytes (1.5 MiB).
const maxTxnBytes = 1 << 20

func (o Options) withDefaults() Options {
	if o.Root == "" {
		o.Root = "/registry"
	}
	// kube-apiserver builds keys from path.Join("/", --etcd-prefix).
	o.Root = path.Join("/", o.Root)
	if o.Namespaces == 0 {
		o.Namespaces = DefaultNamespaces
	}
	o.Namespaces = max(o.Namespaces, minNamespaces)
	if o.Scale <= 0 {
		o.Scale = 1
	}
	if o.EventTTL <= 0 {
		o.EventTTL = DefaultEventTTL
	}
	return o
}

// Summary tells what Seed wrote.
type Summary struct {
	// Keys is the number of keys written.
	Keys int
	// Bytes is the total size of the values written.
	Bytes int64
	// Resources counts the keys per resource, named as
	// schema.GroupResource prints it: "pods", "deployments.apps",
	// "databases.db.demo.etcdscope.io".
	Resources map[string]int
	// Revision is etcd's revision after the last write.
	Revision int64
	// EventLease is the etcd lease the seeded events are attached to.
	EventLease clientv3.LeaseID
}

// writer batches puts into transactions no larger than etcd accepts by
// default and keeps the Summary.
type writer struct {
	c     *clientv3.Client
	ops   []clientv3.Op
	bytes int
	sum   Summary
}

func newWriter(c *clientv3.Client) *writer {
	return &writer{c: c, sum: Summary{Resources: map[string]int{}}}
}

// put queues one key for resource gr.
func (w *writer) put(ctx context.Context, gr schema.GroupResource, key string, value []byte, opts ...clientv3.OpOption) error {
	if len(w.ops) == maxTxnOps || (len(w.ops) > 0 && w.bytes+len(key)+len(value) > maxTxnBytes) {
		if err := w.flush(ctx); err != nil {
			return err
		}
	}
	w.ops = append(w.ops, clientv3.OpPut(key, string(value), opts...))
	w.bytes += len(key) + len(value)
	w.sum.Keys++
	w.sum.Bytes += int64(len(value))
	w.sum.Resources[gr.String()]++
	return nil
}

// flush commits the queued puts in one transaction.
func (w *writer) flush(ctx context.Context) error {
	if len(w.ops) == 0 {
		return nil
	}
	resp, err := w.c.Txn(ctx).Then(w.ops...).Commit()
	if err != nil {
		return fmt.Errorf("write %d keys from %q: %w", len(w.ops), opKey(w.ops[0]), err)
	}
	w.sum.Revision = resp.Header.Revision
	w.ops = w.ops[:0]
	w.bytes = 0
	return nil
}

func opKey(op clientv3.Op) string { return strings.ToValidUTF8(string(op.KeyBytes()), "?") }

// Seed writes a synthetic cluster into c under opts.Root and reports what
// it wrote. It only puts keys; a Root that already holds a cluster is
// overwritten key by key, not cleared.
func Seed(ctx context.Context, c *clientv3.Client, opts Options) (Summary, error) {
	opts = opts.withDefaults()
	cd, err := newCodecs()
	if err != nil {
		return Summary{}, err
	}
	lease, err := c.Grant(ctx, int64(opts.EventTTL/time.Second))
	if err != nil {
		return Summary{}, fmt.Errorf("grant the events' lease: %w", err)
	}
	w := newWriter(c)
	w.sum.EventLease = lease.ID
	b := newBuilder(opts, cd, w, lease.ID)
	if err := b.cluster(ctx); err != nil {
		return Summary{}, fmt.Errorf("seed %q: %w", opts.Root, err)
	}
	if err := w.flush(ctx); err != nil {
		return Summary{}, fmt.Errorf("seed %q: %w", opts.Root, err)
	}
	return w.sum, nil
}
