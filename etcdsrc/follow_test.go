package etcdsrc

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// followed reads n events from a follow, skipping transient errors (it
// counts them); anything else that is not a PUT or DELETE fails the test
// unless keep lets it through.
func followed(ctx context.Context, t *testing.T, ch <-chan Event, n int, keep func(Event) bool) (got []Event, transient int) {
	t.Helper()
	for len(got) < n {
		select {
		case ev, ok := <-ch:
			if !ok {
				t.Fatalf("follow closed after %d of %d events", len(got), n)
			}
			switch {
			case ev.Type == EventError && ev.Transient:
				transient++
				t.Logf("transient: %v", ev.Err)
				continue
			case ev.Type == EventPut || ev.Type == EventDelete || keep != nil && keep(ev):
				got = append(got, ev)
			default:
				t.Fatalf("event %d: %v %v", len(got), ev.Type, ev.Err)
			}
		case <-ctx.Done():
			t.Fatalf("%d of %d events before the deadline", len(got), n)
		}
	}
	return got, transient
}

// quiet fails when ch delivers anything within a short while.
func quiet(t *testing.T, ch <-chan Event) {
	t.Helper()
	select {
	case ev, ok := <-ch:
		if ok {
			t.Fatalf("unexpected event %v %q @%d %v", ev.Type, ev.KV.Key, ev.Revision, ev.Err)
		}
	case <-time.After(200 * time.Millisecond):
	}
}

func TestFollowFromNow(t *testing.T) {
	l := dial(t, srv)
	clearPrefix(t, srvCli, "/follow-now/")
	mustPut(t, srvCli, "/follow-now/before", "x")
	ctx, cancel := context.WithCancel(testCtx(t))
	defer cancel()
	ch, err := Follow(ctx, l, "/follow-now/", FollowOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var wants []want
	exists := map[string]bool{}
	for i := range 30 {
		key := fmt.Sprintf("/follow-now/k%d", i%4)
		if i%3 == 2 {
			rev := mustDelete(t, srvCli, key)
			if exists[key] { // deleting nothing is no event
				wants = append(wants, want{EventDelete, key, "", rev})
			}
			exists[key] = false
			continue
		}
		exists[key] = true
		v := fmt.Sprint(i)
		wants = append(wants, want{EventPut, key, v, mustPut(t, srvCli, key, v)})
	}
	got, transient := followed(ctx, t, ch, len(wants), nil)
	checkEvents(t, got, wants)
	if transient > 0 {
		t.Errorf("%d transient errors on a healthy server", transient)
	}
	quiet(t, ch)
	cancel()
	for range ch {
	}
}

// pausable is a Live whose follow watch the test can cut and hold down,
// as a member that goes away and comes back does: Cut ends the running
// stream (Follow sees it end), and the next watch waits for Resume.
type pausable struct {
	*Live
	cut    chan struct{}
	resume chan struct{}
}

func newPausable(l *Live) *pausable {
	return &pausable{Live: l, cut: make(chan struct{}), resume: make(chan struct{})}
}

func (p *pausable) watch(ctx context.Context, prefix string, rev int64, progress bool) (<-chan Event, error) {
	cut := p.cut
	select {
	case <-p.cut:
		select {
		case <-p.resume:
			cut = nil // a stream after the outage runs on
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	default:
	}
	ch, err := p.Live.watch(ctx, prefix, rev, progress)
	if err != nil {
		return nil, err
	}
	out := make(chan Event)
	go func() {
		defer close(out)
		for {
			select {
			case ev, ok := <-ch:
				if !ok {
					return
				}
				select {
				case out <- ev:
				case <-ctx.Done():
					return
				}
			case <-cut:
				return
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}

// TestFollowAcrossCompaction cuts a running follow's stream, then changes,
// adds and deletes keys (one added and deleted again) and compacts past
// them before the follow may watch again: it must say the stream broke,
// report COMPACTED, then exactly a PUT for every key there now and a
// DELETE for every key it had reported (or started from) that is gone,
// and go on without repeating anything.
func TestFollowAcrossCompaction(t *testing.T) {
	l := dial(t, srv)
	const p = "/follow-compact/"
	clearPrefix(t, srvCli, p)
	start := map[string]string{}
	for i := range 10 {
		start[fmt.Sprintf("%sk%02d", p, i)] = fmt.Sprint("v", i)
	}
	putAll(t, srvCli, start)

	ctx, cancel := context.WithCancel(testCtx(t))
	defer cancel()
	src := newPausable(l)
	ch, err := Follow(ctx, src, p, FollowOptions{})
	if err != nil {
		t.Fatal(err)
	}
	running := []want{
		{EventPut, p + "k20", "seen", mustPut(t, srvCli, p+"k20", "seen")},
		{EventDelete, p + "k09", "", mustDelete(t, srvCli, p+"k09")},
	}
	got, _ := followed(ctx, t, ch, len(running), nil)
	checkEvents(t, got, running)

	close(src.cut)
	mustDelete(t, srvCli, p+"k02")
	mustDelete(t, srvCli, p+"k20")
	mustPut(t, srvCli, p+"k03", "changed")
	mustPut(t, srvCli, p+"k10", "new")
	mustPut(t, srvCli, p+"k11", "short-lived")
	mustDelete(t, srvCli, p+"k11")
	compactAt := mustPut(t, srvCli, p+"k04", "changed too")
	if _, err := srvCli.Compact(testCtx(t), compactAt); err != nil {
		t.Fatal(err)
	}
	truth, err := srvCli.Get(testCtx(t), p, clientv3.WithPrefix())
	if err != nil {
		t.Fatal(err)
	}
	// The stream's end is told (once) while the watch is held down.
	ev := <-ch
	if ev.Type != EventError || !ev.Transient || !strings.Contains(ev.Err.Error(), fmt.Sprint("from revision ", running[1].rev+1)) {
		t.Fatalf("after the cut: %+v, want a transient error retrying from %d", ev, running[1].rev+1)
	}
	close(src.resume)

	head, _ := followed(ctx, t, ch, 1, func(ev Event) bool { return ev.Type == EventCompacted })
	if head[0].Type != EventCompacted || head[0].Revision != compactAt {
		t.Fatalf("first event after resuming: %v @%d, want COMPACTED @%d", head[0].Type, head[0].Revision, compactAt)
	}
	wantDels := []string{p + "k02", p + "k20"}
	gap, _ := followed(ctx, t, ch, len(truth.Kvs)+len(wantDels), nil)
	checkGap(t, gap, truth.Kvs, wantDels, compactAt)

	// The follow goes on after the listing, and its set with it: a key
	// added now and one of the listing's are reported once each.
	after := []want{
		{EventPut, p + "k12", "later", mustPut(t, srvCli, p+"k12", "later")},
		{EventDelete, p + "k00", "", mustDelete(t, srvCli, p+"k00")},
	}
	got, transient := followed(ctx, t, ch, len(after), nil)
	checkEvents(t, got, after)
	if transient > 0 {
		t.Errorf("%d more transient errors after the outage", transient)
	}
	quiet(t, ch)
}

// checkGap holds the events after a COMPACTED against the truth: a PUT
// for every key present, in key order, with its value, and a DELETE for
// each of wantDels, at or after the compaction.
func checkGap(t *testing.T, gap []Event, truth []*mvccpb.KeyValue, wantDels []string, compactAt int64) {
	t.Helper()
	var puts, dels []string
	for _, ev := range gap {
		if ev.Type == EventDelete {
			dels = append(dels, ev.KV.Key)
			if ev.Revision < compactAt {
				t.Errorf("gap DELETE of %s at %d, before the compaction", ev.KV.Key, ev.Revision)
			}
			continue
		}
		puts = append(puts, ev.KV.Key+"="+string(ev.KV.Value))
	}
	var wantPuts []string
	for _, kv := range truth {
		wantPuts = append(wantPuts, string(kv.Key)+"="+string(kv.Value))
	}
	if !slices.Equal(puts, wantPuts) {
		t.Errorf("gap PUTs\n got %q\nwant %q", puts, wantPuts)
	}
	if !slices.Equal(dels, wantDels) {
		t.Errorf("gap DELETEs %q, want %q", dels, wantDels)
	}
}

// TestFollowFromCompactedRevision starts a follow at a revision compacted
// already: what was there then is gone for good, so COMPACTED is followed
// by a PUT for every key there now and no DELETE.
func TestFollowFromCompactedRevision(t *testing.T) {
	l := dial(t, srv)
	const p = "/follow-old/"
	clearPrefix(t, srvCli, p)
	from := mustPut(t, srvCli, p+"a", "1")
	mustPut(t, srvCli, p+"b", "2")
	mustDelete(t, srvCli, p+"a")
	compactAt := mustPut(t, srvCli, p+"c", "3")
	if _, err := srvCli.Compact(testCtx(t), compactAt); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(testCtx(t))
	defer cancel()
	ch, err := Follow(ctx, l, p, FollowOptions{Rev: from})
	if err != nil {
		t.Fatal(err)
	}
	head, _ := followed(ctx, t, ch, 1, func(ev Event) bool { return ev.Type == EventCompacted })
	if head[0].Type != EventCompacted || head[0].Revision != compactAt {
		t.Fatalf("first event %v @%d, want COMPACTED @%d", head[0].Type, head[0].Revision, compactAt)
	}
	truth, err := srvCli.Get(testCtx(t), p, clientv3.WithPrefix())
	if err != nil {
		t.Fatal(err)
	}
	gap, _ := followed(ctx, t, ch, len(truth.Kvs), nil)
	checkGap(t, gap, truth.Kvs, nil, compactAt)
	quiet(t, ch)
}

func TestFollowStopAtCompaction(t *testing.T) {
	l := dial(t, srv)
	const p = "/follow-stop/"
	old := mustPut(t, srvCli, p+"k", "1")
	now := mustPut(t, srvCli, p+"k", "2")
	if _, err := srvCli.Compact(testCtx(t), now); err != nil {
		t.Fatal(err)
	}
	ch, err := Follow(testCtx(t), l, p, FollowOptions{Rev: old, StopAtCompaction: true})
	if err != nil {
		t.Fatal(err)
	}
	ev := <-ch
	if ev.Type != EventCompacted || ev.Revision != now || !errors.Is(ev.Err, ErrCompacted) {
		t.Fatalf("first event %+v, want COMPACTED at %d", ev, now)
	}
	if ev, ok := <-ch; ok {
		t.Fatalf("the follow goes on after COMPACTED: %+v", ev)
	}
}

func TestCountAll(t *testing.T) {
	l := dial(t, srv)
	const p = "/count-all/"
	clearPrefix(t, srvCli, p)
	kvs := map[string]string{}
	var prefixes []string
	for d := range 20 {
		dir := fmt.Sprintf("%sd%02d/", p, d)
		prefixes = append(prefixes, dir)
		for i := range d {
			kvs[fmt.Sprintf("%sk%d", dir, i)] = "v"
		}
	}
	rev := putAll(t, srvCli, kvs)
	mustPut(t, srvCli, p+"d03/later", "v") // after rev: not counted there
	res := CountAll(testCtx(t), l, prefixes, rev)
	for i, r := range res {
		if r.Prefix != prefixes[i] || r.Err != nil || r.Count != int64(i) {
			t.Errorf("result %d = %+v, want %s with %d keys", i, r, prefixes[i], i)
		}
	}
	ctx, cancel := context.WithCancel(testCtx(t))
	cancel()
	for _, r := range CountAll(ctx, l, prefixes, rev) {
		if r.Err == nil {
			t.Fatalf("%s counted after the context ended", r.Prefix)
		}
	}
}
