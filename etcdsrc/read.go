package etcdsrc

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// rangePageKeys is how many keys with values one page of Range reads.
const rangePageKeys = 500

// ErrRevisionMoved is matched by errors.Is for every *RevisionMovedError.
var ErrRevisionMoved = errors.New("scan revision moved")

// RevisionMovedError is returned by Live.Range when etcd compacted the
// revision an unpinned scan was reading at: the scan went on after the last
// key delivered at a newer revision, so every key was still delivered once
// and in order, but not all from one revision. Callers may treat it as a
// note rather than a failure.
type RevisionMovedError struct {
	// From is the revision the scan started at; To the one it finished at.
	From, To int64
	// After is the last key read at From.
	After string
}

// Error says which part of the scan was read at which revision.
func (e *RevisionMovedError) Error() string {
	return fmt.Sprintf("revision %d was compacted during the scan: keys after %q were read at revision %d", e.From, e.After, e.To)
}

// Is makes errors.Is(err, ErrRevisionMoved) true.
func (e *RevisionMovedError) Is(target error) bool { return target == ErrRevisionMoved }

func fromKV(kv *mvccpb.KeyValue) KeyValue {
	return KeyValue{
		Key:            string(kv.Key),
		Value:          kv.Value,
		CreateRevision: kv.CreateRevision,
		ModRevision:    kv.ModRevision,
		Version:        kv.Version,
		Lease:          kv.Lease,
	}
}

// Get returns key at rev (0: now) with its lease's remaining time to live.
func (l *Live) Get(ctx context.Context, key string, rev int64) (KeyValue, error) {
	return guarded(ctx, l, fmt.Sprintf("get %q", key), func(ctx context.Context) (KeyValue, error) {
		return l.getKey(ctx, key, rev)
	})
}

func (l *Live) getKey(ctx context.Context, key string, rev int64) (KeyValue, error) {
	resp, err := l.get(ctx, key, rev)
	if err != nil {
		if isCompacted(err) {
			return KeyValue{}, fmt.Errorf("get %q: %w", key, l.compactedError(ctx, key, rev))
		}
		return KeyValue{}, l.readError(ctx, "get", key, err)
	}
	if len(resp.Kvs) == 0 {
		if rev > 0 {
			return KeyValue{}, fmt.Errorf("get %q at revision %d: %w", key, rev, ErrNotFound)
		}
		return KeyValue{}, fmt.Errorf("get %q: %w", key, ErrNotFound)
	}
	kv := fromKV(resp.Kvs[0])
	if kv.Lease != 0 {
		kv.LeaseTTL = l.leaseTTL(ctx, kv.Lease)
	}
	return kv, nil
}

// leaseTTL asks for a lease's remaining seconds; 0 when etcd will not say
// (the TTL is a nicety shown beside the value, never worth failing a read).
func (l *Live) leaseTTL(ctx context.Context, id int64) int64 {
	cctx, cancel := l.callCtx(ctx)
	if l.serializable.Load() {
		// Only the leader knows a lease's TTL: do not let a cluster
		// without one hold up a serializable read.
		cancel()
		cctx, cancel = context.WithTimeout(ctx, l.memberTimeout())
	}
	defer cancel()
	resp, err := l.lease.TimeToLive(cctx, clientv3.LeaseID(id))
	if err != nil {
		return 0
	}
	return resp.TTL
}

// Range calls fn for every key under prefix in key order, reading pages of
// a few hundred keys all pinned at the first page's revision, continuing
// from the last key + "\x00". When rev is 0 and that revision is compacted
// mid-scan, the scan goes on at the current revision and returns a
// *RevisionMovedError with the revision it finished at; when rev was
// given, compaction is a *CompactedError.
func (l *Live) Range(ctx context.Context, prefix string, rev int64, fn func(KeyValue) error) (int64, error) {
	return guarded(ctx, l, fmt.Sprintf("range %q", prefix), func(ctx context.Context) (int64, error) {
		return l.scan(ctx, prefix, rev, false, func(kv *mvccpb.KeyValue) error { return fn(fromKV(kv)) })
	})
}

// keysPageKeys is how many keys one page of a keys-only scan reads: keys
// are small, so pages can be larger than Range's.
const keysPageKeys = 4000

// rangeKeys is Range without the values: what Follow needs to know which
// keys a prefix holds.
func (l *Live) rangeKeys(ctx context.Context, prefix string, rev int64, fn func(key []byte) error) (int64, error) {
	return guarded(ctx, l, fmt.Sprintf("range %q", prefix), func(ctx context.Context) (int64, error) {
		return l.scan(ctx, prefix, rev, true, func(kv *mvccpb.KeyValue) error { return fn(kv.Key) })
	})
}

// scan is Range and rangeKeys: pages pinned at one revision, moved to the
// current one when an unpinned scan's revision is compacted under it.
func (l *Live) scan(ctx context.Context, prefix string, rev int64, keysOnly bool, fn func(*mvccpb.KeyValue) error) (int64, error) {
	start := childrenStart(prefix, "")
	end := clientv3.GetPrefixRangeEnd(prefix)
	if prefix == "" {
		end = "\x00"
	}
	opts := []clientv3.OpOption{clientv3.WithRange(end), clientv3.WithLimit(rangePageKeys)}
	if keysOnly {
		opts = []clientv3.OpOption{clientv3.WithRange(end), clientv3.WithLimit(keysPageKeys), clientv3.WithKeysOnly()}
	}
	var (
		moved   *RevisionMovedError
		lastKey string
		pinned  = rev > 0
	)
	for {
		resp, err := l.get(ctx, start, rev, opts...)
		if err != nil {
			if isCompacted(err) && !pinned && rev > 0 && lastKey != "" {
				// Our own revision went away: carry on from here at the
				// current one, and say so.
				if moved == nil {
					moved = &RevisionMovedError{From: rev, After: lastKey}
				}
				rev = 0
				continue
			}
			if isCompacted(err) {
				return rev, fmt.Errorf("range %q: %w", prefix, l.compactedError(ctx, prefix, rev))
			}
			return rev, l.readError(ctx, "range", prefix, err)
		}
		if rev == 0 {
			rev = resp.Header.Revision
		}
		for _, kv := range resp.Kvs {
			if err := fn(kv); err != nil {
				return rev, err
			}
		}
		if !resp.More || len(resp.Kvs) == 0 {
			break
		}
		lastKey = string(resp.Kvs[len(resp.Kvs)-1].Key)
		start = lastKey + "\x00"
	}
	if moved != nil {
		moved.To = rev
		return rev, moved
	}
	return rev, nil
}

// History returns every revision of key etcd still holds, newest first,
// deletions and earlier incarnations included. A watch on the key from
// revision 1 tells the compaction revision; the version current then is
// read at that revision, and a watch from the next revision replays every
// put and delete since, until a progress notification shows it has caught
// up with the revision read first.
func (l *Live) History(ctx context.Context, key string) ([]Revision, error) {
	return guarded(ctx, l, fmt.Sprintf("history of %q", key), func(ctx context.Context) ([]Revision, error) {
		return l.historyRetried(ctx, key)
	})
}

// historyRetried reads the history again when compaction moved while it
// ran, from the new compaction revision.
func (l *Live) historyRetried(ctx context.Context, key string) ([]Revision, error) {
	var lastErr error
	for range 3 {
		revs, err := l.history(ctx, key)
		if err == nil {
			return revs, nil
		}
		if !errors.Is(err, ErrCompacted) {
			return nil, err
		}
		lastErr = err
	}
	return nil, lastErr
}

func (l *Live) history(ctx context.Context, key string) ([]Revision, error) {
	now, err := l.get(ctx, key, 0, clientv3.WithKeysOnly())
	if err != nil {
		return nil, l.readError(ctx, "history of", key, err)
	}
	current := now.Header.Revision

	var out []Revision
	compact := l.compactRevision(ctx, key)
	from := int64(1)
	if compact > 0 {
		at, err := l.get(ctx, key, compact)
		if err != nil {
			if isCompacted(err) {
				return nil, fmt.Errorf("history of %q: %w", key, l.compactedError(ctx, key, compact))
			}
			return nil, l.readError(ctx, "history of", key, err)
		}
		if len(at.Kvs) > 0 {
			out = append(out, Revision{KeyValue: fromKV(at.Kvs[0])})
		}
		from = compact + 1
	}

	if from > current {
		// Compacted at the current revision: nothing to replay.
		return finishHistory(key, out)
	}
	w := l.newWatcher()
	defer w.Close()
	var werr error
	err = watchCaughtUp(ctx, w, key, from, func(resp clientv3.WatchResponse) bool {
		if resp.CompactRevision > 0 {
			werr = &CompactedError{Requested: from, Compacted: resp.CompactRevision}
			return true
		}
		for _, ev := range resp.Events {
			if ev.Kv.ModRevision > current {
				continue
			}
			r := Revision{KeyValue: fromKV(ev.Kv)}
			if ev.Type == clientv3.EventTypeDelete {
				r = Revision{KeyValue: KeyValue{Key: key, ModRevision: ev.Kv.ModRevision}, Deleted: true}
			}
			out = append(out, r)
		}
		return resp.IsProgressNotify() && resp.Header.Revision >= current
	})
	if err == nil {
		err = werr
	}
	if err != nil {
		return nil, l.readError(ctx, "history of", key, err)
	}
	return finishHistory(key, out)
}

// finishHistory orders revisions newest first; a key with none is not found.
func finishHistory(key string, out []Revision) ([]Revision, error) {
	if len(out) == 0 {
		return nil, fmt.Errorf("history of %q: %w", key, ErrNotFound)
	}
	slices.Reverse(out)
	return out, nil
}
