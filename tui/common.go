package tui

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/etcdscope/etcdscope/decode"
	"github.com/etcdscope/etcdscope/etcdsrc"
)

// ioTimeout bounds one read so a hung cluster shows an error instead of a
// pane that waits forever.
const ioTimeout = 15 * time.Second

// common is what every pane shares: the data side, the styles, the keys.
// Panes and Cmds read it; only the root's Update changes it (the catalog
// learns CRDs there, never in a Cmd).
type common struct {
	ctx context.Context
	// cancel ends ctx: every read in flight sees it.
	cancel context.CancelFunc
	src    etcdsrc.Source
	dec    *decode.Decoder
	cat    *decode.Catalog
	root   string // without the trailing "/"; the first of roots
	// roots are every root the tree shows at its top (OpenShift has two).
	roots  []string
	title  string
	styles *Styles
	keys   *keyMaps
	debug  io.Writer
	clip   io.Writer // where OSC 52 copies go: the terminal
	now    func() time.Time
	// rev is the revision everything is read at (the explorer's --rev);
	// 0 reads the current one.
	rev int64
	// pageSize is how many children one listing brings (treePageSize;
	// tests make it small to exercise paging).
	pageSize int

	// inFlight counts the reads running, so the explorer can wait for
	// them before its source is closed; closed refuses new ones.
	inFlight *sync.WaitGroup
	mu       sync.Mutex
	closed   bool
}

// io makes a Cmd of a read of the source: it does not start once the
// explorer is closing, and the explorer waits for it to end.
func (c *common) io(read func() tea.Msg) tea.Cmd {
	return func() tea.Msg {
		c.mu.Lock()
		if c.closed {
			c.mu.Unlock()
			return nil
		}
		c.inFlight.Add(1)
		c.mu.Unlock()
		defer c.inFlight.Done()
		return read()
	}
}

// close refuses new reads and cancels those running.
func (c *common) close() {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.cancel()
}

// keyMaps holds every pane's bindings as built once; each pane copies its
// own and enables them for its state.
type keyMaps struct {
	global  globalKeys
	tree    treeKeys
	list    listKeys
	object  objectKeys
	history historyKeys
	events  eventKeys
	stats   statsKeys
	deleted deletedKeys
}

func newKeyMaps() *keyMaps {
	return &keyMaps{
		global:  newGlobalKeys(),
		tree:    newTreeKeys(),
		list:    newListKeys(),
		object:  newObjectKeys(),
		history: newHistoryKeys(),
		events:  newEventKeys(),
		stats:   newStatsKeys(),
		deleted: newDeletedKeys(),
	}
}

// logf writes to the debug log, when there is one. Never values or
// credentials: only what happened.
func (c *common) logf(format string, args ...any) {
	if c.debug == nil {
		return
	}
	fmt.Fprintf(c.debug, time.Now().Format("15:04:05.000 ")+format+"\n", args...)
}

// kindOf is the resource kind stored under a directory key; false for
// directories that are not a resource.
func (c *common) kindOf(dirKey string) (decode.Kind, bool) {
	if c.cat == nil {
		return decode.Kind{}, false
	}
	for _, root := range c.roots {
		rel, under := strings.CutPrefix(dirKey, root+"/")
		if rel = strings.TrimSuffix(rel, "/"); under && rel != "" {
			return c.cat.ForPrefix(rel)
		}
	}
	return decode.Kind{}, false
}

// wrapf wraps err with what was being done.
func wrapf(err error, format string, args ...any) error {
	return fmt.Errorf(format+": %w", append(args, err)...)
}
