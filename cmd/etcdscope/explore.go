package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/spf13/cobra"

	"github.com/etcdscope/etcdscope/cmd/etcdscope/internal/initgc"
	"github.com/etcdscope/etcdscope/tui"
)

// runTUI opens the explorer on the source the flags name. Indexing a big
// snapshot shows its progress on stderr before the screen opens.
func (a *app) runTUI(cmd *cobra.Command) error {
	a.progress = progressLine(a.errOut, "indexing snapshot", "revisions")
	a.lenient = true
	open := a.tty
	if open == nil {
		open = openTTY
	}
	tty := open()
	if tty != nil {
		defer tty.Close()
	}
	ctx, stopKeys := quitKeys(cmd.Context(), tty)
	cmd.SetContext(ctx)
	err := a.withSession(cmd, func(ctx context.Context, s *session) error {
		if stopKeys() != 0 {
			return context.Canceled // pressed as the session opened
		}
		fmt.Fprint(a.errOut, "\r\033[K")
		a.settleRoots(ctx, s)
		debug, closeDebug, err := openDebugLog(a.src.debugLog)
		if err != nil {
			return err
		}
		defer closeDebug()
		return runExplorer(ctx, tui.Options{
			Source: s.src, Decoder: s.decoder, Root: s.root, Roots: s.roots, Rev: s.rev,
			Title: explorerTitle(s), Debug: debug,
		})
	})
	switch stopKeys() {
	case keyQuit:
		return nil // q before the screen opened: as q on it
	case keyCtrlC:
		return &exitError{code: 130, err: errInterruptedCommand}
	}
	return err
}

// explorerTitle names the source in the header, with where the
// connection came from and which roots were found when that was not said.
func explorerTitle(s *session) string {
	t := s.title
	if s.manifestImplicit {
		t += " (from " + s.manifest + ")"
	}
	if s.rootsDetected {
		t += " · roots " + strings.Join(dirPrefixes(s.roots), " ") + " found"
	}
	return t
}

// explorerGCPercent is the explorer's GOGC. It runs for hours over lists
// of up to a few hundred thousand rows with a memory budget (PRODUCT.md:
// 50 MB RssAnon); the runtime's default lets the heap grow to twice what
// is live before it collects. At 50 the peak is one and a half times, for
// more frequent collections of a heap with few pointers (the lists hold
// none). GOGC in the environment wins.
const explorerGCPercent = 50

// runExplorer runs the TUI until the user quits or ctx ends.
func runExplorer(ctx context.Context, opts tui.Options) error {
	initgc.SetPercent(explorerGCPercent)
	return tui.Run(ctx, opts)
}

// openDebugLog opens the --debug file; with none, the log goes nowhere.
func openDebugLog(path string) (io.Writer, func(), error) {
	if path == "" {
		return nil, func() {}, nil
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("open debug log: %w", err)
	}
	return f, func() { f.Close() }, nil
}

// progressLine draws a one-line progress report of what is being done,
// with how many units of the total, rate and ETA, on w, at most a few
// times a second.
func progressLine(w io.Writer, what, unit string) func(done, total int64) {
	var (
		mu    sync.Mutex
		start = time.Now()
		last  time.Time
	)
	return func(done, total int64) {
		mu.Lock()
		defer mu.Unlock()
		now := time.Now()
		if now.Sub(last) < 200*time.Millisecond || total <= 0 {
			return
		}
		last = now
		elapsed := now.Sub(start).Seconds()
		rate := float64(done) / max(elapsed, 0.001)
		eta := time.Duration(float64(total-done) / max(rate, 1) * float64(time.Second)).Round(time.Second)
		fmt.Fprintf(w, "\r\033[K%s: %3.0f%%  %s of %s %s  %s %s/s  ETA %s", what, 100*float64(done)/float64(total),
			humanize.Comma(done), humanize.Comma(total), unit, humanize.Comma(int64(rate)), unit, eta)
	}
}
