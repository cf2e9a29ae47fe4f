package tui

import (
	"fmt"
	"testing"

	"github.com/etcdscope/etcdscope/etcdsrc"
)

// TestEventPump: a backlog waits in the pump in order, none lost, only the
// newest keepValues events with their values, the older ones with their
// value's size; the last block says the stream closed.
func TestEventPump(t *testing.T) {
	const n = 3*watchBatch + 17
	ch := make(chan etcdsrc.Event, n+1)
	value := []byte("some value")
	for i := range n {
		ch <- etcdsrc.Event{Type: etcdsrc.EventPut, Revision: int64(i + 1),
			KV:     etcdsrc.KeyValue{Key: fmt.Sprintf("/k/%d", i), Value: value, ModRevision: int64(i + 1), Version: 1},
			PrevKV: &etcdsrc.KeyValue{Value: value}}
	}
	ch <- etcdsrc.Event{Type: etcdsrc.EventError, Revision: n}
	close(ch)
	p := newEventPump("/k/", ch)
	// Let the whole stream arrive before taking, as a backlog does.
	for {
		p.mu.Lock()
		closed := p.closed
		p.mu.Unlock()
		if closed {
			break
		}
		<-p.wake
	}
	var got []etcdsrc.Event
	for closed := false; !closed; {
		evs, c, ok := p.take()
		if !ok && !c {
			<-p.wake
			continue
		}
		if len(evs) > watchBatch {
			t.Fatalf("a block of %d events, more than %d", len(evs), watchBatch)
		}
		got, closed = append(got, evs...), c
	}
	if len(got) != n+1 {
		t.Fatalf("took %d events, want %d", len(got), n+1)
	}
	for i, ev := range got[:n] {
		if ev.Revision != int64(i+1) || ev.KV.Key != fmt.Sprintf("/k/%d", i) || ev.KV.Version != 1 || ev.ValueSize() != len(value) {
			t.Fatalf("event %d: %+v", i, ev)
		}
		whole := i >= n+1-keepValues
		if whole == ev.Stripped || whole != (ev.KV.Value != nil && ev.PrevKV != nil) {
			t.Fatalf("event %d of %d: stripped %v, value %q, want whole %v", i, n, ev.Stripped, ev.KV.Value, whole)
		}
	}
	if got[n].Type != etcdsrc.EventError {
		t.Fatalf("last event %v, want the error", got[n].Type)
	}
}
