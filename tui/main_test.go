package tui

import (
	"context"
	"fmt"
	"os"
	"runtime/debug"
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
	"github.com/etcdscope/etcdscope/tui/keytree"
	"github.com/etcdscope/etcdscope/tui/kindlist"
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

// deleteAfter deletes what the test wrote under prefix when it ends, so
// that a second run (-count) finds the data as the seed left it.
func deleteAfter(t testing.TB, prefix string) {
	t.Cleanup(func() {
		if _, err := client.Delete(context.Background(), prefix, clientv3.WithPrefix()); err != nil {
			t.Errorf("delete %s: %v", prefix, err)
		}
	})
}

// driver runs a Model the way tea.Program does, on the test's goroutine:
// Cmds run in goroutines, their messages come back through msgs and are
// fed to Update one at a time.
type driver struct {
	t      testing.TB
	m      *Model
	opts   Options
	msgs   chan tea.Msg
	ctx    context.Context
	seen   []tea.Msg
	ignore func(tea.Msg) bool
	// log is everything done to the model, in order (messages, and
	// direct changes through do), so replay can build it again.
	log []any
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
	d := &driver{t: t, m: m, opts: opts, msgs: make(chan tea.Msg, 1024), ctx: ctx}
	d.send(tea.WindowSizeMsg{Width: w, Height: h})
	return d
}

// do changes the model directly (a test's shortcut), and remembers it.
func (d *driver) do(f func(m *Model)) {
	d.log = append(d.log, f)
	f(d.m)
}

// replay builds a new model in the state the driver's model is in, by
// feeding it everything the driver did and every reply it got, with no
// I/O: the replies are the recorded ones.
func (d *driver) replay() *Model {
	m := newModel(d.ctx, d.opts)
	m.c.clip = &strings.Builder{}
	m.c.now, m.c.pageSize = d.m.c.now, d.m.c.pageSize
	for _, e := range d.log {
		switch e := e.(type) {
		case func(*Model):
			e(m)
		case tea.Msg:
			m.Update(e)
		}
	}
	return m
}

// run executes cmd in the background; its message is handled by until.
func (d *driver) run(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	go func() {
		// A panicking Cmd fails the test that made it, with its stack,
		// instead of taking the whole test binary down.
		defer func() {
			if r := recover(); r != nil {
				d.t.Errorf("a Cmd panicked: %v\n%s", r, debug.Stack())
			}
		}()
		msg := cmd()
		select {
		case d.msgs <- msg:
		case <-d.ctx.Done():
		}
	}()
}

// send calls Update and runs the Cmd it returns.
func (d *driver) send(msg tea.Msg) {
	d.log = append(d.log, msg)
	_, cmd := d.m.Update(msg)
	d.run(cmd)
}

// key sends key presses: single runes, or names like "enter", "esc".
func (d *driver) key(keys ...string) {
	for _, k := range keys {
		d.send(keyMsg(k))
	}
}

// namedKeys are the keys tests send by name.
var namedKeys = map[string]tea.KeyType{
	"enter": tea.KeyEnter, "esc": tea.KeyEsc, "tab": tea.KeyTab, "shift+tab": tea.KeyShiftTab,
	"up": tea.KeyUp, "down": tea.KeyDown, "left": tea.KeyLeft, "right": tea.KeyRight,
	"pgup": tea.KeyPgUp, "pgdown": tea.KeyPgDown, "home": tea.KeyHome, "end": tea.KeyEnd,
	"ctrl+s": tea.KeyCtrlS, "ctrl+c": tea.KeyCtrlC, "ctrl+u": tea.KeyCtrlU, "ctrl+d": tea.KeyCtrlD,
	"ctrl+r": tea.KeyCtrlR, "ctrl+x": tea.KeyCtrlX, "backspace": tea.KeyBackspace, " ": tea.KeySpace,
}

func keyMsg(k string) tea.KeyMsg {
	if t, ok := namedKeys[k]; ok {
		return tea.KeyMsg{Type: t}
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

// init runs Init, recorded for replay.
func (d *driver) init() {
	var cmd tea.Cmd
	d.do(func(m *Model) { cmd = m.Init() })
	d.run(cmd)
}

// start runs Init and waits for the root level with its counts.
func (d *driver) start() {
	d.t.Helper()
	d.init()
	d.until("the root level", func(m *Model) bool { return m.root().Loaded && m.root().Count >= 0 })
}

// counted reports whether every directory of a node's level is counted.
func counted(n *keytree.Node) bool {
	if !n.Loaded {
		return false
	}
	for _, c := range n.Children {
		if !c.Leaf && c.Count < 0 && c.Err == nil {
			return false
		}
	}
	return true
}

// root is the tree's root node.
func (m *Model) root() *keytree.Node { return m.tree.tree.Root() }

// node is the tree's node for key k, or nil.
func (m *Model) node(k string) *keytree.Node { return m.tree.tree.Node(k) }

// selectKey moves the tree cursor to a visible key.
func (d *driver) selectKey(k string) {
	d.t.Helper()
	if !d.selectKeyOK(k) {
		d.t.Fatalf("node %q not visible", k)
	}
}

func (d *driver) selectKeyOK(k string) bool {
	ok := false
	d.do(func(m *Model) { ok = m.tree.selectKey(k) })
	return ok
}

// selectPath moves the tree cursor to key, expanding the directories on
// the way, as a user pressing l and j would.
func (d *driver) selectPath(k string) {
	d.t.Helper()
	root := d.m.root().Key
	rest := strings.TrimPrefix(k, root)
	cur := root
	for _, seg := range strings.SplitAfter(rest, "/") {
		if seg == "" {
			continue
		}
		parent := d.m.node(cur)
		if parent == nil {
			d.t.Fatalf("no node %q", cur)
		}
		if !parent.Expanded {
			d.selectKey(cur)
			d.key("l")
		}
		d.until("children of "+cur, func(m *Model) bool { return parent.Loaded })
		cur += seg
		if !d.selectKeyOK(cur) {
			d.t.Fatalf("no row for %q under %q; screen:\n%s", cur, parent.Key, d.m.View())
		}
	}
}

// openLevel selects the directory k in the tree, opens it, and waits until
// it is listed and counted.
func (d *driver) openLevel(k string) *keytree.Node {
	d.t.Helper()
	d.selectPath(k)
	d.key("l")
	n := d.m.node(k)
	d.until(k+" listed and counted", func(m *Model) bool { return counted(n) })
	return n
}

// watch presses w and waits until the follow's events are taken in.
func (d *driver) watch() {
	d.t.Helper()
	d.key("w")
	d.until("the watch", func(m *Model) bool { return m.w.pump != nil && !m.w.waiting })
}

// openList opens a kind list with ":" and waits for it.
func (d *driver) openList(command string) {
	d.t.Helper()
	d.key(":")
	d.typeText(command)
	d.key("enter")
	d.until("the list "+command, func(m *Model) bool { return m.left == leftList && !m.list.loading })
}

// shownItems is a kind list's rows in order.
func shownItems(l *kindlist.List) []kindlist.Item {
	out := make([]kindlist.Item, l.ShownLen())
	for i := range out {
		out[i] = l.At(i)
	}
	return out
}

// itemKeys are the items' keys.
func itemKeys(items []kindlist.Item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.Key
	}
	return out
}
