package etcdsrc

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// Lease is one etcd lease and how many keys are attached to it.
type Lease struct {
	ID int64
	// TTL is the remaining time to live in seconds; GrantedTTL the TTL
	// it was granted with.
	TTL, GrantedTTL int64
	// Keys is the number of keys attached to the lease.
	Keys int
}

// leaseLookups is how many TimeToLive requests Leases keeps in flight.
const leaseLookups = 8

// Leases lists the cluster's leases with their remaining TTL and the
// number of keys attached to each. It only reads. A lease that expires
// while it is listed is left out.
func (l *Live) Leases(ctx context.Context) ([]Lease, error) {
	return guarded(ctx, l, "list leases", l.leases)
}

func (l *Live) leases(ctx context.Context) ([]Lease, error) {
	cctx, cancel := l.callCtx(ctx)
	resp, err := l.lease.Leases(cctx)
	cancel()
	if err != nil {
		return nil, l.readError(ctx, "list", "leases", err)
	}
	out := make([]Lease, len(resp.Leases))
	errs := make([]error, len(resp.Leases))
	sem := make(chan struct{}, leaseLookups)
	var wg sync.WaitGroup
	for i, ls := range resp.Leases {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			cctx, cancel := l.callCtx(ctx)
			defer cancel()
			ttl, err := l.lease.TimeToLive(cctx, ls.ID, clientv3.WithAttachedKeys())
			switch {
			case errors.Is(normalize(err), rpctypes.ErrLeaseNotFound):
				out[i] = Lease{ID: -1}
			case err != nil:
				errs[i] = l.readError(ctx, "time to live of lease", fmt.Sprintf("%x", int64(ls.ID)), err)
			case ttl.TTL == -1:
				out[i] = Lease{ID: -1} // expired between the list and the look-up
			default:
				out[i] = Lease{ID: int64(ls.ID), TTL: ttl.TTL, GrantedTTL: ttl.GrantedTTL, Keys: len(ttl.Keys)}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	kept := out[:0]
	for _, ls := range out {
		if ls.ID != -1 {
			kept = append(kept, ls)
		}
	}
	return kept, nil
}
