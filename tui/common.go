package tui

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

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
	ctx    context.Context
	src    etcdsrc.Source
	dec    *decode.Decoder
	cat    *decode.Catalog
	root   string // without the trailing "/"
	title  string
	styles *Styles
	keys   *keyMap
	debug  io.Writer
	clip   io.Writer // where OSC 52 copies go: the terminal
	now    func() time.Time
	// pageSize is how many children one listing brings (treePageSize;
	// tests make it small to exercise paging).
	pageSize int
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
	rel := strings.TrimSuffix(strings.TrimPrefix(dirKey, c.root+"/"), "/")
	if rel == "" || rel == dirKey {
		return decode.Kind{}, false
	}
	return c.cat.ForPrefix(rel)
}

// wrapf wraps err with what was being done.
func wrapf(err error, format string, args ...any) error {
	return fmt.Errorf(format+": %w", append(args, err)...)
}

// fuzzyMatch reports whether the runes of pattern appear in s in order,
// ignoring case: "wdep" matches "web-deployment".
func fuzzyMatch(pattern, s string) bool {
	for _, pr := range pattern {
		pr = unicode.ToLower(pr)
		found := false
		for len(s) > 0 {
			r, size := utf8.DecodeRuneInString(s)
			s = s[size:]
			if unicode.ToLower(r) == pr {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}
