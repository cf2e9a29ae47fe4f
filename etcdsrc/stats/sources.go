package stats

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/etcdscope/etcdscope/etcdsrc"
	"github.com/etcdscope/etcdscope/etcdsrc/snapshot"
)

// cluster fills the etcd section from a live cluster's members, and the
// file section from the leader's db size and db size in use.
func (r *run) cluster(ctx context.Context) {
	cs, ok := r.o.Source.(clusterSource)
	if !ok {
		return
	}
	compact, err := cs.CompactRevision(ctx)
	if err != nil && ctx.Err() == nil {
		r.note("compaction revision: %v", err)
	}
	r.res.Source.CompactRevision = compact
	h, err := cs.Health(ctx)
	if err != nil {
		if ctx.Err() == nil {
			r.note("etcd health: %v", err)
		}
		return
	}
	r.res.Source.Endpoint = strings.Join(h.Endpoints, ",")
	r.res.Notes = append(r.res.Notes, h.Notes...)
	var leader *etcdsrc.MemberHealth
	for i, m := range h.Members {
		errs := m.Errors
		if errs == nil {
			errs = []string{}
		}
		r.res.Etcd.Members = append(r.res.Etcd.Members, Member{
			Name: m.Name, Endpoint: m.Endpoint, Leader: m.Leader,
			DBSize: m.DBSize, DBSizeInUse: m.DBSizeInUse,
			RaftIndex: m.RaftIndex, RaftTerm: m.RaftTerm, Version: m.Version, Errors: errs,
		})
		// The sizes are the leader's, or the first member's that
		// answered when no leader did.
		if m.Leader || (leader == nil && m.Version != "") {
			leader = &h.Members[i]
		}
	}
	for _, a := range h.Alarms {
		if !slices.Contains(r.res.Etcd.Alarms, a.Type) {
			r.res.Etcd.Alarms = append(r.res.Etcd.Alarms, a.Type)
		}
	}
	slices.Sort(r.res.Etcd.Alarms)
	if leader != nil {
		if q := leader.DBSizeQuota; q > 0 {
			r.res.Etcd.QuotaBytes = &q
		}
		r.res.File = &File{Bytes: leader.DBSize, LiveBytes: leader.DBSizeInUse}
	}
}

// leases lists a live cluster's leases with the keys attached to each.
func (r *run) leases(ctx context.Context) {
	cs, ok := r.o.Source.(clusterSource)
	if !ok {
		return
	}
	ls, err := cs.Leases(ctx)
	if err != nil {
		if ctx.Err() == nil {
			r.note("leases: %v", err)
		}
		return
	}
	for _, l := range ls {
		r.res.Leases = append(r.res.Leases, Lease{ID: strconv.FormatInt(l.ID, 16), TTL: l.TTL, Keys: int64(l.Keys)})
	}
	slices.SortFunc(r.res.Leases, func(a, b Lease) int {
		return cmp.Or(cmp.Compare(b.Keys, a.Keys), strings.Compare(a.ID, b.ID))
	})
}

// history reads what a snapshot still holds of every key under the
// prefix: the revisions per resource, the keys with the most, and the
// file's size against the part of it in use.
func (r *run) history(ctx context.Context) error {
	snap, ok := r.o.Source.(snapshotSource)
	if !ok {
		return nil
	}
	used, err := snap.InUseBytes(ctx)
	if err != nil {
		return err
	}
	r.res.File = &File{Bytes: snap.DBSize(), LiveBytes: used}
	return snap.KeyHistories(ctx, r.prefix, func(h snapshot.KeyHistory) error {
		if kp, kind, known := r.catalog.ParseKey(h.Key, r.o.Root); kp.Root != "" {
			name, group := resourceOf(kp, kind, known)
			res := r.t.resource(name, group, kind.Kind)
			res.historyRevisions += int64(h.Revisions)
			res.historyBytes += h.ValueBytes
		}
		if h.Revisions > 1 {
			r.churn.push(Object{Key: h.Key, ValueBytes: int64(h.Revisions)})
		}
		return nil
	})
}

// maxOwnerLookups bounds the owners checked one by one when the prefix
// is below the root and so did not read them.
const maxOwnerLookups = 10000

// ownerLookups is how many owner reads are in flight at once.
const ownerLookups = 8

// checkOwners finds the ownerReferences whose owner uid was not read.
// When the prefix holds the whole root every object was read, so an
// unseen uid is an owner gone; below the root the owner may lie outside
// the prefix, and is read from the key its kind and name give.
func (r *run) checkOwners(ctx context.Context) {
	full := strings.HasPrefix(r.rootDir, r.prefix)
	var unseen []pendingOwner
	for _, l := range r.owners {
		l.each(func(p pendingOwner) {
			switch {
			case hasHash(r.uids, r.h.sum(p.ref.UID)):
			case full:
				r.ownerGone = append(r.ownerGone, OwnerGone{Key: p.key, OwnerKind: p.ref.Kind, OwnerName: p.ref.Name, OwnerUID: p.ref.UID})
			default:
				unseen = append(unseen, p)
			}
		})
	}
	r.owners, r.uids = nil, nil
	if len(unseen) == 0 || ctx.Err() != nil {
		return
	}
	owners := map[string]pendingOwner{}
	for _, p := range unseen {
		owners[p.ref.UID] = p
	}
	if len(owners) > maxOwnerLookups {
		r.note("owners not checked: %d owners lie outside %s; run stats on the prefix root to check them", len(owners), r.prefix)
		return
	}
	gone := map[string]bool{}
	var (
		mu        sync.Mutex
		wg        sync.WaitGroup
		unchecked int
	)
	sem := make(chan struct{}, ownerLookups)
	for uid, p := range owners {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			exists, err := r.ownerExists(ctx, p)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				unchecked++
				return
			}
			gone[uid] = !exists
		})
	}
	wg.Wait()
	if unchecked > 0 && ctx.Err() == nil {
		r.note("%d owners could not be checked (unknown kind or not readable)", unchecked)
	}
	for _, p := range unseen {
		if gone[p.ref.UID] {
			r.ownerGone = append(r.ownerGone, OwnerGone{Key: p.key, OwnerKind: p.ref.Kind, OwnerName: p.ref.Name, OwnerUID: p.ref.UID})
		}
	}
}

// ownerExists reads the key an ownerReference points to and compares
// its uid.
func (r *run) ownerExists(ctx context.Context, p pendingOwner) (bool, error) {
	group, _, found := strings.Cut(p.ref.APIVersion, "/")
	query := p.ref.Kind
	if found {
		query += "." + group
	}
	kind, err := r.catalog.Lookup(query)
	if err != nil {
		return false, err
	}
	key := r.rootDir + kind.Prefix + "/"
	if kind.Namespaced {
		kp, _, _ := r.catalog.ParseKey(p.key, r.o.Root)
		key += kp.Namespace + "/"
	}
	kv, err := r.o.Source.Get(ctx, key+p.ref.Name, r.rev)
	if errors.Is(err, etcdsrc.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return readMeta(r.o.Decoder, kv).uid == p.ref.UID, nil
}

// note keeps a sentence for the person reading the figures.
func (r *run) note(format string, args ...any) {
	r.res.Notes = append(r.res.Notes, fmt.Sprintf(format, args...))
}
