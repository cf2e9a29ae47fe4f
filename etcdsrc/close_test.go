package etcdsrc

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"
)

// TestCloseWhileCalling closes a Live while many goroutines call it, as
// the explorer quitting mid-poll does: against an endpoint that does not
// answer (every call waits) and against a working one (calls and watches
// run). No call may panic or hang; Close waits for them all; every call
// after it fails with ErrClosed. Run it with -race.
func TestCloseWhileCalling(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close() // accepts nothing: connections hang
	for _, tc := range []struct {
		name string
		ep   string
	}{
		{"unreachable", ln.Addr().String()},
		{"working", srv.Endpoints()[0]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for round := range 5 {
				closeWhileCalling(t, tc.ep, round)
			}
		})
	}
}

func closeWhileCalling(t *testing.T, ep string, round int) {
	cfg := DefaultConfig()
	cfg.Endpoints = []string{ep}
	cfg.DialTimeout, cfg.CommandTimeout = 5*time.Second, 5*time.Second
	l, err := Dial(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t)
	calls := []func() error{
		func() error { _, err := l.Status(ctx); return err },
		func() error { _, err := l.Children(ctx, "/close/", ChildrenOptions{}); return err },
		func() error { _, err := l.Count(ctx, "/close/", 0); return err },
		func() error { _, err := l.Get(ctx, "/close/k", 0); return err },
		func() error { _, err := l.Range(ctx, "/close/", 0, func(KeyValue) error { return nil }); return err },
		func() error { _, err := l.History(ctx, "/close/k"); return err },
		func() error {
			ch, err := l.Watch(ctx, "/close/", 0)
			if err != nil {
				return err
			}
			for range ch {
			}
			return nil
		},
		func() error {
			ch, err := Follow(ctx, l, "/close/", FollowOptions{StopAtCompaction: true})
			if err != nil {
				return err
			}
			for range ch {
			}
			return nil
		},
	}
	var wg sync.WaitGroup
	started := make(chan struct{}, 4*len(calls))
	for range 4 {
		for _, call := range calls {
			wg.Go(func() {
				started <- struct{}{}
				_ = call() // any error, no panic, no hang
			})
		}
	}
	for range 4 * len(calls) {
		<-started
	}
	// Close at a different moment each round: at once, or after the
	// calls had time to get stuck in the dial.
	time.Sleep(time.Duration(round) * 20 * time.Millisecond)
	if err := l.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	wg.Wait()
	if _, err := l.Status(ctx); !errors.Is(err, ErrClosed) {
		t.Errorf("Status after Close: %v, want ErrClosed", err)
	}
	if _, err := l.Children(ctx, "/close/", ChildrenOptions{}); !errors.Is(err, ErrClosed) {
		t.Errorf("Children after Close: %v, want ErrClosed", err)
	}
	if _, err := l.Watch(ctx, "/close/", 0); !errors.Is(err, ErrClosed) {
		t.Errorf("Watch after Close: %v, want ErrClosed", err)
	}
	if err := l.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// TestCloseCutsCallsShort: a call in flight when Close starts ends with
// ErrClosed, not a timeout, and Close does not wait for the call's own
// deadline.
func TestCloseCutsCallsShort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	cfg := DefaultConfig()
	cfg.Endpoints = []string{ln.Addr().String()}
	cfg.CommandTimeout = time.Minute
	l, err := Dial(cfg)
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() {
		_, err := l.Get(context.Background(), "/close/k", 0)
		errc <- err
	}()
	time.Sleep(50 * time.Millisecond)
	closed := make(chan struct{})
	go func() { l.Close(); close(closed) }()
	select {
	case err := <-errc:
		if !errors.Is(err, ErrClosed) {
			t.Errorf("Get cut short by Close: %v, want ErrClosed", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Get still runs 10s after Close started")
	}
	<-closed
}
