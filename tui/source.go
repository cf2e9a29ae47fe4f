package tui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aymanbagabas/go-osc52/v2"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/etcdscope/etcdscope/decode"
	"github.com/etcdscope/etcdscope/etcdsrc"
	"github.com/etcdscope/etcdscope/tui/keytree"
)

// Status polling: often enough that the revision and the connection state
// stay current, and a lost cluster is retried soon.
const (
	statusEvery      = 2 * time.Second
	statusRetryEvery = 2 * time.Second
	// statusTimeout bounds one status poll: a cluster that does not
	// answer within it shows as unreachable, within about three seconds
	// of going away.
	statusTimeout = 2 * time.Second
)

// sourceState is what the status line knows about the source.
type sourceState struct {
	checked    bool
	polling    bool // a status poll is in flight
	rev        int64
	endpoints  []string
	snapshot   string
	state      string // "connected · 3 members · leader m2", "snapshot"
	noLeader   bool   // members answer, but none leads: quorum is lost
	compactRev int64  // the oldest revision still readable, as last told
	connErr    string // the source cannot be reached
	lastErr    string // the last failure of anything, until esc
	crdsOK     bool
}

// statusMsg carries the source's status.
type statusMsg struct {
	st  etcdsrc.Status
	err error
}

// statusTickMsg asks for the status again.
type statusTickMsg struct{}

// crdsMsg carries a kind catalog that knows the stored CRDs too.
type crdsMsg struct {
	catalog *decode.Catalog
	err     error
}

// namespacesMsg carries the namespace names, for ":" completion.
type namespacesMsg struct {
	names []string
	err   error
}

func statusCmd(c *common) tea.Cmd {
	return c.io(func() tea.Msg {
		ctx, cancel := context.WithTimeout(c.ctx, statusTimeout)
		defer cancel()
		st, err := c.src.Status(ctx)
		if err == nil {
			err = unreachable(st)
		}
		return statusMsg{st: st, err: err}
	})
}

func statusTickCmd(d time.Duration) tea.Cmd {
	return tea.Tick(d, func(time.Time) tea.Msg { return statusTickMsg{} })
}

// loadCRDsCmd reads the stored CRDs so ":" knows custom resources. It
// builds a new catalog; Update swaps it in, so nothing here touches the
// model.
func loadCRDsCmd(c *common) tea.Cmd {
	return c.io(func() tea.Msg {
		ctx, cancel := context.WithTimeout(c.ctx, ioTimeout)
		defer cancel()
		catalog, err := etcdsrc.LoadCatalog(ctx, c.src, c.dec, c.root)
		return crdsMsg{catalog: catalog, err: err}
	})
}

func loadNamespacesCmd(c *common) tea.Cmd {
	return c.io(func() tea.Msg {
		ctx, cancel := context.WithTimeout(c.ctx, ioTimeout)
		defer cancel()
		prefix := c.root + "/namespaces/"
		page, err := c.src.Children(ctx, prefix, etcdsrc.ChildrenOptions{Rev: c.rev})
		if err != nil {
			return namespacesMsg{err: wrapf(err, "list namespaces")}
		}
		var names []string
		for _, ch := range page.Children {
			if ch.Leaf {
				names = append(names, ch.Name)
			}
		}
		return namespacesMsg{names: names}
	})
}

// handleSource takes the source's status, CRDs and namespaces.
func (m *Model) handleSource(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case statusTickMsg:
		return m.pollStatus()
	case statusMsg:
		m.st.checked, m.st.polling = true, false
		if msg.err != nil {
			m.st.connErr = msg.err.Error()
			m.noteErr(msg.err)
			return statusTickCmd(statusRetryEvery)
		}
		var cmds []tea.Cmd
		st := msg.st
		if m.st.connErr != "" || m.st.noLeader && !st.NoLeader {
			// Back after a failure or a quorum loss: retry what failed.
			m.st.connErr = ""
			m.st.lastErr = ""
			cmds = append(cmds, m.retryFailed())
		}
		m.st.rev = max(m.st.rev, st.Revision)
		m.st.endpoints, m.st.snapshot = st.Endpoints, st.Snapshot
		m.st.state = describeStatus(st)
		m.st.noLeader = st.NoLeader
		if st.CompactRevision > m.st.compactRev {
			m.st.compactRev = st.CompactRevision
			cmds = append(cmds, m.historyCompacted(st.CompactRevision))
		}
		cmds = append(cmds, statusTickCmd(statusEvery))
		return tea.Batch(cmds...)
	case crdsMsg:
		if msg.err != nil {
			m.c.logf("crds: %v", msg.err)
			return nil
		}
		m.st.crdsOK = true
		m.c.cat = msg.catalog
		m.prompt.setCompletion(kindNames(m.c.cat), m.prompt.namespaces)
	case namespacesMsg:
		if msg.err != nil {
			m.c.logf("namespaces: %v", msg.err)
			return nil
		}
		m.prompt.setCompletion(m.prompt.kinds, msg.names)
	}
	return nil
}

// historyCompacted re-reads an open history whose older revisions a
// compaction removed, and says so: it shows what is left.
func (m *Model) historyCompacted(rev int64) tea.Cmd {
	h := &m.hist
	if m.right != rightHistory || len(h.revs) == 0 || h.revs[len(h.revs)-1].ModRevision >= rev {
		return nil
	}
	at := int64(0)
	if h.cursor < len(h.revs) {
		at = h.revs[h.cursor].ModRevision
	}
	cmd := h.open(h.key, h.reveal, at)
	h.told = fmt.Sprintf("etcd compacted up to rev %s: this is what is left", formatCount(rev))
	return cmd
}

// pollStatus asks for the source's status unless a poll is in flight.
func (m *Model) pollStatus() tea.Cmd {
	if m.st.polling {
		return nil
	}
	m.st.polling = true
	return statusCmd(m.c)
}

// retryFailed lists again what failed while no member answered or no
// leader was there: the top levels and every open level whose listing or
// count failed, the open kind list, and the CRDs.
func (m *Model) retryFailed() tea.Cmd {
	var cmds []tea.Cmd
	var walk func(nodes []*keytree.Node)
	walk = func(nodes []*keytree.Node) {
		for _, n := range nodes {
			switch {
			case n.Leaf:
			case n.Err != nil && (n.Expanded || m.tree.tree.IsTop(n)):
				// Listed again with what was open under it, as after a
				// compaction.
				cmds = append(cmds, m.tree.refresh(n.Key))
			case n.Expanded:
				walk(n.Children)
			}
		}
	}
	walk(m.tree.tree.Tops())
	if m.list.prefix != "" && m.list.err != nil && !m.list.loading {
		cmds = append(cmds, m.list.reload())
	}
	if !m.st.crdsOK {
		cmds = append(cmds, loadCRDsCmd(m.c), loadNamespacesCmd(m.c))
	}
	return tea.Batch(cmds...)
}

// unreachable is an error when no member of a live cluster answered: the
// source reports that per member, the status line as a whole.
func unreachable(st etcdsrc.Status) error {
	if st.Snapshot != "" || len(st.Members) == 0 {
		return nil
	}
	for _, mb := range st.Members {
		if mb.Err == nil {
			return nil
		}
	}
	return fmt.Errorf("no etcd member answers: %w", st.Members[0].Err)
}

// describeStatus says in a few words how the source is.
func describeStatus(st etcdsrc.Status) string {
	if st.Snapshot != "" {
		parts := []string{"snapshot, read-only"}
		if st.Checksum != etcdsrc.ChecksumNone {
			parts = append(parts, st.Checksum.String())
		}
		if st.MayLagWAL {
			parts = append(parts, "may lag its WAL")
		}
		return strings.Join(parts, " · ")
	}
	parts := []string{"connected"}
	if st.NoLeader {
		parts = []string{fmt.Sprintf("no quorum: %d of %d members answer", st.Answering, len(st.Members))}
	}
	if n := len(st.Members); n > 1 {
		parts = append(parts, fmt.Sprintf("%d members", n))
		for _, mb := range st.Members {
			if mb.Leader {
				parts = append(parts, "leader "+mb.Name)
			}
		}
		var down []string
		for _, mb := range st.Members {
			if mb.Err != nil {
				down = append(down, mb.Name)
			}
		}
		if len(down) > 0 {
			parts = append(parts, strings.Join(down, ",")+" down")
		}
	}
	if len(st.Alarms) > 0 {
		parts = append(parts, "alarm "+strings.Join(st.Alarms, ","))
	}
	return strings.Join(parts, " · ")
}

// kindNames is every name ":" accepts, for completion.
func kindNames(cat *decode.Catalog) []string {
	seen := map[string]bool{}
	var out []string
	add := func(s string) {
		s = strings.ToLower(s)
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	// Plurals first: tab completes to the first match, and "deploy"
	// should become "deployments" as in kubectl and k9s.
	kinds := cat.Kinds()
	for _, k := range kinds {
		add(k.Resource)
	}
	for _, k := range kinds {
		add(k.Singular)
		add(k.Kind)
		for _, sn := range k.ShortNames {
			add(sn)
		}
		if k.Group != "" {
			add(k.Resource + "." + k.Group)
		}
	}
	add("consistency") // the commands that are not a kind
	add("deleted")
	return out
}

// copiedMsg reports a copy to the clipboard.
type copiedMsg struct {
	note string // what the status says once copied
	err  error
}

// copyCmd puts text on the clipboard with OSC 52, which works over ssh;
// inside tmux the sequence is wrapped so tmux passes it on.
func copyCmd(w io.Writer, text, note string) tea.Cmd {
	return func() tea.Msg {
		seq := osc52.New(text)
		if os.Getenv("TMUX") != "" {
			seq = seq.Tmux()
		}
		if _, err := seq.WriteTo(w); err != nil {
			return copiedMsg{err: wrapf(err, "copy to clipboard")}
		}
		return copiedMsg{note: note}
	}
}

// savedMsg reports a save to a file: done, failed, or refused because the
// file exists and overwriting was not asked for.
type savedMsg struct {
	path   string // absolute
	exists bool
	note   string
	err    error
}

// saveCmd writes data to path (~ is the home directory; relative paths
// are from the working directory). It never replaces a file unless
// overwrite is set.
func saveCmd(path string, data []byte, overwrite bool, note string) tea.Cmd {
	return func() tea.Msg {
		if strings.HasPrefix(path, "~/") {
			if home, err := os.UserHomeDir(); err == nil {
				path = filepath.Join(home, path[2:])
			}
		}
		if abs, err := filepath.Abs(path); err == nil {
			path = abs
		}
		// 0600: what is saved may be a secret revealed on screen.
		flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
		if overwrite {
			flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
		}
		f, err := os.OpenFile(path, flags, 0o600)
		if errors.Is(err, fs.ErrExist) {
			return savedMsg{path: path, exists: true}
		}
		if err != nil {
			return savedMsg{path: path, err: wrapf(err, "save")}
		}
		if _, err := f.Write(data); err != nil {
			f.Close()
			return savedMsg{path: path, err: wrapf(err, "save %s", path)}
		}
		if err := f.Close(); err != nil {
			return savedMsg{path: path, err: wrapf(err, "save %s", path)}
		}
		return savedMsg{path: path, note: note}
	}
}
