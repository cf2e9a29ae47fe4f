package etcdsrc

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// DefaultDeletedWindow is how many revisions back from the current one
// Deleted replays a live cluster's history when DeletedOptions.Window is 0.
const DefaultDeletedWindow = 100_000

// DeletedOptions say how far back Deleted looks and who hears how far it got.
type DeletedOptions struct {
	// Window is how many revisions back from the current one a live
	// cluster's history is replayed: 0 means DefaultDeletedWindow, a
	// negative value back to the compaction point. A snapshot holds its
	// history in its index and is always read whole.
	Window int64
	// Progress, when set, hears how many steps of the total are done: the
	// revisions replayed (live) or keys looked at (snapshot), then one step
	// per deleted key checked and read. The total is revised once the
	// deleted keys are known. Calls come from Deleted's goroutine.
	Progress func(done, total int64)
}

// Deletion is a key that was deleted and not written again since.
type Deletion struct {
	Key string
	// Revision is the revision that deleted it (its latest deletion).
	Revision int64
	// Last is its value just before, as of Revision-1: what `get --rev`
	// reads to bring it back. Err says why it could not be read.
	Last KeyValue
	Err  error
}

// DeletedSpan says which revisions Deleted looked at.
type DeletedSpan struct {
	// From and To are the first and the last revision looked at.
	From, To int64
	// CompactRevision is the source's compaction point (0: never
	// compacted): no deletion before it is held anywhere.
	CompactRevision int64
	// Complete is true when From reaches the compaction point, so every
	// deletion etcd still holds was seen.
	Complete bool
	// Found is how many deleted keys were reported.
	Found int
}

// DeletionIndex is a source that indexes every revision it holds and so
// lists the keys deleted since its compaction point without a replay (a
// snapshot).
type DeletionIndex interface {
	// Deletions calls fn for every key under prefix whose last revision
	// is a deletion, with that revision, and says what it looked at.
	Deletions(ctx context.Context, prefix string, fn func(key string, rev int64) error) (DeletedSpan, error)
}

// deletedKey is a key deleted at rev, before its value is read.
type deletedKey struct {
	key string
	rev int64
}

// Deleted calls fn, newest first, for every key under prefix ("" is the
// whole keyspace) that was deleted since the compaction point (on a live
// cluster: within opts.Window revisions) and not written again, with its
// last value. From a snapshot it reads the file's index; from a live
// cluster it replays the deletions of the window with one watch (puts
// left out), then checks which keys are still gone and reads their last
// values. Memory holds the deleted keys, not their values. The span says
// how far back it looked. fn returning an error stops it.
func Deleted(ctx context.Context, src Source, prefix string, opts DeletedOptions, fn func(Deletion) error) (DeletedSpan, error) {
	progress := opts.Progress
	if progress == nil {
		progress = func(int64, int64) {}
	}
	var (
		span  DeletedSpan
		found []deletedKey
		steps int64
		err   error
	)
	switch s := src.(type) {
	case DeletionIndex:
		span, err = s.Deletions(ctx, prefix, func(key string, rev int64) error {
			found = append(found, deletedKey{key: key, rev: rev})
			return nil
		})
	case *Live:
		var r liveDeletions
		r, err = guarded(ctx, s, fmt.Sprintf("deleted keys under %q", prefix), func(ctx context.Context) (liveDeletions, error) {
			return s.deletionsRetried(ctx, prefix, opts.Window, progress)
		})
		span, found, steps = r.span, r.found, r.steps
	default:
		return DeletedSpan{}, fmt.Errorf("deleted keys under %q: this source holds no history to find them in", prefix)
	}
	if err != nil {
		return span, err
	}
	// Newest first; keys deleted by one revision in key order.
	slices.SortFunc(found, func(a, b deletedKey) int {
		return cmp.Or(cmp.Compare(b.rev, a.rev), cmp.Compare(a.key, b.key))
	})
	total := steps + int64(len(found))
	progress(steps, total)
	for i, d := range found {
		kv, err := lastValue(ctx, src, d.key, d.rev-1)
		if ctx.Err() != nil {
			return span, fmt.Errorf("deleted keys under %q: %w", prefix, ctx.Err())
		}
		if err := fn(Deletion{Key: d.key, Revision: d.rev, Last: kv, Err: err}); err != nil {
			return span, err
		}
		span.Found++
		progress(steps+int64(i)+1, total)
	}
	return span, nil
}

// lastValue reads key as of rev; from a live cluster without asking for
// its lease, which ended with the key more often than not.
func lastValue(ctx context.Context, src Source, key string, rev int64) (KeyValue, error) {
	l, ok := src.(*Live)
	if !ok {
		return src.Get(ctx, key, rev)
	}
	return guarded(ctx, l, fmt.Sprintf("get %q", key), func(ctx context.Context) (KeyValue, error) {
		resp, err := l.get(ctx, key, rev)
		switch {
		case err != nil && isCompacted(err):
			return KeyValue{}, fmt.Errorf("get %q: %w", key, l.compactedError(ctx, key, rev))
		case err != nil:
			return KeyValue{}, l.readError(ctx, "get", key, err)
		case len(resp.Kvs) == 0:
			return KeyValue{}, fmt.Errorf("get %q at revision %d: %w", key, rev, ErrNotFound)
		}
		return fromKV(resp.Kvs[0]), nil
	})
}

// liveDeletions is what a replay of a live cluster's history found.
type liveDeletions struct {
	span  DeletedSpan
	found []deletedKey
	steps int64
}

// deletionsRetried replays again, from the new compaction point, when
// etcd compacted the window while it was replayed.
func (l *Live) deletionsRetried(ctx context.Context, prefix string, window int64, progress func(done, total int64)) (liveDeletions, error) {
	var err error
	for range 3 {
		var r liveDeletions
		if r, err = l.deletions(ctx, prefix, window, progress); !errors.Is(err, ErrCompacted) {
			return r, err
		}
	}
	return liveDeletions{}, err
}

// deletions replays the deletions under prefix in the window and keeps
// the keys that are still gone at its end, with their last deletion.
func (l *Live) deletions(ctx context.Context, prefix string, window int64, progress func(done, total int64)) (liveDeletions, error) {
	head, err := l.get(ctx, "\x00", 0, clientv3.WithKeysOnly(), clientv3.WithLimit(1))
	if err != nil {
		return liveDeletions{}, l.readError(ctx, "read the revision of", "the keyspace", err)
	}
	current := head.Header.Revision
	compact, err := l.readCompactRevision(ctx)
	if err != nil {
		return liveDeletions{}, err
	}
	if window == 0 {
		window = DefaultDeletedWindow
	}
	from := compact + 1
	if window > 0 {
		from = max(from, current-window+1)
	}
	r := liveDeletions{span: DeletedSpan{From: from, To: current, CompactRevision: compact, Complete: from <= compact+1}}
	if from > current {
		return r, nil
	}
	revs := current - from + 1
	last := map[string]int64{}
	var werr error
	w := l.newWatcher()
	defer w.Close()
	err = watchCaughtUp(ctx, w, prefix, from, func(resp clientv3.WatchResponse) bool {
		if resp.CompactRevision > 0 {
			werr = &CompactedError{Requested: from, Compacted: resp.CompactRevision}
			return true
		}
		seen := resp.Header.Revision
		for _, ev := range resp.Events {
			if ev.Kv.ModRevision > current {
				continue
			}
			if ev.Type == clientv3.EventTypeDelete {
				last[string(ev.Kv.Key)] = ev.Kv.ModRevision
			}
			seen = ev.Kv.ModRevision
		}
		progress(min(max(seen-from+1, 0), revs), revs)
		return resp.IsProgressNotify() && resp.Header.Revision >= current
	}, clientv3.WithPrefix(), clientv3.WithFilterPut())
	if err == nil {
		err = werr
	}
	if err != nil {
		if errors.Is(err, ErrCompacted) {
			return r, fmt.Errorf("replay the deletions under %q from revision %d: %w", prefix, from, err)
		}
		return r, l.readError(ctx, "replay the deletions under", prefix, err)
	}
	// The puts were left out of the replay: a key written again after
	// its deletion is found by looking for it at the window's end.
	keys := make([]string, 0, len(last))
	for k := range last {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	r.steps = revs + int64(len(keys))
	for i, k := range keys {
		resp, err := l.get(ctx, k, current, clientv3.WithCountOnly())
		if err != nil {
			if isCompacted(err) {
				return r, fmt.Errorf("look for %q: %w", k, l.compactedError(ctx, k, current))
			}
			return r, l.readError(ctx, "look for", k, err)
		}
		if resp.Count == 0 {
			r.found = append(r.found, deletedKey{key: k, rev: last[k]})
		}
		progress(revs+int64(i)+1, revs+2*int64(len(keys)))
	}
	return r, nil
}
