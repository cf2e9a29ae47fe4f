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
// new list's revision + 1. The watch requires a leader and, given every
// endpoint, clientv3 resumes it on another member when its member goes
// away, from the revision after the last event delivered, so no event is
// lost.
func (l *Live) Watch(ctx context.Context, prefix string, rev int64) (<-chan Event, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("watch %q: %w", prefix, err)
	}
	opts := []clientv3.OpOption{clientv3.WithPrefix(), clientv3.WithPrevKV(), clientv3.WithProgressNotify()}
	if rev > 0 {
		opts = append(opts, clientv3.WithRev(rev))
	}
	wctx, cancel := context.WithCancel(ctx)
	wch := l.watcher.Watch(clientv3.WithRequireLeader(wctx), prefix, opts...)
	out := make(chan Event, watchBuffer)
	go func() {
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
					send(Event{Type: EventError, Revision: resp.Header.Revision, Err: readError("watch", prefix, err)})
				}
				return
			}
			for _, ev := range resp.Events {
				if !send(toEvent(ev)) {
					return
				}
			}
		}
		if ctx.Err() == nil {
			send(Event{Type: EventError, Err: fmt.Errorf("watch %q: %w", prefix, errors.New("the watch ended"))})
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
