package etcdsrc

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

// want is one expected event.
type want struct {
	typ   EventType
	key   string
	value string
	rev   int64
}

// collect reads n events, failing the test when the channel closes first
// or ctx ends.
func collect(ctx context.Context, t *testing.T, ch <-chan Event, n int) []Event {
	t.Helper()
	var got []Event
	for len(got) < n {
		select {
		case ev, ok := <-ch:
			if !ok {
				t.Fatalf("watch closed after %d of %d events", len(got), n)
			}
			if ev.Type == EventError || ev.Type == EventCompacted {
				t.Fatalf("event %d: %v %v", len(got), ev.Type, ev.Err)
			}
			got = append(got, ev)
		case <-ctx.Done():
			t.Fatalf("%d of %d events before the deadline", len(got), n)
		}
	}
	return got
}

func checkEvents(t *testing.T, got []Event, wants []want) {
	t.Helper()
	for i, w := range wants {
		ev := got[i]
		if ev.Type != w.typ || ev.KV.Key != w.key || string(ev.KV.Value) != w.value || ev.Revision != w.rev || ev.KV.ModRevision != w.rev {
			t.Fatalf("event %d = %v %q=%q @%d, want %v %q=%q @%d", i, ev.Type, ev.KV.Key, ev.KV.Value, ev.Revision, w.typ, w.key, w.value, w.rev)
		}
	}
}

func TestWatchSeesEveryChangeInOrder(t *testing.T) {
	l := dial(t, srv)
	ctx, cancel := context.WithCancel(testCtx(t))
	defer cancel()
	start := mustPut(t, srvCli, "/watch-order/seed", "0")
	ch, err := l.Watch(ctx, "/watch-order/", start+1)
	if err != nil {
		t.Fatal(err)
	}
	var wants []want
	exists := map[string]bool{}
	for i := range 150 {
		key := fmt.Sprintf("/watch-order/k%d", i%7)
		if i%5 == 4 {
			rev := mustDelete(t, srvCli, key)
			// Deleting a key that is not there is no event.
			if exists[key] {
				wants = append(wants, want{EventDelete, key, "", rev})
			}
			exists[key] = false
			continue
		}
		v := fmt.Sprint("v", i)
		wants = append(wants, want{EventPut, key, v, mustPut(t, srvCli, key, v)})
		exists[key] = true
		mustPut(t, srvCli, "/watch-orderx", "outside the prefix")
	}
	got := collect(ctx, t, ch, len(wants))
	checkEvents(t, got, wants)
	for _, ev := range got {
		if ev.Type == EventDelete && (ev.PrevKV == nil || ev.PrevKV.Key != ev.KV.Key) {
			t.Errorf("delete at %d without its previous value", ev.Revision)
		}
	}

	cancel()
	for range ch {
	}
}

func TestWatchCompacted(t *testing.T) {
	l := dial(t, srv)
	old := mustPut(t, srvCli, "/watch-compacted/k", "1")
	now := mustPut(t, srvCli, "/watch-compacted/k", "2")
	if _, err := srvCli.Compact(testCtx(t), now); err != nil {
		t.Fatal(err)
	}
	// A watch that starts (or falls) behind compaction reports it once and
	// closes, so the consumer lists again.
	ch, err := l.Watch(testCtx(t), "/watch-compacted/", old)
	if err != nil {
		t.Fatal(err)
	}
	ev, ok := <-ch
	if !ok || ev.Type != EventCompacted || ev.Revision != now || !errors.Is(ev.Err, ErrCompacted) {
		t.Fatalf("first event = %+v, want COMPACTED at %d", ev, now)
	}
	if _, ok := <-ch; ok {
		t.Error("the channel stays open after COMPACTED")
	}
}

func TestWatchStopsWithContext(t *testing.T) {
	l := dial(t, srv)
	ctx, cancel := context.WithCancel(testCtx(t))
	ch, err := l.Watch(ctx, "/watch-stop/", 0)
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case ev, ok := <-ch:
		if ok {
			t.Errorf("event after cancel: %+v", ev)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the channel did not close after the context ended")
	}
}
