package tui

import (
	"context"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/etcdscope/etcdscope/etcdsrc"
)

// TestQuitWhileReadsAreInFlight quits the explorer right after it starts
// against an endpoint nobody answers on, with its status poll, listing
// and catalog reads still running, and closes the source the way the
// command does once Run returns: many times, with nothing left running
// and no panic.
func TestQuitWhileReadsAreInFlight(t *testing.T) {
	for range 20 {
		cfg := etcdsrc.DefaultConfig()
		cfg.Endpoints = []string{"127.0.0.1:1"}
		cfg.DialTimeout, cfg.CommandTimeout = time.Second, time.Second
		dead, err := etcdsrc.Dial(cfg)
		if err != nil {
			t.Fatal(err)
		}
		m := newModel(context.Background(), Options{Source: dead, Title: "127.0.0.1:1"})
		var running sync.WaitGroup
		var start func(tea.Cmd)
		start = func(cmd tea.Cmd) {
			if cmd == nil {
				return
			}
			running.Go(func() {
				if b, ok := cmd().(tea.BatchMsg); ok {
					for _, c := range b {
						start(c)
					}
				}
			})
		}
		start(m.Init())
		if _, cmd := m.Update(keyMsg("q")); cmd == nil || cmd() != tea.Quit() {
			t.Fatal("q did not quit")
		}
		began := time.Now()
		m.shutdown()
		if err := dead.Close(); err != nil {
			t.Logf("close: %v", err)
		}
		running.Wait()
		if d := time.Since(began); d > quitWait+time.Second {
			t.Errorf("quitting took %s", d)
		}
	}
}
