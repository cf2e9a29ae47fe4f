// Package stats computes what fills etcd under a prefix: keys and bytes
// per top-level segment, resource and namespace, the largest objects, the
// keys outside the prefix root, which values are encrypted under which
// provider and key, orphans (objects of deleted namespaces, custom
// resources without their CRD, ownerReferences to owners gone), objects
// stuck terminating and undecodable values; from a snapshot also the
// history it holds and the keys that churn, from a live cluster its
// members' health, alarms and leases.
//
// Run reads every value under the prefix once, streamed or in pages, at
// one pinned revision, decoding only what the figures need. What grows
// with the number of objects (the uids owners are checked against,
// namespace and CRD names) is kept as 64-bit hashes, the ownerReferences
// to check packed in byte chunks. It only reads. Run is meant to run
// off a UI's event loop: it reports progress through a callback, stops
// when its context ends and returns what it computed so far.
package stats

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/etcdscope/etcdscope/decode"
	"github.com/etcdscope/etcdscope/etcdsrc"
	"github.com/etcdscope/etcdscope/etcdsrc/snapshot"
)

// DefaultTop is how many of the largest objects and of the keys with the
// most revisions are listed when Options.Top is 0.
const DefaultTop = 20

// RequestLimitBytes is etcd's default --max-request-bytes (1.5 MiB): a
// write of a larger object is refused.
const RequestLimitBytes = 3 << 19

// NearLimitBytes is the size from which a value counts as near the
// request limit (Result.NearLimit).
const NearLimitBytes = 1 << 20

// Options say what to compute and from where.
type Options struct {
	// Source is where keys and values are read.
	Source etcdsrc.Source
	// Decoder decodes values (with decryption when it has a config).
	Decoder *decode.Decoder
	// Root is the prefix root kube-apiserver stores under ("/registry").
	Root string
	// Prefix is the prefix the figures are of; "" is the root.
	Prefix string
	// Rev is the revision the keys and values are read as of; 0 is the
	// current one. The cluster's health and leases, and a snapshot's
	// history, are what they are now whatever it is.
	Rev int64
	// Top is how many largest objects and churning keys to list;
	// 0 (or less) means DefaultTop.
	Top int
	// Decrypting tells that Decoder holds an encryption config, so that
	// Encryption.Decryptable is true or false rather than null.
	Decrypting bool
	// Progress, when set, hears how many keys of the total (counted
	// first) are done: at the start, after each batch and at the end.
	// Calls come one at a time from Run's goroutines; it must return
	// quickly (a UI sends itself a message).
	Progress func(done, total int64)
}

// snapshotSource is what a snapshot adds: the revisions it still holds
// and its size.
type snapshotSource interface {
	Path() string
	CompactRevision() int64
	DBSize() int64
	InUseBytes(ctx context.Context) (int64, error)
	KeyHistories(ctx context.Context, prefix string, fn func(snapshot.KeyHistory) error) error
}

// clusterSource is what a live cluster adds: its members' health, its
// leases and its compaction revision.
type clusterSource interface {
	Health(ctx context.Context) (etcdsrc.Health, error)
	Leases(ctx context.Context) ([]etcdsrc.Lease, error)
	CompactRevision(ctx context.Context) (int64, error)
}

// streamSource is a source that reads a whole range in one stream
// rather than in pages (a live etcd 3.7), which costs its server far less
// over a big range.
type streamSource interface {
	StreamRange(ctx context.Context, prefix string, rev int64, fn func(etcdsrc.KeyValue) error) (int64, error)
}

var (
	_ snapshotSource = (*snapshot.Snapshot)(nil)
	_ clusterSource  = (*etcdsrc.Live)(nil)
	_ streamSource   = (*etcdsrc.Live)(nil)
)

// scanRange reads every key under prefix at the pinned revision, streamed
// when the source can.
func (r *run) scanRange(ctx context.Context, prefix string, fn func(etcdsrc.KeyValue) error) error {
	if s, ok := r.o.Source.(streamSource); ok {
		_, err := s.StreamRange(ctx, prefix, r.rev, fn)
		return err
	}
	_, err := r.o.Source.Range(ctx, prefix, r.rev, fn)
	return err
}

// Run computes the figures of o.Prefix. When ctx ends first, it returns
// what it computed so far with Complete false and a nil error; an error
// means the source could not be read, and the Result beside it holds the
// figures read before.
func Run(ctx context.Context, o Options) (*Result, error) {
	if o.Source == nil || o.Decoder == nil {
		return nil, errors.New("stats: a source and a decoder are needed")
	}
	if o.Root == "" {
		o.Root = decode.DefaultRoot
	}
	if o.Root != "/" {
		o.Root = strings.TrimSuffix(o.Root, "/")
	}
	if o.Top <= 0 {
		o.Top = DefaultTop
	}
	r := &run{
		o:       o,
		rootDir: dirOf(o.Root),
		res:     empty(),
		h:       hasher{seed: maphash.MakeSeed()},
		t:       newTally(o.Top),
		churn:   topObjects{n: o.Top},
	}
	r.prefix = o.Prefix
	if r.prefix == "" {
		r.prefix = r.rootDir
	}
	r.res.Prefix = r.prefix
	err := r.steps(ctx)
	r.finish()
	switch {
	case ctx.Err() != nil:
		return r.res, nil
	case err != nil:
		return r.res, err
	}
	r.res.Complete = true
	return r.res, nil
}

// run is one Run's state.
type run struct {
	o       Options
	rootDir string // the root as a directory: "/registry/"
	prefix  string
	res     *Result
	catalog *decode.Catalog
	rev     int64
	h       hasher
	// namespaces and crds are the hashes of the namespace and CRD names
	// stored at rev.
	namespaces, crds hashSet
	// uids is the sorted hashes of every uid read; owners the
	// ownerReferences to check against them, one log per worker.
	uids      []uint64
	owners    []*ownerLog
	t         *tally
	churn     topObjects
	ownerGone []OwnerGone

	done, total atomic.Int64
	progressMu  sync.Mutex
}

// steps computes the figures in order; each later step needs the earlier.
func (r *run) steps(ctx context.Context) error {
	if err := r.pin(ctx); err != nil {
		return err
	}
	r.cluster(ctx)
	outside, err := r.outsideGroups(ctx)
	if errors.Is(err, etcdsrc.ErrPermissionDenied) {
		// A user whose roles read only the root still gets its figures.
		r.res.Notes = append(r.res.Notes, "keys outside the root not counted: "+err.Error())
		outside, err = nil, nil
	}
	if err != nil {
		return err
	}
	if err := r.count(ctx, outside); err != nil {
		return err
	}
	r.progress()
	if err := r.scan(ctx); err != nil {
		return err
	}
	if err := r.scanOutside(ctx, outside); err != nil {
		return err
	}
	r.progress()
	r.checkOwners(ctx)
	if err := r.history(ctx); err != nil {
		return err
	}
	r.leases(ctx)
	return nil
}

// pin reads the CRDs, which tells the revision every later read is
// pinned to, then the names of the namespaces and CRDs at that revision,
// and says what the source is.
func (r *run) pin(ctx context.Context) error {
	src := r.o.Source
	catalog, rev, err := etcdsrc.LoadCatalogAt(ctx, src, r.o.Decoder, r.o.Root, r.o.Rev)
	if err != nil {
		return err
	}
	r.catalog, r.rev = catalog, rev
	r.res.Source.Revision = rev
	if r.namespaces, err = r.names(ctx, r.rootDir+"namespaces/"); err != nil {
		return err
	}
	if r.crds, err = r.names(ctx, r.rootDir+"apiextensions.k8s.io/customresourcedefinitions/"); err != nil {
		return err
	}
	if snap, ok := src.(snapshotSource); ok {
		r.res.Source.Type, r.res.Source.File = "snapshot", snap.Path()
		r.res.Source.CompactRevision = snap.CompactRevision()
		return nil
	}
	if _, ok := src.(clusterSource); ok {
		// cluster fills in the rest: Status would ask the members twice.
		r.res.Source.Type = "live"
		return nil
	}
	st, err := src.Status(ctx)
	if err != nil {
		return fmt.Errorf("status: %w", err)
	}
	r.res.Source.Type, r.res.Source.Endpoint = "live", strings.Join(st.Endpoints, ",")
	if st.Snapshot != "" {
		r.res.Source.Type, r.res.Source.Endpoint, r.res.Source.File = "snapshot", "", st.Snapshot
	}
	r.res.Source.CompactRevision = st.CompactRevision
	return nil
}

// names returns the hashes of the leaf names under dir at the pinned
// revision, read as names only.
func (r *run) names(ctx context.Context, dir string) (hashSet, error) {
	set := hashSet{}
	opts := etcdsrc.ChildrenOptions{Rev: r.rev, Limit: 1000}
	for {
		page, err := r.o.Source.Children(ctx, dir, opts)
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", decode.EscapeKey(dir), err)
		}
		for _, c := range page.Children {
			if c.Leaf {
				set[r.h.sum(c.Name)] = struct{}{}
			}
		}
		if !page.More || len(page.Children) == 0 {
			return set, nil
		}
		opts.After = page.Children[len(page.Children)-1].Key
	}
}

// count finds the total the progress is measured against, with
// count-only reads.
func (r *run) count(ctx context.Context, outside []etcdsrc.Child) error {
	n, err := r.o.Source.Count(ctx, r.prefix, r.rev)
	if err != nil {
		return err
	}
	for _, c := range outside {
		if c.Leaf {
			n++
			continue
		}
		m, err := r.o.Source.Count(ctx, c.Key, r.rev)
		if err != nil {
			return err
		}
		n += m
	}
	r.total.Store(n)
	return nil
}

// progress reports how far the scan got.
func (r *run) progress() {
	if r.o.Progress == nil {
		return
	}
	r.progressMu.Lock()
	defer r.progressMu.Unlock()
	r.o.Progress(r.done.Load(), r.total.Load())
}

// scanChunkKeys and scanChunkBytes bound one batch of values handed to a
// decoding worker; with a few batches queued per worker, they bound what
// the scan holds in memory whatever the size of the prefix.
const (
	scanChunkKeys  = 256
	scanChunkBytes = 1 << 20
	maxWorkers     = 4
)

// scan reads every key under the prefix at the pinned revision. The
// source is read on this goroutine while workers decode the batches
// already read, each into its own tally.
func (r *run) scan(ctx context.Context) error {
	workers := min(max(runtime.GOMAXPROCS(0), 1), maxWorkers)
	batches := make(chan []etcdsrc.KeyValue, 2*workers)
	tallies := make([]*tally, workers)
	var wg sync.WaitGroup
	for w := range workers {
		t := newTally(r.t.largest.n)
		tallies[w] = t
		wg.Go(func() {
			for b := range batches {
				for _, kv := range b {
					r.add(t, kv)
				}
				r.done.Add(int64(len(b)))
				r.progress()
			}
		})
	}
	var (
		batch []etcdsrc.KeyValue
		size  int
	)
	send := func() error {
		select {
		case batches <- batch:
		case <-ctx.Done():
			return ctx.Err()
		}
		batch, size = nil, 0
		return nil
	}
	err := r.scanRange(ctx, r.prefix, func(kv etcdsrc.KeyValue) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if batch == nil {
			batch = make([]etcdsrc.KeyValue, 0, scanChunkKeys)
		}
		batch = append(batch, kv)
		size += len(kv.Key) + len(kv.Value)
		if len(batch) == scanChunkKeys || size >= scanChunkBytes {
			return send()
		}
		return nil
	})
	if err == nil && len(batch) > 0 {
		err = send()
	}
	close(batches)
	wg.Wait()
	lists := make([]*hashList, len(tallies))
	for i, t := range tallies {
		r.t.merge(t)
		lists[i] = &t.uids
		r.owners = append(r.owners, &t.owners)
	}
	r.uids = sortedHashes(lists)
	if err != nil {
		return fmt.Errorf("read %s: %w", decode.EscapeKey(r.prefix), err)
	}
	return nil
}

// add counts one key and its value.
func (r *run) add(t *tally, kv etcdsrc.KeyValue) {
	kb, vb := len(kv.Key), len(kv.Value)
	t.totals.add(kb, vb)
	entry(t.segments, segmentOf(kv.Key, r.prefix)).add(kb, vb)
	if vb >= NearLimitBytes {
		t.nearLimit++
	}
	kp, kind, known := r.catalog.ParseKey(kv.Key, r.o.Root)
	if kp.Root == "" {
		// Another application's key, or compact_rev_key: sizes only.
		entry(t.outside, outsideGroup(kv.Key, r.rootDir)).add(kb, vb)
		t.largest.push(Object{Key: kv.Key, ValueBytes: int64(vb)})
		return
	}
	m := readMeta(r.o.Decoder, kv)
	name, group := resourceOf(kp, kind, known)
	res := t.resource(name, group, kind.Kind)
	if res.kind == "" {
		res.kind = m.kind // a type this build or the catalog does not know
	}
	res.add(kb, vb)
	res.encodings[m.encoding]++
	objKind := m.kind
	if objKind == "" {
		objKind = kind.Kind
	}
	t.largest.push(Object{Key: kv.Key, Kind: objKind, ValueBytes: int64(vb)})

	ek := encKey{provider: "none"}
	if m.encryption != nil {
		ek = encKey{provider: m.encryption.Provider, keyName: m.encryption.KeyName}
	}
	e := t.encrypted(ek)
	e.values++
	e.resources[name]++
	if m.encryption != nil && m.encryption.Decrypted {
		e.decrypted++
	}
	if m.err != nil {
		t.undecodable = append(t.undecodable, Undecodable{Key: kv.Key, Error: m.err.Error()})
	}

	if kp.Namespace != "" && kp.Name != "" {
		entry(t.namespaces, kp.Namespace).add(kb, vb)
		if _, ok := r.namespaces[r.h.sum(kp.Namespace)]; !ok {
			t.nsGone = append(t.nsGone, NamespaceGone{Key: kv.Key, Namespace: kp.Namespace})
		}
	}
	if !known && kp.Name != "" && strings.Contains(kp.Group, ".") && kp.Prefix != "" {
		crd := kp.Resource + "." + kp.Group
		if _, ok := r.crds[r.h.sum(crd)]; !ok {
			t.crdGone = append(t.crdGone, CRDGone{Key: kv.Key, CRD: crd})
		}
	}
	if m.uid != "" {
		t.uids.add(r.h.sum(m.uid))
	}
	for _, o := range m.owners {
		t.owners.add(kv.Key, o)
	}
	if m.deletionTimestamp != "" && len(m.finalizers) > 0 {
		t.terminating = append(t.terminating, Terminating{Key: kv.Key, DeletionTimestamp: m.deletionTimestamp, Finalizers: m.finalizers})
	}
}

// resourceOf names the resource a key under the root belongs to: its
// storage prefix, or for a prefix no kind is known for, the custom
// resource's group/plural or the first segment.
// ResourceOf names the resource a key under root belongs to as the figures
// do: its storage prefix relative to the root ("pods", "services/specs",
// "cr.bar.com/foos"); "" for a key outside the root.
func ResourceOf(c *decode.Catalog, key, root string) string {
	kp, kind, known := c.ParseKey(key, root)
	if kp.Root == "" {
		return ""
	}
	name, _ := resourceOf(kp, kind, known)
	return name
}

func resourceOf(kp decode.KeyPath, kind decode.Kind, known bool) (name, group string) {
	switch {
	case known:
		return kind.Prefix, kind.Group
	case kp.Prefix != "":
		return kp.Prefix, kp.Group
	}
	return kp.Resource, kp.Group
}

// segmentOf is the first segment of key after prefix: a leaf's name, or
// the directory it is under.
func segmentOf(key, prefix string) string {
	rest := strings.TrimPrefix(key, prefix)
	seg, _, _ := strings.Cut(rest, "/")
	return seg
}

// outsideGroup names the group of a key outside the root: the key up to
// the end of the first segment where it leaves the root's path
// ("/calico" for "/calico/ipam/x" under "/registry/"), or the key itself
// when it is a leaf above the root ("compact_rev_key", "/registry").
func outsideGroup(key, rootDir string) string {
	i := 0
	for i < len(key) && i < len(rootDir) && key[i] == rootDir[i] {
		i++
	}
	// i is where they differ; the group ends at the next "/" after the
	// start of that segment.
	start := strings.LastIndexByte(key[:i], '/') + 1
	if j := strings.IndexByte(key[start:], '/'); j >= 0 {
		return key[:start+j]
	}
	return key
}

// dirOf makes a prefix a directory: "/registry" is "/registry/".
func dirOf(p string) string {
	if p == "" || strings.HasSuffix(p, "/") {
		return p
	}
	return p + "/"
}
