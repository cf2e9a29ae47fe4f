package faults

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/etcdscope/etcdscope/etcdsrc"
	"github.com/etcdscope/etcdscope/etcdsrc/embedded"
)

// want is one expected event.
type want struct {
	typ   etcdsrc.EventType
	key   string
	value string
	rev   int64
}

// events reads n events from ch, skipping (and counting) transient
// errors; keep lets other kinds through, anything else fails the test.
func events(ctx context.Context, t *testing.T, ch <-chan etcdsrc.Event, n int, keep func(etcdsrc.Event) bool) (got []etcdsrc.Event, transient int) {
	t.Helper()
	for len(got) < n {
		select {
		case ev, ok := <-ch:
			switch {
			case !ok:
				t.Fatalf("the stream closed after %d of %d events", len(got), n)
			case ev.Type == etcdsrc.EventError && ev.Transient:
				transient++
				t.Logf("transient: %v", ev.Err)
			case ev.Type == etcdsrc.EventPut || ev.Type == etcdsrc.EventDelete || keep != nil && keep(ev):
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

func check(t *testing.T, got []etcdsrc.Event, wants []want) {
	t.Helper()
	for i, w := range wants {
		ev := got[i]
		if ev.Type != w.typ || ev.KV.Key != w.key || string(ev.KV.Value) != w.value || ev.Revision != w.rev {
			t.Fatalf("event %d = %v %q=%q @%d, want %v %q=%q @%d", i, ev.Type, ev.KV.Key, ev.KV.Value, ev.Revision, w.typ, w.key, w.value, w.rev)
		}
	}
}

// quiet fails when ch delivers anything but a transient error soon.
func quiet(t *testing.T, ch <-chan etcdsrc.Event) {
	t.Helper()
	deadline := time.After(300 * time.Millisecond)
	for {
		select {
		case ev, ok := <-ch:
			if ok && !(ev.Type == etcdsrc.EventError && ev.Transient) {
				t.Fatalf("unexpected event %v %q @%d %v", ev.Type, ev.KV.Key, ev.Revision, ev.Err)
			}
			if !ok {
				return
			}
		case <-deadline:
			return
		}
	}
}

func put(t *testing.T, cli *clientv3.Client, key, val string) want {
	t.Helper()
	resp, err := cli.Put(testCtx(t), key, val)
	if err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
	return want{etcdsrc.EventPut, key, val, resp.Header.Revision}
}

func del(t *testing.T, cli *clientv3.Client, key string) want {
	t.Helper()
	resp, err := cli.Delete(testCtx(t), key)
	if err != nil {
		t.Fatalf("delete %s: %v", key, err)
	}
	return want{etcdsrc.EventDelete, key, "", resp.Header.Revision}
}

// follower is a member of c that does not lead, so stopping it leaves a
// quorum with its leader.
func follower(t *testing.T, c *embedded.Cluster, cli *clientv3.Client) int {
	t.Helper()
	eps := c.Endpoints()
	for i, ep := range eps {
		st, err := cli.Status(testCtx(t), ep)
		if err != nil {
			t.Fatal(err)
		}
		if st.Header.MemberId != st.Leader {
			return i
		}
	}
	t.Fatal("every member leads")
	return -1
}

// restart starts again, at the end of the test, the members it stopped,
// so the next test finds the cluster whole.
func restart(t *testing.T, c *embedded.Cluster, idx ...int) {
	t.Cleanup(func() {
		for _, i := range idx {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			if err := c.StartMember(ctx, i); err != nil && !strings.Contains(err.Error(), "it is running") {
				t.Errorf("restart member %d: %v", i, err)
			}
			cancel()
		}
	})
}

func others(eps []string, skip ...int) []string {
	var out []string
	for i, ep := range eps {
		if !slices.Contains(skip, i) {
			out = append(out, ep)
		}
	}
	return out
}

// TestMemberLossMidFollow watches through the member the stream is on
// while that member stops and writes go on: the watch and the follow each
// deliver every event once, in order; Status names the lost member.
func TestMemberLossMidFollow(t *testing.T) {
	c := three.get(t)
	eps := c.Endpoints()
	w := writer(t, c)
	victim := follower(t, c, w)
	// The stream starts on the victim alone; then the client learns every
	// endpoint, as with --endpoints a,b,c.
	l := live(t, config(eps[victim]))
	ctx, cancel := context.WithCancel(testCtx(t))
	defer cancel()
	const p = "/member-loss/"
	first := put(t, w, p+"k", "0")
	wch, err := l.Watch(ctx, p, first.rev)
	if err != nil {
		t.Fatal(err)
	}
	fch, err := etcdsrc.Follow(ctx, l, p, etcdsrc.FollowOptions{Rev: first.rev})
	if err != nil {
		t.Fatal(err)
	}
	wants := []want{first}
	for i := 1; i < 20; i++ {
		wants = append(wants, put(t, w, p+"k", fmt.Sprint(i)))
	}
	got, _ := events(ctx, t, wch, 20, nil)
	check(t, got, wants)
	got, _ = events(ctx, t, fch, 20, nil)
	check(t, got, wants)
	l.Client().SetEndpoints(eps...)
	w.SetEndpoints(others(eps, victim)...)

	done := make(chan []want)
	go func() {
		var ws []want
		for i := 20; i < 100; i++ {
			resp, err := w.Put(ctx, p+"k", fmt.Sprint(i))
			if err != nil {
				t.Errorf("put while the member goes: %v", err)
				break
			}
			ws = append(ws, want{etcdsrc.EventPut, p + "k", fmt.Sprint(i), resp.Header.Revision})
		}
		done <- ws
	}()
	restart(t, c, victim)
	if err := c.StopMember(victim); err != nil {
		t.Fatal(err)
	}
	during := <-done
	if t.Failed() {
		return
	}
	got, _ = events(ctx, t, wch, len(during), nil)
	check(t, got, during)
	got, transient := events(ctx, t, fch, len(during), nil)
	check(t, got, during)
	t.Logf("watch and follow: %d of %d events across the loss of their member, in order (follow: %d transient errors)", len(during), len(during), transient)
	quiet(t, wch)
	quiet(t, fch)

	st, err := l.Status(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	failed := 0
	for i, m := range st.Members {
		if m.Err != nil {
			failed++
			if !strings.Contains(m.Err.Error(), host(eps[victim])) {
				t.Errorf("member %d's error does not name it: %v", i, m.Err)
			}
		}
	}
	if len(st.Members) != 3 || failed != 1 || st.Answering != 2 || st.NoLeader || st.LeaderID == 0 || st.DBSize == 0 {
		t.Errorf("status with one member down: %+v", st)
	}
}

// TestQuorumLoss stops two of three members. Serializable reads of every
// kind work from the survivor, given alone or with the dead endpoints;
// linearizable reads fail within --command-timeout saying quorum is lost,
// how many members answer and what reads; a linearizable follow says it
// lost its leader and resumes, losing nothing, once quorum is back.
func TestQuorumLoss(t *testing.T) {
	c := three.get(t)
	eps := c.Endpoints()
	w := writer(t, c)
	ctx := testCtx(t)
	// A prefix of this run's own: -count runs again on the same cluster.
	p := fmt.Sprintf("/quorum-%d/", time.Now().UnixNano())
	history := []want{put(t, w, p+"a", "1"), put(t, w, p+"b", "2"), put(t, w, p+"a", "3"), del(t, w, p+"b")}

	linear := live(t, config(eps...))
	lctx, lcancel := context.WithCancel(ctx)
	defer lcancel()
	lch, err := etcdsrc.Follow(lctx, linear, p, etcdsrc.FollowOptions{})
	if err != nil {
		t.Fatal(err)
	}

	restart(t, c, 1, 2)
	stopAt := time.Now()
	if err := c.StopMembers(1, 2); err != nil {
		t.Fatal(err)
	}
	t.Logf("two members stopped in %v", time.Since(stopAt).Round(time.Millisecond))
	waitNoLeader(t, linear)

	serial := func(endpoints ...string) etcdsrc.Config {
		cfg := config(endpoints...)
		cfg.Serializable = true
		return cfg
	}
	t.Run("serializable from the survivor", func(t *testing.T) {
		for _, cfg := range []etcdsrc.Config{serial(eps[0]), serial(eps...)} {
			start := time.Now()
			s := live(t, cfg)
			t.Logf("%d endpoints: connected in %v", len(cfg.Endpoints), time.Since(start).Round(time.Millisecond))
			page, err := s.Children(ctx, p, etcdsrc.ChildrenOptions{})
			if err != nil || len(page.Children) != 1 || page.Children[0].Key != p+"a" {
				t.Errorf("ls: %+v, %v", page, err)
			}
			if n, err := s.Count(ctx, p, 0); err != nil || n != 1 {
				t.Errorf("count: %d, %v", n, err)
			}
			if kv, err := s.Get(ctx, p+"a", 0); err != nil || string(kv.Value) != "3" {
				t.Errorf("get: %+v, %v", kv, err)
			}
			var keys []string
			if _, err := s.Range(ctx, p, 0, func(kv etcdsrc.KeyValue) error { keys = append(keys, kv.Key); return nil }); err != nil || len(keys) != 1 {
				t.Errorf("get --prefix: %v, %v", keys, err)
			}
			if revs, err := s.History(ctx, p+"b"); err != nil || len(revs) != 2 || !revs[0].Deleted {
				t.Errorf("history: %+v, %v", revs, err)
			}
			fctx, fcancel := context.WithTimeout(ctx, 10*time.Second)
			defer fcancel()
			ch, err := etcdsrc.Follow(fctx, s, p, etcdsrc.FollowOptions{Rev: history[0].rev})
			if err != nil {
				t.Fatalf("watch: %v", err)
			}
			got, transient := events(fctx, t, ch, len(history), nil)
			check(t, got, history)
			if transient > 0 {
				t.Errorf("a serializable watch got %d transient errors", transient)
			}
			fcancel()
			st, err := s.Status(ctx)
			if err != nil || !st.NoLeader || st.Answering != 1 || len(st.Members) != 3 {
				t.Fatalf("status: %+v, %v", st, err)
			}
			for _, m := range st.Members {
				if alive := m.ClientURLs[0] == eps[0]; alive != (m.Err == nil) || m.Leader {
					t.Errorf("member %s: leader %v, error %v", m.Name, m.Leader, m.Err)
				}
			}
		}
	})

	t.Run("linearizable says no leader", func(t *testing.T) {
		wantMsg := fmt.Sprintf("no leader: 1 of 3 members answer (%s); --consistency s reads from one member (may be stale)", host(eps[0]))
		for _, read := range []struct {
			name string
			do   func() error
		}{
			{"ls", func() error { _, err := linear.Children(ctx, p, etcdsrc.ChildrenOptions{}); return err }},
			{"get", func() error { _, err := linear.Get(ctx, p+"a", 0); return err }},
		} {
			start := time.Now()
			err := read.do()
			took := time.Since(start)
			t.Logf("%s failed after %v: %v", read.name, took.Round(time.Millisecond), err)
			if !errors.Is(err, etcdsrc.ErrNoLeader) || !strings.HasSuffix(err.Error(), wantMsg) || strings.Contains(err.Error(), "\n") {
				t.Errorf("%s: %v, want one line ending %q", read.name, err, wantMsg)
			}
			if took > commandTimeout+500*time.Millisecond {
				t.Errorf("%s took %v, more than --command-timeout %v", read.name, took, commandTimeout)
			}
		}
	})

	// The follow started before says its watch lost the leader; once two
	// members are back it goes on from where it was.
	select {
	case ev := <-lch:
		if ev.Type != etcdsrc.EventError || !ev.Transient {
			t.Fatalf("the linearizable follow, quorum lost: %v %v", ev.Type, ev.Err)
		}
		t.Logf("linearizable follow: %v", ev.Err)
	case <-time.After(15 * time.Second):
		t.Fatal("the linearizable follow said nothing in 15s without a leader")
	}
	rctx, rcancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer rcancel()
	back := time.Now()
	if err := c.StartMembers(rctx, 1, 2); err != nil {
		t.Fatal(err)
	}
	t.Logf("quorum back in %v", time.Since(back).Round(time.Millisecond))
	after := []want{put(t, w, p+"c", "4"), del(t, w, p+"a")}
	got, _ := events(ctx, t, lch, len(after), nil)
	check(t, got, after)
	quiet(t, lch)
}

// waitNoLeader waits until the members that answer know no leader.
func waitNoLeader(t *testing.T, l *etcdsrc.Live) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		st, err := l.Status(testCtx(t))
		if err == nil && st.NoLeader {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the survivor still knows a leader: %+v %v", st, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestFullRestartMidFollow stops every member and starts them again under
// a follow: it resumes from its last revision, every event once, in order.
func TestFullRestartMidFollow(t *testing.T) {
	c := three.get(t)
	w := writer(t, c)
	l := live(t, config(c.Endpoints()...))
	ctx, cancel := context.WithCancel(testCtx(t))
	defer cancel()
	const p = "/restart/"
	ch, err := etcdsrc.Follow(ctx, l, p, etcdsrc.FollowOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var before []want
	for i := range 10 {
		before = append(before, put(t, w, fmt.Sprintf("%sk%d", p, i%3), fmt.Sprint(i)))
	}
	got, _ := events(ctx, t, ch, len(before), nil)
	check(t, got, before)

	restart(t, c, 0, 1, 2)
	down := time.Now()
	if err := c.StopMembers(); err != nil {
		t.Fatal(err)
	}
	// What happened while the cluster was down is not a change.
	if err := c.StartMembers(ctx, 0, 1, 2); err != nil {
		t.Fatal(err)
	}
	t.Logf("cluster stopped and started in %v", time.Since(down).Round(time.Millisecond))
	var after []want
	for i := range 10 {
		after = append(after, put(t, w, fmt.Sprintf("%sk%d", p, i%3), fmt.Sprint("after", i)))
	}
	after = append(after, del(t, w, p+"k1"))
	got, transient := events(ctx, t, ch, len(after), nil)
	check(t, got, after)
	t.Logf("follow: %d of %d events after a full restart, %d transient errors", len(after), len(after), transient)
	quiet(t, ch)
}

// TestCompactionDuringFollow stops the member a running follow reads from,
// changes keys and compacts past them on the others, and starts the
// member again: the follow says COMPACTED, then reports a PUT for every
// key there and a DELETE for every key it knew that is gone, and goes on.
func TestCompactionDuringFollow(t *testing.T) {
	c := three.get(t)
	eps := c.Endpoints()
	w := writer(t, c)
	victim := follower(t, c, w)
	const p = "/compact-follow/"
	kvs := map[string]string{}
	for i := range 10 {
		kvs[fmt.Sprintf("%sk%02d", p, i)] = fmt.Sprint("v", i)
	}
	for k, v := range kvs {
		put(t, w, k, v)
	}
	l := live(t, config(eps[victim]))
	ctx, cancel := context.WithCancel(testCtx(t))
	defer cancel()
	ch, err := etcdsrc.Follow(ctx, l, p, etcdsrc.FollowOptions{})
	if err != nil {
		t.Fatal(err)
	}
	running := []want{put(t, w, p+"k20", "seen"), del(t, w, p+"k09")}
	got, _ := events(ctx, t, ch, len(running), nil)
	check(t, got, running)

	restart(t, c, victim)
	if err := c.StopMember(victim); err != nil {
		t.Fatal(err)
	}
	w.SetEndpoints(others(eps, victim)...)
	del(t, w, p+"k02")
	del(t, w, p+"k20")
	put(t, w, p+"k03", "changed")
	put(t, w, p+"k10", "new")
	put(t, w, p+"k11", "short-lived")
	del(t, w, p+"k11")
	compactAt := put(t, w, p+"k04", "changed too").rev
	if _, err := w.Compact(ctx, compactAt, clientv3.WithCompactPhysical()); err != nil {
		t.Fatal(err)
	}
	truth, err := w.Get(ctx, p, clientv3.WithPrefix())
	if err != nil {
		t.Fatal(err)
	}
	if err := c.StartMember(ctx, victim); err != nil {
		t.Fatal(err)
	}

	head, _ := events(ctx, t, ch, 1, func(ev etcdsrc.Event) bool { return ev.Type == etcdsrc.EventCompacted })
	if head[0].Type != etcdsrc.EventCompacted || head[0].Revision != compactAt {
		t.Fatalf("first event after the member is back: %v @%d, want COMPACTED @%d", head[0].Type, head[0].Revision, compactAt)
	}
	wantDels := []string{p + "k02", p + "k20"}
	gap, _ := events(ctx, t, ch, len(truth.Kvs)+len(wantDels), nil)
	var puts, dels, wantPuts []string
	for _, ev := range gap {
		if ev.Type == etcdsrc.EventDelete {
			dels = append(dels, ev.KV.Key)
		} else {
			puts = append(puts, ev.KV.Key+"="+string(ev.KV.Value))
		}
	}
	for _, kv := range truth.Kvs {
		wantPuts = append(wantPuts, string(kv.Key)+"="+string(kv.Value))
	}
	if !slices.Equal(puts, wantPuts) || !slices.Equal(dels, wantDels) {
		t.Errorf("after COMPACTED\n PUT %q\nwant %q\n DELETE %q\nwant %q", puts, wantPuts, dels, wantDels)
	}
	after := []want{put(t, w, p+"k12", "later"), del(t, w, p+"k00")}
	got, _ = events(ctx, t, ch, len(after), nil)
	check(t, got, after)
	quiet(t, ch)
}

// TestNoSpace fills a member past its quota: every read still works, and
// Status shows the NOSPACE alarm.
func TestNoSpace(t *testing.T) {
	c := small.get(t)
	w := writer(t, c)
	ctx := testCtx(t)
	const p = "/full/"
	big := strings.Repeat("x", 100<<10)
	var first int64
	written := 0
	for ; ; written++ {
		resp, err := w.Put(ctx, fmt.Sprintf("%sk%03d", p, written), big)
		if errors.Is(err, rpctypes.ErrNoSpace) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if first == 0 {
			first = resp.Header.Revision
		}
		if written > 200 {
			t.Fatal("no NOSPACE after 20 MB")
		}
	}
	t.Logf("NOSPACE after %d values of 100 KiB", written)
	l := live(t, config(c.Endpoints()...))
	if n, err := l.Count(ctx, p, 0); err != nil || n != int64(written) {
		t.Errorf("count: %d, %v; want %d", n, err, written)
	}
	if page, err := l.Children(ctx, p, etcdsrc.ChildrenOptions{}); err != nil || len(page.Children) != written {
		t.Errorf("ls: %d children, %v", len(page.Children), err)
	}
	if kv, err := l.Get(ctx, p+"k000", 0); err != nil || len(kv.Value) != len(big) {
		t.Errorf("get: %v", err)
	}
	n := 0
	if _, err := l.Range(ctx, p, 0, func(etcdsrc.KeyValue) error { n++; return nil }); err != nil || n != written {
		t.Errorf("get --prefix: %d keys, %v", n, err)
	}
	if revs, err := l.History(ctx, p+"k000"); err != nil || len(revs) != 1 {
		t.Errorf("history: %d, %v", len(revs), err)
	}
	fctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ch, err := etcdsrc.Follow(fctx, l, p, etcdsrc.FollowOptions{Rev: first})
	if err != nil {
		t.Fatal(err)
	}
	events(fctx, t, ch, written, nil)
	st, err := l.Status(ctx)
	if err != nil || !slices.ContainsFunc(st.Alarms, func(a string) bool { return strings.HasPrefix(a, "NOSPACE on member ") }) {
		t.Errorf("status of a full etcd: alarms %q, %v", st.Alarms, err)
	}
	t.Logf("alarms: %q", st.Alarms)
}

// TestStatusWithSilentMember holds a member's port open and silent, as a
// hung member does: Status still answers within its short deadline, with
// that member's error saying it does not answer, and the others' status.
func TestStatusWithSilentMember(t *testing.T) {
	c := three.get(t)
	w := writer(t, c)
	victim := follower(t, c, w)
	l := live(t, config(c.Endpoints()...))
	restart(t, c, victim)
	if err := c.Blackhole(victim); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	st, err := l.Status(testCtx(t))
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("status with a silent member took %v", took.Round(time.Millisecond))
	for _, m := range st.Members {
		silent := m.ClientURLs[0] == c.Endpoints()[victim]
		if silent != (m.Err != nil) {
			t.Errorf("member %s: error %v", m.Name, m.Err)
		}
		if silent && (m.Err == nil || !strings.Contains(m.Err.Error(), "did not answer")) {
			t.Errorf("the silent member's error: %v", m.Err)
		}
	}
	if st.Answering != 2 || st.NoLeader || st.LeaderID == 0 {
		t.Errorf("status: %+v", st)
	}
	// Three seconds is the explorer's poll: a member lost must show in one.
	if took > 3*time.Second {
		t.Errorf("status took %v with a silent member", took)
	}
}
