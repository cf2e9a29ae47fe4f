package etcdsrc

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// FollowOptions say where a Follow starts and what it does after etcd
// compacted the revisions it still had to report.
type FollowOptions struct {
	// Rev is the first revision reported; 0 starts from now.
	Rev int64
	// StopAtCompaction ends the follow with its COMPACTED event instead of
	// listing the prefix again: for a consumer that lists what it shows
	// itself and follows again from its listing's revision + 1. Such a
	// follow keeps no set of keys.
	StopAtCompaction bool
}

// Backoff between attempts to watch or list again after a transient error.
const (
	followRetryMin = 100 * time.Millisecond
	followRetryMax = 2 * time.Second
)

// Follow streams every change under prefix until ctx ends, through what
// goes wrong on the way:
//
//   - a transient error (a member lost, no leader, the stream cut, etcd
//     unavailable) is reported as an EventError marked Transient, and the
//     watch starts again, on whichever member answers, from the revision
//     after the last one reported, so no event is lost or repeated; an
//     outage is reported once (again only when its error changes);
//   - when etcd compacted revisions not yet reported, an EventCompacted
//     (Revision: the compaction revision) is followed by a PUT for every
//     key under the prefix now (Revision: its mod revision) and a DELETE
//     for every key reported before that is gone (Revision: the listing's),
//     then the watch goes on after the listing's revision; with
//     StopAtCompaction the stream ends after the EventCompacted instead;
//   - a fatal error (permission, authentication, a request etcd refuses,
//     a source that cannot watch) is an EventError not marked Transient,
//     and the stream closes after it.
//
// To tell the DELETEs after a compaction, a Follow keeps the set of keys it
// has reported, starting from a keys-only listing of the prefix at the
// revision before the first one reported; when that revision is compacted
// already, it starts empty (and the first COMPACTED lists every key as a
// PUT). The set is front-coded: about a key's distinct tail plus three
// bytes per key, some 10 to 20 bytes for Kubernetes keys.
//
// A failure before the stream starts (the first listing, a source that
// cannot watch) is returned as the error.
func Follow(ctx context.Context, src Source, prefix string, opts FollowOptions) (<-chan Event, error) {
	f := &follower{src: src, prefix: prefix, opts: opts, next: opts.Rev, out: make(chan Event, watchBuffer)}
	if !opts.StopAtCompaction {
		rev, err := f.seed(ctx)
		if err != nil {
			return nil, fmt.Errorf("follow %q: list the keys to start from: %w", prefix, err)
		}
		if f.next == 0 {
			f.next = rev + 1
		}
	}
	wctx, cancel := context.WithCancel(ctx)
	ch, err := f.watch(wctx)
	if err != nil {
		cancel()
		return nil, err
	}
	go f.run(ctx, ch, cancel)
	return f.out, nil
}

// follower is one Follow's state, owned by its goroutine.
type follower struct {
	src    Source
	prefix string
	opts   FollowOptions
	out    chan Event
	// next is the first revision not yet reported (0: from now).
	next int64
	// set holds the keys the consumer has been told are there; nil with
	// StopAtCompaction.
	set *keySet
	// told is the transient error reported in the current outage, so an
	// outage is reported once; "" when the watch is up.
	told string
}

// progressWatcher is a source whose watch also says how far it got when
// there is no event (Live): a follow resumes after a quiet spell from
// there, not from its last event, and knows when an outage is over.
type progressWatcher interface {
	watch(ctx context.Context, prefix string, rev int64, progress bool) (<-chan Event, error)
}

// keyLister lists keys without their values (Live).
type keyLister interface {
	rangeKeys(ctx context.Context, prefix string, rev int64, fn func(key []byte) error) (int64, error)
}

func (f *follower) watch(ctx context.Context) (<-chan Event, error) {
	if pw, ok := f.src.(progressWatcher); ok {
		return pw.watch(ctx, f.prefix, f.next, true)
	}
	return f.src.Watch(ctx, f.prefix, f.next)
}

// listKeys calls fn with every key under prefix at rev (0: now).
func listKeys(ctx context.Context, src Source, prefix string, rev int64, fn func(key []byte) error) (int64, error) {
	if kl, ok := src.(keyLister); ok {
		return kl.rangeKeys(ctx, prefix, rev, fn)
	}
	return src.Range(ctx, prefix, rev, func(kv KeyValue) error { return fn([]byte(kv.Key)) })
}

// seed fills the set with the keys present just before the first revision
// to report, and returns the revision it listed at.
func (f *follower) seed(ctx context.Context) (int64, error) {
	at := max(f.opts.Rev-1, 0)
	if f.opts.Rev == 1 {
		f.set = &keySet{}
		return 0, nil
	}
	var err error
	for range 3 {
		set := &keySet{}
		var rev int64
		rev, err = listKeys(ctx, f.src, f.prefix, at, func(k []byte) error { set.appendSorted(k); return nil })
		switch {
		case err == nil:
			f.set = set
			return rev, nil
		case errors.Is(err, ErrCompacted) && at > 0:
			// What was there then is gone for good: the watch reports
			// COMPACTED at once and the listing after it sends every key.
			f.set = &keySet{}
			return at, nil
		case !errors.Is(err, ErrRevisionMoved):
			return 0, err
		}
		// Compaction moved the listing part-way: it is not one revision,
		// so list again.
	}
	return 0, err
}

// send hands ev to the consumer; false when ctx ended first.
func (f *follower) send(ctx context.Context, ev Event) bool {
	select {
	case f.out <- ev:
		return true
	case <-ctx.Done():
		return false
	}
}

// transient reports err as a transient EventError, once per outage unless
// the error changes; false when ctx ended.
func (f *follower) transient(ctx context.Context, err error) bool {
	retry := "watching again"
	if f.next > 0 {
		retry = fmt.Sprintf("watching again from revision %d", f.next)
	}
	return f.tell(ctx, fmt.Errorf("%w; %s", err, retry))
}

// tell sends a transient error unless it was the last one told.
func (f *follower) tell(ctx context.Context, err error) bool {
	msg := err.Error()
	if msg == f.told {
		return true
	}
	f.told = msg
	return f.send(ctx, Event{Type: EventError, Revision: max(f.next-1, 0), Err: err, Transient: true})
}

// fatal reports err as the last event.
func (f *follower) fatal(ctx context.Context, err error) {
	f.send(ctx, Event{Type: EventError, Revision: max(f.next-1, 0), Err: err})
}

func (f *follower) run(ctx context.Context, ch <-chan Event, cancel context.CancelFunc) {
	defer close(f.out)
	defer func() { cancel() }()
	wait := followRetryMin
	for {
		again, pause := f.drain(ctx, ch, &wait)
		cancel()
		if !again || ctx.Err() != nil {
			return
		}
		if pause && !sleepCtx(ctx, &wait) {
			return
		}
		for {
			var wctx context.Context
			wctx, cancel = context.WithCancel(ctx)
			var err error
			if ch, err = f.watch(wctx); err == nil {
				break
			}
			cancel()
			if isFatal(err) {
				f.fatal(ctx, err)
				return
			}
			if !f.transient(ctx, err) || !sleepCtx(ctx, &wait) {
				return
			}
		}
	}
}

// drain forwards one watch's events until it ends. again is false when
// the follow is over (ctx ended, a fatal error, StopAtCompaction); pause
// when the next watch should wait for the backoff first.
func (f *follower) drain(ctx context.Context, ch <-chan Event, wait *time.Duration) (again, pause bool) {
	for ev := range ch {
		switch ev.Type {
		case eventProgress:
			f.up(wait)
			if ev.Revision > 0 {
				f.next = max(f.next, ev.Revision+1)
			}
		case EventPut, EventDelete:
			f.up(wait)
			f.track(ev)
			if !f.send(ctx, ev) {
				return false, false
			}
			f.next = ev.Revision + 1
		case EventCompacted:
			if !f.send(ctx, ev) || f.opts.StopAtCompaction {
				return false, false
			}
			return f.relist(ctx, wait), false
		case EventError:
			if !ev.Transient {
				f.fatal(ctx, ev.Err)
				return false, false
			}
			return f.transient(ctx, ev.Err), true
		}
	}
	if ctx.Err() != nil {
		return false, false
	}
	return f.transient(ctx, fmt.Errorf("watch %q: %w", f.prefix, errors.New("the watch ended"))), true
}

// up notes that the watch works: the next outage is reported afresh and
// waits from the shortest backoff.
func (f *follower) up(wait *time.Duration) {
	f.told = ""
	*wait = followRetryMin
}

// track keeps the set in step with what the consumer was told.
func (f *follower) track(ev Event) {
	if f.set == nil {
		return
	}
	if ev.Type == EventPut {
		f.set.add(ev.KV.Key)
	} else {
		f.set.remove(ev.KV.Key)
	}
}

// relist lists the prefix again after a compaction, retrying transient
// failures; false when the follow is over.
func (f *follower) relist(ctx context.Context, wait *time.Duration) bool {
	for {
		rev, again, err := f.relistPass(ctx)
		switch {
		case ctx.Err() != nil:
			return false
		case err == nil && !again:
			f.next = rev + 1
			f.up(wait)
			return true
		case err == nil:
			// Compaction moved the listing part-way: the changes to the
			// part listed first are gone too, so list again.
			continue
		case isFatal(err):
			f.fatal(ctx, err)
			return false
		}
		if !f.tell(ctx, fmt.Errorf("list %q again after compaction: %w; trying again", f.prefix, err)) || !sleepCtx(ctx, wait) {
			return false
		}
	}
}

// relistPass lists the prefix, reports a PUT for every key in it and a
// DELETE for every key reported before that is gone, and leaves in the set
// what the consumer has been told. again is true when compaction moved
// the listing to a newer revision part-way.
func (f *follower) relistPass(ctx context.Context) (rev int64, again bool, err error) {
	listed, gone := &keySet{}, &keySet{}
	old := f.set.cursor()
	rev, err = f.src.Range(ctx, f.prefix, 0, func(kv KeyValue) error {
		for old.valid() && string(old.key()) < kv.Key {
			gone.appendSorted(old.key())
			old.next()
		}
		if old.valid() && string(old.key()) == kv.Key {
			old.next()
		}
		listed.appendSorted([]byte(kv.Key))
		if !f.send(ctx, Event{Type: EventPut, Revision: kv.ModRevision, KV: kv}) {
			return ctx.Err()
		}
		return nil
	})
	moved := errors.Is(err, ErrRevisionMoved)
	if err != nil && !moved {
		// The consumer holds what it had plus the PUTs sent so far.
		f.set = unionKeys(f.set, listed)
		return 0, false, err
	}
	for ; old.valid(); old.next() {
		gone.appendSorted(old.key())
	}
	f.set = listed
	for c := gone.cursor(); c.valid(); c.next() {
		k := string(c.key())
		if !f.send(ctx, Event{Type: EventDelete, Revision: rev, KV: KeyValue{Key: k, ModRevision: rev}}) {
			return 0, false, ctx.Err()
		}
	}
	return rev, moved, nil
}

// sleepCtx waits *wait, doubling it for next time up to followRetryMax;
// false when ctx ended first.
func sleepCtx(ctx context.Context, wait *time.Duration) bool {
	t := time.NewTimer(*wait)
	defer t.Stop()
	*wait = min(2**wait, followRetryMax)
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// isFatal reports an error that trying again cannot fix: the user may not
// read the prefix or its credentials are refused, etcd refuses the request
// as malformed or unknown, or the source cannot watch or is closed.
func isFatal(err error) bool {
	if errors.Is(err, ErrPermissionDenied) || errors.Is(err, ErrAuthRequired) || errors.Is(err, ErrNoWatch) || errors.Is(err, ErrClosed) {
		return true
	}
	code := status.Code(err)
	var ee rpctypes.EtcdError
	if errors.As(normalize(err), &ee) {
		switch ee {
		case rpctypes.ErrInvalidAuthToken, rpctypes.ErrAuthOldRevision:
			// A new stream authenticates afresh.
			return false
		}
		code = ee.Code()
	}
	switch code {
	case codes.InvalidArgument, codes.PermissionDenied, codes.Unimplemented:
		return true
	}
	return false
}
