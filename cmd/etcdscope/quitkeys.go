package main

import (
	"context"
	"os"
	"sync/atomic"

	"github.com/charmbracelet/x/term"
	"github.com/muesli/cancelreader"
)

// The keys that stop the explorer before its screen is open.
const (
	keyQuit  = 'q'
	keyCtrlC = 0x03 // read as a byte: the terminal is raw, so no SIGINT
)

// quitKeys lets q and ctrl-c on the terminal stop what the explorer does
// before its screen opens (the connection check waits up to
// --dial-timeout on an endpoint that never answers); until then the
// terminal would only echo them. It returns ctx, cancelled when one of
// them is pressed, and stop, which gives the terminal back as it was and
// tells the key pressed (0: none); call it before the screen opens. With
// no terminal, ctx comes back as it is.
func quitKeys(ctx context.Context, tty *os.File) (context.Context, func() byte) {
	none := func() byte { return 0 }
	if tty == nil || !term.IsTerminal(tty.Fd()) {
		return ctx, none
	}
	state, err := term.MakeRaw(tty.Fd())
	if err != nil {
		return ctx, none
	}
	r, err := cancelreader.NewReader(tty)
	if err != nil {
		_ = term.Restore(tty.Fd(), state)
		return ctx, none
	}
	ctx, cancel := context.WithCancel(ctx)
	var pressed atomic.Int32
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 64)
		for {
			n, err := r.Read(buf)
			for _, b := range buf[:n] {
				if b == keyQuit || b == keyCtrlC {
					pressed.Store(int32(b))
					cancel()
					return
				}
			}
			if err != nil {
				return // cancelled by stop, or the terminal is gone
			}
		}
	}()
	stopped := false
	return ctx, func() byte {
		if !stopped {
			stopped = true
			r.Cancel()
			<-done
			r.Close()
			_ = term.Restore(tty.Fd(), state)
		}
		return byte(pressed.Load())
	}
}

// openTTY is the terminal the explorer reads its keys from, as bubbletea
// opens it; nil when there is none.
func openTTY() *os.File {
	f, err := os.Open("/dev/tty")
	if err != nil {
		return nil
	}
	return f
}
