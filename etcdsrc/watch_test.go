package etcdsrc

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/etcdscope/etcdscope/etcdsrc/embedded"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
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

func TestWatchFailover(t *testing.T) {
	ctx := testCtx(t)
	c, err := embedded.Start(ctx, embedded.Options{Members: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	eps := c.Endpoints()

	writer, err := c.Client()
	if err != nil {
		t.Fatal(err)
	}
	defer writer.Close()
	st, err := writer.Status(ctx, eps[0])
	if err != nil {
		t.Fatal(err)
	}
	// Watch through a follower, so stopping it leaves a quorum with its
	// leader.
	victim := 0
	for i, ep := range eps {
		s, err := writer.Status(ctx, ep)
		if err != nil {
			t.Fatal(err)
		}
		if s.Header.MemberId != st.Leader {
			victim = i
			break
		}
	}
	// The client starts on the victim alone, so the watch stream is there;
	// then it learns every endpoint, as with --endpoints a,b,c.
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{eps[victim]}, DialTimeout: 5 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	cfg := DefaultConfig()
	cfg.CommandTimeout = time.Second // the stopped member's status waits this long
	l := NewLiveFromClient(cli, cfg)
	defer l.Close()

	start := mustPut(t, writer, "/failover/k", "0")
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ch, err := l.Watch(wctx, "/failover/", start)
	if err != nil {
		t.Fatal(err)
	}
	// A follow on the same member goes through the loss the same way.
	fch, err := Follow(wctx, l, "/failover/", FollowOptions{Rev: start})
	if err != nil {
		t.Fatal(err)
	}
	wants := []want{{EventPut, "/failover/k", "0", start}}
	put := func(i int) {
		v := fmt.Sprint(i)
		wants = append(wants, want{EventPut, "/failover/k", v, mustPut(t, writer, "/failover/k", v)})
	}
	for i := 1; i <= 20; i++ {
		put(i)
	}
	checkEvents(t, collect(ctx, t, ch, 21), wants)
	got, _ := followed(ctx, t, fch, 21, nil)
	checkEvents(t, got, wants)
	cli.SetEndpoints(eps...)

	others := []string{}
	for i, ep := range eps {
		if i != victim {
			others = append(others, ep)
		}
	}
	writer.SetEndpoints(others...)
	// Writes go on while the member goes away, so some land while the
	// watch is between members.
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 21; i <= 80; i++ {
			v := fmt.Sprint(i)
			resp, err := writer.Put(ctx, "/failover/k", v)
			if err != nil {
				t.Errorf("put during failover: %v", err)
				return
			}
			wants = append(wants, want{EventPut, "/failover/k", v, resp.Header.Revision})
		}
	}()
	if err := c.StopMember(victim); err != nil {
		t.Fatal(err)
	}
	<-done
	if t.Failed() {
		return
	}
	checkEvents(t, collect(ctx, t, ch, 60), wants[21:])
	got, transient := followed(ctx, t, fch, 60, nil)
	checkEvents(t, got, wants[21:])
	t.Logf("follow: 60 of 60 events across the loss of its member, %d transient errors", transient)
	quiet(t, fch)
	checkFailoverStatus(t, l, victim)
}

// checkFailoverStatus holds Status against a cluster with one member down.
func checkFailoverStatus(t *testing.T, l *Live, victim int) {
	t.Helper()
	st, err := l.Status(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Members) != 3 {
		t.Fatalf("%d members, want 3", len(st.Members))
	}
	leaders, failed := 0, 0
	for _, m := range st.Members {
		if m.Leader {
			leaders++
		}
		if m.Err != nil {
			failed++
		}
	}
	if leaders != 1 || failed != 1 || st.Revision == 0 || st.DBSize == 0 || st.Version == "" {
		t.Errorf("Status with member %d down: %d leaders, %d failed, %+v", victim, leaders, failed, st)
	}
}
