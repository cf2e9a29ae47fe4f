package etcdsrc

import (
	"context"
	"errors"
	"fmt"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// watchBuffer lets a burst of events queue while the consumer renders.
const watchBuffer = 1024

// Watch streams every put and delete under prefix from revision rev (0:
// from now) on a channel a goroutine owns; it closes when ctx ends or
// after a final EventCompacted or EventError. EventCompacted carries the
// compaction revision: the consumer should list again and watch from the
// new list's revision + 1 (Follow does that). Given every endpoint,
// clientv3 resumes the watch on another member when its member goes away,
// from the revision after the last event delivered, so no event is lost.
// Under linearizable consistency the watch requires a leader (a member cut
// off from the others ends it with a transient EventError); serializable
// watches need none.
func (l *Live) Watch(ctx context.Context, prefix string, rev int64) (<-chan Event, error) {
	return l.watch(ctx, prefix, rev, false)
}

// watch is Watch; with progress it also sends eventProgress when the
// stream is created and on etcd's progress notifications.
func (l *Live) watch(ctx context.Context, prefix string, rev int64, progress bool) (<-chan Event, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("watch %q: %w", prefix, err)
	}
	ctx, done, err := l.enter(ctx)
	if err != nil {
		return nil, fmt.Errorf("watch %q: %w", prefix, err)
	}
	opts := []clientv3.OpOption{clientv3.WithPrefix(), clientv3.WithPrevKV(), clientv3.WithProgressNotify()}
	if rev > 0 {
		opts = append(opts, clientv3.WithRev(rev))
	}
	if progress {
		opts = append(opts, clientv3.WithCreatedNotify())
	}
	wctx, cancel := context.WithCancel(ctx)
	sctx := wctx
	if !l.serializable.Load() {
		sctx = clientv3.WithRequireLeader(wctx)
	}
	wch := l.watcher.Watch(sctx, prefix, opts...)
	out := make(chan Event, watchBuffer)
	go func() {
		defer done()
		defer close(out)
		defer cancel()
		send := func(ev Event) bool {
			select {
			case out <- ev:
				return true
			case <-ctx.Done():
				return false
			}
		}
		for resp := range wch {
			if resp.CompactRevision > 0 {
				send(Event{Type: EventCompacted, Revision: resp.CompactRevision,
					Err: fmt.Errorf("watch %q: %w", prefix, &CompactedError{Requested: rev, Compacted: resp.CompactRevision})})
				return
			}
			if err := resp.Err(); err != nil {
				if ctx.Err() == nil {
					werr := l.readError(ctx, "watch", prefix, err)
					send(Event{Type: EventError, Revision: resp.Header.Revision, Err: werr, Transient: !isFatal(werr)})
				}
				return
			}
			if progress && len(resp.Events) == 0 {
				ev := Event{Type: eventProgress}
				// A new watch from now starts after the header's revision;
				// a progress notification says every event up to it was
				// sent. A new watch from a given revision has yet to catch up.
				if resp.IsProgressNotify() || (resp.Created && rev == 0) {
					ev.Revision = resp.Header.Revision
				}
				if !send(ev) {
					return
				}
				continue
			}
			for _, ev := range resp.Events {
				if !send(toEvent(ev)) {
					return
				}
			}
		}
		if ctx.Err() == nil {
			send(Event{Type: EventError, Err: fmt.Errorf("watch %q: %w", prefix, errors.New("the watch ended")), Transient: true})
		} else if l.life.Err() != nil {
			// Closed under a consumer that still waits: say so, once.
			select {
			case out <- Event{Type: EventError, Err: fmt.Errorf("watch %q: %w", prefix, ErrClosed)}:
			default:
			}
		}
	}()
	return out, nil
}

func toEvent(ev *clientv3.Event) Event {
	e := Event{Revision: ev.Kv.ModRevision, KV: fromKV(ev.Kv)}
	if ev.Type == clientv3.EventTypeDelete {
		e.Type = EventDelete
		e.KV = KeyValue{Key: string(ev.Kv.Key), ModRevision: ev.Kv.ModRevision}
	}
	if ev.PrevKv != nil {
		p := fromKV(ev.PrevKv)
		e.PrevKV = &p
	}
	return e
}
