package tui

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/etcdscope/etcdscope/etcdsrc"
	"github.com/etcdscope/etcdscope/etcdsrc/demo"
	"github.com/etcdscope/etcdscope/etcdsrc/embedded"
)

// One embedded etcd for the package, seeded twice by the demo seeder:
// under /registry for the flows (which also write there, each to keys of
// its own) and under /golden, which no test changes, so View goldens see
// the same keys, counts and revisions on every run.
var (
	cluster   *embedded.Cluster
	client    *clientv3.Client
	src       etcdsrc.Source
	goldenRev int64
)

const goldenRoot = "/golden"

func TestMain(m *testing.M) {
	// Goldens and flows compare text: no color, whatever the terminal.
	lipgloss.SetColorProfile(termenv.Ascii)
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var err error
	if cluster, err = embedded.Start(ctx, embedded.Options{UnsafeNoFsync: true}); err != nil {
		fmt.Fprintln(os.Stderr, "start etcd:", err)
		return 1
	}
	defer cluster.Stop()
	if client, err = cluster.Client(); err != nil {
		fmt.Fprintln(os.Stderr, "connect:", err)
		return 1
	}
	defer client.Close()
	sum, err := demo.Seed(ctx, client, demo.Options{Root: goldenRoot, Namespaces: 6, Seed: 1})
	if err != nil {
		fmt.Fprintln(os.Stderr, "seed golden:", err)
		return 1
	}
	goldenRev = sum.Revision
	if _, err := demo.Seed(ctx, client, demo.Options{Seed: 2}); err != nil {
		fmt.Fprintln(os.Stderr, "seed:", err)
		return 1
	}
	src = etcdsrc.NewLiveFromClient(client, etcdsrc.Config{CommandTimeout: 10 * time.Second})
	defer src.Close()
	return m.Run()
}

// driver runs a Model the way tea.Program does, on the test's goroutine:
// Cmds run in goroutines, their messages come back through msgs and are
// fed to Update one at a time.
type driver struct {
	t      testing.TB
	m      *Model
	msgs   chan tea.Msg
	ctx    context.Context
	seen   []tea.Msg
	ignore func(tea.Msg) bool
}

func newDriver(t testing.TB, opts Options, w, h int) *driver {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if opts.Source == nil {
		opts.Source = src
	}
	m := newModel(ctx, opts)
	m.c.clip = &strings.Builder{}
	d := &driver{t: t, m: m, msgs: make(chan tea.Msg, 1024), ctx: ctx}
	d.send(tea.WindowSizeMsg{Width: w, Height: h})
	return d
}

// run executes cmd in the background; its message is handled by until.
func (d *driver) run(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	go func() {
		msg := cmd()
		select {
		case d.msgs <- msg:
		case <-d.ctx.Done():
		}
	}()
}

// send calls Update and runs the Cmd it returns.
func (d *driver) send(msg tea.Msg) {
	_, cmd := d.m.Update(msg)
	d.run(cmd)
}

// key sends key presses: single runes, or names like "enter", "esc".
func (d *driver) key(keys ...string) {
	for _, k := range keys {
		d.send(keyMsg(k))
	}
}

func keyMsg(k string) tea.KeyMsg {
	switch k {
	case "enter":
		return tea.KeyMsg{Type: tea.KeyEnter}
	case "esc":
		return tea.KeyMsg{Type: tea.KeyEsc}
	case "tab":
		return tea.KeyMsg{Type: tea.KeyTab}
	case "up":
		return tea.KeyMsg{Type: tea.KeyUp}
	case "down":
		return tea.KeyMsg{Type: tea.KeyDown}
	case "ctrl+s":
		return tea.KeyMsg{Type: tea.KeyCtrlS}
	case "ctrl+c":
		return tea.KeyMsg{Type: tea.KeyCtrlC}
	case "backspace":
		return tea.KeyMsg{Type: tea.KeyBackspace}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
}

// typeText sends each rune of s as a key press.
func (d *driver) typeText(s string) {
	for _, r := range s {
		d.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
}

// until handles messages until cond holds. It waits for state, not for
// time: the deadline only turns a hang into a failure.
func (d *driver) until(what string, cond func(m *Model) bool) {
	d.t.Helper()
	deadline := time.NewTimer(30 * time.Second)
	defer deadline.Stop()
	for !cond(d.m) {
		select {
		case msg := <-d.msgs:
			d.handle(msg)
		case <-deadline.C:
			d.t.Fatalf("waiting for %s: never happened; screen:\n%s", what, d.m.View())
		}
	}
}

func (d *driver) handle(msg tea.Msg) {
	switch msg := msg.(type) {
	case tea.BatchMsg:
		for _, c := range msg {
			d.run(c)
		}
	case nil, tea.QuitMsg:
	default:
		if d.ignore != nil && d.ignore(msg) {
			return
		}
		d.seen = append(d.seen, msg)
		d.send(msg)
	}
}

// start runs Init and waits for the root level with its counts.
func (d *driver) start() {
	d.t.Helper()
	d.run(d.m.Init())
	d.until("the root level", func(m *Model) bool { return m.tree.root.loaded && m.tree.root.count >= 0 })
}

// counted reports whether every directory of a node's level is counted.
func counted(n *node) bool {
	if !n.loaded {
		return false
	}
	for _, c := range n.children {
		if !c.leaf && c.count < 0 && c.err == nil {
			return false
		}
	}
	return true
}

// selectPath moves the tree cursor to key, expanding the directories on
// the way, as a user pressing l and j would.
func (d *driver) selectPath(k string) {
	d.t.Helper()
	root := d.m.tree.root.key
	rest := strings.TrimPrefix(k, root)
	cur := root
	for _, seg := range strings.SplitAfter(rest, "/") {
		if seg == "" {
			continue
		}
		parent := d.m.tree.index[cur]
		if parent == nil {
			d.t.Fatalf("no node %q", cur)
		}
		if !parent.expanded {
			if !d.m.tree.selectKey(cur) {
				d.t.Fatalf("node %q not visible", cur)
			}
			d.key("l")
		}
		d.until("children of "+cur, func(m *Model) bool { return parent.loaded })
		cur += seg
		if !d.m.tree.selectKey(cur) {
			d.t.Fatalf("no row for %q under %q; screen:\n%s", cur, parent.key, d.m.View())
		}
	}
}
