package demo

import (
	"context"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/etcdscope/etcdscope/decode"
)

func contextWithCancel(t testing.TB) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(testCtx(t))
	t.Cleanup(cancel)
	return ctx, cancel
}

func TestRunKeepsTheClusterAlive(t *testing.T) {
	ctx := testCtx(t)
	const root = "/run"
	opts := Options{Root: root, Namespaces: 5, Seed: 2}
	sum, err := Seed(ctx, cli, opts)
	if err != nil {
		t.Fatalf("Seed: %v", err)
	}
	podsBefore := len(all(t, root+"/pods/"))

	// Watch from just after the seed; stop Run once every kind of change
	// has been seen at least twice.
	wctx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	watch := cli.Watch(wctx, root+"/", clientv3.WithPrefix(), clientv3.WithRev(sum.Revision+1))
	runCtx, stopRun := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- Run(runCtx, cli, opts, 20*time.Millisecond) }()

	seen := map[string]int{}
	leases := map[int64]bool{}
	dec := decode.NewDecoder()
	want := []string{"pod deleted", "pod created", "pod terminating", "pod started", "node lease renewed", "leader lease renewed", "event"}
	enough := func() bool {
		for _, w := range want {
			if seen[w] < 2 {
				return false
			}
		}
		return true
	}
	for !enough() {
		var resp clientv3.WatchResponse
		var open bool
		select {
		case resp, open = <-watch:
			if !open {
				t.Fatalf("watch ended (seen %v)", seen)
			}
		case err := <-done:
			t.Fatalf("Run returned early: %v (seen %v)", err, seen)
		}
		if err := resp.Err(); err != nil {
			t.Fatalf("watch: %v (seen %v)", err, seen)
		}
		for _, ev := range resp.Events {
			key := string(ev.Kv.Key)
			switch {
			case strings.HasPrefix(key, root+"/pods/") && ev.Type == clientv3.EventTypeDelete:
				seen["pod deleted"]++
			case strings.HasPrefix(key, root+"/pods/") && ev.IsCreate():
				seen["pod created"]++
			case strings.HasPrefix(key, root+"/pods/"):
				v := dec.Decode(key, ev.Kv.Value, nil)
				obj := string(v.Object)
				switch {
				case v.Err != nil:
					t.Errorf("%s: %v", key, v.Err)
				case strings.Contains(obj, `"deletionTimestamp"`):
					seen["pod terminating"]++
				case ev.Kv.CreateRevision > sum.Revision && strings.Contains(obj, `"phase":"Running"`):
					seen["pod started"]++
				default:
					t.Errorf("%s: unexpected update %s", key, obj)
				}
			case strings.HasPrefix(key, root+"/leases/kube-node-lease/"):
				seen["node lease renewed"]++
			case key == root+"/leases/kube-system/kube-controller-manager":
				seen["leader lease renewed"]++
			case strings.HasPrefix(key, root+"/events/"):
				seen["event"]++
				if ev.Kv.Lease == 0 {
					t.Errorf("%s: event written without a lease", key)
				}
				leases[ev.Kv.Lease] = true
			}
		}
	}
	stopRun()
	if err := <-done; err != nil {
		t.Errorf("Run after cancel: %v", err)
	}
	for id := range leases {
		ttl, err := cli.TimeToLive(ctx, clientv3.LeaseID(id))
		if err != nil {
			t.Fatalf("lease %x: %v", id, err)
		}
		if ttl.TTL <= 0 || ttl.GrantedTTL != int64(DefaultEventTTL/time.Second) {
			t.Errorf("events' lease %x: ttl %d of %d, want %v", id, ttl.TTL, ttl.GrantedTTL, DefaultEventTTL)
		}
	}

	// Pods come and go one for one: at most the last replacement's victim
	// is still terminating.
	if n := len(all(t, root+"/pods/")); n != podsBefore && n != podsBefore+1 {
		t.Errorf("%d pods after Run, %d before", n, podsBefore)
	}
	// What Run wrote decodes like what Seed wrote.
	decodeAll(t, root, dec)
}

func TestRunRefuses(t *testing.T) {
	ctx := testCtx(t)
	if err := Run(ctx, cli, Options{Root: "/nothing-here"}, time.Second); err == nil || !strings.Contains(err.Error(), "seed the cluster first") {
		t.Errorf("Run on an empty root: %v", err)
	}
	if err := Run(ctx, cli, Options{Root: "/nothing-here"}, 0); err == nil {
		t.Error("Run with no interval: no error")
	}
	cancelled, cancel := contextWithCancel(t)
	cancel()
	if err := Run(cancelled, cli, Options{Root: "/nothing-here"}, time.Second); err != nil {
		t.Errorf("Run with a cancelled context: %v, want nil", err)
	}
}
