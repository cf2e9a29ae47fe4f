package demo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path"
	"slices"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
)

// eventLeaseReuse is how long Run attaches new events to the same etcd
// lease before granting another; kube-apiserver likewise shares one lease
// among the events of a short window rather than granting one per event.
const eventLeaseReuse = time.Minute

// Run keeps the cluster Seed wrote alive until ctx ends: every interval
// the node and leader-election leases renew, one pod of a ReplicaSet
// starts terminating and a replacement is created, the previous tick's
// new pods start running and its terminating pods are deleted, and the
// events of all this are written on an etcd lease of opts.EventTTL. It
// reads what it changes from etcd, so it works on any cluster Seed wrote
// under opts.Root, and uses the real clock. It returns nil when ctx ends
// and an error when etcd fails.
func Run(ctx context.Context, c *clientv3.Client, opts Options, interval time.Duration) error {
	if interval <= 0 {
		return fmt.Errorf("run demo cluster: interval must be positive, not %v", interval)
	}
	opts = opts.withDefaults()
	cd, err := newCodecs()
	if err != nil {
		return err
	}
	// Run's choices need not repeat: it plays on the real clock anyway, and
	// a second Run on the same cluster must not pick the same new names.
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), uint64(opts.Seed)))
	l := &life{c: c, cd: cd, opts: opts, rng: rng, pods: map[string]*corev1.Pod{}}
	stopped := func(err error) error {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("run demo cluster under %q: %w", opts.Root, err)
	}
	if err := l.load(ctx); err != nil {
		return stopped(err)
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		if err := l.step(ctx, time.Now()); err != nil {
			return stopped(err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// life is Run's view of the cluster between ticks.
type life struct {
	c    *clientv3.Client
	cd   *codecs
	opts Options
	rng  *rand.Rand

	leases map[string]*coordinationv1.Lease
	// pods are the running pods of ReplicaSets, by key; running holds
	// their keys in order so choices are reproducible.
	pods    map[string]*corev1.Pod
	running []string
	// pending were created last tick and start running this one;
	// terminating were asked to stop last tick and go this one.
	pending     []*corev1.Pod
	terminating []string

	eventLease   clientv3.LeaseID
	eventLeaseAt time.Time
	ops          []clientv3.Op
}

func (l *life) key(parts ...string) string {
	return path.Join(append([]string{l.opts.Root}, parts...)...)
}

// load reads the leases to renew and the pods that may be replaced.
func (l *life) load(ctx context.Context) error {
	l.leases = map[string]*coordinationv1.Lease{}
	for _, prefix := range []string{l.key("leases", "kube-node-lease") + "/", l.key("leases", "kube-system") + "/"} {
		err := l.scan(ctx, prefix, func(key string, value []byte) error {
			lease := &coordinationv1.Lease{}
			if err := l.cd.decodeProto(value, lease); err != nil {
				return fmt.Errorf("decode %s: %w", key, err)
			}
			l.leases[key] = lease
			return nil
		})
		if err != nil {
			return err
		}
	}
	err := l.scan(ctx, l.key("pods")+"/", func(key string, value []byte) error {
		p := &corev1.Pod{}
		if err := l.cd.decodeProto(value, p); err != nil {
			return fmt.Errorf("decode %s: %w", key, err)
		}
		if rsOwner(p) != nil && p.Status.Phase == corev1.PodRunning && p.DeletionTimestamp == nil {
			l.pods[key] = p
			l.running = append(l.running, key)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(l.running) == 0 {
		return errors.New("no running pods of a ReplicaSet found: seed the cluster first")
	}
	return nil
}

// scan reads every key under prefix in pages.
func (l *life) scan(ctx context.Context, prefix string, fn func(key string, value []byte) error) error {
	const page = 500
	end := clientv3.GetPrefixRangeEnd(prefix)
	from := prefix
	for {
		resp, err := l.c.Get(ctx, from, clientv3.WithRange(end), clientv3.WithLimit(page))
		if err != nil {
			return fmt.Errorf("read %q: %w", prefix, err)
		}
		for _, kv := range resp.Kvs {
			if err := fn(string(kv.Key), kv.Value); err != nil {
				return err
			}
		}
		if !resp.More || len(resp.Kvs) == 0 {
			return nil
		}
		from = string(resp.Kvs[len(resp.Kvs)-1].Key) + "\x00"
	}
}

func rsOwner(p *corev1.Pod) *metav1.OwnerReference {
	for i, o := range p.OwnerReferences {
		if o.Kind == "ReplicaSet" && o.Controller != nil && *o.Controller {
			return &p.OwnerReferences[i]
		}
	}
	return nil
}

// step plays one tick at time now.
func (l *life) step(ctx context.Context, now time.Time) error {
	t := metav1.NewTime(now.Truncate(time.Second))
	if err := l.renewLeases(now); err != nil {
		return err
	}
	for _, key := range l.terminating {
		l.ops = append(l.ops, clientv3.OpDelete(key))
	}
	l.terminating = l.terminating[:0]
	if err := l.startPending(ctx, now, t); err != nil {
		return err
	}
	if err := l.replaceOne(ctx, now, t); err != nil {
		return err
	}
	return l.flush(ctx)
}

func (l *life) renewLeases(now time.Time) error {
	keys := make([]string, 0, len(l.leases))
	for k := range l.leases {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		lease := l.leases[k]
		lease.Spec.RenewTime = ptr.To(metav1.NewMicroTime(now.Truncate(time.Microsecond)))
		if len(lease.ManagedFields) > 0 {
			lease.ManagedFields[0].Time = ptr.To(metav1.NewTime(now.Truncate(time.Second)))
		}
		if err := l.put(k, lease); err != nil {
			return err
		}
	}
	return nil
}

// startPending moves the pods created last tick to Running.
func (l *life) startPending(ctx context.Context, now time.Time, t metav1.Time) error {
	for _, p := range l.pending {
		scheduled := p.Status.Conditions[len(p.Status.Conditions)-1].LastTransitionTime
		podRunning(l.rng, p, p.Status.HostIP, podIPNear(l.rng, p.Status.HostIP, p.Status.PodIP), scheduled, t)
		key := l.key("pods", p.Namespace, p.Name)
		if err := l.put(key, p); err != nil {
			return err
		}
		for _, c := range p.Spec.Containers {
			for _, ev := range [][2]string{
				{"Pulled", fmt.Sprintf("Container image %q already present on machine", c.Image)},
				{"Created", "Created container: " + c.Name},
				{"Started", "Started container " + c.Name},
			} {
				if err := l.event(ctx, newEvent(newUID(l.rng), podRef(p, c.Name), ev[0], ev[1], "kubelet", p.Spec.NodeName, corev1.EventTypeNormal, l.tick(now))); err != nil {
					return err
				}
			}
		}
		l.pods[key] = p
		l.running = append(l.running, key)
	}
	l.pending = l.pending[:0]
	return nil
}

// podIPNear returns an address in the same /24 as hint (the address of
// the pod it replaces, on the same node), or the node's address when there
// is no hint.
func podIPNear(rng *rand.Rand, hostIP, hint string) string {
	i := strings.LastIndexByte(hint, '.')
	if i < 0 {
		return hostIP
	}
	return fmt.Sprintf("%s.%d", hint[:i], 2+rng.IntN(250))
}

// replaceOne asks one running pod to terminate and creates its
// replacement, as a rolling restart would.
func (l *life) replaceOne(ctx context.Context, now time.Time, t metav1.Time) error {
	if len(l.running) == 0 {
		return nil
	}
	i := l.rng.IntN(len(l.running))
	key := l.running[i]
	old := l.pods[key]
	p, err := l.createReplacement(ctx, old, t)
	if err != nil || p == nil {
		return err
	}
	l.running = slices.Delete(l.running, i, i+1)
	delete(l.pods, key)

	// The old pod: graceful deletion first, the kubelet stops it, and the
	// key goes next tick.
	old.DeletionTimestamp = ptr.To(metav1.NewTime(t.Add(30 * time.Second)))
	old.DeletionGracePeriodSeconds = ptr.To[int64](30)
	if err := l.put(key, old); err != nil {
		return err
	}
	l.terminating = append(l.terminating, key)
	for _, c := range old.Spec.Containers {
		if err := l.event(ctx, newEvent(newUID(l.rng), podRef(old, c.Name), "Killing", "Stopping container "+c.Name, "kubelet", old.Spec.NodeName, corev1.EventTypeNormal, l.tick(now))); err != nil {
			return err
		}
	}

	rs := rsOwner(old)
	rsRef := corev1.ObjectReference{APIVersion: rs.APIVersion, Kind: rs.Kind, Namespace: p.Namespace, Name: rs.Name, UID: rs.UID}
	if err := l.event(ctx, newEvent(newUID(l.rng), rsRef, "SuccessfulCreate", "Created pod: "+p.Name, "replicaset-controller", "", corev1.EventTypeNormal, l.tick(now))); err != nil {
		return err
	}
	if err := l.event(ctx, schedulerEvent(newUID(l.rng), p, p.Spec.NodeName, "cp-1", l.tick(now))); err != nil {
		return err
	}
	l.pending = append(l.pending, p)
	return nil
}

// createReplacement creates the pod that replaces old: made by its
// ReplicaSet, bound by the scheduler to old's node, pending until next
// tick. Like the API server, it creates only if the key does not exist; it
// returns nil when three names in a row were taken.
func (l *life) createReplacement(ctx context.Context, old *corev1.Pod, t metav1.Time) (*corev1.Pod, error) {
	rs := rsOwner(old)
	p := &corev1.Pod{Spec: *old.Spec.DeepCopy()}
	p.GenerateName = rs.Name + "-"
	p.Namespace = old.Namespace
	p.UID = newUID(l.rng)
	p.CreationTimestamp = t
	p.Labels = old.Labels
	p.Annotations = old.Annotations
	p.OwnerReferences = old.OwnerReferences
	p.ManagedFields = slices.Clone(old.ManagedFields)
	for i := range p.ManagedFields {
		p.ManagedFields[i].Time = ptr.To(t)
	}
	renameAPIAccess(p, "kube-api-access-"+nameSuffix(l.rng, 5))
	podPending(p, old.Status.HostIP, t)
	for range 3 {
		p.Name = rs.Name + "-" + nameSuffix(l.rng, 5)
		v, err := l.cd.protobuf(p)
		if err != nil {
			return nil, fmt.Errorf("pod %s: %w", p.Name, err)
		}
		key := l.key("pods", p.Namespace, p.Name)
		resp, err := l.c.Txn(ctx).If(clientv3.Compare(clientv3.CreateRevision(key), "=", 0)).Then(clientv3.OpPut(key, string(v))).Commit()
		if err != nil {
			return nil, fmt.Errorf("create %q: %w", key, err)
		}
		if resp.Succeeded {
			// In memory only: the address its own will sit beside once it runs.
			p.Status.PodIP = old.Status.PodIP
			return p, nil
		}
	}
	return nil, nil
}

// renameAPIAccess gives a copied pod its own service account token volume
// name.
func renameAPIAccess(p *corev1.Pod, name string) {
	for i, v := range p.Spec.Volumes {
		if !strings.HasPrefix(v.Name, "kube-api-access-") {
			continue
		}
		old := v.Name
		p.Spec.Volumes[i].Name = name
		for c := range p.Spec.Containers {
			for m := range p.Spec.Containers[c].VolumeMounts {
				if p.Spec.Containers[c].VolumeMounts[m].Name == old {
					p.Spec.Containers[c].VolumeMounts[m].Name = name
				}
			}
		}
	}
}

// tick returns a moment just after now, distinct for each event so their
// names (object name and time in nanoseconds) do not collide.
func (l *life) tick(now time.Time) time.Time {
	return now.Add(time.Duration(l.rng.Int64N(int64(time.Millisecond))))
}

// put queues an object's protobuf encoding.
func (l *life) put(key string, obj runtime.Object) error {
	v, err := l.cd.protobuf(obj)
	if err != nil {
		return fmt.Errorf("%s: %w", key, err)
	}
	l.ops = append(l.ops, clientv3.OpPut(key, string(v)))
	return nil
}

// event queues an Event on the current events' lease, granting a new one
// when the current one has been used for eventLeaseReuse.
func (l *life) event(ctx context.Context, ev *corev1.Event) error {
	if l.eventLease == 0 || time.Since(l.eventLeaseAt) > eventLeaseReuse {
		resp, err := l.c.Grant(ctx, int64(l.opts.EventTTL/time.Second))
		if err != nil {
			return fmt.Errorf("grant the events' lease: %w", err)
		}
		l.eventLease, l.eventLeaseAt = resp.ID, time.Now()
	}
	v, err := l.cd.protobuf(ev)
	if err != nil {
		return fmt.Errorf("event %s: %w", ev.Name, err)
	}
	l.ops = append(l.ops, clientv3.OpPut(l.key("events", ev.Namespace, ev.Name), string(v), clientv3.WithLease(l.eventLease)))
	return nil
}

// flush writes the queued changes one request each, in order, as the API
// server writes every object in its own transaction: each change gets its
// own revision, so watch and history show them one by one.
func (l *life) flush(ctx context.Context) error {
	for _, op := range l.ops {
		if _, err := l.c.Do(ctx, op); err != nil {
			return fmt.Errorf("write %q: %w", opKey(op), err)
		}
	}
	l.ops = l.ops[:0]
	return nil
}
